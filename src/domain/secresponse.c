/* secresponse — see secresponse.h.
 *
 * How a response runs: secresponse_run records a sec_response row and
 * submits an incident "SECRESP-<row id>" in category security through
 * incidents_submit (forced: a person asked for it, so the confidence check
 * is waived; the kill switch and the category's switch still refuse, and
 * the runner's max_concurrent_resolutions makes it wait). When the runner
 * claims that incident, incident_runs asks secresponse_plan for its steps:
 * the configured action's one step with the row's target and parameters
 * placed (secresp_actions.c), so the command runs with argv, never a
 * shell. Each move of the run (secresponse_on_run) updates the row in the
 * runner's own transaction. Escalation opens "SECALERT-<seq>" the same
 * way, with the escalation action's row when one is configured.
 * ML outputs, tasks and export marks: sectasks.c.
 */
#include "domain/secresponse.h"
#include "domain/secresp_priv.h"
#include "domain/errors.h"
#include "domain/incidents.h"
#include "store/audit_repo.h"
#include "store/playbook_repo.h"
#include "util.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_ENTITY "SecurityAlert"

/* ---- running a response ------------------------------------------------------------ */

int secresp_alert_find(Store *st, const char *alert_id, SecRespAlert *a, char *err,
                       size_t errsz)
{
    int r = -ENOENT;
    if (alert_id && *alert_id) {
        r = secresp_repo_alert(st, alert_id, a);
        r = r < 0 ? -EIO : r == 0 ? -ENOENT : 0;
    }
    if (r < 0 && err)
        snprintf(err, errsz, r == -ENOENT ? "Alert '%.128s' not found" : DOMAIN_IO_ERROR,
                 alert_id ? alert_id : "");
    return r;
}

int secresp_audit(Store *st, int64_t now, const char *action, int64_t seq, const char *actor,
                  const char *fmt, ...)
{
    char detail[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return audit_repo_add_as(st, action, AUDIT_ENTITY, seq, 0, actor, detail, now) < 0 ? -EIO
                                                                                     : 0;
}

/* The incident that carries a response (or an escalation). */
static IncidentInput incident_input(const char *id, const char *title, const char *description,
                                    const char *priority, double confidence, const char *actor,
                                    const char *tags)
{
    return (IncidentInput){
        .incident_id = id, .title = title, .description = description,
        .category = "security", .priority = priority, .created_by = actor,
        .confidence = confidence, .tags_json = tags,
    };
}

/* The refusal's text for the API: the brief's kill switch sentence, else
 * the decision's reason. */
static void refusal_text(const char *reason, const char *action, char *err, size_t errsz)
{
    if (strstr(reason, "kill switch"))
        snprintf(err, errsz, "Auto-resolution is stopped (kill switch): response '%s' not run",
                 action);
    else
        snprintf(err, errsz, "%s: response '%s' not run", reason, action);
}

/* Submit the response row's incident (in the caller's transaction):
 * queued, or the row refused. 0, -EAGAIN (refused: err), -EINVAL, -EIO. */
static int submit_response(Store *st, const SecRespAlert *a, int64_t rid, const char *action,
                           const char *actor, int64_t now, SecResponseOut *out, char *err,
                           size_t errsz)
{
    snprintf(out->incident_id, sizeof out->incident_id, RESP_INCIDENT_PREFIX "%lld",
             (long long)rid);
    char *title = xasprintf("Response %s on security alert %.100s", action, a->id);
    char *desc = xasprintf("Response action %s (sec_response %lld) requested by %s for alert "
                           "%s: %s", action, (long long)rid, actor, a->id, a->title);
    cJSON *tags = cJSON_CreateStringArray((const char *const[]){"security", "response"}, 2);
    char *tags_s = cJSON_PrintUnformatted(tags);
    cJSON_Delete(tags);
    IncidentInput in = incident_input(out->incident_id, title, desc, "high", 1.0, actor, tags_s);
    SubmitResult res;
    int r = incidents_submit(st, &in, actor, 1, now, &res, err, errsz);
    free(title);
    free(desc);
    free(tags_s);
    if (r < 0)
        return r;
    const char *state = res.outcome == SUBMIT_SKIPPED ? "refused" : "queued";
    char *details = NULL;
    if (res.outcome == SUBMIT_SKIPPED) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "reason", res.reason);
        details = cJSON_PrintUnformatted(d);
        cJSON_Delete(d);
    }
    r = secresp_repo_response_update(st, rid, state, out->incident_id, details,
                                     res.outcome == SUBMIT_SKIPPED ? now : 0);
    free(details);
    if (r < 0)
        return -EIO;
    strlcpy_(out->state, state, sizeof out->state);
    if (res.outcome == SUBMIT_SKIPPED) {
        refusal_text(res.reason, action, err, errsz);
        return secresp_audit(st, now, "Security Response Refused", a->seq, actor, "%s on %s: %s", action,
                     a->id, res.reason) < 0 ? -EIO : -EAGAIN;
    }
    return secresp_audit(st, now, "Security Response Requested", a->seq, actor, "%s on %s (response %lld, "
                 "incident %s)", action, a->id, (long long)rid, out->incident_id);
}

/* {"reason": reason} as JSON text, owned. */
static char *reason_json(const char *reason)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "reason", reason);
    char *s = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    return s;
}

/* target must be an object and parameters an object or NULL. */
static int check_objects(const char *target, const char *parameters, char *err, size_t errsz)
{
    cJSON *t = cJSON_Parse(target ? target : "{}");
    cJSON *p = parameters ? cJSON_Parse(parameters) : NULL;
    int ok = cJSON_IsObject(t) && (!parameters || cJSON_IsObject(p));
    cJSON_Delete(t);
    cJSON_Delete(p);
    if (!ok)
        snprintf(err, errsz, "Fields 'target' and 'parameters' must be JSON objects");
    return ok ? 0 : -EINVAL;
}

int secresponse_run(Store *st, const char *alert_id, const char *action, const char *target,
                    const char *parameters, const char *actor, int64_t now,
                    SecResponseOut *out, char *err, size_t errsz)
{
    memset(out, 0, sizeof *out);
    if (!actor || !*actor)
        actor = "system";
    SecRespAlert a = {0};
    int r = secresp_alert_find(st, alert_id, &a, err, errsz);
    if (r < 0)
        return r;
    PlaybookStep check;
    if (check_objects(target, parameters, err, errsz) < 0 ||
        secresp_build_step(action, target, parameters, a.id, 0, NULL, &check, err, errsz) < 0) {
        secresp_alert_free(&a);
        return -EINVAL;
    }
    playbook_step_free(&check);
    /* a program that is not there: refused and recorded, nothing queued
     * (the runner could only fail on it) */
    char why[400];
    int missing = secresp_action_installed(action, why, sizeof why) < 0;
    char *details = missing ? reason_json(why) : NULL;
    incidents_submit_lock();
    r = -EIO;
    if (store_begin(st) < 0)
        goto out;
    int64_t rid = secresp_repo_response_add(st, a.seq, action, target ? target : "{}",
                                            parameters, missing ? "refused" : "queued", NULL,
                                            details, actor, now, missing ? now : 0);
    if (rid < 0) {
        store_rollback(st);
        goto out;
    }
    out->id = rid;
    if (missing) {
        strlcpy_(out->state, "refused", sizeof out->state);
        snprintf(err, errsz, "%s", why);
        r = secresp_audit(st, now, "Security Response Refused", a.seq, actor, "%s on %s: %s",
                          action, a.id, why) < 0 ? -EIO : -EAGAIN;
    } else
        r = submit_response(st, &a, rid, action, actor, now, out, err, errsz);
    if (r == 0 || r == -EAGAIN) {
        if (store_commit(st) < 0)
            r = -EIO;
    } else
        store_rollback(st);
out:
    incidents_submit_unlock();
    free(details);
    secresp_alert_free(&a);
    if (r == -EIO)
        snprintf(err, errsz, DOMAIN_IO_ERROR);
    if (r == 0)
        incidents_kick();
    return r;
}

/* ---- escalation -------------------------------------------------------------------- */

/* The target of an escalation's action: the alert's first ip, user and
 * host observables ({"type", "value"} of normalized.observables). JSON
 * text, owned. */
static char *observable_target(const char *normalized)
{
    static const struct { const char *type, *key; } map[] = {
        {"ip", "ip"}, {"ipv4", "ip"}, {"ipv6", "ip"}, {"src_ip", "ip"},
        {"user", "user"}, {"username", "user"}, {"account", "user"},
        {"host", "host"}, {"hostname", "host"},
    };
    cJSON *n = normalized ? cJSON_Parse(normalized) : NULL;
    cJSON *inner = cJSON_GetObjectItemCaseSensitive(n, "normalized");
    const cJSON *obs = cJSON_GetObjectItemCaseSensitive(inner ? inner : n, "observables");
    cJSON *t = cJSON_CreateObject();
    const cJSON *o;
    cJSON_ArrayForEach(o, obs) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(o, "type");
        const cJSON *val = cJSON_GetObjectItemCaseSensitive(o, "value");
        if (!cJSON_IsString(type) || !cJSON_IsString(val))
            continue;
        for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
            if (util_strcaseeq(type->valuestring, map[i].type) &&
                !cJSON_HasObjectItem(t, map[i].key))
                cJSON_AddStringToObject(t, map[i].key, val->valuestring);
    }
    char *s = cJSON_PrintUnformatted(t);
    cJSON_Delete(t);
    cJSON_Delete(n);
    return s;
}

static const char *priority_of(int s0)
{
    return s0 >= 90 ? "critical" : s0 >= 75 ? "high" : s0 >= 50 ? "medium" : "low";
}

/* The escalation action's row, when one is configured and the alert's
 * observables give it what it needs: its id, 0 none, -EIO. */
static int64_t escalation_response(Store *st, const SecRespAlert *a, const char *incident_id,
                                   const char *actor, int64_t now)
{
    char *action = secresp_escalation_action();
    int64_t rid = 0;
    if (*action) {
        char *target = observable_target(a->normalized);
        PlaybookStep check;
        char err[300];
        if (secresp_build_step(action, target, NULL, a->id, 0, NULL, &check, err, sizeof err) == 0) {
            playbook_step_free(&check);
            if (secresp_action_installed(action, err, sizeof err) == 0)
                rid = secresp_repo_response_add(st, a->seq, action, target, NULL, "queued",
                                                incident_id, NULL, actor, now, 0);
            else {
                /* recorded as refused, outside the incident (nothing to run) */
                char *d = reason_json(err);
                rid = secresp_repo_response_add(st, a->seq, action, target, NULL, "refused",
                                                NULL, d, actor, now, now);
                free(d);
                rid = rid < 0 ? rid : 0;
            }
        }
        free(target);
    }
    free(action);
    return rid;
}

static int escalate_locked(Store *st, const SecRespAlert *a, int s0, const char *actor,
                           int64_t now, const char *inc_id)
{
    int64_t rid = escalation_response(st, a, inc_id, actor, now);
    if (rid < 0)
        return -EIO;
    char *title = xasprintf("Security alert %.100s: %.300s", a->id, *a->title ? a->title
                                                                            : "(no title)");
    char *desc = xasprintf("Security alert %s escalated with S0 %d (severity %s)%s", a->id, s0,
                           *a->severity ? a->severity : "unknown",
                           rid > 0 ? "; its response runs with the incident" : "");
    char *tag = xasprintf("alert:%.100s", a->id);
    cJSON *tags = cJSON_CreateStringArray((const char *const[]){"security", tag}, 2);
    char *tags_s = cJSON_PrintUnformatted(tags);
    cJSON_Delete(tags);
    double conf = s0 < 0 ? 0 : s0 > 100 ? 1.0 : s0 / 100.0;
    IncidentInput in = incident_input(inc_id, title, desc, priority_of(s0), conf, actor, tags_s);
    SubmitResult res;
    char err[300];
    int r = incidents_submit(st, &in, actor, 0, now, &res, err, sizeof err);
    free(title);
    free(desc);
    free(tag);
    free(tags_s);
    if (r < 0)
        return -EIO;
    if (rid > 0 && res.outcome == SUBMIT_SKIPPED) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "reason", res.reason);
        char *ds = cJSON_PrintUnformatted(d);
        cJSON_Delete(d);
        r = secresp_repo_response_update(st, rid, "refused", NULL, ds, now);
        free(ds);
        if (r < 0)
            return -EIO;
    }
    if (secresp_repo_alert_set_incident(st, a->seq, inc_id) < 0)
        return -EIO;
    return secresp_audit(st, now, "Security Escalation", a->seq, actor, "%s opened incident %s (S0 %d): %s",
                 a->id, inc_id, s0, res.outcome == SUBMIT_SKIPPED ? res.reason : "queued");
}

int secresponse_escalate(Store *st, const char *alert_id, int s0, const char *actor, int64_t now,
                         char *incident_id, size_t size)
{
    if (!actor || !*actor)
        actor = "triage";
    SecRespAlert a = {0};
    int r = secresp_alert_find(st, alert_id, &a, NULL, 0);
    if (r < 0)
        return r;
    if (a.incident_id[0]) {
        strlcpy_(incident_id, a.incident_id, size);
        secresp_alert_free(&a);
        return -EEXIST;
    }
    char inc[64];
    snprintf(inc, sizeof inc, ESC_INCIDENT_PREFIX "%lld", (long long)a.seq);
    incidents_submit_lock();
    r = -EIO;
    if (store_begin(st) == 0) {
        r = escalate_locked(st, &a, s0, actor, now, inc);
        if (r == 0)
            r = store_commit(st) < 0 ? -EIO : 0;
        else
            store_rollback(st);
    }
    incidents_submit_unlock();
    secresp_alert_free(&a);
    if (r == 0) {
        strlcpy_(incident_id, inc, size);
        incidents_kick();
    }
    return r;
}

/* ---- the runner's side ---------------------------------------------------------------- */

/* Only the incidents this file opens can carry a response: the others
 * skip the lookup (the runner asks on every claim and every end). */
static int may_carry_response(const char *incident_id)
{
    return strncmp(incident_id, RESP_INCIDENT_PREFIX, strlen(RESP_INCIDENT_PREFIX)) == 0 ||
           strncmp(incident_id, ESC_INCIDENT_PREFIX, strlen(ESC_INCIDENT_PREFIX)) == 0;
}

int secresponse_plan(Store *st, const char *incident_id, Playbook *out, char *err, size_t errsz)
{
    if (!may_carry_response(incident_id))
        return 0;
    SecResponseRow row;
    int r = secresp_repo_response_by_incident(st, incident_id, &row);
    if (r <= 0)
        return r < 0 ? -EIO : 0;
    PlaybookStep step;
    r = secresp_build_step(row.action, row.target, row.parameters, row.alert_id, row.id, incident_id,
                   &step, err, errsz);
    secresp_response_free(&row);
    if (r < 0)
        return -EINVAL;
    out->steps = xcalloc(1, sizeof *out->steps);
    out->steps[0] = step;
    out->n = 1;
    return 1;
}

/* The outcome of the run's steps: {"incident_state", "reason", "steps":
 * [{action, success, error, output}]}. Owned JSON text. */
static char *run_details(Store *st, const char *incident_id, const char *state,
                         const char *reason)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "incident_state", state);
    if (reason)
        cJSON_AddStringToObject(d, "reason", reason);
    IncidentResult res;
    if (incidents_result(st, incident_id, 0, &res) == 1) {
        cJSON *steps = cJSON_AddArrayToObject(d, "steps");
        for (int i = 0; i < res.nsteps; i++) {
            const PlaybookRunRow *s = &res.steps[i];
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "action", s->action ? s->action : "");
            cJSON_AddBoolToObject(o, "success", s->success == 1);
            cJSON_AddNumberToObject(o, "attempts", s->attempt);
            cJSON_AddItemToObject(o, "error", s->error_message
                                                  ? cJSON_CreateString(s->error_message)
                                                  : cJSON_CreateNull());
            if (s->output)
                cJSON_AddStringToObject(o, "output", s->output);
            cJSON_AddItemToArray(steps, o);
        }
        incidents_result_free(&res);
    }
    char *s = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    return s;
}

int secresponse_on_run(Store *st, const char *incident_id, const char *state, const char *reason,
                       int64_t now)
{
    static const struct { const char *incident, *response; } map[] = {
        {"resolving", "running"}, {"resolved", "success"}, {"failed", "failed"},
        {"skipped", "refused"},   {"no_action", "failed"},
    };
    const char *to = NULL;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].incident, state) == 0)
            to = map[i].response;
    if (!to || !may_carry_response(incident_id))
        return 0;
    SecResponseRow row;
    int r = secresp_repo_response_by_incident(st, incident_id, &row);
    if (r <= 0)
        return r < 0 ? -EIO : 0;
    int running = strcmp(to, "running") == 0;
    char *details = running ? NULL : run_details(st, incident_id, state, reason);
    r = secresp_repo_response_update(st, row.id, to, NULL, details, running ? 0 : now);
    free(details);
    if (r == 0 && !running)
        r = secresp_audit(st, now, "Security Response Finished", row.alert_seq, "system",
                  "%s on %s (response %lld): %s", row.action, row.alert_id, (long long)row.id,
                  to);
    secresp_response_free(&row);
    return r < 0 ? -EIO : 0;
}

/* ---- the API's reads and writes ----------------------------------------------------- */

int secresponse_list(Store *st, const char *alert_id, SecResponseRow **out, int *n)
{
    *out = NULL;
    *n = 0;
    SecRespAlert a = {0};
    int r = secresp_alert_find(st, alert_id, &a, NULL, 0);
    if (r < 0)
        return r;
    r = secresp_repo_responses(st, a.seq, out);
    secresp_alert_free(&a);
    if (r < 0)
        return -EIO;
    *n = r;
    return 0;
}

/* details.action_id as a response id of the alert (a number or "123"). */
static int64_t action_id_of(const cJSON *details)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(details, "action_id");
    if (cJSON_IsNumber(id) && id->valuedouble >= 1 && id->valuedouble == floor(id->valuedouble))
        return (int64_t)id->valuedouble;
    if (cJSON_IsString(id)) {
        char *end;
        long long v = strtoll(id->valuestring, &end, 10);
        if (*id->valuestring && !*end && v > 0)
            return v;
    }
    return 0;
}

int secresponse_report(Store *st, const char *alert_id, const char *status,
                       const char *details_json, const char *actor, int64_t now,
                       SecResponseRow *out, char *err, size_t errsz)
{
    if (!status || !*status || strlen(status) > 64) {
        snprintf(err, errsz, "Field 'status' must be a string of 1 to 64 characters");
        return -EINVAL;
    }
    SecRespAlert a = {0};
    int r = secresp_alert_find(st, alert_id, &a, err, errsz);
    if (r < 0)
        return r;
    cJSON *det = details_json ? cJSON_Parse(details_json) : NULL;
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "status", status);
    cJSON_AddItemToObject(body, "details", det ? cJSON_Duplicate(det, 1) : cJSON_CreateNull());
    char *bs = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    SecResponseRow ref = {0};
    int64_t ref_id = action_id_of(det);
    int got = ref_id ? secresp_repo_response_get(st, ref_id, a.seq, &ref) : 0;
    cJSON_Delete(det);
    r = -EIO;
    if (got >= 0 && store_begin(st) == 0) {
        int64_t id = secresp_repo_response_add(st, a.seq, got ? ref.action : "result", "{}",
                                               NULL, "reported", got ? ref.incident_id : NULL,
                                               bs, actor, now, now);
        if (id > 0 && secresp_audit(st, now, "Security Response Reported", a.seq, actor, "%s on %s: %s",
                            got ? ref.action : "result", a.id, status) == 0) {
            if (store_commit(st) == 0)
                r = secresp_repo_response_get(st, id, 0, out) == 1 ? 0 : -EIO;
        } else
            store_rollback(st);
    }
    secresp_response_free(&ref);
    free(bs);
    secresp_alert_free(&a);
    if (r < 0)
        snprintf(err, errsz, DOMAIN_IO_ERROR);
    return r;
}
