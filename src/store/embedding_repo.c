/* embedding_repo — see embedding_repo.h. Vectors are the float array's
 * bytes: little-endian on the hosts resops builds for (checked below). */
#include "store/embedding_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "sec_embedding stores little-endian float32: add a byte swap here");

int embedding_repo_put(Store *st, int64_t seq, const float *v, int dim, const char *encoder,
                       const char *meta, int64_t now)
{
    static const char sql[] =
        "INSERT INTO sec_embedding (alert_seq, dimension, vector, encoder, meta, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(alert_seq) DO UPDATE SET "
        "dimension = excluded.dimension, vector = excluded.vector, encoder = excluded.encoder, "
        "meta = excluded.meta, created_at = excluded.created_at";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, seq);
    sqlite3_bind_int(s, 2, dim);
    sqlite3_bind_blob(s, 3, v, dim * (int)sizeof *v, SQLITE_STATIC);
    store_bind_text(s, 4, encoder ? encoder : "");
    store_bind_text(s, 5, meta);
    store_bind_time(s, 6, now);
    return store_step_done(s);
}

/* fn(seq, vector) for each (alert_seq, vector) row of a bound statement
 * whose vector has dim floats; the statement is reset. The count, or
 * -EIO. */
static int64_t each_vector(sqlite3_stmt *s, int dim, EmbeddingFn fn, void *arg)
{
    size_t bytes = (size_t)dim * sizeof(float);
    float *v = xmalloc(bytes);
    int64_t n = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if ((size_t)sqlite3_column_bytes(s, 1) != bytes)
            continue;
        memcpy(v, sqlite3_column_blob(s, 1), bytes);
        fn(sqlite3_column_int64(s, 0), v, arg);
        n++;
    }
    sqlite3_reset(s);
    free(v);
    return rc == SQLITE_DONE ? n : -EIO;
}

int64_t embedding_repo_each(Store *st, int dim, int64_t limit, EmbeddingFn fn, void *arg,
                            int64_t *skipped)
{
    static const char sql[] =
        "SELECT alert_seq, vector FROM sec_embedding WHERE dimension = ? ORDER BY alert_seq "
        "LIMIT ?";
    static const char sql_other[] = "SELECT count(*) FROM sec_embedding WHERE dimension <> ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int(s, 1, dim);
    sqlite3_bind_int64(s, 2, limit > 0 ? limit : -1);
    int64_t n = each_vector(s, dim, fn, arg);
    if (n < 0)
        return n;
    if (skipped) {
        sqlite3_stmt *o = store_stmt(st, sql_other);
        if (!o)
            return -EIO;
        sqlite3_bind_int(o, 1, dim);
        *skipped = sqlite3_step(o) == SQLITE_ROW ? sqlite3_column_int64(o, 0) : 0;
        sqlite3_reset(o);
    }
    return n;
}

int64_t embedding_repo_each_after(Store *st, int dim, int64_t after, EmbeddingFn fn, void *arg)
{
    static const char sql[] =
        "SELECT alert_seq, vector FROM sec_embedding WHERE alert_seq > ? AND dimension = ? "
        "ORDER BY alert_seq";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, after);
    sqlite3_bind_int(s, 2, dim);
    return each_vector(s, dim, fn, arg);
}

int64_t embedding_repo_max_seq(Store *st)
{
    static const char sql[] = "SELECT coalesce(max(alert_seq), 0) FROM sec_embedding";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    int rc = sqlite3_step(s);
    int64_t m = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -EIO;
    sqlite3_reset(s);
    return m;
}

int embedding_repo_get(Store *st, int64_t seq, float *out, int dim)
{
    static const char sql[] =
        "SELECT vector FROM sec_embedding WHERE alert_seq = ? AND dimension = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, seq);
    sqlite3_bind_int(s, 2, dim);
    int rc = sqlite3_step(s);
    int found = 0;
    if (rc == SQLITE_ROW && (size_t)sqlite3_column_bytes(s, 0) == (size_t)dim * sizeof *out) {
        memcpy(out, sqlite3_column_blob(s, 0), (size_t)dim * sizeof *out);
        found = 1;
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? found : -EIO;
}

int embedding_repo_from_model(Store *st, int64_t seq, const char *builtin)
{
    static const char sql[] =
        "SELECT count(*) FROM sec_embedding WHERE alert_seq = ? AND encoder <> ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, seq);
    store_bind_text(s, 2, builtin);
    int rc = sqlite3_step(s);
    int n = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? n > 0 : -EIO;
}

int64_t embedding_repo_created(Store *st, int64_t seq)
{
    static const char sql[] = "SELECT created_at FROM sec_embedding WHERE alert_seq = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, seq);
    int rc = sqlite3_step(s);
    int64_t t = rc == SQLITE_ROW ? store_col_time(s, 0) : 0;
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? t : -EIO;
}

int64_t embedding_repo_alert_seq(Store *st, const char *id)
{
    static const char sql[] = "SELECT seq FROM sec_alert WHERE id = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_text(s, 1, id);
    int rc = sqlite3_step(s);
    int64_t seq = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? seq : -EIO;
}

int embedding_repo_alert_ref(Store *st, int64_t seq, char *id, size_t idsz, char *alpha,
                             size_t alphasz)
{
    static const char sql[] =
        "SELECT a.id, coalesce(g.id, a.id) FROM sec_alert a "
        "LEFT JOIN sec_alert g ON g.seq = a.group_of WHERE a.seq = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, seq);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        store_col_copy(s, 0, id, idsz);
        store_col_copy(s, 1, alpha, alphasz);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}
