/* metric_repo — see metric_repo.h. Every statement is a cached prepared
 * statement; time ranges use the (resolution, ts) index of 0003. */
#include "store/metric_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <string.h>

static int done(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

static int changes(Store *st, sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? sqlite3_changes(store_db(st)) : -EIO;
}

static double col_real_or_nan(sqlite3_stmt *s, int col)
{
    return sqlite3_column_type(s, col) == SQLITE_NULL ? NAN : sqlite3_column_double(s, col);
}

static void bind_real_or_null(sqlite3_stmt *s, int idx, double v)
{
    if (isnan(v))
        sqlite3_bind_null(s, idx);
    else
        sqlite3_bind_double(s, idx, v);
}

/* ---- samples ------------------------------------------------------------ */

int metric_repo_insert(Store *st, int64_t ts, const char *name, double value, int resolution)
{
    sqlite3_stmt *s = store_stmt(st, "INSERT INTO metric_sample (ts, name, value, resolution) "
                                     "VALUES (?, ?, ?, ?)");
    if (!s)
        return -EIO;
    store_bind_time(s, 1, ts);
    sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_double(s, 3, value);
    sqlite3_bind_int(s, 4, resolution);
    return done(s);
}

int metric_repo_rollup(Store *st, int64_t from, int64_t to)
{
    /* ts text sorts as time: the first 16 characters are the minute */
    sqlite3_stmt *s = store_stmt(
        st, "INSERT OR IGNORE INTO metric_sample (ts, name, value, resolution) "
            "SELECT substr(ts, 1, 16) || ':00', name, avg(value), 60 FROM metric_sample "
            "WHERE resolution = 0 AND ts >= ? AND ts < ? GROUP BY substr(ts, 1, 16), name");
    if (!s)
        return -EIO;
    store_bind_time(s, 1, from);
    store_bind_time(s, 2, to);
    return changes(st, s);
}

int metric_repo_prune(Store *st, int resolution, int64_t before)
{
    sqlite3_stmt *s = store_stmt(st, "DELETE FROM metric_sample WHERE resolution = ? AND ts < ?");
    if (!s)
        return -EIO;
    sqlite3_bind_int(s, 1, resolution);
    store_bind_time(s, 2, before);
    return changes(st, s);
}

int64_t metric_repo_bound(Store *st, int resolution, int newest)
{
    sqlite3_stmt *s = store_stmt(st, newest ? "SELECT max(ts) FROM metric_sample WHERE resolution = ?"
                                            : "SELECT min(ts) FROM metric_sample WHERE resolution = ?");
    if (!s)
        return -EIO;
    sqlite3_bind_int(s, 1, resolution);
    int rc = sqlite3_step(s);
    int64_t t = rc == SQLITE_ROW ? store_col_time(s, 0) : -EIO;
    sqlite3_reset(s);
    return t;
}

int metric_repo_scan(Store *st, int resolution, int64_t from, int64_t to, int newest_first,
                     MetricRowFn fn, void *ctx)
{
    sqlite3_stmt *s = store_stmt(
        st, newest_first ? "SELECT ts, name, value FROM metric_sample WHERE resolution = ?1 "
                           "AND ts >= ?2 AND ts <= ?3 ORDER BY ts DESC"
                         : "SELECT ts, name, value FROM metric_sample WHERE resolution = ?1 "
                           "AND ts >= ?2 AND ts <= ?3 ORDER BY ts");
    if (!s)
        return -EIO;
    sqlite3_bind_int(s, 1, resolution);
    if (from)
        store_bind_time(s, 2, from);
    else
        sqlite3_bind_text(s, 2, "", -1, SQLITE_STATIC);
    if (to)
        store_bind_time(s, 3, to);
    else
        sqlite3_bind_text(s, 3, "~", -1, SQLITE_STATIC);   /* sorts after any digit */
    int rc, r = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        r = fn(ctx, store_col_time(s, 0), (const char *)sqlite3_column_text(s, 1),
               sqlite3_column_double(s, 2));
        if (r)
            break;
    }
    sqlite3_reset(s);
    if (r)
        return r;
    return rc == SQLITE_DONE ? 0 : -EIO;
}

int metric_repo_nth_newest(Store *st, int n, int64_t *out)
{
    sqlite3_stmt *s = store_stmt(st, "SELECT DISTINCT ts FROM metric_sample WHERE resolution = 0 "
                                     "ORDER BY ts DESC LIMIT 1 OFFSET ?");
    if (!s)
        return -EIO;
    sqlite3_bind_int(s, 1, n > 0 ? n - 1 : 0);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = store_col_time(s, 0);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int metric_repo_avg_recent(Store *st, const char *name, int n, double *out)
{
    sqlite3_stmt *s = store_stmt(st, "SELECT avg(value), count(*) FROM (SELECT value FROM "
                                     "metric_sample WHERE resolution = 0 AND name = ? "
                                     "ORDER BY ts DESC LIMIT ?)");
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, n);
    int rc = sqlite3_step(s), count = 0;
    if (rc == SQLITE_ROW) {
        count = sqlite3_column_int(s, 1);
        *out = count ? sqlite3_column_double(s, 0) : 0;
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? count : -EIO;
}

/* ---- config ------------------------------------------------------------- */

int metric_repo_config_get(Store *st, const char *key, char *out, size_t size)
{
    sqlite3_stmt *s = store_stmt(st, "SELECT value FROM config WHERE key = ?");
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(s, 0);
        strlcpy_(out, v ? v : "", size);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int metric_repo_config_put(Store *st, const char *key, const char *value)
{
    sqlite3_stmt *s = store_stmt(st, "INSERT INTO config (key, value) VALUES (?, ?) "
                                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
    return done(s);
}

/* ---- per-user thresholds -------------------------------------------------- */

int metric_repo_user_get(Store *st, int64_t user_id, double *cpu, double *memory)
{
    sqlite3_stmt *s = store_stmt(st, "SELECT cpu_threshold, memory_threshold FROM user_threshold "
                                     "WHERE user_id = ?");
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, user_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *cpu = col_real_or_nan(s, 0);
        *memory = col_real_or_nan(s, 1);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int metric_repo_user_set(Store *st, int64_t user_id, double cpu, double memory)
{
    sqlite3_stmt *s = store_stmt(
        st, "INSERT INTO user_threshold (user_id, cpu_threshold, memory_threshold) "
            "VALUES (?1, ?2, ?3) ON CONFLICT (user_id) DO UPDATE SET "
            "cpu_threshold = coalesce(?2, cpu_threshold), "
            "memory_threshold = coalesce(?3, memory_threshold)");
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, user_id);
    bind_real_or_null(s, 2, cpu);
    bind_real_or_null(s, 3, memory);
    return done(s);
}

/* ---- alerts --------------------------------------------------------------- */

#define ALERT_COLS "id, type, value, threshold, ts, cleared_at, message"

static void read_alert(sqlite3_stmt *s, MetricAlertRow *r)
{
    const char *t;
    r->id = sqlite3_column_int64(s, 0);
    t = (const char *)sqlite3_column_text(s, 1);
    strlcpy_(r->type, t ? t : "", sizeof r->type);
    r->value = sqlite3_column_double(s, 2);
    r->threshold = col_real_or_nan(s, 3);
    r->ts = store_col_time(s, 4);
    r->cleared_at = store_col_time(s, 5);
    t = (const char *)sqlite3_column_text(s, 6);
    strlcpy_(r->message, t ? t : "", sizeof r->message);
}

int64_t metric_repo_alert_insert(Store *st, const char *type, double value, double threshold,
                                 const char *message, int64_t ts)
{
    sqlite3_stmt *s = store_stmt(st, "INSERT INTO metric_alert (type, value, threshold, ts, "
                                     "message) VALUES (?, ?, ?, ?, ?)");
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_double(s, 2, value);
    bind_real_or_null(s, 3, threshold);
    store_bind_time(s, 4, ts);
    store_bind_text(s, 5, message);
    if (done(s) < 0)
        return -EIO;
    return sqlite3_last_insert_rowid(store_db(st));
}

int metric_repo_alert_clear(Store *st, int64_t id, int64_t at)
{
    sqlite3_stmt *s = store_stmt(st, "UPDATE metric_alert SET cleared_at = ? "
                                     "WHERE id = ? AND cleared_at IS NULL");
    if (!s)
        return -EIO;
    store_bind_time(s, 1, at);
    sqlite3_bind_int64(s, 2, id);
    return changes(st, s);
}

int metric_repo_alert_open(Store *st, const char *type, MetricAlertRow *out)
{
    sqlite3_stmt *s = store_stmt(st, "SELECT " ALERT_COLS " FROM metric_alert WHERE type = ? "
                                     "AND cleared_at IS NULL ORDER BY id DESC LIMIT 1");
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, type, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read_alert(s, out);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int metric_repo_alert_scan(Store *st, int limit, MetricAlertFn fn, void *ctx)
{
    sqlite3_stmt *s = store_stmt(st, "SELECT " ALERT_COLS " FROM metric_alert "
                                     "ORDER BY ts DESC, id DESC LIMIT ?");
    if (!s)
        return -EIO;
    sqlite3_bind_int(s, 1, limit);
    int rc, r = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        MetricAlertRow row;
        read_alert(s, &row);
        if ((r = fn(ctx, &row)) != 0)
            break;
    }
    sqlite3_reset(s);
    if (r)
        return r;
    return rc == SQLITE_DONE ? 0 : -EIO;
}

int metric_repo_alert_counts(Store *st, MetricCountFn fn, void *ctx, int64_t *out_total)
{
    sqlite3_stmt *s = store_stmt(st, "SELECT type, count(*) FROM metric_alert GROUP BY type "
                                     "ORDER BY type");
    if (!s)
        return -EIO;
    int rc;
    int64_t total = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t n = sqlite3_column_int64(s, 1);
        total += n;
        if (fn && fn(ctx, (const char *)sqlite3_column_text(s, 0), n) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return -EIO;
    *out_total = total;
    return 0;
}
