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

/* The token of a request from its "Authorization" and seed 004's "token"
 * header values (NULL when absent): "Bearer X" (any case, spaces around)
 * gives X, else the token header's value; NULL when there is none, with
 * *malformed = 1 when an Authorization header is there but not Bearer.
 * The result points into the argument it came from. */
const char *api_bearer_token(const char *authorization, const char *token, int *malformed);

/* 0 and *out, or -EKEYEXPIRED ("Token has expired") / -EINVAL ("Invalid
 * token") with *why set to that message. */
int api_token_verify(const unsigned char *key, size_t keylen, const char *token, int64_t now,
                     TokenClaims *out, const char **why);

/* The secret: `configured` when non-empty, else the contents of
 * "<db_path>.jwt-secret", created once (mode 0600) from 32 random bytes.
 * *out is malloc'd (caller frees). 0 or -errno with err. */
int api_secret_load(const char *configured, const char *db_path, unsigned char **out,
                    size_t *outlen, char *err, size_t errsz);

/* ---- issue 12 item 2: machine tokens ("Authorization: Bearer rsk_...") --
 * A machine token is not a JWT: authenticate() in server.c hands any
 * bearer that starts "rsk_" (domain/tokens.h) to api_machine_auth. The
 * request then runs as the pseudo user "token:<name>" (id 0), which is
 * also this connection's audit actor for the request (audit_repo's
 * session actor), so rows written with user id 0 name the token. */
struct ApiReq;
struct ApiResp;
struct ApiRoute;

/* Scope rules (README "Machine tokens"): ingest only ROUTE_INGEST
 * routes; read GET/HEAD of routes some non-Admin role may call; write
 * any route some non-Admin role may call. 1 allowed, else 0. */
int api_machine_scope_allows(int scope, const char *method, const struct ApiRoute *r);

/* Authenticate secret for route r: 0 with *user (the pseudo user: name
 * "token:<name>", role "Ops Analyst" for write, else "user") and
 * rq->user/rq->jti set; else -1 with the answer in rs: 401 "Invalid
 * token" / "Token has been revoked", 403 "Token scope 'x' does not allow
 * this request", 500. */
int api_machine_auth(struct ApiReq *rq, const struct ApiRoute *r, const char *secret,
                     UserInfo *user, struct ApiResp *rs);

/* Forget the previous request's token actor on this connection (called
 * before each routed request). */
void api_machine_reset(Store *st);

#endif
