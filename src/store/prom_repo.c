/* prom_repo — see prom_repo.h. Each family is one GROUP BY (or count)
 * statement; values outside the known names (none today: the columns have
 * CHECK constraints) are ignored. */
#include "store/prom_repo.h"
#include "store/db.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

const char *const prom_stage_names[PROM_STAGES] = {"received", "normalized", "triaged", "failed"};
const char *const prom_route_names[PROM_ROUTES] = {"verdict", "ml"};
const char *const prom_verdict_names[PROM_VERDICTS] = {"TP", "FP", "ESCALATE"};
const char *const prom_response_names[PROM_RESPONSES] = {"queued", "running", "success",
                                                         "failed", "refused", "reported"};
const char *const prom_task_names[PROM_TASKS] = {"open", "in_progress", "done", "cancelled"};

/* The place of name in names[], or -1. */
static int name_index(const char *name, const char *const *names, int n)
{
    for (int i = 0; name && i < n; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

/* Rows (name, count) of sql into out[] by their place in names[]. */
static int group_counts(Store *st, const char *sql, const char *const *names, int n,
                        int64_t *out)
{
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    memset(out, 0, (size_t)n * sizeof *out);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int i = name_index((const char *)sqlite3_column_text(s, 0), names, n);
        if (i >= 0)
            out[i] += sqlite3_column_int64(s, 1);
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

static int alert_counts(Store *st, PromCounts *out)
{
    static const char sql[] =
        "SELECT severity, CASE WHEN resolved_at IS NOT NULL THEN 'resolved' "
        "WHEN acknowledged THEN 'acknowledged' ELSE 'open' END AS state, count(*) "
        "FROM alert GROUP BY severity, state ORDER BY severity, state";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    out->nalerts = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && out->nalerts < PROM_ALERT_ROWS) {
        PromAlertCount *a = &out->alerts[out->nalerts++];
        store_col_copy(s, 0, a->severity, sizeof a->severity);
        store_col_copy(s, 1, a->state, sizeof a->state);
        a->n = sqlite3_column_int64(s, 2);
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -EIO;
}

static int sec_live(Store *st, PromCounts *out)
{
    /* the partial index sec_alert_pending answers the second */
    static const char sql[] =
        "SELECT (SELECT ifnull(max(seq), 0) FROM sec_alert), "
        "(SELECT count(*) FROM sec_alert WHERE stage = 'received')";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    int r = -EIO;
    if (sqlite3_step(s) == SQLITE_ROW) {
        out->sec_ingested = sqlite3_column_int64(s, 0);
        out->sec_received = sqlite3_column_int64(s, 1);
        r = 0;
    }
    sqlite3_reset(s);
    return r;
}

static int outbox_counts(Store *st, PromCounts *out)
{
    static const char sql[] =
        "SELECT (SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND dead_at IS NULL), "
        "(SELECT count(*) FROM outbox WHERE dead_at IS NOT NULL)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    int r = -EIO;
    if (sqlite3_step(s) == SQLITE_ROW) {
        out->outbox_pending = sqlite3_column_int64(s, 0);
        out->outbox_dead = sqlite3_column_int64(s, 1);
        r = 0;
    }
    sqlite3_reset(s);
    return r;
}

int prom_repo_counts(Store *st, PromCounts *out)
{
    memset(out, 0, sizeof *out);
    if (store_begin_read(st) < 0)
        return -EIO;
    int rc = 0;
    if (alert_counts(st, out) < 0 || outbox_counts(st, out) < 0 || sec_live(st, out) < 0 ||
        group_counts(st, "SELECT classification, count(*) FROM sec_verdict "
                         "GROUP BY classification",
                     prom_verdict_names, PROM_VERDICTS, out->verdict) < 0 ||
        group_counts(st, "SELECT state, count(*) FROM sec_response GROUP BY state",
                     prom_response_names, PROM_RESPONSES, out->response) < 0 ||
        group_counts(st, "SELECT state, count(*) FROM sec_task GROUP BY state",
                     prom_task_names, PROM_TASKS, out->task) < 0)
        rc = -EIO;
    if (store_end_read(st) < 0)
        rc = -EIO;
    return rc;
}

/* One pass over the alerts lo < seq <= hi for every family that needs it. */
static int scan_alerts(Store *st, int64_t lo, int64_t hi, PromScan *out)
{
    static const char sql[] =
        "SELECT stage, route, closed_at IS NOT NULL, group_of IS NOT NULL, count(*) "
        "FROM sec_alert WHERE seq > ?1 AND seq <= ?2 GROUP BY 1, 2, 3, 4";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, lo);
    sqlite3_bind_int64(s, 2, hi);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t n = sqlite3_column_int64(s, 4);
        int st_i = name_index((const char *)sqlite3_column_text(s, 0), prom_stage_names,
                              PROM_STAGES);
        int ro_i = name_index((const char *)sqlite3_column_text(s, 1), prom_route_names,
                              PROM_ROUTES);
        if (st_i >= 0)
            out->stage[st_i] += n;
        if (ro_i >= 0)
            out->route[ro_i] += n;
        out->closed += sqlite3_column_int(s, 2) ? n : 0;
        out->grouped += sqlite3_column_int(s, 3) ? n : 0;
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

static int count_vectors(Store *st, int64_t lo, int64_t hi, PromScan *out)
{
    static const char sql[] =
        "SELECT count(*) FROM sec_embedding WHERE alert_seq > ?1 AND alert_seq <= ?2";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, lo);
    sqlite3_bind_int64(s, 2, hi);
    int rc = sqlite3_step(s) == SQLITE_ROW ? 0 : -EIO;
    if (rc == 0)
        out->embeddings += sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return rc;
}

int prom_repo_scan_range(Store *st, int64_t lo, int64_t hi, PromScan *acc)
{
    if (store_begin_read(st) < 0)
        return -EIO;
    int rc = scan_alerts(st, lo, hi, acc) < 0 || count_vectors(st, lo, hi, acc) < 0 ? -EIO : 0;
    if (store_end_read(st) < 0)
        rc = -EIO;
    return rc;
}

int prom_repo_scan(Store *st, PromScan *out)
{
    memset(out, 0, sizeof *out);
    return prom_repo_scan_range(st, 0, INT64_MAX, out);
}
