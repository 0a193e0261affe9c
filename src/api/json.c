/* json — response, request-body and query-string helpers for the handlers.
 * Errors come in the seeds' two shapes: {"error": msg} (seed 000, 004)
 * and {"error": msg, "status_code": N} (seed 001, API_ERROR_STATUS_CODE). */
#include "api/http.h"
#include "domain/errors.h"
#include "store/listing_repo.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_send_json(ApiResp *rs, int status, cJSON *v)
{
    free(rs->body);
    rs->status = status;
    rs->body_len = 0;
    rs->body = cJSON_PrintUnformatted(v);
    cJSON_Delete(v);
    if (!rs->body)
        rs->body = xstrdup("{\"error\":\"Internal server error\"}");
}

/* The words of an error answer. A storage failure (-EIO, a 500) carries
 * the domain's own words (domain/errors.h); the client gets the seeds'
 * "Internal server error" for it, whatever a handler passed on. */
static const char *http_wording(int status, const char *msg)
{
    if (status >= 500 && strcmp(msg, DOMAIN_IO_ERROR) == 0)
        return "Internal server error";
    return msg;
}

static void send_error_v(ApiResp *rs, int status, int flags, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

void api_send_error(ApiResp *rs, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    send_error_v(rs, status, 0, fmt, ap);
    va_end(ap);
}

void api_send_message(ApiResp *rs, int status, const char *message)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "message", message);
    api_send_json(rs, status, o);
}

int api_status_of(int r)
{
    switch (-r) {
    case EINVAL:
    case EEXIST: return 400;
    case EACCES: return 401;
    case EPERM: return 403;
    case ENOENT: return 404;
    case EAGAIN: return 429;
    case ENOTUNIQ: return 409;      /* a name another entity already has */
    default: return 500;
    }
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first member name that occurs twice in an object of v, searched
 * depth-first; its path ("config.webhook_url", "items[2].name") goes into
 * path. cJSON keeps both members and a lookup finds the first, so a
 * duplicate would let a checked value and a used one differ (S4). Keys are
 * sorted per object, so a body of many keys costs n log n, not n^2. */
static int dup_key(const cJSON *v, char *path, size_t pathsz, size_t at)
{
    if (cJSON_IsObject(v)) {
        int n = cJSON_GetArraySize(v);
        if (n > 1) {
            const char **keys = xmalloc((size_t)n * sizeof *keys);
            int i = 0;
            const cJSON *c;
            cJSON_ArrayForEach(c, v)
                keys[i++] = c->string ? c->string : "";
            qsort(keys, (size_t)n, sizeof *keys, cmp_key);
            for (i = 1; i < n && strcmp(keys[i - 1], keys[i]); i++)
                ;
            if (i < n) {
                snprintf(path + at, pathsz - at, "%s%s", at ? "." : "", keys[i]);
                free(keys);
                return 1;
            }
            free(keys);
        }
    }
    if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        int idx = 0;
        const cJSON *c;
        cJSON_ArrayForEach(c, v) {
            int w = cJSON_IsObject(v)
                        ? snprintf(path + at, pathsz - at, "%s%s", at ? "." : "",
                                   c->string ? c->string : "")
                        : snprintf(path + at, pathsz - at, "[%d]", idx);
            size_t next = w < 0 ? at : at + (size_t)w;
            if (next >= pathsz)
                next = pathsz - 1;
            if (dup_key(c, path, pathsz, next))
                return 1;
            path[at] = '\0';
            idx++;
        }
    }
    return 0;
}

cJSON *api_body_object(ApiReq *rq, ApiResp *rs)
{
    if (!rq->body || !rq->body_len) {
        api_send_error(rs, 400, "Request body must be a JSON object");
        return NULL;
    }
    const char *end = NULL;
    cJSON *o = cJSON_ParseWithLengthOpts(rq->body, rq->body_len, &end, 0);
    while (o && end < rq->body + rq->body_len && strchr(" \t\r\n", *end) && *end)
        end++;
    if (o && end != rq->body + rq->body_len) {      /* trailing garbage */
        cJSON_Delete(o);
        o = NULL;
    }
    if (!o) {
        api_send_error(rs, 400, "Request body must be valid JSON");
        return NULL;
    }
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        api_send_error(rs, 400, "Request body must be a JSON object");
        return NULL;
    }
    /* cJSON ends a string at a NUL ("\u0000" or a raw zero byte): refuse
     * it rather than store a silently shortened value (B9). */
    char key[64];
    if (util_json_find_nul(rq->body, rq->body_len, key, sizeof key)) {
        cJSON_Delete(o);
        if (util_text_check("", key, 0, UTIL_TEXT_LINE, NULL, 0) < 0)
            strlcpy_(key, "?", sizeof key);
        api_send_error(rs, 400, "Field '%s' must not contain NUL characters", key);
        return NULL;
    }
    char path[256] = "";
    if (dup_key(o, path, sizeof path, 0)) {
        cJSON_Delete(o);
        util_utf8_cut(path);
        if (util_text_check("", path, 0, UTIL_TEXT_LINE, NULL, 0) < 0)
            strlcpy_(path, "?", sizeof path);
        api_send_error(rs, 400, "Duplicate field '%s'", path);
        return NULL;
    }
    return o;
}

static const cJSON *field(const cJSON *o, const char *key, int *is_null, int *present)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (is_null)
        *is_null = 0;
    *present = v != NULL;
    if (v && cJSON_IsNull(v)) {
        if (is_null)
            *is_null = 1;
        else
            *present = 0;
        return NULL;
    }
    return v;
}

int api_field_str(ApiResp *rs, const cJSON *o, const char *key, const char **out, int *is_null)
{
    int present;
    const cJSON *v = field(o, key, is_null, &present);
    *out = NULL;
    if (!v)
        return present;
    if (!cJSON_IsString(v)) {
        api_send_error(rs, 400, "Field '%s' must be a string", key);
        return -1;
    }
    *out = v->valuestring;
    return 1;
}

static int integral(const cJSON *v, int64_t *out)
{
    if (!cJSON_IsNumber(v))
        return 0;
    double d = v->valuedouble;
    if (!isfinite(d) || d != floor(d) || d < -9007199254740992.0 || d > 9007199254740992.0)
        return 0;
    *out = (int64_t)d;
    return 1;
}

int api_field_int(ApiResp *rs, const cJSON *o, const char *key, int64_t *out, int *is_null)
{
    int present;
    const cJSON *v = field(o, key, is_null, &present);
    *out = 0;
    if (!v)
        return present;
    if (!integral(v, out)) {
        api_send_error(rs, 400, "Field '%s' must be an integer", key);
        return -1;
    }
    return 1;
}

int api_field_bool(ApiResp *rs, const cJSON *o, const char *key, int *out)
{
    int present;
    const cJSON *v = field(o, key, NULL, &present);
    *out = 0;
    if (!v)
        return present;
    if (!cJSON_IsBool(v)) {
        api_send_error(rs, 400, "Field '%s' must be a boolean", key);
        return -1;
    }
    *out = cJSON_IsTrue(v);
    return 1;
}

int api_field_ids(ApiResp *rs, const cJSON *o, const char *key, int64_t **out, int *n,
                  int *is_null)
{
    int present;
    const cJSON *v = field(o, key, is_null, &present);
    *out = NULL;
    *n = 0;
    if (!v)
        return present;
    if (!cJSON_IsArray(v))
        goto bad;
    int cnt = cJSON_GetArraySize(v);
    int64_t *ids = cnt ? xmalloc((size_t)cnt * sizeof *ids) : NULL;
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, v) {
        if (!integral(e, &ids[i])) {
            free(ids);
            goto bad;
        }
        i++;
    }
    *out = ids;
    *n = cnt;
    return 1;
bad:
    api_send_error(rs, 400, "Field '%s' must be an array of integers", key);
    return -1;
}

cJSON *api_time(int64_t t)
{
    if (!t)
        return cJSON_CreateNull();
    char buf[32];
    util_iso8601(t, buf, sizeof buf);
    return cJSON_CreateString(buf);
}

cJSON *api_time_z(int64_t t)
{
    if (!t)
        return cJSON_CreateNull();
    char buf[40];
    util_iso8601(t, buf, sizeof buf - 1);
    strcat(buf, "Z");
    return cJSON_CreateString(buf);
}

cJSON *api_str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

const char *api_query(ApiReq *rq, const char *key)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

/* Listings are written straight into one buffer (no cJSON tree: the
 * lists are the hot path under load), byte for byte what
 * cJSON_PrintUnformatted would print for the same rows. */
void api_json_put(ApiJson *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void api_json_str(ApiJson *b, const char *p)
{
    if (!p) {
        api_json_put(b, "null", 4);
        return;
    }
    api_json_put(b, "\"", 1);
    const char *run = p;
    for (; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch >= 0x20 && ch != '"' && ch != '\\')
            continue;
        api_json_put(b, run, (size_t)(p - run));
        char esc[8];
        switch (ch) {
        case '"': api_json_put(b, "\\\"", 2); break;
        case '\\': api_json_put(b, "\\\\", 2); break;
        case '\b': api_json_put(b, "\\b", 2); break;
        case '\f': api_json_put(b, "\\f", 2); break;
        case '\n': api_json_put(b, "\\n", 2); break;
        case '\r': api_json_put(b, "\\r", 2); break;
        case '\t': api_json_put(b, "\\t", 2); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", ch);
            api_json_put(b, esc, 6);
        }
        run = p + 1;
    }
    api_json_put(b, run, (size_t)(p - run));
    api_json_put(b, "\"", 1);
}

void api_json_int(ApiJson *b, int64_t v)
{
    char num[24], *e = num + sizeof num, *p = e;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    api_json_put(b, p, (size_t)(e - p));
}

/* A listing row as a JSON object, by the listing's column names. */
static int add_row(void *ctx, const Listing *l, const ListingValue *v)
{
    ApiJson *b = ctx;
    api_json_put(b, b->len > 1 ? ",{" : "{", b->len > 1 ? 2 : 1);
    api_json_listing_fields(b, l, v);
    api_json_put(b, "}", 1);
    return 0;
}

void api_json_listing_fields(ApiJson *b, const Listing *l, const ListingValue *v)
{
    for (int c = 0; c < l->ncols; c++) {
        if (c)
            api_json_put(b, ",", 1);
        api_json_str(b, l->cols[c].name);
        api_json_put(b, ":", 1);
        cJSON *item;
        char *txt;
        if (v[c].is_null || (l->cols[c].kind != COL_INT && l->cols[c].kind != COL_BOOL &&
                             !v[c].s)) {
            api_json_put(b, "null", 4);
        } else if (l->cols[c].kind == COL_INT) {
            api_json_int(b, v[c].i);
        } else if (l->cols[c].kind == COL_BOOL) {
            api_json_put(b, v[c].i ? "true" : "false", v[c].i ? 4 : 5);
        } else if (l->cols[c].kind == COL_JSON && (item = cJSON_Parse(v[c].s))) {
            if ((txt = cJSON_PrintUnformatted(item))) {
                api_json_put(b, txt, strlen(txt));
                free(txt);
            } else {
                api_json_put(b, "null", 4);
            }
            cJSON_Delete(item);
        } else {
            api_json_str(b, v[c].s);
        }
    }
}

void api_send_listing(ApiReq *rq, ApiResp *rs, const Listing *l, const int64_t *params,
                      int nparams, const char *what)
{
    ApiJson b = {0};
    api_json_put(&b, "[", 1);
    if (listing_run(rq->st, l, params, nparams, add_row, &b) < 0) {
        free(b.s);
        api_send_error(rs, 500, "Failed to retrieve %s due to database error", what);
        return;
    }
    api_json_put(&b, "]", 1);
    api_send_built(rs, 200, &b);
}

void api_send_built(ApiResp *rs, int status, ApiJson *b)
{
    free(rs->body);
    rs->status = status;
    rs->body_len = 0;
    rs->body = b->s;
    b->s = NULL;
    b->len = b->cap = 0;
}

int api_int_parse(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (!s || !*s)
        return -EINVAL;
    char *end;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    if (*end || errno || n < min || n > max)   /* junk after it, overflow, range */
        return -EINVAL;
    *out = n;
    return 0;
}

int api_query_int(ApiReq *rq, ApiResp *rs, const char *name, int64_t min, int64_t max,
                  int64_t def, int flags, int64_t *out)
{
    const char *v = api_query(rq, name);
    int64_t n = def;
    if (v && api_int_parse(v, min, max, &n) < 0) {
        if (min == 0 && max == INT64_MAX)
            api_send_error_ex(rs, 400, flags, "Query parameter '%s' must be a non-negative "
                              "integer", name);
        else if (flags & API_ERROR_STATUS_CODE)   /* seed 001's routes: their own words */
            api_send_error_ex(rs, 400, flags, "Query parameter '%s' must be an integer "
                              "between %lld and %lld", name, (long long)min, (long long)max);
        else
            api_send_error_ex(rs, 400, flags, "Query parameter '%s' must be an integer from "
                              "%lld to %lld", name, (long long)min, (long long)max);
        return -1;
    }
    *out = n;
    return 0;
}

int api_page(ApiReq *rq, ApiResp *rs, ApiPage *out)
{
    ApiPage p;
    if (api_query_int(rq, rs, "limit", 1, API_PAGE_MAX, API_PAGE_DEFAULT, 0, &p.limit) < 0 ||
        api_query_int(rq, rs, "offset", 0, INT64_MAX, 0, 0, &p.offset) < 0)
        return -1;
    *out = p;
    return 0;
}

void api_send_listing_page(ApiReq *rq, ApiResp *rs, const Listing *l, const int64_t *params,
                           int nparams, const ApiPage *pg, const char *what)
{
    int64_t p[8];
    if (nparams > 6) {
        api_send_error(rs, 500, "Internal server error");
        return;
    }
    for (int i = 0; i < nparams; i++)
        p[i] = params[i];
    p[nparams] = pg->limit;
    p[nparams + 1] = pg->offset;
    int64_t total;
    if (listing_count(rq->st, l, params, nparams, &total) < 0) {
        api_send_error(rs, 500, "Failed to retrieve %s due to database error", what);
        return;
    }
    api_send_listing(rq, rs, l, p, nparams + 2, what);
    if (rs->status == 200) {
        rs->has_total = 1;
        rs->total = total;
    }
}

/* ---- the seeds' other error shape, and what seed 001's handlers share ---- */

/* The one body of every error answer: {"error": msg} and, with
 * API_ERROR_STATUS_CODE, "status_code" (seed 001's shape). */
static void send_error_v(ApiResp *rs, int status, int flags, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", http_wording(status, msg));
    if (flags & API_ERROR_STATUS_CODE)
        cJSON_AddNumberToObject(o, "status_code", status);
    api_send_json(rs, status, o);
}

void api_send_error_ex(ApiResp *rs, int status, int flags, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    send_error_v(rs, status, flags, fmt, ap);
    va_end(ap);
}

void api_send_io_error(ApiReq *rq, ApiResp *rs, int flags, const char *what)
{
    log_error("api: %s %s: 500: %s: %s", rq->method ? rq->method : "?",
              rq->path ? rq->path : "?", what, rq->st ? store_errmsg(rq->st) : "no database");
    api_send_error_ex(rs, 500, flags, "Internal server error");
}

cJSON *api_body_json(ApiReq *rq, ApiResp *rs, int want, int flags)
{
    const char *what = want == cJSON_Array ? "a JSON array" : "a JSON object";
    if (!rq->body || !rq->body_len) {
        api_send_error_ex(rs, 400, flags, "Request body must be %s", what);
        return NULL;
    }
    const char *end = NULL;
    cJSON *v = cJSON_ParseWithLengthOpts(rq->body, rq->body_len, &end, 0);
    while (v && end < rq->body + rq->body_len && *end && strchr(" \t\r\n", *end))
        end++;
    if (!v || end != rq->body + rq->body_len) {
        cJSON_Delete(v);
        api_send_error_ex(rs, 400, flags, "Request body must be valid JSON");
        return NULL;
    }
    if ((v->type & 0xff) != want) {
        cJSON_Delete(v);
        api_send_error_ex(rs, 400, flags, "Request body must be %s", what);
        return NULL;
    }
    return v;
}
