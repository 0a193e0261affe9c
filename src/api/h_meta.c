/* h_meta — the endpoints about the server and its records: seed 000
 * §2.4's audit log, our /api/healthz and OpenAPI document, and seed 001's
 * public GET /health. */
#include "api/handlers.h"
#include "store/listing_repo.h"

#ifndef RESOPS_VERSION
#define RESOPS_VERSION "dev"
#endif

extern const char api_openapi_json[];
extern const unsigned long api_openapi_json_len;

void h_audit_list(ApiReq *rq, ApiResp *rs)
{
    ApiPage pg;
    if (api_page(rq, rs, &pg) == 0)
        api_send_listing_page(rq, rs, &listing_audit, NULL, 0, &pg, "audit logs");
}

void h_healthz(ApiReq *rq, ApiResp *rs)
{
    (void)rq;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "ok");
    cJSON_AddStringToObject(o, "version", RESOPS_VERSION);
    api_send_json(rs, 200, o);
}

/* Seed 001's GET /health (public), in its words. */
void h_health(ApiReq *rq, ApiResp *rs)
{
    (void)rq;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "healthy");
    cJSON_AddStringToObject(o, "service", "auto-resolution-system");
    cJSON_AddStringToObject(o, "version", RESOPS_VERSION);
    api_send_json(rs, 200, o);
}

void h_openapi(ApiReq *rq, ApiResp *rs)
{
    (void)rq;
    rs->status = 200;
    rs->static_body = api_openapi_json;
    rs->static_len = api_openapi_json_len;
}
