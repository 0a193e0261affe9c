/* audit_repo — seed 000's AuditLog table, plus who acted (actor) and, on
 * alert rows, the alert's own id.
 *
 * Every row names its actor: the one given to audit_repo_add_as(); else
 * the user's name when user_id names one; else the connection's session
 * actor (audit_repo_set_session_actor: the console sets its login name on
 * its own connection, so every write made from the console is attributed
 * without each domain function carrying the name); else "system".
 *
 * Thread: the Store's owner. */
#ifndef RESOPS_STORE_AUDIT_REPO_H
#define RESOPS_STORE_AUDIT_REPO_H

#include <stdint.h>
#include "store/store.h"
#include "model/audit.h"

/* Append one entry; 0 or -EIO. detail may be NULL. The actor is found
 * as the header says. */
int audit_repo_add(Store *st, const char *action, const char *entity, int64_t entity_id,
                   int64_t user_id, const char *detail, int64_t now);
/* The same with the actor named (NULL or "" = as audit_repo_add). */
int audit_repo_add_as(Store *st, const char *action, const char *entity, int64_t entity_id,
                      int64_t user_id, const char *actor, const char *detail, int64_t now);
/* An "Alert" row: entity_id is the alert's service (seed 000), alert_id
 * the alert itself. actor may be NULL. 0 or -EIO. */
int audit_repo_add_alert(Store *st, const char *action, int64_t alert_id, int64_t service_id,
                         int64_t user_id, const char *actor, const char *detail, int64_t now);

/* Name this connection's writer: rows it adds with user_id 0 and no actor
 * (or "system") get this name instead of "system"; it lives and dies with
 * the Store, so no other connection sees it. The console calls it with
 * the login name on its own Store. 0. */
int audit_repo_set_session_actor(Store *st, const char *actor);

/* Newest first; up to max rows into out (caller's array); returns count or
 * -EIO. filter (may be NULL) matches action, entity, detail or actor
 * (substring). */
int audit_repo_list(Store *st, const char *filter, AuditRow *out, int max);

/* Count entries with this action and entity_id (tests, dedup checks). */
int64_t audit_repo_count(Store *st, const char *action, int64_t entity_id);

#endif
