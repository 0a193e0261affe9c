/* h_v1 — seed 001's API under /api/v1 (incident auto-resolution,
 * configuration, kill switch, audit trail) and its public GET /health.
 *
 * Shapes follow the seed (../shared/seed-notes.md "Seed 001"); ours only
 * add fields. Errors use the seed's {"error": ..., "status_code": N}
 * (authentication errors come from the listener, seed 000's shape).
 *
 * POST .../auto-resolve and batch-resolve answer when the resolution is
 * over, as the seed's do. The listener calls them first on its own thread
 * with rq->no_wait: when the decision refuses every incident (below the
 * threshold, kill switch, category off, already closed) the refusals and
 * their audit rows are committed and answered there and then; when one
 * would be queued, nothing is written and rs->must_wait sends the request
 * to the listener's slow pool, which calls the handler again. There the
 * incidents are queued (incidents_submit) and the engine's runner
 * resolves them; the pool thread sleeps on the domain's wake-up
 * (incidents_wait: the runner of this process signals the end of every
 * run) and re-reads their rows when woken, until every one is done, the
 * server stops (503) or V1_WAIT_MS passes (202 with what is known: the
 * runs go on). When the runner is another process (this one is a viewer)
 * nothing signals: the rows are re-read every incidents_wait_fallback_ms().
 *
 * Lists page (issue 9 D7): ?limit and ?offset, the length of the whole
 * (filtered) list in X-Total-Count, a bare array as before. GET
 * /api/v1/incidents answers 100 by default and at most 1000, as seed 000's
 * lists; the audit trail keeps seed 001's AuditQuery (limit=100, le=1000).
 *
 * Issue 9: playbooks through PUT /api/v1/config only name actions of the
 * host's playbook file and use internal steps (D4, playbook_parse_api);
 * the audit names the signed-in user, never a free-text ?actor= (B4);
 * every 500 logs its cause.
 */
#include "api/handlers.h"
#include "domain/actions.h"
#include "domain/decision.h"
#include "domain/incidents.h"
#include "domain/playbook.h"
#include "domain/resolution.h"
#include "store/category_repo.h"
#include "store/incident_repo.h"
#include "store/playbook_repo.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef RESOPS_VERSION
#define RESOPS_VERSION "dev"
#endif

#define V1_WAIT_MS      300000   /* longest a resolve request waits */
#define V1_MAX_BATCH    1000
#define V1_AUDIT_LIMIT  1000     /* seed: AuditQuery limit le=1000 */
#define V1_OFFSET_MAX   1000000000

/* The audit actions GET /api/v1/audit accepts: the seed's, then ours. */
static const char *const audit_actions[] = {
    "auto_resolution_attempted", "auto_resolution_success", "auto_resolution_failed",
    "auto_resolution_skipped", "notification_sent", "kill_switch_activated",
    "kill_switch_deactivated", "config_updated",
    "step_executed", "step_retry", "manually_resolved", "auto_resolution_no_action", NULL,
};

/* ---- helpers ---------------------------------------------------------------------- */

static void v1_error(ApiResp *rs, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void v1_error(ApiResp *rs, int status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", msg);
    cJSON_AddNumberToObject(o, "status_code", status);
    api_send_json(rs, status, o);
}

/* 500, and the cause in the log (every 500 says why, D1). */
static void v1_io_error(ApiReq *rq, ApiResp *rs, const char *what)
{
    log_error("api: %s %s: 500: %s: %s", rq->method ? rq->method : "?",
              rq->path ? rq->path : "?", what, rq->st ? store_errmsg(rq->st) : "no database");
    v1_error(rs, 500, "Internal server error");
}

/* The body parsed; NULL with 400 sent. want: cJSON_Object / cJSON_Array. */
static cJSON *v1_body(ApiReq *rq, ApiResp *rs, int want)
{
    const char *what = want == cJSON_Array ? "a JSON array" : "a JSON object";
    if (!rq->body || !rq->body_len) {
        v1_error(rs, 400, "Request body must be %s", what);
        return NULL;
    }
    const char *end = NULL;
    cJSON *v = cJSON_ParseWithLengthOpts(rq->body, rq->body_len, &end, 0);
    while (v && end < rq->body + rq->body_len && *end && strchr(" \t\r\n", *end))
        end++;
    if (!v || end != rq->body + rq->body_len) {
        cJSON_Delete(v);
        v1_error(rs, 400, "Request body must be valid JSON");
        return NULL;
    }
    if ((v->type & 0xff) != want) {
        cJSON_Delete(v);
        v1_error(rs, 400, "Request body must be %s", what);
        return NULL;
    }
    return v;
}

static cJSON *time_or_null(int64_t t)
{
    return api_time(t);
}

static int64_t mono_ms(void) { return util_mono_ms(); }

static int stopping(const ApiReq *rq)
{
    return rq->cfg->stopping && __atomic_load_n(rq->cfg->stopping, __ATOMIC_ACQUIRE);
}

/* ?name= as an integer in [lo, hi] (def when absent); -1 with 400 sent. */
static int query_int(ApiReq *rq, ApiResp *rs, const char *name, long lo, long hi, long def,
                     long *out)
{
    int64_t v = def;
    if (api_query_int(rq, name, lo, hi, &v) < 0) {
        v1_error(rs, 400, "Query parameter '%s' must be an integer between %ld and %ld", name, lo,
                 hi);
        return -1;
    }
    *out = (long)v;
    return 0;
}

/* ---- incidents in ------------------------------------------------------------------- */

typedef struct ParsedIncident {
    IncidentInput in;
    char         *tags;          /* owned JSON text or NULL */
} ParsedIncident;

/* Field types of one Incident object into p (strings borrow from o);
 * -1 with 400 sent ("<prefix>Field 'title' must be a string"). */
static int parse_incident(ApiResp *rs, const cJSON *o, ParsedIncident *p, const char *prefix)
{
    static const struct { const char *name; size_t off; } strs[] = {
        {"incident_id", offsetof(IncidentInput, incident_id)},
        {"title", offsetof(IncidentInput, title)},
        {"description", offsetof(IncidentInput, description)},
        {"category", offsetof(IncidentInput, category)},
        {"priority", offsetof(IncidentInput, priority)},
        {"status", offsetof(IncidentInput, status)},
        {"created_by", offsetof(IncidentInput, created_by)},
    };
    memset(p, 0, sizeof *p);
    if (!cJSON_IsObject(o)) {
        v1_error(rs, 400, "%sIncident must be a JSON object", prefix);
        return -1;
    }
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, strs[i].name);
        if (!v || cJSON_IsNull(v))
            continue;
        if (!cJSON_IsString(v)) {
            v1_error(rs, 400, "%sField '%s' must be a string", prefix, strs[i].name);
            return -1;
        }
        *(const char **)((char *)&p->in + strs[i].off) = v->valuestring;
    }
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "confidence_score");
    if (c && !cJSON_IsNull(c)) {
        if (!cJSON_IsNumber(c)) {
            v1_error(rs, 400, "%sField 'confidence_score' must be a number", prefix);
            return -1;
        }
        p->in.confidence = c->valuedouble;
    }
    const cJSON *sid = cJSON_GetObjectItemCaseSensitive(o, "service_id");
    if (sid && !cJSON_IsNull(sid)) {
        if (!cJSON_IsNumber(sid) || sid->valuedouble < 1 || sid->valuedouble != floor(sid->valuedouble) ||
            sid->valuedouble > 9007199254740992.0) {
            v1_error(rs, 400, "%sField 'service_id' must be a positive integer", prefix);
            return -1;
        }
        p->in.service_id = (int64_t)sid->valuedouble;
    }
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(o, "tags");
    if (tags && !cJSON_IsNull(tags)) {
        int ok = cJSON_IsArray(tags);
        const cJSON *e;
        cJSON_ArrayForEach(e, tags) ok = ok && cJSON_IsString(e);
        if (!ok) {
            v1_error(rs, 400, "%sField 'tags' must be an array of strings", prefix);
            return -1;
        }
        p->tags = cJSON_PrintUnformatted(tags);
        p->in.tags_json = p->tags;
    }
    char err[300];
    if (incidents_validate(&p->in, err, sizeof err) < 0) {
        free(p->tags);
        p->tags = NULL;
        v1_error(rs, 400, "%s%s", prefix, err);
        return -1;
    }
    return 0;
}

/* ---- results out ---------------------------------------------------------------------- */

static cJSON *step_json(const PlaybookRunRow *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "step_id", r->step_id);
    cJSON_AddStringToObject(o, "description", r->description ? r->description : "");
    cJSON_AddStringToObject(o, "action", r->action ? r->action : "");
    cJSON_AddItemToObject(o, "executed_at", time_or_null(r->executed_at));
    if (r->success < 0)
        cJSON_AddNullToObject(o, "success");
    else
        cJSON_AddBoolToObject(o, "success", r->success);
    cJSON_AddItemToObject(o, "error_message", api_str_or_null(r->error_message));
    cJSON_AddNumberToObject(o, "attempts", r->attempt);
    cJSON_AddNumberToObject(o, "duration_ms", r->duration_ms);
    return o;
}

static cJSON *result_json(const char *id, int success, const char *message,
                          const PlaybookRunRow *steps, int nsteps, int64_t resolved_at,
                          const char *state)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "incident_id", id);
    cJSON_AddBoolToObject(o, "success", success);
    cJSON_AddStringToObject(o, "message", message);
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < nsteps; i++)
        cJSON_AddItemToArray(a, step_json(&steps[i]));
    cJSON_AddItemToObject(o, "resolution_steps", a);
    cJSON_AddItemToObject(o, "resolved_at", time_or_null(resolved_at));
    if (state)
        cJSON_AddStringToObject(o, "state", state);   /* ours */
    return o;
}

/* One submission being answered. */
typedef struct Pending {
    const char  *id;
    SubmitResult sr;
    int          done;
} Pending;

/* Wait until every queued submission is done: sleep on the domain's
 * wake-up and re-read the rows when it moves (or at the fallback period,
 * for a runner in another process). 0 all done, 1 time is up, 2 the
 * server stops, -EIO. */
static int wait_all(ApiReq *rq, Pending *p, int n)
{
    int64_t deadline = mono_ms() + V1_WAIT_MS;
    for (;;) {
        uint64_t seen = incidents_seq();       /* before reading: no end is missed */
        int left = 0;
        for (int i = 0; i < n; i++) {
            if (p[i].done)
                continue;
            IncidentRec rec;
            int r = incident_repo_get(rq->st, p[i].id, &rec);
            if (r < 0)
                return -EIO;
            p[i].done = r == 0 || !(strcmp(rec.state, "resolving") == 0 ||
                                    (strcmp(rec.state, "open") == 0 && rec.queued_at));
            if (r)
                incident_rec_free(&rec);
            left += !p[i].done;
        }
        if (!left)
            return 0;
        if (stopping(rq))
            return 2;
        int64_t now = mono_ms();
        if (now >= deadline)
            return 1;
        int64_t wait = incidents_wait_fallback_ms();
        if (wait > deadline - now)
            wait = deadline - now;
        incidents_wait(seen, (int)wait);
    }
}

/* The answer for one submission (after wait_all). NULL on a read error. */
static cJSON *pending_json(ApiReq *rq, const Pending *p)
{
    char msg[300];
    if (p->sr.outcome == SUBMIT_SKIPPED || p->sr.outcome == SUBMIT_BUSY) {
        snprintf(msg, sizeof msg, "Auto-resolution skipped: %s", p->sr.reason);
        /* skipped: the state the incident now has; busy: it is already
         * queued or running, and that run's answer will tell */
        return result_json(p->id, 0, msg, NULL, 0, 0,
                           p->sr.outcome == SUBMIT_SKIPPED ? "skipped" : NULL);
    }
    IncidentResult res;
    int r = incidents_result(rq->st, p->id, p->sr.run_before, &res);
    if (r <= 0)
        return NULL;
    cJSON *o = result_json(p->id, res.success, res.message, res.steps, res.nsteps,
                           res.resolved_at, res.state);
    incidents_result_free(&res);
    return o;
}

/* Check every parsed incident against the database (an unknown
 * service_id is a 400 naming the field, D1) before any is submitted
 * (B5); -1 with the answer sent. */
static int check_all(ApiReq *rq, ApiResp *rs, ParsedIncident *in, int n, int batch)
{
    for (int i = 0; i < n; i++) {
        char err[300];
        int r = incidents_check_refs(rq->st, &in[i].in, err, sizeof err);
        if (r == -EINVAL) {
            if (batch)
                v1_error(rs, 400, "Incident %d: %s", i + 1, err);
            else
                v1_error(rs, 400, "%s", err);
            return -1;
        }
        if (r < 0) {
            v1_io_error(rq, rs, "cannot check the incidents' services");
            return -1;
        }
    }
    return 0;
}

/* Submit parsed incidents, all in one transaction: all are queued (or
 * refused by the decision), or none; -1 with the error sent. With
 * rq->no_wait (the listener's own thread) an incident the decision would
 * queue rolls everything back and sets rs->must_wait instead: the request
 * is submitted again on a thread that may wait for the runs. *queued = how
 * many were queued. */
static int submit_all_locked(ApiReq *rq, ApiResp *rs, ParsedIncident *in, Pending *p, int n,
                             int *queued)
{
    *queued = 0;
    if (store_begin(rq->st) < 0) {
        v1_io_error(rq, rs, "cannot begin the submission");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char err[300];
        p[i].id = in[i].in.incident_id;
        const char *by = rq->user ? rq->user->username : "api-user";
        int r = rq->no_wait
                    ? incidents_submit_nowait(rq->st, &in[i].in, by, 0, rq->now, &p[i].sr, err,
                                              sizeof err)
                    : incidents_submit(rq->st, &in[i].in, by, 0, rq->now, &p[i].sr, err,
                                       sizeof err);
        if (r == 0 && p[i].sr.outcome == SUBMIT_WOULD_QUEUE) {
            store_rollback(rq->st);
            rs->must_wait = 1;
            return -1;
        }
        if (r < 0) {
            store_rollback(rq->st);
            if (r == -EINVAL && n > 1)
                v1_error(rs, 400, "Incident %d: %s", i + 1, err);
            else if (r == -EINVAL)
                v1_error(rs, 400, "%s", err);
            else
                v1_io_error(rq, rs, "cannot submit an incident");
            return -1;
        }
        p[i].done = p[i].sr.outcome != SUBMIT_QUEUED;
        *queued += !p[i].done;
    }
    if (store_commit(rq->st) < 0) {
        v1_io_error(rq, rs, "cannot commit the submission");
        return -1;
    }
    return 0;
}

/* One incident on the listener's thread (rq->no_wait): its refusal is
 * committed together with those of the other threads' requests of the
 * moment (incidents_submit_grouped); as submit_all otherwise. */
static int submit_one_now(ApiReq *rq, ApiResp *rs, ParsedIncident *in, Pending *p)
{
    char err[300];
    p->id = in->in.incident_id;
    int r = incidents_submit_grouped(rq->st, &in->in, rq->user ? rq->user->username : "api-user",
                                     rq->now, &p->sr, err, sizeof err);
    if (r == -EINVAL)
        v1_error(rs, 400, "%s", err);
    else if (r < 0)
        v1_io_error(rq, rs, "cannot submit an incident");
    else if (p->sr.outcome == SUBMIT_WOULD_QUEUE)
        rs->must_wait = 1;
    else
        p->done = 1;
    return r < 0 || rs->must_wait ? -1 : 0;
}

static int submit_all(ApiReq *rq, ApiResp *rs, ParsedIncident *in, Pending *p, int n)
{
    if (n == 1 && rq->no_wait)
        return submit_one_now(rq, rs, in, p);
    int queued;
    incidents_submit_lock();
    int r = submit_all_locked(rq, rs, in, p, n, &queued);
    incidents_submit_unlock();
    if (r == 0 && queued)
        incidents_kick();
    return r;
}

void h_v1_auto_resolve(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = v1_body(rq, rs, cJSON_Object);
    if (!b)
        return;
    ParsedIncident in;
    if (parse_incident(rs, b, &in, "") < 0)
        goto out;
    if (!rq->key || strcmp(in.in.incident_id, rq->key) != 0) {
        v1_error(rs, 400, "Incident ID in path does not match incident data");
        goto out_tags;
    }
    Pending p = {0};
    if (check_all(rq, rs, &in, 1, 0) < 0 || submit_all(rq, rs, &in, &p, 1) < 0)
        goto out_tags;
    if (p.sr.outcome == SUBMIT_BUSY) {
        v1_error(rs, 409, "%s", p.sr.reason);
        goto out_tags;
    }
    int w = p.done ? 0 : wait_all(rq, &p, 1);
    if (w < 0) {
        v1_io_error(rq, rs, "cannot read the incident while waiting");
    } else if (w == 2) {
        v1_error(rs, 503, "Server is shutting down; the incident stays queued");
    } else {
        cJSON *o = pending_json(rq, &p);
        if (!o)
            v1_io_error(rq, rs, "cannot read the incident's result");
        else
            api_send_json(rs, w == 1 ? 202 : 200, o);
    }
out_tags:
    free(in.tags);
out:
    cJSON_Delete(b);
}

void h_v1_batch_resolve(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = v1_body(rq, rs, cJSON_Array);
    if (!b)
        return;
    int n = cJSON_GetArraySize(b), parsed = 0;
    if (n > V1_MAX_BATCH) {
        v1_error(rs, 400, "At most %d incidents per batch", V1_MAX_BATCH);
        cJSON_Delete(b);
        return;
    }
    ParsedIncident *in = xcalloc((size_t)(n ? n : 1), sizeof *in);
    Pending *p = xcalloc((size_t)(n ? n : 1), sizeof *p);
    const cJSON *e;
    cJSON_ArrayForEach(e, b) {
        char prefix[40];
        snprintf(prefix, sizeof prefix, "Incident %d: ", parsed + 1);
        if (parse_incident(rs, e, &in[parsed], prefix) < 0)
            goto out;
        parsed++;
    }
    if (check_all(rq, rs, in, n, 1) < 0 || submit_all(rq, rs, in, p, n) < 0)
        goto out;
    int w = wait_all(rq, p, n);
    if (w < 0) {
        v1_io_error(rq, rs, "cannot read the incidents while waiting");
        goto out;
    }
    if (w == 2) {
        v1_error(rs, 503, "Server is shutting down; the incidents stay queued");
        goto out;
    }
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON *o = pending_json(rq, &p[i]);
        if (!o) {
            cJSON_Delete(a);
            v1_io_error(rq, rs, "cannot read an incident's result");
            goto out;
        }
        cJSON_AddItemToArray(a, o);
    }
    api_send_json(rs, w == 1 ? 202 : 200, a);
out:
    for (int i = 0; i < parsed; i++)
        free(in[i].tags);
    free(in);
    free(p);
    cJSON_Delete(b);
}

/* ---- incidents out (ours) ---------------------------------------------------------------- */

static cJSON *incident_json(const IncidentRec *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "incident_id", r->incident_id);
    cJSON_AddStringToObject(o, "title", r->title);
    cJSON_AddItemToObject(o, "description", api_str_or_null(r->description));
    cJSON_AddStringToObject(o, "category", r->category);
    cJSON_AddStringToObject(o, "priority", r->priority);
    cJSON_AddStringToObject(o, "status", r->status);
    cJSON_AddNumberToObject(o, "confidence_score", r->confidence);
    cJSON_AddItemToObject(o, "created_by", api_str_or_null(r->created_by));
    cJSON_AddItemToObject(o, "created_at", time_or_null(r->created_at));
    cJSON_AddItemToObject(o, "updated_at", time_or_null(r->updated_at));
    cJSON_AddItemToObject(o, "resolved_at", time_or_null(r->resolved_at));
    cJSON_AddBoolToObject(o, "auto_resolved", r->auto_resolved);
    cJSON *tags = cJSON_Parse(r->tags ? r->tags : "[]");
    cJSON_AddItemToObject(o, "tags", tags ? tags : cJSON_CreateArray());
    cJSON_AddStringToObject(o, "state", r->state);
    cJSON_AddItemToObject(o, "state_reason", api_str_or_null(r->state_reason));
    if (r->service_id)
        cJSON_AddNumberToObject(o, "service_id", (double)r->service_id);
    else
        cJSON_AddNullToObject(o, "service_id");
    cJSON_AddNumberToObject(o, "run", r->run);
    cJSON_AddNumberToObject(o, "steps_total", r->steps_total);
    cJSON_AddNumberToObject(o, "steps_done", r->steps_done);
    cJSON_AddItemToObject(o, "queued_at", time_or_null(r->queued_at));
    cJSON_AddItemToObject(o, "started_at", time_or_null(r->started_at));
    return o;
}

static int add_incident(void *ctx, const IncidentRec *r)
{
    cJSON_AddItemToArray(ctx, incident_json(r));
    return 0;
}

void h_v1_incidents_list(ApiReq *rq, ApiResp *rs)
{
    const char *state = api_query(rq, "state");
    IncidentState unused;
    if (state && incident_state_parse(state, &unused) < 0) {
        v1_error(rs, 400, "Invalid state: %s", state);
        return;
    }
    long limit, offset;
    if (query_int(rq, rs, "limit", 1, API_PAGE_MAX, API_PAGE_DEFAULT, &limit) < 0 ||
        query_int(rq, rs, "offset", 0, V1_OFFSET_MAX, 0, &offset) < 0)
        return;
    int total = incident_repo_count_listed(rq->st, state);
    cJSON *a = cJSON_CreateArray();
    if (total < 0 ||
        incident_repo_each(rq->st, state, (int)limit, (int)offset, add_incident, a) < 0) {
        cJSON_Delete(a);
        v1_io_error(rq, rs, "cannot list incidents");
        return;
    }
    api_send_json(rs, 200, a);
    rs->has_total = 1;
    rs->total = total;
}

void h_v1_incident_get(ApiReq *rq, ApiResp *rs)
{
    IncidentRec r;
    int got = incident_repo_get(rq->st, rq->key, &r);
    if (got <= 0) {
        if (got < 0)
            v1_io_error(rq, rs, "cannot read the incident");
        else
            v1_error(rs, 404, "Incident not found");
        return;
    }
    cJSON *o = incident_json(&r);
    PlaybookRunRow *steps;
    int n = r.run ? playbook_repo_last_attempts(rq->st, r.incident_id, r.run, &steps) : 0;
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, step_json(&steps[i]));
    if (n > 0)
        playbook_rows_free(steps, n);
    cJSON_AddItemToObject(o, "resolution_steps", a);
    incident_rec_free(&r);
    if (n < 0) {
        cJSON_Delete(o);
        v1_io_error(rq, rs, "cannot read the incident's steps");
        return;
    }
    api_send_json(rs, 200, o);
}

/* ---- configuration -------------------------------------------------------------------------- */

static cJSON *category_json(const ResolutionCategory *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "category", c->cfg.category);
    cJSON_AddBoolToObject(o, "auto_resolution_enabled", c->cfg.auto_resolution_enabled);
    cJSON_AddNumberToObject(o, "confidence_threshold", c->cfg.confidence_threshold);
    cJSON_AddNumberToObject(o, "max_retry_attempts", c->cfg.max_retry_attempts);
    cJSON_AddBoolToObject(o, "notification_required", c->cfg.notification_required);
    /* ours: the steps that run — the playbook stored through the API, else
     * the host's playbook file's, else the seed's named no-ops */
    Playbook pb;
    char err[600];
    const char *source = "default";
    if (c->playbook && playbook_parse_api(c->playbook, &pb, err, sizeof err) == 0)
        source = "configured";
    else if (actions_category(c->cfg.category, &pb, err, sizeof err) > 0)
        source = "file";
    else
        playbook_default(c->cfg.category, &pb);
    char *text = playbook_to_json(&pb);
    int acts = playbook_acts(&pb);
    playbook_free(&pb);
    cJSON *steps = text ? cJSON_Parse(text) : NULL;
    free(text);
    /* header values of the file's http steps often carry tokens: any
     * signed-in user reads this, so they are shown as "(hidden)" */
    cJSON *st;
    cJSON_ArrayForEach(st, steps) {
        cJSON *h = cJSON_GetObjectItemCaseSensitive(st, "headers"), *v;
        cJSON_ArrayForEach(v, h) cJSON_SetValuestring(v, "(hidden)");
    }
    cJSON_AddItemToObject(o, "playbook", steps ? steps : cJSON_CreateArray());
    cJSON_AddStringToObject(o, "playbook_source", source);
    cJSON_AddBoolToObject(o, "playbook_acts", acts);
    if (c->kill_at && !c->cfg.auto_resolution_enabled) {
        cJSON *k = cJSON_CreateObject();
        cJSON_AddStringToObject(k, "actor", c->kill_actor);
        cJSON_AddItemToObject(k, "reason", api_str_or_null(c->kill_reason[0] ? c->kill_reason
                                                                             : NULL));
        cJSON_AddItemToObject(k, "at", time_or_null(c->kill_at));
        cJSON_AddItemToObject(o, "kill_switch", k);
    }
    return o;
}

/* The whole configuration (seed 001's AutoResolutionConfig); NULL on a
 * read error. */
static cJSON *config_json(Store *st)
{
    GlobalConfigRow g;
    if (category_repo_global_get(st, &g) < 0)
        return NULL;
    int running = incident_repo_count_state(st, "resolving");
    if (running < 0)
        return NULL;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "global_enabled", g.global_enabled);
    cJSON_AddNumberToObject(o, "default_confidence_threshold", g.default_confidence_threshold);
    cJSON *cats = cJSON_CreateObject();
    for (const char *const *c = decision_categories; *c; c++) {
        ResolutionCategory rc;
        if (resolution_category_get(st, *c, &rc) < 0) {
            cJSON_Delete(cats);
            cJSON_Delete(o);
            return NULL;
        }
        cJSON_AddItemToObject(cats, *c, category_json(&rc));
        resolution_category_free(&rc);
    }
    cJSON_AddItemToObject(o, "category_configs", cats);
    cJSON_AddNumberToObject(o, "max_concurrent_resolutions", g.max_concurrent_resolutions);
    cJSON *rec = cJSON_Parse(g.notification_recipients);
    cJSON_AddItemToObject(o, "notification_recipients", rec ? rec : cJSON_CreateArray());
    /* ours */
    cJSON_AddNumberToObject(o, "max_incidents_per_service_hour", g.max_incidents_per_service_hour);
    cJSON *k = cJSON_CreateObject();
    cJSON_AddBoolToObject(k, "active", !g.global_enabled);
    cJSON_AddItemToObject(k, "actor", api_str_or_null(g.kill_actor[0] ? g.kill_actor : NULL));
    cJSON_AddItemToObject(k, "reason", api_str_or_null(g.kill_reason[0] ? g.kill_reason : NULL));
    cJSON_AddItemToObject(k, "at", time_or_null(g.kill_at));
    cJSON_AddItemToObject(o, "kill_switch", k);
    cJSON_AddNumberToObject(o, "running_resolutions", running);
    char *acts = actions_list_json();
    cJSON *al = acts ? cJSON_Parse(acts) : NULL;
    free(acts);
    cJSON_AddItemToObject(o, "actions", al ? al : cJSON_CreateArray());   /* the file's, by name */
    return o;
}

static void send_config(ApiReq *rq, ApiResp *rs)
{
    cJSON *o = config_json(rq->st);
    if (!o)
        v1_io_error(rq, rs, "cannot read the configuration");
    else
        api_send_json(rs, 200, o);
}

void h_v1_config_get(ApiReq *rq, ApiResp *rs)
{
    send_config(rq, rs);
}

void h_v1_config_category(ApiReq *rq, ApiResp *rs)
{
    if (!rq->key || !decision_in(decision_categories, rq->key)) {
        v1_error(rs, 400, "Invalid category: %s", rq->key ? rq->key : "");
        return;
    }
    ResolutionCategory c;
    if (resolution_category_get(rq->st, rq->key, &c) < 0) {
        v1_io_error(rq, rs, "cannot read the category's configuration");
        return;
    }
    api_send_json(rs, 200, category_json(&c));
    resolution_category_free(&c);
}

/* Optional typed members of the PUT body; -1 with 400 sent. */
static int opt_bool(ApiResp *rs, const cJSON *o, const char *name, int *has, int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsBool(v)) {
        v1_error(rs, 400, "Field '%s' must be a boolean", name);
        return -1;
    }
    *has = 1;
    *out = cJSON_IsTrue(v);
    return 0;
}

static int opt_num(ApiResp *rs, const cJSON *o, const char *name, int *has, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsNumber(v)) {
        v1_error(rs, 400, "Field '%s' must be a number", name);
        return -1;
    }
    *has = 1;
    *out = v->valuedouble;
    return 0;
}

static int opt_int(ApiResp *rs, const cJSON *o, const char *name, int *has, int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
        fabs(v->valuedouble) > 1e9) {
        v1_error(rs, 400, "Field '%s' must be an integer", name);
        return -1;
    }
    *has = 1;
    *out = (int)v->valuedouble;
    return 0;
}

/* A field the caller may have mistyped is an error, not a silent no-op:
 * 0 when every member of o is in allowed (NULL-terminated), else 400
 * naming the first one that is not. */
static int only_fields(ApiResp *rs, const cJSON *o, const char *prefix,
                       const char *const *allowed)
{
    for (const cJSON *f = o->child; f; f = f->next) {
        const char *const *a = allowed;
        while (*a && strcmp(*a, f->string) != 0)
            a++;
        if (*a)
            continue;
        char list[400] = "";
        for (a = allowed; *a; a++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", a == allowed ? "" : ", ",
                     *a);
        v1_error(rs, 400, "Unknown field '%s%s' (accepted: %s)", prefix, f->string, list);
        return -1;
    }
    return 0;
}

/* category_config: the seed's CategoryConfig (category required; B1:
 * every other field only when sent) plus our playbook (API steps only). */
static int parse_category(ApiResp *rs, const cJSON *cc, ResolutionUpdate *u, char **playbook)
{
    if (!cJSON_IsObject(cc)) {
        v1_error(rs, 400, "Field 'category_config' must be an object");
        return -1;
    }
    const cJSON *cat = cJSON_GetObjectItemCaseSensitive(cc, "category");
    if (!cJSON_IsString(cat)) {
        v1_error(rs, 400, cat ? "Field 'category_config.category' must be a string"
                              : "Field 'category_config.category' is required");
        return -1;
    }
    if (!decision_in(decision_categories, cat->valuestring)) {
        v1_error(rs, 400, "Invalid category: %s", cat->valuestring);
        return -1;
    }
    static const char *const fields[] = {"category", "auto_resolution_enabled",
                                         "confidence_threshold", "max_retry_attempts",
                                         "notification_required", "playbook", NULL};
    if (only_fields(rs, cc, "category_config.", fields) < 0)
        return -1;
    category_config_default(&u->category, cat->valuestring);
    if (opt_bool(rs, cc, "auto_resolution_enabled", &u->has_enabled,
                 &u->category.auto_resolution_enabled) < 0 ||
        opt_num(rs, cc, "confidence_threshold", &u->has_threshold,
                &u->category.confidence_threshold) < 0 ||
        opt_int(rs, cc, "max_retry_attempts", &u->has_retries,
                &u->category.max_retry_attempts) < 0 ||
        opt_bool(rs, cc, "notification_required", &u->has_notify,
                 &u->category.notification_required) < 0)
        return -1;
    u->has_category = 1;
    const cJSON *pb = cJSON_GetObjectItemCaseSensitive(cc, "playbook");
    if (pb) {
        u->has_playbook = 1;
        if (!cJSON_IsNull(pb)) {
            if (!cJSON_IsArray(pb)) {
                v1_error(rs, 400, "Field 'category_config.playbook' must be an array of steps");
                return -1;
            }
            *playbook = cJSON_PrintUnformatted(pb);
            u->playbook_json = *playbook;
        }
    }
    return 0;
}

/* Who acts (B4): always the signed-in user. ?actor= is optional; when
 * sent it must be that user's own name (compared without case), so an
 * audit entry can never name someone else. NULL with 400 sent. */
static const char *caller(ApiReq *rq, ApiResp *rs)
{
    const char *me = rq->user ? rq->user->username : NULL;
    const char *a = api_query(rq, "actor");
    if (!me) {
        v1_error(rs, 401, "Authentication required");
        return NULL;
    }
    if (a && *a && strcasecmp(a, me) != 0) {
        v1_error(rs, 400,
                 "Query parameter 'actor' must be your own username (%s): the audit records "
                 "the signed-in user", me);
        return NULL;
    }
    return me;
}

void h_v1_config_put(ApiReq *rq, ApiResp *rs)
{
    const char *actor = caller(rq, rs);
    if (!actor)
        return;
    cJSON *b = v1_body(rq, rs, cJSON_Object);
    if (!b)
        return;
    ResolutionUpdate u = {.user_id = rq->user->id};
    char *playbook = NULL, *recipients = NULL;
    static const char *const fields[] = {"global_enabled", "default_confidence_threshold",
                                         "max_concurrent_resolutions",
                                         "max_incidents_per_service_hour",
                                         "notification_recipients", "category_config", NULL};
    if (only_fields(rs, b, "", fields) < 0)
        goto out;
    if (opt_bool(rs, b, "global_enabled", &u.has_global_enabled, &u.global_enabled) < 0 ||
        opt_num(rs, b, "default_confidence_threshold", &u.has_default_threshold,
                &u.default_threshold) < 0 ||
        opt_int(rs, b, "max_concurrent_resolutions", &u.has_max_concurrent, &u.max_concurrent) < 0 ||
        opt_int(rs, b, "max_incidents_per_service_hour", &u.has_max_per_hour, &u.max_per_hour) < 0)
        goto out;
    const cJSON *rec = cJSON_GetObjectItemCaseSensitive(b, "notification_recipients");
    if (rec && !cJSON_IsNull(rec)) {
        recipients = cJSON_PrintUnformatted(rec);
        u.recipients_json = recipients;
    }
    const cJSON *cc = cJSON_GetObjectItemCaseSensitive(b, "category_config");
    if (cc && !cJSON_IsNull(cc) && parse_category(rs, cc, &u, &playbook) < 0)
        goto out;
    char err[600];
    int r = resolution_config_update(rq->st, &u, actor, rq->now, err, sizeof err);
    if (r < 0) {
        if (r == -EINVAL)
            v1_error(rs, 400, "%s", err);
        else if (r == -EPERM)
            v1_error(rs, 409, "%s", err);
        else
            v1_io_error(rq, rs, "cannot update the configuration");
        goto out;
    }
    send_config(rq, rs);
out:
    free(playbook);
    free(recipients);
    cJSON_Delete(b);
}

static void kill_switch(ApiReq *rq, ApiResp *rs, int active)
{
    const char *actor = caller(rq, rs);
    if (!actor)
        return;
    const char *reason = active ? api_query(rq, "reason") : NULL;
    const char *category = api_query(rq, "category");
    char err[300];
    int r = resolution_kill_switch_by(rq->st, active, category && *category ? category : NULL,
                                      actor, rq->user->id, reason, rq->now, err, sizeof err);
    if (r < 0) {
        if (r == -EINVAL)
            v1_error(rs, 400, "%s", err);
        else
            v1_io_error(rq, rs, "cannot set the kill switch");
        return;
    }
    send_config(rq, rs);
}

void h_v1_kill_activate(ApiReq *rq, ApiResp *rs) { kill_switch(rq, rs, 1); }
void h_v1_kill_deactivate(ApiReq *rq, ApiResp *rs) { kill_switch(rq, rs, 0); }

/* ---- audit -------------------------------------------------------------------------------- */

static int add_audit(void *ctx, const IncidentAuditEntry *e)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "audit_id", e->audit_id ? e->audit_id : "");
    cJSON_AddStringToObject(o, "incident_id", e->incident_id ? e->incident_id : "");
    cJSON_AddStringToObject(o, "action", e->action ? e->action : "");
    cJSON_AddItemToObject(o, "timestamp", time_or_null(e->timestamp));
    cJSON_AddStringToObject(o, "actor", e->actor ? e->actor : "system");
    if (e->has_confidence)
        cJSON_AddNumberToObject(o, "confidence_score", e->confidence);
    else
        cJSON_AddNullToObject(o, "confidence_score");
    cJSON *d = e->details ? cJSON_Parse(e->details) : NULL;
    cJSON_AddItemToObject(o, "details", d ? d : cJSON_CreateObject());
    if (e->success < 0)
        cJSON_AddNullToObject(o, "success");
    else
        cJSON_AddBoolToObject(o, "success", e->success);
    cJSON_AddItemToObject(o, "error_message", api_str_or_null(e->error_message));
    cJSON_AddItemToArray(ctx, o);
    return 0;
}

/* A page of the audit trail, with X-Total-Count: the entries of the
 * whole (filtered) trail. */
static void send_audit(ApiReq *rq, ApiResp *rs, const char *incident_id, const char *action,
                       long limit, long offset)
{
    int total = incident_repo_audit_count(rq->st, incident_id, action);
    cJSON *a = cJSON_CreateArray();
    if (total < 0 || incident_repo_audit_each(rq->st, incident_id, action, (int)limit,
                                              (int)offset, add_audit, a) < 0) {
        cJSON_Delete(a);
        v1_io_error(rq, rs, "cannot read the audit trail");
        return;
    }
    api_send_json(rs, 200, a);
    rs->has_total = 1;
    rs->total = total;
}

void h_v1_audit(ApiReq *rq, ApiResp *rs)
{
    const char *incident_id = api_query(rq, "incident_id");
    const char *action = api_query(rq, "action");
    if (action && *action && !decision_in(audit_actions, action)) {
        v1_error(rs, 400, "Invalid action type: %s", action);
        return;
    }
    long limit, offset;
    if (query_int(rq, rs, "limit", 1, V1_AUDIT_LIMIT, 100, &limit) < 0 ||
        query_int(rq, rs, "offset", 0, V1_OFFSET_MAX, 0, &offset) < 0)
        return;
    send_audit(rq, rs, incident_id && *incident_id ? incident_id : NULL,
               action && *action ? action : NULL, limit, offset);
}

/* The seed answers an incident's whole trail; ours its newest
 * V1_AUDIT_LIMIT unless paged, and X-Total-Count says when there are more. */
void h_v1_audit_incident(ApiReq *rq, ApiResp *rs)
{
    long limit, offset;
    if (query_int(rq, rs, "limit", 1, V1_AUDIT_LIMIT, V1_AUDIT_LIMIT, &limit) < 0 ||
        query_int(rq, rs, "offset", 0, V1_OFFSET_MAX, 0, &offset) < 0)
        return;
    send_audit(rq, rs, rq->key, NULL, limit, offset);
}

/* ---- GET /health ------------------------------------------------------------------------------ */

void h_v1_health(ApiReq *rq, ApiResp *rs)
{
    (void)rq;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "healthy");
    cJSON_AddStringToObject(o, "service", "auto-resolution-system");
    cJSON_AddStringToObject(o, "version", RESOPS_VERSION);
    api_send_json(rs, 200, o);
}
