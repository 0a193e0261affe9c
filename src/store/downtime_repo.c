/* downtime_repo — see downtime_repo.h. */
#include "store/downtime_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>

static void read_row(sqlite3_stmt *s, void *item)
{
    DowntimeRow *r = item;
    r->id = sqlite3_column_int64(s, 0);
    r->service_id = sqlite3_column_int64(s, 1);
    r->start_time = store_col_time(s, 2);
    r->end_time = store_col_time(s, 3);
    const char *t = (const char *)sqlite3_column_text(s, 4);
    strlcpy_(r->reason, t ? t : "", sizeof r->reason);
}

int64_t downtime_repo_insert(Store *st, int64_t service_id, int64_t start, int64_t end,
                             const char *reason)
{
    static const char sql[] =
        "INSERT INTO downtime (service_id, start_time, end_time, reason) VALUES (?, ?, ?, ?)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    store_bind_time(s, 2, start);
    store_bind_time(s, 3, end);
    store_bind_text(s, 4, reason);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? sqlite3_last_insert_rowid(store_db(st)) : -EIO;
}

int downtime_repo_find_open(Store *st, int64_t service_id, DowntimeRow *out)
{
    static const char sql[] = "SELECT id, service_id, start_time, end_time, reason FROM downtime "
                              "WHERE service_id = ? AND end_time IS NULL ORDER BY start_time DESC LIMIT 1";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && out)
        read_row(s, out);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int downtime_repo_close(Store *st, int64_t id, int64_t end)
{
    static const char sql[] = "UPDATE downtime SET end_time = ? WHERE id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_time(s, 1, end);
    sqlite3_bind_int64(s, 2, id);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

int downtime_repo_load_since(Store *st, int64_t since, DowntimeRow **out)
{
    static const char sql[] =
        "SELECT id, service_id, start_time, end_time, reason FROM downtime "
        "WHERE start_time >= ?1 OR end_time IS NULL OR end_time >= ?1 ORDER BY service_id, start_time";
    sqlite3_stmt *s = store_stmt(st, sql);
    *out = NULL;
    if (!s)
        return -EIO;
    store_bind_time(s, 1, since);
    void *v;
    int n = store_rows(s, sizeof(DowntimeRow), read_row, &v);
    *out = v;
    return n;
}

int downtime_repo_list(Store *st, int64_t service_id, DowntimeRow *out, int max)
{
    static const char sql[] = "SELECT id, service_id, start_time, end_time, reason FROM downtime "
                              "WHERE service_id = ? ORDER BY start_time DESC, id DESC LIMIT ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    sqlite3_bind_int(s, 2, max);
    int n = 0;
    while (n < max && sqlite3_step(s) == SQLITE_ROW)
        read_row(s, &out[n++]);
    sqlite3_reset(s);
    return n;
}

int downtime_repo_first_start(Store *st, int64_t service_id, int64_t *out)
{
    static const char sql[] = "SELECT min(start_time) FROM downtime WHERE service_id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    int rc = sqlite3_step(s);
    int r = rc == SQLITE_ROW ? sqlite3_column_type(s, 0) != SQLITE_NULL : -EIO;
    if (r == 1)
        *out = store_col_time(s, 0);
    sqlite3_reset(s);
    return r;
}
