/* outbox_repo — see outbox_repo.h.
 *
 * The due queries read the partial index outbox_pending (pending rows by
 * next_attempt_at); the "not behind an earlier row of the same order_key"
 * test reads outbox_order, so both stay cheap with a large delivered
 * history in the table.
 */
#include "store/outbox_repo.h"
#include "store/db.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "YYYY-MM-DDTHH:MM:SS.mmm" (24 bytes with the NUL). */
static void iso_ms(int64_t ms, char *buf, size_t size)
{
    char s[32];
    util_iso8601(ms / 1000, s, sizeof s);
    snprintf(buf, size, "%s.%03d", s, (int)(ms % 1000));
}

static int bind_ms(sqlite3_stmt *s, int idx, int64_t ms)
{
    char buf[40];
    iso_ms(ms, buf, sizeof buf);
    return sqlite3_bind_text(s, idx, buf, -1, SQLITE_TRANSIENT);
}

/* Epoch ms of an ISO column, with or without a fraction; 0 when NULL. */
static int64_t col_ms(sqlite3_stmt *s, int col)
{
    const char *t = (const char *)sqlite3_column_text(s, col);
    int64_t sec;
    if (!t || util_parse_iso8601(t, &sec) < 0)
        return 0;
    int ms = 0;
    const char *dot = strchr(t, '.');
    if (dot)
        for (int i = 1, scale = 100; i <= 3 && isdigit((unsigned char)dot[i]); i++, scale /= 10)
            ms += (dot[i] - '0') * scale;
    return sec * 1000 + ms;
}

int outbox_repo_enqueue(Store *st, const char *channel, const char *target, const char *payload,
                        const char *idempotency_key, int64_t now)
{
    static const char sql[] =
        "INSERT OR IGNORE INTO outbox (channel, target, payload, idempotency_key, created_at, "
        "next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, channel, -1, SQLITE_STATIC);
    store_bind_text(s, 2, target);
    sqlite3_bind_text(s, 3, payload, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, idempotency_key, -1, SQLITE_STATIC);
    store_bind_time(s, 5, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? sqlite3_changes(store_db(st)) : -EIO;
}

int outbox_repo_insert(Store *st, const OutboxNew *n)
{
    static const char sql[] =
        "INSERT OR IGNORE INTO outbox (channel, target, payload, idempotency_key, created_at, "
        "next_attempt_at, order_key, service_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, n->channel, -1, SQLITE_STATIC);
    store_bind_text(s, 2, n->target);
    sqlite3_bind_text(s, 3, n->payload, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, n->idempotency_key, -1, SQLITE_STATIC);
    bind_ms(s, 5, n->created_ms);
    bind_ms(s, 6, n->due_ms);
    store_bind_text(s, 7, n->order_key);
    if (n->service_id)
        sqlite3_bind_int64(s, 8, n->service_id);
    else
        sqlite3_bind_null(s, 8);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? sqlite3_changes(store_db(st)) : -EIO;
}

void outbox_rows_free(OutboxRow *rows, int n)
{
    if (!rows)
        return;
    for (int i = 0; i < n; i++) {
        free(rows[i].channel);
        free(rows[i].target);
        free(rows[i].payload);
        free(rows[i].idempotency_key);
        free(rows[i].order_key);
    }
    free(rows);
}

#define ROW_COLS "id, channel, target, payload, idempotency_key, attempts, created_at, " \
                 "service_id, order_key"

/* Step a statement selecting ROW_COLS into a malloc'd array. */
static int read_rows(sqlite3_stmt *s, int max, OutboxRow **out)
{
    OutboxRow *rows = NULL;
    int n = 0, cap = 0, rc = SQLITE_DONE;
    while (n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            rows = xrealloc(rows, (size_t)cap * sizeof *rows);
        }
        OutboxRow *r = &rows[n++];
        r->id = sqlite3_column_int64(s, 0);
        r->channel = store_col_strdup(s, 1);
        r->target = store_col_strdup(s, 2);
        r->payload = store_col_strdup(s, 3);
        r->idempotency_key = store_col_strdup(s, 4);
        r->attempts = sqlite3_column_int(s, 5);
        r->created_ms = col_ms(s, 6);
        r->service_id = sqlite3_column_int64(s, 7);
        r->order_key = store_col_strdup(s, 8);
        if (!r->channel || !r->payload || !r->idempotency_key) { /* NOT NULL columns */
            rc = SQLITE_CORRUPT;
            break;
        }
    }
    sqlite3_reset(s);
    if (n < max && rc != SQLITE_DONE) {
        outbox_rows_free(rows, n);
        return -EIO;
    }
    *out = rows;
    return n;
}

int outbox_repo_due_channel(Store *st, const char *channel, int64_t now_ms, int max,
                            OutboxRow **out)
{
    static const char sql[] =
        "SELECT " ROW_COLS " FROM outbox WHERE delivered_at IS NULL AND dead_at IS NULL "
        "AND next_attempt_at <= ?1 AND channel = ?2 ORDER BY id LIMIT ?3";
    sqlite3_stmt *s = store_stmt(st, sql);
    *out = NULL;
    if (!s)
        return -EIO;
    bind_ms(s, 1, now_ms);
    sqlite3_bind_text(s, 2, channel, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, max);
    return read_rows(s, max, out);
}

int outbox_repo_due_deliveries(Store *st, int64_t now_ms, int max, OutboxRow **out)
{
    static const char sql[] =
        "SELECT " ROW_COLS " FROM outbox o WHERE delivered_at IS NULL AND dead_at IS NULL "
        "AND next_attempt_at <= ?1 AND channel <> 'event' "   /* every delivery channel */
        "AND (order_key IS NULL OR NOT EXISTS (SELECT 1 FROM outbox p "
        "     WHERE p.order_key = o.order_key AND p.id < o.id "
        "     AND p.delivered_at IS NULL AND p.dead_at IS NULL)) "
        "ORDER BY next_attempt_at, id LIMIT ?2";
    sqlite3_stmt *s = store_stmt(st, sql);
    *out = NULL;
    if (!s)
        return -EIO;
    bind_ms(s, 1, now_ms);
    sqlite3_bind_int(s, 2, max);
    return read_rows(s, max, out);
}

int outbox_repo_set_due(Store *st, int64_t id, int64_t due_ms)
{
    static const char sql[] = "UPDATE outbox SET next_attempt_at = ?1 WHERE id = ?2 "
                              "AND delivered_at IS NULL AND dead_at IS NULL";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    bind_ms(s, 1, due_ms);
    sqlite3_bind_int64(s, 2, id);
    return store_step_done(s);
}

int outbox_repo_all_due(Store *st, int64_t now_ms)
{
    static const char sql[] = "UPDATE outbox SET next_attempt_at = ?1 WHERE delivered_at IS NULL "
                              "AND dead_at IS NULL AND next_attempt_at > ?1";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    bind_ms(s, 1, now_ms);
    return store_step_done(s) < 0 ? -EIO : sqlite3_changes(store_db(st));
}

int outbox_repo_mark_delivered(Store *st, int64_t id, int attempts, int64_t now_ms)
{
    static const char sql[] = "UPDATE outbox SET delivered_at = ?1, attempts = ?2, "
                              "last_error = NULL WHERE id = ?3";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    bind_ms(s, 1, now_ms);
    sqlite3_bind_int(s, 2, attempts);
    sqlite3_bind_int64(s, 3, id);
    return store_step_done(s);
}

int outbox_repo_mark_retry(Store *st, int64_t id, int attempts, int64_t next_ms,
                           const char *error)
{
    static const char sql[] = "UPDATE outbox SET next_attempt_at = ?1, attempts = ?2, "
                              "last_error = ?3 WHERE id = ?4";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    bind_ms(s, 1, next_ms);
    sqlite3_bind_int(s, 2, attempts);
    store_bind_text(s, 3, error);
    sqlite3_bind_int64(s, 4, id);
    return store_step_done(s);
}

int outbox_repo_mark_dead(Store *st, int64_t id, int attempts, int64_t now_ms,
                          const char *error)
{
    static const char sql[] = "UPDATE outbox SET dead_at = ?1, attempts = ?2, last_error = ?3 "
                              "WHERE id = ?4";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    bind_ms(s, 1, now_ms);
    sqlite3_bind_int(s, 2, attempts);
    store_bind_text(s, 3, error);
    sqlite3_bind_int64(s, 4, id);
    return store_step_done(s);
}

int outbox_repo_next_due(Store *st, int64_t after_ms, int64_t *out_ms)
{
    static const char sql[] = "SELECT min(next_attempt_at) FROM outbox WHERE delivered_at IS NULL "
                              "AND dead_at IS NULL AND next_attempt_at > ?1";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    bind_ms(s, 1, after_ms);
    int r = -EIO;
    if (sqlite3_step(s) == SQLITE_ROW) {
        r = sqlite3_column_type(s, 0) != SQLITE_NULL;
        if (r)
            *out_ms = col_ms(s, 0);
    }
    sqlite3_reset(s);
    return r;
}

int outbox_repo_counts(Store *st, int *out_backlog, int *out_dead)
{
    static const char sql[] =
        "SELECT (SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND dead_at IS NULL), "
        "(SELECT count(*) FROM outbox WHERE dead_at IS NOT NULL)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    int r = -EIO;
    if (sqlite3_step(s) == SQLITE_ROW) {
        *out_backlog = sqlite3_column_int(s, 0);
        *out_dead = sqlite3_column_int(s, 1);
        r = 0;
    }
    sqlite3_reset(s);
    return r;
}

int outbox_repo_slack_urls(Store *st, int64_t service_id, char ***out)
{
    static const char sql[] =
        "SELECT json_extract(config, '$.webhook_url') FROM integration "
        "WHERE service_id = ?1 AND lower(type) = 'slack' AND json_valid(config) "
        "AND json_type(config, '$.webhook_url') = 'text' "
        "AND json_extract(config, '$.webhook_url') <> '' ORDER BY id";
    sqlite3_stmt *s = store_stmt(st, sql);
    *out = NULL;
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    char **urls = NULL;
    int n = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        urls = xrealloc(urls, (size_t)(n + 1) * sizeof *urls);
        urls[n++] = store_col_strdup(s, 0);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        for (int i = 0; i < n; i++)
            free(urls[i]);
        free(urls);
        return -EIO;
    }
    *out = urls;
    return n;
}
