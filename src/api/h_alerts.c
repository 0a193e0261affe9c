/* h_misc — seed 000 §2.4 audit, §2.5 alerts and SLA breaches, and our
 * meta endpoints (healthz, the OpenAPI document). */
#include "api/handlers.h"
#include "domain/alerts.h"
#include "store/alert_repo.h"
#include "store/listing_repo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

extern const char api_openapi_json[];
extern const unsigned long api_openapi_json_len;

void h_audit_list(ApiReq *rq, ApiResp *rs)
{
    ApiPage pg;
    if (api_page(rq, rs, &pg) == 0)
        api_send_listing_page(rq, rs, &listing_audit, NULL, 0, &pg, "audit logs");
}

void h_alerts_list(ApiReq *rq, ApiResp *rs)
{
    ApiPage pg;
    if (api_page(rq, rs, &pg) == 0)
        api_send_listing_page(rq, rs, &listing_alerts, NULL, 0, &pg, "alerts");
}

void h_alerts_sla_breaches(ApiReq *rq, ApiResp *rs)
{
    ApiPage pg;
    if (api_page(rq, rs, &pg) == 0)
        api_send_listing_page(rq, rs, &listing_sla_breaches, NULL, 0, &pg, "SLA breaches");
}

void h_alerts_update(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    int64_t id;
    int ack;
    int r = api_field_int(rs, b, "id", &id, NULL);
    if (r < 0)
        goto out;
    if (r == 0 || id == 0) {
        api_send_error(rs, 400, "Alert ID is required");
        goto out;
    }
    int has_ack = api_field_bool(rs, b, "acknowledged", &ack);
    if (has_ack < 0)
        goto out;
    if (!has_ack) {                 /* B6: never guess; the seed's code un-acked */
        api_send_error(rs, 400, "Field 'acknowledged' is required (true or false)");
        goto out;
    }
    char err[256];
    r = alerts_ack(rq->st, id, ack, rq->user->id, rq->user->username, rq->now, err, sizeof err);
    if (r < 0)
        api_send_error(rs, api_status_of(r), "%s", r == -EIO ? "Failed to update alert due to "
                                                               "database error" : err);
    else
        api_send_message(rs, 200, "Alert updated");
out:
    cJSON_Delete(b);
}

void h_healthz(ApiReq *rq, ApiResp *rs)
{
    (void)rq;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "ok");
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
