/* embed — the built-in deterministic text embedding (no model).
 *
 * Feature hashing: the lowercased text's word unigrams and bigrams and
 * each word's character 3- and 4-grams are hashed (64-bit FNV-1a) into
 * dim buckets with a sign from the hash, so colliding features cancel
 * on average instead of piling up, and the sum is L2-normalised. Texts
 * that share words and word pieces ("login failed for root" and "failed
 * root login") land close; unrelated ones near 0. Same text, same vector,
 * on every machine.
 *
 * Thread: any (pure).
 */
#ifndef RESOPS_VECTOR_EMBED_H
#define RESOPS_VECTOR_EMBED_H

#define VEC_EMBED_ENCODER "builtin-hash-v1"

/* The embedding of text (NULL = "") into out[dim]; all zero when the text
 * has no word. */
void vec_embed(const char *text, int dim, float *out);

#endif
