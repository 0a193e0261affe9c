/* h_response — seed 003's response side, ML/LLM outputs, tasks and the
 * small admin routes (issue 12, wt-resp):
 *   POST  /api/response/{id}/response-action  202 {id, alert_id, action, state,
 *                                             incident_id, target}; 409 refused
 *   POST  /api/response/{id}/response-result  201 the "reported" row
 *   GET   /api/response/{id}/responses        the alert's responses (ours)
 *   POST  /api/ml/{id}/agent-output           201 {id, alert_id, kind, agent, score, ...}
 *   POST  /api/ml/{id}/aggregate-score        201 (the same shape)
 *   POST  /api/llm/{id}/llm-result            201 (the same shape)
 *   POST  /api/tasks, GET /api/tasks, PATCH /api/tasks/{task_id}
 *   GET   /api/admin/export                   {exported_at, count, alerts}
 *   POST  /api/admin/{id}/export-ready        200 {id, export_ready_at}
 *   GET   /api/admin/healthz                  {status, checks}
 * Rules, audit and the runner: domain/secresponse.c. */
#include "api/handlers.h"
#include "domain/secresponse.h"
#include "domain/similarity.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *actor_of(const ApiReq *rq)
{
    return rq->user && rq->user->username[0] ? rq->user->username : "system";
}

static void send_not_found(ApiResp *rs, const char *id)
{
    api_send_error(rs, 404, "Alert '%s' not found", id ? id : "");
}

/* JSON text as a value: the parsed object, or null. */
static cJSON *json_or_null(const char *text)
{
    cJSON *v = text ? cJSON_Parse(text) : NULL;
    return v ? v : cJSON_CreateNull();
}

/* An optional member that must be an object: 1 given (its text in *out,
 * owned), 0 absent or null, -1 with 400 sent. */
static int object_field(ApiResp *rs, const cJSON *b, const char *key, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, key);
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsObject(v)) {
        api_send_error(rs, 400, "Field '%s' must be an object", key);
        return -1;
    }
    *out = cJSON_PrintUnformatted(v);
    return 1;
}

/* An optional string member (null = absent): 0, or -1 with 400 sent. */
static int str_field(ApiResp *rs, const cJSON *o, const char *key, const char **out)
{
    int null = 0;
    int r = api_field_str(rs, o, key, out, &null);
    if (r <= 0 || null)
        *out = NULL;
    return r < 0 ? -1 : 0;
}

static cJSON *response_json(const SecResponseRow *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)r->id);
    cJSON_AddStringToObject(o, "alert_id", r->alert_id);
    cJSON_AddStringToObject(o, "action", r->action);
    cJSON_AddStringToObject(o, "state", r->state);
    cJSON_AddItemToObject(o, "incident_id", api_str_or_null(r->incident_id[0] ? r->incident_id
                                                                             : NULL));
    cJSON_AddItemToObject(o, "target", json_or_null(r->target));
    cJSON_AddItemToObject(o, "parameters", json_or_null(r->parameters));
    cJSON_AddItemToObject(o, "details", json_or_null(r->details));
    cJSON_AddItemToObject(o, "actor", api_str_or_null(r->actor));
    cJSON_AddItemToObject(o, "created_at", api_time_z(r->created_at));
    cJSON_AddItemToObject(o, "finished_at", api_time_z(r->finished_at));
    return o;
}

/* ---- responses ---------------------------------------------------------------------- */

void h_response_action(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    const char *action = NULL;
    char *target = NULL, *params = NULL;
    int r = api_field_str(rs, b, "action", &action, NULL);
    if (r == 0 || (r > 0 && !*action)) {
        char names[600];
        secresponse_action_names(names, sizeof names);
        api_send_error(rs, 400, "Field 'action' is required (one of: %s)", names);
    }
    if (r <= 0 || !*action || object_field(rs, b, "target", &target) < 0 ||
        object_field(rs, b, "parameters", &params) < 0) {
        free(target);
        cJSON_Delete(b);
        return;
    }
    SecResponseOut out;
    char err[700];
    r = secresponse_run(rq->st, rq->key, action, target ? target : "{}", params, actor_of(rq),
                        rq->now, &out, err, sizeof err);
    if (r == 0) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "id", (double)out.id);
        cJSON_AddStringToObject(o, "alert_id", rq->key);
        cJSON_AddStringToObject(o, "action", action);
        cJSON_AddStringToObject(o, "state", out.state);
        cJSON_AddStringToObject(o, "incident_id", out.incident_id);
        cJSON_AddItemToObject(o, "target", json_or_null(target ? target : "{}"));
        api_send_json(rs, 202, o);
    } else if (r == -ENOENT)
        send_not_found(rs, rq->key);
    else if (r == -EAGAIN)
        api_send_error(rs, 409, "%s", err);
    else if (r == -EINVAL)
        api_send_error(rs, 400, "%s", err);
    else
        api_send_io_error(rq, rs, 0, "running a response action");
    free(target);
    free(params);
    cJSON_Delete(b);
}

void h_response_result(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    const char *status = NULL;
    char *details = NULL;
    int r = api_field_str(rs, b, "status", &status, NULL);
    if (r == 0)
        api_send_error(rs, 400, "Field 'status' is required");
    if (r <= 0 || object_field(rs, b, "details", &details) < 0) {
        cJSON_Delete(b);
        return;
    }
    SecResponseRow row;
    char err[300];
    r = secresponse_report(rq->st, rq->key, status, details, actor_of(rq), rq->now, &row, err,
                           sizeof err);
    if (r == 0) {
        cJSON *o = response_json(&row);
        cJSON_AddStringToObject(o, "status", status);
        api_send_json(rs, 201, o);
        secresp_response_free(&row);
    } else if (r == -ENOENT)
        send_not_found(rs, rq->key);
    else if (r == -EINVAL)
        api_send_error(rs, 400, "%s", err);
    else
        api_send_io_error(rq, rs, 0, "recording a response result");
    free(details);
    cJSON_Delete(b);
}

void h_response_list(ApiReq *rq, ApiResp *rs)
{
    SecResponseRow *v;
    int n;
    int r = secresponse_list(rq->st, rq->key, &v, &n);
    if (r == -ENOENT) {
        send_not_found(rs, rq->key);
        return;
    }
    if (r < 0) {
        api_send_io_error(rq, rs, 0, "listing responses");
        return;
    }
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, response_json(&v[i]));
    secresp_responses_free(v, n);
    api_send_json(rs, 200, a);
    rs->has_total = 1;
    rs->total = n;
}

/* ---- ML / LLM outputs ------------------------------------------------------------------ */

/* The number member key: 1 given, 0 absent (400 sent when required), -1
 * with 400 sent. */
static int number_field(ApiResp *rs, const cJSON *b, const char *key, int required,
                        double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, key);
    if (!v || (cJSON_IsNull(v) && !required)) {
        if (required)
            api_send_error(rs, 400, "Field '%s' is required (a number)", key);
        return required ? -1 : 0;
    }
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
        api_send_error(rs, 400, "Field '%s' must be a number", key);
        return -1;
    }
    *out = v->valuedouble;
    return 1;
}

/* One output of kind: the string member name_key (agent / summary) and
 * the number score_key. */
static void ml_output(ApiReq *rq, ApiResp *rs, const char *kind, const char *name_key,
                      const char *score_key, int score_required, const char *object_key)
{
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    const char *name = NULL;
    double score = 0;
    char *obj = NULL;
    int r = api_field_str(rs, b, name_key, &name, NULL);
    if (r == 0 || (r > 0 && !*name))
        api_send_error(rs, 400, "Field '%s' is required (a non-empty string)", name_key);
    int has_score = r > 0 && *name ? number_field(rs, b, score_key, score_required, &score) : -1;
    if (has_score < 0 || (object_key && object_field(rs, b, object_key, &obj) < 0)) {
        cJSON_Delete(b);
        return;
    }
    free(obj);
    char *body = cJSON_PrintUnformatted(b);
    int64_t id = 0;
    char err[300];
    r = secresponse_ml_output(rq->st, rq->key, kind, strcmp(kind, "llm") ? name : NULL,
                              has_score, score, body, actor_of(rq), rq->now, &id, err,
                              sizeof err);
    free(body);
    if (r == 0) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "id", (double)id);
        cJSON_AddStringToObject(o, "alert_id", rq->key);
        cJSON_AddStringToObject(o, "kind", kind);
        cJSON_AddStringToObject(o, name_key, name);
        cJSON_AddItemToObject(o, score_key, has_score ? cJSON_CreateNumber(score)
                                                      : cJSON_CreateNull());
        cJSON_AddItemToObject(o, "created_at", api_time_z(rq->now));
        api_send_json(rs, 201, o);
    } else if (r == -ENOENT)
        send_not_found(rs, rq->key);
    else if (r == -EINVAL)
        api_send_error(rs, 400, "%s", err);
    else
        api_send_io_error(rq, rs, 0, "storing an ML output");
    cJSON_Delete(b);
}

void h_ml_agent_output(ApiReq *rq, ApiResp *rs)
{
    ml_output(rq, rs, "agent", "agent", "score", 1, "metadata");
}

void h_ml_aggregate_score(ApiReq *rq, ApiResp *rs)
{
    /* the aggregate has no agent name: "combined_score" is its score */
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    double score = 0;
    char *weights = NULL;
    if (number_field(rs, b, "combined_score", 1, &score) < 0 ||
        object_field(rs, b, "weights", &weights) < 0) {
        cJSON_Delete(b);
        return;
    }
    free(weights);
    char *body = cJSON_PrintUnformatted(b);
    int64_t id = 0;
    char err[300];
    int r = secresponse_ml_output(rq->st, rq->key, "aggregate", NULL, 1, score, body,
                                  actor_of(rq), rq->now, &id, err, sizeof err);
    free(body);
    if (r == 0) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "id", (double)id);
        cJSON_AddStringToObject(o, "alert_id", rq->key);
        cJSON_AddStringToObject(o, "kind", "aggregate");
        cJSON_AddNumberToObject(o, "combined_score", score);
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(b, "weights");
        cJSON_AddItemToObject(o, "weights", w ? cJSON_Duplicate(w, 1) : cJSON_CreateNull());
        cJSON_AddItemToObject(o, "created_at", api_time_z(rq->now));
        api_send_json(rs, 201, o);
    } else if (r == -ENOENT)
        send_not_found(rs, rq->key);
    else
        api_send_io_error(rq, rs, 0, "storing an aggregate score");
    cJSON_Delete(b);
}

void h_llm_result(ApiReq *rq, ApiResp *rs)
{
    ml_output(rq, rs, "llm", "summary", "score", 0, NULL);
}

/* ---- tasks -------------------------------------------------------------------------- */

static cJSON *task_json(const SecTaskRow *t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)t->id);
    cJSON_AddStringToObject(o, "title", t->title ? t->title : "");
    cJSON_AddItemToObject(o, "assignee", api_str_or_null(t->assignee));
    cJSON_AddStringToObject(o, "state", t->state);
    cJSON_AddItemToObject(o, "alert_id", api_str_or_null(t->alert_id));
    cJSON_AddItemToObject(o, "meta", t->meta ? json_or_null(t->meta) : cJSON_CreateObject());
    cJSON_AddItemToObject(o, "created_by", api_str_or_null(t->created_by));
    cJSON_AddItemToObject(o, "created_at", api_time_z(t->created_at));
    cJSON_AddItemToObject(o, "updated_at", api_time_z(t->updated_at));
    return o;
}

void h_tasks_create(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    const char *title = NULL, *assignee = NULL, *alert_id = NULL;
    char *meta = NULL;
    int r = api_field_str(rs, b, "title", &title, NULL);
    if (r == 0)
        api_send_error(rs, 400, "Field 'title' is required");
    if (r <= 0 || str_field(rs, b, "assignee", &assignee) < 0 ||
        str_field(rs, b, "alert_id", &alert_id) < 0 || object_field(rs, b, "meta", &meta) < 0) {
        cJSON_Delete(b);
        return;
    }
    SecTaskRow t;
    char err[300];
    r = secresponse_task_create(rq->st, title, assignee, alert_id, meta, actor_of(rq), rq->now,
                                &t, err, sizeof err);
    if (r == 0) {
        api_send_json(rs, 201, task_json(&t));
        secresp_task_free(&t);
    } else if (r == -ENOENT)
        send_not_found(rs, alert_id);
    else if (r == -EINVAL)
        api_send_error(rs, 400, "%s", err);
    else
        api_send_io_error(rq, rs, 0, "creating a task");
    free(meta);
    cJSON_Delete(b);
}

static int valid_state_query(const char *s)
{
    return !s || !strcmp(s, "open") || !strcmp(s, "in_progress") || !strcmp(s, "done") ||
           !strcmp(s, "cancelled");
}

void h_tasks_list(ApiReq *rq, ApiResp *rs)
{
    SecTaskFilter f = {
        .assignee = api_query(rq, "assignee"), .state = api_query(rq, "state"),
        .alert_id = api_query(rq, "alert_id"),
    };
    if (!valid_state_query(f.state)) {
        api_send_error(rs, 400, "Query parameter 'state' must be open, in_progress, done or "
                       "cancelled");
        return;
    }
    ApiPage pg;
    if (api_page(rq, rs, &pg) < 0)
        return;
    f.limit = pg.limit;
    f.offset = pg.offset;
    SecTaskRow *v;
    int64_t total = 0;
    int n = secresp_repo_tasks(rq->st, &f, &v, &total);
    if (n < 0) {
        api_send_io_error(rq, rs, 0, "listing tasks");
        return;
    }
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, task_json(&v[i]));
    secresp_tasks_free(v, n);
    api_send_json(rs, 200, a);
    rs->has_total = 1;
    rs->total = total;
}

void h_tasks_update(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    const char *state = NULL, *assignee = NULL;
    int has_assignee = cJSON_HasObjectItem(b, "assignee");
    if (str_field(rs, b, "state", &state) < 0 || str_field(rs, b, "assignee", &assignee) < 0) {
        cJSON_Delete(b);
        return;
    }
    if (!state && !has_assignee) {
        api_send_error(rs, 400, "Give 'state' and/or 'assignee'");
        cJSON_Delete(b);
        return;
    }
    SecTaskRow t;
    char err[300];
    int r = secresponse_task_update(rq->st, rq->id, state, has_assignee, assignee, actor_of(rq),
                                    rq->now, &t, err, sizeof err);
    if (r == 0) {
        api_send_json(rs, 200, task_json(&t));
        secresp_task_free(&t);
    } else if (r == -ENOENT)
        api_send_error(rs, 404, "Task %lld not found", (long long)rq->id);
    else if (r == -EINVAL)
        api_send_error(rs, 400, "%s", err);
    else
        api_send_io_error(rq, rs, 0, "updating a task");
    cJSON_Delete(b);
}

/* ---- admin ---------------------------------------------------------------------------- */

static cJSON *time_text(const char *s)
{
    int64_t t = 0;
    if (!s || util_parse_iso8601(s, &t) < 0)
        return api_str_or_null(s);
    return api_time_z(t);
}

static cJSON *int_or_null(int v)
{
    return v < 0 ? cJSON_CreateNull() : cJSON_CreateNumber(v);
}

static int export_one(void *ctx, const SecExportRow *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", r->id ? r->id : "");
    cJSON_AddItemToObject(o, "source", api_str_or_null(r->source));
    cJSON_AddItemToObject(o, "received_at", time_text(r->received_at));
    cJSON_AddItemToObject(o, "stage", api_str_or_null(r->stage));
    cJSON_AddItemToObject(o, "severity", api_str_or_null(r->severity));
    cJSON_AddItemToObject(o, "severity_id", int_or_null(r->severity_id));
    cJSON_AddItemToObject(o, "title", api_str_or_null(r->title));
    cJSON_AddItemToObject(o, "event_at", time_text(r->event_at));
    cJSON_AddItemToObject(o, "s0", int_or_null(r->s0));
    cJSON_AddItemToObject(o, "route", api_str_or_null(r->route));
    cJSON_AddItemToObject(o, "s1", int_or_null(r->s1));
    cJSON_AddItemToObject(o, "normalized", json_or_null(r->normalized));
    cJSON_AddItemToObject(o, "reason", json_or_null(r->reason));
    cJSON_AddItemToObject(o, "incident_id", api_str_or_null(r->incident_id));
    cJSON_AddItemToObject(o, "fingerprint", api_str_or_null(r->fingerprint));
    cJSON_AddItemToObject(o, "group_count", cJSON_CreateNumber(r->group_count));
    cJSON_AddItemToObject(o, "closed_at", time_text(r->closed_at));
    cJSON_AddItemToObject(o, "export_ready_at", time_text(r->export_ready_at));
    cJSON_AddItemToArray(ctx, o);
    return 0;
}

void h_admin_export(ApiReq *rq, ApiResp *rs)
{
    int64_t all = 0;
    if (api_query_int(rq, rs, "all", 0, 1, 0, 0, &all) < 0)
        return;
    cJSON *a = cJSON_CreateArray();
    int n = secresp_repo_export(rq->st, (int)all, export_one, a);
    if (n < 0) {
        cJSON_Delete(a);
        api_send_io_error(rq, rs, 0, "exporting security alerts");
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "exported_at", api_time_z(rq->now));
    cJSON_AddStringToObject(o, "scope", all ? "all" : "export_ready");
    cJSON_AddNumberToObject(o, "count", n);
    cJSON_AddItemToObject(o, "alerts", a);
    api_send_json(rs, 200, o);
}

void h_admin_export_ready(ApiReq *rq, ApiResp *rs)
{
    int r = secresponse_export_ready(rq->st, rq->key, actor_of(rq), rq->now);
    if (r == -ENOENT) {
        send_not_found(rs, rq->key);
        return;
    }
    if (r < 0) {
        api_send_io_error(rq, rs, 0, "marking an alert export-ready");
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", rq->key);
    cJSON_AddStringToObject(o, "status", "export_ready");
    cJSON_AddItemToObject(o, "export_ready_at", api_time_z(rq->now));
    api_send_json(rs, 200, o);
}

void h_admin_healthz(ApiReq *rq, ApiResp *rs)
{
    SecHealth h;
    cJSON *o = cJSON_CreateObject();
    cJSON *c = cJSON_CreateObject();
    int ok = secresp_repo_health(rq->st, &h) == 0;
    cJSON_AddStringToObject(o, "status", ok ? "ok" : "degraded");
    cJSON_AddStringToObject(c, "database", ok ? "ok" : "error");
    if (ok) {
        cJSON *p = cJSON_AddObjectToObject(c, "pipeline_backlog");
        cJSON_AddNumberToObject(p, "received", (double)h.backlog);
        cJSON_AddNumberToObject(p, "failed", (double)h.failed);
        cJSON_AddNumberToObject(p, "alerts", (double)h.alerts);
        cJSON_AddNumberToObject(p, "responses_running", (double)h.responses_running);
        SimStats ss;
        similarity_stats(&ss);
        cJSON *ix = cJSON_AddObjectToObject(c, "index");
        cJSON_AddNumberToObject(ix, "embeddings", (double)h.embeddings);
        cJSON_AddNumberToObject(ix, "vectors", (double)ss.vectors);
        cJSON_AddStringToObject(ix, "kind", ss.indexed ? "hnsw" : "exact");
        cJSON_AddNumberToObject(ix, "index_size", (double)ss.index_size);
    }
    cJSON_AddItemToObject(o, "checks", c);
    api_send_json(rs, ok ? 200 : 503, o);
}
