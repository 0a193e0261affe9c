/* h_ingest — issue 12: security alerts from real collectors.
 *   POST /api/ingest/alertmanager  Prometheus Alertmanager webhook (version 4):
 *                                  each firing alert one security alert (its
 *                                  JSON object as raw, its fingerprint kept);
 *                                  a resolved one closes the open alerts of its
 *                                  fingerprint. 200 {accepted, resolved, closed, ids}
 *   POST /api/ingest/wazuh         one Wazuh/OSSEC alert, an array of them, or
 *                                  alerts.json lines (one object a line); a
 *                                  rule.level not an integer 0..15 is refused
 *   POST /api/ingest/syslog        text/plain: one RFC 5424 / RFC 3164 message a line
 *   POST /api/ingest/generic       a JSON object, an array, or one object a line;
 *                                  normalized through security.map.*
 * The last three answer 201 {accepted, ids, items: [{id, status, location,
 * received_at}]}. A request's alerts are committed together (all or none)
 * before the answer; normalization follows in the pipeline. Any signed-in
 * user, or a machine token of scope ingest (ROUTE_INGEST).
 */
#include "api/handlers.h"
#include "domain/secalerts.h"
#include "domain/secnorm.h"
#include "util.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define INGEST_MAX_ITEMS 1000   /* alerts one request may carry */

/* ---- the batch being ingested ----------------------------------------- */

typedef struct Batch {
    SecIngest *in;
    char     **raw;     /* owned copies behind in[i].raw */
    int        n, cap;
} Batch;

static void batch_add(Batch *b, const char *source, const char *ct, char *raw, size_t len,
                      const char *fingerprint)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->in = xrealloc(b->in, (size_t)b->cap * sizeof *b->in);
        b->raw = xrealloc(b->raw, (size_t)b->cap * sizeof *b->raw);
    }
    b->raw[b->n] = raw;
    b->in[b->n] = (SecIngest){.source = source, .content_type = ct, .raw = raw, .raw_len = len,
                              .fingerprint = fingerprint};
    b->n++;
}

static void batch_free(Batch *b)
{
    for (int i = 0; i < b->n; i++)
        free(b->raw[i]);
    free(b->raw);
    free(b->in);
    memset(b, 0, sizeof *b);
}

/* Commit the batch: 0 with out filled (n items), or -1 with the error
 * sent. */
static int batch_commit(ApiReq *rq, ApiResp *rs, Batch *b, SecIngested **out)
{
    *out = xcalloc((size_t)(b->n ? b->n : 1), sizeof **out);
    if (!b->n)
        return 0;
    char err[256] = "";
    int rc = secalerts_ingest_many(rq->st, b->in, b->n, *out, err, sizeof err);
    if (rc == -EIO || (rc < 0 && !err[0])) {
        api_send_io_error(rq, rs, 0, "ingesting security alerts");
    } else if (rc < 0) {
        api_send_error(rs, api_status_of(rc), "%s", err);
    } else {
        secalerts_kick();
        return 0;
    }
    free(*out);
    *out = NULL;
    return -1;
}

/* 201 {accepted, ids, items}. */
static void send_created(ApiResp *rs, const SecIngested *out, int n)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "accepted", n);
    cJSON *ids = cJSON_AddArrayToObject(o, "ids");
    cJSON *items = cJSON_AddArrayToObject(o, "items");
    for (int i = 0; i < n; i++) {
        cJSON_AddItemToArray(ids, cJSON_CreateString(out[i].id));
        cJSON *it = cJSON_CreateObject();
        cJSON_AddStringToObject(it, "id", out[i].id);
        cJSON_AddStringToObject(it, "status", "created");
        cJSON_AddStringToObject(it, "location", out[i].location);
        cJSON_AddItemToObject(it, "received_at", api_time_z(out[i].received_at));
        cJSON_AddItemToArray(items, it);
    }
    api_send_json(rs, 201, o);
}

/* ---- JSON bodies: a value, an array of them, or one value a line ------ */

static cJSON *parse_whole(const char *s, size_t len)
{
    const char *end = NULL;
    cJSON *v = cJSON_ParseWithLengthOpts(s, len, &end, 0);
    while (v && end < s + len && strchr(" \t\r\n", *end) && *end)
        end++;
    if (v && end != s + len) {
        cJSON_Delete(v);
        v = NULL;
    }
    return v;
}

/* Where an item's bytes are in the body (a whole-body object, or a line),
 * so they are stored exactly as sent; NULL for the items of an array. */
typedef struct Span {
    const char *p;
    size_t      n;
} Span;

/* The body's alerts as an array (caller deletes), or NULL with 400 sent.
 * *spans (caller frees) gets each item's bytes when it has its own. */
static cJSON *body_items(ApiReq *rq, ApiResp *rs, Span **spans)
{
    *spans = NULL;
    if (!rq->body || !rq->body_len) {
        api_send_error(rs, 400, "Request body must be a JSON object, an array of objects or "
                       "one object a line");
        return NULL;
    }
    char key[64];
    if (util_json_find_nul(rq->body, rq->body_len, key, sizeof key)) {
        api_send_error(rs, 400, "Request body must not contain NUL characters");
        return NULL;
    }
    cJSON *v = parse_whole(rq->body, rq->body_len);
    if (cJSON_IsObject(v)) {
        cJSON *a = cJSON_CreateArray();
        cJSON_AddItemToArray(a, v);
        *spans = xmalloc(sizeof **spans);
        (*spans)[0] = (Span){rq->body, rq->body_len};
        return a;
    }
    if (cJSON_IsArray(v))
        return v;
    cJSON_Delete(v);
    /* JSON lines (Wazuh's alerts.json): every non-empty line an object */
    cJSON *a = cJSON_CreateArray();
    const char *p = rq->body, *end = rq->body + rq->body_len;
    int line = 0, n_items = 0, cap = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        size_t n = (size_t)(le - p);
        int blank = 1;
        for (size_t i = 0; i < n && blank; i++)
            blank = strchr(" \t\r", p[i]) != NULL;
        if (!blank) {
            cJSON *o = parse_whole(p, n);
            if (!o) {
                cJSON_Delete(a);
                free(*spans);
                *spans = NULL;
                api_send_error(rs, 400, "Request body must be valid JSON (line %d is not)",
                               line);
                return NULL;
            }
            cJSON_AddItemToArray(a, o);
            if (n_items == cap) {
                cap = cap ? cap * 2 : 16;
                *spans = xrealloc(*spans, (size_t)cap * sizeof **spans);
            }
            while (n && strchr(" \t\r", p[n - 1]))
                n--;
            (*spans)[n_items++] = (Span){p, n};
        }
        p = nl ? nl + 1 : end;
    }
    return a;
}

/* Each item an object (and, for Wazuh, with a "rule" object): 0, or -1
 * with 400 sent. */
static int check_items(ApiResp *rs, const cJSON *a, const char *what, int wazuh)
{
    int n = cJSON_GetArraySize(a);
    if (n == 0) {
        api_send_error(rs, 400, "No alert in the request body");
        return -1;
    }
    if (n > INGEST_MAX_ITEMS) {
        api_send_error(rs, 400, "At most %d alerts a request (got %d)", INGEST_MAX_ITEMS, n);
        return -1;
    }
    int i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, a) {
        if (!cJSON_IsObject(it)) {
            api_send_error(rs, 400, "Alert %d must be a JSON object", i);
            return -1;
        }
        const cJSON *rule = cJSON_GetObjectItemCaseSensitive(it, "rule");
        if (wazuh && !cJSON_IsObject(rule)) {
            api_send_error(rs, 400, "Alert %d is not a %s alert: it has no 'rule' object", i,
                           what);
            return -1;
        }
        /* a level that is no Wazuh level (0..15) would become a guess */
        char why[96];
        int lv;
        if (wazuh && secnorm_wazuh_level(cJSON_GetObjectItemCaseSensitive(rule, "level"), &lv,
                                         why, sizeof why) < 0) {
            api_send_error(rs, 400, "Alert %d: field 'rule.level' must be %s", i, why);
            return -1;
        }
        i++;
    }
    return 0;
}

static void ingest_json_items(ApiReq *rq, ApiResp *rs, const char *source, int wazuh)
{
    Span *spans;
    cJSON *a = body_items(rq, rs, &spans);
    if (!a)
        return;
    if (check_items(rs, a, "Wazuh", wazuh) < 0) {
        cJSON_Delete(a);
        free(spans);
        return;
    }
    Batch b = {0};
    const cJSON *it;
    int i = 0;
    cJSON_ArrayForEach(it, a) {
        char *raw;
        size_t len;
        if (spans) {                 /* the bytes as sent */
            len = spans[i].n;
            raw = xmalloc(len + 1);
            memcpy(raw, spans[i].p, len);
            raw[len] = '\0';
        } else {
            raw = cJSON_PrintUnformatted(it);
            len = strlen(raw);
        }
        batch_add(&b, source, "application/json", raw, len, NULL);
        i++;
    }
    cJSON_Delete(a);
    free(spans);
    SecIngested *out;
    if (batch_commit(rq, rs, &b, &out) == 0)
        send_created(rs, out, b.n);
    free(out);
    batch_free(&b);
}

void h_ingest_wazuh(ApiReq *rq, ApiResp *rs)
{
    ingest_json_items(rq, rs, "wazuh", 1);
}

void h_ingest_generic(ApiReq *rq, ApiResp *rs)
{
    ingest_json_items(rq, rs, "generic", 0);
}

/* ---- syslog ------------------------------------------------------------ */

static const char *content_type(ApiReq *rq)
{
    return rq->conn ? MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
                                                  MHD_HTTP_HEADER_CONTENT_TYPE)
                    : NULL;
}

void h_ingest_syslog(ApiReq *rq, ApiResp *rs)
{
    const char *ct = content_type(rq);
    if (ct && *ct && strncasecmp(ct, "text/", 5) != 0) {
        api_send_error(rs, 415, "Content-Type must be text/plain (one syslog message a line)");
        return;
    }
    if (!rq->body || !rq->body_len) {
        api_send_error(rs, 400, "Request body must hold syslog messages, one a line");
        return;
    }
    Batch b = {0};
    const char *p = rq->body, *end = rq->body + rq->body_len;
    int line = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        size_t n = (size_t)(le - p);
        if (n && p[n - 1] == '\r')
            n--;
        if (n) {
            cJSON *parsed = secnorm_syslog_parse(p, n);
            if (!parsed || b.n >= INGEST_MAX_ITEMS) {
                if (parsed)
                    api_send_error(rs, 400, "At most %d messages a request", INGEST_MAX_ITEMS);
                else
                    api_send_error(rs, 400, "Line %d is not a syslog message (RFC 5424 or "
                                   "RFC 3164, starting with <PRI>)", line);
                cJSON_Delete(parsed);
                batch_free(&b);
                return;
            }
            cJSON_Delete(parsed);
            char *raw = xmalloc(n + 1);
            memcpy(raw, p, n);
            raw[n] = '\0';
            batch_add(&b, "syslog", "text/plain", raw, n, NULL);
        }
        p = nl ? nl + 1 : end;
    }
    if (!b.n) {
        api_send_error(rs, 400, "Request body must hold syslog messages, one a line");
        return;
    }
    SecIngested *out;
    if (batch_commit(rq, rs, &b, &out) == 0)
        send_created(rs, out, b.n);
    free(out);
    batch_free(&b);
}

/* ---- Prometheus Alertmanager ------------------------------------------- */

/* The webhook's shape: 0, or -1 with 400 sent. */
static int check_webhook(ApiResp *rs, const cJSON *b, const cJSON **alerts)
{
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(b, "version");
    if (ver && !(cJSON_IsString(ver) && strcmp(ver->valuestring, "4") == 0)) {
        api_send_error(rs, 400, "Field 'version' must be \"4\" (Alertmanager's webhook version)");
        return -1;
    }
    *alerts = cJSON_GetObjectItemCaseSensitive(b, "alerts");
    if (!cJSON_IsArray(*alerts)) {
        api_send_error(rs, 400, "Field 'alerts' must be an array");
        return -1;
    }
    int n = cJSON_GetArraySize(*alerts);
    if (n == 0 || n > INGEST_MAX_ITEMS) {
        api_send_error(rs, 400, "Field 'alerts' must hold 1 to %d alerts", INGEST_MAX_ITEMS);
        return -1;
    }
    int i = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, *alerts) {
        const cJSON *fp = cJSON_GetObjectItemCaseSensitive(a, "fingerprint");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(a, "status");
        if (!cJSON_IsObject(a) || !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(a, "labels"))) {
            api_send_error(rs, 400, "Field 'alerts[%d]' must be an object with 'labels'", i);
            return -1;
        }
        if ((fp && !cJSON_IsString(fp)) || (st && !cJSON_IsString(st))) {
            api_send_error(rs, 400, "Field 'alerts[%d].%s' must be a string", i,
                           fp && !cJSON_IsString(fp) ? "fingerprint" : "status");
            return -1;
        }
        i++;
    }
    return 0;
}

void h_ingest_alertmanager(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    const cJSON *alerts;
    if (check_webhook(rs, b, &alerts) < 0) {
        cJSON_Delete(b);
        return;
    }
    Batch batch = {0};
    int resolved = 0, closed = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, alerts) {
        const char *fp = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "fingerprint"));
        const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "status"));
        if (st && strcmp(st, "resolved") == 0) {
            /* the source says it is over: close the earlier one(s) */
            resolved++;
            int c = secalerts_close_fingerprint(rq->st, fp, rq->now);
            if (c < 0) {
                batch_free(&batch);
                cJSON_Delete(b);
                api_send_io_error(rq, rs, 0, "closing resolved Alertmanager alerts");
                return;
            }
            closed += c;
            continue;
        }
        char *raw = cJSON_PrintUnformatted(a);
        batch_add(&batch, "alertmanager", "application/json", raw, strlen(raw), fp);
    }
    SecIngested *out;
    if (batch_commit(rq, rs, &batch, &out) == 0) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "accepted", batch.n);
        cJSON_AddNumberToObject(o, "resolved", resolved);
        cJSON_AddNumberToObject(o, "closed", closed);
        cJSON *ids = cJSON_AddArrayToObject(o, "ids");
        for (int i = 0; i < batch.n; i++)
            cJSON_AddItemToArray(ids, cJSON_CreateString(out[i].id));
        api_send_json(rs, 200, o);
    }
    free(out);
    /* fingerprints point into b: free it last */
    batch_free(&batch);
    cJSON_Delete(b);
}
