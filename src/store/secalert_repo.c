/* secalert_repo — see secalert_repo.h. */
#include "store/secalert_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SECALERT_COLS                                                                         \
    "a.seq, a.id, a.source, a.stage, a.severity, a.title, a.route, a.fingerprint, "           \
    "a.incident_id, "                                                                        \
    "CASE WHEN a.normalized IS NULL THEN NULL ELSE json_object('id', a.id, "                  \
    "'original', json(coalesce(a.original, '{}')), 'mappings', json(coalesce(a.mappings, "    \
    "'[]')), 'normalized', json(a.normalized)) END, "                                        \
    "a.reason, (SELECT v.classification FROM sec_verdict v WHERE v.alert_seq = a.seq "       \
    "ORDER BY v.id DESC LIMIT 1), coalesce(a.severity_id, -1), coalesce(a.s0, -1), "          \
    "coalesce(a.s1, -1), coalesce(a.group_of, 0), a.group_count, a.received_at, a.event_at, " \
    "a.triaged_at, a.closed_at"

static void read_alert(sqlite3_stmt *s, SecAlert *a)
{
    memset(a, 0, sizeof *a);
    a->seq = sqlite3_column_int64(s, 0);
    a->id = store_col_strdup(s, 1);
    a->source = store_col_strdup(s, 2);
    a->stage = store_col_strdup(s, 3);
    a->severity = store_col_strdup(s, 4);
    a->title = store_col_strdup(s, 5);
    a->route = store_col_strdup(s, 6);
    a->fingerprint = store_col_strdup(s, 7);
    a->incident_id = store_col_strdup(s, 8);
    a->normalized = store_col_strdup(s, 9);
    a->reason = store_col_strdup(s, 10);
    a->verdict = store_col_strdup(s, 11);
    a->severity_id = sqlite3_column_int(s, 12);
    a->s0 = sqlite3_column_int(s, 13);
    a->s1 = sqlite3_column_int(s, 14);
    a->group_of = sqlite3_column_int64(s, 15);
    a->group_count = sqlite3_column_int(s, 16);
    a->received_at = store_col_time(s, 17);
    a->event_at = store_col_time(s, 18);
    a->triaged_at = store_col_time(s, 19);
    a->closed_at = store_col_time(s, 20);
}

static void free_alert(SecAlert *a)
{
    free(a->id);
    free(a->source);
    free(a->stage);
    free(a->severity);
    free(a->title);
    free(a->route);
    free(a->fingerprint);
    free(a->incident_id);
    free(a->normalized);
    free(a->reason);
    free(a->verdict);
    memset(a, 0, sizeof *a);
}

int64_t secalert_repo_insert(Store *st, const char *id, const char *source,
                             const char *content_type, const void *raw, size_t len,
                             const char *fingerprint, int64_t received_at)
{
    static const char sql[] =
        "INSERT INTO sec_alert (id, source, content_type, raw, received_at, fingerprint) "
        "VALUES (?, ?, ?, ?, ?, ?)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_text(s, 1, id);
    store_bind_text(s, 2, source);
    store_bind_text(s, 3, content_type);
    sqlite3_bind_blob64(s, 4, len ? raw : "", len, SQLITE_STATIC);
    store_bind_time(s, 5, received_at);
    store_bind_text(s, 6, fingerprint && *fingerprint ? fingerprint : NULL);
    int rc = sqlite3_step(s);
    int ext = sqlite3_extended_errcode(store_db(st));
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc == SQLITE_DONE)
        return sqlite3_last_insert_rowid(store_db(st));
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
        return -EEXIST;
    return -EIO;
}

int64_t secalert_repo_seq(Store *st, const char *id)
{
    sqlite3_stmt *s = store_stmt(st, "SELECT seq FROM sec_alert WHERE id = ?");
    if (!s)
        return -EIO;
    store_bind_text(s, 1, id);
    int rc = sqlite3_step(s);
    int64_t seq = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? seq : -EIO;
}

int secalert_repo_get(Store *st, const char *id, int64_t seq, SecAlert *out)
{
    static const char by_id[] = "SELECT " SECALERT_COLS " FROM sec_alert a WHERE a.id = ?";
    static const char by_seq[] = "SELECT " SECALERT_COLS " FROM sec_alert a WHERE a.seq = ?";
    sqlite3_stmt *s = store_stmt(st, id ? by_id : by_seq);
    if (!s)
        return -EIO;
    if (id)
        store_bind_text(s, 1, id);
    else
        sqlite3_bind_int64(s, 1, seq);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read_alert(s, out);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int secalert_repo_raw(Store *st, const char *id, char **raw, size_t *len, char **content_type)
{
    sqlite3_stmt *s = store_stmt(st, "SELECT raw, content_type FROM sec_alert WHERE id = ?");
    if (!s)
        return -EIO;
    store_bind_text(s, 1, id);
    int rc = sqlite3_step(s), found = 0;
    if (rc == SQLITE_ROW) {
        const void *b = sqlite3_column_blob(s, 0);
        size_t n = (size_t)sqlite3_column_bytes(s, 0);
        *raw = malloc(n + 1);
        *content_type = store_col_strdup(s, 1);
        if (!*raw || !*content_type) {
            free(*raw);
            free(*content_type);
            *raw = *content_type = NULL;
            rc = SQLITE_ERROR;
        } else {
            if (n)
                memcpy(*raw, b, n);
            (*raw)[n] = '\0';
            *len = n;
            found = 1;
        }
    }
    sqlite3_reset(s);
    return found ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

/* The filter's WHERE: every ?n NULL means "any". */
#define SECALERT_WHERE                                                          \
    " WHERE (?1 IS NULL OR a.route = ?1) AND (?2 IS NULL OR a.source = ?2) "    \
    "AND (?3 < 0 OR a.severity_id >= ?3) AND (?4 = 0 OR a.closed_at IS NULL) "  \
    "AND (?5 = 0 OR a.group_of IS NULL) "

static void bind_filter(sqlite3_stmt *s, const SecFilter *f)
{
    store_bind_text(s, 1, f && f->route && *f->route ? f->route : NULL);
    store_bind_text(s, 2, f && f->source && *f->source ? f->source : NULL);
    sqlite3_bind_int(s, 3, f ? f->min_severity_id : -1);
    sqlite3_bind_int(s, 4, f ? f->open_only != 0 : 0);
    sqlite3_bind_int(s, 5, f ? f->heads_only != 0 : 0);
}

int secalert_repo_list(Store *st, const SecFilter *f, SecAlert **out, int64_t *total)
{
    static const char sql[] = "SELECT " SECALERT_COLS " FROM sec_alert a" SECALERT_WHERE
                              "ORDER BY a.seq DESC LIMIT ?6 OFFSET ?7";
    static const char count_sql[] = "SELECT count(*) FROM sec_alert a" SECALERT_WHERE;
    *out = NULL;
    if (total) {
        sqlite3_stmt *c = store_stmt(st, count_sql);
        if (!c)
            return -EIO;
        bind_filter(c, f);
        int rc = sqlite3_step(c);
        *total = rc == SQLITE_ROW ? sqlite3_column_int64(c, 0) : 0;
        sqlite3_reset(c);
        if (rc != SQLITE_ROW)
            return -EIO;
    }
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    bind_filter(s, f);
    int64_t limit = f && f->limit > 0 ? f->limit : 100;
    sqlite3_bind_int64(s, 6, limit);
    sqlite3_bind_int64(s, 7, f && f->offset > 0 ? f->offset : 0);
    SecAlert *v = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            int ncap = cap ? cap * 2 : 16;
            SecAlert *nv = realloc(v, (size_t)ncap * sizeof *nv);
            if (!nv) {
                rc = SQLITE_NOMEM;
                break;
            }
            v = nv;
            cap = ncap;
        }
        read_alert(s, &v[n++]);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        for (int i = 0; i < n; i++)
            free_alert(&v[i]);
        free(v);
        return -EIO;
    }
    *out = v;
    return n;
}

int secalert_repo_close_fingerprint(Store *st, const char *fingerprint, int64_t now)
{
    sqlite3_stmt *s = store_stmt(st, "UPDATE sec_alert SET closed_at = ? "
                                     "WHERE fingerprint = ? AND closed_at IS NULL");
    if (!s)
        return -EIO;
    store_bind_time(s, 1, now);
    store_bind_text(s, 2, fingerprint);
    return store_step_changes(st, s);
}

void secalert_repo_pending_free(SecPending *p, int n)
{
    for (int i = 0; p && i < n; i++) {
        free(p[i].content_type);
        free(p[i].raw);
    }
    free(p);
}

int secalert_repo_pending(Store *st, int max, SecPending **out)
{
    static const char sql[] = "SELECT seq, id, source, content_type, raw, received_at "
                              "FROM sec_alert WHERE stage = 'received' ORDER BY seq LIMIT ?";
    *out = NULL;
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int(s, 1, max > 0 ? max : 1);
    SecPending *v = calloc((size_t)(max > 0 ? max : 1), sizeof *v);
    if (!v) {
        sqlite3_reset(s);
        return -EIO;
    }
    int n = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        SecPending *p = &v[n++];
        p->seq = sqlite3_column_int64(s, 0);
        store_col_copy(s, 1, p->id, sizeof p->id);
        store_col_copy(s, 2, p->source, sizeof p->source);
        p->content_type = store_col_strdup(s, 3);
        size_t len = (size_t)sqlite3_column_bytes(s, 4);
        const void *b = sqlite3_column_blob(s, 4);
        p->raw = malloc(len + 1);
        if (!p->raw) {
            rc = SQLITE_NOMEM;
            break;
        }
        if (len)
            memcpy(p->raw, b, len);
        p->raw[len] = '\0';
        p->len = len;
        p->received_at = store_col_time(s, 5);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        secalert_repo_pending_free(v, n);
        return -EIO;
    }
    if (n == 0) {
        free(v);
        v = NULL;
    }
    *out = v;
    return n;
}

int64_t secalert_repo_backlog(Store *st)
{
    sqlite3_stmt *s = store_stmt(st, "SELECT count(*) FROM sec_alert WHERE stage = 'received'");
    if (!s)
        return -EIO;
    int rc = sqlite3_step(s);
    int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -EIO;
    sqlite3_reset(s);
    return n;
}

int secalert_repo_set_normalized(Store *st, int64_t seq, const char *original,
                                 const char *mappings, const char *normalized,
                                 const char *severity, int severity_id, const char *title,
                                 int64_t event_at, int64_t now)
{
    static const char sql[] =
        "UPDATE sec_alert SET stage = 'normalized', error = NULL, original = ?, mappings = ?, "
        "normalized = ?, normalized_at = ?, severity = ?, severity_id = ?, title = ?, "
        "event_at = ? WHERE seq = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    store_bind_text(s, 1, original);
    store_bind_text(s, 2, mappings);
    store_bind_text(s, 3, normalized);
    store_bind_time(s, 4, now);
    store_bind_text(s, 5, severity);
    sqlite3_bind_int(s, 6, severity_id);
    store_bind_text(s, 7, title);
    store_bind_time(s, 8, event_at);
    sqlite3_bind_int64(s, 9, seq);
    return store_step_done(s);
}

int secalert_repo_set_failed(Store *st, int64_t seq, const char *error)
{
    sqlite3_stmt *s =
        store_stmt(st, "UPDATE sec_alert SET stage = 'failed', error = ? WHERE seq = ?");
    if (!s)
        return -EIO;
    store_bind_text(s, 1, error);
    sqlite3_bind_int64(s, 2, seq);
    return store_step_done(s);
}

int secalert_repo_requeue(Store *st, const char *id)
{
    sqlite3_stmt *s = store_stmt(st, "UPDATE sec_alert SET stage = 'received' WHERE id = ?");
    if (!s)
        return -EIO;
    store_bind_text(s, 1, id);
    int n = store_step_changes(st, s);
    return n < 0 ? -EIO : n > 0;
}

int secalert_repo_set_triage(Store *st, int64_t seq, int s0, const char *route, int s1,
                             const char *reason, int64_t group_of, int64_t now)
{
    static const char sql[] =
        "UPDATE sec_alert SET stage = 'triaged', s0 = ?, route = ?, s1 = ?, reason = ?, "
        "group_of = ?, triaged_at = ? WHERE seq = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int(s, 1, s0);
    store_bind_text(s, 2, route);
    sqlite3_bind_int(s, 3, s1);
    store_bind_text(s, 4, reason);
    if (group_of > 0)
        sqlite3_bind_int64(s, 5, group_of);
    else
        sqlite3_bind_null(s, 5);
    store_bind_time(s, 6, now);
    sqlite3_bind_int64(s, 7, seq);
    return store_step_done(s);
}

int secalert_repo_group_add(Store *st, int64_t head_seq)
{
    sqlite3_stmt *s =
        store_stmt(st, "UPDATE sec_alert SET group_count = group_count + 1 WHERE seq = ?");
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, head_seq);
    return store_step_done(s);
}

int secalert_repo_group_leave(Store *st, int64_t seq)
{
    static const char sql[] =
        "UPDATE sec_alert SET group_count = max(group_count - 1, 0) "
        "WHERE seq = (SELECT group_of FROM sec_alert WHERE seq = ?)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, seq);
    if (store_step_done(s) < 0)
        return -EIO;
    s = store_stmt(st, "UPDATE sec_alert SET group_of = NULL WHERE seq = ?");
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, seq);
    return store_step_done(s);
}

int secalert_repo_neighbour(Store *st, int64_t seq, SecNeighbour *out)
{
    static const char sql[] =
        "SELECT a.seq, a.received_at, coalesce(a.group_of, 0), a.id, v.classification, "
        "v.confidence FROM sec_alert a LEFT JOIN sec_verdict v ON v.id = "
        "(SELECT max(id) FROM sec_verdict WHERE alert_seq = a.seq) WHERE a.seq = ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, seq);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        out->seq = sqlite3_column_int64(s, 0);
        out->received_at = store_col_time(s, 1);
        out->group_of = sqlite3_column_int64(s, 2);
        store_col_copy(s, 3, out->id, sizeof out->id);
        store_col_copy(s, 4, out->verdict, sizeof out->verdict);
        out->confidence = sqlite3_column_double(s, 5);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int64_t secalert_repo_verdict_add(Store *st, int64_t seq, const char *classification,
                                  double confidence, const char *notes, const char *actor,
                                  int64_t now)
{
    static const char sql[] =
        "INSERT INTO sec_verdict (alert_seq, classification, confidence, notes, actor, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?)";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, seq);
    store_bind_text(s, 2, classification);
    sqlite3_bind_double(s, 3, confidence);
    store_bind_text(s, 4, notes);
    store_bind_text(s, 5, actor);
    store_bind_time(s, 6, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? sqlite3_last_insert_rowid(store_db(st)) : -EIO;
}

int secalert_repo_verdicts(Store *st, int64_t seq, SecVerdict **out)
{
    static const char sql[] = "SELECT id, classification, confidence, notes, actor, created_at "
                              "FROM sec_verdict WHERE alert_seq = ? ORDER BY id";
    *out = NULL;
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, seq);
    SecVerdict *v = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            int ncap = cap ? cap * 2 : 8;
            SecVerdict *nv = realloc(v, (size_t)ncap * sizeof *nv);
            if (!nv) {
                rc = SQLITE_NOMEM;
                break;
            }
            v = nv;
            cap = ncap;
        }
        SecVerdict *r = &v[n++];
        memset(r, 0, sizeof *r);
        r->id = sqlite3_column_int64(s, 0);
        store_col_copy(s, 1, r->classification, sizeof r->classification);
        r->confidence = sqlite3_column_double(s, 2);
        r->notes = store_col_strdup(s, 3);
        r->actor = store_col_strdup(s, 4);
        r->created_at = store_col_time(s, 5);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        for (int i = 0; i < n; i++) {
            free(v[i].notes);
            free(v[i].actor);
        }
        free(v);
        return -EIO;
    }
    *out = v;
    return n;
}

int secalert_repo_config_get(Store *st, const char *key, char *buf, size_t size)
{
    sqlite3_stmt *s = store_stmt(st, "SELECT value FROM config WHERE key = ?");
    if (!s)
        return -EIO;
    store_bind_text(s, 1, key);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        store_col_copy(s, 0, buf, size);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int secalert_repo_config_set(Store *st, const char *key, const char *value)
{
    sqlite3_stmt *s = store_stmt(st, "INSERT INTO config (key, value) VALUES (?, ?) "
                                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    if (!s)
        return -EIO;
    store_bind_text(s, 1, key);
    store_bind_text(s, 2, value);
    return store_step_done(s);
}
