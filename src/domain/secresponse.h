/* secresponse — seed 003's response actions and escalations, run through
 * seed 001's resolution runner (the kill switch and the concurrency limit
 * apply): an action name maps to a configured playbook step (command argv
 * with ${target.ip}-style substitution, or an HTTP call); running one
 * records a sec_response row and its outcome. Escalation opens an
 * incident in category "security" whose playbook goes through
 * auto-resolution.
 *
 * CONTRACT (issue 12): shared by the API, the pipeline (escalation) and
 * the console's Security pane (R). Its owner may add to it.
 *
 * Thread: whoever owns the Store passed in.
 */
#ifndef RESOPS_DOMAIN_SECRESPONSE_H
#define RESOPS_DOMAIN_SECRESPONSE_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"
#include "store/secresp_repo.h"
#include "domain/playbook.h"

/* The configured action names (e.g. "block_ip", "disable_user"), for the
 * console's menu: a NULL-terminated static array. */
const char *const *secresponse_actions(void);

typedef struct SecResponseOut {
    int64_t id;            /* the sec_response row */
    char    state[12];     /* queued | running | success | failed | refused */
    char    incident_id[64];
} SecResponseOut;

/* Run action on alert_id's target (JSON object text) with parameters
 * (JSON object text or NULL). 0 with *out (the run goes on in the runner;
 * state "queued"), -ENOENT (alert), -EINVAL (unknown action, bad target:
 * err), -EAGAIN (kill switch or concurrency: refused, recorded, err says
 * which), -EIO. */
int secresponse_run(Store *st, const char *alert_id, const char *action, const char *target,
                    const char *parameters, const char *actor, int64_t now,
                    SecResponseOut *out, char *err, size_t errsz);

/* Open the "security" incident of an alert (S0 at or above the escalation
 * threshold, or an ESCALATE verdict) and record it on the alert; it goes
 * through seed 001's auto-resolution. The new incident's id in
 * incident_id. 0, -EEXIST (it has one: its id is copied), -ENOENT, -EIO. */
int secresponse_escalate(Store *st, const char *alert_id, int s0, const char *actor, int64_t now,
                         char *incident_id, size_t size);

/* ---- ours (wt-resp): configuration ------------------------------------------ */

/* The action catalog of this process (the runner resolves against it,
 * like the playbook file's actions: nothing written to the database can
 * make it run a command line the host's configuration did not give).
 * actions_json: the setting security.actions, a JSON object name -> step
 *   {"kind": "command", "argv": [...], "timeout_s": 10, "defaults": {...}}
 *   {"kind": "http", "url": "...", "method": "POST", "body": "..."}
 * ("type"/"timeout_ms"/"expect_exit"/"expect_status"/"headers"/
 * "description" as in playbook.h; "defaults" gives parameters their
 * value when a request leaves them out). Placeholders: ${target.NAME},
 * ${param.NAME}, ${alert.id}, ${response.id} and playbook.h's own.
 * "" or NULL = the default set: block_ip, disable_user, isolate_host
 * (commands dir/<name> with the target), plus webhook (http POST to
 * webhook_url) when webhook_url is set. escalation_action ("" none)
 * names the action an escalation runs on the alert's observables.
 * Validated whole: 0, or -EINVAL with err naming the action; on error the
 * catalog is unchanged. Call at start, before the runner and listener. */
int secresponse_configure(const char *actions_json, const char *dir, const char *webhook_url,
                          const char *escalation_action, char *err, size_t errsz);
/* 1 when name is a configured action. */
int secresponse_action_exists(const char *name);
/* "block_ip, disable_user, ..." into buf. */
void secresponse_action_names(char *buf, size_t size);

/* ---- ours: the runner's side (incident_runs.c) -------------------------------- */

/* The steps of a run that carries a response (its sec_response row names
 * this incident): the action's step with the row's values placed
 * (playbook_expand_as). 1 and *out, 0 not a response run, -EINVAL (the
 * action is no longer configured, or a value cannot be placed: err), -EIO. */
int secresponse_plan(Store *st, const char *incident_id, Playbook *out, char *err, size_t errsz);
/* The incident's run moved to state (incident states: resolving,
 * resolved, failed, skipped, no_action): its response row follows
 * (running, success, failed, refused), in the caller's transaction, with
 * the steps' outcome in details at the end. 0 (also when the incident
 * carries no response) or -EIO. */
int secresponse_on_run(Store *st, const char *incident_id, const char *state, const char *reason,
                       int64_t now);

/* ---- ours: the API's reads and writes ------------------------------------------ */

/* An alert's responses, oldest first. 0 with *out and *n (secresp_responses_free),
 * -ENOENT, -EIO. */
int secresponse_list(Store *st, const char *alert_id, SecResponseRow **out, int *n);
/* POST response-result: an outside system reports the outcome of an
 * action: a new row of state "reported", details {"status", "details"};
 * when details.action_id names a response of this alert (its id, a number
 * or "123"), the row takes that response's action name and incident.
 * Runner-owned rows are never changed by a report. Audited. 0 and *out,
 * -ENOENT, -EINVAL (err), -EIO. */
int secresponse_report(Store *st, const char *alert_id, const char *status,
                       const char *details_json, const char *actor, int64_t now,
                       SecResponseRow *out, char *err, size_t errsz);
/* ML agent output / aggregate / LLM result (kind "agent" | "aggregate" |
 * "llm"): one sec_ml_output row, body the request's JSON. 0 with *out_id,
 * -ENOENT, -EINVAL, -EIO. */
int secresponse_ml_output(Store *st, const char *alert_id, const char *kind, const char *agent,
                          int has_score, double score, const char *body, const char *actor,
                          int64_t now, int64_t *out_id, char *err, size_t errsz);
/* Tasks: title 1..500 characters; alert_id, when given, must exist
 * (-ENOENT); meta JSON object text or NULL. Audited. 0 with *out. */
int secresponse_task_create(Store *st, const char *title, const char *assignee,
                            const char *alert_id, const char *meta, const char *actor,
                            int64_t now, SecTaskRow *out, char *err, size_t errsz);
/* state NULL = keep (open | in_progress | done | cancelled, else
 * -EINVAL); set_assignee with assignee NULL clears it. 0 with *out,
 * -ENOENT (task), -EINVAL, -EIO. */
int secresponse_task_update(Store *st, int64_t id, const char *state, int set_assignee,
                            const char *assignee, const char *actor, int64_t now,
                            SecTaskRow *out, char *err, size_t errsz);
/* Mark an alert ready for export (export_ready_at = now), audited. 0,
 * -ENOENT, -EIO. */
int secresponse_export_ready(Store *st, const char *alert_id, const char *actor, int64_t now);

#endif
