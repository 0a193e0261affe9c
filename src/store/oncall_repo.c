/* oncall_repo — see oncall_repo.h.
 *
 * The timeline is one UNION ALL of (time text, who, what) rows; times are
 * parsed here (the tables keep seconds, the outbox milliseconds, the
 * incident audit what seed 001 writes), and the domain sorts them. */
#include "store/oncall_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ALERT_COLS "id, service_id, type, message, severity, created_at, acknowledged, reminders"

int oncall_repo_reminders_due(Store *st, int64_t due_before, AlertRow *out, int *out_reminders,
                              int max)
{
    static const char sql[] =
        "SELECT " ALERT_COLS " FROM alert WHERE resolved_at IS NULL AND acknowledged = 0 "
        "AND severity = 'Critical' AND kind = 'condition' AND coalesce(last_notified_at, created_at) <= ?1 "
        "ORDER BY id LIMIT ?2";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_time(s, 1, due_before);
    sqlite3_bind_int(s, 2, max);
    int n = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < max) {
        AlertRow *r = &out[n];
        memset(r, 0, sizeof *r);
        r->id = sqlite3_column_int64(s, 0);
        r->service_id = sqlite3_column_int64(s, 1);
        store_col_copy(s, 2, r->type, sizeof r->type);
        store_col_copy(s, 3, r->message, sizeof r->message);
        store_col_copy(s, 4, r->severity, sizeof r->severity);
        r->created_at = store_col_time(s, 5);
        r->acknowledged = sqlite3_column_int(s, 6);
        if (out_reminders)
            out_reminders[n] = sqlite3_column_int(s, 7);
        n++;
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? n : -EIO;
}

int oncall_repo_mark_reminded(Store *st, int64_t alert_id, int64_t now)
{
    static const char sql[] =
        "UPDATE alert SET last_notified_at = ?2, reminders = reminders + 1 WHERE id = ?1";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, alert_id);
    store_bind_time(s, 2, now);
    return store_step_done(s);
}

int oncall_repo_set_notified(Store *st, int64_t alert_id, int64_t now)
{
    static const char sql[] = "UPDATE alert SET last_notified_at = ?2 WHERE id = ?1";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, alert_id);
    store_bind_time(s, 2, now);
    return store_step_done(s);
}

int oncall_repo_status_change_add(Store *st, int64_t service_id, const char *status, int64_t now)
{
    static const char sql[] = "INSERT INTO status_change (service_id, at, status) VALUES (?, ?, ?)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    store_bind_time(s, 2, now);
    sqlite3_bind_text(s, 3, status, -1, SQLITE_STATIC);
    return store_step_done(s);
}

int oncall_repo_status_changes_since(Store *st, int64_t service_id, int64_t since)
{
    static const char sql[] =
        "SELECT count(*) FROM status_change WHERE service_id = ? AND at >= ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    store_bind_time(s, 2, since > 0 ? since : 1);
    int rc = sqlite3_step(s);
    int n = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : -EIO;
    sqlite3_reset(s);
    return n;
}


static void read_id(sqlite3_stmt *s, void *item)
{
    *(int64_t *)item = sqlite3_column_int64(s, 0);
}

int oncall_repo_services_with_open(Store *st, const char *type, int64_t **out)
{
    static const char sql[] =
        "SELECT DISTINCT service_id FROM alert WHERE type = ? AND resolved_at IS NULL "
        "ORDER BY service_id";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, type, -1, SQLITE_STATIC);
    void *v;
    int n = store_rows(s, sizeof(int64_t), read_id, &v);
    *out = v;
    return n;
}

int oncall_repo_status_changes_prune(Store *st, int64_t service_id, int64_t before)
{
    static const char sql[] = "DELETE FROM status_change WHERE service_id = ? AND at < ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    store_bind_time(s, 2, before > 0 ? before : 1);
    return store_step_done(s);
}

int oncall_repo_runbook_get(Store *st, int64_t service_id, char *buf, size_t size)
{
    static const char sql[] = "SELECT runbook_url FROM service WHERE id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        store_col_copy(s, 0, buf, size);
    else if (size)
        buf[0] = '\0';
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int oncall_repo_runbooks(Store *st, int64_t **out_ids, char ***out_urls)
{
    static const char sql[] =
        "SELECT id, runbook_url FROM service WHERE runbook_url IS NOT NULL ORDER BY id";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    int64_t *ids = NULL;
    char **urls = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            ids = xrealloc(ids, (size_t)cap * sizeof *ids);
            urls = xrealloc(urls, (size_t)cap * sizeof *urls);
        }
        ids[n] = sqlite3_column_int64(s, 0);
        urls[n++] = store_col_strdup(s, 1);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        for (int i = 0; i < n; i++)
            free(urls[i]);
        free(ids);
        free(urls);
        return -EIO;
    }
    *out_ids = ids;
    *out_urls = urls;
    return n;
}

int oncall_repo_runbook_set(Store *st, int64_t service_id, const char *url)
{
    static const char sql[] = "UPDATE service SET runbook_url = ? WHERE id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_text(s, 1, url && *url ? url : NULL);
    sqlite3_bind_int64(s, 2, service_id);
    if (store_step_done(s) < 0)
        return -EIO;
    return sqlite3_changes(store_db(st)) > 0;
}

int oncall_repo_downtime_get(Store *st, int64_t service_id, int64_t downtime_id,
                             DowntimeRow *out)
{
    static const char sql[] = "SELECT id, service_id, start_time, end_time, reason FROM downtime "
                              "WHERE id = ? AND service_id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, downtime_id);
    sqlite3_bind_int64(s, 2, service_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(s, 0);
        out->service_id = sqlite3_column_int64(s, 1);
        out->start_time = store_col_time(s, 2);
        out->end_time = store_col_time(s, 3);
        store_col_copy(s, 4, out->reason, sizeof out->reason);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

void timeline_rows_free(TimelineRow *rows, int n)
{
    for (int i = 0; i < n; i++) {
        free(rows[i].who);
        free(rows[i].what);
    }
    free(rows);
}

/* ?1 service, ?2 from, ?3 to, ?4 incident id, ?5 downtime start (NULL:
 * none). cov: the silences that covered the service in the window (by
 * its id, or by keeping back one of its alerts' notifications). */
static const char timeline_sql[] =
    "WITH cov AS (SELECT * FROM silence WHERE ?1 != 0 AND (service_id = ?1 OR id IN ("
    "  SELECT ss.silence_id FROM silence_suppressed ss JOIN alert a ON a.id = ss.alert_id "
    "  WHERE a.service_id = ?1 AND ss.suppressed_at BETWEEN ?2 AND ?3 || '.999')) "
    "  AND starts_at <= ?3 AND coalesce(expired_at, ends_at, '9999') >= ?2), "
    "held AS (SELECT ss.* FROM silence_suppressed ss JOIN alert a ON a.id = ss.alert_id "
    "  WHERE ?1 != 0 AND a.service_id = ?1 AND ss.suppressed_at BETWEEN ?2 AND ?3 || '.999') "
    "SELECT created_at, created_by, 'Silence #' || id || ' created: ' || comment || "
    "  coalesce(' (recurring ' || rrule || ')', '') || "
    "  coalesce(' (until ' || substr(ends_at, 1, 19) || 'Z)', '') FROM cov "
    "UNION ALL SELECT expired_at, coalesce(expired_by, 'system'), 'Silence #' || id || "
    "  ' expired' FROM cov WHERE expired_at IS NOT NULL "
    "UNION ALL SELECT ends_at, 'system', 'Silence #' || id || ' ended' FROM cov "
    "  WHERE ends_at IS NOT NULL AND ends_at <= ?3 AND (expired_at IS NULL OR expired_at > ends_at) "
    "UNION ALL SELECT suppressed_at, 'notifier', 'Notification kept back by silence #' || "
    "  silence_id || ' (alert-' || alert_id || '-' || event || ')' FROM held "
    "UNION ALL SELECT released_at, 'notifier', 'Notification released by silence #' || "
    "  silence_id || ' (alert-' || alert_id || '-' || event || '): ' || coalesce(outcome, '') "
    "  FROM held WHERE released_at IS NOT NULL "
    "UNION ALL SELECT created_at, 'system', 'SLA Breach (' || type || ') found after the "
    "downtime: ' || coalesce(reason, '') || ' (' || downtime_minutes || ' minutes)' "
    "  FROM sla_breach WHERE service_id = ?1 AND start_time = ?5 AND created_at > ?3 "
    "UNION ALL SELECT timestamp, coalesce(actor, 'system'), action || coalesce(': ' || detail, '') "
    "  FROM audit_log WHERE ?1 != 0 AND entity_id = ?1 AND entity IN ('Service', 'Status', "
    "  'Alert', 'SLABreach', 'Downtime', 'BIA', 'Integration') AND action NOT LIKE "
    "  'Alert Created (%' AND timestamp BETWEEN ?2 AND ?3 "
    "UNION ALL SELECT created_at, 'system', 'Alert #' || id || ' raised (' || type || ', ' || "
    "  severity || '): ' || message FROM alert WHERE service_id = ?1 "
    "  AND created_at BETWEEN ?2 AND ?3 "
    "UNION ALL SELECT resolved_at, 'system', 'Alert #' || id || ' resolved (' || type || ')' "
    "  FROM alert WHERE service_id = ?1 AND resolved_at BETWEEN ?2 AND ?3 "
    "UNION ALL SELECT created_at, 'notifier', 'Notification ' || channel || ' (' || "
    "  substr(idempotency_key, 1, instr(idempotency_key || '.', '.') - 1) || '): ' || "
    "  CASE WHEN delivered_at IS NOT NULL THEN 'delivered ' || substr(delivered_at, 1, 19) || 'Z' "
    "  WHEN dead_at IS NOT NULL THEN 'dead ' || substr(dead_at, 1, 19) || 'Z' || "
    "  coalesce(' (' || last_error || ')', '') "
    "  ELSE 'pending after ' || attempts || ' attempt(s)' END "
    "  FROM outbox WHERE ?1 != 0 AND service_id = ?1 AND channel != 'event' "
    "  AND created_at BETWEEN ?2 AND ?3 || '.999' "
    "UNION ALL SELECT timestamp, actor, 'Incident: ' || action || "
    "  coalesce(' (' || error_message || ')', '') FROM incident_audit WHERE incident_id = ?4 "
    "UNION ALL SELECT executed_at, 'runner', 'Step ' || step_id || ' (' || action || "
    "  ') attempt ' || attempt || ': ' || CASE success WHEN 1 THEN 'succeeded' "
    "  WHEN 0 THEN 'failed' || coalesce(': ' || error_message, '') ELSE 'running' END "
    "  FROM playbook_run WHERE incident_id = ?4 AND executed_at IS NOT NULL";

int oncall_repo_timeline(Store *st, int64_t service_id, const char *incident_id, int64_t from,
                         int64_t to, int64_t downtime_start, TimelineRow **out)
{
    sqlite3_stmt *s = store_stmt(st, timeline_sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    store_bind_time(s, 2, from > 0 ? from : 1);
    store_bind_time(s, 3, to);
    store_bind_text(s, 4, incident_id);
    store_bind_time(s, 5, downtime_start);
    TimelineRow *v = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(s, 0);
        int64_t at;
        if (!t || util_parse_iso8601(t, &at) < 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            v = xrealloc(v, (size_t)cap * sizeof *v);
        }
        v[n].at = at;
        v[n].seq = n;
        v[n].who = store_col_strdup(s, 1);
        v[n].what = store_col_strdup(s, 2);
        if (!v[n].who)
            v[n].who = xstrdup("system");
        if (!v[n].what)
            v[n].what = xstrdup("");
        n++;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        timeline_rows_free(v, n);
        return -EIO;
    }
    *out = v;
    return n;
}
