/* h_tokens — issue 12 item 2: machine tokens for collectors (Admin only).
 *   POST   /api/admin/tokens               {name, scope} → 201 {name, scope,
 *                                          token, prefix, created_at}: the
 *                                          only answer that holds the secret
 *   GET    /api/admin/tokens               the list (no secrets)
 *   DELETE /api/admin/tokens/{token_name}  revoke → 200 the token, 404
 * Rules, hashing and audit: domain/tokens.c; how a token authenticates:
 * api/auth.c (api_machine_auth). */
#include "api/handlers.h"
#include "domain/tokens.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static cJSON *token_json(const ApiTokenRow *t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)t->id);
    cJSON_AddStringToObject(o, "name", t->name);
    cJSON_AddStringToObject(o, "scope", t->scope);
    cJSON_AddStringToObject(o, "prefix", t->prefix);
    cJSON_AddItemToObject(o, "created_by", api_str_or_null(t->created_by[0] ? t->created_by
                                                                               : NULL));
    cJSON_AddItemToObject(o, "created_at", api_time_z(t->created_at));
    cJSON_AddItemToObject(o, "last_used_at", api_time_z(t->last_used_at));
    cJSON_AddItemToObject(o, "revoked_at", api_time_z(t->revoked_at));
    return o;
}

void h_tokens_create(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    const char *name = NULL, *scope = NULL;
    if (api_field_str(rs, b, "name", &name, NULL) < 0 ||
        api_field_str(rs, b, "scope", &scope, NULL) < 0) {
        cJSON_Delete(b);
        return;
    }
    if (!name) {
        cJSON_Delete(b);
        api_send_error(rs, 400, "Field 'name' is required");
        return;
    }
    char secret[TOKENS_SECRET_LEN + 1], err[200];
    ApiTokenRow t;
    int r = tokens_create(rq->st, name, scope, rq->user->username, rq->user->id, rq->now,
                          secret, &t, err, sizeof err);
    cJSON_Delete(b);
    if (r == -EIO) {
        api_send_io_error(rq, rs, 0, "token create");
        return;
    }
    if (r < 0) {
        api_send_error(rs, api_status_of(r), "%s", err);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", t.name);
    cJSON_AddStringToObject(o, "scope", t.scope);
    cJSON_AddStringToObject(o, "token", secret);
    cJSON_AddStringToObject(o, "prefix", t.prefix);
    cJSON_AddItemToObject(o, "created_at", api_time_z(t.created_at));
    memset(secret, 0, sizeof secret);
    api_send_json(rs, 201, o);
}

void h_tokens_list(ApiReq *rq, ApiResp *rs)
{
    ApiTokenRow *v;
    int n = tokens_list(rq->st, &v);
    if (n < 0) {
        api_send_io_error(rq, rs, 0, "token list");
        return;
    }
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, token_json(&v[i]));
    free(v);
    api_send_json(rs, 200, a);
}

void h_tokens_revoke(ApiReq *rq, ApiResp *rs)
{
    ApiTokenRow t;
    char err[200];
    int r = tokens_revoke(rq->st, rq->key, rq->user->username, rq->user->id, rq->now, &t, err,
                          sizeof err);
    if (r == -EIO) {
        api_send_io_error(rq, rs, 0, "token revoke");
        return;
    }
    if (r < 0) {
        api_send_error(rs, api_status_of(r), "%s", err);
        return;
    }
    cJSON *o = token_json(&t);
    cJSON_AddStringToObject(o, "message", "Token revoked");
    api_send_json(rs, 200, o);
}
