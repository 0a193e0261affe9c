/* silence_repo — see silence_repo.h. */
#include "store/silence_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SILENCE_COLS "s.id, coalesce(s.service_id, 0), coalesce(v.name, ''), s.type, s.severity, " \
    "s.category, s.starts_at, s.ends_at, s.rrule, coalesce(s.duration_minutes, 0), " \
    "s.timezone, s.comment, s.created_by, s.created_at, s.expired_at, s.expired_by, " \
    "(SELECT count(*) FROM silence_suppressed x WHERE x.silence_id = s.id)"
#define SILENCE_FROM " FROM silence s LEFT JOIN service v ON v.id = s.service_id "

static void read_row(sqlite3_stmt *s, void *item)
{
    SilenceRow *r = item;
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(s, 0);
    r->service_id = sqlite3_column_int64(s, 1);
    store_col_copy(s, 2, r->service, sizeof r->service);
    store_col_copy(s, 3, r->type, sizeof r->type);
    store_col_copy(s, 4, r->severity, sizeof r->severity);
    store_col_copy(s, 5, r->category, sizeof r->category);
    r->starts_at = store_col_time(s, 6);
    r->ends_at = store_col_time(s, 7);
    store_col_copy(s, 8, r->rrule, sizeof r->rrule);
    r->duration_minutes = sqlite3_column_int(s, 9);
    store_col_copy(s, 10, r->timezone, sizeof r->timezone);
    store_col_copy(s, 11, r->comment, sizeof r->comment);
    store_col_copy(s, 12, r->created_by, sizeof r->created_by);
    r->created_at = store_col_time(s, 13);
    r->expired_at = store_col_time(s, 14);
    store_col_copy(s, 15, r->expired_by, sizeof r->expired_by);
    r->suppressed = sqlite3_column_int(s, 16);
}

static const char *or_null(const char *s) { return s && *s ? s : NULL; }

int64_t silence_repo_insert(Store *st, const SilenceRow *r, int64_t created_by_id)
{
    static const char sql[] =
        "INSERT INTO silence (service_id, type, severity, category, starts_at, ends_at, rrule, "
        "duration_minutes, timezone, comment, created_by, created_by_id, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    if (r->service_id)
        sqlite3_bind_int64(s, 1, r->service_id);
    store_bind_text(s, 2, or_null(r->type));
    store_bind_text(s, 3, or_null(r->severity));
    store_bind_text(s, 4, or_null(r->category));
    store_bind_time(s, 5, r->starts_at);
    store_bind_time(s, 6, r->ends_at);
    store_bind_text(s, 7, or_null(r->rrule));
    if (r->rrule[0])
        sqlite3_bind_int(s, 8, r->duration_minutes);
    store_bind_text(s, 9, or_null(r->timezone));
    store_bind_text(s, 10, r->comment);
    store_bind_text(s, 11, r->created_by);
    sqlite3_bind_int64(s, 12, created_by_id);
    store_bind_time(s, 13, r->created_at);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? sqlite3_last_insert_rowid(store_db(st)) : -EIO;
}

int silence_repo_get(Store *st, int64_t id, SilenceRow *out)
{
    static const char sql[] = "SELECT " SILENCE_COLS SILENCE_FROM "WHERE s.id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read_row(s, out);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int silence_repo_list(Store *st, int all, int64_t since, SilenceRow **out)
{
    static const char sql[] =
        "SELECT " SILENCE_COLS SILENCE_FROM
        "WHERE ?1 OR (s.expired_at IS NULL AND (s.ends_at IS NULL OR s.ends_at > ?2)) "
        "ORDER BY s.id DESC";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int(s, 1, all != 0);
    store_bind_time(s, 2, since);
    void *v;
    int n = store_rows(s, sizeof(SilenceRow), read_row, &v);
    *out = v;
    return n;
}

int silence_repo_expire(Store *st, int64_t id, const char *by, int64_t now)
{
    static const char sql[] =
        "UPDATE silence SET expired_at = ?, expired_by = ? WHERE id = ? AND expired_at IS NULL";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_time(s, 1, now);
    store_bind_text(s, 2, by);
    sqlite3_bind_int64(s, 3, id);
    int n = store_step_changes(st, s);
    return n < 0 ? -EIO : n > 0;
}

int silence_repo_suppress(Store *st, int64_t silence_id, int64_t outbox_id, int64_t alert_id,
                          const char *event, int64_t now)
{
    static const char sql[] =
        "INSERT INTO silence_suppressed (silence_id, outbox_id, alert_id, event, suppressed_at) "
        "VALUES (?, ?, ?, ?, ?)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, silence_id);
    sqlite3_bind_int64(s, 2, outbox_id);
    sqlite3_bind_int64(s, 3, alert_id);
    store_bind_text(s, 4, event);
    store_bind_time(s, 5, now);
    return store_step_done(s);
}

int silence_repo_held(Store *st, SilenceHeld *out, int max)
{
    static const char sql[] = "SELECT id, silence_id, alert_id FROM silence_suppressed "
                              "WHERE released_at IS NULL ORDER BY id LIMIT ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int(s, 1, max);
    int n = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < max) {
        out[n].id = sqlite3_column_int64(s, 0);
        out[n].silence_id = sqlite3_column_int64(s, 1);
        out[n].alert_id = sqlite3_column_int64(s, 2);
        n++;
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? n : -EIO;
}

int silence_repo_held_for_alert(Store *st, int64_t alert_id, int64_t *out_silence_id)
{
    static const char sql[] = "SELECT silence_id FROM silence_suppressed "
                              "WHERE released_at IS NULL AND alert_id = ? ORDER BY id LIMIT 1";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, alert_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out_silence_id = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int silence_repo_release(Store *st, int64_t held_id, const char *outcome, int64_t now)
{
    static const char sql[] =
        "UPDATE silence_suppressed SET released_at = ?, outcome = ? WHERE id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_time(s, 1, now);
    store_bind_text(s, 2, outcome);
    sqlite3_bind_int64(s, 3, held_id);
    return store_step_done(s);
}

#define ALERT_SQL "SELECT a.id, a.service_id, a.type, a.severity, coalesce(p.playbook, ''), " \
    "a.acknowledged, a.resolved_at FROM alert a LEFT JOIN probe p ON p.service_id = a.service_id "

static void read_alert(sqlite3_stmt *s, void *item)
{
    SilenceAlert *a = item;
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(s, 0);
    a->service_id = sqlite3_column_int64(s, 1);
    store_col_copy(s, 2, a->type, sizeof a->type);
    store_col_copy(s, 3, a->severity, sizeof a->severity);
    store_col_copy(s, 4, a->category, sizeof a->category);
    a->acknowledged = sqlite3_column_int(s, 5);
}

int silence_repo_open_alerts(Store *st, SilenceAlert **out)
{
    static const char sql[] = ALERT_SQL "WHERE a.resolved_at IS NULL ORDER BY a.id";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    void *v;
    int n = store_rows(s, sizeof(SilenceAlert), read_alert, &v);
    *out = v;
    return n;
}

int silence_repo_alert(Store *st, int64_t alert_id, SilenceAlert *out, int64_t *out_resolved)
{
    static const char sql[] = ALERT_SQL "WHERE a.id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, alert_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        read_alert(s, out);
        *out_resolved = store_col_time(s, 6);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int silence_repo_service_category(Store *st, int64_t service_id, char *out, size_t size)
{
    static const char sql[] = "SELECT coalesce(playbook, '') FROM probe WHERE service_id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    int rc = sqlite3_step(s);
    if (size)
        out[0] = '\0';
    if (rc == SQLITE_ROW)
        store_col_copy(s, 0, out, size);
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -EIO;
}

int silence_repo_service_id(Store *st, const char *name, int64_t *out)
{
    static const char sql[] = "SELECT id FROM service WHERE trim(name) = trim(?) COLLATE NOCASE "
                              "ORDER BY id LIMIT 1";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_text(s, 1, name);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

static void read_match(sqlite3_stmt *s, void *item)
{
    AlertSilence *m = item;
    m->alert_id = sqlite3_column_int64(s, 0);
    m->silence_id = sqlite3_column_int64(s, 1);
}

int silence_repo_matches(Store *st, AlertSilence **out)
{
    static const char sql[] = "SELECT alert_id, silence_id FROM alert_silence ORDER BY alert_id";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    void *v;
    int n = store_rows(s, sizeof(AlertSilence), read_match, &v);
    *out = v;
    return n;
}

int silence_repo_set_matches(Store *st, const AlertSilence *pairs, int n)
{
    AlertSilence *cur = NULL;
    int k = silence_repo_matches(st, &cur);
    if (k < 0)
        return -EIO;
    int same = k == n && (n == 0 || memcmp(cur, pairs, (size_t)n * sizeof *pairs) == 0);
    free(cur);
    if (same)
        return 0;
    if (store_exec(st, "DELETE FROM alert_silence") < 0)
        return -EIO;
    static const char sql[] = "INSERT INTO alert_silence (alert_id, silence_id) VALUES (?, ?)";
    for (int i = 0; i < n; i++) {
        sqlite3_stmt *s = store_stmt(st, sql);
        if (!s)
            return -EIO;
        sqlite3_bind_int64(s, 1, pairs[i].alert_id);
        sqlite3_bind_int64(s, 2, pairs[i].silence_id);
        int rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE)
            return -EIO;
    }
    return 0;
}

int silence_repo_add_match(Store *st, int64_t alert_id, int64_t silence_id)
{
    static const char sql[] =
        "INSERT OR REPLACE INTO alert_silence (alert_id, silence_id) VALUES (?, ?)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, alert_id);
    sqlite3_bind_int64(s, 2, silence_id);
    return store_step_done(s);
}
