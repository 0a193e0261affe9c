/* h_alerts — seed 000 §2.5: the alerts, acknowledging one, and the SLA
 * breaches. (Seed 004's threshold alerts at GET /alerts are metrics:
 * h_metrics.c.) */
#include "api/handlers.h"
#include "domain/alerts.h"
#include "domain/rootcause.h"
#include "store/alert_repo.h"
#include "store/listing_repo.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* listing_alerts' columns that decide folding (listing_repo.c) */
/* The index of a column of listing_alerts by name (found once per
 * listing: the columns are a table in the store, and more are added). */
static int col_of(const Listing *l, const char *name)
{
    for (int c = 0; c < l->ncols; c++)
        if (strcmp(l->cols[c].name, name) == 0)
            return c;
    return -1;
}

typedef struct AlertsOut {
    ApiJson           b;
    const RootCauses *rc;
    int               c_service, c_resolved, c_kind;
} AlertsOut;

/* Issue 11: seed 000's fields and ours, then root_cause_service_id (the
 * Down/Degraded service this alert is folded under, or null). */
static int alert_row(void *ctx, const Listing *l, const ListingValue *v)
{
    AlertsOut *o = ctx;
    api_json_put(&o->b, o->b.len > 1 ? ",{" : "{", o->b.len > 1 ? 2 : 1);
    api_json_listing_fields(&o->b, l, v);
    int64_t root = rootcause_folds(v[o->c_kind].s, (int)v[o->c_resolved].i)
                       ? rootcause_of(o->rc, v[o->c_service].i) : 0;
    static const char key[] = ",\"root_cause_service_id\":";
    api_json_put(&o->b, key, sizeof key - 1);
    if (root)
        api_json_int(&o->b, root);
    else
        api_json_put(&o->b, "null", 4);
    api_json_put(&o->b, "}", 1);
    return 0;
}

void h_alerts_list(ApiReq *rq, ApiResp *rs)
{
    ApiPage pg;
    if (api_page(rq, rs, &pg) < 0)
        return;
    int64_t total, p[2] = {pg.limit, pg.offset};
    RootCauses rc;
    if (listing_count(rq->st, &listing_alerts, NULL, 0, &total) < 0 ||
        rootcause_load(rq->st, &rc) < 0) {
        api_send_error(rs, 500, "Failed to retrieve alerts due to database error");
        return;
    }
    AlertsOut o = {.rc = &rc, .c_service = col_of(&listing_alerts, "service_id"),
                   .c_resolved = col_of(&listing_alerts, "resolved"),
                   .c_kind = col_of(&listing_alerts, "kind")};
    assert(o.c_service >= 0 && o.c_resolved >= 0 && o.c_kind >= 0);
    api_json_put(&o.b, "[", 1);
    int r = listing_run(rq->st, &listing_alerts, p, 2, alert_row, &o);
    rootcause_free(&rc);
    if (r < 0) {
        free(o.b.s);
        api_send_error(rs, 500, "Failed to retrieve alerts due to database error");
        return;
    }
    api_json_put(&o.b, "]", 1);
    api_send_built(rs, 200, &o.b);
    rs->has_total = 1;
    rs->total = total;
}

void h_alerts_sla_breaches(ApiReq *rq, ApiResp *rs)
{
    ApiPage pg;
    if (api_page(rq, rs, &pg) == 0)
        api_send_listing_page(rq, rs, &listing_sla_breaches, NULL, 0, &pg, "SLA breaches");
}

/* Issue 11: the ack's optional note and expiry. 0, or -1 with 400 sent. */
static int ack_opts(ApiResp *rs, const cJSON *b, AlertAckOpts *o)
{
    int null_note = 0, null_exp = 0;
    int r = api_field_str(rs, b, "note", &o->note, &null_note);
    if (r < 0)
        return -1;
    if (r == 0 || null_note)
        o->note = NULL;
    r = api_field_int(rs, b, "expires_in_minutes", &o->expires_in_minutes, &null_exp);
    if (r < 0)
        return -1;
    if (r == 0 || null_exp)
        o->expires_in_minutes = 0;
    else if (o->expires_in_minutes < 1 || o->expires_in_minutes > ALERT_ACK_EXPIRY_MAX) {
        api_send_error(rs, 400, "Field 'expires_in_minutes' must be an integer from 1 to %d",
                       ALERT_ACK_EXPIRY_MAX);
        return -1;
    }
    char err[256];
    if (alerts_ack_opts_check(o, err, sizeof err) < 0) {
        api_send_error(rs, 400, "%s", err);
        return -1;
    }
    return 0;
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
    AlertAckOpts opts = {0};
    if (ack_opts(rs, b, &opts) < 0)
        goto out;
    char err[256];
    r = alerts_ack_ex(rq->st, id, ack, &opts, rq->user->id, rq->user->username, rq->now, err,
                      sizeof err);
    if (r < 0)
        api_send_error(rs, api_status_of(r), "%s", r == -EIO ? "Failed to update alert due to "
                                                               "database error" : err);
    else
        api_send_message(rs, 200, "Alert updated");
out:
    cJSON_Delete(b);
}
