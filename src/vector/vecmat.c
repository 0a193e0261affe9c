/* vecmat — see vecmat.h.
 *
 * DESIGN. One malloc'd float block, rows of dim values one after another,
 * doubled when full; labels[] beside it and an open-addressing hash from
 * label to row so a put of a known label overwrites in place. A search
 * scores a block of rows into a small buffer (the inner dot loop is the
 * only hot code: `omp simd reduction` lets the compiler reorder the float
 * sum, which is what vectorizing it needs) and then offers each score to
 * a min-heap of the k best, so the selection costs a compare per row.
 */
#include "vector/vecmat.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EMPTY INT64_MIN
#define BLOCK 256

struct VecMat {
    int      dim;
    size_t   count, cap;
    float   *rows;
    int64_t *labels;
    int64_t *hkeys;     /* label -> row: open addressing, hcap a power of 2 */
    size_t  *hvals;
    size_t   hcap;
};

/* The scan of one block of rows, compiled for each instruction set the
 * CPU may have (GCC picks one at load time through an ifunc): AVX-512 and
 * AVX2+FMA do 16 or 8 multiply-adds per instruction, the x86-64 baseline
 * (SSE2) 4. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
#define SCAN_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SCAN_CLONES
#endif

SCAN_CLONES
static void score_block(const float *restrict rows, size_t n, int dim, const float *restrict q,
                        float *restrict out)
{
    for (size_t i = 0; i < n; i++, rows += dim) {
        float s = 0.0f;
#pragma omp simd reduction(+:s)
        for (int d = 0; d < dim; d++)
            s += rows[d] * q[d];
        out[i] = s;
    }
}

static size_t hslot(const VecMat *m, int64_t label)
{
    uint64_t h = (uint64_t)label * 0x9E3779B97F4A7C15ull;
    size_t i = (size_t)(h >> 20) & (m->hcap - 1);
    while (m->hkeys[i] != EMPTY && m->hkeys[i] != label)
        i = (i + 1) & (m->hcap - 1);
    return i;
}

static void hgrow(VecMat *m)
{
    int64_t *ok = m->hkeys;
    size_t *ov = m->hvals, ocap = m->hcap;
    m->hcap = ocap ? ocap * 2 : 64;
    m->hkeys = xmalloc(m->hcap * sizeof *m->hkeys);
    m->hvals = xmalloc(m->hcap * sizeof *m->hvals);
    for (size_t i = 0; i < m->hcap; i++)
        m->hkeys[i] = EMPTY;
    for (size_t i = 0; i < ocap; i++)
        if (ok[i] != EMPTY) {
            size_t s = hslot(m, ok[i]);
            m->hkeys[s] = ok[i];
            m->hvals[s] = ov[i];
        }
    free(ok);
    free(ov);
}

VecMat *vecmat_new(int dim)
{
    VecMat *m = xcalloc(1, sizeof *m);
    m->dim = dim < 1 ? 1 : dim;
    hgrow(m);
    return m;
}

void vecmat_free(VecMat *m)
{
    if (!m)
        return;
    free(m->rows);
    free(m->labels);
    free(m->hkeys);
    free(m->hvals);
    free(m);
}

int vecmat_dim(const VecMat *m) { return m->dim; }
size_t vecmat_count(const VecMat *m) { return m->count; }

float vec_dot(const float *restrict a, const float *restrict b, int dim)
{
    float s = 0.0f;
#pragma omp simd reduction(+:s)
    for (int i = 0; i < dim; i++)
        s += a[i] * b[i];
    return s;
}

void vec_normalize(float *v, int dim)
{
    double n = 0.0;
    for (int i = 0; i < dim; i++)
        n += (double)v[i] * v[i];
    if (n <= 0.0)
        return;
    float inv = (float)(1.0 / sqrt(n));
    for (int i = 0; i < dim; i++)
        v[i] *= inv;
}

void vecmat_put(VecMat *m, int64_t label, const float *v)
{
    size_t s = hslot(m, label);
    size_t row;
    if (m->hkeys[s] == label) {
        row = m->hvals[s];
    } else {
        if (m->count == m->cap) {
            m->cap = m->cap ? m->cap * 2 : 1024;
            m->rows = xrealloc(m->rows, m->cap * (size_t)m->dim * sizeof *m->rows);
            m->labels = xrealloc(m->labels, m->cap * sizeof *m->labels);
        }
        row = m->count++;
        m->labels[row] = label;
        if ((m->count + 1) * 2 > m->hcap)
            hgrow(m);
        s = hslot(m, label);
        m->hkeys[s] = label;
        m->hvals[s] = row;
    }
    float *dst = m->rows + row * (size_t)m->dim;
    memcpy(dst, v, (size_t)m->dim * sizeof *dst);
    vec_normalize(dst, m->dim);
}

const float *vecmat_get(const VecMat *m, int64_t label)
{
    size_t s = hslot(m, label);
    return m->hkeys[s] == label ? m->rows + m->hvals[s] * (size_t)m->dim : NULL;
}

const float *vecmat_row(const VecMat *m, size_t i, int64_t *label)
{
    if (i >= m->count)
        return NULL;
    if (label)
        *label = m->labels[i];
    return m->rows + i * (size_t)m->dim;
}

/* a is a worse hit than b: lower score, or equal and a larger label */
static int worse(const VecHit *a, const VecHit *b)
{
    return a->score < b->score || (a->score == b->score && a->label > b->label);
}

static void sift_down(VecHit *h, int n, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, w = i;
        if (l < n && worse(&h[l], &h[w]))
            w = l;
        if (r < n && worse(&h[r], &h[w]))
            w = r;
        if (w == i)
            return;
        VecHit t = h[i];
        h[i] = h[w];
        h[w] = t;
        i = w;
    }
}

static void sift_up(VecHit *h, int i)
{
    while (i > 0) {
        int p = (i - 1) / 2;
        if (!worse(&h[i], &h[p]))
            return;
        VecHit t = h[i];
        h[i] = h[p];
        h[p] = t;
        i = p;
    }
}

static int best_first(const void *a, const void *b)
{
    const VecHit *x = a, *y = b;
    return worse(x, y) ? 1 : worse(y, x) ? -1 : 0;
}

int vecmat_topk(const VecMat *m, const float *q, int k, VecKeep keep, void *arg, VecHit *out)
{
    if (k <= 0 || m->count == 0)
        return 0;
    int dim = m->dim;
    float *qn = xmalloc((size_t)dim * sizeof *qn);
    memcpy(qn, q, (size_t)dim * sizeof *qn);
    vec_normalize(qn, dim);
    float scores[BLOCK];
    int n = 0;
    for (size_t base = 0; base < m->count; base += BLOCK) {
        size_t end = base + BLOCK < m->count ? base + BLOCK : m->count;
        score_block(m->rows + base * (size_t)dim, end - base, dim, qn, scores);
        for (size_t i = base; i < end; i++) {
            VecHit h = {m->labels[i], scores[i - base]};
            if (n == k && !worse(&out[0], &h))
                continue;
            if (keep && !keep(h.label, arg))
                continue;
            if (n < k) {
                out[n] = h;
                sift_up(out, n++);
            } else {
                out[0] = h;
                sift_down(out, n, 0);
            }
        }
    }
    free(qn);
    qsort(out, (size_t)n, sizeof *out, best_first);
    return n;
}
