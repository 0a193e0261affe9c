/* h_timeline — issue 11 item 6: GET /api/v1/incidents/{id}/timeline.md and
 * GET /api/services/{id}/downtime/{downtime_id}/timeline.md, the
 * Markdown postmortem of domain/timeline.h as text/markdown. Errors stay
 * JSON ({"error"}; seed 001's shape with status_code on the incident
 * route, as its other reads). */
#include "api/handlers.h"
#include "domain/timeline.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define MARKDOWN "text/markdown; charset=utf-8"

static void send_md(ApiReq *rq, ApiResp *rs, int r, char *md, const char *err, int flags)
{
    if (r == 0) {
        rs->status = 200;
        rs->body = md;                 /* the listener frees it */
        rs->content_type = MARKDOWN;
    } else if (r == -ENOENT) {
        api_send_error_ex(rs, 404, flags, "%s", err);
    } else {
        api_send_io_error(rq, rs, flags, "cannot build the timeline");
    }
}

void h_timeline_incident(ApiReq *rq, ApiResp *rs)
{
    char *md = NULL, err[128];
    int r = timeline_incident_md(rq->st, rq->key, rq->now, &md, err, sizeof err);
    send_md(rq, rs, r, md, err, API_ERROR_STATUS_CODE);
}

void h_timeline_downtime(ApiReq *rq, ApiResp *rs)
{
    /* the router matched both ids; rq->id is the last one (the downtime) */
    int64_t sid = 0, did = 0;
    if (sscanf(rq->path, "/api/services/%" SCNd64 "/downtime/%" SCNd64, &sid, &did) != 2) {
        api_send_error(rs, 404, "Downtime not found");
        return;
    }
    char *md = NULL, err[128];
    int r = timeline_downtime_md(rq->st, sid, did, rq->now, &md, err, sizeof err);
    send_md(rq, rs, r, md, err, 0);
}
