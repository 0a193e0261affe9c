/* catalog — the rest of seed 000's write path for services (update,
 * delete, BIA, downtime, integrations, risk scores) and the computed reads
 * (health, downtime durations, uptime).
 *
 * Like services.h: every write validates, runs in one transaction and
 * appends the audit entry the seed names (action, entity, entity_id) with
 * user_id = the caller. Errors are -errno with the seed's message in err:
 * -EINVAL (400), -ENOENT (404), -EIO (500).
 *
 * Thread: whoever owns the Store.
 */
#ifndef RESOPS_DOMAIN_CATALOG_H
#define RESOPS_DOMAIN_CATALOG_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"
#include "domain/rules.h"
#include "domain/services.h"

/* Limits (characters, i.e. code points) and the clock skew a client may
 * have when it logs a downtime that just ended. */
#define CATALOG_REASON_MAX      255    /* downtime reason (seed: String(255)) */
#define CATALOG_TYPE_MAX        50     /* integration type (seed: String(50)) */
#define CATALOG_CONFIG_MAX      8000   /* integration config, as JSON text */
#define CATALOG_RISK_REASON_MAX 2000   /* manual risk reason */
#define CATALOG_CLOCK_SKEW_S    SERVICES_CLOCK_SKEW_S

/* A partial update: has_x = the field was given (a given NULL string
 * clears it). */
typedef struct ServicePatch {
    int         has_name, has_description;
    const char *name, *description;
    int         has_criticality, has_impact;
    const char *criticality, *impact;
    int         has_rto, rto_null, rto;
    int         has_rpo, rpo_null, rpo;
    int         has_signed_off, signed_off;
    int         has_deps;
    const int64_t *deps;
    int         ndeps;
    int         has_created_at;   /* ours (B12): since when the service exists */
    int64_t     created_at;
} ServicePatch;

/* Seed 000 PUT /api/services: name/description and, when given, BIA
 * fields (merged into the stored BIA, created if absent) and the
 * dependency list (replaced). Audits "Service Updated" / "Service". */
int catalog_service_update(Store *st, int64_t id, const ServicePatch *p, int64_t user_id,
                           int64_t now, char *err, size_t errsz);

/* Seed 000 DELETE /api/services: the service and everything that belongs
 * to it (BIA, status, downtimes, integrations, risks, alerts, breaches,
 * dependency edges either way). Audits "Service Deleted" / "Service". */
int catalog_service_delete(Store *st, int64_t id, int64_t user_id, int64_t now,
                           char *err, size_t errsz);

/* Seed 000 PUT /api/services/<id>/bia: create or merge the BIA; the
 * dependency list is replaced when given. Audits "BIA Updated" / "BIA". */
int catalog_bia_put(Store *st, int64_t service_id, const ServicePatch *p, int64_t user_id,
                    int64_t now, char *err, size_t errsz);

/* Seed 000 DELETE /api/services/<id>/bia: removes the BIA and unlinks the
 * service's dependency edges (never the services they point to).
 * -ENOENT "Service not found" | "No BIA found for this service". Audits
 * "BIA Deleted" / "BIA". */
int catalog_bia_delete(Store *st, int64_t service_id, int64_t user_id, int64_t now,
                       char *err, size_t errsz);

/* Seed 000 POST /api/services/<id>/downtime. end 0 = still open; reason
 * NULL → "Not specified". -EINVAL "End time cannot be before start time",
 * a start or end in the future (beyond CATALOG_CLOCK_SKEW_S), a start
 * before the service's created_at (when known: so no downtime lasts
 * longer than the service has existed),
 * a reason that is not one line of at most CATALOG_REASON_MAX characters.
 * Audits "Downtime Logged" / "Downtime" / service id. */
int catalog_downtime_log(Store *st, int64_t service_id, int64_t start, int64_t end,
                         const char *reason, int64_t user_id, int64_t now,
                         char *err, size_t errsz);

/* Seed 000 POST /api/services/integrations. config_json is a JSON object.
 * For type Slack (any case) with config.webhook_url, the seed's "New
 * Slack integration added" message is queued in the outbox in the same
 * transaction (delivered by the engine). Audits "Integration Added" /
 * "Integration" (ours: the seed writes none). A Slack webhook_url must
 * start with a prefix of notify.slack_webhook_prefixes (notify.h), else
 * -EINVAL naming 'config.webhook_url' and the allowed prefixes (S1). */
int catalog_integration_add(Store *st, int64_t service_id, const char *type,
                            const char *config_json, const char *created_by, int64_t user_id,
                            int64_t now, int64_t *out_id, char *err, size_t errsz);

/* Seed 000 POST /api/risk/<id>/save: score the service now (the engine's
 * own computation) and append it as an automated risk row. Audits
 * "Automated Risk Score Saved" / "Risk". */
int catalog_risk_save(Store *st, int64_t service_id, const char *created_by, int64_t user_id,
                      int64_t now, RiskResult *out, char *err, size_t errsz);

/* Seed 000 POST/PUT /api/risk/<id>/manual: append a manual risk row.
 * score 0..100, level Low|Medium|High and the one the score gives
 * (risk_level_of: the automated formula's thresholds); reason at
 * most CATALOG_RISK_REASON_MAX characters. reason NULL →
 * "". Audits "Manual Risk Score Added" (update = 0) or "Manual Risk Score
 * Updated" (update = 1) / "Risk". */
int catalog_risk_manual(Store *st, int64_t service_id, int score, const char *level,
                        const char *reason, int is_critical, int update,
                        const char *created_by, int64_t user_id, int64_t now,
                        char *err, size_t errsz);

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
int catalog_health(Store *st, int64_t service_id, int64_t now, HealthInfo *out,
                   char *err, size_t errsz);

/* ---- pure helpers (tested directly) ---- */

/* Seed 000's overall_health and its reason list (reason in/out). */
const char *catalog_overall_health(const char *status, RiskLevel level, char *reason,
                                   size_t reasonsz);
/* Python's str(timedelta) for whole seconds: "0:05:00", "1 day, 2:30:15",
 * "-1 day, 23:59:50". */
void catalog_format_duration(int64_t seconds, char *buf, size_t size);
/* Share (0..100, 2 decimals) of [now - window_s, now) not covered by any
 * of the intervals (end 0 = open, runs to now); overlaps count once. */
typedef struct TimeSpan {
    int64_t start, end;
} TimeSpan;
double catalog_uptime_pct(TimeSpan *spans, int n, int64_t now, int64_t window_s);

#endif
