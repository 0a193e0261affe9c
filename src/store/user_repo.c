/* user_repo — see user_repo.h. */
#include "store/user_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>
#include <string.h>

int64_t user_repo_insert(Store *st, const char *username, const char *hash, const char *role,
                         int64_t now)
{
    static const char sql[] =
        "INSERT INTO user (username, password, role, created_at) VALUES (?, ?, ?, ?)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, username, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, role, -1, SQLITE_STATIC);
    store_bind_time(s, 4, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_CONSTRAINT_UNIQUE)
        return -EEXIST;
    return rc == SQLITE_DONE ? sqlite3_last_insert_rowid(store_db(st)) : -EIO;
}

static int one(sqlite3_stmt *s, UserRow *out)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && out) {
        const char *t;
        out->id = sqlite3_column_int64(s, 0);
        t = (const char *)sqlite3_column_text(s, 1);
        strlcpy_(out->username, t ? t : "", sizeof out->username);
        t = (const char *)sqlite3_column_text(s, 2);
        strlcpy_(out->password, t ? t : "", sizeof out->password);
        t = (const char *)sqlite3_column_text(s, 3);
        strlcpy_(out->role, t ? t : "", sizeof out->role);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int user_repo_by_name(Store *st, const char *username, UserRow *out)
{
    static const char sql[] = "SELECT id, username, password, role FROM user WHERE username = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, username, -1, SQLITE_STATIC);
    return one(s, out);
}

int user_repo_by_name_ci(Store *st, const char *raw, const char *trimmed, UserRow *out)
{
    static const char sql[] =
        "SELECT id, username, password, role FROM user WHERE trim(username) = ?2 COLLATE NOCASE "
        "ORDER BY username = ?1 DESC, username = ?2 DESC, id LIMIT 1";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, raw, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, trimmed, -1, SQLITE_STATIC);
    return one(s, out);
}

int user_repo_get(Store *st, int64_t id, UserRow *out)
{
    static const char sql[] = "SELECT id, username, password, role FROM user WHERE id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, id);
    return one(s, out);
}

int64_t user_repo_count(Store *st)
{
    static const char sql[] = "SELECT count(*) FROM user";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -EIO;
    sqlite3_reset(s);
    return n;
}
