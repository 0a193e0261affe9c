/* incident_audit_repo — see incident_audit_repo.h. */
#include "store/incident_audit_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>


int incident_audit_repo_add(Store *st, const char *incident_id, const char *action,
                            const char *actor, const double *confidence,
                            const char *details_json, int success, const char *error_message,
                            int64_t now, char *out_id)
{
    static const char sql[] =
        "INSERT INTO incident_audit (audit_id, incident_id, action, timestamp, actor, "
        "confidence_score, details, success, error_message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    char id[37];
    util_uuid4(id);
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, incident_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, action, -1, SQLITE_STATIC);
    store_bind_time(s, 4, now);
    sqlite3_bind_text(s, 5, actor && *actor ? actor : "system", -1, SQLITE_STATIC);
    if (confidence)
        sqlite3_bind_double(s, 6, *confidence);
    else
        sqlite3_bind_null(s, 6);
    sqlite3_bind_text(s, 7, details_json ? details_json : "{}", -1, SQLITE_STATIC);
    if (success >= 0)
        sqlite3_bind_int(s, 8, success ? 1 : 0);
    else
        sqlite3_bind_null(s, 8);
    store_bind_text(s, 9, error_message);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return -EIO;
    if (out_id)
        memcpy(out_id, id, sizeof id);
    return 0;
}

int incident_audit_repo_list(Store *st, const char *incident_id, const char *action,
                             IncidentAuditRow *out, int max, int offset)
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
    sqlite3_bind_int(s, 3, max);
    sqlite3_bind_int(s, 4, offset > 0 ? offset : 0);
    int n = 0, rc = SQLITE_DONE;
    while (n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        IncidentAuditRow *r = &out[n++];
        store_col_copy(s, 0, r->audit_id, sizeof r->audit_id);
        store_col_copy(s, 1, r->incident_id, sizeof r->incident_id);
        store_col_copy(s, 2, r->action, sizeof r->action);
        r->timestamp = store_col_time(s, 3);
        store_col_copy(s, 4, r->actor, sizeof r->actor);
        r->has_confidence = sqlite3_column_type(s, 5) != SQLITE_NULL;
        r->confidence = sqlite3_column_double(s, 5);
        store_col_copy(s, 6, r->details, sizeof r->details);
        r->success = sqlite3_column_type(s, 7) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 7);
        store_col_copy(s, 8, r->error_message, sizeof r->error_message);
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? n : -EIO;
}

int incident_audit_repo_is_demo(Store *st)
{
    static const char sql[] =
        "SELECT 1 FROM incident_audit WHERE incident_id = 'SYSTEM' AND action = 'config_updated' "
        "AND CASE WHEN json_valid(details) THEN json_extract(details, '$.demo') END = 1 LIMIT 1";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}
