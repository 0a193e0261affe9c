/* audit_repo — inserts and newest-first reads of audit_log.
 *
 * The actor is resolved inside the INSERT (explicit name, else the
 * user's name, else "system"), so one statement serves every caller. A
 * connection with a session actor has a TEMP trigger that replaces
 * "system" on the rows it inserts with user_id 0 by that name: the engine
 * and the API never see it. */
#include "store/audit_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>
#include <string.h>

static int add(Store *st, const char *action, const char *entity, int64_t entity_id,
               int64_t user_id, const char *actor, int64_t alert_id, const char *detail,
               int64_t now)
{
    static const char sql[] =
        "INSERT INTO audit_log (action, entity, entity_id, timestamp, user_id, detail, actor, "
        "alert_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, coalesce(?7, "
        "CASE WHEN ?5 > 0 THEN coalesce((SELECT username FROM user WHERE id = ?5), '#' || ?5) "
        "END, '" AUDIT_SYSTEM_ACTOR "'), ?8)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, entity, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, entity_id);
    store_bind_time(s, 4, now);
    sqlite3_bind_int64(s, 5, user_id);
    store_bind_text(s, 6, detail);
    if ((!actor || !*actor || strcmp(actor, AUDIT_SYSTEM_ACTOR) == 0) && user_id <= 0 &&
        store_actor(st))
        actor = store_actor(st);        /* the connection's writer (the console) */
    store_bind_text(s, 7, actor && *actor ? actor : NULL);
    if (alert_id > 0)
        sqlite3_bind_int64(s, 8, alert_id);
    else
        sqlite3_bind_null(s, 8);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

int audit_repo_add(Store *st, const char *action, const char *entity, int64_t entity_id,
                   int64_t user_id, const char *detail, int64_t now)
{
    return add(st, action, entity, entity_id, user_id, NULL, 0, detail, now);
}

int audit_repo_add_as(Store *st, const char *action, const char *entity, int64_t entity_id,
                      int64_t user_id, const char *actor, const char *detail, int64_t now)
{
    return add(st, action, entity, entity_id, user_id, actor, 0, detail, now);
}

int audit_repo_add_alert(Store *st, const char *action, int64_t alert_id, int64_t service_id,
                         int64_t user_id, const char *actor, const char *detail, int64_t now)
{
    return add(st, action, "Alert", service_id, user_id, actor, alert_id, detail, now);
}

int audit_repo_set_session_actor(Store *st, const char *actor)
{
    store_set_actor(st, actor);
    return 0;
}

int audit_repo_list(Store *st, const char *filter, AuditRow *out, int max)
{
    static const char sql[] =
        "SELECT id, action, entity, entity_id, timestamp, user_id, detail, "
        "coalesce(actor, '" AUDIT_SYSTEM_ACTOR "'), coalesce(alert_id, 0) FROM audit_log "
        "WHERE ?1 IS NULL OR instr(lower(action), lower(?1)) OR instr(lower(entity), lower(?1)) "
        "OR instr(lower(coalesce(detail, '')), lower(?1)) "
        "OR instr(lower(coalesce(actor, '')), lower(?1)) "
        "ORDER BY timestamp DESC, id DESC LIMIT ?2";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_text(s, 1, filter && *filter ? filter : NULL);
    sqlite3_bind_int(s, 2, max);
    int n = 0, rc;
    while (n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        AuditRow *r = &out[n++];
        r->id = sqlite3_column_int64(s, 0);
        store_col_copy(s, 1, r->action, sizeof r->action);
        store_col_copy(s, 2, r->entity, sizeof r->entity);
        r->entity_id = sqlite3_column_int64(s, 3);
        r->timestamp = store_col_time(s, 4);
        r->user_id = sqlite3_column_int64(s, 5);
        store_col_copy(s, 6, r->detail, sizeof r->detail);
        store_col_copy(s, 7, r->actor, sizeof r->actor);
        r->alert_id = sqlite3_column_int64(s, 8);
    }
    sqlite3_reset(s);
    return n;
}

int64_t audit_repo_count(Store *st, const char *action, int64_t entity_id)
{
    static const char sql[] = "SELECT count(*) FROM audit_log WHERE action = ? AND entity_id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, action, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, entity_id);
    int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -EIO;
    sqlite3_reset(s);
    return n;
}
