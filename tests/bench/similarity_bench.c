/* similarity_bench — issue 12's similarity targets, measured in one run:
 *
 *   exact top-5 (vector/vecmat: the scan + a 5-heap) over N x dim float32
 *   vectors against a plain float32 scan (every dot product into an
 *   array, nothing else) of the same matrix and queries: target within
 *   1.2x; then the HNSW index (vector/hnsw, M 16, ef_construction 200):
 *   build time, query time and recall@10 against the exact answer at
 *   several ef; the process's peak RSS after each stage. Query times are
 *   CPU time of the querying thread (the machine is shared).
 *
 * usage: similarity_bench [--sizes 10000,100000,1000000] [--dim 384]
 *        [--queries 100] [--hnsw-max N] [--threads T] [--data random|clustered]
 *        [--ef 64,128,200,400] [--m 16] [--efc 200]
 *   --hnsw-max: build the index only for sizes up to N (default 100000:
 *   a 1M build takes tens of minutes here); --threads: builder threads
 *   (hnsw_add_shared: hnswlib locks inside); --data: uniform random
 *   vectors (the hardest case for a graph index) or points around N/100
 *   centres (the shape real embeddings have); --m, --efc: the index's M
 *   and ef_construction (production: 16 and 200).
 *
 * Besides the text, RESULT lines (bench_result.h) per size N: sim.N.*
 * (plain_ms, exact_ms, exact_ratio; build_wall_s, build_cpu_s, m, efc,
 * threads, and per ef sim.N.ef.E.ms / .recall); sim.N.hnsw_ms, .recall
 * and .ef are the smallest ef reaching recall@10 0.95 (else the largest).
 *
 * Run from a release build (numbers from the ASan build mean nothing):
 *   meson setup build-rel --buildtype=release && ninja -C build-rel &&
 *   build-rel/tests/bench/similarity_bench
 */
#include "bench_result.h"
#include "vector/hnsw.h"
#include "vector/vecmat.h"
#include "util.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng = 12345;

static float rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (float)((double)(rng >> 11) / (double)(1ull << 53) * 2.0 - 1.0);
}

/* Per-query times are this thread's CPU time (the machine is shared: wall
 * time there measures the neighbours); the build is wall time and the
 * process's CPU time. */
static double clock_ms(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
static double now_ms(void) { return clock_ms(CLOCK_THREAD_CPUTIME_ID); }
static double wall_ms(void) { return clock_ms(CLOCK_MONOTONIC); }
static double proc_ms(void) { return clock_ms(CLOCK_PROCESS_CPUTIME_ID); }

static long peak_rss_mb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb / 1024;
}

/* the baseline: every dot product, written out; nothing clever */
static __attribute__((noinline)) void plain_scan(const float *rows, size_t n, int dim,
                                                 const float *q, float *out)
{
    for (size_t i = 0; i < n; i++) {
        const float *r = rows + i * (size_t)dim;
        float s = 0;
        for (int d = 0; d < dim; d++)
            s += r[d] * q[d];
        out[i] = s;
    }
}

typedef struct Build {
    Hnsw *h;
    const VecMat *m;
    size_t from, step;
} Build;

static void *build_part(void *arg)
{
    Build *b = arg;
    size_t n = vecmat_count(b->m);
    for (size_t i = b->from; i < n; i += b->step) {
        int64_t label;
        const float *row = vecmat_row(b->m, i, &label);
        if ((b->step > 1 ? hnsw_add_shared(b->h, label, row) : hnsw_add(b->h, label, row)) != 0) {
            fprintf(stderr, "hnsw_add failed\n");
            exit(1);
        }
    }
    return NULL;
}

static int parse_list(const char *s, long *out, int max)
{
    int n = 0;
    while (*s && n < max) {
        out[n++] = strtol(s, (char **)&s, 10);
        if (*s == ',')
            s++;
    }
    return n;
}

typedef struct Opts {
    long sizes[8], efs[8], hnsw_max;
    int nsizes, nefs, dim, nq, threads, clustered, m, efc;
} Opts;

/* The index over m's rows: build (threads), then recall@10 and query time
 * at each ef against the exact answer. 0, or 1 when the index fails. */
static int bench_hnsw(const VecMat *m, size_t n, const float *q, const Opts *o)
{
    int dim = o->dim, nq = o->nq;
    Hnsw *h = NULL;
    if (hnsw_create(dim, n, o->m, o->efc, &h) != 0)
        return 1;
    double b0 = wall_ms(), c0 = proc_ms();
    pthread_t th[16];
    Build parts[16];
    int nt = o->threads < 1 ? 1 : o->threads > 16 ? 16 : o->threads;
    for (int i = 0; i < nt; i++) {
        parts[i] = (Build){h, m, (size_t)i, (size_t)nt};
        pthread_create(&th[i], NULL, build_part, &parts[i]);
    }
    for (int i = 0; i < nt; i++)
        pthread_join(th[i], NULL);
    double build = wall_ms() - b0, cpu = proc_ms() - c0;
    printf("  HNSW build (M %d, ef_construction %d, %d thread(s)) %.1f s wall, %.1f s CPU "
           "(%.0f vectors/CPU-s)\n", o->m, o->efc, nt, build / 1e3, cpu / 1e3, n / (cpu / 1e3));
    printf("  peak RSS                  %8ld MB\n", peak_rss_mb());
    bench_result(build / 1e3, "s", NULL, "sim.%zu.build_wall_s", n);
    bench_result(cpu / 1e3, "s", NULL, "sim.%zu.build_cpu_s", n);
    bench_result(o->m, "M", NULL, "sim.%zu.m", n);
    bench_result(o->efc, "efc", NULL, "sim.%zu.efc", n);
    bench_result(nt, "threads", NULL, "sim.%zu.threads", n);
    bench_result(peak_rss_mb(), "MB", NULL, "sim.%zu.hnsw_rss_mb", n);
    VecHit *exact = xmalloc((size_t)nq * 10 * sizeof *exact);
    for (int t = 0; t < nq; t++)
        vecmat_topk(m, q + t * dim, 10, NULL, NULL, exact + t * 10);
    int picked = 0;
    for (int e = 0; e < o->nefs; e++) {
        hnsw_set_ef(h, (int)o->efs[e]);
        int found = 0;
        double t0 = now_ms();
        for (int t = 0; t < nq; t++) {
            VecHit a[10];
            int na = hnsw_search(h, q + t * dim, 10, a);
            for (int i = 0; i < na; i++)
                for (int j = 0; j < 10; j++)
                    if (a[i].label == exact[t * 10 + j].label) {
                        found++;
                        break;
                    }
        }
        double tq = (now_ms() - t0) / nq, recall = found / (10.0 * nq);
        printf("  HNSW ef %-4ld              %8.3f ms/query  recall@10 %.3f\n", o->efs[e], tq,
               recall);
        bench_result(tq, "ms", NULL, "sim.%zu.ef.%ld.ms", n, o->efs[e]);
        bench_result(recall, "recall@10", NULL, "sim.%zu.ef.%ld.recall", n, o->efs[e]);
        if (!picked && (recall >= 0.95 || e == o->nefs - 1)) {
            picked = 1;
            bench_result(tq, "ms", NULL, "sim.%zu.hnsw_ms", n);
            bench_result(recall, "recall@10", NULL, "sim.%zu.recall", n);
            bench_result(o->efs[e], "ef", NULL, "sim.%zu.ef", n);
        }
    }
    free(exact);
    hnsw_free(h);
    return 0;
}

/* n rows of dim values (uniform or clustered) into a new VecMat, and nq
 * normalised queries into *out_q (the caller's to free). */
static VecMat *make_data(size_t n, const Opts *o, float **out_q)
{
    int dim = o->dim, nq = o->nq, clustered = o->clustered;
    rng = 12345 + n;
    float *raw = xmalloc(n * (size_t)dim * sizeof *raw);
    size_t ncent = n / 100 ? n / 100 : 1;
    float *cent = xmalloc(ncent * (size_t)dim * sizeof *cent);
    for (size_t i = 0; i < ncent * (size_t)dim; i++)
        cent[i] = rnd();
    for (size_t i = 0; i < n; i++)
        for (int d = 0; d < dim; d++)
            raw[i * dim + d] = clustered ? cent[(i % ncent) * dim + d] + 0.35f * rnd() : rnd();
    VecMat *m = vecmat_new(dim);
    for (size_t i = 0; i < n; i++)
        vecmat_put(m, (int64_t)i + 1, raw + i * dim);
    free(raw);
    float *q = xmalloc((size_t)nq * dim * sizeof *q);
    for (int t = 0; t < nq; t++) {
        size_t src = (size_t)((rnd() * 0.5f + 0.5f) * (float)(n - 1));
        for (int d = 0; d < dim; d++)
            q[t * dim + d] = clustered ? cent[((src * 7919) % ncent) * dim + d] + 0.35f * rnd()
                                       : rnd();
        vec_normalize(q + t * dim, dim);
    }
    free(cent);
    *out_q = q;
    return m;
}

/* The exact top-5 against the plain scan over the same rows. */
static void bench_exact(const VecMat *m, size_t n, const float *q, const Opts *o)
{
    int dim = o->dim, nq = o->nq;
    /* the matrix as the plain scan sees it: the same normalised rows */
    const float *rows = vecmat_row(m, 0, NULL);
    float *scores = xmalloc(n * sizeof *scores);
    VecHit hits[10];
    /* warm up both, then alternate so neither gets a cache advantage */
    plain_scan(rows, n, dim, q, scores);
    vecmat_topk(m, q, 5, NULL, NULL, hits);
    double t_plain = 0, t_exact = 0;
    volatile float sink = 0;
    for (int t = 0; t < nq; t++) {
        double a = now_ms();
        plain_scan(rows, n, dim, q + t * dim, scores);
        double b = now_ms();
        vecmat_topk(m, q + t * dim, 5, NULL, NULL, hits);
        double c = now_ms();
        sink += scores[t % n] + hits[0].score;
        t_plain += b - a;
        t_exact += c - b;
    }
    (void)sink;
    printf("\nN = %zu x %d (%.0f MB of float32)\n", n, dim, n * (double)dim * 4 / 1048576);
    printf("  plain float32 scan        %8.3f ms/query\n", t_plain / nq);
    printf("  exact top-5 (vecmat)      %8.3f ms/query  = %.2fx the plain scan (target <= 1.2x)\n",
           t_exact / nq, t_exact / t_plain);
    printf("  peak RSS                  %8ld MB\n", peak_rss_mb());
    bench_result(t_plain / nq, "ms", NULL, "sim.%zu.plain_ms", n);
    bench_result(t_exact / nq, "ms", NULL, "sim.%zu.exact_ms", n);
    bench_result(t_exact / t_plain, "x", NULL, "sim.%zu.exact_ratio", n);
    free(scores);
}

int main(int argc, char **argv)
{
    Opts o = {.sizes = {10000, 100000, 1000000}, .efs = {64, 128, 200, 400}, .nsizes = 3,
              .nefs = 4, .dim = 384, .nq = 100, .threads = 1, .hnsw_max = 100000, .m = 16,
              .efc = 200};
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--sizes"))
            o.nsizes = parse_list(argv[i + 1], o.sizes, 8);
        else if (!strcmp(argv[i], "--ef"))
            o.nefs = parse_list(argv[i + 1], o.efs, 8);
        else if (!strcmp(argv[i], "--dim"))
            o.dim = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--queries"))
            o.nq = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--hnsw-max"))
            o.hnsw_max = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--threads"))
            o.threads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--m"))
            o.m = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--efc"))
            o.efc = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--data"))
            o.clustered = !strcmp(argv[i + 1], "clustered");
        else {
            fprintf(stderr, "similarity_bench: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (o.nq < 1 || o.dim < 1 || o.nefs < 1) {
        fprintf(stderr, "similarity_bench: --queries, --dim and --ef need positive values\n");
        return 2;
    }
    printf("similarity_bench: dim %d, %d queries, %s data, HNSW M %d ef_construction %d, "
           "%d build thread(s)\n", o.dim, o.nq, o.clustered ? "clustered" : "uniform random",
           o.m, o.efc, o.threads);
    for (int si = 0; si < o.nsizes; si++) {
        size_t n = (size_t)o.sizes[si];
        float *q;
        VecMat *m = make_data(n, &o, &q);
        bench_exact(m, n, q, &o);
        int rc = 0;
        if ((long)n > o.hnsw_max)
            printf("  HNSW                      skipped (--hnsw-max %ld)\n", o.hnsw_max);
        else
            rc = bench_hnsw(m, n, q, &o);
        vecmat_free(m);
        free(q);
        if (rc)
            return rc;
    }
    return 0;
}
