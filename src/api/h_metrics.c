/* h_metrics — seed 004's observability API at its root paths: the
 * summary, the log analyzer, metrics and their history, threshold alerts,
 * per-user and global thresholds (the latter behind ADMIN_TOKEN). Seed
 * 004's accounts (/register, /login) are in h_accounts.c.
 *
 * Shapes follow seed-notes.md "Seed 004"; our additions are extra fields
 * only. Times are ISO 8601 UTC without a zone ("2024-01-01T12:00:00"),
 * as the seed's own isoformat() prints them. Metric rows are pivoted here
 * from the narrow metric_sample table: one object per sample time with
 * the scalar names of domain/metrics.h as fields, "cores" (per-core CPU
 * %) and "disks" (mount -> % used).
 */
#include "api/handlers.h"
#include "domain/logparse.h"
#include "domain/metrics.h"
#include "domain/metrics_history.h"
#include "store/metric_repo.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_DEFAULT_LIMIT  100       /* seed 004: get_metrics(limit=100) */
#define METRICS_MAX_LIMIT      10000
#define ALERTS_DEFAULT_LIMIT   100
#define HISTORY_MAX_ROWS       100000
#define SUMMARY_DEFAULT_N      5         /* seed 004: get_summary(last_n_alerts=5) */
#define TOP_ERRORS             5

static cJSON *iso(int64_t t)
{
    char buf[32];
    util_iso8601(t, buf, sizeof buf);
    return cJSON_CreateString(buf);
}

/* ---- summary -------------------------------------------------------------------- */

static int add_count(void *ctx, const char *type, int64_t count)
{
    cJSON_AddNumberToObject(ctx, type, (double)count);
    return 0;
}

static int add_ts(void *ctx, const MetricAlertRow *row)
{
    cJSON_AddItemToArray(ctx, iso(row->ts));
    return 0;
}

void h_metrics_summary(ApiReq *rq, ApiResp *rs)
{
    int64_t n;
    if (api_query_int(rq, rs, "n", 0, 1000, SUMMARY_DEFAULT_N, 0, &n) < 0)
        return;
    cJSON *o = cJSON_CreateObject();
    cJSON *breakdown = cJSON_CreateObject(), *last = cJSON_CreateArray();
    int64_t total = 0;
    double cpu = 0, mem = 0;
    if (metric_repo_alert_counts(rq->st, add_count, breakdown, &total) < 0 ||
        metric_repo_alert_scan(rq->st, (int)n, add_ts, last) < 0 ||
        metric_repo_avg_recent(rq->st, "cpu", 10, &cpu) < 0 ||
        metric_repo_avg_recent(rq->st, "memory", 10, &mem) < 0) {
        cJSON_Delete(o);
        cJSON_Delete(breakdown);
        cJSON_Delete(last);
        api_send_error(rs, 500, "Failed to build the summary due to database error");
        return;
    }
    cJSON_AddNumberToObject(o, "total_alerts", (double)total);
    cJSON_AddItemToObject(o, "breakdown", breakdown);
    cJSON_AddItemToObject(o, "last_alert_timestamps", last);
    cJSON_AddNumberToObject(o, "avg_last_10_cpu", cpu);
    cJSON_AddNumberToObject(o, "avg_last_10_memory", mem);
    api_send_json(rs, 200, o);
}

/* ---- log analyzer ---------------------------------------------------------------- */

void h_logs_analyze(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    const cJSON *logs = cJSON_GetObjectItemCaseSensitive(b, "logs");
    StrBuf text = {0};
    if (cJSON_IsString(logs)) {
        strbuf_append(&text, logs->valuestring);
    } else if (cJSON_IsArray(logs)) {          /* ours: a list of lines too */
        const cJSON *e;
        cJSON_ArrayForEach(e, logs) {
            if (!cJSON_IsString(e)) {
                api_send_error(rs, 400, "Field 'logs' must be a string or an array of strings");
                goto out;
            }
            strbuf_append(&text, e->valuestring);
            strbuf_append(&text, "\n");
        }
    } else {
        api_send_error(rs, 400, logs ? "Field 'logs' must be a string or an array of strings"
                                     : "Field 'logs' is required");
        goto out;
    }
    LogReport r;
    logparse_analyze(text.s ? text.s : "", text.len, TOP_ERRORS, &r);
    cJSON *o = cJSON_CreateObject();
    cJSON *counts = cJSON_AddObjectToObject(o, "counts");
    static const LpLevel order[] = {LP_ERROR, LP_WARN, LP_INFO, LP_DEBUG, LP_CRITICAL, LP_TRACE};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        cJSON_AddNumberToObject(counts, logparse_level_name(order[i]), (double)r.counts[order[i]]);
    cJSON *top = cJSON_AddArrayToObject(o, "top_errors");
    cJSON *detail = cJSON_CreateArray();
    for (int i = 0; i < r.ntop; i++) {
        cJSON_AddItemToArray(top, cJSON_CreateString(r.top[i].message));
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "message", r.top[i].message);
        cJSON_AddNumberToObject(d, "count", (double)r.top[i].count);
        cJSON_AddItemToArray(detail, d);
    }
    cJSON_AddItemToObject(o, "top_errors_detail", detail);
    cJSON_AddNumberToObject(o, "total_lines", (double)r.lines);
    cJSON_AddNumberToObject(o, "entries", (double)r.entries);
    cJSON_AddNumberToObject(o, "continuation_lines", (double)r.continuation);
    cJSON_AddNumberToObject(o, "unrecognized_lines", (double)r.unrecognized);
    logparse_report_free(&r);
    api_send_json(rs, 200, o);
out:
    strbuf_free(&text);
    cJSON_Delete(b);
}

/* ---- metrics ------------------------------------------------------------------------ */

/* Rows of one sample time become one object; rows arrive ts-ordered.
 * Each finished object is printed into the answer at once, so a long
 * history costs its text, not a tree of every sample. */
typedef struct Pivot {
    StrBuf  out;             /* "[{...},{...}" so far */
    cJSON  *cur, *cores, *disks;
    int64_t ts;
    int     resolution;
    int     rows, limit;     /* objects made, at most limit (0 = no cap) */
    int     truncated;
} Pivot;

static void pivot_flush(Pivot *p)
{
    if (!p->cur)
        return;
    cJSON_AddItemToObject(p->cur, "cores", p->cores);
    cJSON_AddItemToObject(p->cur, "disks", p->disks);
    char *s = cJSON_PrintUnformatted(p->cur);
    strbuf_append(&p->out, p->out.len ? "," : "[");
    strbuf_append(&p->out, s ? s : "{}");
    free(s);
    cJSON_Delete(p->cur);
    p->cur = p->cores = p->disks = NULL;
}

/* The array as the answer (takes the text). */
static void pivot_send(Pivot *p, ApiResp *rs)
{
    pivot_flush(p);
    strbuf_append(&p->out, p->out.len ? "]" : "[]");
    free(rs->body);
    rs->status = 200;
    rs->body = p->out.s;
    p->out = (StrBuf){0};
}

static int pivot_row(void *ctx, int64_t ts, const char *name, double value)
{
    Pivot *p = ctx;
    if (!p->cur || ts != p->ts) {
        pivot_flush(p);
        if (p->limit && p->rows >= p->limit) {
            p->truncated = 1;
            return 1;                       /* stop the scan */
        }
        p->rows++;
        p->ts = ts;
        p->cur = cJSON_CreateObject();
        /* seed 004's three fields first, then ours; null until seen */
        cJSON_AddNullToObject(p->cur, metric_name(MET_CPU));
        cJSON_AddNullToObject(p->cur, metric_name(MET_MEMORY));
        cJSON_AddItemToObject(p->cur, "ts", iso(ts));
        cJSON_AddStringToObject(p->cur, "resolution", p->resolution ? "1m" : "raw");
        for (int i = MET_MEMORY + 1; i < MET_COUNT; i++)
            cJSON_AddNullToObject(p->cur, metric_name((MetricId)i));
        p->cores = cJSON_CreateArray();
        p->disks = cJSON_CreateObject();
    }
    if (!strncmp(name, "disk:", 5)) {
        cJSON_AddNumberToObject(p->disks, name + 5, value);
    } else if (!strncmp(name, "cpu", 3) && name[3] >= '0' && name[3] <= '9') {
        int idx = atoi(name + 3);
        while (idx >= 0 && idx < METRICS_MAX_CORES && cJSON_GetArraySize(p->cores) <= idx)
            cJSON_AddItemToArray(p->cores, cJSON_CreateNull());
        if (idx >= 0 && idx < METRICS_MAX_CORES)
            cJSON_ReplaceItemInArray(p->cores, idx, cJSON_CreateNumber(value));
    } else if (cJSON_GetObjectItemCaseSensitive(p->cur, name)) {
        cJSON_ReplaceItemInObjectCaseSensitive(p->cur, name, cJSON_CreateNumber(value));
    } else {
        cJSON_AddNumberToObject(p->cur, name, value);
    }
    return 0;
}

static void pivot_free(Pivot *p)
{
    cJSON_Delete(p->cur);
    cJSON_Delete(p->cores);
    cJSON_Delete(p->disks);
    strbuf_free(&p->out);
}

void h_metrics_list(ApiReq *rq, ApiResp *rs)
{
    int64_t limit;
    if (api_query_int(rq, rs, "limit", 1, METRICS_MAX_LIMIT, METRICS_DEFAULT_LIMIT, 0,
                      &limit) < 0)
        return;
    int64_t from = 0;
    Pivot p = {.limit = (int)limit};
    if (metric_repo_nth_newest(rq->st, (int)limit, &from) < 0 ||
        metric_repo_scan(rq->st, METRIC_RES_RAW, from, 0, 1, pivot_row, &p) < 0) {
        pivot_free(&p);
        api_send_error(rs, 500, "Failed to retrieve metrics due to database error");
        return;
    }
    pivot_send(&p, rs);
}

/* start/end: ISO 8601 (seed 004: datetime.fromisoformat); -1 with 400. */
static int query_time(ApiReq *rq, ApiResp *rs, const char *name, int64_t def, int64_t *out)
{
    const char *v = api_query(rq, name);
    *out = def;
    if (!v)
        return 0;
    if (util_parse_iso8601(v, out) < 0) {
        api_send_error(rs, 400, "invalid time range: '%s' is not an ISO 8601 time", name);
        return -1;
    }
    return 0;
}

static int pivot_history_row(void *ctx, int resolution, int64_t ts, const char *name,
                             double value)
{
    Pivot *p = ctx;
    p->resolution = resolution;       /* an object takes it when ts changes */
    return pivot_row(p, ts, name, value);
}

void h_metrics_history(ApiReq *rq, ApiResp *rs)
{
    int64_t start, end;
    if (query_time(rq, rs, "end", rq->now, &end) < 0 ||
        query_time(rq, rs, "start", end - 3600, &start) < 0)
        return;
    if (start > end) {
        api_send_error(rs, 400, "invalid time range: start is after end");
        return;
    }
    /* minute averages where raw samples no longer exist, raw after
     * (the read the console's Metrics pane shares: metrics_history.h) */
    Pivot p = {.limit = HISTORY_MAX_ROWS};
    int r = metrics_history_scan(rq->st, start, end, pivot_history_row, &p);
    if (r < 0) {
        pivot_free(&p);
        api_send_error(rs, 500, "Failed to retrieve metrics due to database error");
        return;
    }
    pivot_send(&p, rs);
}

/* ---- alerts ----------------------------------------------------------------------------- */

static int add_alert(void *ctx, const MetricAlertRow *row)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)row->id);
    cJSON_AddStringToObject(o, "type", row->type);
    cJSON_AddNumberToObject(o, "value", row->value);
    cJSON_AddItemToObject(o, "ts", iso(row->ts));
    if (isnan(row->threshold))
        cJSON_AddNullToObject(o, "threshold");
    else
        cJSON_AddNumberToObject(o, "threshold", row->threshold);
    cJSON_AddItemToObject(o, "cleared_at", row->cleared_at ? iso(row->cleared_at)
                                                           : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "message", api_str_or_null(*row->message ? row->message : NULL));
    cJSON_AddItemToArray(ctx, o);
    return 0;
}

void h_metrics_alerts(ApiReq *rq, ApiResp *rs)
{
    int64_t limit;
    if (api_query_int(rq, rs, "limit", 1, 100000, ALERTS_DEFAULT_LIMIT, 0, &limit) < 0)
        return;
    cJSON *arr = cJSON_CreateArray();
    if (metric_repo_alert_scan(rq->st, (int)limit, add_alert, arr) < 0) {
        cJSON_Delete(arr);
        api_send_error(rs, 500, "Failed to retrieve alerts due to database error");
        return;
    }
    api_send_json(rs, 200, arr);
}

/* ---- thresholds ------------------------------------------------------------------------ */

/* A threshold field: 1 given (number), 0 absent or null, -1 with 400. */
static int threshold_field(ApiResp *rs, const cJSON *b, ThresholdId t, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, threshold_key(t));
    *out = NAN;
    if (!v || cJSON_IsNull(v))
        return 0;
    char err[128];
    if (!cJSON_IsNumber(v) || threshold_validate(t, v->valuedouble, err, sizeof err) < 0) {
        api_send_error(rs, 400, "%s must be a number from 0 (off) to %g", threshold_key(t),
                       threshold_is_percent(t) ? 100.0 : 1000000.0);
        return -1;
    }
    *out = v->valuedouble;
    return 1;
}

static void send_user_thresholds(ApiReq *rq, ApiResp *rs, int status)
{
    double cpu, mem;
    int custom;
    if (metrics_user_thresholds(rq->st, rq->user->id, &cpu, &mem, &custom) < 0) {
        api_send_error(rs, 500, "Failed to retrieve thresholds due to database error");
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "cpu_threshold", cpu);
    cJSON_AddNumberToObject(o, "memory_threshold", mem);
    cJSON_AddStringToObject(o, "source", custom ? "user" : "global");
    api_send_json(rs, status, o);
}

void h_thresholds_get(ApiReq *rq, ApiResp *rs)
{
    send_user_thresholds(rq, rs, 200);
}

void h_thresholds_post(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    double cpu, mem;
    int a = threshold_field(rs, b, THRESH_CPU, &cpu);
    int m = a < 0 ? -1 : threshold_field(rs, b, THRESH_MEMORY, &mem);
    if (a < 0 || m < 0)
        goto out;
    if (!a && !m) {
        api_send_error(rs, 400, "Give cpu_threshold and/or memory_threshold");
        goto out;
    }
    char err[256];
    int r = metrics_set_user_thresholds(rq->st, rq->user->id, cpu, mem, rq->user->username,
                                        rq->now, err, sizeof err);
    if (r < 0) {
        api_send_error(rs, api_status_of(r), "%s", err);
        goto out;
    }
    send_user_thresholds(rq, rs, 200);
out:
    cJSON_Delete(b);
}

/* x-admin-token: 403 when ADMIN_TOKEN is unset (the endpoints are off),
 * 401 when missing or wrong. Compared in constant time. */
static int admin_ok(ApiReq *rq, ApiResp *rs)
{
    const char *want = rq->cfg->admin_token;
    if (!want || !*want) {
        api_send_error(rs, 403, "Admin endpoints are disabled (ADMIN_TOKEN is not set)");
        return 0;
    }
    const char *got = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "x-admin-token");
    unsigned char a[crypto_generichash_BYTES], b[crypto_generichash_BYTES];
    if (got && sodium_init() >= 0) {
        crypto_generichash(a, sizeof a, (const unsigned char *)want, strlen(want), NULL, 0);
        crypto_generichash(b, sizeof b, (const unsigned char *)got, strlen(got), NULL, 0);
        if (sodium_memcmp(a, b, sizeof a) == 0)
            return 1;
    }
    api_send_error(rs, 401, got ? "Invalid admin token" : "Missing x-admin-token header");
    return 0;
}

static void send_global_thresholds(ApiReq *rq, ApiResp *rs)
{
    double t[THRESH_COUNT];
    if (metrics_thresholds(rq->st, t) < 0) {
        api_send_error(rs, 500, "Failed to retrieve thresholds due to database error");
        return;
    }
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; i < THRESH_COUNT; i++)
        cJSON_AddNumberToObject(o, threshold_key((ThresholdId)i), t[i]);
    api_send_json(rs, 200, o);
}

void h_thresholds_admin_get(ApiReq *rq, ApiResp *rs)
{
    if (admin_ok(rq, rs))
        send_global_thresholds(rq, rs);
}

void h_thresholds_admin_post(ApiReq *rq, ApiResp *rs)
{
    if (!admin_ok(rq, rs))
        return;
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    double v[THRESH_COUNT];
    int given = 0;
    for (int i = 0; i < THRESH_COUNT; i++) {
        int r = threshold_field(rs, b, (ThresholdId)i, &v[i]);
        if (r < 0)
            goto out;
        given += r;
    }
    if (!given) {
        api_send_error(rs, 400, "Give at least one of cpu_threshold, memory_threshold, "
                                "swap_threshold, disk_threshold, load_threshold");
        goto out;
    }
    char err[256];
    int r = metrics_set_thresholds(rq->st, v, 0, "admin token", rq->now, err, sizeof err);
    if (r < 0) {
        api_send_error(rs, api_status_of(r), "%s", err);
        goto out;
    }
    send_global_thresholds(rq, rs);
out:
    cJSON_Delete(b);
}
