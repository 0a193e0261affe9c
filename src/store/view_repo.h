/* view_repo — read-only bulk reads that the snapshot needs beyond the
 * entity repositories: each service's probe state, its integrations, and
 * the incident list (seed 001). A handful of queries per snapshot, so the
 * cost stays linear in rows, never a query per service.
 * Thread: the Store's owner. */
#ifndef RESOPS_STORE_VIEW_REPO_H
#define RESOPS_STORE_VIEW_REPO_H

#include <stdint.h>
#include "store/db.h"

typedef struct ProbeViewRow {
    int64_t service_id;
    char    kind[8];                 /* http | tcp | cmd */
    char    target[160];
    int     timeout_ms, fail_streak;
    int     has_latency, last_latency_ms;
    char    last_error[160];
    int64_t last_checked;            /* 0 = never */
} ProbeViewRow;

/* Every probe, sorted by service id; *out malloc'd (caller frees).
 * count or -EIO. */
int view_repo_probes(Store *st, ProbeViewRow **out);

typedef struct IntegrationViewRow {
    int64_t service_id;
    int     count;
    char    types[120];              /* "Slack, PagerDuty", truncated */
} IntegrationViewRow;

/* Integrations grouped by service, sorted by service id; *out malloc'd.
 * count or -EIO. */
int view_repo_integrations(Store *st, IntegrationViewRow **out);

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

/* Newest first, up to max. count or -EIO. */
int view_repo_incidents(Store *st, IncidentViewRow *out, int max);

#endif
