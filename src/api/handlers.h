/* handlers — one function per route, grouped by namespace file:
 * h_auth.c, h_services.c, h_risk.c, h_misc.c (audit, alerts, meta),
 * h_seed004.c (seed 004 at the root paths).
 * Private to src/api/. Thread: an HTTP worker thread. */
#ifndef RESOPS_API_HANDLERS_H
#define RESOPS_API_HANDLERS_H

#include "api/http.h"

/* /api/auth */
void h_auth_signup(ApiReq *rq, ApiResp *rs);
void h_auth_login(ApiReq *rq, ApiResp *rs);
/* Shared by seed 000's and seed 004's login: parse {username, password},
 * sign in (throttled) and issue a JWT. Returns the token (caller frees),
 * or NULL with the error already sent. */
char *api_login(ApiReq *rq, ApiResp *rs);
void h_auth_logout(ApiReq *rq, ApiResp *rs);

/* /api/services */
void h_services_list(ApiReq *rq, ApiResp *rs);
void h_services_create(ApiReq *rq, ApiResp *rs);
void h_services_update(ApiReq *rq, ApiResp *rs);
void h_services_delete(ApiReq *rq, ApiResp *rs);
void h_services_status(ApiReq *rq, ApiResp *rs);
void h_services_bia_put(ApiReq *rq, ApiResp *rs);
void h_services_bia_delete(ApiReq *rq, ApiResp *rs);
void h_services_downtime_post(ApiReq *rq, ApiResp *rs);
void h_services_downtime_get(ApiReq *rq, ApiResp *rs);
void h_services_integrations_post(ApiReq *rq, ApiResp *rs);
void h_services_integrations_get(ApiReq *rq, ApiResp *rs);
void h_services_dependencies(ApiReq *rq, ApiResp *rs);
void h_services_health(ApiReq *rq, ApiResp *rs);

/* /api/risk */
void h_risk_get(ApiReq *rq, ApiResp *rs);
void h_risk_save(ApiReq *rq, ApiResp *rs);
void h_risk_manual(ApiReq *rq, ApiResp *rs);

/* /api/audit, /api/alerts, meta */
void h_audit_list(ApiReq *rq, ApiResp *rs);
void h_alerts_list(ApiReq *rq, ApiResp *rs);
void h_alerts_update(ApiReq *rq, ApiResp *rs);
void h_alerts_sla_breaches(ApiReq *rq, ApiResp *rs);
void h_healthz(ApiReq *rq, ApiResp *rs);
void h_openapi(ApiReq *rq, ApiResp *rs);

/* seed 001 under /api/v1, and GET /health (h_v1.c) */
void h_v1_health(ApiReq *rq, ApiResp *rs);
void h_v1_auto_resolve(ApiReq *rq, ApiResp *rs);
void h_v1_batch_resolve(ApiReq *rq, ApiResp *rs);
void h_v1_incidents_list(ApiReq *rq, ApiResp *rs);
void h_v1_incident_get(ApiReq *rq, ApiResp *rs);
void h_v1_config_get(ApiReq *rq, ApiResp *rs);
void h_v1_config_put(ApiReq *rq, ApiResp *rs);
void h_v1_config_category(ApiReq *rq, ApiResp *rs);
void h_v1_kill_activate(ApiReq *rq, ApiResp *rs);
void h_v1_kill_deactivate(ApiReq *rq, ApiResp *rs);
void h_v1_audit(ApiReq *rq, ApiResp *rs);
void h_v1_audit_incident(ApiReq *rq, ApiResp *rs);

/* seed 004 at the root paths (h_seed004.c) */
void h4_register(ApiReq *rq, ApiResp *rs);
void h4_login(ApiReq *rq, ApiResp *rs);
void h4_summary(ApiReq *rq, ApiResp *rs);
void h4_logs_analyze(ApiReq *rq, ApiResp *rs);
void h4_metrics(ApiReq *rq, ApiResp *rs);
void h4_metrics_history(ApiReq *rq, ApiResp *rs);
void h4_alerts(ApiReq *rq, ApiResp *rs);
void h4_thresholds_get(ApiReq *rq, ApiResp *rs);
void h4_thresholds_post(ApiReq *rq, ApiResp *rs);
void h4_admin_thresholds_get(ApiReq *rq, ApiResp *rs);
void h4_admin_thresholds_post(ApiReq *rq, ApiResp *rs);

#endif
