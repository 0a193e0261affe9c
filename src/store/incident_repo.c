/* incident_repo — see incident_repo.h. */
#include "store/incident_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>


void incident_rec_free(IncidentRec *r)
{
    if (!r)
        return;
    free(r->title);
    free(r->description);
    free(r->state_reason);
    free(r->created_by);
    free(r->tags);
    free(r->requested_by);
    r->title = r->description = r->state_reason = r->created_by = r->tags = NULL;
    r->requested_by = NULL;
}

#define INCIDENT_COLS                                                                      \
    "incident_id, title, description, category, priority, status, state, state_reason, "  \
    "confidence_score, created_by, created_at, updated_at, resolved_at, queued_at, "      \
    "started_at, auto_resolved, tags, service_id, run, steps_total, steps_done, forced, " \
    "requested_by, rowid"

/* Read a row of INCIDENT_COLS; owned strings are malloc'd. */
static void read_row(sqlite3_stmt *s, IncidentRec *r)
{
    memset(r, 0, sizeof *r);
    store_col_copy(s, 0, r->incident_id, sizeof r->incident_id);
    r->title = store_col_strdup(s, 1);
    r->description = store_col_strdup(s, 2);
    store_col_copy(s, 3, r->category, sizeof r->category);
    store_col_copy(s, 4, r->priority, sizeof r->priority);
    store_col_copy(s, 5, r->status, sizeof r->status);
    store_col_copy(s, 6, r->state, sizeof r->state);
    r->state_reason = store_col_strdup(s, 7);
    r->confidence = sqlite3_column_double(s, 8);
    r->created_by = store_col_strdup(s, 9);
    r->created_at = store_col_time(s, 10);
    r->updated_at = store_col_time(s, 11);
    r->resolved_at = store_col_time(s, 12);
    r->queued_at = store_col_time(s, 13);
    r->started_at = store_col_time(s, 14);
    r->auto_resolved = sqlite3_column_int(s, 15);
    r->tags = store_col_strdup(s, 16);
    r->service_id = sqlite3_column_int64(s, 17);
    r->run = sqlite3_column_int(s, 18);
    r->steps_total = sqlite3_column_int(s, 19);
    r->steps_done = sqlite3_column_int(s, 20);
    r->forced = sqlite3_column_int(s, 21);
    r->requested_by = store_col_strdup(s, 22);
    r->rowid = sqlite3_column_int64(s, 23);
    if (!r->title)
        r->title = xstrdup("");
    if (!r->tags)
        r->tags = xstrdup("[]");
}

int incident_repo_get(Store *st, const char *id, IncidentRec *out)
{
    static const char sql[] = "SELECT " INCIDENT_COLS " FROM incident WHERE incident_id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read_row(s, out);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

/* ?1..?11 of both upserts: the incident's own fields, ?9 = now. */
static void bind_fields(sqlite3_stmt *s, const IncidentRec *in, int64_t now)
{
    sqlite3_bind_text(s, 1, in->incident_id, -1, SQLITE_TRANSIENT);
    store_bind_text(s, 2, in->title ? in->title : "");
    store_bind_text(s, 3, in->description);
    store_bind_text(s, 4, in->category);
    store_bind_text(s, 5, in->priority);
    store_bind_text(s, 6, in->status[0] ? in->status : "open");
    sqlite3_bind_double(s, 7, in->confidence);
    store_bind_text(s, 8, in->created_by);
    store_bind_time(s, 9, now);
    store_bind_text(s, 10, in->tags ? in->tags : "[]");
    if (in->service_id > 0)
        sqlite3_bind_int64(s, 11, in->service_id);
    else
        sqlite3_bind_null(s, 11);
}

int incident_repo_upsert(Store *st, const IncidentRec *in, int64_t now)
{
    static const char sql[] =
        "INSERT INTO incident (incident_id, title, description, category, priority, status, "
        "confidence_score, created_by, created_at, updated_at, tags, service_id) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11) "
        "ON CONFLICT(incident_id) DO UPDATE SET title = ?2, description = ?3, category = ?4, "
        "priority = ?5, status = ?6, confidence_score = ?7, created_by = ?8, updated_at = ?9, "
        "tags = ?10, service_id = ?11";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    bind_fields(s, in, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

int incident_repo_upsert_decided(Store *st, const IncidentRec *in, int queued, int forced,
                                 const char *requested_by, int64_t now)
{
    static const char sql[] =
        "INSERT INTO incident (incident_id, title, description, category, priority, status, "
        "confidence_score, created_by, created_at, updated_at, tags, service_id, state, "
        "state_reason, queued_at, forced, requested_by) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11, ?12, ?13, "
        "CASE WHEN ?14 THEN ?9 END, CASE WHEN ?14 THEN ?15 ELSE 0 END, "
        "CASE WHEN ?14 THEN ?16 END) "
        "ON CONFLICT(incident_id) DO UPDATE SET title = ?2, description = ?3, category = ?4, "
        "priority = ?5, status = ?6, confidence_score = ?7, created_by = ?8, updated_at = ?9, "
        "tags = ?10, service_id = ?11, state = ?12, state_reason = ?13, "
        "queued_at = CASE WHEN ?14 THEN ?9 END, "
        "forced = CASE WHEN ?14 THEN ?15 ELSE forced END, "
        "requested_by = CASE WHEN ?14 THEN ?16 ELSE requested_by END";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    bind_fields(s, in, now);
    store_bind_text(s, 12, in->state[0] ? in->state : "open");
    store_bind_text(s, 13, in->state_reason);
    sqlite3_bind_int(s, 14, queued ? 1 : 0);
    sqlite3_bind_int(s, 15, forced ? 1 : 0);
    store_bind_text(s, 16, requested_by);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

static int exec_done(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

int incident_repo_queue(Store *st, const char *id, int forced, const char *requested_by,
                        int64_t now)
{
    static const char sql[] =
        "UPDATE incident SET state = 'open', state_reason = NULL, queued_at = ?2, "
        "updated_at = ?2, forced = ?3, requested_by = ?4 WHERE incident_id = ?1";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    store_bind_time(s, 2, now);
    sqlite3_bind_int(s, 3, forced ? 1 : 0);
    store_bind_text(s, 4, requested_by);
    return exec_done(s);
}

int incident_repo_start(Store *st, const char *id, int steps_total, int64_t now, int *out_run)
{
    static const char sql[] =
        "UPDATE incident SET state = 'resolving', status = 'in_progress', state_reason = NULL, "
        "queued_at = NULL, run = run + 1, steps_total = ?2, steps_done = 0, started_at = ?3, "
        "updated_at = ?3 WHERE incident_id = ?1 RETURNING run";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 2, steps_total);
    store_bind_time(s, 3, now);
    int rc = sqlite3_step(s);
    int run = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    if (rc == SQLITE_ROW)
        rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE || run <= 0)
        return -EIO;
    *out_run = run;
    return 0;
}

int incident_repo_finish(Store *st, const char *id, const char *state, const char *status,
                         const char *reason, int64_t resolved_at, int auto_resolved, int64_t now)
{
    static const char sql[] =
        "UPDATE incident SET state = ?2, status = coalesce(?3, status), state_reason = ?4, "
        "resolved_at = coalesce(?5, resolved_at), "
        "auto_resolved = CASE WHEN ?6 < 0 THEN auto_resolved ELSE ?6 END, "
        "queued_at = NULL, updated_at = ?7 WHERE incident_id = ?1";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    store_bind_text(s, 2, state);
    store_bind_text(s, 3, status);
    store_bind_text(s, 4, reason);
    store_bind_time(s, 5, resolved_at);
    sqlite3_bind_int(s, 6, auto_resolved);
    store_bind_time(s, 7, now);
    return exec_done(s);
}

int incident_repo_set_steps_done(Store *st, const char *id, int done, int64_t now)
{
    static const char sql[] =
        "UPDATE incident SET steps_done = ?2, updated_at = ?3 WHERE incident_id = ?1";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 2, done);
    store_bind_time(s, 3, now);
    return exec_done(s);
}

int incident_repo_next_queued(Store *st, char *out_id, size_t size)
{
    static const char sql[] =
        "SELECT incident_id FROM incident WHERE queued_at IS NOT NULL AND state = 'open' "
        "ORDER BY queued_at, rowid LIMIT 1";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        store_col_copy(s, 0, out_id, size);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

static int count_query(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    int n = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : -EIO;
    sqlite3_reset(s);
    return n;
}

int incident_repo_count_state(Store *st, const char *state)
{
    static const char sql[] = "SELECT count(*) FROM incident WHERE state = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_text(s, 1, state);
    return count_query(s);
}

int incident_repo_requeue_resolving(Store *st, int64_t now)
{
    static const char sql[] =
        "UPDATE incident SET state = 'open', status = 'open', queued_at = ?1, updated_at = ?1 "
        "WHERE state = 'resolving'";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_time(s, 1, now);
    if (exec_done(s) < 0)
        return -EIO;
    return sqlite3_changes(store_db(st));
}

int incident_repo_count_for_service(Store *st, int64_t service_id, int64_t since)
{
    static const char sql[] =
        "SELECT count(*) FROM incident WHERE service_id = ? AND created_at >= ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    store_bind_time(s, 2, since);
    return count_query(s);
}

int incident_repo_count_active_for_service(Store *st, int64_t service_id)
{
    static const char sql[] =
        "SELECT count(*) FROM incident WHERE service_id = ? AND (state = 'resolving' OR "
        "(state = 'open' AND queued_at IS NOT NULL))";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    return count_query(s);
}

int incident_repo_each(Store *st, const char *state, int limit, int offset, IncidentRowFn fn,
                       void *ctx)
{
    static const char sql[] =
        "SELECT " INCIDENT_COLS " FROM incident WHERE (?1 IS NULL OR state = ?1) "
        "ORDER BY created_at DESC, rowid DESC LIMIT ?2 OFFSET ?3";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_text(s, 1, state);
    sqlite3_bind_int(s, 2, limit);
    sqlite3_bind_int(s, 3, offset > 0 ? offset : 0);
    int rc, ret = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        IncidentRec r;
        read_row(s, &r);
        ret = fn(ctx, &r);
        incident_rec_free(&r);
        if (ret)
            break;
    }
    sqlite3_reset(s);
    if (ret)
        return ret;
    return rc == SQLITE_DONE ? 0 : -EIO;
}

int incident_repo_count_listed(Store *st, const char *state)
{
    static const char sql[] = "SELECT count(*) FROM incident WHERE (?1 IS NULL OR state = ?1)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_text(s, 1, state);
    return count_query(s);
}

int incident_repo_progress(Store *st, IncidentProgress *out, int max)
{
    static const char sql[] =
        "SELECT i.incident_id, i.run, i.steps_total, i.steps_done, i.forced, i.queued_at, "
        "i.started_at, (SELECT p.action FROM playbook_run p WHERE p.incident_id = i.incident_id "
        "AND p.run = i.run ORDER BY p.id DESC LIMIT 1), (SELECT p.attempt FROM playbook_run p "
        "WHERE p.incident_id = i.incident_id AND p.run = i.run ORDER BY p.id DESC LIMIT 1) "
        "FROM incident i ORDER BY i.created_at DESC, i.rowid DESC LIMIT ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int(s, 1, max);
    int n = 0, rc = SQLITE_DONE;
    while (n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        IncidentProgress *p = &out[n++];
        memset(p, 0, sizeof *p);
        store_col_copy(s, 0, p->incident_id, sizeof p->incident_id);
        p->run = sqlite3_column_int(s, 1);
        p->steps_total = sqlite3_column_int(s, 2);
        p->steps_done = sqlite3_column_int(s, 3);
        p->forced = sqlite3_column_int(s, 4);
        p->queued_at = store_col_time(s, 5);
        p->started_at = store_col_time(s, 6);
        store_col_copy(s, 7, p->current_step, sizeof p->current_step);
        p->current_attempt = sqlite3_column_int(s, 8);
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? n : -EIO;
}

int incident_repo_step_views(Store *st, int max_incidents, IncidentStepView **out)
{
    static const char sql[] =
        "WITH recent AS (SELECT incident_id, run, created_at, rowid AS rid FROM incident "
        "ORDER BY created_at DESC, rowid DESC LIMIT ?1) "
        "SELECT p.incident_id, p.step_index, p.attempt, p.action, p.description, p.success, "
        "p.error_message, p.executed_at, p.duration_ms FROM recent r JOIN playbook_run p "
        "ON p.incident_id = r.incident_id AND p.run = r.run "
        "WHERE p.id = (SELECT max(q.id) FROM playbook_run q WHERE q.incident_id = p.incident_id "
        "AND q.run = p.run AND q.step_index = p.step_index) "
        "ORDER BY r.created_at DESC, r.rid DESC, p.step_index";
    sqlite3_stmt *s = store_stmt(st, sql);
    *out = NULL;
    if (!s)
        return -EIO;
    sqlite3_bind_int(s, 1, max_incidents);
    int n = 0, cap = 0, rc;
    IncidentStepView *v = NULL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            v = xrealloc(v, (size_t)cap * sizeof *v);
        }
        IncidentStepView *x = &v[n++];
        memset(x, 0, sizeof *x);
        store_col_copy(s, 0, x->incident_id, sizeof x->incident_id);
        x->step_index = sqlite3_column_int(s, 1);
        x->attempt = sqlite3_column_int(s, 2);
        store_col_copy(s, 3, x->action, sizeof x->action);
        store_col_copy(s, 4, x->description, sizeof x->description);
        x->success = sqlite3_column_type(s, 5) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 5);
        store_col_copy(s, 6, x->error, sizeof x->error);
        x->executed_at = store_col_time(s, 7);
        x->duration_ms = sqlite3_column_int(s, 8);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        free(v);
        return -EIO;
    }
    *out = v;
    return n;
}

int incident_repo_cleared_alert_ids(Store *st, int64_t service_id, int64_t **out,
                                    int *out_active)
{
    static const char sql[] =
        "SELECT a.id, a.resolved_at IS NOT NULL OR (a.type = 'StatusChange' AND "
        "coalesce((SELECT status FROM status WHERE service_id = a.service_id), '') = 'Up') "
        "FROM alert a WHERE a.service_id = ? AND a.acknowledged = 0 ORDER BY a.id";
    sqlite3_stmt *s = store_stmt(st, sql);
    *out = NULL;
    if (out_active)
        *out_active = 0;
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    int n = 0, cap = 0, active = 0, rc;
    int64_t *ids = NULL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (!sqlite3_column_int(s, 1)) {
            active++;
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            ids = xrealloc(ids, (size_t)cap * sizeof *ids);
        }
        ids[n++] = sqlite3_column_int64(s, 0);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        free(ids);
        return -EIO;
    }
    *out = ids;
    if (out_active)
        *out_active = active;
    return n;
}

int incident_repo_alert_find_open(Store *st, const char *incident_id, const char *type,
                                  int64_t *out_id)
{
    static const char sql[] = "SELECT id FROM alert WHERE incident_id = ? AND type = ? "
                              "AND service_id IS NULL AND resolved_at IS NULL "
                              "ORDER BY id DESC LIMIT 1";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_text(s, 1, incident_id);
    store_bind_text(s, 2, type);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out_id = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int64_t incident_repo_alert_insert(Store *st, const char *incident_id, const char *type,
                                   const char *message, const char *severity, int64_t now)
{
    static const char sql[] = "INSERT INTO alert (service_id, incident_id, type, message, "
                              "severity, created_at) VALUES (NULL, ?, ?, ?, ?, ?)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_text(s, 1, incident_id);
    store_bind_text(s, 2, type);
    store_bind_text(s, 3, message);
    store_bind_text(s, 4, severity);
    store_bind_time(s, 5, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? sqlite3_last_insert_rowid(store_db(st)) : -EIO;
}

int incident_repo_probe_playbook(Store *st, int64_t service_id, char *cat, size_t size,
                                 double *out_confidence)
{
    static const char sql[] =
        "SELECT playbook, playbook_confidence FROM probe WHERE service_id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        store_col_copy(s, 0, cat, size);
        *out_confidence = sqlite3_column_type(s, 1) == SQLITE_NULL ? -1
                                                                    : sqlite3_column_double(s, 1);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int incident_repo_set_probe_playbook(Store *st, int64_t service_id, const char *category,
                                     double confidence)
{
    static const char sql[] =
        "UPDATE probe SET playbook = ?2, playbook_confidence = ?3 WHERE service_id = ?1";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    store_bind_text(s, 2, category);
    if (category && confidence >= 0)
        sqlite3_bind_double(s, 3, confidence);
    else
        sqlite3_bind_null(s, 3);
    if (exec_done(s) < 0)
        return -EIO;
    return sqlite3_changes(store_db(st)) > 0;
}

int incident_repo_audit_each(Store *st, const char *incident_id, const char *action, int limit,
                             int offset, IncidentAuditFn fn, void *ctx)
{
    static const char sql[] =
        "SELECT audit_id, incident_id, action, timestamp, actor, confidence_score, details, "
        "success, error_message FROM incident_audit "
        "WHERE (?1 IS NULL OR incident_id = ?1) AND (?2 IS NULL OR action = ?2) "
        "ORDER BY timestamp DESC, rowid DESC LIMIT ?3 OFFSET ?4";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_text(s, 1, incident_id);
    store_bind_text(s, 2, action);
    sqlite3_bind_int(s, 3, limit);
    sqlite3_bind_int(s, 4, offset > 0 ? offset : 0);
    int rc, ret = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        IncidentAuditEntry e = {
            .audit_id = (const char *)sqlite3_column_text(s, 0),
            .incident_id = (const char *)sqlite3_column_text(s, 1),
            .action = (const char *)sqlite3_column_text(s, 2),
            .timestamp = store_col_time(s, 3),
            .actor = (const char *)sqlite3_column_text(s, 4),
            .has_confidence = sqlite3_column_type(s, 5) != SQLITE_NULL,
            .confidence = sqlite3_column_double(s, 5),
            .details = (const char *)sqlite3_column_text(s, 6),
            .success = sqlite3_column_type(s, 7) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 7),
            .error_message = (const char *)sqlite3_column_text(s, 8),
        };
        if ((ret = fn(ctx, &e)) != 0)
            break;
    }
    sqlite3_reset(s);
    if (ret)
        return ret;
    return rc == SQLITE_DONE ? 0 : -EIO;
}

int incident_repo_audit_count(Store *st, const char *incident_id, const char *action)
{
    static const char sql[] =
        "SELECT count(*) FROM incident_audit "
        "WHERE (?1 IS NULL OR incident_id = ?1) AND (?2 IS NULL OR action = ?2)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_text(s, 1, incident_id);
    store_bind_text(s, 2, action);
    return count_query(s);
}
