/* session_repo — see session_repo.h. */
#include "store/session_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>

static int done(Store *st, sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? sqlite3_changes(store_db(st)) : -EIO;
}

int session_repo_insert(Store *st, const char *jti, int64_t user_id, int64_t expires_at)
{
    static const char sql[] = "INSERT INTO session (jti, user_id, expires_at) VALUES (?, ?, ?)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, jti, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, user_id);
    store_bind_time(s, 3, expires_at);
    return done(st, s) < 0 ? -EIO : 0;
}

int session_repo_get(Store *st, const char *jti, int64_t user_id, int *out_revoked)
{
    static const char sql[] = "SELECT revoked_at IS NOT NULL FROM session WHERE jti = ? AND user_id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, jti, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, user_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && out_revoked)
        *out_revoked = sqlite3_column_int(s, 0);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int session_repo_revoke(Store *st, const char *jti, int64_t now)
{
    static const char sql[] = "UPDATE session SET revoked_at = ? WHERE jti = ? AND revoked_at IS NULL";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_time(s, 1, now);
    sqlite3_bind_text(s, 2, jti, -1, SQLITE_STATIC);
    return done(st, s);
}

int session_repo_prune(Store *st, int64_t before)
{
    static const char sql[] = "DELETE FROM session WHERE expires_at < ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_time(s, 1, before);
    return done(st, s);
}

int login_failure_add(Store *st, const char *username, int64_t now)
{
    static const char sql[] = "INSERT INTO login_failure (username, at) VALUES (?, ?)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, username, -1, SQLITE_STATIC);
    store_bind_time(s, 2, now);
    return done(st, s) < 0 ? -EIO : 0;
}

int login_failure_count(Store *st, const char *username, int64_t since)
{
    static const char sql[] = "SELECT count(*) FROM login_failure WHERE username = ? AND at >= ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, username, -1, SQLITE_STATIC);
    store_bind_time(s, 2, since);
    int n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -EIO;
    sqlite3_reset(s);
    return n;
}

int64_t login_failure_oldest(Store *st, const char *username, int64_t since)
{
    static const char sql[] = "SELECT min(at) FROM login_failure WHERE username = ? AND at >= ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, username, -1, SQLITE_STATIC);
    store_bind_time(s, 2, since);
    int64_t t = sqlite3_step(s) == SQLITE_ROW ? store_col_time(s, 0) : -EIO;
    sqlite3_reset(s);
    return t;
}

int login_failure_clear(Store *st, const char *username, int64_t before)
{
    static const char sql[] = "DELETE FROM login_failure WHERE username = ?1 AND (?2 IS NULL OR at < ?2)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, username, -1, SQLITE_STATIC);
    store_bind_time(s, 2, before);
    return done(st, s);
}
