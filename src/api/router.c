/* router — see router.h. The table is the API at a glance: seed 000's
 * per-endpoint roles (seed-notes "Seed 000") are the third column. */
#include "api/router.h"
#include "api/handlers.h"
#include "domain/users.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define BO  ROLE_BIT_BO
#define OA  ROLE_BIT_OA
#define ENG ROLE_BIT_ENG
#define ANY ROLES_SIGNED_IN
#define OA_ENG (ROLE_BIT_OA | ROLE_BIT_ENG)    /* who acks alerts, or an Engineer */
/* issue 12: the upload URL takes machine tokens' uploads and large bodies */
#define UPLOAD (ROUTE_INGEST | ROUTE_LARGE_BODY)
#define CACHED ROUTE_CACHED
#define SLOW ROUTE_SLOW
#define CPU ROUTE_UNSERIAL
#define ADMIN ROLE_BIT_ADMIN                   /* issue 12: admin routes (Admin only) */

static const ApiRoute routes[] = {
    /* method  path                                        roles           handler                         flags */
    /* meta (ours, h_meta.c) */
    {"GET",    "/api/healthz",                             ROLES_PUBLIC,   h_healthz,                      0},
    {"GET",    "/api/openapi.json",                        ROLES_PUBLIC,   h_openapi,                      0},
    /* seed 000 §2.1 auth (h_accounts.c) */
    {"POST",   "/api/auth/signup",                         ROLES_OPTIONAL, h_accounts_signup,              CPU},
    {"POST",   "/api/auth/login",                          ROLES_PUBLIC,   h_accounts_login,               CPU},
    {"POST",   "/api/auth/logout",                         ANY,            h_accounts_logout,              0},
    /* seed 000 §2.2 services */
    {"GET",    "/api/services",                            ANY,            h_services_list,                CACHED},
    {"POST",   "/api/services",                            BO,             h_services_create,              0},
    {"PUT",    "/api/services",                            BO,             h_services_update,              0},
    {"DELETE", "/api/services",                            BO,             h_services_delete,              0},
    {"POST",   "/api/services/{service_id}/status",        BO,             h_services_status,              0},
    {"PUT",    "/api/services/{service_id}/status",        BO,             h_services_status,              0},
    {"PUT",    "/api/services/{service_id}/bia",           BO,             h_services_bia_put,             0},
    {"DELETE", "/api/services/{service_id}/bia",           BO,             h_services_bia_delete,          0},
    {"POST",   "/api/services/{service_id}/downtime",      ANY,            h_services_downtime_post,       0},
    {"GET",    "/api/services/{service_id}/downtime",      ANY,            h_services_downtime_get,        0},
    {"GET",    "/api/services/{service_id}/downtime/{downtime_id}/timeline.md", ANY, h_timeline_downtime, 0},
    {"POST",   "/api/services/integrations",               ENG,            h_services_integrations_post,   0},
    {"GET",    "/api/services/integrations",               ENG,            h_services_integrations_get,    CACHED},
    {"GET",    "/api/services/dependencies",               ENG,            h_services_dependencies,        CACHED},
    {"GET",    "/api/services/{service_id}/health",        ANY,            h_services_health,              0},
    /* seed 000 §2.3 risk */
    {"GET",    "/api/risk/{service_id}",                   ANY,            h_risk_get,                     0},
    {"POST",   "/api/risk/{service_id}/save",              OA,             h_risk_save,                    0},
    {"POST",   "/api/risk/{service_id}/manual",            OA,             h_risk_manual,                  0},
    {"PUT",    "/api/risk/{service_id}/manual",            OA,             h_risk_manual,                  0},
    /* seed 000 §2.4 audit (h_meta.c), §2.5 alerts (h_alerts.c) */
    {"GET",    "/api/audit",                               ANY,            h_audit_list,                   0},
    {"GET",    "/api/alerts",                              ANY,            h_alerts_list,                  CACHED},
    {"PUT",    "/api/alerts",                              OA,             h_alerts_update,                0},
    {"GET",    "/api/alerts/sla_breaches",                 ANY,            h_alerts_sla_breaches,          CACHED},
    /* issue 11 item 4: silences and maintenance windows (h_silences.c) */
    {"GET",    "/api/silences",                            ANY,            h_silences_list,                0},
    {"POST",   "/api/silences",                            OA_ENG,         h_silences_create,              0},
    {"DELETE", "/api/silences/{silence_id}",               OA_ENG,         h_silences_delete,              0},
    /* seed 001 auto-resolution (h_incidents.c, h_resolution.c; /health in
     * h_meta.c): changing config and the kill switch needs Ops Analyst (or
     * Admin); GET /health is the seed's, public */
    {"GET",    "/health",                                  ROLES_PUBLIC,   h_health,                       0},
    {"POST",   "/api/v1/incidents/{incident_id}/auto-resolve", ANY,        h_incidents_auto_resolve,       SLOW},
    {"POST",   "/api/v1/incidents/batch-resolve",          ANY,            h_incidents_batch_resolve,      SLOW},
    {"GET",    "/api/v1/incidents",                        ANY,            h_incidents_list,               0},
    {"GET",    "/api/v1/incidents/{incident_id}",          ANY,            h_incidents_get,                0},
    {"GET",    "/api/v1/incidents/{incident_id}/timeline.md", ANY,         h_timeline_incident,            0},
    {"GET",    "/api/v1/config",                           ANY,            h_resolution_config_get,        0},
    {"PUT",    "/api/v1/config",                           OA,             h_resolution_config_put,        0},
    {"GET",    "/api/v1/config/category/{category}",       ANY,            h_resolution_category_get,      0},
    {"POST",   "/api/v1/config/kill-switch/activate",      OA,             h_resolution_kill_activate,     0},
    {"POST",   "/api/v1/config/kill-switch/deactivate",    OA,             h_resolution_kill_deactivate,   0},
    {"GET",    "/api/v1/audit",                            ANY,            h_resolution_audit_list,        0},
    {"GET",    "/api/v1/audit/incident/{incident_id}",     ANY,            h_resolution_audit_incident,    0},
    /* seed 004 at its root paths (h_accounts.c, h_metrics.c; the admin pair
     * checks x-admin-token itself) */
    {"POST",   "/register",                                ROLES_PUBLIC,   h_accounts_register,            CPU},
    {"POST",   "/login",                                   ROLES_PUBLIC,   h_accounts_login_bearer,        CPU},
    {"POST",   "/logout",                                  ANY,            h_accounts_logout,              0},
    {"GET",    "/summary",                                 ANY,            h_metrics_summary,              0},
    {"POST",   "/logs/analyze",                            ROLES_OPTIONAL, h_logs_analyze,                 CPU},
    {"GET",    "/metrics",                                 ANY,            h_metrics_list,                 0},
    {"GET",    "/metrics/history",                         ANY,            h_metrics_history,              0},
    {"GET",    "/alerts",                                  ANY,            h_metrics_alerts,               0},
    {"GET",    "/thresholds",                              ANY,            h_thresholds_get,               0},
    {"POST",   "/thresholds",                              ANY,            h_thresholds_post,              0},
    {"GET",    "/admin/thresholds",                        ROLES_PUBLIC,   h_thresholds_admin_get,         0},
    {"POST",   "/admin/thresholds",                        ROLES_PUBLIC,   h_thresholds_admin_post,        0},
    /* issue 12 (wt-resp), seed 003: response actions need Ops Analyst;
     * results and ML/LLM outputs come from pipelines (signed in, or a
     * machine token of scope ingest: an outside system that ran an action
     * reports its result); tasks: created by anyone signed in, changed by an
     * Ops Analyst or Engineer; admin: Admin (h_response.c) */
    {"POST",   "/api/response/{id}/response-action",       OA,             h_response_action,              0},
    {"POST",   "/api/response/{id}/response-result",       ANY,            h_response_result,              ROUTE_INGEST},
    {"GET",    "/api/response/{id}/responses",             ANY,            h_response_list,                0},
    {"POST",   "/api/ml/{id}/agent-output",                ANY,            h_ml_agent_output,              ROUTE_INGEST},
    {"POST",   "/api/ml/{id}/aggregate-score",             ANY,            h_ml_aggregate_score,           ROUTE_INGEST},
    {"POST",   "/api/llm/{id}/llm-result",                 ANY,            h_llm_result,                   ROUTE_INGEST},
    {"POST",   "/api/tasks",                               ANY,            h_tasks_create,                 0},
    {"GET",    "/api/tasks",                               ANY,            h_tasks_list,                   0},
    {"PATCH",  "/api/tasks/{task_id}",                     OA_ENG,         h_tasks_update,                 0},
    {"GET",    "/api/admin/export",                        ADMIN,          h_admin_export,                 0},
    {"POST",   "/api/admin/{id}/export-ready",             ADMIN,          h_admin_export_ready,           0},
    {"GET",    "/api/admin/healthz",                       ADMIN,          h_admin_healthz,                0},
    /* issue 12 item 8 and Swagger UI (h_prom.c, h_docs.c): the Prometheus
     * exposition, readable by any signed-in caller (a machine token of
     * scope "read" scrapes it); the docs are public */
    {"GET",    "/api/admin/metrics",                       ANY,            h_prom_metrics,                 0},
    {"GET",    "/api/docs/ui",                             ROLES_PUBLIC,   h_docs_ui,                      0},
    {"GET",    "/api/docs/ui/",                            ROLES_PUBLIC,   h_docs_ui,                      0},
    {"GET",    "/api/docs/ui/{file}",                      ROLES_PUBLIC,   h_docs_file,                    0},
    /* issue 12, seed 003 security alerts (h_security.c, wt-core): reads signed
     * in; verdicts, re-running normalization or triage Ops Analyst (they
     * store a decision; a machine token of scope ingest may re-run
     * normalization), thresholds Admin; ingestion routes also take
     * machine tokens of scope ingest; the upload URL's token is its own
     * credential (public) */
    {"POST",   "/api/ingestion/raw",                       ANY,            h_security_ingest_raw,          ROUTE_INGEST},
    {"GET",    "/api/ingestion/raw-url",                   ANY,            h_security_raw_url,             ROUTE_INGEST},
    {"PUT",    "/api/ingestion/upload/{token}",            ROLES_PUBLIC,   h_security_upload,              UPLOAD},
    {"GET",    "/api/objects/raw/{id}",                    ANY,            h_security_raw_get,             0},
    {"POST",   "/api/normalization/{id}/normalized",       ANY,            h_security_normalized,          ROUTE_INGEST},
    {"POST",   "/api/normalization/normalize/trigger/{id}", OA,            h_security_trigger,             ROUTE_INGEST},
    {"POST",   "/api/triage/{id}/score/triage",            OA,             h_security_triage,              0},
    {"POST",   "/api/verdicts/{id}/verdict",               OA,             h_security_verdict_post,        0},
    {"GET",    "/api/verdicts/{id}/verdicts",              ANY,            h_security_verdicts,            0},
    {"GET",    "/api/admin/config/thresholds",             ADMIN,          h_security_thresholds_get,      0},
    {"PATCH",  "/api/admin/config/thresholds",             ADMIN,          h_security_thresholds_patch,    0},
    {"GET",    "/api/security/alerts",                     ANY,            h_security_alerts_list,         0},
    {"GET",    "/api/security/alerts/{id}",                ANY,            h_security_alert_get,           0},
    /* issue 12: security alerts from collectors (h_ingest.c, wt-norm): signed
     * in or a machine token of scope ingest */
    {"POST",   "/api/ingest/alertmanager",                 ANY,            h_ingest_alertmanager,          UPLOAD},
    {"POST",   "/api/ingest/wazuh",                        ANY,            h_ingest_wazuh,                 UPLOAD},
    {"POST",   "/api/ingest/syslog",                       ANY,            h_ingest_syslog,                UPLOAD},
    {"POST",   "/api/ingest/generic",                      ANY,            h_ingest_generic,               UPLOAD},
    /* issue 12: seed 003 embeddings and similarity (h_embeddings.c, wt-vec):
     * reads signed in; a vector from a pipeline also with a machine token
     * of scope ingest; the index build and debug search Admin (CPU: not
     * under the listener's write lock) */
    {"POST",   "/api/embeddings/{id}/embedding",           ANY,            h_embeddings_put,               ROUTE_INGEST},
    {"GET",    "/api/embeddings/{id}/similar",             ANY,            h_embeddings_similar,           0},
    {"POST",   "/api/admin/embeddings/build-index",        ADMIN,          h_embeddings_build_index,       CPU},
    {"POST",   "/api/admin/embeddings/search",             ADMIN,          h_embeddings_search,            CPU},
    /* issue 12 item 2: machine tokens for collectors, Admin only (h_tokens.c) */
    {"POST",   "/api/admin/tokens",                        ADMIN,          h_tokens_create,                0},
    {"GET",    "/api/admin/tokens",                        ADMIN,          h_tokens_list,                  0},
    {"DELETE", "/api/admin/tokens/{token_name}",           ADMIN,          h_tokens_revoke,                0},
};

const ApiRoute *api_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}

/* "{name}" segments that hold text (seed 001's incident ids and
 * categories); every other "{name}" is a positive integer. */
static const char *const text_params[] = {"{incident_id}", "{category}",
                                          "{file}" /* issue 12: Swagger UI's files */,
                                           /* issue 12: seed 003 alert ids, upload tokens */
                                           "{id}", "{token}",
                                           "{token_name}" /* issue 12 item 2 */};

static int is_text_param(const char *p, const char *close)
{
    for (size_t i = 0; i < sizeof text_params / sizeof text_params[0]; i++)
        if (strlen(text_params[i]) == (size_t)(close - p + 1) &&
            strncmp(p, text_params[i], (size_t)(close - p + 1)) == 0)
            return 1;
    return 0;
}

/* Match path against pattern segment by segment; a text parameter's
 * segment (1..maxlen bytes) goes to text when not NULL. */
static int path_matches_up_to(const char *pattern, const char *path, int64_t *out_id,
                              char *text, size_t textsz, size_t maxlen)
{
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            if (!close)
                return 0;
            if (is_text_param(p, close)) {
                size_t n = strcspn(s, "/");
                if (n == 0 || n > maxlen)
                    return 0;
                if (text && textsz > n) {
                    memcpy(text, s, n);
                    text[n] = '\0';
                }
                s += n;
                p = close + 1;
                continue;
            }
            if (*s < '1' || *s > '9')
                return 0;
            int64_t v = 0;
            for (; *s >= '0' && *s <= '9'; s++) {
                if (v > (INT64_MAX - 9) / 10)
                    return 0;
                v = v * 10 + (*s - '0');
            }
            if (*s && *s != '/')
                return 0;
            *out_id = v;
            p = close + 1;
            continue;
        }
        if (*p != *s)
            return 0;
        p++;
        s++;
    }
    return *p == '\0' && *s == '\0';
}

static int path_matches(const char *pattern, const char *path, int64_t *out_id, char *text,
                        size_t textsz)
{
    return path_matches_up_to(pattern, path, out_id, text, textsz, API_TEXT_PARAM_MAX);
}

const ApiRoute *api_route_match(const char *method, const char *path, int64_t *out_id,
                                int *path_known, char *allow, size_t allowsz)
{
    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
    *path_known = 0;
    if (allowsz)
        allow[0] = '\0';
    const ApiRoute *hit = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        int64_t id = 0;
        if (!path_matches(routes[i].pattern, path, &id, NULL, 0))
            continue;
        if (strcmp(routes[i].method, m) == 0) {
            if (!hit) {
                hit = &routes[i];
                *out_id = id;
            }
            continue;
        }
        *path_known = 1;
        size_t len = strlen(allow);
        if (!strstr(allow, routes[i].method) && len + strlen(routes[i].method) + 3 < allowsz)
            snprintf(allow + len, allowsz - len, "%s%s", len ? ", " : "", routes[i].method);
    }
    return hit;
}

const char *api_route_long_param(const char *path, char *name, size_t size)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        int64_t id = 0;
        const char *open = strchr(routes[i].pattern, '{'), *close;
        while (open && (close = strchr(open, '}')) && !is_text_param(open, close))
            open = strchr(close, '{');
        if (!open || !path_matches_up_to(routes[i].pattern, path, &id, NULL, 0, (size_t)-1))
            continue;
        snprintf(name, size, "%.*s", (int)(strchr(open, '}') - open - 1), open + 1);
        return name;
    }
    return NULL;
}

int api_route_text_param(const ApiRoute *r, const char *path, char *out, size_t size)
{
    int64_t id = 0;
    if (size)
        out[0] = '\0';
    return strchr(r->pattern, '{') && path_matches(r->pattern, path, &id, out, size) && out[0];
}

unsigned api_role_bit(const char *role)
{
    static const struct { const char *name; unsigned bit; } map[] = {
        {ROLE_NAME_USER, ROLE_BIT_USER},        {ROLE_NAME_BUSINESS_OWNER, ROLE_BIT_BO},
        {ROLE_NAME_OPS_ANALYST, ROLE_BIT_OA},   {ROLE_NAME_ENGINEER, ROLE_BIT_ENG},
        {ROLE_NAME_ADMIN, ROLE_BIT_ADMIN},
    };
    for (size_t i = 0; role && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(role, map[i].name) == 0)
            return map[i].bit;
    return 0;
}

int api_role_allows(unsigned roles, const char *role)
{
    unsigned bit = api_role_bit(role);
    if (roles == ROLES_SIGNED_IN || bit == ROLE_BIT_ADMIN)
        return 1;
    return (roles & bit) != 0;
}
