/* h_embeddings — seed 003's embeddings and similarity routes (issue 12):
 *
 *   POST /api/embeddings/{id}/embedding        store an alert's vector
 *        {vector, dimension?, meta?} -> {ok, embedding_id, alert_id, created_at}
 *   GET  /api/embeddings/{id}/similar?k=5      its nearest alerts (1..100),
 *        [{alert_id, score, alpha_id}]
 *   POST /api/admin/embeddings/build-index     (Admin, audited) {limit?}
 *        -> {ok, out: {indexed, duration_ms}}
 *   POST /api/admin/embeddings/search          (Admin) {vector | text, top_k?}
 *        -> {ok, out: {results: [{alert_id, score, alpha_id}]}}
 *
 * score is the cosine (-1..1, 4 decimals); alpha_id is the id of the first
 * alert of the hit's near-duplicate group (sec_alert.group_of), or the
 * hit's own id when it is in no group. embedding_id is "emb-<seq>": one
 * vector per alert, replaced by a later POST. The rules and the index are
 * domain/similarity.c.
 */
#include "api/handlers.h"
#include "api/http.h"
#include "domain/similarity.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define K_MAX 100

static const char *actor_of(const ApiReq *rq)
{
    return rq->user && rq->user->username[0] ? rq->user->username : "api";
}

static double round4(float x)
{
    return round((double)x * 10000.0) / 10000.0;
}

/* Field 'vector' as dim floats: a malloc'd array and *dim, or NULL with
 * 400 sent. */
static float *parse_vector(ApiResp *rs, const cJSON *a, int *dim)
{
    if (!cJSON_IsArray(a)) {
        api_send_error(rs, 400, "Field 'vector' must be an array of numbers");
        return NULL;
    }
    int n = cJSON_GetArraySize(a);
    if (n == 0) {
        api_send_error(rs, 400, "Field 'vector' must not be empty");
        return NULL;
    }
    float *v = malloc((size_t)n * sizeof *v);
    if (!v) {
        api_send_error(rs, 500, "Internal server error");
        return NULL;
    }
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a) {
        if (!cJSON_IsNumber(e)) {
            api_send_error(rs, 400, "vector[%d] must be a number", i);
            free(v);
            return NULL;
        }
        v[i] = (float)e->valuedouble;
        if (!isfinite(e->valuedouble) || !isfinite(v[i])) {
            api_send_error(rs, 400, "vector[%d] is not a finite number", i);
            free(v);
            return NULL;
        }
        i++;
    }
    double norm = 0;
    for (int k = 0; k < n; k++)
        norm += (double)v[k] * (double)v[k];
    if (!(norm > 0)) {             /* no direction: cosine is undefined */
        api_send_error(rs, 400, "Vector must not be all zeros");
        free(v);
        return NULL;
    }
    *dim = n;
    return v;
}

static void send_put_error(ApiReq *rq, ApiResp *rs, int rc, const char *err)
{
    if (rc == -EIO)
        api_send_io_error(rq, rs, 0, err);
    else
        api_send_error(rs, api_status_of(rc), "%s", err);
}

void h_embeddings_put(ApiReq *rq, ApiResp *rs)
{
    const char *id = rq->key ? rq->key : "";
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    const cJSON *va = cJSON_GetObjectItemCaseSensitive(b, "vector");
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(b, "meta");
    int64_t given_dim = 0;
    int has_dim, dim = 0, is_null = 0;
    float *v = NULL;
    char *meta_json = NULL;
    if (!va || cJSON_IsNull(va)) {
        api_send_error(rs, 400, "Field 'vector' is required");
        goto out;
    }
    if ((has_dim = api_field_int(rs, b, "dimension", &given_dim, &is_null)) < 0)
        goto out;
    if (meta && !cJSON_IsNull(meta) && !cJSON_IsObject(meta)) {
        api_send_error(rs, 400, "Field 'meta' must be an object");
        goto out;
    }
    if (!(v = parse_vector(rs, va, &dim)))
        goto out;
    if (has_dim == 1 && !is_null && given_dim != dim) {
        api_send_error(rs, 400, "dimension %lld does not match the vector's %d values",
                       (long long)given_dim, dim);
        goto out;
    }
    const char *encoder = "external";
    if (meta && cJSON_IsObject(meta)) {
        const cJSON *enc = cJSON_GetObjectItemCaseSensitive(meta, "encoder");
        if (cJSON_IsString(enc) && enc->valuestring[0])
            encoder = enc->valuestring;
        meta_json = cJSON_PrintUnformatted(meta);
    }
    char err[256] = "";
    int64_t seq = 0;
    int rc = similarity_put_alert(rq->st, id, v, dim, encoder, meta_json, rq->now, &seq, err,
                                  sizeof err);
    if (rc < 0) {
        send_put_error(rq, rs, rc, err);
        goto out;
    }
    char emb[32];
    snprintf(emb, sizeof emb, "emb-%lld", (long long)seq);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddTrueToObject(o, "ok");
    cJSON_AddStringToObject(o, "embedding_id", emb);
    cJSON_AddStringToObject(o, "alert_id", id);
    cJSON_AddItemToObject(o, "created_at", api_time_z(rq->now));
    api_send_json(rs, 200, o);
out:
    free(meta_json);
    free(v);
    cJSON_Delete(b);
}

/* hits as [{alert_id, score, alpha_id}] (hits whose alert is gone are
 * left out); NULL after a 500 was sent */
static cJSON *hits_json(ApiReq *rq, ApiResp *rs, const SimHit *h, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        char id[SIMILARITY_ID_MAX + 1], alpha[SIMILARITY_ID_MAX + 1];
        int rc = similarity_ref(rq->st, h[i].seq, id, alpha);
        if (rc < 0) {
            cJSON_Delete(a);
            api_send_io_error(rq, rs, 0, "reading the similar alerts");
            return NULL;
        }
        if (rc == 0)
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "alert_id", id);
        cJSON_AddNumberToObject(o, "score", round4(h[i].score));
        cJSON_AddStringToObject(o, "alpha_id", alpha);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

void h_embeddings_similar(ApiReq *rq, ApiResp *rs)
{
    const char *id = rq->key ? rq->key : "";
    int64_t k;
    if (api_query_int(rq, rs, "k", 1, K_MAX, 5, 0, &k) < 0)
        return;
    int64_t seq = similarity_alert_seq(rq->st, id);
    if (seq == -ENOENT) {
        api_send_error(rs, 404, "Alert '%s' not found", id);
        return;
    }
    if (seq < 0) {
        api_send_io_error(rq, rs, 0, "looking up an alert");
        return;
    }
    SimHit hits[K_MAX];
    int n = similarity_of(rq->st, seq, (int)k, 0, hits);
    if (n == -ENOENT) {
        api_send_error(rs, 404, "Alert '%s' has no embedding", id);
        return;
    }
    if (n < 0) {
        api_send_io_error(rq, rs, 0, "searching similar alerts");
        return;
    }
    cJSON *a = hits_json(rq, rs, hits, n);
    if (a)
        api_send_json(rs, 200, a);
}

void h_embeddings_build_index(ApiReq *rq, ApiResp *rs)
{
    int64_t limit = 0;
    if (rq->body && rq->body_len) {
        cJSON *b = api_body_object(rq, rs);
        if (!b)
            return;
        int is_null = 0;
        int r = api_field_int(rs, b, "limit", &limit, &is_null);
        cJSON_Delete(b);
        if (r < 0)
            return;
        if (is_null)
            limit = 0;
        if (limit < 0) {
            api_send_error(rs, 400, "Field 'limit' must be a non-negative integer");
            return;
        }
    }
    int64_t indexed = 0, ms = 0;
    if (similarity_build_index_as(rq->st, limit, actor_of(rq), rq->now, &indexed, &ms) < 0) {
        api_send_io_error(rq, rs, 0, "building the similarity index");
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddTrueToObject(o, "ok");
    cJSON *out = cJSON_AddObjectToObject(o, "out");
    cJSON_AddNumberToObject(out, "indexed", (double)indexed);
    cJSON_AddNumberToObject(out, "duration_ms", (double)ms);
    api_send_json(rs, 200, o);
}

void h_embeddings_search(ApiReq *rq, ApiResp *rs)
{
    cJSON *b = api_body_object(rq, rs);
    if (!b)
        return;
    const cJSON *va = cJSON_GetObjectItemCaseSensitive(b, "vector");
    const char *text = NULL;
    int64_t top_k = 5;
    int has_top = 0, top_null = 0, text_null = 0;
    float *v = NULL;
    if (va && cJSON_IsNull(va))
        va = NULL;
    int has_text = api_field_str(rs, b, "text", &text, &text_null);
    if (has_text < 0)
        goto out;
    if (text_null)
        has_text = 0;
    if ((has_top = api_field_int(rs, b, "top_k", &top_k, &top_null)) < 0)
        goto out;
    if (top_null || !has_top)
        top_k = 5;
    if (top_k < 1 || top_k > K_MAX) {
        api_send_error(rs, 400, "Field 'top_k' must be an integer from 1 to %d", K_MAX);
        goto out;
    }
    if ((va != NULL) == (has_text == 1)) {
        api_send_error(rs, 400, "Give exactly one of 'vector' and 'text'");
        goto out;
    }
    int dim = similarity_dim();
    if (va) {
        int n = 0;
        if (!(v = parse_vector(rs, va, &n)))
            goto out;
        if (n != dim) {
            char err[128];
            similarity_dim_error(n, err, sizeof err);
            api_send_error(rs, 400, "%s", err);
            goto out;
        }
    } else {
        if (!text[0]) {
            api_send_error(rs, 400, "Field 'text' must not be empty");
            goto out;
        }
        v = malloc((size_t)dim * sizeof *v);
        if (!v) {
            api_send_error(rs, 500, "Internal server error");
            goto out;
        }
        similarity_embed_text(text, v);
    }
    SimHit hits[K_MAX];
    int n = similarity_search(rq->st, v, (int)top_k, hits);
    if (n < 0) {
        api_send_io_error(rq, rs, 0, "searching the similarity index");
        goto out;
    }
    cJSON *a = hits_json(rq, rs, hits, n);
    if (!a)
        goto out;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddTrueToObject(o, "ok");
    cJSON_AddItemToObject(cJSON_AddObjectToObject(o, "out"), "results", a);
    api_send_json(rs, 200, o);
out:
    free(v);
    cJSON_Delete(b);
}
