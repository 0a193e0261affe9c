/* h_alerts — seed 000 §2.5: the alerts, acknowledging one, and the SLA
 * breaches. (Seed 004's threshold alerts at GET /alerts are metrics:
 * h_metrics.c.) */
#include "api/handlers.h"
#include "domain/alerts.h"
#include "store/alert_repo.h"
#include "store/listing_repo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
