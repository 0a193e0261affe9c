/* similarity — seed 003's embeddings and nearest-neighbour search, in
 * process: vectors are float32 BLOBs in sec_embedding; one process-wide
 * index answers every thread. Exact top-k cosine over a contiguous
 * in-memory matrix until an HNSW index is built (similarity_build_index,
 * or by itself past SIMILARITY_AUTO_INDEX_DEFAULT vectors), then the index (persisted next to the database, updated as alerts
 * arrive) answers the same calls.
 *
 * CONTRACT (issue 12): shared by the ingestion pipeline (secalerts.c),
 * the embeddings endpoints and the console. Its owner may add to it.
 *
 * Every vector has the index dimension, similarity_dim() (setting
 * security.embedding_dim, default 384). Cosine scores are in [-1, 1].
 *
 * Thread: any (an internal rwlock); functions taking a Store use the
 * caller's connection.
 */
#ifndef RESOPS_DOMAIN_SIMILARITY_H
#define RESOPS_DOMAIN_SIMILARITY_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

#define SIMILARITY_DIM_DEFAULT 384

/* Set once by main before threads start (index dimension, index file path
 * or NULL for none). */
void similarity_configure(int dim, const char *index_path);
int  similarity_dim(void);

/* The built-in deterministic embedding of text (hashed word and character
 * n-grams, L2-normalised) into out[similarity_dim()]. */
void similarity_embed_text(const char *text, float *out);

/* Store (replace) the vector of alert seq and add it to the index.
 * encoder/meta may be NULL (meta: JSON text). 0, -EINVAL (dimension: err
 * names both numbers), -EIO. */
int similarity_put(Store *st, int64_t seq, const float *v, int dim, const char *encoder,
                   const char *meta, int64_t now, char *err, size_t errsz);

typedef struct SimHit {
    int64_t seq;
    float   score;
} SimHit;

/* Top k by cosine to q (dimension similarity_dim()), best first, into
 * out[k]; the count found. The first call loads every stored vector. */
int similarity_search(Store *st, const float *q, int k, SimHit *out);
/* Top k neighbours of alert seq (itself excluded), only alerts with
 * seq < before_seq when before_seq > 0 ("earlier alerts"). -ENOENT when
 * seq has no vector. */
int similarity_of(Store *st, int64_t seq, int k, int64_t before_seq, SimHit *out);

/* Build (or rebuild) the HNSW index from up to limit stored vectors (0 =
 * all) and persist it. 0 with *indexed and *ms, or -EIO. */
int similarity_build_index(Store *st, int64_t limit, int64_t *indexed, int64_t *ms);

typedef struct SimStats {
    int64_t vectors;        /* in memory */
    int     indexed;        /* 1 when the HNSW index answers */
    int64_t index_size;     /* vectors in the HNSW index */
} SimStats;
void similarity_stats(SimStats *out);

/* --- added by its owner (issue 12, vec) --- */

/* The HNSW parameters: M 16, ef_construction 200, and the search breadth
 * ef (default SIMILARITY_EF_DEFAULT; a search uses max(ef, k)). */
#define SIMILARITY_HNSW_M        16
#define SIMILARITY_HNSW_EFC      200
#define SIMILARITY_EF_DEFAULT    200
void similarity_set_ef(int ef);
/* Vectors added to a built (or loaded) index one at a time (the pipeline's
 * alerts) are inserted with this smaller ef_construction: a build still
 * uses SIMILARITY_HNSW_EFC (issue 12: the insert at 200 was most of an
 * alert's cost). */
#define SIMILARITY_HNSW_EFC_LIVE 64

/* similarity_search with this search's HNSW breadth max(ef, k) (ef <= 0:
 * the API's, similarity_set_ef). The pipeline's triage, which needs only
 * k approximate neighbours, uses SIMILARITY_EF_TRIAGE(k). */
int similarity_search_ef(Store *st, const float *q, int k, int ef, SimHit *out);
#define SIMILARITY_EF_TRIAGE(k) ((k) * 4 > 32 ? (k) * 4 : 32)

/* Once this many vectors are in memory and no index answers, the index is
 * built by itself in the background from them (as similarity_build_index,
 * searches go on exactly meanwhile; persisted when there is an index
 * path), so a large fleet's ingestion never scans every vector per alert.
 * Set before threads start; 0 = never (exact until build-index). */
#define SIMILARITY_AUTO_INDEX_DEFAULT 5000
void similarity_set_auto_index(int64_t threshold);

/* The dimension-mismatch sentence of the API and similarity_put:
 * "Vector dimension 3 does not match the index dimension 384". */
void similarity_dim_error(int dim, char *err, size_t errsz);

/* Write the HNSW index to the index path now if it changed since it was
 * last written (alerts arrived): 0, or -EIO. main calls it at exit; a
 * restart also catches up by itself (the load adds what the file lacks). */
int similarity_save(void);

/* --- the embeddings API's side (h_embeddings.c) --- */

/* The longest alert id these copy (= SECALERT_ID_MAX). */
#define SIMILARITY_ID_MAX 128

/* Store v for the security alert whose id is alert_id (the seed's POST
 * /embeddings/{id}/embedding): as similarity_put, plus -ENOENT "Alert
 * 'x' not found". *out_seq on 0. */
int similarity_put_alert(Store *st, const char *alert_id, const float *v, int dim,
                         const char *encoder, const char *meta, int64_t now, int64_t *out_seq,
                         char *err, size_t errsz);

/* The seq of the alert whose id is id: > 0, -ENOENT, -EIO. */
int64_t similarity_alert_seq(Store *st, const char *id);

/* A hit as the API names it: the alert's id, and alpha_id, the id of the
 * first alert of its near-duplicate group (the alert itself when it leads
 * one or is in none). 1, 0 (the alert is gone), -EIO. */
int similarity_ref(Store *st, int64_t seq, char id[SIMILARITY_ID_MAX + 1],
                   char alpha[SIMILARITY_ID_MAX + 1]);

/* similarity_build_index for an Admin, audited ("Similarity Index
 * Built", actor, the count and time). */
int similarity_build_index_as(Store *st, int64_t limit, const char *actor, int64_t now,
                              int64_t *indexed, int64_t *ms);

/* Forget everything in memory (index and matrix; the next call loads
 * again). Tests, and main at exit after similarity_save. */
void similarity_reset(void);

#endif
