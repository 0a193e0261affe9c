/* h_incidents — seed 001's incidents under /api/v1: auto-resolve one,
 * batch-resolve many (both wait for the runs), and our list and get.
 *
 * Shapes follow the seed (../shared/seed-notes.md "Seed 001"); ours only
 * add fields. Errors use the seed's {"error": ..., "status_code": N}
 * (API_ERROR_STATUS_CODE; authentication errors come from the listener,
 * seed 000's shape).
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
 * server stops (503) or WAIT_MS passes (202 with what is known: the runs
 * go on). When the runner is another process (this one is a viewer)
 * nothing signals: the rows are re-read every incidents_wait_fallback_ms().
 * The waits are bounded by the listener, not here: the slow pool admits
 * at most ApiOpts.slow_max waiting requests (503 beyond) and slow_per_user
 * of them per user (429 beyond), on at most slow_max threads (server.c).
 *
 * GET /api/v1/incidents pages (issue 9 D7): ?limit (100 by default, at
 * most 1000, as seed 000's lists) and ?offset, the length of the whole
 * (filtered) list in X-Total-Count, a bare array as before.
 *
 * Every 500 logs its cause (api_send_io_error).
 */
#include "api/handlers.h"
#include "domain/incidents.h"
#include "store/incident_repo.h"
#include "store/playbook_repo.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHAPE      API_ERROR_STATUS_CODE  /* seed 001's errors */
#define WAIT_MS    300000                 /* longest a resolve request waits */
#define MAX_BATCH  1000
#define OFFSET_MAX 1000000000

static int stopping(const ApiReq *rq)
{
    return rq->cfg->stopping && __atomic_load_n(rq->cfg->stopping, __ATOMIC_ACQUIRE);
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
        api_send_error_ex(rs, 400, SHAPE, "%sIncident must be a JSON object", prefix);
        return -1;
    }
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, strs[i].name);
        if (!v || cJSON_IsNull(v))
            continue;
        if (!cJSON_IsString(v)) {
            api_send_error_ex(rs, 400, SHAPE, "%sField '%s' must be a string", prefix,
                              strs[i].name);
            return -1;
        }
        *(const char **)((char *)&p->in + strs[i].off) = v->valuestring;
    }
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "confidence_score");
    if (c && !cJSON_IsNull(c)) {
        if (!cJSON_IsNumber(c)) {
            api_send_error_ex(rs, 400, SHAPE, "%sField 'confidence_score' must be a number",
                              prefix);
            return -1;
        }
        p->in.confidence = c->valuedouble;
    }
    const cJSON *sid = cJSON_GetObjectItemCaseSensitive(o, "service_id");
    if (sid && !cJSON_IsNull(sid)) {
        if (!cJSON_IsNumber(sid) || sid->valuedouble < 1 || sid->valuedouble != floor(sid->valuedouble) ||
            sid->valuedouble > 9007199254740992.0) {
            api_send_error_ex(rs, 400, SHAPE, "%sField 'service_id' must be a positive integer",
                              prefix);
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
            api_send_error_ex(rs, 400, SHAPE, "%sField 'tags' must be an array of strings", prefix);
            return -1;
        }
        p->tags = cJSON_PrintUnformatted(tags);
        p->in.tags_json = p->tags;
    }
    char err[300];
    if (incidents_validate(&p->in, err, sizeof err) < 0) {
        free(p->tags);
        p->tags = NULL;
        api_send_error_ex(rs, 400, SHAPE, "%s%s", prefix, err);
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
    cJSON_AddItemToObject(o, "executed_at", api_time(r->executed_at));
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
    cJSON_AddItemToObject(o, "resolved_at", api_time(resolved_at));
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
    int64_t deadline = util_mono_ms() + WAIT_MS;
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
            p[i].done = r == 0 || !incidents_is_pending(&rec);
            if (r)
                incident_rec_free(&rec);
            left += !p[i].done;
        }
        if (!left)
            return 0;
        if (stopping(rq))
            return 2;
        int64_t now = util_mono_ms();
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
/* A security incident (category "security", or the ids seed 003's
 * response actions and escalations use) runs response actions such as
 * blocking an address: submitting one through seed 001 needs what running
 * a response action needs, an Ops Analyst (or Admin). */
static int security_refused(const ApiReq *rq, const IncidentInput *in)
{
    int security = (in->category && strcmp(in->category, "security") == 0) ||
                   strncmp(in->incident_id, "SECRESP-", 8) == 0 ||
                   strncmp(in->incident_id, "SECALERT-", 9) == 0;
    if (!security || !rq->user)
        return 0;
    return strcmp(rq->user->role, ROLE_NAME_OPS_ANALYST) != 0 &&
           strcmp(rq->user->role, ROLE_NAME_ADMIN) != 0;
}

static int check_all(ApiReq *rq, ApiResp *rs, ParsedIncident *in, int n, int batch)
{
    for (int i = 0; i < n; i++) {
        if (security_refused(rq, &in[i].in)) {
            api_send_error_ex(rs, 403, SHAPE,
                              "Only an Ops Analyst may submit a security incident "
                              "(it runs response actions)");
            return -1;
        }
        char err[300];
        int r = incidents_check_refs(rq->st, &in[i].in, err, sizeof err);
        if (r == -EINVAL) {
            if (batch)
                api_send_error_ex(rs, 400, SHAPE, "Incident %d: %s", i + 1, err);
            else
                api_send_error_ex(rs, 400, SHAPE, "%s", err);
            return -1;
        }
        if (r < 0) {
            api_send_io_error(rq, rs, SHAPE, "cannot check the incidents' services");
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
        api_send_io_error(rq, rs, SHAPE, "cannot begin the submission");
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
                api_send_error_ex(rs, 400, SHAPE, "Incident %d: %s", i + 1, err);
            else if (r == -EINVAL)
                api_send_error_ex(rs, 400, SHAPE, "%s", err);
            else
                api_send_io_error(rq, rs, SHAPE, "cannot submit an incident");
            return -1;
        }
        p[i].done = p[i].sr.outcome != SUBMIT_QUEUED;
        *queued += !p[i].done;
    }
    if (store_commit(rq->st) < 0) {
        api_send_io_error(rq, rs, SHAPE, "cannot commit the submission");
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
        api_send_error_ex(rs, 400, SHAPE, "%s", err);
    else if (r < 0)
        api_send_io_error(rq, rs, SHAPE, "cannot submit an incident");
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

void h_incidents_auto_resolve(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = api_body_json(rq, rs, cJSON_Object, SHAPE);
    if (!b)
        return;
    ParsedIncident in;
    if (parse_incident(rs, b, &in, "") < 0)
        goto out;
    if (!rq->key || strcmp(in.in.incident_id, rq->key) != 0) {
        api_send_error_ex(rs, 400, SHAPE, "Incident ID in path does not match incident data");
        goto out_tags;
    }
    Pending p = {0};
    if (check_all(rq, rs, &in, 1, 0) < 0 || submit_all(rq, rs, &in, &p, 1) < 0)
        goto out_tags;
    if (p.sr.outcome == SUBMIT_BUSY) {
        api_send_error_ex(rs, 409, SHAPE, "%s", p.sr.reason);
        goto out_tags;
    }
    int w = p.done ? 0 : wait_all(rq, &p, 1);
    if (w < 0) {
        api_send_io_error(rq, rs, SHAPE, "cannot read the incident while waiting");
    } else if (w == 2) {
        api_send_error_ex(rs, 503, SHAPE, "Server is shutting down; the incident stays queued");
    } else {
        cJSON *o = pending_json(rq, &p);
        if (!o)
            api_send_io_error(rq, rs, SHAPE, "cannot read the incident's result");
        else
            api_send_json(rs, w == 1 ? 202 : 200, o);
    }
out_tags:
    free(in.tags);
out:
    cJSON_Delete(b);
}

void h_incidents_batch_resolve(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = api_body_json(rq, rs, cJSON_Array, SHAPE);
    if (!b)
        return;
    int n = cJSON_GetArraySize(b), parsed = 0;
    if (n > MAX_BATCH) {
        api_send_error_ex(rs, 400, SHAPE, "At most %d incidents per batch", MAX_BATCH);
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
        api_send_io_error(rq, rs, SHAPE, "cannot read the incidents while waiting");
        goto out;
    }
    if (w == 2) {
        api_send_error_ex(rs, 503, SHAPE, "Server is shutting down; the incidents stay queued");
        goto out;
    }
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON *o = pending_json(rq, &p[i]);
        if (!o) {
            cJSON_Delete(a);
            api_send_io_error(rq, rs, SHAPE, "cannot read an incident's result");
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
    cJSON_AddItemToObject(o, "created_at", api_time(r->created_at));
    cJSON_AddItemToObject(o, "updated_at", api_time(r->updated_at));
    cJSON_AddItemToObject(o, "resolved_at", api_time(r->resolved_at));
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
    cJSON_AddItemToObject(o, "queued_at", api_time(r->queued_at));
    cJSON_AddItemToObject(o, "started_at", api_time(r->started_at));
    return o;
}

static int add_incident(void *ctx, const IncidentRec *r)
{
    cJSON_AddItemToArray(ctx, incident_json(r));
    return 0;
}

void h_incidents_list(ApiReq *rq, ApiResp *rs)
{
    const char *state = api_query(rq, "state");
    IncidentState unused;
    if (state && incident_state_parse(state, &unused) < 0) {
        api_send_error_ex(rs, 400, SHAPE, "Invalid state: %s", state);
        return;
    }
    int64_t limit, offset;
    if (api_query_int(rq, rs, "limit", 1, API_PAGE_MAX, API_PAGE_DEFAULT, SHAPE, &limit) < 0 ||
        api_query_int(rq, rs, "offset", 0, OFFSET_MAX, 0, SHAPE, &offset) < 0)
        return;
    int total = incident_repo_count_listed(rq->st, state);
    cJSON *a = cJSON_CreateArray();
    if (total < 0 ||
        incident_repo_each(rq->st, state, (int)limit, (int)offset, add_incident, a) < 0) {
        cJSON_Delete(a);
        api_send_io_error(rq, rs, SHAPE, "cannot list incidents");
        return;
    }
    api_send_json(rs, 200, a);
    rs->has_total = 1;
    rs->total = total;
}

void h_incidents_get(ApiReq *rq, ApiResp *rs)
{
    IncidentRec r;
    int got = incident_repo_get(rq->st, rq->key, &r);
    if (got <= 0) {
        if (got < 0)
            api_send_io_error(rq, rs, SHAPE, "cannot read the incident");
        else
            api_send_error_ex(rs, 404, SHAPE, "Incident not found");
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
        api_send_io_error(rq, rs, SHAPE, "cannot read the incident's steps");
        return;
    }
    api_send_json(rs, 200, o);
}
