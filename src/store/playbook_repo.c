/* playbook_repo — see playbook_repo.h. */
#include "store/playbook_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int playbook_repo_add(Store *st, const PlaybookRunRow *r)
{
    static const char sql[] =
        "INSERT INTO playbook_run (incident_id, run, step_index, step_id, description, action, "
        "attempt, executed_at, success, error_message, output, duration_ms) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, r->incident_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 2, r->run);
    sqlite3_bind_int(s, 3, r->step_index);
    sqlite3_bind_text(s, 4, r->step_id, -1, SQLITE_TRANSIENT);
    store_bind_text(s, 5, r->description);
    store_bind_text(s, 6, r->action ? r->action : "");
    sqlite3_bind_int(s, 7, r->attempt);
    store_bind_time(s, 8, r->executed_at);
    if (r->success >= 0)
        sqlite3_bind_int(s, 9, r->success ? 1 : 0);
    else
        sqlite3_bind_null(s, 9);
    store_bind_text(s, 10, r->error_message);
    store_bind_text(s, 11, r->output);
    sqlite3_bind_int(s, 12, r->duration_ms);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

void playbook_rows_free(PlaybookRunRow *rows, int n)
{
    for (int i = 0; rows && i < n; i++) {
        free(rows[i].description);
        free(rows[i].action);
        free(rows[i].error_message);
        free(rows[i].output);
    }
    free(rows);
}

int playbook_repo_last_attempts(Store *st, const char *incident_id, int run,
                                PlaybookRunRow **out)
{
    static const char sql[] =
        "SELECT p.step_index, p.step_id, p.description, p.action, p.attempt, p.executed_at, "
        "p.success, p.error_message, p.output, p.duration_ms FROM playbook_run p "
        "WHERE p.incident_id = ?1 AND p.run = ?2 AND p.id = (SELECT max(q.id) FROM playbook_run q "
        "WHERE q.incident_id = ?1 AND q.run = ?2 AND q.step_index = p.step_index) "
        "ORDER BY p.step_index";
    sqlite3_stmt *s = store_stmt(st, sql);
    *out = NULL;
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, incident_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 2, run);
    int n = 0, cap = 0, rc;
    PlaybookRunRow *rows = NULL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            rows = xrealloc(rows, (size_t)cap * sizeof *rows);
        }
        PlaybookRunRow *r = &rows[n++];
        memset(r, 0, sizeof *r);
        strlcpy_(r->incident_id, incident_id, sizeof r->incident_id);
        r->run = run;
        r->step_index = sqlite3_column_int(s, 0);
        const char *t = (const char *)sqlite3_column_text(s, 1);
        strlcpy_(r->step_id, t ? t : "", sizeof r->step_id);
        r->description = store_col_strdup(s, 2);
        r->action = store_col_strdup(s, 3);
        r->attempt = sqlite3_column_int(s, 4);
        r->executed_at = store_col_time(s, 5);
        r->success = sqlite3_column_type(s, 6) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 6);
        r->error_message = store_col_strdup(s, 7);
        r->output = store_col_strdup(s, 8);
        r->duration_ms = sqlite3_column_int(s, 9);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        playbook_rows_free(rows, n);
        return -EIO;
    }
    *out = rows;
    return n;
}
