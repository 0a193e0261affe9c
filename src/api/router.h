/* router — the const route table {method, path pattern, roles, handler}
 * and its matcher. Patterns are OpenAPI paths: a "{name}" segment matches
 * a positive decimal integer (seed 000's <int:service_id>), so the table
 * and data/openapi.json use the same strings and a test keeps them equal.
 * "{incident_id}" and "{category}" (seed 001) match any non-empty segment
 * of at most API_TEXT_PARAM_MAX bytes instead.
 *
 * Thread: any (read-only).
 */
#ifndef RESOPS_API_ROUTER_H
#define RESOPS_API_ROUTER_H

#include <stddef.h>
#include <stdint.h>
#include "api/http.h"

/* Role bits. Admin passes every role check. */
#define ROLE_BIT_USER     0x01u
#define ROLE_BIT_BO       0x02u   /* Business Owner */
#define ROLE_BIT_OA       0x04u   /* Ops Analyst */
#define ROLE_BIT_ENG      0x08u   /* Engineer */
#define ROLE_BIT_ADMIN    0x10u
#define ROLES_SIGNED_IN   0x1fu   /* any valid token */
#define ROLES_PUBLIC      0x00u   /* no token needed */
#define ROLES_OPTIONAL    0x100u  /* public, but a given token must be valid */

/* flags */
#define ROUTE_CACHED 0x1u  /* the 200 answer depends only on the database's
                            * contents: kept per worker thread and served
                            * again until the database changes (auth and
                            * role checks still run on every request) */
#define ROUTE_SLOW   0x2u  /* the handler may wait long (seed 001's resolve
                            * calls): it first runs on the listener thread
                            * in no-wait mode (refusals answer there); only
                            * a request that must wait for a run goes to
                            * the slow pool, its connection suspended */
#define ROUTE_UNSERIAL 0x4u /* a write that spends its time outside the database
                            * (password hashing, log parsing): not serialized
                            * with the other writes (see server.c) */
#define ROUTE_INGEST 0x8u  /* issue 12: a security ingestion route: a machine
                            * token of scope "ingest" may call it (besides
                            * the roles above); ingestion commits through
                            * store_group_commit, so it is also not
                            * serialized under the listener's write lock */
#define ROUTE_LARGE_BODY 0x80u /* issue 12: the body may reach the upload limit
                            * (security.upload_max_bytes, 16 MiB) instead of the
                            * listener's 1 MiB (the raw payload upload and the
                            * four /api/ingest/ endpoints) */

typedef struct ApiRoute {
    const char *method;
    const char *pattern;
    unsigned    roles;
    ApiHandler  handler;
    unsigned    flags;
} ApiRoute;

/* The whole table (for the listener, the OpenAPI test). */
const ApiRoute *api_routes(size_t *n);

/* Find the route. Returns it (and *out_id for a "{...}" segment), or NULL:
 * *path_known = 1 when some route has this path with another method (405),
 * and allow gets those methods ("GET, POST"). HEAD matches GET. */
const ApiRoute *api_route_match(const char *method, const char *path, int64_t *out_id,
                                int *path_known, char *allow, size_t allowsz);

#define API_TEXT_PARAM_MAX 128
/* When path would match a route but for a text parameter longer than
 * API_TEXT_PARAM_MAX: that parameter's name into name (e.g. "incident_id")
 * and name returned, so the caller can answer 400 instead of 404; else
 * NULL. */
const char *api_route_long_param(const char *path, char *name, size_t size);

/* The text parameter of path for route r ("{incident_id}", "{category}")
 * into out (NUL-terminated; size > API_TEXT_PARAM_MAX): 1, or 0 when the
 * route has none. */
int api_route_text_param(const ApiRoute *r, const char *path, char *out, size_t size);

/* The bit of an exact role string (0 for unknown). */
unsigned api_role_bit(const char *role);
/* May a user with this role call a route with these roles? */
int      api_role_allows(unsigned roles, const char *role);

#endif
