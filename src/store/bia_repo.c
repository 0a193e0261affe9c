/* bia_repo — see bia_repo.h. */
#include "store/bia_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>

int bia_repo_upsert(Store *st, int64_t service_id, const BiaFields *b)
{
    static const char sql[] =
        "INSERT INTO bia (service_id, criticality, impact, rto, rpo, signed_off) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(service_id) DO UPDATE SET "
        "criticality = ?2, impact = ?3, rto = ?4, rpo = ?5, signed_off = ?6";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    store_bind_text(s, 2, b->criticality);
    store_bind_text(s, 3, b->impact);
    if (b->has_rto)
        sqlite3_bind_int(s, 4, b->rto);
    if (b->has_rpo)
        sqlite3_bind_int(s, 5, b->rpo);
    sqlite3_bind_int(s, 6, b->signed_off ? 1 : 0);
    return store_step_changes(st, s) < 0 ? -EIO : 0;
}

int bia_repo_delete(Store *st, int64_t service_id)
{
    static const char sql[] = "DELETE FROM bia WHERE service_id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    return store_step_changes(st, s);
}

int bia_repo_get(Store *st, int64_t service_id, BiaRow *out)
{
    static const char sql[] =
        "SELECT criticality, impact, rto, rpo, signed_off FROM bia WHERE service_id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(s, 0);
        out->has_criticality = t != NULL;
        strlcpy_(out->criticality, t ? t : "", sizeof out->criticality);
        t = (const char *)sqlite3_column_text(s, 1);
        out->has_impact = t != NULL;
        strlcpy_(out->impact, t ? t : "", sizeof out->impact);
        out->has_rto = sqlite3_column_type(s, 2) != SQLITE_NULL;
        out->rto = sqlite3_column_int(s, 2);
        out->has_rpo = sqlite3_column_type(s, 3) != SQLITE_NULL;
        out->rpo = sqlite3_column_int(s, 3);
        out->signed_off = sqlite3_column_int(s, 4);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}
