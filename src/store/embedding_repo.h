/* embedding_repo — sec_embedding rows (issue 12): one float32 vector per
 * security alert, stored little-endian with its dimension, and the two
 * sec_alert look-ups the embeddings API needs (id <-> seq, group).
 * Rows only: the index and the rules are domain/similarity.c.
 *
 * Thread: the Store's owner.
 */
#ifndef RESOPS_STORE_EMBEDDING_REPO_H
#define RESOPS_STORE_EMBEDDING_REPO_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

/* Insert or replace the vector of alert seq (encoder: its name, meta:
 * JSON text or NULL): 0, or -EIO (also when seq is no alert). */
int embedding_repo_put(Store *st, int64_t seq, const float *v, int dim, const char *encoder,
                       const char *meta, int64_t now);

/* Call fn for every stored vector of dimension dim, by seq, up to limit
 * (0 = all); fn's v is borrowed for the call. The count visited, or -EIO.
 * *skipped (may be NULL) gets the rows of another dimension. */
typedef void (*EmbeddingFn)(int64_t seq, const float *v, void *arg);
int64_t embedding_repo_each(Store *st, int dim, int64_t limit, EmbeddingFn fn, void *arg,
                            int64_t *skipped);

/* As embedding_repo_each, only the rows with alert_seq > after. */
int64_t embedding_repo_each_after(Store *st, int dim, int64_t after, EmbeddingFn fn, void *arg);

/* The largest alert_seq with a vector (0 none), or -EIO. */
int64_t embedding_repo_max_seq(Store *st);

/* One stored vector into out[dim]: 1 found, 0 none (or another
 * dimension), -EIO. */
int embedding_repo_get(Store *st, int64_t seq, float *out, int dim);

/* 1 when alert seq has a vector from another encoder than `builtin` (a
 * model's, posted through the API), 0 when it has none or the built-in
 * one, -EIO. */
int embedding_repo_from_model(Store *st, int64_t seq, const char *builtin);

/* The creation time (epoch s) of alert seq's vector: > 0, 0 none, -EIO. */
int64_t embedding_repo_created(Store *st, int64_t seq);

/* The seq of the security alert whose id is id: > 0, 0 none, -EIO. */
int64_t embedding_repo_alert_seq(Store *st, const char *id);

/* Alert seq's id, and alpha: the id of the first alert of its
 * near-duplicate group (sec_alert.group_of), or its own id when it leads
 * or is in no group. 1 found, 0 none, -EIO. */
int embedding_repo_alert_ref(Store *st, int64_t seq, char *id, size_t idsz, char *alpha,
                             size_t alphasz);

#endif
