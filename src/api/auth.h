/* auth — JWT access tokens (HS256 only) and the signing secret.
 *
 * libjwt 1.10 checks only the signature: the algorithm is pinned and
 * `exp` is checked here. Claims: sub (user id as a string), username,
 * role, jti (the session id, revocable), iat, exp.
 *
 * Thread: any (no shared state).
 */
#ifndef RESOPS_API_AUTH_H
#define RESOPS_API_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include "domain/users.h"

typedef struct TokenClaims {
    int64_t user_id;
    int64_t exp;
    char    jti[USERS_JTI_LEN + 1];
} TokenClaims;

/* A signed token (malloc'd, caller frees) or NULL. */
char *api_token_issue(const unsigned char *key, size_t keylen, const UserInfo *u,
                      const char *jti, int64_t now, int ttl_s);

/* 0 and *out, or -EKEYEXPIRED ("Token has expired") / -EINVAL ("Invalid
 * token") with *why set to that message. */
int api_token_verify(const unsigned char *key, size_t keylen, const char *token, int64_t now,
                     TokenClaims *out, const char **why);

/* The secret: `configured` when non-empty, else the contents of
 * "<db_path>.jwt-secret", created once (mode 0600) from 32 random bytes.
 * *out is malloc'd (caller frees). 0 or -errno with err. */
int api_secret_load(const char *configured, const char *db_path, unsigned char **out,
                    size_t *outlen, char *err, size_t errsz);

#endif
