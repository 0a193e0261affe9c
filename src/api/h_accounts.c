/* h_accounts — the accounts in both seeds' words: seed 000 §2.1 under
 * /api/auth (signup, login; ours: logout, which revokes the jti) and
 * seed 004 at the root paths (register, login, logout). Both shapes share
 * one signup, one login and one set of users and sessions. */
#include "api/auth.h"
#include "api/handlers.h"
#include "domain/users.h"

#include <errno.h>
#include <stdlib.h>

/* Parse {username, password} (and role, with_role: seed 000's body, where
 * a signed-in caller may grant one) and sign up under the listener's
 * policy. 0 with *out_id, granted and *out_username (borrowed from b), or
 * -1 with the error sent. */
static int signup(ApiReq *rq, ApiResp *rs, const cJSON *b, int with_role, int64_t *out_id,
                  char *granted, size_t grantedsz, const char **out_username)
{
    const char *username, *password, *role = NULL;
    if (api_field_str(rs, b, "username", &username, NULL) < 0 ||
        api_field_str(rs, b, "password", &password, NULL) < 0 ||
        (with_role && api_field_str(rs, b, "role", &role, NULL) < 0))
        return -1;
    SignupPolicy pol = {.open_signup = rq->cfg->open_signup,
                        .caller = with_role ? rq->user : NULL, .limits = rq->cfg->limits};
    char err[256];
    int r = users_signup(rq->st, username, password, role, &pol, rq->now, out_id, granted,
                         grantedsz, err, sizeof err);
    if (r < 0) {
        api_send_error(rs, api_status_of(r), "%s", err);
        return -1;
    }
    *out_username = username;
    return 0;
}

/* Parse {username, password}, sign in (throttled) and issue a JWT: the
 * token (caller frees), or NULL with the error sent. */
static char *login(ApiReq *rq, ApiResp *rs)
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

/* Both signups share one path; they differ in what they answer: seed 000's
 * signup is a 201 {message, user_id, role} (the id and role ours), seed
 * 004's register a 200 that also names the user. */
static void register_user(ApiReq *rq, ApiResp *rs, int seed000)
{
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    char granted[32];
    int64_t id;
    const char *username;
    if (signup(rq, rs, b, seed000, &id, granted, sizeof granted, &username) == 0) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "message", "User registered successfully");
        cJSON_AddNumberToObject(o, "user_id", (double)id);
        if (!seed000)
            cJSON_AddStringToObject(o, "username", username);
        cJSON_AddStringToObject(o, "role", granted);     /* what was granted */
        api_send_json(rs, seed000 ? 201 : 200, o);
    }
    cJSON_Delete(b);
}

void h_accounts_signup(ApiReq *rq, ApiResp *rs) { register_user(rq, rs, 1); }
void h_accounts_register(ApiReq *rq, ApiResp *rs) { register_user(rq, rs, 0); }

void h_accounts_login(ApiReq *rq, ApiResp *rs)
{
    char *tok = login(rq, rs);
    if (!tok)
        return;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "access_token", tok);
    free(tok);
    api_send_json(rs, 200, o);
}

void h_accounts_login_bearer(ApiReq *rq, ApiResp *rs)
{
    char *tok = login(rq, rs);
    if (!tok)
        return;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "token", tok);
    cJSON_AddStringToObject(o, "token_type", "bearer");
    cJSON_AddNumberToObject(o, "expires_in", rq->cfg->token_ttl_s);
    free(tok);
    api_send_json(rs, 200, o);
}

void h_accounts_logout(ApiReq *rq, ApiResp *rs)
{
    int r = users_logout(rq->st, rq->jti, rq->user->id, rq->now);
    if (r == -EIO)
        api_send_error(rs, 500, "Internal server error");
    else
        api_send_message(rs, 200, "Logged out");
}
