/* risk_repo — see risk_repo.h. */
#include "store/risk_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>

int risk_repo_add_history(Store *st, int64_t service_id, int score, const char *level,
                          int critical, const char *reason, const char *source,
                          const char *created_by, int64_t now)
{
    static const char sql[] =
        "INSERT INTO risk (service_id, risk_score, risk_level, reason, is_critical, source, "
        "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    sqlite3_bind_int(s, 2, score);
    sqlite3_bind_text(s, 3, level, -1, SQLITE_STATIC);
    store_bind_text(s, 4, reason);
    sqlite3_bind_int(s, 5, critical ? 1 : 0);
    sqlite3_bind_text(s, 6, source, -1, SQLITE_STATIC);
    store_bind_text(s, 7, created_by);
    store_bind_time(s, 8, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

int risk_repo_set_current(Store *st, int64_t service_id, int score, const char *level,
                          int critical, const char *reason, int64_t now)
{
    static const char sql[] =
        "INSERT INTO risk_current (service_id, risk_score, risk_level, reason, is_critical, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(service_id) DO UPDATE SET "
        "risk_score = ?2, risk_level = ?3, reason = ?4, is_critical = ?5, updated_at = ?6";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    sqlite3_bind_int(s, 2, score);
    sqlite3_bind_text(s, 3, level, -1, SQLITE_STATIC);
    store_bind_text(s, 4, reason);
    sqlite3_bind_int(s, 5, critical ? 1 : 0);
    store_bind_time(s, 6, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

int risk_repo_latest(Store *st, int64_t service_id, RiskRow *out)
{
    static const char sql[] =
        "SELECT service_id, risk_score, risk_level, is_critical, reason, source, created_by, "
        "created_at FROM risk WHERE service_id = ? ORDER BY id DESC LIMIT 1";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *t;
        out->service_id = sqlite3_column_int64(s, 0);
        out->risk_score = sqlite3_column_int(s, 1);
        t = (const char *)sqlite3_column_text(s, 2);
        strlcpy_(out->risk_level, t ? t : "", sizeof out->risk_level);
        out->is_critical = sqlite3_column_int(s, 3);
        t = (const char *)sqlite3_column_text(s, 4);
        strlcpy_(out->reason, t ? t : "", sizeof out->reason);
        t = (const char *)sqlite3_column_text(s, 5);
        strlcpy_(out->source, t ? t : "", sizeof out->source);
        t = (const char *)sqlite3_column_text(s, 6);
        strlcpy_(out->created_by, t ? t : "", sizeof out->created_by);
        out->created_at = store_col_time(s, 7);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}
