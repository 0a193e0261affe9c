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
 * after that go into both the matrix and the index. The put that brings
 * the matrix to the automatic threshold starts auto_build, the same build
 * from the matrix's copy on a thread of its own (joined by reset and
 * configure). The matrix stays the
 * truth: an index hit whose vector is gone is dropped, and a filtered
 * search (similarity_of) the index cannot fill falls back to the exact
 * scan.
 */
#include "domain/similarity.h"
#include "store/audit_repo.h"
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
#include <unistd.h>

static struct {
    pthread_rwlock_t lock;
    pthread_mutex_t  build;      /* one build at a time */
    int        dim;
    char      *path;             /* the index file, NULL = none */
    atomic_int loaded;
    atomic_int ef;
    VecMat    *mat;
    Hnsw      *hnsw;
    atomic_llong dirty;          /* index changes since the file was written */
    atomic_int pending;          /* puts adding to the index under the read lock */
    int64_t    max_seq;          /* the largest label in the matrix */
    atomic_llong auto_at;        /* build the index by itself from this many vectors (0 = never) */
    atomic_int auto_cancel;
    pthread_mutex_t auto_mu;     /* auto_started, auto_th */
    int        auto_started;     /* auto_th is to be joined */
    pthread_t  auto_th;
} S = {
    .auto_at = SIMILARITY_AUTO_INDEX_DEFAULT,
    .auto_mu = PTHREAD_MUTEX_INITIALIZER,
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

/* Stop and join a background build (before the state is dropped). */
static void auto_stop(void)
{
    pthread_mutex_lock(&S.auto_mu);
    if (S.auto_started) {
        atomic_store(&S.auto_cancel, 1);
        pthread_join(S.auto_th, NULL);
        S.auto_started = 0;
        atomic_store(&S.auto_cancel, 0);
    }
    pthread_mutex_unlock(&S.auto_mu);
}

void similarity_configure(int dim, const char *index_path)
{
    auto_stop();
    pthread_rwlock_wrlock(&S.lock);
    drop_state();
    S.dim = dim > 0 ? dim : SIMILARITY_DIM_DEFAULT;
    free(S.path);
    S.path = index_path && *index_path ? xstrdup(index_path) : NULL;
    pthread_rwlock_unlock(&S.lock);
}

void similarity_reset(void)
{
    auto_stop();
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
            hnsw_set_ef_construction(h, SIMILARITY_HNSW_EFC_LIVE);
            size_t in_file = hnsw_size(h);
            int64_t added = catch_up(h, 0);
            if (added < 0) {
                log_msg(LOG_ERROR, "similarity: catching the index %s up failed: exact search",
                        S.path);
                hnsw_free(h);
                h = NULL;
            } else {
                log_msg(LOG_INFO, "similarity: index %s loaded: %zu vectors, %lld added from "
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

static void fresh_row(int64_t seq, const float *v, void *arg)
{
    (void)arg;
    vecmat_put(S.mat, seq, v);
    if (seq > S.max_seq)
        S.max_seq = seq;
    if (S.hnsw && hnsw_add(S.hnsw, seq, vecmat_get(S.mat, seq)) == 0)
        S.dirty++;
}

/* Before a search: vectors another process stored (a console beside the
 * engine's process) are not in this one's memory yet. One indexed max()
 * per search finds them; they are read in under the write lock. (A vector
 * another process *replaced* is seen at the next start.) */
static int ensure_fresh(Store *st)
{
    int rc = ensure_loaded(st);
    if (rc)
        return rc;
    int64_t max = embedding_repo_max_seq(st);
    if (max < 0)
        return -EIO;
    pthread_rwlock_rdlock(&S.lock);
    int behind = max > S.max_seq;
    pthread_rwlock_unlock(&S.lock);
    if (!behind)
        return 0;
    pthread_rwlock_wrlock(&S.lock);
    int64_t n = S.mat ? embedding_repo_each_after(st, S.dim, S.max_seq, fresh_row, NULL) : 0;
    pthread_rwlock_unlock(&S.lock);
    return n < 0 ? -EIO : 0;
}

/* The vector's dimension and values: 0, or -EINVAL with err. */
static int check_vector(const float *v, int dim, char *err, size_t errsz)
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
    return 0;
}

static void auto_start(void);

/* The stored vector of seq into memory: the matrix under the write lock,
 * then the index under the read lock (hnswlib's add is thread-safe, and
 * a graph insert costs milliseconds that searches need not wait for).
 * The write lock grows the index first, with room for every put in
 * flight, so a shared add never finds it full. */
static int mem_add(Store *st, int64_t seq, const float *v)
{
    int rc = ensure_loaded(st);
    if (rc)
        return rc;
    float *row = NULL;
    pthread_rwlock_wrlock(&S.lock);
    vecmat_put(S.mat, seq, v);
    if (seq > S.max_seq)
        S.max_seq = seq;
    if (S.hnsw) {
        size_t need = hnsw_size(S.hnsw) + (size_t)atomic_load(&S.pending) + 1;
        if (need > hnsw_capacity(S.hnsw) && hnsw_resize(S.hnsw, need * 2) != 0)
            log_msg(LOG_WARN, "similarity: the index could not grow to %zu vectors", need * 2);
        row = xmalloc((size_t)S.dim * sizeof *row);
        memcpy(row, vecmat_get(S.mat, seq), (size_t)S.dim * sizeof *row);
        atomic_fetch_add(&S.pending, 1);
    }
    int start_auto = !S.hnsw && atomic_load(&S.auto_at) > 0 &&
                     (int64_t)vecmat_count(S.mat) >= atomic_load(&S.auto_at);
    pthread_rwlock_unlock(&S.lock);
    if (start_auto)
        auto_start();
    if (!row)
        return 0;
    pthread_rwlock_rdlock(&S.lock);
    /* S.hnsw may be a newer index by now (a build swapped it in): the
     * vector goes into that one; the build's catch-up covers the rest */
    if (S.hnsw) {
        if (hnsw_add_shared(S.hnsw, seq, row) == 0)
            atomic_fetch_add(&S.dirty, 1);
        else
            log_msg(LOG_WARN, "similarity: adding alert %lld to the index failed: it answers "
                    "from the exact scan only", (long long)seq);
    }
    atomic_fetch_sub(&S.pending, 1);
    pthread_rwlock_unlock(&S.lock);
    free(row);
    return 0;
}

int similarity_put(Store *st, int64_t seq, const float *v, int dim, const char *encoder,
                   const char *meta, int64_t now, char *err, size_t errsz)
{
    int rc = check_vector(v, dim, err, errsz);
    if (rc)
        return rc;
    if (embedding_repo_put(st, seq, v, dim, encoder ? encoder : VEC_EMBED_ENCODER, meta, now)) {
        if (err && errsz)
            snprintf(err, errsz, "could not store the vector of alert %lld", (long long)seq);
        return -EIO;
    }
    return mem_add(st, seq, v);
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
static int index_search(const float *qn, int k, int ef, const Filter *f, SimHit *out)
{
    size_t total = vecmat_count(S.mat), in_index = hnsw_size(S.hnsw);
    int want = f ? (k * 2 + 8) : k;
    if ((size_t)want > in_index)
        want = (int)in_index;
    VecHit *hits = xmalloc((size_t)(want > 0 ? want : 1) * sizeof *hits);
    int n = ef > 0 ? hnsw_search_ef(S.hnsw, qn, want, ef, hits) : hnsw_search(S.hnsw, qn, want, hits);
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

/* ef > 0: this search's HNSW breadth instead of the API's (S.ef). */
static int search_locked(const float *q, int k, int ef, const Filter *f, SimHit *out)
{
    if (S.hnsw && hnsw_size(S.hnsw) > 0) {
        float *qn = xmalloc((size_t)S.dim * sizeof *qn);
        memcpy(qn, q, (size_t)S.dim * sizeof *qn);
        vec_normalize(qn, S.dim);
        int n = index_search(qn, k, ef, f, out);
        free(qn);
        if (n >= 0)
            return n;
    }
    return exact_search(q, k, f, out);
}

int similarity_search(Store *st, const float *q, int k, SimHit *out)
{
    return similarity_search_ef(st, q, k, 0, out);
}

int similarity_search_ef(Store *st, const float *q, int k, int ef, SimHit *out)
{
    if (k <= 0)
        return 0;
    int rc = ensure_fresh(st);
    if (rc)
        return rc;
    pthread_rwlock_rdlock(&S.lock);
    int n = search_locked(q, k, ef, NULL, out);
    pthread_rwlock_unlock(&S.lock);
    return n;
}

int similarity_of(Store *st, int64_t seq, int k, int64_t before_seq, SimHit *out)
{
    int rc = ensure_fresh(st);
    if (rc)
        return rc;
    pthread_rwlock_rdlock(&S.lock);
    const float *v = vecmat_get(S.mat, seq);
    int n = -ENOENT;
    if (v) {
        Filter f = {seq, before_seq};
        n = k > 0 ? search_locked(v, k, 0, &f, out) : 0;
    }
    pthread_rwlock_unlock(&S.lock);
    return n;
}

/* A build reads the table in chunks and adds each chunk with a few
 * threads (hnswlib's add is thread-safe; the graph insert is the cost). */
#define BUILD_CHUNK   4096
#define BUILD_THREADS 4

typedef struct BuildCtx {
    Hnsw    *h;
    float   *rows;      /* BUILD_CHUNK normalised rows */
    int64_t *labels;
    int      n, dim, threads;
    int      rc;
    int64_t  last;
} BuildCtx;

typedef struct BuildPart {
    BuildCtx *b;
    int       from, rc;
} BuildPart;

static void *build_part(void *arg)
{
    BuildPart *p = arg;
    for (int i = p->from; i < p->b->n && !p->rc; i += p->b->threads)
        p->rc = hnsw_add_shared(p->b->h, p->b->labels[i], p->b->rows + (size_t)i * p->b->dim);
    return NULL;
}

static void build_flush(BuildCtx *b)
{
    if (b->rc || b->n == 0)
        return;
    size_t need = hnsw_size(b->h) + (size_t)b->n;
    if (need > hnsw_capacity(b->h) && (b->rc = hnsw_resize(b->h, need + need / 2)) != 0)
        return;
    pthread_t th[BUILD_THREADS];
    BuildPart parts[BUILD_THREADS];
    int created[BUILD_THREADS] = {0};
    for (int i = 0; i < b->threads; i++)
        parts[i] = (BuildPart){b, i, 0};
    for (int i = 1; i < b->threads; i++)
        created[i] = pthread_create(&th[i], NULL, build_part, &parts[i]) == 0;
    for (int i = 0; i < b->threads; i++)   /* this thread: part 0 and any not started */
        if (!created[i])
            build_part(&parts[i]);
    for (int i = 1; i < b->threads; i++)
        if (created[i])
            pthread_join(th[i], NULL);
    for (int i = 0; i < b->threads; i++)
        if (parts[i].rc && !b->rc)
            b->rc = parts[i].rc;
    b->n = 0;
}

static void build_row(int64_t seq, const float *v, void *arg)
{
    BuildCtx *b = arg;
    if (b->rc)
        return;
    float *dst = b->rows + (size_t)b->n * b->dim;
    memcpy(dst, v, (size_t)b->dim * sizeof *dst);
    vec_normalize(dst, b->dim);
    b->labels[b->n++] = seq;
    b->last = seq;
    if (b->n == BUILD_CHUNK)
        build_flush(b);
}

static int build_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > BUILD_THREADS ? BUILD_THREADS : (int)n;
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
    BuildCtx b = {.dim = S.dim, .threads = build_threads()};
    rc = hnsw_create(S.dim, cap + cap / 8 + 1024, SIMILARITY_HNSW_M, SIMILARITY_HNSW_EFC, &b.h);
    if (rc) {
        pthread_mutex_unlock(&S.build);
        return -EIO;
    }
    hnsw_set_ef(b.h, atomic_load(&S.ef));
    b.rows = xmalloc((size_t)BUILD_CHUNK * S.dim * sizeof *b.rows);
    b.labels = xmalloc(BUILD_CHUNK * sizeof *b.labels);
    int64_t n = embedding_repo_each(st, S.dim, limit, build_row, &b, NULL);
    build_flush(&b);
    free(b.rows);
    free(b.labels);
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
    hnsw_set_ef_construction(b.h, SIMILARITY_HNSW_EFC_LIVE);
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

/* ---- the index built by itself (SIMILARITY_AUTO_INDEX_DEFAULT) ---------- */

/* A build from the matrix (no Store: the vectors are in memory, already
 * normalised), off the caller's thread; swapped in as a build's is. */
static void *auto_build(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&S.build);
    pthread_rwlock_rdlock(&S.lock);
    size_t n = S.mat && !S.hnsw ? vecmat_count(S.mat) : 0;
    int dim = S.dim;
    float *rows = n ? malloc(n * (size_t)dim * sizeof *rows) : NULL;
    int64_t *labels = n ? malloc(n * sizeof *labels) : NULL;
    int64_t known = 0;
    if (rows && labels) {
        for (size_t i = 0; i < n; i++) {
            const float *r = vecmat_row(S.mat, i, &labels[i]);
            memcpy(rows + i * (size_t)dim, r, (size_t)dim * sizeof *rows);
            if (labels[i] > known)
                known = labels[i];
        }
    } else {
        n = 0;
    }
    pthread_rwlock_unlock(&S.lock);
    int64_t t0 = util_mono_ms();
    /* one core fewer than a build-index: the pipeline keeps one */
    int threads = build_threads() - 1;
    BuildCtx b = {.dim = dim, .threads = threads < 1 ? 1 : threads};
    if (n == 0 || hnsw_create(dim, n + n / 8 + 1024, SIMILARITY_HNSW_M, SIMILARITY_HNSW_EFC,
                              &b.h) != 0) {
        free(rows);
        free(labels);
        pthread_mutex_unlock(&S.build);
        return NULL;
    }
    for (size_t at = 0; at < n && !b.rc && !atomic_load(&S.auto_cancel); at += BUILD_CHUNK) {
        b.rows = rows + at * (size_t)dim;
        b.labels = labels + at;
        b.n = (int)(n - at < BUILD_CHUNK ? n - at : BUILD_CHUNK);
        build_flush(&b);
    }
    free(rows);
    free(labels);
    int ok = !b.rc && !atomic_load(&S.auto_cancel);
    int saved = ok && S.path && hnsw_save(b.h, S.path) == 0;
    int64_t size = 0;
    pthread_rwlock_wrlock(&S.lock);
    if (ok && S.mat && !S.hnsw && S.dim == dim) {
        int64_t added = catch_up(b.h, known);
        hnsw_set_ef(b.h, atomic_load(&S.ef));
        hnsw_set_ef_construction(b.h, SIMILARITY_HNSW_EFC_LIVE);
        S.hnsw = b.h;
        b.h = NULL;
        S.dirty = (added > 0 ? added : 0) + (S.path && !saved);
        size = (int64_t)hnsw_size(S.hnsw);
    }
    pthread_rwlock_unlock(&S.lock);
    hnsw_free(b.h);
    pthread_mutex_unlock(&S.build);
    if (size)
        log_msg(LOG_INFO, "similarity: %lld stored vectors: HNSW index built by itself in %lld ms",
                (long long)size, (long long)(util_mono_ms() - t0));
    return NULL;
}

/* Start auto_build unless one ran already (a later similarity_reset or
 * configure joins it and allows the next). */
static void auto_start(void)
{
    pthread_mutex_lock(&S.auto_mu);
    if (!S.auto_started && pthread_create(&S.auto_th, NULL, auto_build, NULL) == 0)
        S.auto_started = 1;
    pthread_mutex_unlock(&S.auto_mu);
}

void similarity_set_auto_index(int64_t threshold)
{
    atomic_store(&S.auto_at, threshold > 0 ? threshold : 0);
}

int similarity_save(void)
{
    int rc = 0;
    pthread_mutex_lock(&S.build);
    pthread_rwlock_wrlock(&S.lock);   /* no add may change the graph while it is written */
    if (S.hnsw && S.path && S.dirty) {
        rc = hnsw_save(S.hnsw, S.path) ? -EIO : 0;
        if (rc == 0)
            S.dirty = 0;
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

/* ---- the embeddings API's side ----------------------------------------- */

int64_t similarity_alert_seq(Store *st, const char *id)
{
    int64_t seq = embedding_repo_alert_seq(st, id);
    return seq < 0 ? -EIO : seq == 0 ? -ENOENT : seq;
}

typedef struct PutArg {
    int64_t     seq;
    const float *v;
    int         dim;
    const char *encoder, *meta;
    int64_t     now;
} PutArg;

static int put_row(Store *conn, void *arg)
{
    const PutArg *p = arg;
    return embedding_repo_put(conn, p->seq, p->v, p->dim, p->encoder, p->meta, p->now);
}

int similarity_put_alert(Store *st, const char *alert_id, const float *v, int dim,
                         const char *encoder, const char *meta, int64_t now, int64_t *out_seq,
                         char *err, size_t errsz)
{
    int rc = check_vector(v, dim, err, errsz);
    if (rc)
        return rc;
    int64_t seq = similarity_alert_seq(st, alert_id);
    if (seq < 0) {
        if (err && errsz)
            snprintf(err, errsz, seq == -ENOENT ? "Alert '%s' not found" : "reading alert '%s'",
                     alert_id);
        return (int)seq;
    }
    /* durable before the answer, sharing its commit with concurrent
     * ingestion (an alert deleted meanwhile fails the foreign key: -EIO) */
    PutArg p = {seq, v, dim, encoder ? encoder : VEC_EMBED_ENCODER, meta, now};
    if (store_group_commit(st, put_row, &p)) {
        if (err && errsz)
            snprintf(err, errsz, "could not store the vector of alert '%s'", alert_id);
        return -EIO;
    }
    rc = mem_add(st, seq, v);
    if (rc == 0 && out_seq)
        *out_seq = seq;
    return rc;
}

int similarity_ref(Store *st, int64_t seq, char id[SIMILARITY_ID_MAX + 1],
                   char alpha[SIMILARITY_ID_MAX + 1])
{
    return embedding_repo_alert_ref(st, seq, id, SIMILARITY_ID_MAX + 1, alpha,
                                    SIMILARITY_ID_MAX + 1);
}

int similarity_build_index_as(Store *st, int64_t limit, const char *actor, int64_t now,
                              int64_t *indexed, int64_t *ms)
{
    int64_t n = 0, took = 0;
    int rc = similarity_build_index(st, limit, &n, &took);
    if (rc)
        return rc;
    char detail[160];
    snprintf(detail, sizeof detail, "HNSW index of %lld vectors built in %lld ms (limit %lld)",
             (long long)n, (long long)took, (long long)limit);
    if (audit_repo_add_as(st, "Similarity Index Built", "SecEmbedding", 0, 0, actor, detail,
                          now))
        return -EIO;
    if (indexed)
        *indexed = n;
    if (ms)
        *ms = took;
    return 0;
}
