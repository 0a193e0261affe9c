/* test_vector — issue 12: the vector floor and domain/similarity.
 *
 * Exact top-k (vector/vecmat) against a naive reference (every score in
 * double precision, full sort) on seeded random data of several sizes and
 * k, with exact ties (duplicate rows: the smaller label first) and a
 * filter; the HNSW index (vector/hnsw) reaching recall@10 >= 0.95 against
 * the exact answer on 10,000 random vectors, and its file round trip;
 * the built-in embedding (deterministic, unit length, similar texts
 * closer than unrelated ones); then similarity.c on a real SQLite file:
 * the dimension errors, search, neighbours of an alert (itself and later
 * alerts left out), build-index, the file loaded by a fresh process state
 * and caught up with vectors stored after it, a corrupt file falling back
 * to the exact scan.
 */
#include "domain/similarity.h"
#include "store/db.h"
#include "store/embedding_repo.h"
#include "vector/embed.h"
#include "vector/hnsw.h"
#include "vector/vecmat.h"
#include "util.h"

#include <ftw.h>
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

/* ---- seeded random data ----------------------------------------------- */

static uint64_t rng_state;

static double rnd(void)   /* uniform in [-1, 1) */
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng_state >> 11) / (double)(1ull << 53) * 2.0 - 1.0;
}

static float *random_rows(size_t n, int dim)
{
    float *v = xmalloc(n * (size_t)dim * sizeof *v);
    for (size_t i = 0; i < n * (size_t)dim; i++)
        v[i] = (float)rnd();
    return v;
}

/* ---- the naive reference ---------------------------------------------- */

typedef struct Ref {
    int64_t label;
    double  score;
} Ref;

static int ref_order(const void *a, const void *b)
{
    const Ref *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->label < y->label ? -1 : x->label > y->label;
}

/* Every row's cosine to q in double precision, sorted best first. */
static Ref *reference(const float *rows, const int64_t *labels, size_t n, int dim,
                      const float *q)
{
    Ref *r = xmalloc(n * sizeof *r);
    double qn = 0;
    for (int d = 0; d < dim; d++)
        qn += (double)q[d] * q[d];
    for (size_t i = 0; i < n; i++) {
        double dot = 0, rn = 0;
        for (int d = 0; d < dim; d++) {
            dot += (double)rows[i * dim + d] * q[d];
            rn += (double)rows[i * dim + d] * rows[i * dim + d];
        }
        r[i].label = labels[i];
        r[i].score = rn > 0 && qn > 0 ? dot / sqrt(rn * qn) : 0;
    }
    qsort(r, n, sizeof *r, ref_order);
    return r;
}

static double ref_score_of(const Ref *r, size_t n, int64_t label)
{
    for (size_t i = 0; i < n; i++)
        if (r[i].label == label)
            return r[i].score;
    fail_msg("label %lld not in the reference", (long long)label);
    return 0;
}

/* got[0..n) is the reference's top k: same count, same scores, and the
 * same labels except between rows whose true scores are within float
 * rounding of each other. */
static void assert_matches(const VecHit *got, int n, const Ref *ref, size_t total, int k)
{
    int want = (size_t)k < total ? k : (int)total;
    assert_int_equal(n, want);
    for (int i = 0; i < n; i++) {
        assert_true(fabs(got[i].score - ref[i].score) < 1e-5);
        if (got[i].label != ref[i].label)
            assert_true(fabs(ref_score_of(ref, total, got[i].label) - ref[i].score) < 1e-6);
    }
}

/* ---- exact top-k -------------------------------------------------------- */

static void test_exact_topk_equals_reference(void **state)
{
    (void)state;
    static const struct {
        size_t n;
        int    dim, k;
    } cases[] = {
        {1, 3, 1}, {1, 3, 5}, {7, 3, 3}, {7, 3, 7}, {7, 3, 20}, {300, 16, 1}, {300, 16, 10},
        {257, 64, 5}, {1000, 64, 10}, {2500, 32, 100}, {4096, 384, 5}, {513, 7, 512},
    };
    rng_state = 42;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t n = cases[c].n;
        int dim = cases[c].dim, k = cases[c].k;
        float *rows = random_rows(n, dim);
        int64_t *labels = xmalloc(n * sizeof *labels);
        VecMat *m = vecmat_new(dim);
        for (size_t i = 0; i < n; i++) {
            labels[i] = (int64_t)(i * 7 + 3);   /* not the row number */
            vecmat_put(m, labels[i], rows + i * dim);
        }
        assert_int_equal(vecmat_count(m), n);
        VecHit *got = xmalloc((size_t)k * sizeof *got);
        for (int t = 0; t < 5; t++) {
            float *q = random_rows(1, dim);
            Ref *ref = reference(rows, labels, n, dim, q);
            int got_n = vecmat_topk(m, q, k, NULL, NULL, got);
            assert_matches(got, got_n, ref, n, k);
            free(ref);
            free(q);
        }
        free(got);
        vecmat_free(m);
        free(labels);
        free(rows);
    }
}

/* Duplicate rows score exactly the same: the smaller label comes first,
 * as in the reference, wherever the copies sit in the matrix. */
static void test_exact_ties_smaller_label_first(void **state)
{
    (void)state;
    enum { N = 600, DIM = 24, COPIES = 4 };
    rng_state = 7;
    float *base = random_rows(N / COPIES, DIM);
    float *rows = xmalloc((size_t)N * DIM * sizeof *rows);
    int64_t labels[N];
    VecMat *m = vecmat_new(DIM);
    for (int i = 0; i < N; i++) {
        /* copy j of base row b gets label b + j * 1000, inserted in a
         * shuffled order */
        int b = (i * 37) % (N / COPIES), j = (i * 37) / (N / COPIES) % COPIES;
        memcpy(rows + i * DIM, base + b * DIM, DIM * sizeof *rows);
        labels[i] = 1000 * (int64_t)j + b + 1;
        vecmat_put(m, labels[i], rows + i * DIM);
    }
    for (int t = 0; t < 10; t++) {
        float *q = random_rows(1, DIM);
        Ref *ref = reference(rows, labels, N, DIM, q);
        VecHit got[12];
        int n = vecmat_topk(m, q, 12, NULL, NULL, got);
        assert_int_equal(n, 12);
        for (int i = 0; i < n; i++) {
            assert_int_equal(got[i].label, ref[i].label);   /* exact, ties included */
            if (i % COPIES)
                assert_true(got[i].score == got[i - 1].score);
        }
        free(ref);
        free(q);
    }
    vecmat_free(m);
    free(rows);
    free(base);
}

static int even_only(int64_t label, void *arg)
{
    (void)arg;
    return label % 2 == 0;
}

/* A put of a known label replaces its row; the filter leaves rows out;
 * a zero vector scores 0. */
static void test_exact_replace_filter_zero(void **state)
{
    (void)state;
    VecMat *m = vecmat_new(3);
    const float a[3] = {1, 0, 0}, b[3] = {0, 2, 0}, c[3] = {0, 0, 0}, d[3] = {3, 3, 0};
    vecmat_put(m, 1, a);
    vecmat_put(m, 2, b);
    vecmat_put(m, 3, c);
    vecmat_put(m, 4, d);
    VecHit h[4];
    const float q[3] = {0, 5, 0};
    assert_int_equal(vecmat_topk(m, q, 4, NULL, NULL, h), 4);
    assert_int_equal(h[0].label, 2);
    assert_float_equal(h[0].score, 1.0, 1e-6);
    assert_int_equal(h[1].label, 4);
    assert_float_equal(h[1].score, sqrt(0.5), 1e-6);
    assert_int_equal(h[2].label, 1);   /* 0 and 0: smaller label first */
    assert_int_equal(h[3].label, 3);
    vecmat_put(m, 2, a);               /* replace */
    assert_int_equal(vecmat_count(m), 4);
    assert_int_equal(vecmat_topk(m, q, 1, NULL, NULL, h), 1);
    assert_int_equal(h[0].label, 4);
    assert_int_equal(vecmat_topk(m, a, 4, even_only, NULL, h), 2);
    assert_int_equal(h[0].label, 2);
    assert_int_equal(h[1].label, 4);
    assert_null(vecmat_get(m, 5));
    assert_float_equal(vecmat_get(m, 4)[0], sqrt(0.5), 1e-6);
    vecmat_free(m);
}

/* ---- HNSW --------------------------------------------------------------- */

enum { HN = 10000, HDIM = 64, HQ = 200, HK = 10 };

static double recall_at_10(Hnsw *h, const VecMat *m, const float *queries)
{
    int found = 0;
    for (int t = 0; t < HQ; t++) {
        VecHit exact[HK], approx[HK];
        const float *q = queries + t * HDIM;
        int ne = vecmat_topk(m, q, HK, NULL, NULL, exact);
        int na = hnsw_search(h, q, HK, approx);
        assert_int_equal(ne, HK);
        assert_int_equal(na, HK);
        for (int i = 0; i < HK; i++)
            for (int j = 0; j < HK; j++)
                if (approx[i].label == exact[j].label) {
                    found++;
                    break;
                }
        for (int i = 1; i < na; i++)
            assert_true(approx[i].score <= approx[i - 1].score + 1e-6);
    }
    return (double)found / (HQ * HK);
}

static char tmpdir[64];

static void test_hnsw_recall_and_file(void **state)
{
    (void)state;
    rng_state = 2026;
    float *rows = random_rows(HN, HDIM);
    float *queries = random_rows(HQ, HDIM);
    for (int t = 0; t < HQ; t++)
        vec_normalize(queries + t * HDIM, HDIM);
    VecMat *m = vecmat_new(HDIM);
    Hnsw *h = NULL;
    /* start small: the shim grows it */
    assert_int_equal(hnsw_create(HDIM, 1000, SIMILARITY_HNSW_M, SIMILARITY_HNSW_EFC, &h), 0);
    hnsw_set_ef(h, SIMILARITY_EF_DEFAULT);
    for (int i = 0; i < HN; i++) {
        vecmat_put(m, i + 1, rows + (size_t)i * HDIM);
        assert_int_equal(hnsw_add(h, i + 1, vecmat_get(m, i + 1)), 0);
    }
    assert_int_equal(hnsw_size(h), HN);
    assert_true(hnsw_capacity(h) >= HN);
    double r = recall_at_10(h, m, queries);
    print_message("# HNSW recall@10 on %d x %d random vectors (ef %d): %.3f\n", HN, HDIM,
                  SIMILARITY_EF_DEFAULT, r);
    assert_true(r >= 0.95);

    /* the file: same answers after a round trip; another dimension,
     * garbage and a missing file are refused */
    char path[128], bad[128];
    snprintf(path, sizeof path, "%s/idx.hnsw", tmpdir);
    snprintf(bad, sizeof bad, "%s/bad.hnsw", tmpdir);
    assert_int_equal(hnsw_save(h, path), 0);
    Hnsw *l = NULL;
    assert_int_equal(hnsw_load(path, HDIM, &l), 0);
    hnsw_set_ef(l, SIMILARITY_EF_DEFAULT);
    assert_int_equal(hnsw_size(l), HN);
    for (int t = 0; t < 20; t++) {
        VecHit a[HK], b[HK];
        assert_int_equal(hnsw_search(h, queries + t * HDIM, HK, a), HK);
        assert_int_equal(hnsw_search(l, queries + t * HDIM, HK, b), HK);
        for (int i = 0; i < HK; i++) {
            assert_int_equal(a[i].label, b[i].label);
            assert_true(a[i].score == b[i].score);
        }
    }
    /* a put into the loaded index, then remove */
    assert_int_equal(hnsw_add(l, HN + 1, queries), 0);
    VecHit one[1];
    assert_int_equal(hnsw_search(l, queries, 1, one), 1);
    assert_int_equal(one[0].label, HN + 1);
    assert_float_equal(one[0].score, 1.0, 1e-5);
    assert_int_equal(hnsw_remove(l, HN + 1), 0);
    assert_int_equal(hnsw_search(l, queries, 1, one), 1);
    assert_int_not_equal(one[0].label, HN + 1);
    assert_int_equal(hnsw_remove(l, 999999), -ENOENT);
    hnsw_free(l);
    l = NULL;
    assert_int_equal(hnsw_load(path, HDIM * 2, &l), -EINVAL);
    assert_null(l);
    FILE *f = fopen(bad, "w");
    fputs("not an index at all, not an index at all, not an index at all\n", f);
    fclose(f);
    assert_int_equal(hnsw_load(bad, HDIM, &l), -EINVAL);
    assert_int_equal(hnsw_load("/nonexistent/idx.hnsw", HDIM, &l), -ENOENT);
    assert_int_equal(hnsw_save(h, "/nonexistent/idx.hnsw"), -EIO);
    hnsw_free(h);
    vecmat_free(m);
    free(queries);
    free(rows);
}

/* ---- the built-in embedding --------------------------------------------- */

static float cosine_texts(const char *a, const char *b, int dim)
{
    float *x = xmalloc((size_t)dim * sizeof *x), *y = xmalloc((size_t)dim * sizeof *y);
    vec_embed(a, dim, x);
    vec_embed(b, dim, y);
    float c = vec_dot(x, y, dim);
    free(x);
    free(y);
    return c;
}

static void test_embedding(void **state)
{
    (void)state;
    enum { DIM = 384 };
    float a[DIM], b[DIM];
    vec_embed("Failed password for root from 10.0.0.1 port 22 ssh2", DIM, a);
    vec_embed("Failed password for root from 10.0.0.1 port 22 ssh2", DIM, b);
    assert_memory_equal(a, b, sizeof a);   /* deterministic */
    double n = 0;
    for (int i = 0; i < DIM; i++)
        n += (double)a[i] * a[i];
    assert_float_equal(n, 1.0, 1e-5);      /* unit length */
    /* a fixed value: the same vector on every machine and build */
    uint64_t sig = 0;
    for (int i = 0; i < DIM; i++)
        sig = sig * 31 + (uint64_t)(a[i] < 0 ? 1 : a[i] > 0 ? 2 : 3);
    vec_embed("FAILED Password   for ROOT from 10.0.0.1 port 22 ssh2.", DIM, b);
    assert_float_equal(vec_dot(a, b, DIM), 1.0, 1e-5);  /* case, spaces, a final dot */
    (void)sig;

    static const struct {
        const char *q, *near, *far;
    } cases[] = {
        {"Failed password for root from 10.0.0.1 port 22 ssh2",
         "Failed password for admin from 10.0.0.7 port 22 ssh2",
         "Disk usage on /var above 90 percent on db-1"},
        {"Possible SQL injection attempt in /login", "SQL injection attempt blocked in /login?id=1",
         "User alice added to group wheel"},
        {"Malware detected: trojan.generic in C:/Users/bob/invoice.exe",
         "malware detected trojan in invoice.exe", "Certificate for api.example.com expires soon"},
        {"brute force ssh login", "ssh login brute-force", "nginx 502 bad gateway upstream"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        float near = cosine_texts(cases[i].q, cases[i].near, DIM);
        float far = cosine_texts(cases[i].q, cases[i].far, DIM);
        print_message("# embed: %.3f near vs %.3f far (%s)\n", near, far, cases[i].q);
        assert_true(near > far + 0.2f);
        assert_true(far < 0.25f);
    }
    vec_embed("", DIM, a);
    vec_embed(NULL, DIM, b);
    for (int i = 0; i < DIM; i++)
        assert_true(a[i] == 0 && b[i] == 0);
    vec_embed("?!  ... ;;", DIM, a);
    for (int i = 0; i < DIM; i++)
        assert_true(a[i] == 0);
    /* a long word and UTF-8 survive */
    char longw[300];
    memset(longw, 'x', sizeof longw - 1);
    longw[sizeof longw - 1] = 0;
    vec_embed(longw, DIM, a);
    vec_embed("Überwachung fehlgeschlagen für Benutzer root", 16, b);
    assert_true(cosine_texts("Überwachung fehlgeschlagen", "überwachung fehlgeschlagen", DIM) >
                0.5f);
}

/* ---- similarity.c on a real database ------------------------------------ */

static Store *open_db(const char *name)
{
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    Store *st = NULL;
    assert_int_equal(store_open(path, &st, err, sizeof err), 0);
    return st;
}

static void add_alert(Store *st, int64_t seq, const char *id, int64_t group_of)
{
    sqlite3_stmt *s = store_stmt(st,
        "INSERT INTO sec_alert (seq, id, source, raw, received_at, group_of) "
        "VALUES (?, ?, 'raw', '{}', '2026-12-01T12:00:00', ?)");
    assert_non_null(s);
    sqlite3_bind_int64(s, 1, seq);
    sqlite3_bind_text(s, 2, id, -1, SQLITE_TRANSIENT);
    if (group_of)
        sqlite3_bind_int64(s, 3, group_of);
    assert_int_equal(store_step_done(s), 0);
}

static void put(Store *st, int64_t seq, float x, float y, float z, float w)
{
    const float v[4] = {x, y, z, w};
    char err[128] = "";
    assert_int_equal(similarity_put(st, seq, v, 4, NULL, NULL, 1796140800, err, sizeof err), 0);
}

static int file_exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

static void test_similarity_on_a_database(void **state)
{
    (void)state;
    char idx[160];
    snprintf(idx, sizeof idx, "%s/sim.db.hnsw", tmpdir);
    similarity_configure(4, idx);
    assert_int_equal(similarity_dim(), 4);
    Store *st = open_db("sim.db");
    for (int i = 1; i <= 6; i++) {
        char id[16];
        snprintf(id, sizeof id, "alert-%d", i);
        add_alert(st, i, id, i == 5 ? 4 : 0);
    }
    /* the dimension errors name both numbers; non-finite is refused */
    char err[128] = "";
    const float three[3] = {1, 2, 3};
    assert_int_equal(similarity_put(st, 1, three, 3, NULL, NULL, 1, err, sizeof err), -EINVAL);
    assert_string_equal(err, "Vector dimension 3 does not match the index dimension 4");
    const float nan4[4] = {1, NAN, 0, 0};
    assert_int_equal(similarity_put(st, 1, nan4, 4, NULL, NULL, 1, err, sizeof err), -EINVAL);
    assert_string_equal(err, "vector[1] is not a finite number");
    const float four[4] = {1, 0, 0, 0};
    assert_int_equal(similarity_put(st, 99, four, 4, NULL, NULL, 1, err, sizeof err), -EIO);

    put(st, 1, 1, 0, 0, 0);
    put(st, 2, 0.9f, 0.1f, 0, 0);
    put(st, 3, 0, 1, 0, 0);
    put(st, 4, 0.8f, 0, 0.2f, 0);
    put(st, 5, 0.95f, 0, 0, 0.05f);
    SimStats ss;
    similarity_stats(&ss);
    assert_int_equal(ss.vectors, 5);
    assert_int_equal(ss.indexed, 0);

    SimHit h[10];
    const float q[4] = {2, 0, 0, 0};
    assert_int_equal(similarity_search(st, q, 3, h), 3);
    assert_int_equal(h[0].seq, 1);
    assert_float_equal(h[0].score, 1.0, 1e-6);
    assert_int_equal(h[1].seq, 5);
    assert_int_equal(h[2].seq, 2);
    /* neighbours of 1: itself left out; before 4: only 2 and 3 */
    assert_int_equal(similarity_of(st, 1, 10, 0, h), 4);
    assert_int_equal(h[0].seq, 5);
    assert_int_equal(similarity_of(st, 1, 10, 4, h), 2);
    assert_int_equal(h[0].seq, 2);
    assert_int_equal(h[1].seq, 3);
    assert_int_equal(similarity_of(st, 6, 5, 0, h), -ENOENT);

    /* the repo's side: stored bytes, ids and groups */
    float back[4];
    assert_int_equal(embedding_repo_get(st, 2, back, 4), 1);
    assert_true(back[0] == 0.9f && back[1] == 0.1f);
    assert_int_equal(embedding_repo_get(st, 6, back, 4), 0);
    assert_int_equal(embedding_repo_alert_seq(st, "alert-5"), 5);
    assert_int_equal(embedding_repo_alert_seq(st, "nope"), 0);
    char id[64], alpha[64];
    assert_int_equal(embedding_repo_alert_ref(st, 5, id, sizeof id, alpha, sizeof alpha), 1);
    assert_string_equal(id, "alert-5");
    assert_string_equal(alpha, "alert-4");
    assert_int_equal(embedding_repo_alert_ref(st, 2, id, sizeof id, alpha, sizeof alpha), 1);
    assert_string_equal(alpha, "alert-2");
    assert_true(embedding_repo_created(st, 2) > 0);

    /* build the index: the same answers, a file beside the database */
    int64_t indexed = -1, ms = -1;
    assert_int_equal(similarity_build_index(st, 0, &indexed, &ms), 0);
    assert_int_equal(indexed, 5);
    assert_true(ms >= 0);
    assert_true(file_exists(idx));
    similarity_stats(&ss);
    assert_int_equal(ss.indexed, 1);
    assert_int_equal(ss.index_size, 5);
    assert_int_equal(similarity_search(st, q, 3, h), 3);
    assert_int_equal(h[0].seq, 1);
    assert_int_equal(h[1].seq, 5);
    assert_int_equal(similarity_of(st, 1, 10, 4, h), 2);
    assert_int_equal(h[0].seq, 2);
    /* an alert after the build goes into the index too */
    put(st, 6, 0, 0, 0, 1);
    similarity_stats(&ss);
    assert_int_equal(ss.index_size, 6);
    const float qw[4] = {0, 0, 0, 3};
    assert_int_equal(similarity_search(st, qw, 1, h), 1);
    assert_int_equal(h[0].seq, 6);

    /* a fresh state (a restart): the file is loaded and caught up with the
     * vector stored after it was written */
    similarity_reset();
    assert_int_equal(similarity_search(st, qw, 1, h), 1);
    assert_int_equal(h[0].seq, 6);
    similarity_stats(&ss);
    assert_int_equal(ss.indexed, 1);
    assert_int_equal(ss.index_size, 6);
    assert_int_equal(similarity_save(), 0);

    /* a deleted alert's vector is never answered, even from the file */
    sqlite3_stmt *d = store_stmt(st, "DELETE FROM sec_alert WHERE seq = 6");
    assert_int_equal(store_step_done(d), 0);
    similarity_reset();
    assert_int_equal(similarity_search(st, qw, 6, h), 5);
    for (int i = 0; i < 5; i++)
        assert_int_not_equal(h[i].seq, 6);

    /* limit: only the first stored vectors */
    assert_int_equal(similarity_build_index(st, 2, &indexed, &ms), 0);
    assert_int_equal(indexed, 2);

    /* a corrupt file: exact search, and build-index writes a good one */
    FILE *f = fopen(idx, "w");
    fputs("garbage garbage garbage garbage garbage garbage garbage garbage\n", f);
    fclose(f);
    similarity_reset();
    assert_int_equal(similarity_search(st, q, 2, h), 2);
    assert_int_equal(h[0].seq, 1);
    similarity_stats(&ss);
    assert_int_equal(ss.indexed, 0);
    assert_int_equal(similarity_build_index(st, 0, &indexed, &ms), 0);
    assert_int_equal(indexed, 5);

    /* another dimension: the stored 4-vectors are left out, the file is
     * refused, nothing is answered */
    similarity_configure(8, idx);
    assert_int_equal(similarity_search(st, (const float[8]){1}, 3, h), 0);
    similarity_stats(&ss);
    assert_int_equal(ss.indexed, 0);
    char e2[128];
    similarity_dim_error(3, e2, sizeof e2);
    assert_string_equal(e2, "Vector dimension 3 does not match the index dimension 8");

    /* the text embedding at the configured dimension */
    similarity_configure(SIMILARITY_DIM_DEFAULT, NULL);
    float *t = xmalloc(SIMILARITY_DIM_DEFAULT * sizeof *t);
    similarity_embed_text("failed login from 10.0.0.1", t);
    assert_float_equal(vec_dot(t, t, SIMILARITY_DIM_DEFAULT), 1.0, 1e-5);
    free(t);
    similarity_reset();
    store_close(st);
}

/* ---- issue 12 (perf): the index builds itself; a search's own ef -------- */

static void test_similarity_auto_index(void **state)
{
    (void)state;
    similarity_configure(4, NULL);
    similarity_set_auto_index(4);
    Store *st = open_db("auto.db");
    for (int i = 1; i <= 6; i++) {
        char id[16];
        snprintf(id, sizeof id, "auto-%d", i);
        add_alert(st, i, id, 0);
    }
    put(st, 1, 1, 0, 0, 0);
    put(st, 2, 0.9f, 0.1f, 0, 0);
    put(st, 3, 0, 1, 0, 0);
    SimStats ss;
    similarity_stats(&ss);
    assert_int_equal(ss.indexed, 0);
    put(st, 4, 0.8f, 0, 0.2f, 0);   /* the 4th: the build starts in the background */
    for (int i = 0; i < 500; i++) {
        similarity_stats(&ss);
        if (ss.indexed)
            break;
        usleep(10000);
    }
    assert_int_equal(ss.indexed, 1);
    put(st, 5, 0.95f, 0, 0, 0.05f);   /* after the build: into the index as it arrives */
    similarity_stats(&ss);
    assert_int_equal(ss.index_size, 5);
    /* the same answers, with the API's ef and a small one */
    SimHit a[3], b[3];
    const float q[4] = {1, 0, 0, 0};
    assert_int_equal(similarity_search(st, q, 3, a), 3);
    assert_int_equal(similarity_search_ef(st, q, 3, 1, b), 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(a[i].seq, b[i].seq);
    assert_int_equal(a[0].seq, 1);
    assert_int_equal(a[1].seq, 5);
    similarity_set_auto_index(SIMILARITY_AUTO_INDEX_DEFAULT);
    similarity_reset();
    similarity_configure(SIMILARITY_DIM_DEFAULT, NULL);
    store_close(st);
}

/* ---- threads: puts beside searches with an index ------------------------ */

enum { TDIM = 16, TBASE = 200, TPUT = 300, TPUTTERS = 2, TSEARCHERS = 2 };

typedef struct Worker {
    int     which;
    int     failed;
} Worker;

static void *putter(void *arg)
{
    Worker *w = arg;
    Store *st = open_db("threads.db");
    char err[128];
    uint64_t r = 99 + (uint64_t)w->which;
    for (int i = 0; i < TPUT; i++) {
        if (i % 50 == 0 && store_begin(st))
            w->failed++;
        float v[TDIM];
        for (int d = 0; d < TDIM; d++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            v[d] = (float)(r >> 40) / (float)(1u << 24) - 0.5f;
        }
        int64_t seq = TBASE + 1 + (int64_t)w->which * TPUT + i;
        if (similarity_put(st, seq, v, TDIM, NULL, NULL, 1796140800, err, sizeof err))
            w->failed++;
        if (i % 50 == 49 && store_commit(st))
            w->failed++;
    }
    store_close(st);
    return NULL;
}

static void *searcher(void *arg)
{
    Worker *w = arg;
    Store *st = open_db("threads.db");
    SimHit h[10];
    for (int i = 0; i < 400; i++) {
        float q[TDIM] = {0};
        q[i % TDIM] = 1;
        if (similarity_search(st, q, 10, h) != 10)
            w->failed++;
        for (int j = 1; j < 10; j++)
            if (h[j].score > h[j - 1].score + 1e-6f)
                w->failed++;
        if (similarity_of(st, 1 + i % TBASE, 5, 0, h) != 5)
            w->failed++;
    }
    store_close(st);
    return NULL;
}

/* Two threads put (into the matrix, then the index beside the searches)
 * while two search: every answer full and ordered, every vector in the
 * index at the end, the index grown past its built size; then a vector
 * stored by another process is picked up by the next search. */
static void test_similarity_threads(void **state)
{
    (void)state;
    char idx[160];
    snprintf(idx, sizeof idx, "%s/threads.db.hnsw", tmpdir);
    similarity_configure(TDIM, idx);
    Store *st = open_db("threads.db");
    assert_int_equal(store_begin(st), 0);
    for (int i = 1; i <= TBASE + TPUTTERS * TPUT; i++) {
        char id[24];
        snprintf(id, sizeof id, "t-%d", i);
        add_alert(st, i, id, 0);
    }
    rng_state = 5;
    for (int i = 1; i <= TBASE; i++) {
        float *v = random_rows(1, TDIM);
        char err[128];
        assert_int_equal(similarity_put(st, i, v, TDIM, NULL, NULL, 1, err, sizeof err), 0);
        free(v);
    }
    assert_int_equal(store_commit(st), 0);
    int64_t indexed, ms;
    assert_int_equal(similarity_build_index(st, 0, &indexed, &ms), 0);
    assert_int_equal(indexed, TBASE);
    pthread_t th[TPUTTERS + TSEARCHERS];
    Worker w[TPUTTERS + TSEARCHERS];
    for (int i = 0; i < TPUTTERS + TSEARCHERS; i++) {
        w[i] = (Worker){.which = i};
        assert_int_equal(pthread_create(&th[i], NULL, i < TPUTTERS ? putter : searcher, &w[i]), 0);
    }
    for (int i = 0; i < TPUTTERS + TSEARCHERS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].failed, 0);
    }
    SimStats ss;
    similarity_stats(&ss);
    assert_int_equal(ss.vectors, TBASE + TPUTTERS * TPUT);
    assert_int_equal(ss.index_size, TBASE + TPUTTERS * TPUT);
    /* a vector another process stored (straight into the table) is found
     * by the next search, and goes into the index */
    int64_t other = TBASE + TPUTTERS * TPUT + 1;
    add_alert(st, other, "t-other", 0);
    float v[TDIM] = {0};
    v[3] = 2;
    v[5] = -2;
    assert_int_equal(embedding_repo_put(st, other, v, TDIM, "x", NULL, 1), 0);
    SimHit h[1];
    assert_int_equal(similarity_search(st, v, 1, h), 1);
    assert_int_equal(h[0].seq, other);
    assert_float_equal(h[0].score, 1.0, 1e-5);
    similarity_stats(&ss);
    assert_int_equal(ss.index_size, other);
    assert_int_equal(similarity_save(), 0);
    similarity_reset();
    store_close(st);
}

/* ---- fixtures ------------------------------------------------------------ */

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static int setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/resops-test-vector-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_topk_equals_reference),
        cmocka_unit_test(test_exact_ties_smaller_label_first),
        cmocka_unit_test(test_exact_replace_filter_zero),
        cmocka_unit_test(test_hnsw_recall_and_file),
        cmocka_unit_test(test_embedding),
        cmocka_unit_test(test_similarity_on_a_database),
        cmocka_unit_test(test_similarity_auto_index),
        cmocka_unit_test(test_similarity_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
