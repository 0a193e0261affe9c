/* services — the one write path for services and what belongs to them:
 * create, update, delete, status, probes, BIA, downtimes, integrations
 * and risk rows (seed 000's /api/services and /api/risk writes). Every
 * write validates, runs in one transaction and appends the audit entry
 * the seed names (action, entity, entity_id) with user_id = the caller.
 * Errors come back as -errno with the seed's message in err ("Service not
 * found", "Invalid dependency IDs: [3, 4]", ...): -EINVAL (400), -ENOENT
 * (404), -ENOTUNIQ (409), -EIO (500). The computed reads (health, uptime)
 * are service_health.h.
 *
 * Thread: whoever owns the Store.
 */
#ifndef RESOPS_DOMAIN_SERVICES_H
#define RESOPS_DOMAIN_SERVICES_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"
#include "domain/rules.h"

/* Limits on what a caller may store (issue 9, B10): characters are
 * Unicode code points, not bytes. */
#define SERVICE_NAME_MAX        100
#define SERVICE_DESCRIPTION_MAX 2000
#define SERVICES_CLOCK_SKEW_S   60     /* a client's clock may run this far ahead */
#define SERVICE_DOWNTIME_REASON_MAX    255   /* seed: String(255) */
#define SERVICE_INTEGRATION_TYPE_MAX   50    /* seed: String(50) */
#define SERVICE_INTEGRATION_CONFIG_MAX 8000  /* the config, as JSON text */
#define SERVICE_RISK_REASON_MAX        2000  /* a manual risk row's reason */

typedef struct ServiceInput {
    const char *name, *description;
    int         has_bia;               /* any BIA field given */
    const char *criticality, *impact;
    int         has_rto, rto, has_rpo, rpo;
    int         signed_off;
    const int64_t *deps;
    int         ndeps, has_deps;
    int64_t     created_at;            /* since when the service exists; 0 = now */
    const char *runbook_url;           /* issue 11: NULL = none (runbook.h) */
} ServiceInput;

/* Seed 000 POST /api/services. Audits "Service Created". The name is
 * stored without surrounding spaces and must be unique (compared
 * case-insensitively): -ENOTUNIQ (409) "A service named 'X' already exists (id
 * N)". Text fields are checked with services_check_text(), criticality
 * and impact with services_canon_*() (stored in their canonical
 * spelling), dependencies with services_check_deps(). */
int services_create(Store *st, const ServiceInput *in, const char *created_by,
                    int64_t user_id, int64_t now, int64_t *out_id, char *err, size_t errsz);

/* Set a service's status.
 *  - source SET_BY_USER (API/TUI, a playbook step, the demo seed): always
 *    audited "Status Updated" (entity "Status"), records a heartbeat;
 *  - SET_BY_ENGINE (the heartbeat judgement) and SET_BY_PROBE (a probe's
 *    result): only a change is written and audited.
 * A change raises the StatusChange alert; going Down opens a downtime
 * (reason given), leaving Down closes it; then the change's reactions run
 * in the same transaction (status_reactions.h: a probe's Down may open an
 * incident). Returns 1 changed, 0 unchanged, -ENOENT "Service not found",
 * -EIO. */
typedef enum { SET_BY_ENGINE = 0, SET_BY_USER = 1, SET_BY_PROBE = 2 } StatusSource;
int services_set_status(Store *st, int64_t service_id, ServiceStatus status, StatusSource src,
                        int64_t user_id, const char *reason, int64_t now,
                        char *err, size_t errsz);

/* Attach (or replace) the probe of a service: kind is a name of
 * domain/probe_kinds.h ("http" | "tcp" | "cmd"), checked with
 * probe_kind_validate. Audited "Probe Updated" (ours). -EINVAL on a bad
 * kind/target. */
int services_set_probe(Store *st, int64_t service_id, const char *kind, const char *target,
                       int timeout_ms, int expect_status, int64_t user_id, int64_t now,
                       char *err, size_t errsz);

/* Remove the probe: the service reports by heartbeat again. Audited
 * "Probe Removed" (ours). 1 removed, 0 it had none, -ENOENT, -EIO. */
int services_remove_probe(Store *st, int64_t service_id, int64_t user_id, int64_t now,
                          char *err, size_t errsz);

/* Check that every id in deps is a service: 1 all valid, 0 with err =
 * "Invalid dependency IDs: [3, 4]", -EIO. */
int services_check_deps(Store *st, const int64_t *deps, int n, char *err, size_t errsz);

/* Check name (when non-NULL: one line, not blank, at most
 * SERVICE_NAME_MAX characters) and description (multi-line, at most
 * SERVICE_DESCRIPTION_MAX characters). 0 or -EINVAL with err naming the
 * field. name is expected trimmed (util_trim_dup). */
int services_check_text(const char *name, const char *description, char *err, size_t errsz);

/* The canonical spelling of a BIA criticality (Low | Medium | High) or
 * impact (Low | Moderate | Medium | High | Severe), matched
 * case-insensitively; NULL in, NULL out. 0 and *out (static), or -EINVAL
 * with err naming the field and the allowed values. */
int services_canon_criticality(const char *in, const char **out, char *err, size_t errsz);
int services_canon_impact(const char *in, const char **out, char *err, size_t errsz);

/* Is name (trimmed) taken by a service other than except_id? 1 with err
 * "A service named 'X' already exists (id N)", 0 free, -EIO. */
int services_name_taken(Store *st, const char *name, int64_t except_id, char *err, size_t errsz);

/* A service's creation time (ours, B12): not in the future. 0 or
 * -EINVAL naming the field "created_at". */
int services_check_created(int64_t created_at, int64_t now, char *err, size_t errsz);

/* A service may not depend on itself: 0, or -EINVAL with err naming the
 * field "dependencies". (Longer cycles are allowed, as in seed 000.) */
int services_check_self_dep(int64_t id, const int64_t *deps, int n, char *err, size_t errsz);

/* ---- updates, deletes and what belongs to a service ---- */

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
    int         has_runbook_url;  /* issue 11 (runbook.h); NULL or "" clears it */
    const char *runbook_url;
} ServicePatch;

/* Seed 000 PUT /api/services: name/description and, when given, BIA
 * fields (merged into the stored BIA, created if absent) and the
 * dependency list (replaced). Audits "Service Updated" / "Service". */
int services_update(Store *st, int64_t id, const ServicePatch *p, int64_t user_id, int64_t now,
                    char *err, size_t errsz);

/* Seed 000 DELETE /api/services: the service and everything that belongs
 * to it (BIA, status, downtimes, integrations, risks, alerts, breaches,
 * dependency edges either way). Audits "Service Deleted" / "Service". */
int services_delete(Store *st, int64_t id, int64_t user_id, int64_t now, char *err,
                    size_t errsz);

/* Seed 000 PUT /api/services/<id>/bia: create or merge the BIA; the
 * dependency list is replaced when given. Audits "BIA Updated" / "BIA". */
int services_bia_put(Store *st, int64_t service_id, const ServicePatch *p, int64_t user_id,
                     int64_t now, char *err, size_t errsz);

/* Seed 000 DELETE /api/services/<id>/bia: removes the BIA and unlinks the
 * service's dependency edges (never the services they point to).
 * -ENOENT "Service not found" | "No BIA found for this service". Audits
 * "BIA Deleted" / "BIA". */
int services_bia_delete(Store *st, int64_t service_id, int64_t user_id, int64_t now,
                        char *err, size_t errsz);

/* Seed 000 POST /api/services/<id>/downtime. end 0 = still open; reason
 * NULL → "Not specified". -EINVAL "End time cannot be before start time",
 * a start or end in the future (beyond SERVICES_CLOCK_SKEW_S), a start
 * before the service's created_at (when known: so no downtime lasts
 * longer than the service has existed), a reason that is not one line of
 * at most SERVICE_DOWNTIME_REASON_MAX characters. Audits "Downtime
 * Logged" / "Downtime" / service id. */
int services_downtime_log(Store *st, int64_t service_id, int64_t start, int64_t end,
                          const char *reason, int64_t user_id, int64_t now,
                          char *err, size_t errsz);

/* Seed 000 POST /api/services/integrations. config_json is a JSON object.
 * For type Slack (any case) with config.webhook_url, the seed's "New
 * Slack integration added" message is queued in the outbox in the same
 * transaction (delivered by the engine). Audits "Integration Added" /
 * "Integration" (ours: the seed writes none). A Slack webhook_url must
 * start with a prefix of notify.slack_webhook_prefixes (notify.h), else
 * -EINVAL naming 'config.webhook_url' and the allowed prefixes (S1). */
int services_integration_add(Store *st, int64_t service_id, const char *type,
                             const char *config_json, const char *created_by, int64_t user_id,
                             int64_t now, int64_t *out_id, char *err, size_t errsz);

/* Seed 000 POST /api/risk/<id>/save: score the service now (the engine's
 * own computation) and append it as an automated risk row. Audits
 * "Automated Risk Score Saved" / "Risk". */
int services_risk_save(Store *st, int64_t service_id, const char *created_by, int64_t user_id,
                       int64_t now, RiskResult *out, char *err, size_t errsz);

/* Seed 000 POST/PUT /api/risk/<id>/manual: append a manual risk row.
 * score 0..100, level Low|Medium|High and the one the score gives
 * (risk_level_of: the automated formula's thresholds); reason at most
 * SERVICE_RISK_REASON_MAX characters. reason NULL → "". Audits "Manual
 * Risk Score Added" (update = 0) or "Manual Risk Score Updated" (update =
 * 1) / "Risk". */
int services_risk_manual(Store *st, int64_t service_id, int score, const char *level,
                         const char *reason, int is_critical, int update,
                         const char *created_by, int64_t user_id, int64_t now,
                         char *err, size_t errsz);

#endif
