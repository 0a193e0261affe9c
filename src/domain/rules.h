/* rules — the pure cores of seed 000: risk score, service status, SLA.
 *
 * No I/O, no allocation, no clock: every input is in the arguments, so the
 * table-driven tests in tests/unit/test_rules.c pin each rule of seed 000
 * §3.2 and of ../shared/seed-notes.md. Thread: any.
 */
#ifndef RESOPS_DOMAIN_RULES_H
#define RESOPS_DOMAIN_RULES_H

#include <stdint.h>
#include "model/alert.h"     /* AlertSeverity */
#include "model/service.h"   /* ServiceStatus, RiskLevel */

/* ---- service status --------------------------------------------------- */

const char *status_name(ServiceStatus s);          /* "Up", "Down", ... */
/* Parse "Up"/"Down"/"Degraded"/"Unknown", case-insensitively; 0 or -EINVAL. */
int status_parse(const char *s, ServiceStatus *out);

typedef struct StatusRules {
    int down_after;           /* consecutive failures that mean Down */
    int degraded_window;      /* a failure among the last N means Degraded */
    int slow_ms;              /* a success slower than this means Degraded */
    int heartbeat_degraded_s; /* seed 000: 5 minutes */
    int heartbeat_down_s;     /* seed 000: 10 minutes */
} StatusRules;

extern const StatusRules status_rules_default;

/* A probed service: fold one result into its history (fail_streak, and
 * the bitmask `recent`, bit 0 = this probe failed) and return the status. */
ServiceStatus status_from_probe(int *fail_streak, uint64_t *recent, int ok,
                                int latency_ms, const StatusRules *r);

/* A heartbeat service (no probe): no report yet → Unknown; silent longer
 * than heartbeat_down_s → Down; longer than heartbeat_degraded_s → the
 * worse of the reported status and Degraded; else the reported status. */
ServiceStatus status_from_heartbeat(int has_report, ServiceStatus reported,
                                    int64_t age_s, const StatusRules *r);

/* ---- risk (seed 000 §3.2) --------------------------------------------- */

typedef struct RiskInput {
    ServiceStatus status;
    int         has_bia;        /* no BIA: BIA rules are skipped (seed bug) */
    const char *criticality;    /* may be NULL */
    const char *impact;         /* may be NULL */
    int         has_rto, rto;   /* minutes; has_* = 0 when NULL */
    int         has_rpo, rpo;
    int64_t     recent_downtime_min; /* downtimes started in the last 7 days */
    const char *const *deps_down;    /* names of dependencies that are Down */
    int         n_deps_down;
    int         integrations;
} RiskInput;

typedef struct RiskResult {
    int       score;         /* 0..100 */
    RiskLevel level;
    int       is_critical;
    char      reason[1024];  /* ", "-joined; truncated with "..." if huge */
} RiskResult;

void        risk_score(const RiskInput *in, RiskResult *out);
RiskLevel   risk_level_of(int score);
const char *risk_level_name(RiskLevel l);            /* "Low", ... */
int         risk_level_parse(const char *s, RiskLevel *out); /* exact */

/* ---- SLA --------------------------------------------------------------- */

/* Whole minutes of a downtime, truncated; an open one runs to now. */
int64_t sla_downtime_minutes(int64_t start, int64_t end, int64_t now);
/* A breach is strictly over the threshold (exactly at RTO is not). */
int     sla_breached(int64_t minutes, int has_threshold, int threshold);

/* ---- alerts ------------------------------------------------------------- */

const char *severity_name(AlertSeverity s);          /* "Info", ... */
int         severity_parse(const char *s, AlertSeverity *out);

/* Seed 000: Critical for Down, Warning for Degraded/Unknown, Info for Up. */
AlertSeverity status_alert_severity(ServiceStatus s);

#endif
