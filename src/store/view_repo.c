/* view_repo — see view_repo.h. */
#include "store/view_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int view_repo_probes(Store *st, ProbeViewRow **out)
{
    static const char sql[] =
        "SELECT service_id, kind, target, timeout_ms, fail_streak, last_latency_ms, "
        "last_error, last_checked FROM probe ORDER BY service_id";
    sqlite3_stmt *s = store_stmt(st, sql);
    *out = NULL;
    if (!s)
        return -EIO;
    int n = 0, cap = 0, rc;
    ProbeViewRow *rows = NULL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            rows = xrealloc(rows, (size_t)cap * sizeof *rows);
        }
        ProbeViewRow *r = &rows[n++];
        r->service_id = sqlite3_column_int64(s, 0);
        store_col_copy(s, 1, r->kind, sizeof r->kind);
        store_col_copy(s, 2, r->target, sizeof r->target);
        r->timeout_ms = sqlite3_column_int(s, 3);
        r->fail_streak = sqlite3_column_int(s, 4);
        r->has_latency = sqlite3_column_type(s, 5) != SQLITE_NULL;
        r->last_latency_ms = sqlite3_column_int(s, 5);
        store_col_copy(s, 6, r->last_error, sizeof r->last_error);
        r->last_checked = store_col_time(s, 7);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        free(rows);
        return -EIO;
    }
    *out = rows;
    return n;
}

int view_repo_integrations(Store *st, IntegrationViewRow **out)
{
    static const char sql[] =
        "SELECT service_id, count(*), group_concat(coalesce(type, '?'), ', ') "
        "FROM integration GROUP BY service_id ORDER BY service_id";
    sqlite3_stmt *s = store_stmt(st, sql);
    *out = NULL;
    if (!s)
        return -EIO;
    int n = 0, cap = 0, rc;
    IntegrationViewRow *rows = NULL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            rows = xrealloc(rows, (size_t)cap * sizeof *rows);
        }
        IntegrationViewRow *r = &rows[n++];
        r->service_id = sqlite3_column_int64(s, 0);
        r->count = sqlite3_column_int(s, 1);
        store_col_copy(s, 2, r->types, sizeof r->types);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        free(rows);
        return -EIO;
    }
    *out = rows;
    return n;
}

int view_repo_incidents(Store *st, IncidentViewRow *out, int max)
{
    static const char sql[] =
        "SELECT incident_id, title, category, priority, status, state, state_reason, "
        "confidence_score, created_by, created_at, updated_at, resolved_at, auto_resolved, "
        "service_id FROM incident ORDER BY created_at DESC, rowid DESC LIMIT ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int(s, 1, max);
    int n = 0, rc = SQLITE_DONE;
    while (n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        IncidentViewRow *r = &out[n++];
        store_col_copy(s, 0, r->incident_id, sizeof r->incident_id);
        store_col_copy(s, 1, r->title, sizeof r->title);
        store_col_copy(s, 2, r->category, sizeof r->category);
        store_col_copy(s, 3, r->priority, sizeof r->priority);
        store_col_copy(s, 4, r->status, sizeof r->status);
        store_col_copy(s, 5, r->state, sizeof r->state);
        store_col_copy(s, 6, r->state_reason, sizeof r->state_reason);
        r->confidence = sqlite3_column_double(s, 7);
        store_col_copy(s, 8, r->created_by, sizeof r->created_by);
        r->created_at = store_col_time(s, 9);
        r->updated_at = store_col_time(s, 10);
        r->resolved_at = store_col_time(s, 11);
        r->auto_resolved = sqlite3_column_int(s, 12);
        r->service_id = sqlite3_column_int64(s, 13);
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? n : -EIO;
}
