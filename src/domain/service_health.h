/* service_health — the computed reads about one service: seed 000's GET
 * /api/services/<id>/health (status, BIA, latest downtime, risk, overall
 * health, 30-day uptime), and the pure helpers behind it and the downtime
 * list (Python-style duration text). Writes are services.h.
 *
 * Thread: whoever owns the Store; the pure helpers, any thread.
 */
#ifndef RESOPS_DOMAIN_SERVICE_HEALTH_H
#define RESOPS_DOMAIN_SERVICE_HEALTH_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"
#include "domain/rules.h"

/* Seed 000 GET /api/services/<id>/health. */
typedef struct HealthInfo {
    int64_t    service_id;
    char       name[401];        /* SERVICE_NAME_BUF */
    char       status[21];        /* "Unknown" when never set */
    int64_t    last_updated;      /* 0 = null */
    int        has_bia;
    char       criticality[21];
    int        has_criticality;
    int        has_rto, rto, has_rpo, rpo;
    int        has_downtime;      /* latest downtime */
    int64_t    downtime_start;
    char       downtime_reason[1024]; /* 255 characters of UTF-8 */
    int        has_downtime_reason;
    const char *overall_health;   /* Healthy | Degraded | Unhealthy */
    RiskResult risk;
    char       reason[1200];
    double     uptime_percentage; /* last 30 days, 2 decimals */
} HealthInfo;
/* 0, -ENOENT "Service not found", -EIO. */
int service_health_get(Store *st, int64_t service_id, int64_t now, HealthInfo *out,
                       char *err, size_t errsz);

/* ---- pure helpers (tested directly) ---- */

/* Seed 000's overall_health and its reason list (reason in/out). */
const char *service_health_overall(const char *status, RiskLevel level, char *reason,
                                   size_t reasonsz);
/* Python's str(timedelta) for whole seconds: "0:05:00", "1 day, 2:30:15",
 * "-1 day, 23:59:50". */
void service_health_format_duration(int64_t seconds, char *buf, size_t size);
/* Share (0..100, 2 decimals) of [now - window_s, now) not covered by any
 * of the intervals (end 0 = open, runs to now); overlaps count once. */
typedef struct TimeSpan {
    int64_t start, end;
} TimeSpan;
double service_health_uptime_pct(TimeSpan *spans, int n, int64_t now, int64_t window_s);

#endif
