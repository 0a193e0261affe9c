/* handlers — one function per route, grouped by namespace file:
 * h_auth.c, h_services.c, h_risk.c, h_misc.c (audit, alerts, meta).
 * Private to src/api/. Thread: an HTTP worker thread. */
#ifndef RESOPS_API_HANDLERS_H
#define RESOPS_API_HANDLERS_H

#include "api/http.h"

/* /api/auth */
void h_auth_signup(ApiReq *rq, ApiResp *rs);
void h_auth_login(ApiReq *rq, ApiResp *rs);
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

#endif
