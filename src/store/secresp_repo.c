/* secresp_repo — see secresp_repo.h. */
#include "store/secresp_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A grown array of owned-string rows: items read by read(); on an error
 * every item read so far is freed with done(). The count or -EIO. */
static int owned_rows(sqlite3_stmt *s, size_t size, void (*read)(sqlite3_stmt *, void *),
                      void (*done)(void *), void **out)
{
    char *a = NULL;
    int n = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        a = xrealloc(a, (size_t)(n + 1) * size);
        memset(a + (size_t)n * size, 0, size);
        read(s, a + (size_t)n * size);
        n++;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        for (int i = 0; i < n; i++)
            done(a + (size_t)i * size);
        free(a);
        *out = NULL;
        return -EIO;
    }
    *out = a;
    return n;
}

/* ---- the alert ------------------------------------------------------------ */

void secresp_alert_free(SecRespAlert *a)
{
    if (a) {
        free(a->normalized);
        a->normalized = NULL;
    }
}

#define ALERT_COLS "SELECT seq, id, incident_id, title, severity, s0, normalized FROM sec_alert "

static int read_alert(sqlite3_stmt *s, SecRespAlert *out)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        out->seq = sqlite3_column_int64(s, 0);
        store_col_copy(s, 1, out->id, sizeof out->id);
        store_col_copy(s, 2, out->incident_id, sizeof out->incident_id);
        store_col_copy(s, 3, out->title, sizeof out->title);
        store_col_copy(s, 4, out->severity, sizeof out->severity);
        out->s0 = sqlite3_column_type(s, 5) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 5);
        out->normalized = store_col_strdup(s, 6);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int secresp_repo_alert(Store *st, const char *id, SecRespAlert *out)
{
    sqlite3_stmt *s = store_stmt(st, ALERT_COLS "WHERE id = ?");
    if (!s)
        return -EIO;
    store_bind_text(s, 1, id);
    return read_alert(s, out);
}

int secresp_repo_alert_by_seq(Store *st, int64_t seq, SecRespAlert *out)
{
    sqlite3_stmt *s = store_stmt(st, ALERT_COLS "WHERE seq = ?");
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, seq);
    return read_alert(s, out);
}

int secresp_repo_alert_set_incident(Store *st, int64_t seq, const char *incident_id)
{
    sqlite3_stmt *s = store_stmt(st, "UPDATE sec_alert SET incident_id = ? WHERE seq = ?");
    if (!s)
        return -EIO;
    store_bind_text(s, 1, incident_id);
    sqlite3_bind_int64(s, 2, seq);
    return store_step_done(s);
}

int secresp_repo_alert_export_ready(Store *st, int64_t seq, int64_t now)
{
    sqlite3_stmt *s = store_stmt(st, "UPDATE sec_alert SET export_ready_at = ? WHERE seq = ?");
    if (!s)
        return -EIO;
    store_bind_time(s, 1, now);
    sqlite3_bind_int64(s, 2, seq);
    return store_step_done(s);
}

/* ---- response actions ------------------------------------------------------- */

void secresp_response_free(SecResponseRow *r)
{
    if (!r)
        return;
    free(r->target);
    free(r->parameters);
    free(r->details);
    free(r->actor);
    r->target = r->parameters = r->details = r->actor = NULL;
}

static void response_done(void *p) { secresp_response_free(p); }

void secresp_responses_free(SecResponseRow *r, int n)
{
    for (int i = 0; i < n; i++)
        secresp_response_free(&r[i]);
    free(r);
}

#define RESPONSE_COLS                                                                        \
    "SELECT r.id, r.alert_seq, a.id, r.action, r.state, r.incident_id, r.target, "          \
    "r.parameters, r.details, r.actor, r.created_at, r.finished_at "                        \
    "FROM sec_response r JOIN sec_alert a ON a.seq = r.alert_seq "

static void read_response(sqlite3_stmt *s, void *item)
{
    SecResponseRow *r = item;
    r->id = sqlite3_column_int64(s, 0);
    r->alert_seq = sqlite3_column_int64(s, 1);
    store_col_copy(s, 2, r->alert_id, sizeof r->alert_id);
    store_col_copy(s, 3, r->action, sizeof r->action);
    store_col_copy(s, 4, r->state, sizeof r->state);
    store_col_copy(s, 5, r->incident_id, sizeof r->incident_id);
    r->target = store_col_strdup(s, 6);
    r->parameters = store_col_strdup(s, 7);
    r->details = store_col_strdup(s, 8);
    r->actor = store_col_strdup(s, 9);
    r->created_at = store_col_time(s, 10);
    r->finished_at = store_col_time(s, 11);
}

static int one_response(sqlite3_stmt *s, SecResponseRow *out)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        read_response(s, out);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int64_t secresp_repo_response_add(Store *st, int64_t alert_seq, const char *action,
                                  const char *target, const char *parameters, const char *state,
                                  const char *incident_id, const char *details, const char *actor,
                                  int64_t created_at, int64_t finished_at)
{
    static const char sql[] =
        "INSERT INTO sec_response (alert_seq, action, target, parameters, state, incident_id, "
        "details, actor, created_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, alert_seq);
    store_bind_text(s, 2, action);
    store_bind_text(s, 3, target ? target : "{}");
    store_bind_text(s, 4, parameters);
    store_bind_text(s, 5, state);
    store_bind_text(s, 6, incident_id && *incident_id ? incident_id : NULL);
    store_bind_text(s, 7, details);
    store_bind_text(s, 8, actor);
    store_bind_time(s, 9, created_at);
    store_bind_time(s, 10, finished_at);
    if (store_step_done(s) < 0)
        return -EIO;
    return sqlite3_last_insert_rowid(store_db(st));
}

int secresp_repo_response_update(Store *st, int64_t id, const char *state, const char *incident_id,
                                 const char *details, int64_t finished_at)
{
    static const char sql[] =
        "UPDATE sec_response SET state = ?1, incident_id = COALESCE(?2, incident_id), "
        "details = COALESCE(?3, details), finished_at = COALESCE(?4, finished_at) WHERE id = ?5";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_text(s, 1, state);
    store_bind_text(s, 2, incident_id);
    store_bind_text(s, 3, details);
    store_bind_time(s, 4, finished_at);
    sqlite3_bind_int64(s, 5, id);
    int n = store_step_changes(st, s);
    return n < 0 ? -EIO : n == 0 ? -ENOENT : 0;
}

int secresp_repo_response_by_incident(Store *st, const char *incident_id, SecResponseRow *out)
{
    sqlite3_stmt *s =
        store_stmt(st, RESPONSE_COLS "WHERE r.incident_id = ? ORDER BY r.id DESC LIMIT 1");
    if (!s)
        return -EIO;
    store_bind_text(s, 1, incident_id);
    return one_response(s, out);
}

int secresp_repo_response_get(Store *st, int64_t id, int64_t alert_seq, SecResponseRow *out)
{
    sqlite3_stmt *s =
        store_stmt(st, RESPONSE_COLS "WHERE r.id = ?1 AND (?2 = 0 OR r.alert_seq = ?2)");
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, alert_seq);
    return one_response(s, out);
}

int secresp_repo_responses(Store *st, int64_t alert_seq, SecResponseRow **out)
{
    sqlite3_stmt *s = store_stmt(st, RESPONSE_COLS "WHERE r.alert_seq = ? ORDER BY r.id");
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, alert_seq);
    return owned_rows(s, sizeof **out, read_response, response_done, (void **)out);
}

/* ---- ML / LLM outputs ---------------------------------------------------------- */

int64_t secresp_repo_ml_add(Store *st, int64_t alert_seq, const char *kind, const char *agent,
                            int has_score, double score, const char *body, const char *actor,
                            int64_t now)
{
    static const char sql[] =
        "INSERT INTO sec_ml_output (alert_seq, kind, agent, score, body, actor, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, alert_seq);
    store_bind_text(s, 2, kind);
    store_bind_text(s, 3, agent);
    if (has_score)
        sqlite3_bind_double(s, 4, score);
    else
        sqlite3_bind_null(s, 4);
    store_bind_text(s, 5, body);
    store_bind_text(s, 6, actor);
    store_bind_time(s, 7, now);
    if (store_step_done(s) < 0)
        return -EIO;
    return sqlite3_last_insert_rowid(store_db(st));
}

/* ---- tasks ------------------------------------------------------------------------ */

void secresp_task_free(SecTaskRow *t)
{
    if (!t)
        return;
    free(t->title);
    free(t->assignee);
    free(t->alert_id);
    free(t->meta);
    free(t->created_by);
    t->title = t->assignee = t->alert_id = t->meta = t->created_by = NULL;
}

static void task_done(void *p) { secresp_task_free(p); }

void secresp_tasks_free(SecTaskRow *t, int n)
{
    for (int i = 0; i < n; i++)
        secresp_task_free(&t[i]);
    free(t);
}

#define TASK_COLS \
    "SELECT id, title, assignee, state, alert_id, meta, created_by, created_at, updated_at "

static void read_task(sqlite3_stmt *s, void *item)
{
    SecTaskRow *t = item;
    t->id = sqlite3_column_int64(s, 0);
    t->title = store_col_strdup(s, 1);
    t->assignee = store_col_strdup(s, 2);
    store_col_copy(s, 3, t->state, sizeof t->state);
    t->alert_id = store_col_strdup(s, 4);
    t->meta = store_col_strdup(s, 5);
    t->created_by = store_col_strdup(s, 6);
    t->created_at = store_col_time(s, 7);
    t->updated_at = store_col_time(s, 8);
}

int64_t secresp_repo_task_add(Store *st, const char *title, const char *assignee,
                              const char *alert_id, const char *meta, const char *created_by,
                              int64_t now)
{
    static const char sql[] =
        "INSERT INTO sec_task (title, assignee, state, alert_id, meta, created_by, created_at, "
        "updated_at) VALUES (?1, ?2, 'open', ?3, ?4, ?5, ?6, ?6)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_text(s, 1, title);
    store_bind_text(s, 2, assignee);
    store_bind_text(s, 3, alert_id);
    store_bind_text(s, 4, meta);
    store_bind_text(s, 5, created_by);
    store_bind_time(s, 6, now);
    if (store_step_done(s) < 0)
        return -EIO;
    return sqlite3_last_insert_rowid(store_db(st));
}

int secresp_repo_task_get(Store *st, int64_t id, SecTaskRow *out)
{
    sqlite3_stmt *s = store_stmt(st, TASK_COLS "FROM sec_task WHERE id = ?");
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        read_task(s, out);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int secresp_repo_task_update(Store *st, int64_t id, const char *state, int set_assignee,
                             const char *assignee, int64_t now)
{
    static const char sql[] =
        "UPDATE sec_task SET state = COALESCE(?1, state), "
        "assignee = CASE WHEN ?2 THEN ?3 ELSE assignee END, updated_at = ?4 WHERE id = ?5";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_text(s, 1, state);
    sqlite3_bind_int(s, 2, set_assignee ? 1 : 0);
    store_bind_text(s, 3, assignee);
    store_bind_time(s, 4, now);
    sqlite3_bind_int64(s, 5, id);
    int n = store_step_changes(st, s);
    return n < 0 ? -EIO : n == 0 ? -ENOENT : 0;
}

#define TASK_WHERE                                                                   \
    "FROM sec_task WHERE (?1 IS NULL OR assignee = ?1) AND (?2 IS NULL OR state = ?2) " \
    "AND (?3 IS NULL OR alert_id = ?3) "

static void bind_task_filter(sqlite3_stmt *s, const SecTaskFilter *f)
{
    store_bind_text(s, 1, f->assignee);
    store_bind_text(s, 2, f->state);
    store_bind_text(s, 3, f->alert_id);
}

int secresp_repo_tasks(Store *st, const SecTaskFilter *f, SecTaskRow **out, int64_t *total)
{
    *out = NULL;
    sqlite3_stmt *c = store_stmt(st, "SELECT COUNT(*) " TASK_WHERE);
    if (!c)
        return -EIO;
    bind_task_filter(c, f);
    int rc = sqlite3_step(c);
    *total = rc == SQLITE_ROW ? sqlite3_column_int64(c, 0) : 0;
    sqlite3_reset(c);
    if (rc != SQLITE_ROW)
        return -EIO;
    sqlite3_stmt *s = store_stmt(st, TASK_COLS TASK_WHERE "ORDER BY id DESC LIMIT ?4 OFFSET ?5");
    if (!s)
        return -EIO;
    bind_task_filter(s, f);
    sqlite3_bind_int64(s, 4, f->limit > 0 ? f->limit : 100);
    sqlite3_bind_int64(s, 5, f->offset > 0 ? f->offset : 0);
    return owned_rows(s, sizeof **out, read_task, task_done, (void **)out);
}

/* ---- admin ---------------------------------------------------------------------- */

static const char *col_text(sqlite3_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(s, i);
}

static int col_int_or(sqlite3_stmt *s, int i)
{
    return sqlite3_column_type(s, i) == SQLITE_NULL ? -1 : sqlite3_column_int(s, i);
}

int secresp_repo_export(Store *st, int all, int (*fn)(void *ctx, const SecExportRow *r),
                        void *ctx)
{
    static const char sql[] =
        "SELECT seq, id, source, received_at, stage, severity, severity_id, title, event_at, "
        "s0, route, s1, normalized, reason, incident_id, export_ready_at, closed_at, "
        "fingerprint, group_of, group_count FROM sec_alert "
        "WHERE ?1 OR export_ready_at IS NOT NULL ORDER BY seq";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int(s, 1, all ? 1 : 0);
    int n = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        SecExportRow r = {
            .seq = sqlite3_column_int64(s, 0), .id = col_text(s, 1), .source = col_text(s, 2),
            .received_at = col_text(s, 3), .stage = col_text(s, 4), .severity = col_text(s, 5),
            .severity_id = col_int_or(s, 6), .title = col_text(s, 7), .event_at = col_text(s, 8),
            .s0 = col_int_or(s, 9), .route = col_text(s, 10), .s1 = col_int_or(s, 11),
            .normalized = col_text(s, 12), .reason = col_text(s, 13),
            .incident_id = col_text(s, 14), .export_ready_at = col_text(s, 15),
            .closed_at = col_text(s, 16), .fingerprint = col_text(s, 17),
            .group_of = sqlite3_column_int64(s, 18), .group_count = sqlite3_column_int(s, 19),
        };
        n++;
        if (fn(ctx, &r))
            break;
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : -EIO;
}

int secresp_repo_health(Store *st, SecHealth *out)
{
    static const char sql[] =
        "SELECT (SELECT COUNT(*) FROM sec_alert), "
        "(SELECT COUNT(*) FROM sec_alert WHERE stage = 'received'), "
        "(SELECT COUNT(*) FROM sec_alert WHERE stage = 'failed'), "
        "(SELECT COUNT(*) FROM sec_embedding), "
        "(SELECT COUNT(*) FROM sec_response WHERE state IN ('queued', 'running'))";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->alerts = sqlite3_column_int64(s, 0);
        out->backlog = sqlite3_column_int64(s, 1);
        out->failed = sqlite3_column_int64(s, 2);
        out->embeddings = sqlite3_column_int64(s, 3);
        out->responses_running = sqlite3_column_int64(s, 4);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 0 : -EIO;
}
