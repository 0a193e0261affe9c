/* incidents — the one write path for seed 001's incidents, their
 * lifecycle: submit (store, audit, decide, queue), the console's retry and
 * "resolved by hand", what a submission came to, and the waiting for runs.
 * The runner's records of a run (claim, steps, ends) are incident_runs.h;
 * the rule that opens an incident when a probed service with a playbook
 * goes Down is a reaction of the status write path (status_reactions.h).
 *
 * Life of an incident (state, our words; status, the seed's):
 *   submit ── decision refuses ──> skipped (status unchanged; an incident
 *     │                             already auto_resolved / closed keeps
 *     │                             its state, only the audit records it)
 *     └─ decision passes ──> open + queued_at (waits for a runner slot)
 *   claim (runner, when fewer than max_concurrent_resolutions run):
 *     decision again (config may have changed) ── refuses ──> skipped
 *     └──> resolving / in_progress, run + 1
 *   before each step: kill switch or category disabled ──> skipped
 *   every step: retried up to max_retry_attempts ── still failing ──>
 *     failed (auto_resolution_failed, a human alert)
 *   all steps done ──> resolved / auto_resolved (auto_resolution_success,
 *     the creator notified through the outbox when the category says so)
 *     ... unless no step acts (noop only, the seed's defaults) ──> no_action
 *     (status stays open; auto_resolution_no_action; issue 9 B7)
 *   a failed run always raises a Critical AutoResolutionFailed alert: on
 *     the incident's service, else an incident-level one (issue 9 B2)
 *
 * Every function validates, writes in one transaction (joining the
 * caller's, store_begin nests) and appends the seed 001 audit entries
 * (table incident_audit): auto_resolution_attempted, _skipped, _success,
 * _failed, notification_sent, and ours: step_executed, step_retry,
 * auto_resolution_no_action, manually_resolved.
 *
 * Thread: whoever owns the Store passed in.
 */
#ifndef RESOPS_DOMAIN_INCIDENTS_H
#define RESOPS_DOMAIN_INCIDENTS_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"
#include "store/incident_repo.h"
#include "store/playbook_repo.h"
#include "domain/decision.h"
#include "domain/playbook.h"

/* Alert types raised for humans. */
#define ALERT_AUTO_RESOLUTION_FAILED "AutoResolutionFailed"
#define ALERT_AUTO_RESOLUTION_LIMIT  "AutoResolutionLimit"
#define ALERT_NO_PLAYBOOK            "NoPlaybook"
/* Confidence of incidents opened for a Down service whose probe has none. */
#define INCIDENTS_DOWN_CONFIDENCE 0.95

/* A submitted incident (seed 001's Incident); strings borrowed. */
typedef struct IncidentInput {
    const char *incident_id, *title, *description, *category, *priority;
    const char *status;           /* NULL = "open" */
    const char *created_by;
    double      confidence;
    const char *tags_json;        /* JSON array of strings; NULL = [] */
    int64_t     service_id;       /* ours; 0 = none */
} IncidentInput;

/* The seed's validation; 0 or -EINVAL with the message, e.g. "Invalid
 * category: x", "Confidence score must be between 0.0 and 1.0". */
int incidents_validate(const IncidentInput *in, char *err, size_t errsz);
/* What needs the database: the service named exists (D1). 0, -EINVAL
 * "Field 'service_id': no service with id 99999", -EIO. */
int incidents_check_refs(Store *st, const IncidentInput *in, char *err, size_t errsz);

typedef enum {
    SUBMIT_QUEUED = 0,    /* waits for the runner */
    SUBMIT_SKIPPED = 1,   /* refused now; reason says why */
    SUBMIT_BUSY = 2,      /* already queued or resolving: nothing written */
    SUBMIT_WOULD_QUEUE = 3, /* incidents_submit_nowait: the decision passes; nothing
                             * written */
} SubmitOutcome;

typedef struct SubmitResult {
    SubmitOutcome outcome;
    char          reason[200];
    int           run_before;     /* the incident's run number before this submission */
} SubmitResult;

/* Store the incident (insert or update), audit auto_resolution_attempted,
 * decide (checks 1-4) and queue it or record the skip (incidents_check_refs
 * first: an unknown service is -EINVAL, nothing written). requested_by is
 * who asked (user name, "engine"); forced waives the confidence check
 * (a human's "resolve now"). 0 and *out, -EINVAL (bad input: err), -EIO. */
int incidents_submit(Store *st, const IncidentInput *in, const char *requested_by, int forced,
                     int64_t now, SubmitResult *out, char *err, size_t errsz);
/* The same, except that a decision that passes queues nothing: the
 * outcome is SUBMIT_WOULD_QUEUE and nothing is written (the listener
 * answers refusals on its own thread and submits the others again where
 * a request may wait for its run). */
int incidents_submit_nowait(Store *st, const IncidentInput *in, const char *requested_by,
                            int forced, int64_t now, SubmitResult *out, char *err,
                            size_t errsz);

/* incidents_submit_nowait for one incident (not forced) from the API's
 * listener threads, with group commit: while one caller's transaction is
 * being written, the callers that arrive meanwhile wait, and the first of
 * them then submits all of theirs in one transaction on its own Store (one
 * commit, the shared pages written once). Every caller returns after the
 * commit that holds its rows; its result and errors as
 * incidents_submit_nowait (-EIO for all of a group whose transaction
 * failed). The strings of in must stay valid until it returns. */
int incidents_submit_grouped(Store *st, const IncidentInput *in, const char *requested_by,
                             int64_t now, SubmitResult *out, char *err, size_t errsz);

/* The submission turn of this process (incidents_submit takes it): a
 * caller that wraps several submissions in its own transaction takes it
 * first, before store_begin. Reentrant within a thread. */
void incidents_submit_lock(void);
void incidents_submit_unlock(void);

/* Submit an existing incident again (the console's retry, or with forced
 * its "resolve now"). -ENOENT "Incident not found". */
int incidents_retry(Store *st, const char *id, int forced, const char *actor, int64_t now,
                    SubmitResult *out, char *err, size_t errsz);

/* A human resolved it: state resolved, status manually_resolved, audited
 * (action manually_resolved, ours). -ENOENT, -EBUSY while resolving. */
int incidents_mark_resolved(Store *st, const char *id, const char *actor, int64_t now,
                            char *err, size_t errsz);

/* What a submission came to, for the API (seed 001's
 * IncidentResolutionResponse). done = 0 while it waits or runs. */
typedef struct IncidentResult {
    int             done, success;
    char            state[12];
    char            message[640];
    int64_t         resolved_at;
    PlaybookRunRow *steps;        /* last attempt per step of the run; owned */
    int             nsteps;
} IncidentResult;
/* 1 and *out (free with incidents_result_free), 0 not found, -EIO. Steps
 * are those of a run newer than run_before. */
int  incidents_result(Store *st, const char *id, int run_before, IncidentResult *out);
void incidents_result_free(IncidentResult *r);

/* Queued (waiting for the runner) or resolving: a submission now is
 * refused as already in progress, and the API waits for its end. */
int incidents_is_pending(const IncidentRec *r);

/* Whether a run of category would act (B7, for the console's "x" to say
 * so before asking): 1 its playbook has a step that acts, 0 its steps only
 * record (the run would end no_action), -EINVAL its playbook names an
 * action the playbook file does not define, -EIO. */
int incidents_playbook_acts(Store *st, const char *category);

/* ---- waking those who wait for a run --------------------------------------- */

/* The runner of this process registers itself: queued() is called after a
 * submission queued an incident (look now), active() says whether it runs
 * incidents (the engine) or idles (a viewer). NULL hooks: none. */
typedef struct IncidentsHooks {
    void (*queued)(void *ctx);
    int  (*active)(void *ctx);
    void *ctx;
} IncidentsHooks;
void incidents_set_hooks(const IncidentsHooks *h);
/* Tell the runner to look now (after a caller's own commit). */
void incidents_kick(void);
/* A counter that moves whenever a run of this process ends (any state)
 * or a queued incident is refused by the runner. */
uint64_t incidents_seq(void);
/* Wait until incidents_seq() differs from seen, at most timeout_ms: 1
 * moved, 0 timed out. Runs that end in another process (a viewer's API,
 * the engine elsewhere) do not move it: callers re-read the database at
 * each timeout; incidents_wait_fallback_ms() says how often. */
int incidents_wait(uint64_t seen, int timeout_ms);
/* 1000 ms while this process's runner is active (woken on every end; the
 * timeout is a safety net), 200 ms otherwise (polling another process). */
int incidents_wait_fallback_ms(void);

#endif
