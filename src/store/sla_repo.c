/* sla_repo — see sla_repo.h. */
#include "store/sla_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>

int sla_repo_insert(Store *st, int64_t service_id, const char *type, int64_t minutes,
                    int threshold, int64_t start, int64_t end, const char *reason, int64_t now)
{
    static const char sql[] =
        "INSERT OR IGNORE INTO sla_breach (service_id, type, downtime_minutes, threshold_minutes, "
        "start_time, end_time, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    sqlite3_bind_text(s, 2, type, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, minutes);
    sqlite3_bind_int(s, 4, threshold);
    store_bind_time(s, 5, start);
    store_bind_time(s, 6, end);
    store_bind_text(s, 7, reason);
    store_bind_time(s, 8, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? sqlite3_changes(store_db(st)) : -EIO;
}

int sla_repo_update_end(Store *st, int64_t service_id, const char *type, int64_t start,
                        int64_t end, int64_t minutes)
{
    static const char sql[] =
        "UPDATE sla_breach SET end_time = ?, downtime_minutes = ? "
        "WHERE service_id = ? AND type = ? AND start_time = ? AND end_time IS NULL";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_time(s, 1, end);
    sqlite3_bind_int64(s, 2, minutes);
    sqlite3_bind_int64(s, 3, service_id);
    sqlite3_bind_text(s, 4, type, -1, SQLITE_STATIC);
    store_bind_time(s, 5, start);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? sqlite3_changes(store_db(st)) : -EIO;
}

int sla_repo_list(Store *st, SlaRow *out, int max)
{
    static const char sql[] =
        "SELECT id, service_id, type, downtime_minutes, threshold_minutes, start_time, end_time, "
        "reason, created_at FROM sla_breach ORDER BY created_at DESC, id DESC LIMIT ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int(s, 1, max);
    int n = 0;
    while (n < max && sqlite3_step(s) == SQLITE_ROW) {
        SlaRow *r = &out[n++];
        const char *t;
        r->id = sqlite3_column_int64(s, 0);
        r->service_id = sqlite3_column_int64(s, 1);
        t = (const char *)sqlite3_column_text(s, 2);
        strlcpy_(r->type, t ? t : "", sizeof r->type);
        r->downtime_minutes = sqlite3_column_int64(s, 3);
        r->threshold_minutes = sqlite3_column_int64(s, 4);
        r->start_time = store_col_time(s, 5);
        r->end_time = store_col_time(s, 6);
        t = (const char *)sqlite3_column_text(s, 7);
        strlcpy_(r->reason, t ? t : "", sizeof r->reason);
        r->created_at = store_col_time(s, 8);
    }
    sqlite3_reset(s);
    return n;
}

int64_t sla_repo_count(Store *st, int64_t service_id, const char *type)
{
    static const char sql[] = "SELECT count(*) FROM sla_breach WHERE service_id = ? AND type = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    sqlite3_bind_text(s, 2, type, -1, SQLITE_STATIC);
    int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -EIO;
    sqlite3_reset(s);
    return n;
}
