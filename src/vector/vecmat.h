/* vecmat — exact top-k cosine over a contiguous float32 matrix.
 *
 * Rows are L2-normalised when they go in, so cosine is a dot product; a
 * query is normalised once per search. Each row carries an int64 label
 * (an alert's seq); putting a label again replaces its row. The scan is a
 * plain loop over the rows the compiler vectorizes (this file is built
 * with -O3 -fopenmp-simd), and the k best are kept in a small heap.
 *
 * Thread: not synchronised. Searches only read, so any number may run at
 * once; a put must be alone (the caller's lock, domain/similarity.c).
 */
#ifndef RESOPS_VECTOR_VECMAT_H
#define RESOPS_VECTOR_VECMAT_H

#include <stddef.h>
#include <stdint.h>

typedef struct VecMat VecMat;

typedef struct VecHit {
    int64_t label;
    float   score;
} VecHit;

/* Which rows a search may answer: nonzero keeps label. */
typedef int (*VecKeep)(int64_t label, void *arg);

VecMat *vecmat_new(int dim);       /* dim >= 1 */
void    vecmat_free(VecMat *m);    /* NULL ok */
int     vecmat_dim(const VecMat *m);
size_t  vecmat_count(const VecMat *m);

/* Insert or replace label's row (a copy of v, normalised; an all-zero v
 * stays zero and scores 0 against everything). */
void vecmat_put(VecMat *m, int64_t label, const float *v);

/* The normalised row of label (borrowed, valid until the next put), or
 * NULL. */
const float *vecmat_get(const VecMat *m, int64_t label);
/* Row i (0 <= i < count) and its label. */
const float *vecmat_row(const VecMat *m, size_t i, int64_t *label);

/* The k best rows by cosine to q (dim values, need not be normalised),
 * best first; equal scores by smaller label first. keep may be NULL (all
 * rows). The count written to out[k]. */
int vecmat_topk(const VecMat *m, const float *q, int k, VecKeep keep, void *arg, VecHit *out);

/* L2-normalise v[dim] in place (an all-zero v stays zero). */
void vec_normalize(float *v, int dim);
/* The dot product of two dim-vectors (the same vectorized loop). */
float vec_dot(const float *a, const float *b, int dim);

#endif
