/* model/incident — plain value types of seed 001's incidents as readers
 * see them: the list row, the progress of its run and steps, and the
 * auto-resolution audit trail (table incident_audit).
 *
 * Types and constants only. Thread: any.
 */
#ifndef RESOPS_MODEL_INCIDENT_H
#define RESOPS_MODEL_INCIDENT_H

#include <stdint.h>

#define INCIDENT_ID_MAX 128      /* bytes of an incident_id */
/* incident_id of system-wide audit entries (kill switch, config) */
#define INCIDENT_AUDIT_SYSTEM "SYSTEM"

typedef struct IncidentViewRow {
    char    incident_id[64];
    char    title[160];
    char    category[24];
    char    priority[12];
    char    status[16];
    char    state[12];               /* open resolving resolved failed skipped */
    char    state_reason[160];
    double  confidence;
    char    created_by[81];
    int64_t created_at, updated_at, resolved_at;
    int     auto_resolved;
    int64_t service_id;              /* 0 = none */
} IncidentViewRow;

/* Progress of one incident's newest run. */
typedef struct IncidentProgress {
    char    incident_id[64];
    int     run, steps_total, steps_done, forced;
    int64_t queued_at, started_at;
    char    current_step[48];      /* action of the newest step of the run, "" none */
    int     current_attempt;
} IncidentProgress;

/* The last attempt of one step of an incident's newest run. */
typedef struct IncidentStepView {
    char    incident_id[64];
    int     step_index, attempt;        /* step 0-based */
    char    action[48], description[96];
    int     success;                    /* 1, 0, -1 NULL */
    char    error[120];
    int64_t executed_at;
    int     duration_ms;
} IncidentStepView;

/* One auto-resolution decision, step, notification or config change. */
typedef struct IncidentAuditRow {
    char    audit_id[40];        /* UUID v4 text */
    char    incident_id[64];
    char    action[48];
    int64_t timestamp;
    char    actor[321];
    int     has_confidence;
    double  confidence;
    char    details[512];        /* JSON object text */
    int     success;             /* 1, 0, or -1 when NULL */
    char    error_message[256];
} IncidentAuditRow;

#endif
