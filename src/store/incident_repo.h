/* incident_repo — seed 001's incidents (table incident): the seed's fields,
 * our resolution state, the runner's queue (queued_at) and run counter;
 * plus the reads around them (the seed 001 audit listing with full
 * details, a service's open alerts, progress rows for the snapshot).
 *
 * States are our words (open, resolving, resolved, failed, skipped);
 * status is the seed's (open, in_progress, auto_resolved, ...). The
 * domain (src/domain/incidents.c) decides; this file only reads and
 * writes rows. Thread: the Store's owner.
 */
#ifndef RESOPS_STORE_INCIDENT_REPO_H
#define RESOPS_STORE_INCIDENT_REPO_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"
#include "model/incident.h"

typedef struct IncidentRec {
    char    incident_id[INCIDENT_ID_MAX + 1];
    char   *title, *description;         /* owned; description may be NULL */
    char    category[24], priority[16], status[24], state[12];
    char   *state_reason;                /* owned, may be NULL */
    double  confidence;
    char   *created_by;                  /* owned, may be NULL */
    int64_t created_at, updated_at, resolved_at, queued_at, started_at;
    int     auto_resolved;
    char   *tags;                        /* owned JSON array text */
    int64_t service_id;                  /* 0 = none */
    int     run, steps_total, steps_done, forced;
    char   *requested_by;                /* owned, may be NULL */
    int64_t rowid;                       /* SQLite's, for notification keys */
} IncidentRec;

void incident_rec_free(IncidentRec *r);   /* frees the owned strings */

/* 1 and *out (free with incident_rec_free), 0 not found, -EIO. */
int incident_repo_get(Store *st, const char *id, IncidentRec *out);

/* Insert, or update the seed's fields of an existing row (title,
 * description, category, priority, status, confidence, created_by, tags,
 * service_id; created_at is kept). now is updated_at (and created_at of a
 * new row). 0 or -EIO. */
int incident_repo_upsert(Store *st, const IncidentRec *in, int64_t now);
/* The same and the submission's outcome in one statement (issue 9: one
 * write per decision): state and state_reason from in; queued != 0 also
 * sets queued_at = now, forced and requested_by, else queued_at = NULL
 * and the last run's forced / requested_by stay. */
int incident_repo_upsert_decided(Store *st, const IncidentRec *in, int queued, int forced,
                                 const char *requested_by, int64_t now);

/* Queue for the runner: state open, queued_at now, the run's requester
 * and forced flag; the reason cleared. 0 or -EIO. */
int incident_repo_queue(Store *st, const char *id, int forced, const char *requested_by,
                        int64_t now);
/* Start a run: state resolving, status in_progress, not queued, run + 1,
 * steps_total, steps_done 0, started_at now. The new run number in
 * *out_run. 0 or -EIO. */
int incident_repo_start(Store *st, const char *id, int steps_total, int64_t now, int *out_run);
/* Final (or skipped) state: not queued, state, status (NULL = keep),
 * reason (may be NULL), resolved_at (0 = keep), auto_resolved (-1 = keep).
 * 0 or -EIO. */
int incident_repo_finish(Store *st, const char *id, const char *state, const char *status,
                         const char *reason, int64_t resolved_at, int auto_resolved, int64_t now);
int incident_repo_set_steps_done(Store *st, const char *id, int done, int64_t now);

/* The oldest queued incident (state open, queued_at set): 1 with the id,
 * 0 none, -EIO. */
int incident_repo_next_queued(Store *st, char *out_id, size_t size);
/* Incidents in a state: count or -EIO. */
int incident_repo_count_state(Store *st, const char *state);
/* Every resolving incident back to the queue (a restart): count or -EIO. */
int incident_repo_requeue_resolving(Store *st, int64_t now);
/* Incidents of a service created at or after since: count or -EIO. */
int incident_repo_count_for_service(Store *st, int64_t service_id, int64_t since);
/* Incidents of a service still open or resolving: count or -EIO. */
int incident_repo_count_active_for_service(Store *st, int64_t service_id);

/* Listing for GET /api/v1/incidents: newest first, state may be NULL.
 * fn gets a borrowed row (valid during the call); non-zero stops.
 * 0, fn's value, or -EIO. */
typedef int (*IncidentRowFn)(void *ctx, const IncidentRec *r);
int incident_repo_each(Store *st, const char *state, int limit, int offset, IncidentRowFn fn,
                       void *ctx);
/* The rows of that whole listing (state may be NULL): count or -EIO. */
int incident_repo_count_listed(Store *st, const char *state);

/* Progress of the newest incidents, in view_repo_incidents() order
 * (created_at DESC, rowid DESC), for the snapshot. */
int incident_repo_progress(Store *st, IncidentProgress *out, int max);

/* The last attempt of every step of the newest run of the newest
 * max_incidents incidents, by incident (view_repo_incidents() order) then
 * step, for the snapshot; *out malloc'd. count or -EIO. */
int incident_repo_step_views(Store *st, int max_incidents, IncidentStepView **out);

/* Ids of a service's unacknowledged alerts whose condition has cleared
 * (issue 9: resolved, or a StatusChange alert of a service that is Up
 * now); *out malloc'd (caller frees). count or -EIO. *out_active (may be
 * NULL) gets how many unacknowledged alerts are still active. */
int incident_repo_cleared_alert_ids(Store *st, int64_t service_id, int64_t **out,
                                    int *out_active);

/* Incident-level alerts (issue 9 B2; alert.service_id NULL,
 * alert.incident_id set). The unresolved one of (incident, type): 1 with
 * its id, 0 none, -EIO. */
int incident_repo_alert_find_open(Store *st, const char *incident_id, const char *type,
                                  int64_t *out_id);
/* A new one; its id or -EIO. */
int64_t incident_repo_alert_insert(Store *st, const char *incident_id, const char *type,
                                   const char *message, const char *severity, int64_t now);

/* The playbook settings of a service's probe: category (probe.playbook)
 * into cat ("" when none) and its confidence (-1 when NULL). 1 the service
 * has a probe, 0 none, -EIO. */
int incident_repo_probe_playbook(Store *st, int64_t service_id, char *cat, size_t size,
                                 double *out_confidence);
/* Set them (category NULL clears). 1 done, 0 no probe, -EIO. */
int incident_repo_set_probe_playbook(Store *st, int64_t service_id, const char *category,
                                     double confidence);

/* The seed 001 audit trail with full details: newest first, filters may
 * be NULL; limit < 0 = all. Borrowed strings, valid during fn. */
typedef struct IncidentAuditEntry {
    const char *audit_id, *incident_id, *action, *actor, *details, *error_message;
    int64_t     timestamp;
    int         has_confidence;
    double      confidence;
    int         success;         /* 1, 0, -1 NULL */
} IncidentAuditEntry;
typedef int (*IncidentAuditFn)(void *ctx, const IncidentAuditEntry *e);
int incident_repo_audit_each(Store *st, const char *incident_id, const char *action, int limit,
                             int offset, IncidentAuditFn fn, void *ctx);
/* The entries of that whole listing (either filter may be NULL): count
 * or -EIO. */
int incident_repo_audit_count(Store *st, const char *incident_id, const char *action);


#endif
