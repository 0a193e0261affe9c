/* incident_runs — the runner's ledger of seed 001 auto-resolution: take
 * a queued incident (claim), check the switches before each step (gate),
 * run the steps that act through the domain (set_status, ack_alerts,
 * noop), record every attempt and retry, and end the run resolved,
 * no_action, failed or stopped; a restart queues interrupted runs again.
 * The incident's lifecycle (submit, retry, results) is incidents.h; the
 * steps that leave the process (command, http) are the engine's
 * (engine/steps.h).
 *
 * Every function writes in one short transaction of its own (so the write
 * lock is never held while a step runs) and appends the seed 001 audit
 * entries: auto_resolution_attempted, _skipped, _success, _failed,
 * notification_sent, and ours: step_executed, step_retry,
 * auto_resolution_no_action.
 *
 * Thread: the runner's dispatcher (claim, recover) and workers (the rest),
 * each with its own Store.
 */
#ifndef RESOPS_DOMAIN_INCIDENT_RUNS_H
#define RESOPS_DOMAIN_INCIDENT_RUNS_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"
#include "store/incident_repo.h"
#include "domain/decision.h"
#include "domain/playbook.h"

/* Bytes of a step's output kept in playbook_run and the audit. */
#define INCIDENT_RUNS_OUTPUT_MAX 2000

/* Everything a worker needs to run one incident. */
typedef struct RunPlan {
    IncidentRec    inc;
    CategoryConfig cfg;
    Playbook       pb;
    char           service[101];   /* the incident's service name, "" none */
    int            run;
} RunPlan;
void incident_runs_plan_free(RunPlan *p);

/* Take the oldest queued incident if fewer than the limit run (running =
 * how many this runner runs now). Decides again; a refusal is recorded
 * (skipped) and the next one tried. 1 with *out (a started run, owned),
 * 0 nothing to start (none queued, or at the limit), -EIO. */
int incident_runs_claim(Store *st, int running, int64_t now, RunPlan *out);

/* Before a step: 0 go on, 1 stop (reason = the kill switch's or the
 * disabled category's decision text), -EIO. */
int incident_runs_gate(Store *st, const char *category, char *reason, size_t size);

/* The outcome of one attempt of a step (filled by the executor). */
typedef struct StepOutcome {
    int   ok;
    int   code;             /* exit status, HTTP status, or -1 */
    int   timed_out;
    int   duration_ms;
    int   permanent;        /* failed in a way a retry cannot change */
    char  error[256];       /* "" when ok */
    char *output;           /* captured output, truncated; owned, may be NULL */
} StepOutcome;

/* Run a step whose kind runs in the domain (playbook_kind_runs_in() ==
 * STEP_RUNS_IN_DOMAIN: set_status, ack_alerts, noop) through the domain
 * (services_set_status, alerts_ack), by its row of internal_execs[]. Fills
 * *o (a kind without a row fails for good); -EIO only on a database
 * error. */
int incident_runs_exec_internal(Store *st, const RunPlan *p, const PlaybookStep *step,
                                int64_t now, StepOutcome *o);
/* 1 when incident_runs_exec_internal has a row for kind k (its table
 * internal_execs[]), else 0. */
int incident_runs_executes(StepKind k);

/* Record one attempt: playbook_run row, audit step_executed (details: step,
 * attempt, duration, code, output), steps_done. step_index is 0-based. */
int incident_runs_record_step(Store *st, const RunPlan *p, int step_index, const char *step_id,
                              int attempt, int64_t executed_at, const StepOutcome *o,
                              int64_t now);
/* Audit step_retry: attempt `next_attempt` of a step starts after delay_ms. */
int incident_runs_record_retry(Store *st, const RunPlan *p, int step_index, int next_attempt,
                               int64_t delay_ms, const char *previous_error, int64_t now);

/* Ends of a run. A run whose playbook has no step that acts
 * (playbook_acts) ends no_action, never resolved: status stays open, the
 * message says nothing was done, audited auto_resolution_no_action (ours).
 * A failed run raises a Critical AutoResolutionFailed alert: on the
 * incident's service, or an incident-level one (no service) otherwise. */
int incident_runs_finish_resolved(Store *st, const RunPlan *p, int64_t now);
int incident_runs_finish_no_action(Store *st, const RunPlan *p, int64_t now);
int incident_runs_finish_failed(Store *st, const RunPlan *p, const char *reason, int64_t now);
int incident_runs_finish_stopped(Store *st, const RunPlan *p, int before_step,
                                 const char *reason, int64_t now);

/* A restart: every incident left resolving goes back to the queue, audited
 * auto_resolution_attempted ("Resumed after restart"). count or -EIO. */
int incident_runs_recover(Store *st, int64_t now);

#endif
