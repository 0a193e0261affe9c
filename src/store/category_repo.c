/* category_repo — see category_repo.h. */
#include "store/category_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int category_repo_global_get(Store *st, GlobalConfigRow *out)
{
    static const char sql[] =
        "SELECT global_enabled, default_confidence_threshold, max_concurrent_resolutions, "
        "notification_recipients, max_incidents_per_service_hour, kill_switch_actor, "
        "kill_switch_reason, kill_switch_at, updated_at, updated_by "
        "FROM resolution_config WHERE id = 1";
    sqlite3_stmt *s = store_stmt(st, sql);
    memset(out, 0, sizeof *out);
    if (!s)
        return -EIO;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->global_enabled = sqlite3_column_int(s, 0);
        out->default_confidence_threshold = sqlite3_column_double(s, 1);
        out->max_concurrent_resolutions = sqlite3_column_int(s, 2);
        store_col_copy(s, 3, out->notification_recipients, sizeof out->notification_recipients);
        out->max_incidents_per_service_hour = sqlite3_column_int(s, 4);
        store_col_copy(s, 5, out->kill_actor, sizeof out->kill_actor);
        store_col_copy(s, 6, out->kill_reason, sizeof out->kill_reason);
        out->kill_at = store_col_time(s, 7);
        out->updated_at = store_col_time(s, 8);
        store_col_copy(s, 9, out->updated_by, sizeof out->updated_by);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_ROW)
        return -EIO;
    if (!out->notification_recipients[0])
        strcpy(out->notification_recipients, "[]");
    return 0;
}

int category_repo_global_put(Store *st, const GlobalConfigRow *in, const char *updated_by,
                             int64_t now)
{
    static const char sql[] =
        "UPDATE resolution_config SET global_enabled = ?1, default_confidence_threshold = ?2, "
        "max_concurrent_resolutions = ?3, notification_recipients = ?4, "
        "max_incidents_per_service_hour = ?5, "
        "updated_at = CASE WHEN ?6 IS NULL THEN updated_at ELSE ?7 END, "
        "updated_by = coalesce(?6, updated_by) WHERE id = 1";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int(s, 1, in->global_enabled ? 1 : 0);
    sqlite3_bind_double(s, 2, in->default_confidence_threshold);
    sqlite3_bind_int(s, 3, in->max_concurrent_resolutions);
    store_bind_text(s, 4, in->notification_recipients[0] ? in->notification_recipients : "[]");
    sqlite3_bind_int(s, 5, in->max_incidents_per_service_hour);
    store_bind_text(s, 6, updated_by);
    store_bind_time(s, 7, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

void category_row_free(CategoryRow *r)
{
    if (r) {
        free(r->playbook);
        r->playbook = NULL;
    }
}

#define CATEGORY_COLS                                                                     \
    "category, auto_resolution_enabled, confidence_threshold, max_retry_attempts, "      \
    "notification_required, playbook, kill_switch_actor, kill_switch_reason, kill_switch_at"

static void read_row(sqlite3_stmt *s, CategoryRow *r)
{
    memset(r, 0, sizeof *r);
    store_col_copy(s, 0, r->category, sizeof r->category);
    r->auto_resolution_enabled = sqlite3_column_int(s, 1);
    r->confidence_threshold = sqlite3_column_double(s, 2);
    r->max_retry_attempts = sqlite3_column_int(s, 3);
    r->notification_required = sqlite3_column_int(s, 4);
    r->playbook = store_col_strdup(s, 5);
    store_col_copy(s, 6, r->kill_actor, sizeof r->kill_actor);
    store_col_copy(s, 7, r->kill_reason, sizeof r->kill_reason);
    r->kill_at = store_col_time(s, 8);
}

int category_repo_get(Store *st, const char *category, CategoryRow *out)
{
    static const char sql[] = "SELECT " CATEGORY_COLS " FROM category_config WHERE category = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_text(s, 1, category);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read_row(s, out);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int category_repo_put(Store *st, const CategoryRow *in)
{
    static const char sql[] =
        "INSERT OR REPLACE INTO category_config (" CATEGORY_COLS ") "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_text(s, 1, in->category);
    sqlite3_bind_int(s, 2, in->auto_resolution_enabled ? 1 : 0);
    sqlite3_bind_double(s, 3, in->confidence_threshold);
    sqlite3_bind_int(s, 4, in->max_retry_attempts);
    sqlite3_bind_int(s, 5, in->notification_required ? 1 : 0);
    store_bind_text(s, 6, in->playbook);
    store_bind_text(s, 7, in->kill_actor[0] ? in->kill_actor : NULL);
    store_bind_text(s, 8, in->kill_reason[0] ? in->kill_reason : NULL);
    store_bind_time(s, 9, in->kill_at);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

int category_repo_list(Store *st, CategoryRow **out)
{
    static const char sql[] = "SELECT " CATEGORY_COLS " FROM category_config ORDER BY category";
    sqlite3_stmt *s = store_stmt(st, sql);
    *out = NULL;
    if (!s)
        return -EIO;
    int n = 0, cap = 0, rc;
    CategoryRow *rows = NULL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            rows = xrealloc(rows, (size_t)cap * sizeof *rows);
        }
        read_row(s, &rows[n++]);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        for (int i = 0; i < n; i++)
            category_row_free(&rows[i]);
        free(rows);
        return -EIO;
    }
    *out = rows;
    return n;
}
