/* h_resolution — seed 001's auto-resolution settings under /api/v1: the
 * configuration (global, per category, with our playbooks), the kill
 * switch, and the audit trail of resolutions.
 *
 * Shapes follow the seed (../shared/seed-notes.md "Seed 001"); ours only
 * add fields. Errors use the seed's {"error": ..., "status_code": N}
 * (API_ERROR_STATUS_CODE).
 *
 * Issue 9: playbooks through PUT /api/v1/config only name actions of the
 * host's playbook file and use internal steps (D4, playbook_parse_api);
 * the audit names the signed-in user, never a free-text ?actor= (B4);
 * every 500 logs its cause (api_send_io_error). The audit trail pages as
 * seed 001's AuditQuery (limit=100, le=1000) with ?offset and
 * X-Total-Count (issue 9 D7).
 */
#include "api/handlers.h"
#include "domain/actions.h"
#include "domain/decision.h"
#include "domain/playbook.h"
#include "domain/resolution.h"
#include "store/category_repo.h"
#include "store/incident_repo.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SHAPE       API_ERROR_STATUS_CODE  /* seed 001's errors */
#define AUDIT_LIMIT 1000                   /* seed: AuditQuery limit le=1000 */
#define OFFSET_MAX  1000000000

/* The audit actions GET /api/v1/audit accepts: the seed's, then ours. */
static const char *const audit_actions[] = {
    "auto_resolution_attempted", "auto_resolution_success", "auto_resolution_failed",
    "auto_resolution_skipped", "notification_sent", "kill_switch_activated",
    "kill_switch_deactivated", "config_updated",
    "step_executed", "step_retry", "manually_resolved", "auto_resolution_no_action", NULL,
};

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
        cJSON_AddItemToObject(k, "at", api_time(c->kill_at));
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
    cJSON_AddItemToObject(k, "at", api_time(g.kill_at));
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
        api_send_io_error(rq, rs, SHAPE, "cannot read the configuration");
    else
        api_send_json(rs, 200, o);
}

void h_resolution_config_get(ApiReq *rq, ApiResp *rs)
{
    send_config(rq, rs);
}

void h_resolution_category_get(ApiReq *rq, ApiResp *rs)
{
    if (!rq->key || !decision_in(decision_categories, rq->key)) {
        api_send_error_ex(rs, 400, SHAPE, "Invalid category: %s", rq->key ? rq->key : "");
        return;
    }
    ResolutionCategory c;
    if (resolution_category_get(rq->st, rq->key, &c) < 0) {
        api_send_io_error(rq, rs, SHAPE, "cannot read the category's configuration");
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
        api_send_error_ex(rs, 400, SHAPE, "Field '%s' must be a boolean", name);
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
        api_send_error_ex(rs, 400, SHAPE, "Field '%s' must be a number", name);
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
        api_send_error_ex(rs, 400, SHAPE, "Field '%s' must be an integer", name);
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
        api_send_error_ex(rs, 400, SHAPE, "Unknown field '%s%s' (accepted: %s)", prefix,
                          f->string, list);
        return -1;
    }
    return 0;
}

/* category_config: the seed's CategoryConfig (category required; B1:
 * every other field only when sent) plus our playbook (API steps only). */
static int parse_category(ApiResp *rs, const cJSON *cc, ResolutionUpdate *u, char **playbook)
{
    if (!cJSON_IsObject(cc)) {
        api_send_error_ex(rs, 400, SHAPE, "Field 'category_config' must be an object");
        return -1;
    }
    const cJSON *cat = cJSON_GetObjectItemCaseSensitive(cc, "category");
    if (!cJSON_IsString(cat)) {
        api_send_error_ex(rs, 400, SHAPE, cat ? "Field 'category_config.category' must be a string"
                              : "Field 'category_config.category' is required");
        return -1;
    }
    if (!decision_in(decision_categories, cat->valuestring)) {
        api_send_error_ex(rs, 400, SHAPE, "Invalid category: %s", cat->valuestring);
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
                api_send_error_ex(rs, 400, SHAPE,
                                  "Field 'category_config.playbook' must be an array of steps");
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
        api_send_error_ex(rs, 401, SHAPE, "Authentication required");
        return NULL;
    }
    if (a && *a && strcasecmp(a, me) != 0) {
        api_send_error_ex(rs, 400, SHAPE,
                 "Query parameter 'actor' must be your own username (%s): the audit records "
                 "the signed-in user", me);
        return NULL;
    }
    return me;
}

void h_resolution_config_put(ApiReq *rq, ApiResp *rs)
{
    const char *actor = caller(rq, rs);
    if (!actor)
        return;
    cJSON *b = api_body_json(rq, rs, cJSON_Object, SHAPE);
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
            api_send_error_ex(rs, 400, SHAPE, "%s", err);
        else if (r == -EPERM)
            api_send_error_ex(rs, 409, SHAPE, "%s", err);
        else
            api_send_io_error(rq, rs, SHAPE, "cannot update the configuration");
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
            api_send_error_ex(rs, 400, SHAPE, "%s", err);
        else
            api_send_io_error(rq, rs, SHAPE, "cannot set the kill switch");
        return;
    }
    send_config(rq, rs);
}

void h_resolution_kill_activate(ApiReq *rq, ApiResp *rs) { kill_switch(rq, rs, 1); }
void h_resolution_kill_deactivate(ApiReq *rq, ApiResp *rs) { kill_switch(rq, rs, 0); }

/* ---- audit -------------------------------------------------------------------------------- */

static int add_audit(void *ctx, const IncidentAuditEntry *e)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "audit_id", e->audit_id ? e->audit_id : "");
    cJSON_AddStringToObject(o, "incident_id", e->incident_id ? e->incident_id : "");
    cJSON_AddStringToObject(o, "action", e->action ? e->action : "");
    cJSON_AddItemToObject(o, "timestamp", api_time(e->timestamp));
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
                       int64_t limit, int64_t offset)
{
    int total = incident_repo_audit_count(rq->st, incident_id, action);
    cJSON *a = cJSON_CreateArray();
    if (total < 0 || incident_repo_audit_each(rq->st, incident_id, action, (int)limit,
                                              (int)offset, add_audit, a) < 0) {
        cJSON_Delete(a);
        api_send_io_error(rq, rs, SHAPE, "cannot read the audit trail");
        return;
    }
    api_send_json(rs, 200, a);
    rs->has_total = 1;
    rs->total = total;
}

void h_resolution_audit_list(ApiReq *rq, ApiResp *rs)
{
    const char *incident_id = api_query(rq, "incident_id");
    const char *action = api_query(rq, "action");
    if (action && *action && !decision_in(audit_actions, action)) {
        api_send_error_ex(rs, 400, SHAPE, "Invalid action type: %s", action);
        return;
    }
    int64_t limit, offset;
    if (api_query_int(rq, rs, "limit", 1, AUDIT_LIMIT, 100, SHAPE, &limit) < 0 ||
        api_query_int(rq, rs, "offset", 0, OFFSET_MAX, 0, SHAPE, &offset) < 0)
        return;
    send_audit(rq, rs, incident_id && *incident_id ? incident_id : NULL,
               action && *action ? action : NULL, limit, offset);
}

/* The seed answers an incident's whole trail; ours its newest
 * AUDIT_LIMIT unless paged, and X-Total-Count says when there are more. */
void h_resolution_audit_incident(ApiReq *rq, ApiResp *rs)
{
    int64_t limit, offset;
    if (api_query_int(rq, rs, "limit", 1, AUDIT_LIMIT, AUDIT_LIMIT, SHAPE, &limit) < 0 ||
        api_query_int(rq, rs, "offset", 0, OFFSET_MAX, 0, SHAPE, &offset) < 0)
        return;
    send_audit(rq, rs, rq->key, NULL, limit, offset);
}
