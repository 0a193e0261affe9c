/* handlers — one function per route (router.c's table), one file per
 * subject, the function prefix naming it:
 *   h_accounts.c   h_accounts_*   signup/register, login, logout (seeds 000, 004)
 *   h_services.c   h_services_*   services, status, BIA, downtime, integrations,
 *                                 dependencies, health (seed 000)
 *   h_risk.c       h_risk_*       risk scores (seed 000)
 *   h_alerts.c     h_alerts_*     alerts and SLA breaches (seed 000)
 *   h_incidents.c  h_incidents_*  incidents: auto-resolve, batch, list, get (seed 001)
 *   h_resolution.c h_resolution_* resolution config, kill switch, its audit trail
 *                                 (seed 001)
 *   h_metrics.c    h_metrics_*, h_thresholds_*, h_logs_analyze
 *                                 metrics, threshold alerts, thresholds, log
 *                                 analysis (seed 004)
 *   h_silences.c   h_silences_*   silences and maintenance windows (issue 11)
 *   h_meta.c       h_audit_list, h_healthz, h_health, h_openapi
 *                                 audit log, health, the OpenAPI document
 * Private to src/api/. Thread: an HTTP worker thread (ROUTE_SLOW ones: the
 * listener's slow pool, see server.c). */
#ifndef RESOPS_API_HANDLERS_H
#define RESOPS_API_HANDLERS_H

#include "api/http.h"

/* accounts: /api/auth/{signup,login,logout}, /register, /login, /logout */
void h_accounts_signup(ApiReq *rq, ApiResp *rs);
void h_accounts_login(ApiReq *rq, ApiResp *rs);
void h_accounts_register(ApiReq *rq, ApiResp *rs);
void h_accounts_login_bearer(ApiReq *rq, ApiResp *rs);
void h_accounts_logout(ApiReq *rq, ApiResp *rs);

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

/* /api/alerts */
void h_alerts_list(ApiReq *rq, ApiResp *rs);
void h_alerts_update(ApiReq *rq, ApiResp *rs);
void h_alerts_sla_breaches(ApiReq *rq, ApiResp *rs);

/* /api/silences (issue 11 item 4) */
void h_silences_list(ApiReq *rq, ApiResp *rs);
void h_silences_create(ApiReq *rq, ApiResp *rs);
void h_silences_delete(ApiReq *rq, ApiResp *rs);

/* /api/v1/incidents */
void h_incidents_auto_resolve(ApiReq *rq, ApiResp *rs);
void h_incidents_batch_resolve(ApiReq *rq, ApiResp *rs);
void h_incidents_list(ApiReq *rq, ApiResp *rs);
void h_incidents_get(ApiReq *rq, ApiResp *rs);

/* timelines (h_timeline.c, issue 11 item 6): Markdown postmortems */
void h_timeline_incident(ApiReq *rq, ApiResp *rs);
void h_timeline_downtime(ApiReq *rq, ApiResp *rs);

/* /api/v1/config, /api/v1/audit */
void h_resolution_config_get(ApiReq *rq, ApiResp *rs);
void h_resolution_config_put(ApiReq *rq, ApiResp *rs);
void h_resolution_category_get(ApiReq *rq, ApiResp *rs);
void h_resolution_kill_activate(ApiReq *rq, ApiResp *rs);
void h_resolution_kill_deactivate(ApiReq *rq, ApiResp *rs);
void h_resolution_audit_list(ApiReq *rq, ApiResp *rs);
void h_resolution_audit_incident(ApiReq *rq, ApiResp *rs);

/* /summary, /logs/analyze, /metrics, /alerts, /thresholds, /admin/thresholds */
void h_metrics_summary(ApiReq *rq, ApiResp *rs);
void h_logs_analyze(ApiReq *rq, ApiResp *rs);
void h_metrics_list(ApiReq *rq, ApiResp *rs);
void h_metrics_history(ApiReq *rq, ApiResp *rs);
void h_metrics_alerts(ApiReq *rq, ApiResp *rs);
void h_thresholds_get(ApiReq *rq, ApiResp *rs);
void h_thresholds_post(ApiReq *rq, ApiResp *rs);
void h_thresholds_admin_get(ApiReq *rq, ApiResp *rs);
void h_thresholds_admin_post(ApiReq *rq, ApiResp *rs);

/* issue 12 (wt-resp): seed 003 response actions and results, ML/LLM
 * outputs, tasks, admin export/export-ready/healthz (h_response.c) */
void h_response_action(ApiReq *rq, ApiResp *rs);
void h_response_result(ApiReq *rq, ApiResp *rs);
void h_response_list(ApiReq *rq, ApiResp *rs);
void h_ml_agent_output(ApiReq *rq, ApiResp *rs);
void h_ml_aggregate_score(ApiReq *rq, ApiResp *rs);
void h_llm_result(ApiReq *rq, ApiResp *rs);
void h_tasks_create(ApiReq *rq, ApiResp *rs);
void h_tasks_list(ApiReq *rq, ApiResp *rs);
void h_tasks_update(ApiReq *rq, ApiResp *rs);
void h_admin_export(ApiReq *rq, ApiResp *rs);
void h_admin_export_ready(ApiReq *rq, ApiResp *rs);
void h_admin_healthz(ApiReq *rq, ApiResp *rs);

/* /api/audit, /api/healthz, /api/openapi.json, /health */
void h_audit_list(ApiReq *rq, ApiResp *rs);
void h_healthz(ApiReq *rq, ApiResp *rs);
void h_health(ApiReq *rq, ApiResp *rs);
void h_openapi(ApiReq *rq, ApiResp *rs);

/* issue 12, seed 003 security alerts (h_security.c, wt-core) */
void h_security_ingest_raw(ApiReq *rq, ApiResp *rs);
void h_security_raw_url(ApiReq *rq, ApiResp *rs);
void h_security_upload(ApiReq *rq, ApiResp *rs);
void h_security_raw_get(ApiReq *rq, ApiResp *rs);
void h_security_normalized(ApiReq *rq, ApiResp *rs);
void h_security_trigger(ApiReq *rq, ApiResp *rs);
void h_security_triage(ApiReq *rq, ApiResp *rs);
void h_security_verdict_post(ApiReq *rq, ApiResp *rs);
void h_security_verdicts(ApiReq *rq, ApiResp *rs);
void h_security_thresholds_get(ApiReq *rq, ApiResp *rs);
void h_security_thresholds_patch(ApiReq *rq, ApiResp *rs);
void h_security_alerts_list(ApiReq *rq, ApiResp *rs);
void h_security_alert_get(ApiReq *rq, ApiResp *rs);
/* the upload URL's limit (setting security.upload_max_bytes; 16 MiB) */
void h_security_set_upload_max(size_t bytes);

/* issue 12: security alerts from collectors (h_ingest.c, wt-norm) */
void h_ingest_alertmanager(ApiReq *rq, ApiResp *rs);
void h_ingest_wazuh(ApiReq *rq, ApiResp *rs);
void h_ingest_syslog(ApiReq *rq, ApiResp *rs);
void h_ingest_generic(ApiReq *rq, ApiResp *rs);
/* issue 12: seed 003 embeddings and similarity (h_embeddings.c, wt-vec) */
void h_embeddings_put(ApiReq *rq, ApiResp *rs);
void h_embeddings_similar(ApiReq *rq, ApiResp *rs);
void h_embeddings_build_index(ApiReq *rq, ApiResp *rs);
void h_embeddings_search(ApiReq *rq, ApiResp *rs);

#endif
