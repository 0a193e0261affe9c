/* user_repo — seed 000's User table (argon2id hashes, exact role strings).
 * Thread: the Store's owner. */
#ifndef RESOPS_STORE_USER_REPO_H
#define RESOPS_STORE_USER_REPO_H

#include <stdint.h>
#include "store/store.h"

typedef struct UserRow {
    int64_t id;
    char    username[321];     /* 80 characters of UTF-8 */
    char    password[256];     /* libsodium crypto_pwhash_str string */
    char    role[21];
} UserRow;

/* New user's id, -EEXIST when the username is taken, -EIO. */
int64_t user_repo_insert(Store *st, const char *username, const char *hash, const char *role,
                         int64_t now);
int user_repo_by_name(Store *st, const char *username, UserRow *out); /* 1, 0, -EIO */
/* The account a login name means: usernames compare case-insensitively
 * (ASCII) and without surrounding spaces; among accounts from before that
 * rule which match alike, the byte-exact raw name wins, then the trimmed
 * one, then the oldest. 1, 0, -EIO. */
int user_repo_by_name_ci(Store *st, const char *raw, const char *trimmed, UserRow *out);
int user_repo_get(Store *st, int64_t id, UserRow *out);               /* 1, 0, -EIO */
int64_t user_repo_count(Store *st);                                    /* n or -EIO */

#endif
