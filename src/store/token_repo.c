/* token_repo — see token_repo.h. A lookup by prefix scans the table:
 * tokens are few (an operator names each one), and the hash column's
 * UNIQUE index (0014) is not used for lookups on purpose, so that the
 * secret's hash is compared only in constant time (domain/tokens.c). */
#include "store/token_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>
#include <string.h>

#define TOKEN_COLS "id, name, scope, prefix, created_by, created_at, last_used_at, revoked_at"

static void read_row(sqlite3_stmt *s, void *item)
{
    ApiTokenRow *r = item;
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(s, 0);
    store_col_copy(s, 1, r->name, sizeof r->name);
    store_col_copy(s, 2, r->scope, sizeof r->scope);
    store_col_copy(s, 3, r->prefix, sizeof r->prefix);
    store_col_copy(s, 4, r->created_by, sizeof r->created_by);
    r->created_at = store_col_time(s, 5);
    r->last_used_at = store_col_time(s, 6);
    r->revoked_at = store_col_time(s, 7);
}

int64_t token_repo_insert(Store *st, const char *name, const char *scope,
                          const unsigned char hash[TOKEN_HASH_BYTES], const char *prefix,
                          const char *created_by, int64_t now)
{
    static const char sql[] =
        "INSERT INTO api_token (name, scope, hash, prefix, created_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, scope, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 3, hash, TOKEN_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, prefix, -1, SQLITE_STATIC);
    store_bind_text(s, 5, created_by && *created_by ? created_by : NULL);
    store_bind_time(s, 6, now);
    int rc = sqlite3_step(s);
    int ext = sqlite3_extended_errcode(store_db(st));
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return sqlite3_last_insert_rowid(store_db(st));
    return ext == SQLITE_CONSTRAINT_UNIQUE ? -EEXIST : -EIO;
}

int token_repo_list(Store *st, ApiTokenRow **out)
{
    static const char sql[] = "SELECT " TOKEN_COLS " FROM api_token ORDER BY name, id";
    *out = NULL;
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    return store_rows(s, sizeof(ApiTokenRow), read_row, (void **)out);
}

static int one(sqlite3_stmt *s, ApiTokenRow *out)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read_row(s, out);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int token_repo_by_name(Store *st, const char *name, ApiTokenRow *out)
{
    /* the live one (0015: at most one), else the last revoked */
    sqlite3_stmt *s = store_stmt(st, "SELECT " TOKEN_COLS " FROM api_token WHERE name = ? "
                                     "ORDER BY revoked_at IS NULL DESC, id DESC LIMIT 1");
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    return one(s, out);
}

int token_repo_by_id(Store *st, int64_t id, ApiTokenRow *out)
{
    sqlite3_stmt *s = store_stmt(st, "SELECT " TOKEN_COLS " FROM api_token WHERE id = ?");
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, id);
    return one(s, out);
}

int token_repo_by_prefix(Store *st, const char *prefix, ApiTokenRow *out,
                         unsigned char (*hashes)[TOKEN_HASH_BYTES], int max)
{
    sqlite3_stmt *s = store_stmt(st, "SELECT " TOKEN_COLS ", hash FROM api_token "
                                     "WHERE prefix = ? ORDER BY id");
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, prefix, -1, SQLITE_STATIC);
    int n = 0, rc = SQLITE_DONE;
    while (n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        read_row(s, &out[n]);
        memset(hashes[n], 0, TOKEN_HASH_BYTES);
        const void *h = sqlite3_column_blob(s, 8);
        if (h && sqlite3_column_bytes(s, 8) == TOKEN_HASH_BYTES)
            memcpy(hashes[n], h, TOKEN_HASH_BYTES);
        n++;
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        n = -EIO;
    sqlite3_reset(s);
    return n;
}

int token_repo_revoke(Store *st, int64_t id, int64_t now)
{
    sqlite3_stmt *s = store_stmt(st, "UPDATE api_token SET revoked_at = ? "
                                     "WHERE id = ? AND revoked_at IS NULL");
    if (!s)
        return -EIO;
    store_bind_time(s, 1, now);
    sqlite3_bind_int64(s, 2, id);
    return store_step_changes(st, s);
}

int token_repo_touch(Store *st, int64_t id, int64_t now)
{
    sqlite3_stmt *s = store_stmt(st, "UPDATE api_token SET last_used_at = ? WHERE id = ?");
    if (!s)
        return -EIO;
    store_bind_time(s, 1, now);
    sqlite3_bind_int64(s, 2, id);
    return store_step_done(s);
}
