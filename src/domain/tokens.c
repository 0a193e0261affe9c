/* tokens — see tokens.h.
 *
 * How a check works: the presented string must have the secret's exact
 * shape (prefix, length, alphabet) or it is refused with no database
 * read; then every row with its prefix (normally one) is read and its
 * stored hash compared with the hash of the string by sodium_memcmp, all
 * of them, so the time taken does not depend on where a guess differs.
 * The table's UNIQUE index on the hash is deliberately not used to look
 * a secret up. */
#include "domain/tokens.h"
#include "domain/errors.h"
#include "store/audit_repo.h"
#include "util.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET_RAW_BYTES 32
#define PREFIX_ROWS_MAX  8

static const char *const scope_names[] = {"ingest", "read", "write"};

int tokens_scope_parse(const char *s, TokenScope *out)
{
    for (size_t i = 0; s && i < sizeof scope_names / sizeof scope_names[0]; i++)
        if (strcmp(s, scope_names[i]) == 0) {
            *out = (TokenScope)i;
            return 0;
        }
    return -EINVAL;
}

const char *tokens_scope_name(TokenScope s)
{
    return (unsigned)s < sizeof scope_names / sizeof scope_names[0] ? scope_names[s] : "?";
}

static int name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
}

int tokens_name_valid(const char *name)
{
    size_t n = 0;
    for (; name && name[n]; n++)
        if (!name_char(name[n]) || n >= TOKEN_NAME_MAX)
            return 0;
    return n > 0;
}

int tokens_is_secret(const char *s)
{
    return s && strncmp(s, TOKENS_SECRET_PREFIX, strlen(TOKENS_SECRET_PREFIX)) == 0;
}

/* The exact shape tokens_create makes. */
static int secret_well_formed(const char *s)
{
    if (!tokens_is_secret(s) || strlen(s) != TOKENS_SECRET_LEN)
        return 0;
    for (const char *p = s + strlen(TOKENS_SECRET_PREFIX); *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
              (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            return 0;
    return 1;
}

void tokens_hash(const char *secret, unsigned char out[TOKEN_HASH_BYTES])
{
    crypto_hash_sha256(out, (const unsigned char *)secret, strlen(secret));
}

static void new_secret(char *secret)
{
    unsigned char raw[SECRET_RAW_BYTES];
    randombytes_buf(raw, sizeof raw);
    size_t plen = strlen(TOKENS_SECRET_PREFIX);
    memcpy(secret, TOKENS_SECRET_PREFIX, plen);
    sodium_bin2base64(secret + plen, TOKENS_SECRET_LEN + 1 - plen, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

static int fail(char *err, size_t errsz, int rc, const char *fmt, const char *arg)
{
    snprintf(err, errsz, fmt, arg);
    return rc;
}

int tokens_create(Store *st, const char *name, const char *scope, const char *actor,
                  int64_t user_id, int64_t now, char *secret, ApiTokenRow *out, char *err,
                  size_t errsz)
{
    TokenScope sc = TOKEN_SCOPE_INGEST;
    if (!tokens_name_valid(name))
        return fail(err, errsz, -EINVAL, "%s",
                    "Token name must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
    if (scope && tokens_scope_parse(scope, &sc) < 0)
        return fail(err, errsz, -EINVAL, "Unknown scope '%.40s' (ingest, read or write)", scope);
    if (sodium_init() < 0)
        return fail(err, errsz, -EIO, "%s", DOMAIN_IO_ERROR);
    char sec[TOKENS_SECRET_LEN + 1], prefix[TOKENS_PREFIX_LEN + 1];
    unsigned char hash[TOKEN_HASH_BYTES];
    new_secret(sec);
    tokens_hash(sec, hash);
    memcpy(prefix, sec, TOKENS_PREFIX_LEN);
    prefix[TOKENS_PREFIX_LEN] = '\0';
    if (store_begin(st) < 0)
        return fail(err, errsz, -EIO, "%s", DOMAIN_IO_ERROR);
    int64_t id = token_repo_insert(st, name, tokens_scope_name(sc), hash, prefix, actor, now);
    int rc = id == -EEXIST ? -ENOTUNIQ : id < 0 ? -EIO : 0;
    char detail[160];
    snprintf(detail, sizeof detail, "token '%s', scope %s, prefix %s", name,
             tokens_scope_name(sc), prefix);
    if (rc == 0 && (audit_repo_add_as(st, "API Token Created", "ApiToken", id, user_id, actor,
                                      detail, now) < 0 ||
                    (out && token_repo_by_id(st, id, out) != 1)))
        rc = -EIO;
    if (rc == 0 && store_commit(st) < 0)
        rc = -EIO;
    else if (rc < 0)
        store_rollback(st);
    if (rc == -ENOTUNIQ)
        fail(err, errsz, rc, "Token '%s' already exists", name);
    else if (rc < 0)
        fail(err, errsz, rc, "%s", DOMAIN_IO_ERROR);
    else
        memcpy(secret, sec, sizeof sec);
    sodium_memzero(sec, sizeof sec);
    return rc;
}

int tokens_list(Store *st, ApiTokenRow **out)
{
    return token_repo_list(st, out);
}

/* ref as a name, else as an id: 1 found, 0 none, -EIO. */
static int find_ref(Store *st, const char *ref, ApiTokenRow *r)
{
    int rc = token_repo_by_name(st, ref, r);
    if (rc != 0)
        return rc;
    char *end;
    long long id = strtoll(ref, &end, 10);
    return *ref && !*end && id > 0 ? token_repo_by_id(st, id, r) : 0;
}

int tokens_revoke(Store *st, const char *ref, const char *actor, int64_t user_id, int64_t now,
                  ApiTokenRow *out, char *err, size_t errsz)
{
    ApiTokenRow r;
    if (!ref)
        ref = "";
    if (store_begin(st) < 0)
        return fail(err, errsz, -EIO, "%s", DOMAIN_IO_ERROR);
    int rc = find_ref(st, ref, &r);
    if (rc <= 0) {
        store_rollback(st);
        return rc < 0 ? fail(err, errsz, -EIO, "%s", DOMAIN_IO_ERROR)
                      : fail(err, errsz, -ENOENT, "Token '%.64s' not found", ref);
    }
    if (r.revoked_at) {
        store_rollback(st);
        return fail(err, errsz, -ENOTUNIQ, "Token '%s' is already revoked", r.name);
    }
    char detail[160];
    snprintf(detail, sizeof detail, "token '%s', scope %s, prefix %s", r.name, r.scope,
             r.prefix);
    if (token_repo_revoke(st, r.id, now) != 1 ||
        audit_repo_add_as(st, "API Token Revoked", "ApiToken", r.id, user_id, actor, detail,
                          now) < 0 ||
        (out && token_repo_by_id(st, r.id, out) != 1) || store_commit(st) < 0) {
        store_rollback(st);
        return fail(err, errsz, -EIO, "%s", DOMAIN_IO_ERROR);
    }
    return 0;
}

int tokens_verify(Store *st, const char *secret, int64_t now, ApiTokenRow *out)
{
    if (!secret_well_formed(secret))
        return -EACCES;
    unsigned char want[TOKEN_HASH_BYTES];
    tokens_hash(secret, want);
    char prefix[TOKENS_PREFIX_LEN + 1];
    memcpy(prefix, secret, TOKENS_PREFIX_LEN);
    prefix[TOKENS_PREFIX_LEN] = '\0';
    ApiTokenRow rows[PREFIX_ROWS_MAX];
    unsigned char hashes[PREFIX_ROWS_MAX][TOKEN_HASH_BYTES];
    int n = token_repo_by_prefix(st, prefix, rows, hashes, PREFIX_ROWS_MAX);
    if (n < 0)
        return -EIO;
    int hit = -1;
    for (int i = 0; i < n; i++)          /* all of them: no early exit */
        if (sodium_memcmp(hashes[i], want, TOKEN_HASH_BYTES) == 0)
            hit = i;
    if (hit < 0)
        return -EACCES;
    if (rows[hit].revoked_at)
        return -EKEYREVOKED;
    if (now - rows[hit].last_used_at >= TOKENS_TOUCH_EVERY_S &&
        token_repo_touch(st, rows[hit].id, now) == 0)
        rows[hit].last_used_at = now;
    *out = rows[hit];
    return 0;
}
