/* hnsw — a C face on hnswlib (Debian's header-only libhnswlib-dev), the
 * approximate nearest-neighbour index of domain/similarity.c.
 *
 * Inner-product space over vectors the caller has L2-normalised, so a
 * hit's score is the cosine (1 - hnswlib's distance). Labels are int64
 * (>= 0). The C++ is in hnsw_shim.cpp; every exception stops there and
 * comes back as a negative errno.
 *
 * Thread: searches and hnsw_add_shared may run together; add, remove,
 * resize, set_ef and save must be alone (the caller's rwlock).
 */
#ifndef RESOPS_VECTOR_HNSW_H
#define RESOPS_VECTOR_HNSW_H

#include <stddef.h>
#include <stdint.h>
#include "vector/vecmat.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct Hnsw Hnsw;

/* A new empty index for max_elements (it grows when full): 0 and *out,
 * -EINVAL or -ENOMEM. */
int  hnsw_create(int dim, size_t max_elements, int m, int ef_construction, Hnsw **out);
void hnsw_free(Hnsw *h);    /* NULL ok */

/* Insert or replace label's vector (normalised, dim values); grows the
 * index when full. 0 or -ENOMEM / -EIO. */
int hnsw_add(Hnsw *h, int64_t label, const float *v);
/* The same without growing: may run beside searches and other adds
 * (hnswlib locks inside); -ENOSPC when the index is full. */
int hnsw_add_shared(Hnsw *h, int64_t label, const float *v);
/* Leave label out of every answer from now on: 0, -ENOENT. */
int hnsw_remove(Hnsw *h, int64_t label);
int hnsw_has(const Hnsw *h, int64_t label);

/* The search breadth (hnswlib's ef; a search uses max(ef, k)). */
void hnsw_set_ef(Hnsw *h, int ef);
/* The k nearest to q (normalised) best first into out[k]: the count, or
 * -EIO. Scores are cosines. */
int hnsw_search(const Hnsw *h, const float *q, int k, VecHit *out);
/* The same with this call's breadth max(ef, k) instead of the index's
 * (may run beside other searches and shared adds). */
int hnsw_search_ef(const Hnsw *h, const float *q, int k, int ef, VecHit *out);
/* The insert breadth of later adds (hnswlib's ef_construction, at least
 * M): alone, as set_ef. */
void hnsw_set_ef_construction(Hnsw *h, int ef_construction);

/* Write the index to path (through path.tmp and a rename): 0 or -EIO. */
int hnsw_save(const Hnsw *h, const char *path);
/* Read an index saved with dimension dim: 0 and *out, -ENOENT (no file),
 * -EINVAL (another dimension, or not an index), -EIO. */
int hnsw_load(const char *path, int dim, Hnsw **out);

int    hnsw_dim(const Hnsw *h);
size_t hnsw_size(const Hnsw *h);        /* vectors in it, removed ones included */
size_t hnsw_capacity(const Hnsw *h);
int    hnsw_resize(Hnsw *h, size_t max_elements);   /* 0, -EINVAL, -ENOMEM */

#ifdef __cplusplus
}
#endif

#endif
