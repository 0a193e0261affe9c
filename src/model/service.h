/* model/service — plain value types of a service and the rows about it
 * that readers see: its status and risk level, its downtimes and SLA
 * breaches, its probe and integrations as the snapshot shows them.
 *
 * Types and constants only (no functions): the bottom floor beside
 * util/log, so a store, the domain, the snapshot and every wing can
 * share them. Thread: any.
 */
#ifndef RESOPS_MODEL_SERVICE_H
#define RESOPS_MODEL_SERVICE_H

#include <stdint.h>

/* Ordered by badness, so "worse of" is a max(). */
typedef enum {
    STATUS_UP = 0,
    STATUS_UNKNOWN = 1,
    STATUS_DEGRADED = 2,
    STATUS_DOWN = 3,
} ServiceStatus;

#define STATUS_COUNT 4

typedef enum { RISK_LOW = 0, RISK_MEDIUM = 1, RISK_HIGH = 2 } RiskLevel;

/* seed 000's Downtime table */
typedef struct DowntimeRow {
    int64_t id, service_id, start_time, end_time; /* end 0 = open */
    char    reason[1024];   /* 255 characters of UTF-8 */
} DowntimeRow;

/* seed 000's SLABreach table; unique per (service, type, start) */
typedef struct SlaRow {
    int64_t id, service_id;
    char    type[8];
    int64_t downtime_minutes, threshold_minutes;
    int64_t start_time, end_time, created_at;
    char    reason[256];
} SlaRow;

/* A service's probe and its last result. */
typedef struct ProbeViewRow {
    int64_t service_id;
    char    kind[8];                 /* http | tcp | cmd */
    char    target[160];
    int     timeout_ms, fail_streak;
    int     has_latency, last_latency_ms;
    char    last_error[160];
    int64_t last_checked;            /* 0 = never */
} ProbeViewRow;

/* A service's integrations, grouped. */
typedef struct IntegrationViewRow {
    int64_t service_id;
    int     count;
    char    types[120];              /* "Slack, PagerDuty", truncated */
} IntegrationViewRow;

#endif
