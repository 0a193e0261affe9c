/* h_auth — seed 000 §2.1: signup, login; ours: logout (revokes the jti). */
#include "api/auth.h"
#include "api/handlers.h"
#include "domain/users.h"

#include <errno.h>
#include <stdlib.h>

void h_auth_signup(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    const char *username, *password, *role;
    if (api_field_str(rs, b, "username", &username, NULL) < 0 ||
        api_field_str(rs, b, "password", &password, NULL) < 0 ||
        api_field_str(rs, b, "role", &role, NULL) < 0)
        goto out;
    SignupPolicy pol = {.open_signup = rq->cfg->open_signup, .caller = rq->user,
                        .limits = rq->cfg->limits};
    char err[256], granted[32];
    int64_t id;
    int r = users_signup(rq->st, username, password, role, &pol, rq->now, &id, granted,
                         sizeof granted, err, sizeof err);
    if (r < 0) {
        api_send_error(rs, api_status_of(r), "%s", err);
        goto out;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "message", "User registered successfully");
    cJSON_AddNumberToObject(o, "user_id", (double)id);   /* ours */
    cJSON_AddStringToObject(o, "role", granted);         /* ours: what was granted */
    api_send_json(rs, 201, o);
out:
    cJSON_Delete(b);
}

char *api_login(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return NULL;
    char *tok = NULL;
    const char *username, *password;
    if (api_field_str(rs, b, "username", &username, NULL) < 0 ||
        api_field_str(rs, b, "password", &password, NULL) < 0)
        goto out;
    UserInfo u;
    char jti[USERS_JTI_LEN + 1], err[256];
    int r = users_login(rq->st, username, password, rq->now, rq->cfg->token_ttl_s, &u, jti,
                        err, sizeof err);
    if (r < 0) {
        api_send_error(rs, api_status_of(r), "%s", err);
        if (r == -EAGAIN) {
            int64_t left = users_login_retry_after(rq->st, username, rq->now);
            rs->retry_after = left > 0 ? (int)left : USERS_FAILURE_WINDOW_S;
        }
        goto out;
    }
    tok = api_token_issue(rq->cfg->key, rq->cfg->keylen, &u, jti, rq->now, rq->cfg->token_ttl_s);
    if (!tok)
        api_send_error(rs, 500, "Internal server error");
out:
    cJSON_Delete(b);
    return tok;
}

void h_auth_login(ApiReq *rq, ApiResp *rs)
{
    char *tok = api_login(rq, rs);
    if (!tok)
        return;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "access_token", tok);
    free(tok);
    api_send_json(rs, 200, o);
}

void h_auth_logout(ApiReq *rq, ApiResp *rs)
{
    int r = users_logout(rq->st, rq->jti, rq->user->id, rq->now);
    if (r == -EIO)
        api_send_error(rs, 500, "Internal server error");
    else
        api_send_message(rs, 200, "Logged out");
}
