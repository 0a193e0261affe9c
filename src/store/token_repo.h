/* token_repo — rows of api_token (migration 0014): the machine tokens of
 * collectors (issue 12 item 2). Only the SHA-256 of a secret is stored,
 * with its first characters (prefix) to recognise it; the rules (names,
 * scopes, the secret, constant-time checks) are in domain/tokens.c.
 *
 * Thread: the Store's owner.
 */
#ifndef RESOPS_STORE_TOKEN_REPO_H
#define RESOPS_STORE_TOKEN_REPO_H

#include <stdint.h>
#include "store/store.h"

#define TOKEN_NAME_MAX   64
#define TOKEN_HASH_BYTES 32      /* SHA-256 */
#define TOKEN_PREFIX_MAX 15

typedef struct ApiTokenRow {
    int64_t id;
    char    name[TOKEN_NAME_MAX + 1];
    char    scope[8];                  /* "ingest" | "read" | "write" */
    char    prefix[TOKEN_PREFIX_MAX + 1];
    char    created_by[330];           /* "" when unknown */
    int64_t created_at;
    int64_t last_used_at;              /* 0: never */
    int64_t revoked_at;                /* 0: live */
} ApiTokenRow;

/* Insert a token: its new id, -EEXIST when an unrevoked token has the
 * name (a revoked token's name is free again: 0015), -EIO. */
int64_t token_repo_insert(Store *st, const char *name, const char *scope,
                          const unsigned char hash[TOKEN_HASH_BYTES], const char *prefix,
                          const char *created_by, int64_t now);

/* Every token, revoked ones too, by name then id: malloc'd array into *out
 * (free(); NULL when none), count or -EIO. */
int token_repo_list(Store *st, ApiTokenRow **out);

/* One token by exact name: the unrevoked one, else the last revoked
 * (by_id: by id): 1 and *out, 0 none, -EIO. */
int token_repo_by_name(Store *st, const char *name, ApiTokenRow *out);
int token_repo_by_id(Store *st, int64_t id, ApiTokenRow *out);

/* The tokens whose prefix is prefix, with their stored hashes, for the
 * caller to compare in constant time: up to max into out/hashes; count
 * or -EIO. */
int token_repo_by_prefix(Store *st, const char *prefix, ApiTokenRow *out,
                         unsigned char (*hashes)[TOKEN_HASH_BYTES], int max);

/* Set revoked_at when not revoked yet: 1 done, 0 missing or revoked
 * already, -EIO. */
int token_repo_revoke(Store *st, int64_t id, int64_t now);

/* Set last_used_at: 0 or -EIO. */
int token_repo_touch(Store *st, int64_t id, int64_t now);

#endif
