/* alert_repo — see alert_repo.h. */
#include "store/alert_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ALERT_COLS "id, service_id, type, message, severity, created_at, acknowledged, " \
                   "acknowledged_by, resolved_at, acknowledged_at, ack_note, ack_expires_at, " \
                   "kind, coalesce(folded_under, 0)"

static void read_row(sqlite3_stmt *s, void *item)
{
    AlertRow *r = item;
    r->id = sqlite3_column_int64(s, 0);
    r->service_id = sqlite3_column_int64(s, 1);
    store_col_copy(s, 2, r->type, sizeof r->type);
    store_col_copy(s, 3, r->message, sizeof r->message);
    store_col_copy(s, 4, r->severity, sizeof r->severity);
    r->created_at = store_col_time(s, 5);
    r->acknowledged = sqlite3_column_int(s, 6);
    store_col_copy(s, 7, r->acknowledged_by, sizeof r->acknowledged_by);
    r->resolved_at = store_col_time(s, 8);
    r->acknowledged_at = store_col_time(s, 9);
    store_col_copy(s, 10, r->ack_note, sizeof r->ack_note);
    util_utf8_cut(r->ack_note);
    r->ack_expires_at = store_col_time(s, 11);
    store_col_copy(s, 12, r->kind, sizeof r->kind);
    r->folded_under = sqlite3_column_int64(s, 13);
}

int64_t alert_repo_insert(Store *st, int64_t service_id, const char *type,
                          const char *message, const char *severity, int64_t now)
{
    static const char sql[] =
        "INSERT INTO alert (service_id, type, message, severity, created_at) VALUES (?, ?, ?, ?, ?)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    sqlite3_bind_text(s, 2, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, message, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, severity, -1, SQLITE_STATIC);
    store_bind_time(s, 5, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? sqlite3_last_insert_rowid(store_db(st)) : -EIO;
}

static int one_row(sqlite3_stmt *s, AlertRow *out)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && out)
        read_row(s, out);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int alert_repo_find_open(Store *st, int64_t service_id, const char *type, AlertRow *out)
{
    static const char sql[] = "SELECT " ALERT_COLS " FROM alert WHERE service_id = ? AND type = ? "
                              "AND resolved_at IS NULL ORDER BY id DESC LIMIT 1";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    sqlite3_bind_text(s, 2, type, -1, SQLITE_STATIC);
    return one_row(s, out);
}

int alert_repo_get(Store *st, int64_t id, AlertRow *out)
{
    static const char sql[] = "SELECT " ALERT_COLS " FROM alert WHERE id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, id);
    return one_row(s, out);
}

int alert_repo_set_message(Store *st, int64_t id, const char *message)
{
    static const char sql[] = "UPDATE alert SET message = ? WHERE id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, message, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, id);
    return store_step_changes(st, s);
}

int alert_repo_resolve(Store *st, int64_t id, int64_t now)
{
    static const char sql[] = "UPDATE alert SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_time(s, 1, now);
    sqlite3_bind_int64(s, 2, id);
    return store_step_changes(st, s);
}

int alert_repo_set_ack(Store *st, int64_t id, int ack, const char *by, int64_t now)
{
    return alert_repo_set_ack_ex(st, id, ack, by, now, NULL, 0);
}

int alert_repo_set_ack_ex(Store *st, int64_t id, int ack, const char *by, int64_t now,
                          const char *note, int64_t expires_at)
{
    static const char sql[] = "UPDATE alert SET acknowledged = ?, acknowledged_by = ?, "
                              "acknowledged_at = ?, ack_note = ?, ack_expires_at = ? WHERE id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int(s, 1, ack ? 1 : 0);
    store_bind_text(s, 2, ack ? by : NULL);
    store_bind_time(s, 3, ack ? now : 0);
    store_bind_text(s, 4, ack && note && note[0] ? note : NULL);
    store_bind_time(s, 5, ack ? expires_at : 0);
    sqlite3_bind_int64(s, 6, id);
    return store_step_changes(st, s);
}

int alert_repo_list_ack_expired(Store *st, int64_t now, int64_t *ids, int max)
{
    static const char sql[] = "SELECT id FROM alert WHERE acknowledged = 1 AND resolved_at IS NULL "
                              "AND ack_expires_at IS NOT NULL AND ack_expires_at <= ? "
                              "ORDER BY id LIMIT ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_time(s, 1, now);
    sqlite3_bind_int(s, 2, max);
    int n = 0, rc = SQLITE_DONE;
    while (n < max && (rc = sqlite3_step(s)) == SQLITE_ROW)
        ids[n++] = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : -EIO;
}

int alert_repo_list(Store *st, AlertRow *out, int max)
{
    static const char sql[] = "SELECT " ALERT_COLS " FROM alert ORDER BY created_at DESC, id DESC LIMIT ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int(s, 1, max);
    int n = 0;
    while (n < max && sqlite3_step(s) == SQLITE_ROW)
        read_row(s, &out[n++]);
    sqlite3_reset(s);
    return n;
}

int64_t alert_repo_count(Store *st, int64_t service_id, const char *type)
{
    static const char sql[] = "SELECT count(*) FROM alert WHERE service_id = ? AND type = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    sqlite3_bind_text(s, 2, type, -1, SQLITE_STATIC);
    int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -EIO;
    sqlite3_reset(s);
    return n;
}

uint64_t alert_repo_message_hash(const char *message)
{
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)(message ? message : ""); *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

static void read_open_key(sqlite3_stmt *s, void *item)
{
    OpenAlertKey *k = item;
    k->service_id = sqlite3_column_int64(s, 0);
    store_col_copy(s, 1, k->type, sizeof k->type);
    store_col_copy(s, 2, k->severity, sizeof k->severity);
    k->message_hash = alert_repo_message_hash((const char *)sqlite3_column_text(s, 3));
}

int alert_repo_load_open(Store *st, OpenAlertKey **out)
{
    static const char sql[] = "SELECT service_id, type, severity, message FROM alert "
                              "WHERE resolved_at IS NULL ORDER BY service_id";
    sqlite3_stmt *s = store_stmt(st, sql);
    *out = NULL;
    if (!s)
        return -EIO;
    void *v;
    int n = store_rows(s, sizeof(OpenAlertKey), read_open_key, &v);
    *out = v;
    return n;
}

int alert_repo_count_open(Store *st, int counts[3])
{
    static const char sql[] = "SELECT severity, count(*) FROM alert WHERE acknowledged = 0 "
                              "AND resolved_at IS NULL AND kind = 'condition' "
                              "AND id NOT IN (SELECT alert_id FROM alert_silence) "
                              "GROUP BY severity";
    static const char *const names[3] = {"Info", "Warning", "Critical"};
    sqlite3_stmt *s = store_stmt(st, sql);
    counts[0] = counts[1] = counts[2] = 0;
    if (!s)
        return -EIO;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *sev = (const char *)sqlite3_column_text(s, 0);
        for (int i = 0; i < 3; i++)
            if (sev && strcmp(sev, names[i]) == 0)
                counts[i] = sqlite3_column_int(s, 1);
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

int alert_repo_condition_services(Store *st, int64_t **out)
{
    static const char sql[] = "SELECT DISTINCT service_id FROM alert WHERE resolved_at IS NULL "
                              "AND kind = 'condition' ORDER BY service_id";
    sqlite3_stmt *s = store_stmt(st, sql);
    *out = NULL;
    if (!s)
        return -EIO;
    int n = 0, cap = 16, rc;
    int64_t *v = xmalloc((size_t)cap * sizeof *v);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap)
            v = xrealloc(v, (size_t)(cap *= 2) * sizeof *v);
        v[n++] = sqlite3_column_int64(s, 0);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        free(v);
        return -EIO;
    }
    *out = v;
    return n;
}

int alert_repo_set_folded(Store *st, int64_t id, int64_t root_id)
{
    static const char sql[] = "UPDATE alert SET folded_under = ? WHERE id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    if (root_id)
        sqlite3_bind_int64(s, 1, root_id);
    else
        sqlite3_bind_null(s, 1);
    sqlite3_bind_int64(s, 2, id);
    return store_step_changes(st, s);
}

int alert_repo_list_folded(Store *st, int64_t root_id, int open_only, AlertRow **out)
{
    static const char sql[] = "SELECT " ALERT_COLS " FROM alert WHERE folded_under = ?1 "
                              "AND (?2 = 0 OR resolved_at IS NULL) ORDER BY service_id, id";
    sqlite3_stmt *s = store_stmt(st, sql);
    *out = NULL;
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, root_id);
    sqlite3_bind_int(s, 2, open_only);
    void *v;
    int n = store_rows(s, sizeof(AlertRow), read_row, &v);
    *out = v;
    return n;
}

int alert_repo_previous(Store *st, int64_t service_id, const char *type, int64_t before_id,
                        AlertRow *out)
{
    static const char sql[] = "SELECT " ALERT_COLS " FROM alert WHERE service_id = ? AND type = ? "
                              "AND id < ? ORDER BY id DESC LIMIT 1";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    sqlite3_bind_text(s, 2, type, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, before_id);
    return one_row(s, out);
}
