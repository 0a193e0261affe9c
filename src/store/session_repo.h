/* session_repo — issued API tokens (one row per JWT id, revocable) and
 * failed logins (the login throttle). Thread: the Store's owner. */
#ifndef RESOPS_STORE_SESSION_REPO_H
#define RESOPS_STORE_SESSION_REPO_H

#include <stdint.h>
#include "store/store.h"

int session_repo_insert(Store *st, const char *jti, int64_t user_id, int64_t expires_at);
/* The session of jti for user_id: 1 found (*out_revoked 0/1), 0 none, -EIO. */
int session_repo_get(Store *st, const char *jti, int64_t user_id, int *out_revoked);
/* Mark revoked: 1 revoked now, 0 unknown or already revoked, -EIO. */
int session_repo_revoke(Store *st, const char *jti, int64_t now);
/* Forget sessions that expired before `before`; count or -EIO. */
int session_repo_prune(Store *st, int64_t before);

int login_failure_add(Store *st, const char *username, int64_t now);
/* Failures of username at or after since; count or -EIO. */
int login_failure_count(Store *st, const char *username, int64_t since);
/* Oldest failure of username at or after since (0 when none). */
int64_t login_failure_oldest(Store *st, const char *username, int64_t since);
/* Drop the failures of username (all when since = 0, else those before). */
int login_failure_clear(Store *st, const char *username, int64_t before);

#endif
