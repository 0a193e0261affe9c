/* status_repo — see status_repo.h. */
#include "store/status_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>

int status_repo_get(Store *st, int64_t service_id, char *buf, size_t size,
                    int64_t *out_last_updated)
{
    static const char sql[] = "SELECT status, last_updated FROM status WHERE service_id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(s, 0);
        strlcpy_(buf, t ? t : "", size);
        if (out_last_updated)
            *out_last_updated = store_col_time(s, 1);
    } else if (size) {
        buf[0] = '\0';
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int status_repo_set(Store *st, int64_t service_id, const char *status, int64_t now,
                    int heartbeat)
{
    static const char sql[] =
        "INSERT INTO status (service_id, status, last_updated, last_heartbeat) "
        "VALUES (?1, ?2, ?3, CASE WHEN ?4 THEN ?3 END) ON CONFLICT(service_id) DO UPDATE SET "
        "status = ?2, last_updated = ?3, "
        "last_heartbeat = CASE WHEN ?4 THEN ?3 ELSE last_heartbeat END";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    sqlite3_bind_text(s, 2, status, -1, SQLITE_STATIC);
    store_bind_time(s, 3, now);
    sqlite3_bind_int(s, 4, heartbeat ? 1 : 0);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}
