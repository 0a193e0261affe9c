/* tokens — machine tokens for collectors (issue 12 item 2): named API
 * keys that Alertmanager, rsyslog or a script send as "Authorization:
 * Bearer rsk_..." instead of logging in.
 *
 * A secret is "rsk_" and 32 random bytes (libsodium randombytes) in
 * unpadded base64url: 47 characters. It is returned once, by
 * tokens_create, and never stored: the row keeps its SHA-256
 * (crypto_hash_sha256) and its first TOKENS_PREFIX_LEN characters, the
 * prefix that lists show to recognise it. tokens_verify finds the rows
 * with the secret's prefix and compares hashes with sodium_memcmp
 * (constant time), so how long a check takes says nothing about how
 * much of a guess was right.
 *
 * Scopes: "ingest" (ingestion routes only), "read" (GET of what any
 * signed-in user may read), "write" (what an Ops Analyst, Engineer or
 * Business Owner may do; never Admin). The API applies them (api/auth.c).
 *
 * Audited: "API Token Created", "API Token Revoked" (entity "ApiToken").
 *
 * Thread: whoever owns the Store.
 */
#ifndef RESOPS_DOMAIN_TOKENS_H
#define RESOPS_DOMAIN_TOKENS_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"
#include "store/token_repo.h"

#define TOKENS_SECRET_PREFIX "rsk_"
#define TOKENS_SECRET_LEN    47      /* "rsk_" + 43 base64url characters */
#define TOKENS_PREFIX_LEN    12      /* what lists show: "rsk_" + 8 */
#define TOKENS_TOUCH_EVERY_S 60      /* last_used_at is written at most this often */

typedef enum { TOKEN_SCOPE_INGEST = 0, TOKEN_SCOPE_READ, TOKEN_SCOPE_WRITE } TokenScope;

/* "ingest" | "read" | "write" → *out: 0, or -EINVAL. */
int         tokens_scope_parse(const char *s, TokenScope *out);
const char *tokens_scope_name(TokenScope s);

/* 1 when name is 1..TOKEN_NAME_MAX characters of [A-Za-z0-9._-]. */
int tokens_name_valid(const char *name);

/* 1 when s looks like a machine token (starts "rsk_"): the API's way to
 * tell one from a JWT before any check. */
int tokens_is_secret(const char *s);

/* Create a token. scope NULL = "ingest". actor (who asked; "" unknown)
 * goes to created_by and the audit, user_id to the audit. The secret
 * into secret (TOKENS_SECRET_LEN + 1 bytes) and the row into *out (may
 * be NULL). 0, or -EINVAL "Token name must be 1 to 64 characters of
 * A-Z a-z 0-9 . _ -" | "Unknown scope 'x' (ingest, read or write)",
 * -ENOTUNIQ "Token 'x' already exists" (an unrevoked token has the name;
 * a revoked token's name can be used again, to rotate a key), -EIO. */
int tokens_create(Store *st, const char *name, const char *scope, const char *actor,
                  int64_t user_id, int64_t now, char *secret, ApiTokenRow *out, char *err,
                  size_t errsz);

/* Every token (no secret), revoked ones too, by name then id: malloc'd
 * array (free()), count or -EIO. */
int tokens_list(Store *st, ApiTokenRow **out);

/* Revoke the token named ref (the unrevoked one of that name; or, when no
 * token has that name and ref is a number, the one with that id). 0 and
 * *out (may be NULL), -ENOENT "Token 'x' not found", -ENOTUNIQ "Token 'x'
 * is already revoked" (every token of that name is), -EIO. */
int tokens_revoke(Store *st, const char *ref, const char *actor, int64_t user_id, int64_t now,
                  ApiTokenRow *out, char *err, size_t errsz);

/* Check a presented secret: 0 and *out (its row, last_used_at as it is
 * after this call), -EACCES unknown or malformed, -EKEYREVOKED revoked,
 * -EIO. A live token's last_used_at is set to now when it is older than
 * TOKENS_TOUCH_EVERY_S (so a busy collector costs one write a minute);
 * a failure to write it does not refuse the token. */
int tokens_verify(Store *st, const char *secret, int64_t now, ApiTokenRow *out);

/* The SHA-256 of a secret (what the row stores). */
void tokens_hash(const char *secret, unsigned char out[TOKEN_HASH_BYTES]);

#endif
