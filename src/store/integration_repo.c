/* integration_repo — see integration_repo.h. */
#include "store/integration_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>

int64_t integration_repo_insert(Store *st, int64_t service_id, const char *type,
                                const char *config_json, const char *created_by, int64_t now)
{
    static const char sql[] = "INSERT INTO integration (service_id, type, config, created_by, "
                              "created_at) VALUES (?, ?, ?, ?, ?)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    store_bind_text(s, 2, type);
    store_bind_text(s, 3, config_json);
    store_bind_text(s, 4, created_by);
    store_bind_time(s, 5, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? sqlite3_last_insert_rowid(store_db(st)) : -EIO;
}

int integration_repo_counts(Store *st, int64_t **out_ids, int **out_counts)
{
    static const char sql[] = "SELECT service_id, count(*) FROM integration GROUP BY service_id "
                              "ORDER BY service_id";
    sqlite3_stmt *s = store_stmt(st, sql);
    *out_ids = NULL;
    *out_counts = NULL;
    if (!s)
        return -EIO;
    int n = 0, cap = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            *out_ids = xrealloc(*out_ids, (size_t)cap * sizeof **out_ids);
            *out_counts = xrealloc(*out_counts, (size_t)cap * sizeof **out_counts);
        }
        (*out_ids)[n] = sqlite3_column_int64(s, 0);
        (*out_counts)[n++] = sqlite3_column_int(s, 1);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        free(*out_ids);
        free(*out_counts);
        *out_ids = NULL;
        *out_counts = NULL;
        return -EIO;
    }
    return n;
}
