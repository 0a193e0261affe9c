/* fallback_similarity — TEMPORARY (wt-core only, deleted before merging):
 * an in-memory exact search until wt-vec's similarity.c is merged. meson
 * compiles it only when similarity.c does not exist. */
#include "domain/similarity.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int      fb_dim = SIMILARITY_DIM_DEFAULT;
static int64_t *seqs;
static float   *vecs;
static int64_t  count, cap;

void similarity_configure(int dim, const char *index_path)
{
    (void)index_path;
    if (dim > 0)
        fb_dim = dim;
}

int similarity_dim(void) { return fb_dim; }

void similarity_embed_text(const char *text, float *out)
{
    memset(out, 0, (size_t)fb_dim * sizeof *out);
    uint32_t h = 2166136261u;
    int in = 0;
    for (const unsigned char *p = (const unsigned char *)text;; p++) {
        int word = *p && (*p >= 128 || (*p >= '0' && *p <= '9') || ((*p | 32) >= 'a' && (*p | 32) <= 'z'));
        if (word) {
            h = (h ^ (uint32_t)(*p | 32)) * 16777619u;
            in = 1;
        } else if (in) {
            out[h % (uint32_t)fb_dim] += 1.0f;
            h = 2166136261u;
            in = 0;
        }
        if (!*p)
            break;
    }
    double n = 0;
    for (int i = 0; i < fb_dim; i++)
        n += (double)out[i] * out[i];
    if (n > 0)
        for (int i = 0; i < fb_dim; i++)
            out[i] = (float)(out[i] / sqrt(n));
}

int similarity_put(Store *st, int64_t seq, const float *v, int dim, const char *encoder,
                   const char *meta, int64_t now, char *err, size_t errsz)
{
    (void)st;
    (void)encoder;
    (void)meta;
    (void)now;
    if (dim != fb_dim) {
        snprintf(err, errsz, "dimension %d does not match the index dimension %d", dim, fb_dim);
        return -EINVAL;
    }
    pthread_mutex_lock(&mu);
    int64_t at = count;
    for (int64_t i = 0; i < count; i++)
        if (seqs[i] == seq)
            at = i;
    if (at == count) {
        if (count == cap) {
            int64_t nc = cap ? cap * 2 : 1024;
            seqs = realloc(seqs, (size_t)nc * sizeof *seqs);
            vecs = realloc(vecs, (size_t)nc * (size_t)fb_dim * sizeof *vecs);
            cap = nc;
        }
        count++;
    }
    seqs[at] = seq;
    memcpy(vecs + at * fb_dim, v, (size_t)fb_dim * sizeof *v);
    pthread_mutex_unlock(&mu);
    return 0;
}

static int topk(const float *q, int k, int64_t skip, int64_t before, SimHit *out)
{
    int n = 0;
    for (int64_t i = 0; i < count; i++) {
        if (seqs[i] == skip || (before > 0 && seqs[i] >= before))
            continue;
        float s = 0;
        for (int d = 0; d < fb_dim; d++)
            s += q[d] * vecs[i * fb_dim + d];
        int at = n < k ? n++ : k;
        if (at == k && (k == 0 || s <= out[k - 1].score))
            continue;
        if (at == k)
            at = k - 1;
        while (at > 0 && out[at - 1].score < s) {
            out[at] = out[at - 1];
            at--;
        }
        out[at] = (SimHit){seqs[i], s};
    }
    return n;
}

int similarity_search(Store *st, const float *q, int k, SimHit *out)
{
    (void)st;
    pthread_mutex_lock(&mu);
    int n = topk(q, k, 0, 0, out);
    pthread_mutex_unlock(&mu);
    return n;
}

int similarity_of(Store *st, int64_t seq, int k, int64_t before_seq, SimHit *out)
{
    (void)st;
    pthread_mutex_lock(&mu);
    int n = -ENOENT;
    for (int64_t i = 0; i < count; i++)
        if (seqs[i] == seq) {
            float *q = malloc((size_t)fb_dim * sizeof *q);
            memcpy(q, vecs + i * fb_dim, (size_t)fb_dim * sizeof *q);
            n = topk(q, k, seq, before_seq, out);
            free(q);
            break;
        }
    pthread_mutex_unlock(&mu);
    return n;
}

int similarity_build_index(Store *st, int64_t limit, int64_t *indexed, int64_t *ms)
{
    (void)st;
    (void)limit;
    *indexed = count;
    *ms = 0;
    return 0;
}

void similarity_stats(SimStats *out)
{
    out->vectors = count;
    out->indexed = 0;
    out->index_size = 0;
}
