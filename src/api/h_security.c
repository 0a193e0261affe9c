/* h_security — seed 003's security alerts (issue 12, wt-core):
 *   POST  /api/ingestion/raw                      {id?, payload} -> 201 {id, status, location, received_at}
 *   GET   /api/ingestion/raw-url                  a one-time upload URL (15 min)
 *   PUT   /api/ingestion/upload/{token}           the raw payload, once
 *   GET   /api/objects/raw/{id}                   the raw payload as received
 *   POST  /api/normalization/{id}/normalized      submit a Normalized object
 *   POST  /api/normalization/normalize/trigger/{id}  run the pipeline again (202)
 *   POST  /api/triage/{id}/score/triage           {severity?} -> {id, s0, decision}
 *   POST  /api/verdicts/{id}/verdict              {classification, confidence, notes?} -> 201
 *   GET   /api/verdicts/{id}/verdicts             oldest first
 *   GET   /api/admin/config/thresholds            the triage settings
 *   PATCH /api/admin/config/thresholds            a partial update (audited)
 *   GET   /api/security/alerts                    ours: the list (?route ?source ?open ?limit ?offset)
 *   GET   /api/security/alerts/{id}               ours: one alert with verdicts
 * Rules, storage and audit: domain/secalerts.c. */
#include "api/handlers.h"
#include "domain/secalerts.h"
#include "util.h"

#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *actor_of(const ApiReq *rq)
{
    return rq->user && rq->user->username[0] ? rq->user->username : "api";
}

static void send_domain_error(ApiReq *rq, ApiResp *rs, int rc, const char *err, const char *what)
{
    if (rc == -EIO)
        api_send_io_error(rq, rs, 0, what);
    else if (rc == -EEXIST)
        api_send_error(rs, 409, "%s", err);
    else
        api_send_error(rs, api_status_of(rc), "%s", err);
}

/* The {id} of the path as an alert id: 1, or 0 with 404 sent. */
static int path_id(ApiReq *rq, ApiResp *rs)
{
    if (!rq->key || !secalerts_id_valid(rq->key)) {
        api_send_error(rs, 404, "Alert '%s' not found", rq->key ? rq->key : "");
        return 0;
    }
    return 1;
}

static void send_ingested(ApiResp *rs, const SecIngested *out)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", out->id);
    cJSON_AddStringToObject(o, "status", "created");
    cJSON_AddStringToObject(o, "location", out->location);
    cJSON_AddItemToObject(o, "received_at", api_time_z(out->received_at));
    api_send_json(rs, 201, o);
}

void h_security_ingest_raw(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    const char *id = NULL;
    int is_null = 0;
    if (api_field_str(rs, b, "id", &id, &is_null) < 0) {
        cJSON_Delete(b);
        return;
    }
    if (id && !*id) {
        cJSON_Delete(b);
        api_send_error(rs, 400, "Field 'id' must not be empty");
        return;
    }
    if (id && !secalerts_id_valid(id)) {
        cJSON_Delete(b);
        api_send_error(rs, 400,
                       "Field 'id' must be 1 to %d printable characters without spaces or any "
                       "of / ? # %% \\ \"",
                       SECALERT_ID_MAX);
        return;
    }
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(b, "payload");
    if (!p || cJSON_IsNull(p)) {
        cJSON_Delete(b);
        api_send_error(rs, 400, "Field 'payload' is required");
        return;
    }
    if (!cJSON_IsObject(p)) {
        cJSON_Delete(b);
        api_send_error(rs, 400, "Field 'payload' must be an object");
        return;
    }
    char *raw = cJSON_PrintUnformatted(p);
    if (!raw) {
        cJSON_Delete(b);
        api_send_io_error(rq, rs, 0, "printing the payload");
        return;
    }
    SecIngest in = {.id = id, .source = "raw", .content_type = "application/json",
                    .raw = raw, .raw_len = strlen(raw)};
    SecIngested out;
    char err[256];
    int rc = secalerts_ingest(rq->st, &in, &out, err, sizeof err);
    free(raw);
    cJSON_Delete(b);
    if (rc < 0) {
        send_domain_error(rq, rs, rc, err, "ingesting an alert");
        return;
    }
    send_ingested(rs, &out);
}

/* ---- one-time upload URLs (in memory: a restart forgets them) -------- */

#define UPLOAD_TTL_S   900
#define UPLOAD_SLOTS   256
#define UPLOAD_MAX_DEFAULT (16u * 1024u * 1024u)

typedef struct UploadSlot {
    char    token[65];
    char    id[SECALERT_ID_MAX + 1];
    int64_t expires_at;
} UploadSlot;

static pthread_mutex_t upload_mu = PTHREAD_MUTEX_INITIALIZER;
static UploadSlot      uploads[UPLOAD_SLOTS];
static size_t          upload_max = UPLOAD_MAX_DEFAULT;

void h_security_set_upload_max(size_t bytes)
{
    if (bytes)
        upload_max = bytes;
}

void h_security_raw_url(ApiReq *rq, ApiResp *rs)
{
    unsigned char rnd[32];
    UploadSlot s = {0};
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(s.token, sizeof s.token, rnd, sizeof rnd);
    randombytes_buf(rnd, 8);
    char hex[17];
    sodium_bin2hex(hex, sizeof hex, rnd, 8);
    snprintf(s.id, sizeof s.id, "sec-%s", hex);
    s.expires_at = rq->now + UPLOAD_TTL_S;
    pthread_mutex_lock(&upload_mu);
    int at = 0;
    for (int i = 0; i < UPLOAD_SLOTS; i++) {
        if (!uploads[i].token[0] || uploads[i].expires_at <= rq->now) {
            at = i;
            break;
        }
        if (uploads[i].expires_at < uploads[at].expires_at)
            at = i;   /* all taken: the one closest to expiry goes */
    }
    uploads[at] = s;
    pthread_mutex_unlock(&upload_mu);
    cJSON *o = cJSON_CreateObject();
    char url[128];
    snprintf(url, sizeof url, "/api/ingestion/upload/%s", s.token);
    cJSON_AddStringToObject(o, "url", url);
    cJSON_AddStringToObject(o, "method", "PUT");
    cJSON_AddStringToObject(o, "id", s.id);
    cJSON_AddItemToObject(o, "expires_at", api_time_z(s.expires_at));
    cJSON_AddNumberToObject(o, "max_bytes", (double)upload_max);
    api_send_json(rs, 200, o);
}

/* Find the upload slot of token: 1 and its alert id, else 0. take: the
 * slot is used up (one use); a refused PUT only looks, so its URL stays
 * usable. */
static int upload_take(const char *token, int64_t now, char *id, size_t size, int take)
{
    int found = 0;
    pthread_mutex_lock(&upload_mu);
    for (int i = 0; token && i < UPLOAD_SLOTS; i++) {
        if (!uploads[i].token[0] || sodium_memcmp(uploads[i].token, token, 64) != 0 ||
            strlen(token) != 64)
            continue;
        if (uploads[i].expires_at > now) {
            snprintf(id, size, "%s", uploads[i].id);
            found = 1;
        }
        if (take || !found)
            memset(&uploads[i], 0, sizeof uploads[i]);
        break;
    }
    pthread_mutex_unlock(&upload_mu);
    return found;
}

void h_security_upload(ApiReq *rq, ApiResp *rs)
{
    char id[SECALERT_ID_MAX + 1];
    int ok = rq->body && rq->body_len > 0 && rq->body_len <= upload_max;
    if (!upload_take(rq->key, rq->now, id, sizeof id, ok)) {
        api_send_error(rs, 404, "Upload URL not found, used or expired");
        return;
    }
    if (!rq->body || rq->body_len == 0) {
        api_send_error(rs, 400, "Request body must not be empty");
        return;
    }
    if (rq->body_len > upload_max) {
        api_send_error(rs, 413, "Request body too large (limit %zu bytes)", upload_max);
        return;
    }
    const char *ct = rq->conn ? MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
                                                            MHD_HTTP_HEADER_CONTENT_TYPE)
                              : NULL;
    SecIngest in = {.id = id, .source = "upload",
                    .content_type = ct && *ct ? ct : "application/octet-stream",
                    .raw = rq->body, .raw_len = rq->body_len};
    SecIngested out;
    char err[256];
    int rc = secalerts_ingest(rq->st, &in, &out, err, sizeof err);
    if (rc < 0) {
        send_domain_error(rq, rs, rc, err, "ingesting an upload");
        return;
    }
    send_ingested(rs, &out);
}

void h_security_raw_get(ApiReq *rq, ApiResp *rs)
{
    if (!path_id(rq, rs))
        return;
    char *raw = NULL, *ct = NULL;
    size_t len = 0;
    int rc = secalerts_raw(rq->st, rq->key, &raw, &len, &ct);
    if (rc == -ENOENT) {
        api_send_error(rs, 404, "Alert '%s' not found", rq->key);
        return;
    }
    if (rc < 0) {
        api_send_io_error(rq, rs, 0, "reading a raw payload");
        return;
    }
    static __thread char ctype[128];
    snprintf(ctype, sizeof ctype, "%s", ct);
    free(ct);
    rs->status = 200;
    rs->body = raw;
    rs->body_len = len;            /* a binary upload may hold NUL bytes */
    rs->content_type = ctype;
}

/* ---- normalization, triage ------------------------------------------- */

void h_security_normalized(ApiReq *rq, ApiResp *rs)
{
    if (!path_id(rq, rs))
        return;
    cJSON *b = api_body_object(rq, rs);   /* the shape checks (JSON, object, dup keys) */
    if (!b)
        return;
    cJSON_Delete(b);
    char err[256];
    int rc = secalerts_submit_normalized(rq->st, rq->key, rq->body, rq->now, err, sizeof err);
    if (rc < 0) {
        send_domain_error(rq, rs, rc, err, "storing a normalized alert");
        return;
    }
    secalerts_kick();
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", rq->key);
    cJSON_AddStringToObject(o, "status", "normalized");
    cJSON_AddItemToObject(o, "stored_at", api_time_z(rq->now));
    api_send_json(rs, 200, o);
}

void h_security_trigger(ApiReq *rq, ApiResp *rs)
{
    if (!path_id(rq, rs))
        return;
    int rc = secalerts_requeue(rq->st, rq->key);
    if (rc == -ENOENT) {
        api_send_error(rs, 404, "Alert '%s' not found", rq->key);
        return;
    }
    if (rc < 0) {
        api_send_io_error(rq, rs, 0, "queueing an alert");
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", rq->key);
    cJSON_AddStringToObject(o, "status", "queued");
    api_send_json(rs, 202, o);
}

void h_security_triage(ApiReq *rq, ApiResp *rs)
{
    if (!path_id(rq, rs))
        return;
    const char *sev = NULL;
    cJSON *b = NULL;
    if (rq->body && rq->body_len) {
        if (!(b = api_body_object(rq, rs)))
            return;
        if (api_field_str(rs, b, "severity", &sev, NULL) < 0) {
            cJSON_Delete(b);
            return;
        }
    }
    SecTriage t;
    char err[256];
    int rc = secalerts_triage_now(rq->st, rq->key, sev, actor_of(rq), rq->now, &t, err,
                                  sizeof err);
    cJSON_Delete(b);
    if (rc < 0) {
        send_domain_error(rq, rs, rc, err, "triaging an alert");
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", rq->key);
    cJSON_AddNumberToObject(o, "s0", t.s0);
    cJSON *d = cJSON_AddObjectToObject(o, "decision");
    cJSON_AddStringToObject(d, "route", t.route);
    cJSON_AddNumberToObject(d, "s1", t.s1);
    cJSON *r = t.reason ? cJSON_Parse(t.reason) : NULL;
    cJSON_AddItemToObject(d, "reason", r ? r : cJSON_CreateObject());
    free(t.reason);
    api_send_json(rs, 200, o);
}

/* ---- verdicts -------------------------------------------------------- */

static cJSON *verdict_json(const char *alert_id, const SecVerdict *v)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)v->id);
    cJSON_AddStringToObject(o, "alert_id", alert_id);
    cJSON_AddStringToObject(o, "classification", v->classification);
    cJSON_AddNumberToObject(o, "confidence", v->confidence);
    cJSON_AddItemToObject(o, "notes", api_str_or_null(v->notes));
    cJSON_AddItemToObject(o, "actor", api_str_or_null(v->actor));
    cJSON_AddItemToObject(o, "created_at", api_time_z(v->created_at));
    return o;
}

void h_security_verdict_post(ApiReq *rq, ApiResp *rs)
{
    if (!path_id(rq, rs))
        return;
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    const char *cls = NULL, *notes = NULL;
    if (api_field_str(rs, b, "classification", &cls, NULL) < 0 ||
        api_field_str(rs, b, "notes", &notes, NULL) < 0) {
        cJSON_Delete(b);
        return;
    }
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(b, "confidence");
    if (!cls) {
        cJSON_Delete(b);
        api_send_error(rs, 400, "Field 'classification' is required");
        return;
    }
    if (!c) {
        cJSON_Delete(b);
        api_send_error(rs, 400, "Field 'confidence' is required");
        return;
    }
    if (!cJSON_IsNumber(c)) {
        cJSON_Delete(b);
        api_send_error(rs, 400, "Field 'confidence' must be a number from 0 to 1");
        return;
    }
    char err[256];
    int rc = secalerts_verdict(rq->st, rq->key, cls, c->valuedouble, notes, actor_of(rq),
                               rq->now, err, sizeof err);
    cJSON_Delete(b);
    if (rc < 0) {
        send_domain_error(rq, rs, rc, err, "recording a verdict");
        return;
    }
    SecVerdict *v;
    int n;
    if (secalerts_verdicts(rq->st, rq->key, &v, &n) < 0 || n == 0) {
        api_send_io_error(rq, rs, 0, "reading a verdict back");
        return;
    }
    api_send_json(rs, 201, verdict_json(rq->key, &v[n - 1]));
    secalerts_verdicts_free(v, n);
}

void h_security_verdicts(ApiReq *rq, ApiResp *rs)
{
    if (!path_id(rq, rs))
        return;
    SecVerdict *v;
    int n;
    int rc = secalerts_verdicts(rq->st, rq->key, &v, &n);
    if (rc == -ENOENT) {
        api_send_error(rs, 404, "Alert '%s' not found", rq->key);
        return;
    }
    if (rc < 0) {
        api_send_io_error(rq, rs, 0, "listing verdicts");
        return;
    }
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, verdict_json(rq->key, &v[i]));
    secalerts_verdicts_free(v, n);
    api_send_json(rs, 200, a);
}

/* ---- thresholds ------------------------------------------------------ */

static cJSON *thresholds_json(const SecThresholds *t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "triage_threshold", t->triage_threshold);
    cJSON_AddNumberToObject(o, "escalation_threshold", t->escalation_threshold);
    cJSON_AddNumberToObject(o, "k", t->k);
    cJSON_AddNumberToObject(o, "group_similarity", t->group_similarity);
    cJSON_AddNumberToObject(o, "group_window_s", t->group_window_s);
    return o;
}

void h_security_thresholds_get(ApiReq *rq, ApiResp *rs)
{
    SecThresholds t;
    if (secalerts_thresholds(rq->st, &t) < 0) {
        api_send_io_error(rq, rs, 0, "reading the thresholds");
        return;
    }
    api_send_json(rs, 200, thresholds_json(&t));
}

void h_security_thresholds_patch(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    cJSON_Delete(b);
    SecThresholds t;
    char err[256];
    int rc = secalerts_thresholds_patch(rq->st, rq->body, actor_of(rq), rq->now, &t, err,
                                        sizeof err);
    if (rc < 0) {
        send_domain_error(rq, rs, rc, err, "updating the thresholds");
        return;
    }
    api_send_json(rs, 200, thresholds_json(&t));
}

/* ---- the listing (ours) ---------------------------------------------- */

static cJSON *raw_json_or_null(const char *s)
{
    cJSON *v = s ? cJSON_Parse(s) : NULL;
    return v ? v : cJSON_CreateNull();
}

static cJSON *alert_json(const SecAlert *a, int full)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", a->id);
    cJSON_AddNumberToObject(o, "seq", (double)a->seq);
    cJSON_AddStringToObject(o, "source", a->source);
    cJSON_AddStringToObject(o, "stage", a->stage);
    cJSON_AddItemToObject(o, "severity", api_str_or_null(a->severity));
    cJSON_AddItemToObject(o, "severity_id",
                          a->severity_id >= 0 ? cJSON_CreateNumber(a->severity_id)
                                              : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "title", api_str_or_null(a->title));
    cJSON_AddItemToObject(o, "s0", a->s0 >= 0 ? cJSON_CreateNumber(a->s0) : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "route", api_str_or_null(a->route));
    cJSON_AddItemToObject(o, "verdict", api_str_or_null(a->verdict));
    cJSON_AddItemToObject(o, "group_of", a->group_of ? cJSON_CreateNumber((double)a->group_of)
                                                     : cJSON_CreateNull());
    cJSON_AddNumberToObject(o, "group_count", a->group_count);
    cJSON_AddItemToObject(o, "fingerprint", api_str_or_null(a->fingerprint));
    cJSON_AddItemToObject(o, "incident_id", api_str_or_null(a->incident_id));
    cJSON_AddItemToObject(o, "received_at", api_time_z(a->received_at));
    cJSON_AddItemToObject(o, "event_at", api_time_z(a->event_at));
    cJSON_AddItemToObject(o, "triaged_at", api_time_z(a->triaged_at));
    cJSON_AddItemToObject(o, "closed_at", api_time_z(a->closed_at));
    if (full) {
        cJSON_AddItemToObject(o, "normalized", raw_json_or_null(a->normalized));
        cJSON *t = cJSON_CreateNull();
        if (a->s0 >= 0) {
            cJSON_Delete(t);
            t = cJSON_CreateObject();
            cJSON_AddNumberToObject(t, "s0", a->s0);
            cJSON *d = cJSON_AddObjectToObject(t, "decision");
            cJSON_AddItemToObject(d, "route", api_str_or_null(a->route));
            cJSON_AddNumberToObject(d, "s1", a->s1);
            cJSON_AddItemToObject(d, "reason", raw_json_or_null(a->reason));
        }
        cJSON_AddItemToObject(o, "triage", t);
    }
    return o;
}

void h_security_alerts_list(ApiReq *rq, ApiResp *rs)
{
    SecFilter f = {.min_severity_id = -1};
    f.route = api_query(rq, "route");
    f.source = api_query(rq, "source");
    if (f.route && strcmp(f.route, "verdict") != 0 && strcmp(f.route, "ml") != 0) {
        api_send_error(rs, 400, "Query parameter 'route' must be verdict or ml");
        return;
    }
    const char *open = api_query(rq, "open");
    if (open) {
        if (strcmp(open, "1") == 0 || strcmp(open, "true") == 0)
            f.open_only = 1;
        else if (strcmp(open, "0") != 0 && strcmp(open, "false") != 0) {
            api_send_error(rs, 400, "Query parameter 'open' must be true or false");
            return;
        }
    }
    const char *heads = api_query(rq, "grouped");
    if (heads) {
        if (strcmp(heads, "0") == 0 || strcmp(heads, "false") == 0)
            f.heads_only = 1;
        else if (strcmp(heads, "1") != 0 && strcmp(heads, "true") != 0) {
            api_send_error(rs, 400, "Query parameter 'grouped' must be true or false");
            return;
        }
    }
    int64_t minsev;
    if (api_query_int(rq, rs, "min_severity_id", 0, 6, -1, 0, &minsev) < 0)
        return;
    f.min_severity_id = (int)minsev;
    ApiPage pg;
    if (api_page(rq, rs, &pg) < 0)
        return;
    f.limit = pg.limit;
    f.offset = pg.offset;
    SecAlert *v;
    int n;
    int64_t total;
    if (secalerts_list(rq->st, &f, &v, &n, &total) < 0) {
        api_send_io_error(rq, rs, 0, "listing security alerts");
        return;
    }
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, alert_json(&v[i], 0));
    secalerts_free_list(v, n);
    api_send_json(rs, 200, a);
    rs->has_total = 1;
    rs->total = total;
}

void h_security_alert_get(ApiReq *rq, ApiResp *rs)
{
    if (!path_id(rq, rs))
        return;
    SecAlert a;
    int rc = secalerts_get(rq->st, rq->key, &a);
    if (rc == -ENOENT) {
        api_send_error(rs, 404, "Alert '%s' not found", rq->key);
        return;
    }
    if (rc < 0) {
        api_send_io_error(rq, rs, 0, "reading a security alert");
        return;
    }
    cJSON *o = alert_json(&a, 1);
    secalerts_free(&a);
    SecVerdict *v;
    int n;
    if (secalerts_verdicts(rq->st, rq->key, &v, &n) < 0) {
        cJSON_Delete(o);
        api_send_io_error(rq, rs, 0, "listing verdicts");
        return;
    }
    cJSON *arr = cJSON_AddArrayToObject(o, "verdicts");
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, verdict_json(rq->key, &v[i]));
    secalerts_verdicts_free(v, n);
    api_send_json(rs, 200, o);
}
