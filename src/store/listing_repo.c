/* listing_repo — see listing_repo.h. The SQL strings are static, so the
 * statement cache (keyed by the string's address) prepares each once per
 * connection. */
#include "store/listing_repo.h"
#include "store/db.h"

#include <errno.h>

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int listing_run(Store *st, const Listing *l, const int64_t *params, int nparams,
                ListingRowFn fn, void *ctx)
{
    sqlite3_stmt *s = store_stmt(st, l->sql);
    if (!s)
        return -EIO;
    for (int i = 0; i < nparams; i++)
        sqlite3_bind_int64(s, i + 1, params[i]);
    ListingValue v[32];
    int rc, r = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        for (int c = 0; c < l->ncols && c < N(v); c++) {
            v[c].is_null = sqlite3_column_type(s, c) == SQLITE_NULL;
            v[c].i = sqlite3_column_int64(s, c);
            v[c].s = l->cols[c].kind == COL_TEXT || l->cols[c].kind == COL_JSON
                         ? (const char *)sqlite3_column_text(s, c) : NULL;
        }
        r = fn(ctx, l, v);
        if (r)
            break;
    }
    sqlite3_reset(s);
    if (r)
        return r;
    return rc == SQLITE_DONE ? 0 : -EIO;
}

int listing_count(Store *st, const Listing *l, const int64_t *params, int nparams,
                  int64_t *out)
{
    if (!l->count_sql)
        return -EINVAL;
    sqlite3_stmt *s = store_stmt(st, l->count_sql);
    if (!s)
        return -EIO;
    for (int i = 0; i < nparams; i++)
        sqlite3_bind_int64(s, i + 1, params[i]);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 0 : -EIO;
}

int listing_version(Store *st, int64_t *out_data_version, int64_t *out_own_changes)
{
    int64_t dv = store_data_version(st);
    if (dv < 0)
        return -EIO;
    *out_data_version = dv;
    *out_own_changes = sqlite3_total_changes64(store_db(st));
    return 0;
}

static const char alerts_sql[] =
    "SELECT id, service_id, type, message, severity, created_at, acknowledged, "
    "resolved_at IS NOT NULL, resolved_at, acknowledged_by, acknowledged_at, ack_note, "
    "ack_expires_at, "
    "(SELECT silence_id FROM alert_silence x WHERE x.alert_id = alert.id), "   /* issue 11 */
    "kind FROM alert ORDER BY created_at DESC, id DESC LIMIT ?1 OFFSET ?2";
/* seed 000's fields, then ours: whether the condition has cleared (or the
 * alert was superseded by a newer one of the same type) and when */
static const ListingCol alerts_cols[] = {
    {"id", COL_INT}, {"service_id", COL_INT}, {"type", COL_TEXT}, {"message", COL_TEXT},
    {"severity", COL_TEXT}, {"created_at", COL_TEXT}, {"acknowledged", COL_BOOL},
    {"resolved", COL_BOOL}, {"resolved_at", COL_TEXT}, {"acknowledged_by", COL_TEXT},
    {"acknowledged_at", COL_TEXT}, {"ack_note", COL_TEXT}, {"ack_expires_at", COL_TEXT},
    {"silenced_by", COL_INT},
    {"kind", COL_TEXT},
};
const Listing listing_alerts = {alerts_sql, alerts_cols, N(alerts_cols),
                                "SELECT count(*) FROM alert"};

static const char sla_sql[] =
    "SELECT id, service_id, type, downtime_minutes, threshold_minutes, start_time, end_time, "
    "reason, created_at FROM sla_breach ORDER BY created_at DESC, id DESC LIMIT ?1 OFFSET ?2";
static const ListingCol sla_cols[] = {
    {"id", COL_INT}, {"service_id", COL_INT}, {"type", COL_TEXT},
    {"downtime_minutes", COL_INT}, {"threshold_minutes", COL_INT}, {"start_time", COL_TEXT},
    {"end_time", COL_TEXT}, {"reason", COL_TEXT}, {"created_at", COL_TEXT},
};
const Listing listing_sla_breaches = {sla_sql, sla_cols, N(sla_cols),
                                      "SELECT count(*) FROM sla_breach"};

static const char audit_sql[] =
    "SELECT id, action, entity, entity_id, timestamp, user_id, coalesce(actor, 'system') "
    "FROM audit_log "
    "ORDER BY timestamp DESC, id DESC LIMIT ?1 OFFSET ?2";
static const ListingCol audit_cols[] = {
    {"id", COL_INT}, {"action", COL_TEXT}, {"entity", COL_TEXT}, {"entity_id", COL_INT},
    {"timestamp", COL_TEXT}, {"user_id", COL_INT}, {"actor", COL_TEXT},
};
const Listing listing_audit = {audit_sql, audit_cols, N(audit_cols),
                               "SELECT count(*) FROM audit_log"};

static const char integrations_sql[] =
    "SELECT id, service_id, type, config, created_by, created_at FROM integration ORDER BY id "
    "LIMIT ?1 OFFSET ?2";
static const ListingCol integrations_cols[] = {
    {"id", COL_INT}, {"service_id", COL_INT}, {"type", COL_TEXT}, {"config", COL_JSON},
    {"created_by", COL_TEXT}, {"created_at", COL_TEXT},
};
const Listing listing_integrations = {integrations_sql, integrations_cols, N(integrations_cols),
                                      "SELECT count(*) FROM integration"};

static const char services_sql[] =
    "SELECT s.id, s.name, s.description, s.created_by, b.id IS NOT NULL, b.criticality, "
    "b.impact, b.rto, b.rpo, coalesce(b.signed_off, 0), st.status, st.last_updated, "
    "s.runbook_url FROM service s LEFT JOIN bia b ON b.service_id = s.id "
    "LEFT JOIN status st ON st.service_id = s.id WHERE ?1 = 0 OR s.id = ?1 ORDER BY s.id "
    "LIMIT ?2 OFFSET ?3";
static const ListingCol services_cols[] = {
    {"id", COL_INT}, {"name", COL_TEXT}, {"description", COL_TEXT}, {"created_by", COL_TEXT},
    {"has_bia", COL_BOOL}, {"criticality", COL_TEXT}, {"impact", COL_TEXT}, {"rto", COL_INT},
    {"rpo", COL_INT}, {"signed_off", COL_BOOL}, {"status", COL_TEXT},
    {"last_updated", COL_TEXT}, {"runbook_url", COL_TEXT},
};
const Listing listing_services = {services_sql, services_cols, N(services_cols),
                                  "SELECT count(*) FROM service WHERE ?1 = 0 OR id = ?1"};

static const char edges_sql[] =
    "SELECT service_id, dependency_id FROM service_dependencies "
    "ORDER BY service_id, dependency_id";
static const ListingCol edges_cols[] = {{"service_id", COL_INT}, {"dependency_id", COL_INT}};
const Listing listing_dependency_edges = {edges_sql, edges_cols, N(edges_cols), NULL};

static const char deps_sql[] =
    "SELECT d.service_id, s.name, d.dependency_id, ds.name, b.criticality, b.impact, b.rto, "
    "b.rpo, st.status FROM service_dependencies d JOIN service s ON s.id = d.service_id "
    "JOIN service ds ON ds.id = d.dependency_id LEFT JOIN bia b ON b.service_id = ds.id "
    "LEFT JOIN status st ON st.service_id = ds.id ORDER BY d.service_id, d.dependency_id";
static const ListingCol deps_cols[] = {
    {"service_id", COL_INT}, {"service_name", COL_TEXT}, {"dep_id", COL_INT},
    {"dep_name", COL_TEXT}, {"criticality", COL_TEXT}, {"impact", COL_TEXT}, {"rto", COL_INT},
    {"rpo", COL_INT}, {"status", COL_TEXT},
};
const Listing listing_dependencies = {deps_sql, deps_cols, N(deps_cols), NULL};

static const char downtimes_sql[] =
    "SELECT start_time, end_time, reason, id FROM downtime WHERE service_id = ?1 "
    "ORDER BY start_time DESC, id DESC";
static const ListingCol downtimes_cols[] = {
    {"start_time", COL_TEXT}, {"end_time", COL_TEXT}, {"reason", COL_TEXT}, {"id", COL_INT},
};
const Listing listing_downtimes = {downtimes_sql, downtimes_cols, N(downtimes_cols), NULL};

static const char downtimes_page_sql[] =
    "SELECT start_time, end_time, reason, id FROM downtime WHERE service_id = ?1 "
    "ORDER BY start_time DESC, id DESC LIMIT ?2 OFFSET ?3";
const Listing listing_downtimes_page = {
    downtimes_page_sql, downtimes_cols, N(downtimes_cols),
    "SELECT count(*) FROM downtime WHERE service_id = ?1",
};
