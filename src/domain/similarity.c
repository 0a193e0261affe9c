/* similarity — see similarity.h.
 *
 * DESIGN. One process-wide state under a pthread rwlock: the exact matrix
 * (vector/vecmat: every stored vector, normalised, label = the alert's
 * seq) and, once built, the HNSW index (vector/hnsw). Searches take the
 * read lock; a put, the first load and swapping in a new index take the
 * write lock. The first call of any kind loads sec_embedding into the
 * matrix with the caller's Store and, when the index file is there and
 * has this dimension, the index too; vectors stored since the file was
 * written (a crash, or alerts after the last save) are added to it then,
 * so file and table agree without a full rebuild.
 *
 * A build reads the table with the caller's Store and no lock held
 * (searches and puts go on), writes the file, then under the write lock
 * adds what arrived meanwhile and swaps the new index in. Alerts put
 * after that go into both the matrix and the index. The matrix stays the
 * truth: an index hit whose vector is gone is dropped, and a filtered
 * search (similarity_of) the index cannot fill falls back to the exact
 * scan.
 */
#include "domain/similarity.h"
#include "store/embedding_repo.h"
#include "vector/embed.h"
#include "vector/hnsw.h"
#include "vector/vecmat.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
    pthread_rwlock_t lock;
    pthread_mutex_t  build;      /* one build at a time */
    int        dim;
    char      *path;             /* the index file, NULL = none */
    atomic_int loaded;
    atomic_int ef;
    VecMat    *mat;
    Hnsw      *hnsw;
    int64_t    dirty;            /* index changes since the file was written */
    int64_t    max_seq;          /* the largest label in the matrix */
} S = {
    .lock = PTHREAD_RWLOCK_INITIALIZER,
    .build = PTHREAD_MUTEX_INITIALIZER,
    .dim = SIMILARITY_DIM_DEFAULT,
    .ef = SIMILARITY_EF_DEFAULT,
};

static void drop_state(void)
{
    vecmat_free(S.mat);
    S.mat = NULL;
    hnsw_free(S.hnsw);
    S.hnsw = NULL;
    S.dirty = 0;
    S.max_seq = 0;
    atomic_store(&S.loaded, 0);
}

void similarity_configure(int dim, const char *index_path)
{
    pthread_rwlock_wrlock(&S.lock);
    drop_state();
    S.dim = dim > 0 ? dim : SIMILARITY_DIM_DEFAULT;
    free(S.path);
    S.path = index_path && *index_path ? xstrdup(index_path) : NULL;
    pthread_rwlock_unlock(&S.lock);
}

void similarity_reset(void)
{
    pthread_rwlock_wrlock(&S.lock);
    drop_state();
    pthread_rwlock_unlock(&S.lock);
}

int similarity_dim(void) { return S.dim; }

void similarity_set_ef(int ef)
{
    atomic_store(&S.ef, ef > 0 ? ef : SIMILARITY_EF_DEFAULT);
    pthread_rwlock_wrlock(&S.lock);
    if (S.hnsw)
        hnsw_set_ef(S.hnsw, atomic_load(&S.ef));
    pthread_rwlock_unlock(&S.lock);
}

void similarity_dim_error(int dim, char *err, size_t errsz)
{
    if (err && errsz)
        snprintf(err, errsz, "Vector dimension %d does not match the index dimension %d", dim,
                 S.dim);
}

void similarity_embed_text(const char *text, float *out)
{
    vec_embed(text, S.dim, out);
}

static void load_row(int64_t seq, const float *v, void *arg)
{
    vecmat_put(arg, seq, v);
    if (seq > S.max_seq)
        S.max_seq = seq;
}

/* Add to h every matrix row it lacks (labels above after, when after > 0);
 * the count added, or a negative errno. Write lock or a private h. */
static int64_t catch_up(Hnsw *h, int64_t after)
{
    int64_t added = 0;
    size_t n = vecmat_count(S.mat);
    for (size_t i = 0; i < n; i++) {
        int64_t label;
        const float *row = vecmat_row(S.mat, i, &label);
        if (label <= after || hnsw_has(h, label))
            continue;
        int rc = hnsw_add(h, label, row);
        if (rc < 0)
            return rc;
        added++;
    }
    return added;
}

/* Under the write lock: the matrix from the table, the index from its
 * file. */
static int load_locked(Store *st)
{
    VecMat *m = vecmat_new(S.dim);
    int64_t skipped = 0;
    int64_t n = embedding_repo_each(st, S.dim, 0, load_row, m, &skipped);
    if (n < 0) {
        vecmat_free(m);
        return -EIO;
    }
    if (skipped)
        log_msg(LOG_WARN, "similarity: %lld stored vectors are not of dimension %d: left out",
                (long long)skipped, S.dim);
    S.mat = m;
    if (S.path) {
        Hnsw *h = NULL;
        int rc = hnsw_load(S.path, S.dim, &h);
        if (rc == 0) {
            hnsw_set_ef(h, atomic_load(&S.ef));
            size_t in_file = hnsw_size(h);
            int64_t added = catch_up(h, 0);
            if (added < 0) {
                log_msg(LOG_ERROR, "similarity: catching the index %s up failed: exact search",
                        S.path);
                hnsw_free(h);
                h = NULL;
            } else if (added > 0) {
                log_msg(LOG_INFO, "similarity: index %s held %zu vectors, %lld added from "
                        "the table", S.path, in_file, (long long)added);
                S.dirty += added;
            }
            S.hnsw = h;
        } else if (rc != -ENOENT) {
            log_msg(LOG_WARN, "similarity: index %s is not a %d-dimension HNSW index (%s): "
                    "exact search until build-index", S.path, S.dim, strerror(-rc));
        }
    }
    atomic_store(&S.loaded, 1);
    return 0;
}

static int ensure_loaded(Store *st)
{
    if (atomic_load(&S.loaded))
        return 0;
    int rc = 0;
    pthread_rwlock_wrlock(&S.lock);
    if (!atomic_load(&S.loaded))
        rc = load_locked(st);
    pthread_rwlock_unlock(&S.lock);
    return rc;
}

int similarity_put(Store *st, int64_t seq, const float *v, int dim, const char *encoder,
                   const char *meta, int64_t now, char *err, size_t errsz)
{
    if (dim != S.dim) {
        similarity_dim_error(dim, err, errsz);
        return -EINVAL;
    }
    for (int i = 0; i < dim; i++)
        if (!isfinite(v[i])) {
            if (err && errsz)
                snprintf(err, errsz, "vector[%d] is not a finite number", i);
            return -EINVAL;
        }
    if (embedding_repo_put(st, seq, v, dim, encoder ? encoder : VEC_EMBED_ENCODER, meta, now)) {
        if (err && errsz)
            snprintf(err, errsz, "could not store the vector of alert %lld", (long long)seq);
        return -EIO;
    }
    int rc = ensure_loaded(st);
    if (rc)
        return rc;
    pthread_rwlock_wrlock(&S.lock);
    vecmat_put(S.mat, seq, v);
    if (seq > S.max_seq)
        S.max_seq = seq;
    if (S.hnsw) {
        if (hnsw_add(S.hnsw, seq, vecmat_get(S.mat, seq)) == 0)
            S.dirty++;
        else
            log_msg(LOG_WARN, "similarity: adding alert %lld to the index failed: it answers "
                    "from the exact scan only", (long long)seq);
    }
    pthread_rwlock_unlock(&S.lock);
    return 0;
}

typedef struct Filter {
    int64_t self, before;
} Filter;

static int keep(int64_t label, void *arg)
{
    const Filter *f = arg;
    return label != f->self && (f->before <= 0 || label < f->before);
}

/* Read lock held: the index's answer, filtered by f (NULL = none) and to
 * labels the matrix still has; -EAGAIN when that leaves fewer than k and
 * the matrix may hold more (the caller scans instead). */
static int index_search(const float *qn, int k, const Filter *f, SimHit *out)
{
    size_t total = vecmat_count(S.mat), in_index = hnsw_size(S.hnsw);
    int want = f ? (k * 2 + 8) : k;
    if ((size_t)want > in_index)
        want = (int)in_index;
    VecHit *hits = xmalloc((size_t)(want > 0 ? want : 1) * sizeof *hits);
    int n = hnsw_search(S.hnsw, qn, want, hits);
    int got = 0;
    for (int i = 0; i < n && got < k; i++) {
        if (!vecmat_get(S.mat, hits[i].label) || (f && !keep(hits[i].label, (void *)f)))
            continue;
        out[got].seq = hits[i].label;
        out[got].score = hits[i].score;
        got++;
    }
    free(hits);
    if (n < 0)
        return -EAGAIN;
    if (got < k && (size_t)got < total - (f ? 1 : 0))
        return -EAGAIN;
    return got;
}

static int exact_search(const float *q, int k, const Filter *f, SimHit *out)
{
    VecHit *hits = xmalloc((size_t)k * sizeof *hits);
    int n = vecmat_topk(S.mat, q, k, f ? keep : NULL, (void *)f, hits);
    for (int i = 0; i < n; i++) {
        out[i].seq = hits[i].label;
        out[i].score = hits[i].score;
    }
    free(hits);
    return n;
}

static int search_locked(const float *q, int k, const Filter *f, SimHit *out)
{
    if (S.hnsw && hnsw_size(S.hnsw) > 0) {
        float *qn = xmalloc((size_t)S.dim * sizeof *qn);
        memcpy(qn, q, (size_t)S.dim * sizeof *qn);
        vec_normalize(qn, S.dim);
        int n = index_search(qn, k, f, out);
        free(qn);
        if (n >= 0)
            return n;
    }
    return exact_search(q, k, f, out);
}

int similarity_search(Store *st, const float *q, int k, SimHit *out)
{
    if (k <= 0)
        return 0;
    int rc = ensure_loaded(st);
    if (rc)
        return rc;
    pthread_rwlock_rdlock(&S.lock);
    int n = search_locked(q, k, NULL, out);
    pthread_rwlock_unlock(&S.lock);
    return n;
}

int similarity_of(Store *st, int64_t seq, int k, int64_t before_seq, SimHit *out)
{
    int rc = ensure_loaded(st);
    if (rc)
        return rc;
    pthread_rwlock_rdlock(&S.lock);
    const float *v = vecmat_get(S.mat, seq);
    int n = -ENOENT;
    if (v) {
        Filter f = {seq, before_seq};
        n = k > 0 ? search_locked(v, k, &f, out) : 0;
    }
    pthread_rwlock_unlock(&S.lock);
    return n;
}

typedef struct BuildCtx {
    Hnsw   *h;
    float  *buf;
    int     dim;
    int     rc;
    int64_t last;
} BuildCtx;

static void build_row(int64_t seq, const float *v, void *arg)
{
    BuildCtx *b = arg;
    if (b->rc)
        return;
    memcpy(b->buf, v, (size_t)b->dim * sizeof *b->buf);
    vec_normalize(b->buf, b->dim);
    b->rc = hnsw_add(b->h, seq, b->buf);
    b->last = seq;
}

int similarity_build_index(Store *st, int64_t limit, int64_t *indexed, int64_t *ms)
{
    int rc = ensure_loaded(st);
    if (rc)
        return rc;
    pthread_mutex_lock(&S.build);
    int64_t t0 = util_mono_ms();
    pthread_rwlock_rdlock(&S.lock);
    size_t cap = vecmat_count(S.mat);
    int64_t known = S.max_seq;   /* later labels arrive while this builds */
    pthread_rwlock_unlock(&S.lock);
    if (limit > 0 && (size_t)limit < cap)
        cap = (size_t)limit;
    BuildCtx b = {.dim = S.dim};
    rc = hnsw_create(S.dim, cap + cap / 8 + 1024, SIMILARITY_HNSW_M, SIMILARITY_HNSW_EFC, &b.h);
    if (rc) {
        pthread_mutex_unlock(&S.build);
        return -EIO;
    }
    hnsw_set_ef(b.h, atomic_load(&S.ef));
    b.buf = xmalloc((size_t)S.dim * sizeof *b.buf);
    int64_t n = embedding_repo_each(st, S.dim, limit, build_row, &b, NULL);
    free(b.buf);
    if (n < 0 || b.rc) {
        log_msg(LOG_ERROR, "similarity: building the index failed (%s)",
                n < 0 ? "reading sec_embedding" : strerror(-b.rc));
        hnsw_free(b.h);
        pthread_mutex_unlock(&S.build);
        return -EIO;
    }
    int saved = 0;
    if (S.path) {
        saved = hnsw_save(b.h, S.path) == 0;
        if (!saved)
            log_msg(LOG_ERROR, "similarity: could not write the index to %s: it answers "
                    "from memory until the next build", S.path);
    }
    pthread_rwlock_wrlock(&S.lock);
    /* what arrived while building */
    int64_t added = catch_up(b.h, known > b.last ? known : b.last);
    if (added < 0)
        added = 0;
    hnsw_free(S.hnsw);
    S.hnsw = b.h;
    S.dirty = added + (S.path && !saved);
    int64_t size = (int64_t)hnsw_size(S.hnsw);
    pthread_rwlock_unlock(&S.lock);
    int64_t took = util_mono_ms() - t0;
    pthread_mutex_unlock(&S.build);
    log_msg(LOG_INFO, "similarity: HNSW index of %lld vectors built in %lld ms", (long long)size,
            (long long)took);
    if (indexed)
        *indexed = size;
    if (ms)
        *ms = took;
    return 0;
}

int similarity_save(void)
{
    int rc = 0;
    pthread_mutex_lock(&S.build);
    pthread_rwlock_rdlock(&S.lock);
    if (S.hnsw && S.path && S.dirty) {
        rc = hnsw_save(S.hnsw, S.path) ? -EIO : 0;
        if (rc == 0)
            S.dirty = 0;   /* only this function and builds (S.build) reset it */
    }
    pthread_rwlock_unlock(&S.lock);
    pthread_mutex_unlock(&S.build);
    return rc;
}

void similarity_stats(SimStats *out)
{
    pthread_rwlock_rdlock(&S.lock);
    out->vectors = S.mat ? (int64_t)vecmat_count(S.mat) : 0;
    out->indexed = S.hnsw != NULL;
    out->index_size = S.hnsw ? (int64_t)hnsw_size(S.hnsw) : 0;
    pthread_rwlock_unlock(&S.lock);
}
