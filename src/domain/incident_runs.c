/* incident_runs — see incident_runs.h.
 *
 * How it works: every record is its own short transaction on the
 * worker's Store, so the write lock is never held while a step runs. The
 * claim decides again (incidents_decide, with the running count: the
 * limit is enforced by the one dispatcher that claims), starts the run
 * and hands the worker a RunPlan that owns everything the steps need.
 * Before every step the gate re-reads the two switches, so a kill switch
 * stops a running resolution before its next step; the step in flight
 * finishes (or times out). Every end of a run wakes the API's waiters
 * (incidents_wake_all) after its commit.
 *
 * Steps that run in the domain (playbook.h: STEP_RUNS_IN_DOMAIN) are
 * executed here, from the table internal_execs[]; the others leave the
 * process and are the engine's (engine/steps.c).
 */
#include "domain/incident_runs.h"
#include "domain/incidents_priv.h"
#include "domain/actions.h"
#include "domain/alerts.h"
#include "domain/notify.h"
#include "domain/resolution.h"
#include "domain/secresponse.h"
#include "domain/services.h"
#include "store/alert_repo.h"
#include "store/audit_repo.h"
#include "store/category_repo.h"
#include "store/incident_audit_repo.h"
#include "store/service_repo.h"
#include "util.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the plan ---------------------------------------------------------------------- */

void incident_runs_plan_free(RunPlan *p)
{
    if (!p)
        return;
    incident_rec_free(&p->inc);
    playbook_free(&p->pb);
}

/* The steps of a run: the category's playbook stored through the API
 * (internal steps and named actions only, D4), else the playbook file's
 * for the category, else the seed's default steps (which only record).
 * Action names resolve against this process's playbook file. 0, -EINVAL
 * with err. */
int incidents_plan_playbook(const ResolutionCategory *cat, const char *category, Playbook *out,
                            char *err, size_t errsz)
{
    if (cat->playbook) {
        if (playbook_parse_api(cat->playbook, out, err, errsz) < 0)
            return -EINVAL;
        if (actions_resolve(out, err, errsz) < 0) {
            playbook_free(out);
            return -EINVAL;
        }
        return 0;
    }
    int r = actions_category(category, out, err, errsz);
    if (r < 0)
        return -EINVAL;
    if (r == 0)
        playbook_default(category, out);
    return 0;
}

/* The steps of a claimed run: a security response's own step (issue 12,
 * secresponse_plan), else the category's. 0, -EINVAL with err, -EIO. */
static int plan_steps(Store *st, const IncidentRec *inc, const ResolutionCategory *cat,
                      Playbook *out, char *err, size_t errsz)
{
    int r = secresponse_plan(st, inc->incident_id, out, err, errsz);
    if (r != 0)
        return r < 0 ? r : 0;
    return incidents_plan_playbook(cat, inc->category, out, err, errsz);
}

/* ---- failure alerts ---------------------------------------------------------------- */

/* The Critical AutoResolutionFailed alert for a human (B2): on the
 * incident's service, or an incident-level one when it names none. */
static int raise_failed_alert(Store *st, const IncidentRec *inc, const char *reason, int64_t now)
{
    char msg[700];
    snprintf(msg, sizeof msg, "Auto-resolution of incident %s failed: %s; a human is needed",
             inc->incident_id, reason);
    if (inc->service_id)
        return alerts_raise(st, inc->service_id, ALERT_AUTO_RESOLUTION_FAILED, SEV_CRITICAL, msg,
                            now, NULL) < 0 ? -EIO : 0;
    int64_t id;
    int got = incident_repo_alert_find_open(st, inc->incident_id, ALERT_AUTO_RESOLUTION_FAILED,
                                            &id);
    if (got < 0)
        return -EIO;
    if (got)
        return alert_repo_set_message(st, id, msg) < 0 ? -EIO : 0;
    id = incident_repo_alert_insert(st, inc->incident_id, ALERT_AUTO_RESOLUTION_FAILED, msg,
                                    "Critical", now);
    if (id < 0)
        return -EIO;
    char action[100];
    snprintf(action, sizeof action, "Alert Created (%s)", ALERT_AUTO_RESOLUTION_FAILED);
    if (audit_repo_add_alert(st, action, id, 0, AUDIT_SYSTEM_USER, AUDIT_SYSTEM_ACTOR, msg,
                             now) < 0)
        return -EIO;
    return notify_alert(st, id, 0, ALERT_AUTO_RESOLUTION_FAILED, "Critical", NULL, msg, "raised",
                        now) < 0 ? -EIO : 0;
}

/* The incident is resolved (by a run or by hand): its incident-level
 * failure alert, if one is open, has cleared. */
int incidents_clear_failed_alert(Store *st, const IncidentRec *inc, int64_t now)
{
    if (inc->service_id)
        return 0;                    /* a service's alert is the service's (dedup per type) */
    int64_t id;
    int got = incident_repo_alert_find_open(st, inc->incident_id, ALERT_AUTO_RESOLUTION_FAILED,
                                            &id);
    if (got <= 0)
        return got;
    char msg[300];
    snprintf(msg, sizeof msg, "Incident %s is resolved now", inc->incident_id);
    return alert_repo_resolve(st, id, now) < 0 ||
                   notify_alert(st, id, 0, ALERT_AUTO_RESOLUTION_FAILED, "Critical", NULL, msg,
                                "resolved", now) < 0
               ? -EIO
               : 0;
}

/* ---- claim and gate ---------------------------------------------------------------- */

/* Record a refusal: the skip entry, and the state (an incident already
 * resolved keeps its state; the seed only reports it). */
static int record_skip(Store *st, const IncidentRec *rec, const Decision *d, int64_t now)
{
    int keep = d->check == CHECK_STATUS && strcmp(rec->state, "resolved") == 0;
    if (incident_repo_finish(st, rec->incident_id, keep ? rec->state : "skipped", NULL,
                             keep ? rec->state_reason : d->reason, 0, -1, now) < 0 ||
        secresponse_on_run(st, rec->incident_id, "skipped", d->reason, now) < 0)
        return -EIO;
    return incidents_audit_skip(st, rec, d, now);
}

/* The playbook cannot be run: validated when stored, but a bad row or a
 * name the file no longer defines still must not loop, and a human must
 * hear of it. The run ends failed. */
static int record_bad_playbook(Store *st, const IncidentRec *inc, const char *why, int64_t now)
{
    char reason[600];
    snprintf(reason, sizeof reason, "Invalid playbook: %s", why);
    if (incident_repo_finish(st, inc->incident_id, "failed", "open", reason, 0, 0, now) < 0 ||
        incidents_audit(st, inc->incident_id, "auto_resolution_failed", "system",
                        &inc->confidence, incidents_message("Auto-resolution failed"), 0, reason,
                        now) < 0 ||
        raise_failed_alert(st, inc, reason, now) < 0 ||
        secresponse_on_run(st, inc->incident_id, "failed", reason, now) < 0)
        return -EIO;
    return 0;
}

int incident_runs_claim(Store *st, int running, int64_t now, RunPlan *out)
{
    for (;;) {
        GlobalConfigRow g;
        char id[INCIDENT_ID_MAX + 1];
        if (category_repo_global_get(st, &g) < 0)
            return -EIO;
        if (running >= g.max_concurrent_resolutions)
            return 0;
        int r = incident_repo_next_queued(st, id, sizeof id);
        if (r <= 0)
            return r;
        RunPlan p;
        memset(&p, 0, sizeof p);
        ResolutionCategory cat = {0};
        char perr[200] = "";
        if (store_begin(st) < 0)
            return -EIO;
        if ((r = incident_repo_get(st, id, &p.inc)) <= 0) {
            store_rollback(st);
            return r < 0 ? -EIO : 0;
        }
        Decision d;
        if (incidents_decide(st, &p.inc, p.inc.forced, running, g.max_concurrent_resolutions, &cat,
                             &d) < 0)
            goto io_rb;
        if (d.verdict == DECISION_WAIT) {
            store_rollback(st);
            incident_runs_plan_free(&p);
            resolution_category_free(&cat);
            return 0;
        }
        int started = 0, ended = 0;
        if (d.verdict == DECISION_SKIP) {
            if (record_skip(st, &p.inc, &d, now) < 0)
                goto io_rb;
            ended = 1;
        } else if ((r = plan_steps(st, &p.inc, &cat, &p.pb, perr, sizeof perr)) < 0) {
            if (r == -EIO || record_bad_playbook(st, &p.inc, perr, now) < 0)
                goto io_rb;
            ended = 1;
        } else {
            if (incident_repo_start(st, id, p.pb.n, now, &p.run) < 0 ||
                secresponse_on_run(st, id, "resolving", NULL, now) < 0)
                goto io_rb;
            if (p.inc.service_id &&
                service_repo_name(st, p.inc.service_id, p.service, sizeof p.service) < 0)
                goto io_rb;
            p.cfg = cat.cfg;
            started = 1;
        }
        if (store_commit(st) < 0)
            goto io;
        resolution_category_free(&cat);
        if (ended)
            incidents_wake_all();
        if (started) {
            *out = p;
            return 1;
        }
        incident_runs_plan_free(&p);
        continue;
    io_rb:
        store_rollback(st);
    io:
        incident_runs_plan_free(&p);
        resolution_category_free(&cat);
        return -EIO;
    }
}

int incident_runs_gate(Store *st, const char *category, char *reason, size_t size)
{
    GlobalConfigRow g;
    ResolutionCategory cat;
    if (category_repo_global_get(st, &g) < 0 || resolution_category_get(st, category, &cat) < 0)
        return -EIO;
    DecisionInput in = {
        .global_enabled = g.global_enabled, .status = "open", .category = category,
        .category_config = cat.configured ? &cat.cfg : NULL, .confidence = 1.0, .forced = 1,
    };
    Decision d;
    decision_can_auto_resolve(&in, &d);
    resolution_category_free(&cat);
    if (d.verdict == DECISION_SKIP) {
        strlcpy_(reason, d.reason, size);
        return 1;
    }
    return 0;
}

/* ---- steps that run in the domain ------------------------------------------------- */

/* The service an internal step acts on: its own, else the incident's. */
static int64_t step_service(const RunPlan *p, const PlaybookStep *step, StepOutcome *o)
{
    int64_t sid = step->service_id ? step->service_id : p->inc.service_id;
    if (!sid)
        snprintf(o->error, sizeof o->error,
                 "No service to act on (the incident has no service_id)");
    return sid;
}

static int exec_noop(Store *st, const RunPlan *p, const PlaybookStep *step, int64_t now,
                     StepOutcome *o)
{
    (void)st, (void)p, (void)step, (void)now;
    o->ok = 1;
    o->code = 0;
    return 0;
}

static int exec_set_status(Store *st, const RunPlan *p, const PlaybookStep *step, int64_t now,
                           StepOutcome *o)
{
    int64_t sid = step_service(p, step, o);
    if (!sid)
        return 0;
    char why[200], err[160];
    snprintf(why, sizeof why, "Auto-resolution of incident %s", p->inc.incident_id);
    int r = services_set_status(st, sid, step->status, SET_BY_USER, AUDIT_SYSTEM_USER, why, now,
                                err, sizeof err);
    if (r == -EIO)
        return -EIO;
    if (r < 0) {
        snprintf(o->error, sizeof o->error, "Service %lld: %s", (long long)sid, err);
        return 0;
    }
    o->ok = 1;
    o->code = 0;
    o->output = xasprintf("service %lld marked %s", (long long)sid, status_name(step->status));
    return 0;
}

/* Only alerts whose condition has cleared; the rest stay for a human
 * (issue 9 B7), and the ack says a playbook did it. */
static int exec_ack_alerts(Store *st, const RunPlan *p, const PlaybookStep *step, int64_t now,
                           StepOutcome *o)
{
    int64_t sid = step_service(p, step, o);
    if (!sid)
        return 0;
    int64_t *ids;
    int active = 0;
    int n = incident_repo_cleared_alert_ids(st, sid, &ids, &active);
    if (n < 0)
        return -EIO;
    char by[INCIDENT_ID_MAX + 16], err[160];
    snprintf(by, sizeof by, "playbook:%s", p->inc.incident_id);
    int acked = 0;
    for (int i = 0; i < n; i++) {
        int r = alerts_ack(st, ids[i], 1, AUDIT_SYSTEM_USER, by, now, err, sizeof err);
        if (r == -EIO) {
            free(ids);
            return -EIO;
        }
        acked += r == 0;
    }
    free(ids);
    o->ok = 1;
    o->code = 0;
    o->output = xasprintf("%d cleared alert%s of service %lld acknowledged as %s; %d still "
                          "active, left for a human",
                          acked, acked == 1 ? "" : "s", (long long)sid, by, active);
    return 0;
}

/* One row per step kind that runs in the domain (playbook.h). */
typedef struct InternalExec {
    StepKind kind;
    int    (*run)(Store *st, const RunPlan *p, const PlaybookStep *step, int64_t now,
                  StepOutcome *o);
} InternalExec;

static const InternalExec internal_execs[] = {
    {STEP_NOOP, exec_noop},
    {STEP_SET_STATUS, exec_set_status},
    {STEP_ACK_ALERTS, exec_ack_alerts},
};

static const InternalExec *internal_find(StepKind k)
{
    for (size_t i = 0; i < sizeof internal_execs / sizeof internal_execs[0]; i++)
        if (internal_execs[i].kind == k)
            return &internal_execs[i];
    return NULL;
}

int incident_runs_executes(StepKind k)
{
    return internal_find(k) != NULL;
}

int incident_runs_exec_internal(Store *st, const RunPlan *p, const PlaybookStep *step,
                                int64_t now, StepOutcome *o)
{
    memset(o, 0, sizeof *o);
    o->code = -1;
    const InternalExec *x = internal_find(step->kind);
    if (!x) {
        o->permanent = 1;
        snprintf(o->error, sizeof o->error, "no executor for %s steps in the domain",
                 playbook_kind_name(step->kind));
        return 0;
    }
    return x->run(st, p, step, now, o);
}

int incident_runs_record_step(Store *st, const RunPlan *p, int step_index, const char *step_id,
                              int attempt, int64_t executed_at, const StepOutcome *o,
                              int64_t now)
{
    const PlaybookStep *s = &p->pb.steps[step_index];
    PlaybookRunRow row = {
        .run = p->run, .step_index = step_index, .attempt = attempt,
        .description = s->description, .action = s->action, .executed_at = executed_at,
        .success = o->ok ? 1 : 0, .error_message = o->ok ? NULL : (char *)o->error,
        .output = o->output, .duration_ms = o->duration_ms,
    };
    strlcpy_(row.incident_id, p->inc.incident_id, sizeof row.incident_id);
    strlcpy_(row.step_id, step_id, sizeof row.step_id);
    cJSON *det = cJSON_CreateObject();
    cJSON_AddNumberToObject(det, "run", p->run);
    cJSON_AddNumberToObject(det, "step", step_index + 1);
    cJSON_AddNumberToObject(det, "steps_total", p->pb.n);
    cJSON_AddStringToObject(det, "step_id", step_id);
    cJSON_AddStringToObject(det, "action", s->action);
    cJSON_AddStringToObject(det, "description", s->description);
    cJSON_AddStringToObject(det, "type", playbook_kind_name(s->kind));
    cJSON_AddNumberToObject(det, "attempt", attempt);
    cJSON_AddNumberToObject(det, "duration_ms", o->duration_ms);
    const char *code_field = playbook_kind_code_field(s->kind);   /* exit_code, http_status */
    if (code_field)
        cJSON_AddNumberToObject(det, code_field, o->code);
    if (o->timed_out)
        cJSON_AddBoolToObject(det, "timed_out", 1);
    if (o->output)
        cJSON_AddStringToObject(det, "output", o->output);
    if (store_begin(st) < 0) {
        cJSON_Delete(det);
        return -EIO;
    }
    if (playbook_repo_add(st, &row) < 0 ||
        incidents_audit(st, p->inc.incident_id, "step_executed", "system", &p->inc.confidence, det,
                        o->ok, o->ok ? NULL : o->error, now) < 0 ||
        (o->ok && incident_repo_set_steps_done(st, p->inc.incident_id, step_index + 1, now) < 0)) {
        store_rollback(st);
        return -EIO;
    }
    return store_commit(st) < 0 ? -EIO : 0;
}

int incident_runs_record_retry(Store *st, const RunPlan *p, int step_index, int next_attempt,
                               int64_t delay_ms, const char *previous_error, int64_t now)
{
    const PlaybookStep *s = &p->pb.steps[step_index];
    cJSON *det = cJSON_CreateObject();
    cJSON_AddNumberToObject(det, "run", p->run);
    cJSON_AddNumberToObject(det, "step", step_index + 1);
    cJSON_AddStringToObject(det, "action", s->action);
    cJSON_AddNumberToObject(det, "attempt", next_attempt);
    cJSON_AddNumberToObject(det, "max_retry_attempts", p->cfg.max_retry_attempts);
    cJSON_AddNumberToObject(det, "delay_ms", (double)delay_ms);
    return incidents_audit(st, p->inc.incident_id, "step_retry", "system", &p->inc.confidence, det,
                           0, previous_error, now);
}

static cJSON *steps_json(const PlaybookRunRow *rows, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        char t[32];
        util_iso8601(rows[i].executed_at, t, sizeof t);
        cJSON_AddStringToObject(o, "step_id", rows[i].step_id);
        cJSON_AddStringToObject(o, "description", rows[i].description ? rows[i].description : "");
        cJSON_AddStringToObject(o, "action", rows[i].action ? rows[i].action : "");
        cJSON_AddStringToObject(o, "executed_at", t);
        cJSON_AddBoolToObject(o, "success", rows[i].success == 1);
        if (rows[i].error_message)
            cJSON_AddStringToObject(o, "error_message", rows[i].error_message);
        else
            cJSON_AddNullToObject(o, "error_message");
        cJSON_AddNumberToObject(o, "attempts", rows[i].attempt);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

/* The creator (and the configured recipients) through the outbox. */
static int notify_creator(Store *st, const RunPlan *p, int nsteps, int64_t now)
{
    GlobalConfigRow g;
    if (category_repo_global_get(st, &g) < 0)
        return -EIO;
    const char *creator = p->inc.created_by && *p->inc.created_by ? p->inc.created_by : "system";
    cJSON *extra = cJSON_Parse(g.notification_recipients);
    StrBuf who = {0};
    strbuf_append(&who, creator);
    const cJSON *e;
    cJSON_ArrayForEach(e, extra) {
        if (cJSON_IsString(e))
            strbuf_appendf(&who, ", %s", e->valuestring);
    }
    char *msg = xasprintf("Incident %s (%s) was auto-resolved in %d step%s; notifying %s",
                          p->inc.incident_id, p->inc.title, nsteps, nsteps == 1 ? "" : "s", who.s);
    strbuf_free(&who);
    NotifyEvent ev = {
        .source = "incident", .id = p->inc.rowid, .event = "resolved",
        .service_id = p->inc.service_id, .service = p->service[0] ? p->service : NULL,
        .type = "auto_resolution", .severity = "Info", .message = msg, .ts = now,
    };
    int r = notify_event(st, &ev, now) < 0 ? -EIO : 0;
    free(msg);
    for (int i = -1; r == 0; i++) {
        const char *to = creator;
        if (i >= 0) {
            const cJSON *x = cJSON_GetArrayItem(extra, i);
            if (!x)
                break;
            if (!cJSON_IsString(x))
                continue;
            to = x->valuestring;
        }
        cJSON *det = cJSON_CreateObject();
        cJSON_AddStringToObject(det, "recipient", to);
        cJSON_AddStringToObject(det, "notification_type", "auto_resolution");
        r = incidents_audit(st, p->inc.incident_id, "notification_sent", "system", NULL, det, 1,
                            NULL, now);
    }
    cJSON_Delete(extra);
    return r;
}

int incident_runs_finish_resolved(Store *st, const RunPlan *p, int64_t now)
{
    PlaybookRunRow *rows = NULL;
    int n = 0;
    if (store_begin(st) < 0)
        return -EIO;
    n = playbook_repo_last_attempts(st, p->inc.incident_id, p->run, &rows);
    if (n < 0)
        goto io_rb;
    cJSON *det = incidents_message("Incident auto-resolved successfully");
    cJSON_AddItemToObject(det, "resolution_steps", steps_json(rows, n));
    cJSON_AddNumberToObject(det, "step_count", n);
    if (incident_repo_finish(st, p->inc.incident_id, "resolved", "auto_resolved", NULL, now, 1,
                             now) < 0 ||
        incidents_audit(st, p->inc.incident_id, "auto_resolution_success", "system",
                        &p->inc.confidence, det, 1, NULL, now) < 0 ||
        secresponse_on_run(st, p->inc.incident_id, "resolved", NULL, now) < 0 ||
        (p->cfg.notification_required && notify_creator(st, p, n, now) < 0) ||
        incidents_clear_failed_alert(st, &p->inc, now) < 0)
        goto io_rb;
    playbook_rows_free(rows, n);
    if (store_commit(st) < 0)
        return -EIO;
    incidents_wake_all();
    return 0;
io_rb:
    store_rollback(st);
    playbook_rows_free(rows, n > 0 ? n : 0);
    return -EIO;
}

int incident_runs_finish_failed(Store *st, const RunPlan *p, const char *reason, int64_t now)
{
    char error[600];
    snprintf(error, sizeof error, "Failed to auto-resolve incident: %s", reason);
    cJSON *det = incidents_message("Auto-resolution failed");
    cJSON_AddNumberToObject(det, "run", p->run);
    cJSON_AddNumberToObject(det, "steps_completed", p->inc.steps_done);
    if (store_begin(st) < 0) {
        cJSON_Delete(det);
        return -EIO;
    }
    int r = incident_repo_finish(st, p->inc.incident_id, "failed", "open", reason, 0, 0, now);
    if (r == 0)
        r = incidents_audit(st, p->inc.incident_id, "auto_resolution_failed", "system",
                            &p->inc.confidence, det, 0, error, now);
    else
        cJSON_Delete(det);
    if (r == 0)
        r = raise_failed_alert(st, &p->inc, reason, now);
    if (r == 0)
        r = secresponse_on_run(st, p->inc.incident_id, "failed", reason, now);
    if (r < 0) {
        store_rollback(st);
        return -EIO;
    }
    if (store_commit(st) < 0)
        return -EIO;
    incidents_wake_all();
    return 0;
}

/* End a run that leaves the incident open (state, why) with its one audit
 * entry, in one transaction, then wake the waiters. Takes det. */
static int finish_open(Store *st, const RunPlan *p, const char *state, const char *why,
                       const char *action, cJSON *det, int success, const char *error,
                       int64_t now)
{
    if (store_begin(st) < 0) {
        cJSON_Delete(det);
        return -EIO;
    }
    if (incident_repo_finish(st, p->inc.incident_id, state, "open", why, 0, 0, now) < 0) {
        cJSON_Delete(det);
        store_rollback(st);
        return -EIO;
    }
    if (incidents_audit(st, p->inc.incident_id, action, "system", &p->inc.confidence, det, success,
                        error, now) < 0 ||
        secresponse_on_run(st, p->inc.incident_id, state, why, now) < 0) {
        store_rollback(st);
        return -EIO;
    }
    if (store_commit(st) < 0)
        return -EIO;
    incidents_wake_all();
    return 0;
}

int incident_runs_finish_no_action(Store *st, const RunPlan *p, int64_t now)
{
    char why[300];
    snprintf(why, sizeof why, "No action taken: the %s playbook has no step that acts",
             p->inc.category);
    cJSON *det = incidents_message(why);
    cJSON_AddNumberToObject(det, "run", p->run);
    cJSON_AddNumberToObject(det, "steps_recorded", p->pb.n);
    return finish_open(st, p, "no_action", why, "auto_resolution_no_action", det, 0, why, now);
}

int incident_runs_finish_stopped(Store *st, const RunPlan *p, int before_step,
                                 const char *reason, int64_t now)
{
    char why[400];
    snprintf(why, sizeof why, "%s (stopped before step %d of %d)", reason, before_step, p->pb.n);
    cJSON *det = incidents_message("Auto-resolution skipped");
    cJSON_AddStringToObject(det, "reason", reason);
    cJSON_AddNumberToObject(det, "stopped_before_step", before_step);
    cJSON_AddNumberToObject(det, "steps_completed", before_step - 1);
    return finish_open(st, p, "skipped", why, "auto_resolution_skipped", det, 1, NULL, now);
}

typedef struct IdList {
    char  **ids;
    double *conf;
    int     n;
} IdList;

static int collect(void *ctx, const IncidentRec *r)
{
    IdList *l = ctx;
    l->ids = xrealloc(l->ids, (size_t)(l->n + 1) * sizeof *l->ids);
    l->conf = xrealloc(l->conf, (size_t)(l->n + 1) * sizeof *l->conf);
    l->ids[l->n] = xstrdup(r->incident_id);
    l->conf[l->n++] = r->confidence;
    return 0;
}

int incident_runs_recover(Store *st, int64_t now)
{
    IdList l = {0};
    int r = -EIO;
    if (store_begin(st) < 0)
        return -EIO;
    if (incident_repo_each(st, "resolving", 1000000, 0, collect, &l) < 0 ||
        incident_repo_requeue_resolving(st, now) < 0)
        goto out;
    for (int i = 0; i < l.n; i++)
        if (incidents_audit(st, l.ids[i], "auto_resolution_attempted", "system", &l.conf[i],
                            incidents_message("Resumed after restart: the interrupted run starts "
                                              "again"),
                            1, NULL, now) < 0)
            goto out;
    r = store_commit(st) < 0 ? -EIO : l.n;
out:
    if (r < 0)
        store_rollback(st);
    for (int i = 0; i < l.n; i++)
        free(l.ids[i]);
    free(l.ids);
    free(l.conf);
    return r;
}
