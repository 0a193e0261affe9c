/* service_repo — see service_repo.h. The bulk load is what keeps an engine
 * cycle linear: four scans instead of per-service queries. */
#include "store/service_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int64_t service_repo_insert(Store *st, const char *name, const char *description,
                            const char *created_by)
{
    return service_repo_insert_at(st, name, description, created_by, util_now());
}

int64_t service_repo_insert_at(Store *st, const char *name, const char *description,
                               const char *created_by, int64_t now)
{
    static const char sql[] = "INSERT INTO service (name, description, created_by, created_at) "
                              "VALUES (?, ?, ?, ?)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_text(s, 1, name);
    store_bind_text(s, 2, description);
    store_bind_text(s, 3, created_by);
    store_bind_time(s, 4, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_CONSTRAINT_UNIQUE)
        return -EEXIST;
    return rc == SQLITE_DONE ? sqlite3_last_insert_rowid(store_db(st)) : -EIO;
}

int service_repo_set_created_at(Store *st, int64_t id, int64_t created_at)
{
    static const char sql[] = "UPDATE service SET created_at = ? WHERE id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_time(s, 1, created_at);
    sqlite3_bind_int64(s, 2, id);
    return store_step_changes(st, s);
}

int service_repo_created_at(Store *st, int64_t id, int64_t *out)
{
    static const char sql[] = "SELECT created_at FROM service WHERE id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    int r = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
    if (r == 1)
        *out = store_col_time(s, 0);
    sqlite3_reset(s);
    return r;
}

int service_repo_update(Store *st, int64_t id, const char *name, const char *description)
{
    static const char sql[] = "UPDATE service SET name = coalesce(?, name), "
                              "description = coalesce(?, description) WHERE id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_text(s, 1, name);
    store_bind_text(s, 2, description);
    sqlite3_bind_int64(s, 3, id);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_CONSTRAINT_UNIQUE)
        return -EEXIST;
    return rc == SQLITE_DONE ? sqlite3_changes(store_db(st)) : -EIO;
}

int service_repo_delete(Store *st, int64_t id)
{
    static const char sql[] = "DELETE FROM service WHERE id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, id);
    return store_step_changes(st, s);
}

int service_repo_exists(Store *st, int64_t id)
{
    static const char sql[] = "SELECT 1 FROM service WHERE id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int64_t service_repo_find_by_name(Store *st, const char *name)
{
    /* names are unique compared this way (0006's service_name_unique) */
    static const char sql[] = "SELECT id FROM service WHERE trim(name) = trim(?) COLLATE NOCASE "
                              "ORDER BY id LIMIT 1";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : rc == SQLITE_DONE ? 0 : -EIO;
    sqlite3_reset(s);
    return id;
}

int64_t service_repo_count(Store *st)
{
    static const char sql[] = "SELECT count(*) FROM service";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -EIO;
    sqlite3_reset(s);
    return n;
}




/* ---- bulk load ---- */

static char *dup_col(sqlite3_stmt *s, int col)
{
    return store_col_strdup(s, col);
}

#define LOAD_COLUMNS                                                                         \
    "SELECT s.id, s.name, b.id IS NOT NULL, b.criticality, b.impact, b.rto, b.rpo, "          \
    "st.status, st.last_updated, st.last_heartbeat, rc.service_id IS NOT NULL, "             \
    "rc.risk_score, rc.is_critical, rc.risk_level, rc.reason, p.service_id IS NOT NULL, "    \
    "s.description "                                                                         \
    "FROM service s LEFT JOIN bia b ON b.service_id = s.id "                                 \
    "LEFT JOIN status st ON st.service_id = s.id "                                           \
    "LEFT JOIN risk_current rc ON rc.service_id = s.id "                                     \
    "LEFT JOIN probe p ON p.service_id = s.id "

static int load(Store *st, const char *sql, const char *deps_sql, int64_t id, ServiceSet *out);

int service_repo_load_all(Store *st, ServiceSet *out)
{
    return load(st, LOAD_COLUMNS "ORDER BY s.id",
                "SELECT service_id, dependency_id FROM service_dependencies ORDER BY service_id",
                0, out);
}

int service_repo_load_one(Store *st, int64_t id, ServiceSet *out)
{
    return load(st,
                LOAD_COLUMNS "WHERE s.id = ?1 OR s.id IN (SELECT dependency_id FROM "
                "service_dependencies WHERE service_id = ?1) ORDER BY s.id",
                "SELECT service_id, dependency_id FROM service_dependencies WHERE service_id = ?1 "
                "ORDER BY dependency_id",
                id, out);
}

/* Rows of sql and edges of deps_sql, both bound to id when it is not 0. */
static int load(Store *st, const char *sql, const char *deps_sql, int64_t id, ServiceSet *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    if (id)
        sqlite3_bind_int64(s, 1, id);
    int cap = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 256;
            out->rows = xrealloc(out->rows, (size_t)cap * sizeof *out->rows);
        }
        ServiceLoadRow *r = &out->rows[out->n++];
        memset(r, 0, sizeof *r);
        r->id = sqlite3_column_int64(s, 0);
        r->name = dup_col(s, 1);
        r->has_bia = sqlite3_column_int(s, 2);
        r->criticality = dup_col(s, 3);
        r->impact = dup_col(s, 4);
        r->has_rto = sqlite3_column_type(s, 5) != SQLITE_NULL;
        r->rto = sqlite3_column_int(s, 5);
        r->has_rpo = sqlite3_column_type(s, 6) != SQLITE_NULL;
        r->rpo = sqlite3_column_int(s, 6);
        r->status = dup_col(s, 7);
        r->last_updated = store_col_time(s, 8);
        r->last_heartbeat = store_col_time(s, 9);
        r->has_risk = sqlite3_column_int(s, 10);
        r->risk_score = sqlite3_column_int(s, 11);
        r->risk_critical = sqlite3_column_int(s, 12);
        r->risk_level = dup_col(s, 13);
        r->risk_reason = dup_col(s, 14);
        r->has_probe = sqlite3_column_int(s, 15);
        r->description = dup_col(s, 16);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        goto fail;

    s = store_stmt(st, deps_sql);
    if (!s)
        goto fail;
    if (id)
        sqlite3_bind_int64(s, 1, id);
    cap = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (out->ndeps == cap) {
            cap = cap ? cap * 2 : 256;
            out->dep_from = xrealloc(out->dep_from, (size_t)cap * sizeof *out->dep_from);
            out->dep_to = xrealloc(out->dep_to, (size_t)cap * sizeof *out->dep_to);
        }
        out->dep_from[out->ndeps] = sqlite3_column_int64(s, 0);
        out->dep_to[out->ndeps++] = sqlite3_column_int64(s, 1);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        goto fail;
    return 0;
fail:
    service_set_free(out);
    return -EIO;
}

void service_set_free(ServiceSet *set)
{
    for (int i = 0; i < set->n; i++) {
        ServiceLoadRow *r = &set->rows[i];
        free(r->name);
        free(r->description);
        free(r->criticality);
        free(r->impact);
        free(r->status);
        free(r->risk_level);
        free(r->risk_reason);
    }
    free(set->rows);
    free(set->dep_from);
    free(set->dep_to);
    memset(set, 0, sizeof *set);
}

int service_set_find(const ServiceSet *set, int64_t id)
{
    int lo = 0, hi = set->n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (set->rows[mid].id == id)
            return mid;
        if (set->rows[mid].id < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

int service_repo_name(Store *st, int64_t id, char *buf, size_t size)
{
    static const char sql[] = "SELECT name FROM service WHERE id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(s, 0);
        size_t n = strlcpy_(buf, t ? t : "", size);
        if (n >= size && size) {    /* cut whole characters only, never a UTF-8 sequence */
            size_t k = size - 1;
            while (k > 0 && ((unsigned char)buf[k] & 0xC0) == 0x80)
                k--;
            buf[k] = '\0';
        }
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}


int service_repo_set_description(Store *st, int64_t id, const char *description)
{
    static const char sql[] = "UPDATE service SET description = ? WHERE id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_text(s, 1, description);
    sqlite3_bind_int64(s, 2, id);
    return store_step_changes(st, s);
}

int service_repo_integration_count(Store *st, int64_t id)
{
    static const char sql[] = "SELECT count(*) FROM integration WHERE service_id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    int n = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : -EIO;
    sqlite3_reset(s);
    return n;
}
