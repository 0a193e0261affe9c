/* http — what the listener hands a handler, and the JSON helpers every
 * handler uses. Private to src/api/.
 *
 * A handler reads ApiReq, calls domain functions (never SQL) and fills
 * ApiResp through api_send_*(). Errors are {"error": "..."}, plus
 * "status_code" in seed 001's handlers (API_ERROR_STATUS_CODE).
 *
 * Thread: an HTTP worker thread; rq->st is that thread's connection.
 */
#ifndef RESOPS_API_HTTP_H
#define RESOPS_API_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <cJSON.h>
#include "domain/users.h"
#include "store/store.h"

struct MHD_Connection;

/* Settings handlers need (read-only after start). */
typedef struct ApiConfig {
    const unsigned char *key;      /* JWT HS256 secret */
    size_t               keylen;
    int                  open_signup;
    PasswordLimits       limits;
    int                  token_ttl_s;
    const int           *stopping;     /* atomic: 1 once api_stop began (long waits end) */
    const char          *admin_token;  /* seed 004 ADMIN_TOKEN; "" = admin endpoints off */
    const char          *docs_dir;     /* issue 12: Swagger UI's files (h_docs.c) */
} ApiConfig;

typedef struct ApiReq {
    const char            *method, *path;
    int64_t                id;          /* the {service_id} path parameter, 0 if none */
    const char            *key;         /* the {incident_id} / {category} one, NULL if none */
    const char            *body;        /* NUL-terminated; NULL when empty */
    size_t                 body_len;
    Store                 *st;
    const UserInfo        *user;        /* NULL when not signed in */
    const char            *jti;         /* the caller's token id */
    const ApiConfig       *cfg;
    struct MHD_Connection *conn;
    int64_t                now;
    int                    no_wait;     /* a ROUTE_SLOW handler on the listener's own
                                         * thread: answer only what needs no wait;
                                         * otherwise write nothing, send nothing and
                                         * set ApiResp.must_wait */
} ApiReq;

typedef struct ApiResp {
    int         status;
    char       *body;        /* malloc'd; freed by the listener */
    size_t      body_len;    /* bytes of body (binary, may hold NULs); 0 = strlen */
    const char *static_body; /* or a static body (not freed) */
    size_t      static_len;
    const char *content_type; /* NULL = application/json */
    int         retry_after;  /* seconds for Retry-After on a 429/503; 0 = none */
    int         has_total;    /* 1: send X-Total-Count: total */
    int64_t     total;
    int         must_wait;    /* (no_wait) call the handler again where it may wait */
} ApiResp;

typedef void (*ApiHandler)(ApiReq *rq, ApiResp *rs);

/* Take ownership of v, print it as the body. */
void api_send_json(ApiResp *rs, int status, cJSON *v);
void api_send_error(ApiResp *rs, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* As api_send_error, in the shape flags asks for: API_ERROR_STATUS_CODE
 * adds "status_code": status (seed 001's {"error", "status_code"}). */
#define API_ERROR_STATUS_CODE 1
void api_send_error_ex(ApiResp *rs, int status, int flags, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* 500 "Internal server error" (shape as above), and its cause in the log:
 * the request, what failed and the Store's last error (every 500 says
 * why). */
void api_send_io_error(ApiReq *rq, ApiResp *rs, int flags, const char *what);
void api_send_message(ApiResp *rs, int status, const char *message);
/* Status for a domain function's -errno: EINVAL/EEXIST 400, EACCES 401,
 * EPERM 403, ENOENT 404, ENOTUNIQ 409, EAGAIN 429, else 500. */
int  api_status_of(int neg_errno);

/* The body as a JSON object (caller deletes), or NULL with 400 sent:
 * "Request body must be valid JSON" / "Request body must be a JSON object". */
cJSON *api_body_object(ApiReq *rq, ApiResp *rs);
/* Seed 001's bodies: the body as JSON of type want (cJSON_Object or
 * cJSON_Array; caller deletes), or NULL with 400 sent in the shape flags
 * asks for: "Request body must be valid JSON" / "... must be a JSON
 * object|array". It has not api_body_object's NUL and duplicate-key
 * checks (seed 001's handlers never had them). */
cJSON *api_body_json(ApiReq *rq, ApiResp *rs, int want, int flags);

/* Typed fields. Each returns 1 given (a JSON null counts as given with
 * *is_null = 1 when is_null is non-NULL, else as absent), 0 absent, -1 with
 * 400 sent: "Field 'x' must be a string|an integer|a boolean|...". */
int api_field_str(ApiResp *rs, const cJSON *o, const char *key, const char **out, int *is_null);
int api_field_int(ApiResp *rs, const cJSON *o, const char *key, int64_t *out, int *is_null);
int api_field_bool(ApiResp *rs, const cJSON *o, const char *key, int *out);
/* An array of integers into *out (malloc'd, caller frees; NULL when 0). */
int api_field_ids(ApiResp *rs, const cJSON *o, const char *key, int64_t **out, int *n,
                  int *is_null);

/* JSON written straight into a buffer, for the hot lists (no cJSON tree):
 * the same bytes cJSON_PrintUnformatted would give. */
typedef struct ApiJson {
    char  *s;
    size_t len, cap;
} ApiJson;
void api_json_put(ApiJson *b, const char *raw, size_t n);   /* raw bytes */
void api_json_str(ApiJson *b, const char *s);   /* a JSON string; NULL = null */
void api_json_int(ApiJson *b, int64_t v);
/* Send b as the body (takes its buffer; b is left empty). */
void api_send_built(ApiResp *rs, int status, ApiJson *b);

/* ISO 8601 string, or JSON null for 0. */
cJSON *api_time(int64_t t);
/* RFC 3339 in UTC with its Z ("2025-08-17T12:01:05Z"), or JSON null for
 * 0: seed 003's dates (issue 12). Older seeds keep api_time's form. */
cJSON *api_time_z(int64_t t);
/* String or JSON null. */
cJSON *api_str_or_null(const char *s);

/* A whole listing (store/listing_repo.h) as a JSON array of objects keyed
 * by its column names; on a read error 500 "Failed to retrieve <what> due
 * to database error". */
struct Listing;
struct ListingValue;
/* The fields of one listing row ("name":value,...), without the braces:
 * for a handler that adds computed fields to a listing's rows. */
void api_json_listing_fields(ApiJson *b, const struct Listing *l, const struct ListingValue *v);
void api_send_listing(ApiReq *rq, ApiResp *rs, const struct Listing *l, const int64_t *params,
                      int nparams, const char *what);

/* Paging of the list endpoints: ?limit=1..API_PAGE_MAX (default
 * API_PAGE_DEFAULT) and ?offset>=0 (default 0). */
#define API_PAGE_DEFAULT 100
#define API_PAGE_MAX     1000

typedef struct ApiPage {
    int64_t limit, offset;
} ApiPage;

/* The one query-string integer: ?name (base 10, an optional sign and
 * leading spaces, nothing after the digits, no overflow) in [min, max]
 * into *out, or def when absent. 0, or -1 with 400 sent in the shape
 * flags asks for: "Query parameter 'limit' must be an integer from 1 to
 * 1000" ("... must be a non-negative integer" for [0, INT64_MAX]). */
int api_query_int(ApiReq *rq, ApiResp *rs, const char *name, int64_t min, int64_t max,
                  int64_t def, int flags, int64_t *out);
/* Its pure part (tested directly): 0 and *out, or -EINVAL. */
int api_int_parse(const char *s, int64_t min, int64_t max, int64_t *out);

/* Read ?limit and ?offset into *out: 0, or -1 with 400 sent ("Query
 * parameter 'limit' must be an integer from 1 to 1000" / "Query parameter
 * 'offset' must be a non-negative integer"). */
int api_page(ApiReq *rq, ApiResp *rs, ApiPage *out);

/* A page of a listing (its last two parameters are LIMIT and OFFSET,
 * after params) with X-Total-Count from its count query; errors as
 * api_send_listing. */
void api_send_listing_page(ApiReq *rq, ApiResp *rs, const struct Listing *l,
                           const int64_t *params, int nparams, const ApiPage *pg,
                           const char *what);

/* A query-string argument (borrowed) or NULL. */
const char *api_query(ApiReq *rq, const char *key);

#endif
