/* probe_repo — see probe_repo.h. */
#include "store/probe_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>

int probe_repo_set(Store *st, int64_t service_id, const char *kind, const char *target,
                   int timeout_ms, int expect_status)
{
    static const char sql[] =
        "INSERT INTO probe (service_id, kind, target, timeout_ms, expect_status) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(service_id) DO UPDATE SET kind = ?2, "
        "target = ?3, timeout_ms = ?4, expect_status = ?5, fail_streak = 0, recent = 0";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, target, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 4, timeout_ms);
    sqlite3_bind_int(s, 5, expect_status);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

int probe_repo_delete(Store *st, int64_t service_id)
{
    static const char sql[] = "DELETE FROM probe WHERE service_id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? sqlite3_changes(store_db(st)) : -EIO;
}

int probe_repo_load_all(Store *st, ProbeRow **out)
{
    static const char sql[] = "SELECT service_id, kind, target, timeout_ms, expect_status, "
                              "fail_streak, recent FROM probe ORDER BY service_id";
    sqlite3_stmt *s = store_stmt(st, sql);
    *out = NULL;
    if (!s)
        return -EIO;
    int n = 0, cap = 0, rc;
    ProbeRow *rows = NULL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            rows = xrealloc(rows, (size_t)cap * sizeof *rows);
        }
        ProbeRow *r = &rows[n++];
        r->service_id = sqlite3_column_int64(s, 0);
        const char *k = (const char *)sqlite3_column_text(s, 1);
        strlcpy_(r->kind, k ? k : "", sizeof r->kind);
        r->target = store_col_strdup(s, 2);
        r->timeout_ms = sqlite3_column_int(s, 3);
        r->expect_status = sqlite3_column_int(s, 4);
        r->fail_streak = sqlite3_column_int(s, 5);
        r->recent = (uint64_t)sqlite3_column_int64(s, 6);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        probe_rows_free(rows, n);
        return -EIO;
    }
    *out = rows;
    return n;
}

void probe_rows_free(ProbeRow *rows, int n)
{
    for (int i = 0; i < n; i++)
        free(rows[i].target);
    free(rows);
}

int probe_repo_record(Store *st, int64_t service_id, int fail_streak, uint64_t recent,
                      int latency_ms, const char *error, int64_t now)
{
    static const char sql[] = "UPDATE probe SET fail_streak = ?, recent = ?, last_latency_ms = ?, "
                              "last_error = ?, last_checked = ? WHERE service_id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int(s, 1, fail_streak);
    sqlite3_bind_int64(s, 2, (int64_t)recent);
    sqlite3_bind_int(s, 3, latency_ms);
    store_bind_text(s, 4, error && *error ? error : NULL);
    store_bind_time(s, 5, now);
    sqlite3_bind_int64(s, 6, service_id);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}
