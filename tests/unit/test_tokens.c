/* test_tokens — machine tokens for collectors (issue 12 item 2).
 *
 * A temporary database per test. Rules checked: a created token's secret
 * has its shape (rsk_ + 43 base64url) and is returned once: the row holds
 * its SHA-256 and prefix, and the database file never holds the secret;
 * names and scopes are validated, a name is unique among unrevoked tokens
 * (a revoked token's name can be used again, 0015, which keeps the rows of
 * an older database); verify accepts the
 * secret, refuses a near miss, a malformed string and a revoked token,
 * and writes last_used_at at most once a minute; when several rows share
 * a prefix every one is compared (the constant-time path finds the right
 * one wherever it is); revoke by name or id, audited; and the scope rules
 * of api/auth.c over the real route table.
 */
#include "api/auth.h"
#include "api/http.h"
#include "api/router.h"
#include "domain/tokens.h"
#include "store/audit_repo.h"
#include "store/db.h"
#include "store/migrations.h"
#include "store/token_repo.h"

#include <ftw.h>
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define T0 ((int64_t)1767225600)

typedef struct Fx {
    char   dir[64];
    char   path[PATH_MAX];
    Store *st;
} Fx;

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(p);
}

static int setup(void **state)
{
    Fx *fx = calloc(1, sizeof *fx);
    strcpy(fx->dir, "/tmp/resops-tokens-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof fx->path, "%s/t.db", fx->dir);
    char err[256];
    assert_int_equal(store_open(fx->path, &fx->st, err, sizeof err), 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    Fx *fx = *state;
    store_close(fx->st);
    nftw(fx->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(fx);
    return 0;
}

static int64_t q_int(Store *st, const char *sql)
{
    sqlite3_stmt *s = store_stmt(st, sql);
    assert_non_null(s);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return v;
}

/* Does the file (and its WAL) hold needle anywhere? */
static int file_has(const char *path, const char *needle)
{
    char p[PATH_MAX + 8];
    int found = 0;
    for (int i = 0; i < 2 && !found; i++) {
        snprintf(p, sizeof p, "%s%s", path, i ? "-wal" : "");
        FILE *f = fopen(p, "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        char *buf = malloc((size_t)n + 1);
        assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
        fclose(f);
        size_t len = strlen(needle);
        for (long k = 0; k + (long)len <= n && !found; k++)
            found = memcmp(buf + k, needle, len) == 0;
        free(buf);
    }
    return found;
}

static void test_create_returns_the_secret_once_and_stores_its_hash(void **state)
{
    Fx *fx = *state;
    char secret[TOKENS_SECRET_LEN + 1], err[200];
    ApiTokenRow r;
    assert_int_equal(tokens_create(fx->st, "alertmanager", "ingest", "admin", 1, T0, secret, &r,
                                   err, sizeof err), 0);
    assert_int_equal(strlen(secret), TOKENS_SECRET_LEN);
    assert_memory_equal(secret, "rsk_", 4);
    for (const char *p = secret + 4; *p; p++)
        assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                               *p));
    assert_string_equal(r.name, "alertmanager");
    assert_string_equal(r.scope, "ingest");
    assert_string_equal(r.created_by, "admin");
    assert_int_equal(r.created_at, T0);
    assert_int_equal(r.last_used_at, 0);
    assert_int_equal(r.revoked_at, 0);
    assert_int_equal(strlen(r.prefix), TOKENS_PREFIX_LEN);
    assert_memory_equal(r.prefix, secret, TOKENS_PREFIX_LEN);
    /* the row's hash is the SHA-256 of the secret */
    unsigned char want[TOKEN_HASH_BYTES];
    crypto_hash_sha256(want, (const unsigned char *)secret, strlen(secret));
    sqlite3_stmt *s = store_stmt(fx->st, "SELECT hash FROM api_token WHERE id = ?");
    sqlite3_bind_int64(s, 1, r.id);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_bytes(s, 0), TOKEN_HASH_BYTES);
    assert_memory_equal(sqlite3_column_blob(s, 0), want, TOKEN_HASH_BYTES);
    sqlite3_reset(s);
    /* never in clear: not in the database file or its WAL (the part
     * after the prefix, which is shown in lists) */
    assert_false(file_has(fx->path, secret + TOKENS_PREFIX_LEN));
    assert_true(file_has(fx->path, "alertmanager"));   /* the check can see the file */
    /* audited */
    assert_int_equal(audit_repo_count(fx->st, "API Token Created", r.id), 1);
    /* two tokens never share a secret */
    char other[TOKENS_SECRET_LEN + 1];
    assert_int_equal(tokens_create(fx->st, "rsyslog", NULL, "admin", 1, T0, other, NULL, err,
                                   sizeof err), 0);
    assert_string_not_equal(secret, other);
    ApiTokenRow o;
    assert_int_equal(token_repo_by_name(fx->st, "rsyslog", &o), 1);
    assert_string_equal(o.scope, "ingest");                      /* the default */
}

static void test_names_and_scopes_are_validated(void **state)
{
    Fx *fx = *state;
    static const struct { const char *name, *scope; int rc; const char *err; } cases[] = {
        {"", "ingest", -EINVAL, "Token name must be 1 to 64 characters of A-Z a-z 0-9 . _ -"},
        {"a b", "ingest", -EINVAL, "Token name must be 1 to 64 characters of A-Z a-z 0-9 . _ -"},
        {"a/b", "ingest", -EINVAL, "Token name must be 1 to 64 characters of A-Z a-z 0-9 . _ -"},
        {"ü", "ingest", -EINVAL, "Token name must be 1 to 64 characters of A-Z a-z 0-9 . _ -"},
        {"x", "Ingest", -EINVAL, "Unknown scope 'Ingest' (ingest, read or write)"},
        {"x", "admin", -EINVAL, "Unknown scope 'admin' (ingest, read or write)"},
        {"Ok.name_1-2", "read", 0, ""},
        {"Ok.name_1-2", "write", -ENOTUNIQ, "Token 'Ok.name_1-2' already exists"},
        {"w", "write", 0, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char secret[TOKENS_SECRET_LEN + 1], err[200] = "";
        int rc = tokens_create(fx->st, cases[i].name, cases[i].scope, "admin", 1, T0, secret,
                               NULL, err, sizeof err);
        assert_int_equal(rc, cases[i].rc);
        if (rc < 0)
            assert_string_equal(err, cases[i].err);
    }
    char name[TOKEN_NAME_MAX + 2];
    memset(name, 'n', sizeof name - 1);
    name[TOKEN_NAME_MAX + 1] = '\0';
    assert_false(tokens_name_valid(name));                      /* 65 */
    name[TOKEN_NAME_MAX] = '\0';
    assert_true(tokens_name_valid(name));                       /* 64 */
    assert_int_equal(q_int(fx->st, "SELECT count(*) FROM api_token"), 2);
}

static void test_verify_accepts_refuses_and_touches_once_a_minute(void **state)
{
    Fx *fx = *state;
    char secret[TOKENS_SECRET_LEN + 1], err[200];
    ApiTokenRow r, v;
    assert_int_equal(tokens_create(fx->st, "am", "write", "admin", 1, T0, secret, &r, err,
                                   sizeof err), 0);
    assert_int_equal(tokens_verify(fx->st, secret, T0 + 5, &v), 0);
    assert_int_equal(v.id, r.id);
    assert_string_equal(v.scope, "write");
    assert_int_equal(v.last_used_at, T0 + 5);
    assert_int_equal(tokens_verify(fx->st, secret, T0 + 30, &v), 0);
    assert_int_equal(v.last_used_at, T0 + 5);                  /* not within the minute */
    assert_int_equal(tokens_verify(fx->st, secret, T0 + 64, &v), 0);
    assert_int_equal(v.last_used_at, T0 + 5);
    assert_int_equal(tokens_verify(fx->st, secret, T0 + 65, &v), 0);
    assert_int_equal(v.last_used_at, T0 + 65);
    assert_int_equal(token_repo_by_id(fx->st, r.id, &v), 1);
    assert_int_equal(v.last_used_at, T0 + 65);                 /* stored */
    /* a near miss: the same prefix, the last character changed */
    char miss[TOKENS_SECRET_LEN + 1];
    memcpy(miss, secret, sizeof miss);
    miss[TOKENS_SECRET_LEN - 1] = miss[TOKENS_SECRET_LEN - 1] == 'A' ? 'B' : 'A';
    assert_int_equal(tokens_verify(fx->st, miss, T0, &v), -EACCES);
    /* malformed: short, long, a character outside base64url, a JWT */
    assert_int_equal(tokens_verify(fx->st, "rsk_abc", T0, &v), -EACCES);
    char longer[TOKENS_SECRET_LEN + 2];
    snprintf(longer, sizeof longer, "%sA", secret);
    assert_int_equal(tokens_verify(fx->st, longer, T0, &v), -EACCES);
    memcpy(miss, secret, sizeof miss);
    miss[20] = '+';
    assert_int_equal(tokens_verify(fx->st, miss, T0, &v), -EACCES);
    assert_int_equal(tokens_verify(fx->st, "eyJhbGciOiJIUzI1NiJ9.e30.x", T0, &v), -EACCES);
    assert_false(tokens_is_secret("eyJhbGciOiJIUzI1NiJ9.e30.x"));
    assert_true(tokens_is_secret(secret));
    /* revoked */
    assert_int_equal(tokens_revoke(fx->st, "am", "admin", 1, T0 + 100, NULL, err, sizeof err), 0);
    assert_int_equal(tokens_verify(fx->st, secret, T0 + 200, &v), -EKEYREVOKED);
}

/* Rows that share the secret's prefix: every one is compared, and the
 * one whose hash matches is found whether it comes first or last. */
static void test_shared_prefix_compares_every_candidate(void **state)
{
    Fx *fx = *state;
    char secret[TOKENS_SECRET_LEN + 1], err[200];
    ApiTokenRow r, v;
    assert_int_equal(tokens_create(fx->st, "real", "read", "admin", 1, T0, secret, &r, err,
                                   sizeof err), 0);
    for (int i = 0; i < 3; i++) {
        unsigned char h[TOKEN_HASH_BYTES];
        randombytes_buf(h, sizeof h);
        char name[16];
        snprintf(name, sizeof name, "decoy%d", i);
        assert_true(token_repo_insert(fx->st, name, "write", h, r.prefix, "x", T0) > 0);
    }
    assert_int_equal(q_int(fx->st, "SELECT count(*) FROM api_token"), 4);
    assert_int_equal(tokens_verify(fx->st, secret, T0, &v), 0);
    assert_string_equal(v.name, "real");
    assert_string_equal(v.scope, "read");
    /* the real one after the decoys */
    assert_int_equal(token_repo_revoke(fx->st, r.id, T0), 1);
    char again[TOKENS_SECRET_LEN + 1];
    unsigned char h[TOKEN_HASH_BYTES];
    assert_int_equal(tokens_verify(fx->st, secret, T0, &v), -EKEYREVOKED);
    memcpy(again, secret, sizeof again);
    again[TOKENS_SECRET_LEN - 2] = again[TOKENS_SECRET_LEN - 2] == 'z' ? 'y' : 'z';
    tokens_hash(again, h);
    assert_true(token_repo_insert(fx->st, "later", "ingest", h, r.prefix, "x", T0) > 0);
    assert_int_equal(tokens_verify(fx->st, again, T0, &v), 0);
    assert_string_equal(v.name, "later");
}

static void test_revoke_by_name_or_id(void **state)
{
    Fx *fx = *state;
    char secret[TOKENS_SECRET_LEN + 1], err[200];
    ApiTokenRow a, b, out;
    assert_int_equal(tokens_create(fx->st, "a", "ingest", "admin", 1, T0, secret, &a, err,
                                   sizeof err), 0);
    assert_int_equal(tokens_create(fx->st, "b", "ingest", "admin", 1, T0, secret, &b, err,
                                   sizeof err), 0);
    assert_int_equal(tokens_revoke(fx->st, "a", "root", 0, T0 + 1, &out, err, sizeof err), 0);
    assert_int_equal(out.revoked_at, T0 + 1);
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)b.id);
    assert_int_equal(tokens_revoke(fx->st, id, "root", 0, T0 + 2, &out, err, sizeof err), 0);
    assert_string_equal(out.name, "b");
    assert_int_equal(tokens_revoke(fx->st, "a", "root", 0, T0 + 3, NULL, err, sizeof err),
                     -ENOTUNIQ);
    assert_string_equal(err, "Token 'a' is already revoked");
    assert_int_equal(tokens_revoke(fx->st, "nope", "root", 0, T0 + 3, NULL, err, sizeof err),
                     -ENOENT);
    assert_string_equal(err, "Token 'nope' not found");
    assert_int_equal(audit_repo_count(fx->st, "API Token Revoked", a.id), 1);
    assert_int_equal(audit_repo_count(fx->st, "API Token Revoked", b.id), 1);
    AuditRow row;
    assert_int_equal(audit_repo_list(fx->st, "API Token Revoked", &row, 1), 1);
    assert_string_equal(row.actor, "root");
    ApiTokenRow *all;
    assert_int_equal(tokens_list(fx->st, &all), 2);
    assert_string_equal(all[0].name, "a");
    assert_true(all[0].revoked_at && all[1].revoked_at);
    free(all);
}

/* Rotation (migration 0015): a name is unique among unrevoked tokens
 * only, so revoke then create under the same name gives a new key; revoke
 * by name acts on the live one; the list shows both. */
static void test_revoked_name_can_be_reused(void **state)
{
    Fx *fx = *state;
    char old[TOKENS_SECRET_LEN + 1], cur[TOKENS_SECRET_LEN + 1], err[200];
    ApiTokenRow a, b, out;
    assert_int_equal(tokens_create(fx->st, "rsyslog", "ingest", "admin", 1, T0, old, &a, err,
                                   sizeof err), 0);
    assert_int_equal(tokens_revoke(fx->st, "rsyslog", "admin", 1, T0 + 1, NULL, err,
                                   sizeof err), 0);
    assert_int_equal(tokens_create(fx->st, "rsyslog", "write", "admin", 1, T0 + 2, cur, &b, err,
                                   sizeof err), 0);
    assert_true(b.id != a.id);
    assert_int_equal(b.revoked_at, 0);
    /* still one live token a name */
    assert_int_equal(tokens_create(fx->st, "rsyslog", NULL, "admin", 1, T0 + 3, cur, NULL, err,
                                   sizeof err), -ENOTUNIQ);
    assert_string_equal(err, "Token 'rsyslog' already exists");
    assert_int_equal(tokens_verify(fx->st, old, T0 + 4, &out), -EKEYREVOKED);
    assert_int_equal(tokens_verify(fx->st, cur, T0 + 4, &out), 0);
    assert_int_equal(out.id, b.id);
    assert_int_equal(token_repo_by_name(fx->st, "rsyslog", &out), 1);
    assert_int_equal(out.id, b.id);
    ApiTokenRow *all;
    assert_int_equal(tokens_list(fx->st, &all), 2);
    assert_int_equal(all[0].id, a.id);
    assert_int_equal(all[0].revoked_at, T0 + 1);
    assert_int_equal(all[1].id, b.id);
    assert_int_equal(all[1].revoked_at, 0);
    free(all);
    /* revoke by name: the live one; then every one is revoked */
    assert_int_equal(tokens_revoke(fx->st, "rsyslog", "admin", 1, T0 + 5, &out, err,
                                   sizeof err), 0);
    assert_int_equal(out.id, b.id);
    assert_int_equal(tokens_revoke(fx->st, "rsyslog", "admin", 1, T0 + 6, NULL, err,
                                   sizeof err), -ENOTUNIQ);
    assert_string_equal(err, "Token 'rsyslog' is already revoked");
    assert_int_equal(audit_repo_count(fx->st, "API Token Revoked", a.id), 1);
    assert_int_equal(audit_repo_count(fx->st, "API Token Revoked", b.id), 1);
    /* and again */
    assert_int_equal(tokens_create(fx->st, "rsyslog", NULL, "admin", 1, T0 + 7, cur, NULL, err,
                                   sizeof err), 0);
    assert_int_equal(tokens_list(fx->st, &all), 3);
    free(all);
}

/* Migration 0015 on a database of schema 14 with tokens: rows and ids
 * kept, the hash still UNIQUE, the name unique among live tokens only. */
static void test_migration_0015_keeps_the_tokens(void **state)
{
    (void)state;
    char dir[] = "/tmp/resops-tokmig-XXXXXX", path[PATH_MAX], err[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/old.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_true(store_migration_count >= 15);
    for (int v = 0; v < 14; v++)
        assert_int_equal(sqlite3_exec(db, store_migrations[v], NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
        "PRAGMA user_version = 14;"
        "INSERT INTO api_token (id, name, scope, hash, prefix, created_by, created_at, revoked_at)"
        " VALUES (7, 'am', 'ingest', x'01', 'rsk_aaaaaaaa', 'admin', '2026-01-01T00:00:00Z',"
        " '2026-01-02T00:00:00Z'),"
        " (9, 'sys', 'read', x'02', 'rsk_bbbbbbbb', NULL, '2026-01-01T00:00:00Z', NULL);",
        NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    Store *st;
    assert_int_equal(store_open(path, &st, err, sizeof err), 0);
    ApiTokenRow r;
    assert_int_equal(token_repo_by_name(st, "am", &r), 1);
    assert_int_equal(r.id, 7);
    assert_true(r.revoked_at > 0);
    assert_string_equal(r.created_by, "admin");
    assert_int_equal(token_repo_by_name(st, "sys", &r), 1);
    assert_int_equal(r.id, 9);
    assert_string_equal(r.scope, "read");
    unsigned char h[TOKEN_HASH_BYTES] = {3};
    assert_true(token_repo_insert(st, "am", "ingest", h, "rsk_cccccccc", "x", T0) > 9);
    h[0] = 4;
    assert_int_equal(token_repo_insert(st, "sys", "ingest", h, "rsk_dddddddd", "x", T0),
                     -EEXIST);                                  /* live name */
    h[0] = 3;
    assert_int_equal(token_repo_insert(st, "other", "ingest", h, "rsk_eeeeeeee", "x", T0),
                     -EEXIST);                                  /* same hash */
    assert_int_equal(q_int(st, "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                               "AND name = 'api_token_live_name'"), 1);
    store_close(st);
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static const ApiRoute *route(const char *method, const char *path)
{
    int64_t id;
    int known;
    char allow[64];
    const ApiRoute *r = api_route_match(method, path, &id, &known, allow, sizeof allow);
    assert_non_null(r);
    return r;
}

/* README "Machine tokens": the scopes over the real route table. */
static void test_scopes_over_the_route_table(void **state)
{
    (void)state;
    static const struct { const char *method, *path; int ingest, read, write; } cases[] = {
        {"POST", "/api/ingestion/raw", 1, 0, 1},
        {"GET", "/api/ingestion/raw-url", 1, 1, 1},
        {"GET", "/api/services", 0, 1, 1},
        {"HEAD", "/api/services", 0, 1, 1},
        {"POST", "/api/services", 0, 0, 1},           /* Business Owner */
        {"GET", "/api/services/integrations", 0, 1, 1}, /* Engineer */
        {"POST", "/api/verdicts/x/verdict", 0, 0, 1}, /* Ops Analyst */
        {"GET", "/api/admin/tokens", 0, 0, 0},        /* Admin only */
        {"POST", "/api/admin/tokens", 0, 0, 0},
        {"DELETE", "/api/admin/tokens/x", 0, 0, 0},
        {"GET", "/api/admin/config/thresholds", 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const ApiRoute *r = route(cases[i].method, cases[i].path);
        assert_int_equal(api_machine_scope_allows(TOKEN_SCOPE_INGEST, cases[i].method, r),
                         cases[i].ingest);
        assert_int_equal(api_machine_scope_allows(TOKEN_SCOPE_READ, cases[i].method, r),
                         cases[i].read);
        assert_int_equal(api_machine_scope_allows(TOKEN_SCOPE_WRITE, cases[i].method, r),
                         cases[i].write);
    }
    /* every route: ingest only on ROUTE_INGEST; nothing Admin-only passes */
    size_t n;
    const ApiRoute *all = api_routes(&n);
    for (size_t i = 0; i < n; i++) {
        int ing = !!(all[i].flags & ROUTE_INGEST);
        assert_int_equal(api_machine_scope_allows(TOKEN_SCOPE_INGEST, all[i].method, &all[i]),
                         ing);
        if (all[i].roles == ROLE_BIT_ADMIN)
            assert_false(api_machine_scope_allows(TOKEN_SCOPE_WRITE, all[i].method, &all[i]));
        if (strcmp(all[i].method, "GET") != 0)
            assert_false(api_machine_scope_allows(TOKEN_SCOPE_READ, all[i].method, &all[i]));
    }
}

static AuditRow newest(Store *st)
{
    AuditRow r;
    memset(&r, 0, sizeof r);
    assert_int_equal(audit_repo_list(st, NULL, &r, 1), 1);
    return r;
}

/* api_machine_auth: the pseudo user, the request's audit actor (and
 * api_machine_reset ending it), the scope's 403 and the 401s. */
static void test_machine_auth_runs_as_the_token(void **state)
{
    Fx *fx = *state;
    char secret[TOKENS_SECRET_LEN + 1], err[200];
    assert_int_equal(tokens_create(fx->st, "am", "read", "admin", 1, T0, secret, NULL, err,
                                   sizeof err), 0);
    UserInfo user;
    ApiResp rs = {0};
    ApiReq rq = {.method = "GET", .path = "/api/services", .st = fx->st, .now = T0 + 10};
    assert_int_equal(api_machine_auth(&rq, route("GET", "/api/services"), secret, &user, &rs),
                     0);
    assert_string_equal(user.username, "token:am");
    assert_int_equal(user.id, 0);
    assert_ptr_equal(rq.user, &user);
    assert_int_equal(audit_repo_add(fx->st, "Status Updated", "Status", 1, 0, "x", T0), 0);
    assert_string_equal(newest(fx->st).actor, "token:am");
    api_machine_reset(fx->st);
    assert_int_equal(audit_repo_add(fx->st, "Status Updated", "Status", 1, 0, "x", T0), 0);
    assert_string_equal(newest(fx->st).actor, "system");
    /* the scope refuses a write */
    rq.method = "POST";
    assert_int_equal(api_machine_auth(&rq, route("POST", "/api/services"), secret, &user, &rs),
                     -1);
    assert_int_equal(rs.status, 403);
    assert_non_null(strstr(rs.body, "Token scope 'read' does not allow this request"));
    free(rs.body);
    rs = (ApiResp){0};
    /* unknown, then revoked: 401 */
    char miss[TOKENS_SECRET_LEN + 1];
    memcpy(miss, secret, sizeof miss);
    miss[30] = miss[30] == 'Q' ? 'R' : 'Q';
    rq.method = "GET";
    assert_int_equal(api_machine_auth(&rq, route("GET", "/api/services"), miss, &user, &rs), -1);
    assert_int_equal(rs.status, 401);
    assert_non_null(strstr(rs.body, "Invalid token"));
    free(rs.body);
    rs = (ApiResp){0};
    assert_int_equal(tokens_revoke(fx->st, "am", "admin", 1, T0 + 20, NULL, err, sizeof err), 0);
    assert_int_equal(api_machine_auth(&rq, route("GET", "/api/services"), secret, &user, &rs),
                     -1);
    assert_int_equal(rs.status, 401);
    assert_non_null(strstr(rs.body, "Token has been revoked"));
    free(rs.body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_returns_the_secret_once_and_stores_its_hash,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_names_and_scopes_are_validated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_accepts_refuses_and_touches_once_a_minute,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_prefix_compares_every_candidate, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_revoke_by_name_or_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoked_name_can_be_reused, setup, teardown),
        cmocka_unit_test(test_migration_0015_keeps_the_tokens),
        cmocka_unit_test(test_scopes_over_the_route_table),
        cmocka_unit_test_setup_teardown(test_machine_auth_runs_as_the_token, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
