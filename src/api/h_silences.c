/* h_silences — issue 11 item 4: silences and maintenance windows.
 *   POST   /api/silences       create (201 with the stored silence)
 *   GET    /api/silences       list, newest first (?state=active|pending|expired)
 *   DELETE /api/silences/{id}  expire early (200 with the expired silence)
 * Reads: any signed-in user; writes: who may acknowledge alerts (Ops
 * Analyst) or an Engineer. Rules and audit: domain/silences.c. */
#include "api/handlers.h"
#include "domain/silences.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static cJSON *matchers_json(const SilenceRow *r)
{
    cJSON *m = cJSON_CreateObject();
    if (r->service_id) {
        cJSON_AddNumberToObject(m, "service_id", (double)r->service_id);
        cJSON_AddStringToObject(m, "service", r->service);
    }
    if (r->type[0])
        cJSON_AddStringToObject(m, "type", r->type);
    if (r->severity[0])
        cJSON_AddStringToObject(m, "severity", r->severity);
    if (r->category[0])
        cJSON_AddStringToObject(m, "category", r->category);
    return m;
}

static cJSON *str_or_null(const char *s)
{
    return s && *s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *silence_json(const SilenceRow *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)r->id);
    cJSON_AddItemToObject(o, "matchers", matchers_json(r));
    cJSON_AddItemToObject(o, "starts_at", api_time(r->starts_at));
    cJSON_AddItemToObject(o, "ends_at", api_time(r->ends_at));
    cJSON_AddItemToObject(o, "rrule", str_or_null(r->rrule));
    cJSON_AddItemToObject(o, "duration_minutes", r->rrule[0]
                          ? cJSON_CreateNumber(r->duration_minutes) : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "timezone", str_or_null(r->timezone));
    cJSON_AddStringToObject(o, "comment", r->comment);
    cJSON_AddStringToObject(o, "created_by", r->created_by);
    cJSON_AddItemToObject(o, "created_at", api_time(r->created_at));
    cJSON_AddItemToObject(o, "expired_at", api_time(r->expired_at));
    cJSON_AddItemToObject(o, "expired_by", str_or_null(r->expired_by));
    cJSON_AddStringToObject(o, "state", silences_state_name(r->state));
    cJSON_AddItemToObject(o, "window_start", api_time(r->window_start));
    cJSON_AddItemToObject(o, "window_end", api_time(r->window_end));
    cJSON_AddNumberToObject(o, "suppressed", r->suppressed);
    return o;
}

void h_silences_list(ApiReq *rq, ApiResp *rs)
{
    const char *q = api_query(rq, "state");
    SilenceState want = SILENCE_ACTIVE;
    if (q && silences_state_parse(q, &want) < 0) {
        api_send_error(rs, 400, "Query parameter 'state' must be active, pending or expired");
        return;
    }
    ApiPage pg;
    if (api_page(rq, rs, &pg) < 0)
        return;
    SilenceRow *v;
    int n = silences_list(rq->st, rq->now, &v);
    if (n < 0) {
        api_send_io_error(rq, rs, 0, "listing silences");
        return;
    }
    /* the state is computed now, so the page is cut here: X-Total-Count
     * counts the silences that match ?state, ?limit/?offset page them */
    cJSON *a = cJSON_CreateArray();
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        if (q && v[i].state != want)
            continue;
        if (total >= pg.offset && total < pg.offset + pg.limit)
            cJSON_AddItemToArray(a, silence_json(&v[i]));
        total++;
    }
    free(v);
    api_send_json(rs, 200, a);
    rs->has_total = 1;
    rs->total = total;
}

/* An optional ISO 8601 time field: 0, or -1 with 400 sent. */
static int time_field(ApiResp *rs, const cJSON *b, const char *key, int64_t *out)
{
    const char *s = NULL;
    int null = 0;
    int r = api_field_str(rs, b, key, &s, &null);
    *out = 0;
    if (r <= 0 || null)
        return r < 0 ? -1 : 0;
    if (util_parse_iso8601(s, out) < 0 || *out <= 0) {
        api_send_error(rs, 400, "Field '%s' must be an ISO 8601 time such as "
                       "\"2026-12-01T04:00:00Z\"", key);
        return -1;
    }
    return 0;
}

/* An optional string field (null = absent): 0, or -1 with 400 sent. */
static int str_field(ApiResp *rs, const cJSON *o, const char *key, const char **out)
{
    int null = 0;
    int r = api_field_str(rs, o, key, out, &null);
    if (r <= 0 || null)
        *out = NULL;
    return r < 0 ? -1 : 0;
}

/* The first member of o whose name is not one of known[0..n), or NULL. */
static const char *unknown_member(const cJSON *o, const char *const *known, size_t n)
{
    for (const cJSON *c = o->child; c; c = c->next) {
        size_t i = 0;
        while (i < n && strcmp(c->string, known[i]) != 0)
            i++;
        if (i == n)
            return c->string;
    }
    return NULL;
}

static int matchers_parse(ApiResp *rs, const cJSON *b, SilenceSpec *sp)
{
    static const char *const known[] = {"service_id", "service", "type", "severity", "category"};
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(b, "matchers");
    if (!cJSON_IsObject(m)) {
        api_send_error(rs, 400, "Field 'matchers' must be an object with at least one of "
                       "service_id, service, type, severity, category");
        return -1;
    }
    const char *bad = unknown_member(m, known, sizeof known / sizeof known[0]);
    if (bad) {
        api_send_error(rs, 400, "Unknown matcher 'matchers.%.60s' (use service_id, service, "
                       "type, severity, category)", bad);
        return -1;
    }
    /* the matchers' types, named as matchers.x (api_field_* would say x) */
    for (const cJSON *it = m->child; it; it = it->next) {
        int want_int = strcmp(it->string, "service_id") == 0;
        if (cJSON_IsNull(it) || (want_int ? cJSON_IsNumber(it) : cJSON_IsString(it)))
            continue;
        api_send_error(rs, 400, "Field 'matchers.%s' must be %s", it->string,
                       want_int ? "an integer" : "a string");
        return -1;
    }
    int null = 0;
    int r = api_field_int(rs, m, "service_id", &sp->service_id, &null);
    if (r < 0)
        return -1;
    if (r > 0 && !null && sp->service_id <= 0) {
        api_send_error(rs, 400, "Field 'matchers.service_id' must be a positive integer");
        return -1;
    }
    if (null)
        sp->service_id = 0;
    if (str_field(rs, m, "service", &sp->service) < 0 || str_field(rs, m, "type", &sp->type) < 0 ||
        str_field(rs, m, "severity", &sp->severity) < 0 ||
        str_field(rs, m, "category", &sp->category) < 0)
        return -1;
    return 0;
}

/* A mistyped field ("start_at") would silently change the window: 0 when
 * every member of b is a field of a silence, else -1 with a 400 naming it. */
static int known_fields(ApiResp *rs, const cJSON *b)
{
    static const char *const known[] = {"matchers", "starts_at", "ends_at", "duration_minutes",
                                        "rrule", "timezone", "comment"};
    const char *bad = unknown_member(b, known, sizeof known / sizeof known[0]);
    if (bad) {
        api_send_error(rs, 400, "Unknown field '%.60s' (use matchers, starts_at, ends_at, "
                       "duration_minutes, rrule, timezone, comment)", bad);
        return -1;
    }
    return 0;
}

static int spec_parse(ApiResp *rs, const cJSON *b, SilenceSpec *sp)
{
    memset(sp, 0, sizeof *sp);
    if (known_fields(rs, b) < 0 || matchers_parse(rs, b, sp) < 0 || time_field(rs, b, "starts_at", &sp->starts_at) < 0 ||
        time_field(rs, b, "ends_at", &sp->ends_at) < 0 ||
        str_field(rs, b, "rrule", &sp->rrule) < 0 || str_field(rs, b, "timezone", &sp->timezone) < 0 ||
        str_field(rs, b, "comment", &sp->comment) < 0)
        return -1;
    int null = 0;
    int r = api_field_int(rs, b, "duration_minutes", &sp->duration_minutes, &null);
    if (r < 0)
        return -1;
    if (r == 0 || null)
        sp->duration_minutes = 0;
    else if (sp->duration_minutes <= 0) {
        api_send_error(rs, 400, "Field 'duration_minutes' must be a positive integer");
        return -1;
    }
    return 0;
}

void h_silences_create(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    SilenceSpec sp;
    if (spec_parse(rs, b, &sp) == 0) {
        SilenceRow out;
        char err[512];
        int r = silences_create(rq->st, &sp, rq->user->id, rq->user->username, rq->now, &out,
                                err, sizeof err);
        if (r == -EIO)
            api_send_io_error(rq, rs, 0, "creating a silence");
        else if (r < 0)
            api_send_error(rs, api_status_of(r), "%s", err);
        else
            api_send_json(rs, 201, silence_json(&out));
    }
    cJSON_Delete(b);
}

void h_silences_delete(ApiReq *rq, ApiResp *rs)
{
    SilenceRow out;
    char err[256];
    int r = silences_expire(rq->st, rq->id, rq->user->id, rq->user->username, rq->now, &out, err,
                            sizeof err);
    if (r == -EIO)
        api_send_io_error(rq, rs, 0, "expiring a silence");
    else if (r < 0)
        api_send_error(rs, api_status_of(r), "%s", err);
    else
        api_send_json(rs, 200, silence_json(&out));
}
