/* h_services — seed 000 §2.2: services, status, BIA, downtime,
 * integrations, dependencies, health. Parsing and shapes here; every
 * write is one domain call (services.h; health: service_health.h). */
#include "api/handlers.h"
#include "domain/rules.h"
#include "domain/service_health.h"
#include "domain/services.h"
#include "store/listing_repo.h"
#include "store/service_repo.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define DB_ERROR "Internal server error"

/* ---- request bodies ---- */

typedef struct Patch {
    ServicePatch p;
    int64_t     *deps;
} Patch;

static int minutes(ApiResp *rs, const cJSON *b, const char *key, int *has, int *is_null, int *v)
{
    /* A whole number out of range (-5, 1e12, 1e300) is told the range, not
     * that it is no integer (S4). */
    const cJSON *raw = cJSON_GetObjectItemCaseSensitive(b, key);
    if (cJSON_IsNumber(raw) && isfinite(raw->valuedouble) &&
        raw->valuedouble == floor(raw->valuedouble) &&
        (raw->valuedouble < 0 || raw->valuedouble > INT_MAX)) {
        api_send_error(rs, 400, "Field '%s' must be an integer between 0 and %d (minutes)", key,
                       INT_MAX);
        return -1;
    }
    int64_t x;
    int r = api_field_int(rs, b, key, &x, is_null);
    if (r < 0)
        return -1;
    *has = r;
    *v = (int)x;
    return 0;
}

/* Every field of seed 000's service model; -1 with 400 sent. */
static int parse_patch(ApiResp *rs, const cJSON *b, Patch *out)
{
    ServicePatch *p = &out->p;
    memset(out, 0, sizeof *out);
    int null_name, null_desc, null_crit, null_imp, null_deps;
    int r;
    if ((r = api_field_str(rs, b, "name", &p->name, &null_name)) < 0)
        return -1;
    p->has_name = r;
    if ((r = api_field_str(rs, b, "description", &p->description, &null_desc)) < 0)
        return -1;
    p->has_description = r;
    /* text rules, enumerations and limits: the domain (services.h) */
    if ((r = api_field_str(rs, b, "criticality", &p->criticality, &null_crit)) < 0)
        return -1;
    p->has_criticality = r;
    if ((r = api_field_str(rs, b, "impact", &p->impact, &null_imp)) < 0)
        return -1;
    p->has_impact = r;
    if (minutes(rs, b, "rto", &p->has_rto, &p->rto_null, &p->rto) < 0 ||
        minutes(rs, b, "rpo", &p->has_rpo, &p->rpo_null, &p->rpo) < 0)
        return -1;
    if ((r = api_field_bool(rs, b, "signed_off", &p->signed_off)) < 0)
        return -1;
    p->has_signed_off = r;
    if ((r = api_field_ids(rs, b, "dependencies", &out->deps, &p->ndeps, &null_deps)) < 0)
        return -1;
    p->has_deps = r;                /* null = an empty list */
    p->deps = out->deps;
    const char *created;           /* ours (B12): since when the service exists */
    if ((r = api_field_str(rs, b, "created_at", &created, NULL)) < 0)
        return -1;
    if (r == 1 && (util_parse_iso8601(created, &p->created_at) < 0 || p->created_at <= 0)) {
        api_send_error(rs, 400, "Field 'created_at' must be an ISO 8601 time "
                                "(YYYY-MM-DDTHH:MM:SS)");
        return -1;
    }
    p->has_created_at = r;
    /* issue 11: a runbook URL (checked by the domain, runbook.h); null clears */
    int null_runbook = 0;
    if ((r = api_field_str(rs, b, "runbook_url", &p->runbook_url, &null_runbook)) < 0)
        return -1;
    p->has_runbook_url = r;
    if (null_runbook)
        p->runbook_url = NULL;
    return 0;
}

/* ---- GET /api/services ---- */

typedef struct Edges {
    int64_t *from, *to;
    int      n, cap, k;
} Edges;

static int collect_edge(void *ctx, const Listing *l, const ListingValue *v)
{
    (void)l;
    Edges *e = ctx;
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 64;
        e->from = xrealloc(e->from, (size_t)e->cap * sizeof *e->from);
        e->to = xrealloc(e->to, (size_t)e->cap * sizeof *e->to);
    }
    e->from[e->n] = v[0].i;
    e->to[e->n++] = v[1].i;
    return 0;
}

typedef struct ListCtx {
    ApiJson out;
    int     n;
    Edges   edges;
} ListCtx;

static void put_lit(ApiJson *b, const char *lit)
{
    api_json_put(b, lit, strlen(lit));
}

static cJSON *int_or_null(const ListingValue *v)
{
    return v->is_null ? cJSON_CreateNull() : cJSON_CreateNumber((double)v->i);
}

static void put_int_or_null(ApiJson *b, const ListingValue *v)
{
    if (v->is_null)
        put_lit(b, "null");
    else
        api_json_int(b, v->i);
}

/* One service, written as the seed's object (hot path: no cJSON tree). */
static int add_service(void *ctx, const Listing *l, const ListingValue *v)
{
    (void)l;
    ListCtx *lc = ctx;
    ApiJson *b = &lc->out;
    int64_t id = v[0].i;
    put_lit(b, lc->n++ ? ",{\"id\":" : "{\"id\":");
    api_json_int(b, id);
    put_lit(b, ",\"name\":");
    api_json_str(b, v[1].s);
    put_lit(b, ",\"description\":");
    api_json_str(b, v[2].s);
    put_lit(b, ",\"created_by\":");
    api_json_str(b, v[3].s);
    put_lit(b, ",\"bia\":{\"criticality\":");
    api_json_str(b, v[5].s);
    put_lit(b, ",\"impact\":");
    api_json_str(b, v[6].s);
    put_lit(b, ",\"rto\":");
    put_int_or_null(b, &v[7]);
    put_lit(b, ",\"rpo\":");
    put_int_or_null(b, &v[8]);
    put_lit(b, v[9].i ? ",\"signed_off\":true,\"dependencies\":["
                      : ",\"signed_off\":false,\"dependencies\":[");
    Edges *e = &lc->edges;
    while (e->k < e->n && e->from[e->k] < id)
        e->k++;
    for (int first = 1; e->k < e->n && e->from[e->k] == id; e->k++, first = 0) {
        if (!first)
            put_lit(b, ",");
        api_json_int(b, e->to[e->k]);
    }
    put_lit(b, "]},\"status\":");
    api_json_str(b, v[10].is_null ? "Unknown" : v[10].s);
    put_lit(b, ",\"last_updated\":");
    api_json_str(b, v[11].s);
    put_lit(b, ",\"runbook_url\":");      /* issue 11 item 6 */
    api_json_str(b, v[12].s);
    put_lit(b, "}");
    return 0;
}

void h_services_list(ApiReq *rq, ApiResp *rs)
{
    ApiPage pg;
    if (api_page(rq, rs, &pg) < 0)
        return;
    ListCtx lc = {0};
    int64_t p[3] = {0, pg.limit, pg.offset}, total;   /* all services, one page */
    put_lit(&lc.out, "[");
    if (listing_count(rq->st, &listing_services, p, 1, &total) < 0 ||
        listing_run(rq->st, &listing_dependency_edges, NULL, 0, collect_edge, &lc.edges) < 0 ||
        listing_run(rq->st, &listing_services, p, 3, add_service, &lc) < 0) {
        api_send_error(rs, 500, "Failed to retrieve services due to database error");
    } else {
        put_lit(&lc.out, "]");
        api_send_built(rs, 200, &lc.out);
        rs->has_total = 1;
        rs->total = total;
    }
    free(lc.out.s);
    free(lc.edges.from);
    free(lc.edges.to);
}

/* ---- writes ---- */

void h_services_create(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    Patch pa;
    if (parse_patch(rs, b, &pa) < 0)
        goto out;
    const ServicePatch *p = &pa.p;
    ServiceInput in = {
        .name = p->name, .description = p->description,
        .has_bia = 1,                      /* the seed gives every new service a BIA */
        .criticality = p->criticality, .impact = p->impact,
        .has_rto = p->has_rto && !p->rto_null, .rto = p->rto,
        .has_rpo = p->has_rpo && !p->rpo_null, .rpo = p->rpo,
        .signed_off = p->signed_off,
        .deps = p->deps, .ndeps = p->ndeps, .has_deps = p->has_deps,
        .created_at = p->has_created_at ? p->created_at : 0,
        .runbook_url = p->has_runbook_url ? p->runbook_url : NULL,
    };
    char err[512];
    int64_t id = 0;
    int r = services_create(rq->st, &in, rq->user->username, rq->user->id, rq->now, &id, err,
                            sizeof err);
    if (r < 0) {
        api_send_error(rs, api_status_of(r), "%s", err);
        goto out;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "message", "Service created");
    cJSON_AddNumberToObject(o, "service_id", (double)id);
    api_send_json(rs, 201, o);
out:
    free(pa.deps);
    cJSON_Delete(b);
}

/* The "id" of PUT/DELETE /api/services: 1 and *id, or -1 with 400 sent. */
static int body_id(ApiResp *rs, const cJSON *b, int64_t *id, int zero_is_missing)
{
    int r = api_field_int(rs, b, "id", id, NULL);
    if (r < 0)
        return -1;
    if (r == 0 || (zero_is_missing && *id == 0)) {
        api_send_error(rs, 400, "Service ID is required");
        return -1;
    }
    return 1;
}

void h_services_update(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    Patch pa = {0};
    int64_t id;
    if (body_id(rs, b, &id, 0) < 0 || parse_patch(rs, b, &pa) < 0)
        goto out;
    char err[512];
    int r = services_update(rq->st, id, &pa.p, rq->user->id, rq->now, err, sizeof err);
    if (r < 0)
        api_send_error(rs, api_status_of(r), "%s", err);
    else
        api_send_message(rs, 200, "Service updated successfully");
out:
    free(pa.deps);
    cJSON_Delete(b);
}

void h_services_delete(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    int64_t id;
    if (body_id(rs, b, &id, 1) > 0) {
        char err[256];
        int r = services_delete(rq->st, id, rq->user->id, rq->now, err, sizeof err);
        if (r < 0)
            api_send_error(rs, api_status_of(r), "%s", err);
        else
            api_send_message(rs, 200, "Service deleted successfully");
    }
    cJSON_Delete(b);
}

void h_services_status(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    const char *text;
    int r = api_field_str(rs, b, "status", &text, NULL);
    if (r < 0)
        goto out;
    if (r == 0 || !*text) {
        api_send_error(rs, 400, "Status is required");
        goto out;
    }
    ServiceStatus status;
    if (status_parse(text, &status) < 0) {
        api_send_error(rs, 400, "Status must be one of: Up, Down, Degraded, Unknown");
        goto out;
    }
    char err[256], reason[400];
    snprintf(reason, sizeof reason, "Reported %s by %s", status_name(status),
             rq->user->username);
    r = services_set_status(rq->st, rq->id, status, SET_BY_USER, rq->user->id, reason, rq->now,
                            err, sizeof err);
    if (r < 0)
        api_send_error(rs, api_status_of(r), "%s", err);
    else
        api_send_message(rs, 200, "Status updated successfully");
out:
    cJSON_Delete(b);
}

void h_services_bia_put(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    Patch pa;
    if (parse_patch(rs, b, &pa) == 0) {
        pa.p.has_name = pa.p.has_description = 0;      /* BIA fields only */
        pa.p.has_created_at = 0;
        char err[512];
        int r = services_bia_put(rq->st, rq->id, &pa.p, rq->user->id, rq->now, err, sizeof err);
        if (r < 0)
            api_send_error(rs, api_status_of(r), "%s", err);
        else
            api_send_message(rs, 200, "BIA updated successfully");
    }
    free(pa.deps);
    cJSON_Delete(b);
}

void h_services_bia_delete(ApiReq *rq, ApiResp *rs)
{
    char err[256];
    int r = services_bia_delete(rq->st, rq->id, rq->user->id, rq->now, err, sizeof err);
    if (r < 0)
        api_send_error(rs, api_status_of(r), "%s", err);
    else
        api_send_message(rs, 200, "BIA deleted successfully");
}

/* ---- downtime ---- */

#define BAD_DATE "Invalid date format. Use ISO 8601 (YYYY-MM-DDTHH:MM:SS)"

void h_services_downtime_post(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    const char *start_s, *end_s, *reason;
    int r = api_field_str(rs, b, "start_time", &start_s, NULL);
    if (r < 0)
        goto out;
    if (r == 0 || !*start_s) {
        api_send_error(rs, 400, "Start time is required");
        goto out;
    }
    if (api_field_str(rs, b, "end_time", &end_s, NULL) < 0 ||
        api_field_str(rs, b, "reason", &reason, NULL) < 0)
        goto out;
    int64_t start, end = 0;
    if (util_parse_iso8601(start_s, &start) < 0 ||
        (end_s && *end_s && util_parse_iso8601(end_s, &end) < 0)) {
        api_send_error(rs, 400, BAD_DATE);
        goto out;
    }
    if (start <= 0 || (end_s && *end_s && end <= 0)) {
        api_send_error(rs, 400, BAD_DATE);
        goto out;
    }
    char err[256];
    r = services_downtime_log(rq->st, rq->id, start, end, reason, rq->user->id, rq->now, err,
                              sizeof err);
    if (r < 0) {
        api_send_error(rs, api_status_of(r), "%s", err);
        goto out;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "message", "Downtime logged");
    cJSON *d = cJSON_AddObjectToObject(o, "downtime");
    cJSON_AddNumberToObject(d, "service_id", (double)rq->id);
    cJSON_AddItemToObject(d, "start_time", api_time(start));
    cJSON_AddItemToObject(d, "end_time", api_time(end));
    cJSON_AddStringToObject(d, "reason", reason ? reason : "Not specified");
    api_send_json(rs, 200, o);
out:
    cJSON_Delete(b);
}

typedef struct DtCtx {
    cJSON  *arr;
    int64_t now;
} DtCtx;

static int add_downtime(void *ctx, const Listing *l, const ListingValue *v)
{
    (void)l;
    DtCtx *dc = ctx;
    int64_t start = 0, end = 0;
    if (!v[0].is_null)
        util_parse_iso8601(v[0].s, &start);
    if (!v[1].is_null)
        util_parse_iso8601(v[1].s, &end);
    int64_t secs = (end ? end : dc->now) - start;
    char dur[64];
    service_health_format_duration(secs, dur, sizeof dur);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)v[3].i);   /* ours: names its timeline.md */
    cJSON_AddItemToObject(o, "start_time", api_str_or_null(v[0].s));
    cJSON_AddItemToObject(o, "end_time", api_str_or_null(v[1].s));
    cJSON_AddItemToObject(o, "reason", api_str_or_null(v[2].s));
    cJSON_AddStringToObject(o, "duration", dur);
    /* int(total_seconds / 60): truncated toward zero */
    cJSON_AddNumberToObject(o, "total_minutes", (double)(secs / 60));
    cJSON_AddItemToArray(dc->arr, o);
    return 0;
}

/* Paged (issue 9 D7): ?limit (default 100, at most 1000) and ?offset;
 * downtime_count and X-Total-Count are the service's whole number of
 * downtimes (the seed's downtime_count, which counts every one). */
void h_services_downtime_get(ApiReq *rq, ApiResp *rs)
{
    ApiPage pg;
    if (api_page(rq, rs, &pg) < 0)
        return;
    char name[SERVICE_NAME_BUF];
    int r = service_repo_name(rq->st, rq->id, name, sizeof name);
    if (r <= 0) {
        if (r == 0)
            api_send_error(rs, 404, "Service not found");
        else
            api_send_error(rs, 500, "Failed to retrieve downtime due to database error");
        return;
    }
    DtCtx dc = {.arr = cJSON_CreateArray(), .now = rq->now};
    int64_t p[3] = {rq->id, pg.limit, pg.offset}, total;
    if (listing_count(rq->st, &listing_downtimes_page, p, 1, &total) < 0 ||
        listing_run(rq->st, &listing_downtimes_page, p, 3, add_downtime, &dc) < 0) {
        cJSON_Delete(dc.arr);
        api_send_error(rs, 500, "Failed to retrieve downtime due to database error");
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "service_id", (double)rq->id);
    cJSON_AddStringToObject(o, "service_name", name);
    cJSON_AddNumberToObject(o, "downtime_count", (double)total);
    cJSON_AddItemToObject(o, "downtimes", dc.arr);
    api_send_json(rs, 200, o);
    rs->has_total = 1;
    rs->total = total;
}

/* ---- integrations, dependencies ---- */

void h_services_integrations_post(ApiReq *rq, ApiResp *rs)
{
    static const char required[] = "Service ID, type, and config are required";
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    int64_t sid;
    const char *type;
    int rs_id = api_field_int(rs, b, "service_id", &sid, NULL);
    if (rs_id < 0)
        goto out;
    int rt = api_field_str(rs, b, "type", &type, NULL);
    if (rt < 0)
        goto out;
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(b, "config");
    if (!rs_id || !sid || !rt || !*type || !cfg || cJSON_IsNull(cfg)) {
        api_send_error(rs, 400, required);
        goto out;
    }
    if (!cJSON_IsObject(cfg)) {
        api_send_error(rs, 400, "Field 'config' must be a JSON object");
        goto out;
    }
    char *cfg_json = cJSON_PrintUnformatted(cfg);
    char err[256];
    int r = services_integration_add(rq->st, sid, type, cfg_json, rq->user->username,
                                     rq->user->id, rq->now, NULL, err, sizeof err);
    free(cfg_json);
    if (r < 0)
        api_send_error(rs, api_status_of(r), "%s", err);
    else
        api_send_message(rs, 201, "Integration added successfully");
out:
    cJSON_Delete(b);
}

void h_services_integrations_get(ApiReq *rq, ApiResp *rs)
{
    ApiPage pg;
    if (api_page(rq, rs, &pg) == 0)
        api_send_listing_page(rq, rs, &listing_integrations, NULL, 0, &pg, "integrations");
}

typedef struct DepCtx {
    cJSON  *arr, *cur;
    int64_t cur_id;
} DepCtx;

static int add_dep(void *ctx, const Listing *l, const ListingValue *v)
{
    (void)l;
    DepCtx *dc = ctx;
    if (!dc->cur || dc->cur_id != v[0].i) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddNumberToObject(s, "service_id", (double)v[0].i);
        cJSON_AddItemToObject(s, "service_name", api_str_or_null(v[1].s));
        dc->cur = cJSON_AddArrayToObject(s, "dependencies");
        dc->cur_id = v[0].i;
        cJSON_AddItemToArray(dc->arr, s);
    }
    cJSON *d = cJSON_CreateObject();
    cJSON_AddNumberToObject(d, "service_id", (double)v[2].i);
    cJSON_AddItemToObject(d, "service_name", api_str_or_null(v[3].s));
    cJSON_AddItemToObject(d, "criticality", api_str_or_null(v[4].s));
    cJSON_AddItemToObject(d, "impact", api_str_or_null(v[5].s));
    cJSON_AddItemToObject(d, "rto", int_or_null(&v[6]));
    cJSON_AddItemToObject(d, "rpo", int_or_null(&v[7]));
    cJSON_AddItemToObject(d, "status", api_str_or_null(v[8].s));
    cJSON_AddItemToArray(dc->cur, d);
    return 0;
}

void h_services_dependencies(ApiReq *rq, ApiResp *rs)
{
    DepCtx dc = {.arr = cJSON_CreateArray()};
    if (listing_run(rq->st, &listing_dependencies, NULL, 0, add_dep, &dc) < 0) {
        cJSON_Delete(dc.arr);
        api_send_error(rs, 500, "Failed to retrieve dependencies due to database error");
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "dependencies", dc.arr);
    api_send_json(rs, 200, o);
}

/* ---- health ---- */

void h_services_health(ApiReq *rq, ApiResp *rs)
{
    HealthInfo h;
    char err[256];
    int r = service_health_get(rq->st, rq->id, rq->now, &h, err, sizeof err);
    if (r < 0) {
        if (r == -ENOENT)
            api_send_error(rs, 404, "%s", err);
        else
            api_send_error(rs, 500, "Failed to retrieve service health due to database error");
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "service_id", (double)h.service_id);
    cJSON_AddStringToObject(o, "name", h.name);
    cJSON_AddStringToObject(o, "status", h.status);
    cJSON_AddItemToObject(o, "last_updated", api_time(h.last_updated));
    cJSON *bia = cJSON_AddObjectToObject(o, "bia");
    cJSON_AddItemToObject(bia, "criticality", api_str_or_null(h.has_criticality ? h.criticality
                                                                                : NULL));
    cJSON_AddItemToObject(bia, "rto", h.has_rto ? cJSON_CreateNumber(h.rto) : cJSON_CreateNull());
    cJSON_AddItemToObject(bia, "rpo", h.has_rpo ? cJSON_CreateNumber(h.rpo) : cJSON_CreateNull());
    cJSON *dt = cJSON_AddObjectToObject(o, "downtime");
    cJSON_AddItemToObject(dt, "start_time", api_time(h.has_downtime ? h.downtime_start : 0));
    cJSON_AddItemToObject(dt, "reason", api_str_or_null(h.has_downtime_reason ? h.downtime_reason
                                                                              : NULL));
    cJSON_AddStringToObject(o, "overall_health", h.overall_health);
    cJSON_AddNumberToObject(o, "risk_score", h.risk.score);
    cJSON_AddStringToObject(o, "risk_level", risk_level_name(h.risk.level)); /* ours */
    cJSON_AddBoolToObject(o, "is_critical", h.risk.is_critical);
    cJSON_AddStringToObject(o, "reason", h.reason);
    char pct[32];                  /* a float, as the seed documents: 100.0 */
    snprintf(pct, sizeof pct, "%.2f", h.uptime_percentage);
    cJSON_AddRawToObject(o, "uptime_percentage", pct);
    api_send_json(rs, 200, o);
}
