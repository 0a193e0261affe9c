/* h_risk — seed 000 §2.3: latest risk, save automated, manual POST/PUT. */
#include "api/handlers.h"
#include "domain/rules.h"
#include "domain/services.h"
#include "store/risk_repo.h"
#include "store/service_repo.h"

#include <errno.h>
#include <math.h>
#include <string.h>

void h_risk_get(ApiReq *rq, ApiResp *rs)
{
    static const char db_err[] = "Failed to retrieve risk score due to database error";
    int r = service_repo_exists(rq->st, rq->id);
    if (r <= 0) {
        if (r == 0)
            api_send_error(rs, 404, "Service not found");
        else
            api_send_error(rs, 500, db_err);
        return;
    }
    RiskRow row;
    r = risk_repo_latest(rq->st, rq->id, &row);
    if (r < 0) {
        api_send_error(rs, 500, db_err);
        return;
    }
    if (r == 0) {
        api_send_error(rs, 404, "No risk score available for this service");
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "service_id", (double)row.service_id);
    cJSON_AddNumberToObject(o, "risk_score", row.risk_score);
    cJSON_AddStringToObject(o, "risk_level", row.risk_level);
    cJSON_AddBoolToObject(o, "is_critical", row.is_critical);
    cJSON_AddStringToObject(o, "reason", row.reason);
    cJSON_AddStringToObject(o, "source", row.source);
    cJSON_AddStringToObject(o, "created_by", row.created_by);
    cJSON_AddItemToObject(o, "created_at", api_time(row.created_at));
    api_send_json(rs, 200, o);
}

void h_risk_save(ApiReq *rq, ApiResp *rs)
{
    RiskResult rr;
    char err[256];
    int r = services_risk_save(rq->st, rq->id, rq->user->username, rq->user->id, rq->now, &rr,
                               err, sizeof err);
    if (r < 0) {
        if (r == -ENOENT)
            api_send_error(rs, 404, "%s", err);
        else
            api_send_error(rs, 500, "Failed to save risk score due to database error");
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "message", "Risk score saved");
    cJSON_AddNumberToObject(o, "service_id", (double)rq->id);
    cJSON_AddNumberToObject(o, "risk_score", rr.score);
    cJSON_AddStringToObject(o, "risk_level", risk_level_name(rr.level));
    cJSON_AddBoolToObject(o, "is_critical", rr.is_critical);
    cJSON_AddStringToObject(o, "reason", rr.reason);
    api_send_json(rs, 200, o);
}

/* POST adds, PUT updates: both append a manual row (history is kept);
 * GET /api/risk/<id> then returns it as the latest. */
void h_risk_manual(ApiReq *rq, ApiResp *rs)
{
    static const char range[] = "Risk score must be an integer between 0 and 100";
    int update = strcmp(rq->method, "PUT") == 0;
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    const cJSON *score_j = cJSON_GetObjectItemCaseSensitive(b, "risk_score");
    const cJSON *level_j = cJSON_GetObjectItemCaseSensitive(b, "risk_level");
    const char *reason, *level;
    int critical = 0;
    /* a wrong type names its field before "required" (B15) */
    if (score_j && !cJSON_IsNull(score_j) && !cJSON_IsNumber(score_j)) {
        api_send_error(rs, 400, "Field 'risk_score' must be an integer between 0 and 100");
        goto out;
    }
    if (level_j && !cJSON_IsNull(level_j) && !cJSON_IsString(level_j)) {
        api_send_error(rs, 400, "Field 'risk_level' must be a string: Low, Medium, or High");
        goto out;
    }
    if (!score_j || cJSON_IsNull(score_j) || !level_j || cJSON_IsNull(level_j) ||
        (cJSON_IsString(level_j) && !*level_j->valuestring)) {
        api_send_error(rs, 400, "Risk score and risk level are required");
        goto out;
    }
    double d = cJSON_IsNumber(score_j) ? score_j->valuedouble : -1;
    if (!(d >= 0 && d <= 100) || d != floor(d)) {
        api_send_error(rs, 400, range);
        goto out;
    }
    if (!cJSON_IsString(level_j)) {
        api_send_error(rs, 400, "Risk level must be Low, Medium, or High");
        goto out;
    }
    level = level_j->valuestring;
    if (api_field_str(rs, b, "reason", &reason, NULL) < 0 ||
        api_field_bool(rs, b, "is_critical", &critical) < 0)
        goto out;
    char err[256];
    int r = services_risk_manual(rq->st, rq->id, (int)d, level, reason, critical, update,
                                 rq->user->username, rq->user->id, rq->now, err, sizeof err);
    if (r < 0)
        api_send_error(rs, api_status_of(r), "%s", err);
    else
        api_send_message(rs, 200, update ? "Manual risk score updated" : "Manual risk score added");
out:
    cJSON_Delete(b);
}
