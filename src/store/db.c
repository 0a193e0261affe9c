/* db — connection set-up, migrations and the statement cache.
 *
 * The statement cache is keyed by the address of the SQL string: every
 * repository passes a static const string, so pointer equality is identity
 * and no hashing of SQL text is needed. It is a small open array grown on
 * demand; there are a few dozen statements in all.
 */
#include "store/db.h"
#include "store/migrations.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct CachedStmt {
    const char   *sql;
    sqlite3_stmt *stmt;
} CachedStmt;

struct Store {
    sqlite3    *db;
    char       *path;
    CachedStmt *cache;
    int         ncache, capcache;
    int         txn_depth;
    char       *actor;          /* who writes through this connection, or NULL */
    int         wrote;          /* a commit since the last durable answer (issue 13) */
    sqlite3_int64 changes_seen; /* sqlite3_total_changes64 at the last durable answer */
    int         forced;         /* store_note_wrote: sync whatever the count says */
    void       *group;          /* groupcommit.c's Group of this path, once looked up */
};

/* sqlite3_commit_hook: a write transaction (or a single writing
 * statement) is committing on this connection. Its answer must wait for
 * the WAL to reach the disk (store_sync_answer, groupcommit.c). */
static int note_commit(void *arg)
{
    ((Store *)arg)->wrote = 1;
    return 0;                          /* 0: let the commit go on */
}

static int refuse_newer(Store *st, int version, char *err, size_t errsz)
{
    snprintf(err, errsz,
             "%s: database schema version %d is newer than this resops "
             "understands (%d); upgrade resops or use another database",
             st->path, version, store_migration_count);
    return -EPROTO;
}

/* PRAGMA user_version, or -1 when it cannot be read (not a database, I/O
 * error): the caller's next statement reports that failure. */
static int schema_version(Store *st)
{
    sqlite3_stmt *s;
    int version = -1;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(s) == SQLITE_ROW)
        version = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return version;
}

/* PRAGMA foreign_key_check inside a migration: 1 with *msg (sqlite3
 * allocated) naming the first row whose parent is missing, 0 none. */
static int foreign_keys_broken(Store *st, char **msg)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "PRAGMA foreign_key_check", -1, &s, NULL) != SQLITE_OK) {
        *msg = sqlite3_mprintf("foreign_key_check: %s", sqlite3_errmsg(st->db));
        return 1;
    }
    int broken = 0;
    if (sqlite3_step(s) == SQLITE_ROW) {
        broken = 1;
        *msg = sqlite3_mprintf("foreign key check: %s row %lld has no parent in %s",
                               (const char *)sqlite3_column_text(s, 0),
                               (long long)sqlite3_column_int64(s, 1),
                               (const char *)sqlite3_column_text(s, 2));
    }
    sqlite3_finalize(s);
    return broken;
}

static int migrate(Store *st, char *err, size_t errsz)
{
    sqlite3_stmt *s;
    int version = 0;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
        goto fail;
    if (sqlite3_step(s) == SQLITE_ROW)
        version = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);

    if (version > store_migration_count)
        return refuse_newer(st, version, err, errsz);
    if (version == store_migration_count)
        return 0;
    /* A migration may rebuild a table (SQLite's 12-step ALTER, 0006): with
     * foreign keys on, its DROP TABLE would cascade into the child tables.
     * The pragma is a no-op inside a transaction, so it goes off around
     * the migrations, and each one proves its keys before it commits. */
    if (sqlite3_exec(st->db, "PRAGMA foreign_keys=OFF", NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    int r = 0;
    for (int v = version; v < store_migration_count && r == 0; v++) {
        char *msg = NULL;
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
        if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(st->db, store_migrations[v], NULL, NULL, &msg) != SQLITE_OK ||
            foreign_keys_broken(st, &msg) ||
            sqlite3_exec(st->db, pragma, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(st->db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
            snprintf(err, errsz, "%s: migration %04d failed: %s", st->path, v + 1,
                     msg ? msg : sqlite3_errmsg(st->db));
            sqlite3_free(msg);
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            r = -EIO;
            break;
        }
        log_info("store: migrated %s to schema version %d", st->path, v + 1);
    }
    if (sqlite3_exec(st->db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL) != SQLITE_OK && r == 0)
        goto fail;
    return r;
fail:
    snprintf(err, errsz, "%s: %s", st->path, sqlite3_errmsg(st->db));
    return -EIO;
}

/* SQLite creates a database with mode 0644 less the umask, and its -wal
 * and -shm files copy the database's mode. A team's database lives in a
 * group directory (umask 007, setgid): consoles of the group must be able
 * to write it (N3). So a new database is made here first, with 0666 less
 * the umask, the way open(2) and every other tool do it. An empty file is
 * an empty SQLite database. 0, or -errno with err. */
static int create_new(const char *path, char *err, size_t errsz)
{
    if (strncmp(path, "file:", 5) == 0 || strcmp(path, ":memory:") == 0 || !*path)
        return 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    if (errno == EEXIST)
        return 0;
    int e = errno;
    snprintf(err, errsz, "cannot open database %s: %s", path, strerror(e));
    return e == EACCES ? -EACCES : e == ENOENT ? -ENOENT : -EIO;
}

/* One cap on SQLite's heap for the whole process (issue 13, soak): each
 * of the ~70 connections (64 listener workers, the engine, the pipeline,
 * ...) fills its own page cache (2 MB, the engine's 32 MB) as the database
 * grows, so RSS climbed for the whole of a 10-minute soak. Above the soft
 * limit SQLite reuses page-cache memory instead of allocating more; the
 * pages stay in the OS page cache. */
#define STORE_SOFT_HEAP_BYTES ((sqlite3_int64)96 * 1024 * 1024)

static void set_heap_limit(void)
{
    sqlite3_soft_heap_limit64(STORE_SOFT_HEAP_BYTES);
}

int store_open(const char *path, Store **out, char *err, size_t errsz)
{
    static pthread_once_t heap_once = PTHREAD_ONCE_INIT;
    pthread_once(&heap_once, set_heap_limit);
    int cr = create_new(path, err, errsz);
    if (cr < 0)
        return cr;
    Store *st = xcalloc(1, sizeof *st);
    st->path = xstrdup(path);
    int rc = sqlite3_open_v2(path, &st->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                             SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        int e = errno;
        snprintf(err, errsz, "cannot open database %s: %s%s%s", path,
                 st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc),
                 e ? " (" : "", e ? strerror(e) : "");
        if (e)
            strncat(err, ")", errsz - strlen(err) - 1);
        store_close(st);
        return e == EACCES ? -EACCES : e == ENOENT ? -ENOENT : -EIO;
    }
    sqlite3_busy_timeout(st->db, 5000);
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_commit_hook(st->db, note_commit, st);
    /* Refuse a newer schema before anything writes to the file: the switch
     * to WAL below already rewrites its header. */
    int version = schema_version(st);
    if (version > store_migration_count) {
        int r = refuse_newer(st, version, err, errsz);
        store_close(st);
        return r;
    }
    char *msg = NULL;
    /* journal_mode=WAL is the first write: it fails on an unwritable or
     * non-database file, so report that error as the open failure. */
    if (sqlite3_exec(st->db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; "
                             "PRAGMA synchronous=NORMAL;", NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errsz, "cannot open database %s: %s", path,
                 msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        store_close(st);
        return -EIO;
    }
    int r = migrate(st, err, errsz);
    if (r < 0) {
        store_close(st);
        return r;
    }
    *out = st;
    return 0;
}

void store_close(Store *st)
{
    if (!st)
        return;
    for (int i = 0; i < st->ncache; i++)
        sqlite3_finalize(st->cache[i].stmt);
    free(st->cache);
    if (st->db)
        sqlite3_close(st->db);
    free(st->path);
    free(st->actor);
    free(st);
}

void store_set_actor(Store *st, const char *actor)
{
    free(st->actor);
    st->actor = actor && *actor ? xstrdup(actor) : NULL;
}

const char *store_actor(Store *st)
{
    return st->actor;
}

sqlite3 *store_db(Store *st) { return st->db; }

void store_note_wrote(Store *st)
{
    st->wrote = 1;
    st->forced = 1;                    /* rows of another connection's */
}

void **store_group_slot(Store *st)
{
    return &st->group;
}

int store_take_wrote(Store *st)
{
    if (!st->wrote)
        return 0;
    st->wrote = 0;
    /* A write transaction that changed no row (a refused request's BEGIN
     * IMMEDIATE) needs no fsync. Counted here, after the COMMIT: an
     * autocommit statement's changes are added only once it returns. */
    sqlite3_int64 n = sqlite3_total_changes64(st->db);
    if (n == st->changes_seen && !st->forced)
        return 0;
    st->changes_seen = n;
    st->forced = 0;
    return 1;
}

/* fdatasync the write-ahead log through this connection's own handle on
 * it (SQLite's VFS, as a synchronous=FULL COMMIT does). Every frame a
 * commit wrote before this call is on disk when it returns 0. A connection
 * that has no WAL open (it never read) syncs the file by its name. */
int store_wal_fsync(Store *st)
{
    sqlite3_file *f = NULL;
    if (sqlite3_file_control(st->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &f) == SQLITE_OK &&
        f && f->pMethods)
        return f->pMethods->xSync(f, SQLITE_SYNC_NORMAL) == SQLITE_OK ? 0 : -EIO;
    char wal[4096];
    snprintf(wal, sizeof wal, "%s-wal", st->path);
    log_warn("store: %s: no write-ahead log handle on this connection; syncing %s by name",
             st->path, wal);
    int fd = open(wal, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -EIO;  /* no WAL: every commit is in the file */
    int r = fdatasync(fd) == 0 ? 0 : -EIO;
    close(fd);
    return r;
}
const char *store_path(const Store *st) { return st->path; }
const char *store_errmsg(Store *st) { return sqlite3_errmsg(st->db); }

int store_step_done(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

int store_step_changes(Store *st, sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? sqlite3_changes(st->db) : -EIO;
}

int store_rows(sqlite3_stmt *s, size_t size, StoreRowFn read, void **out)
{
    char *v = NULL;
    int n = 0, cap = 0, rc;
    *out = NULL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            v = xrealloc(v, (size_t)cap * size);
        }
        read(s, v + (size_t)n++ * size);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        free(v);
        return -EIO;
    }
    *out = v;
    return n;
}

sqlite3_stmt *store_stmt(Store *st, const char *sql)
{
    for (int i = 0; i < st->ncache; i++)
        if (st->cache[i].sql == sql) {
            sqlite3_reset(st->cache[i].stmt);
            sqlite3_clear_bindings(st->cache[i].stmt);
            return st->cache[i].stmt;
        }
    sqlite3_stmt *s;
    if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
        log_error("store: prepare failed: %s: %s", sqlite3_errmsg(st->db), sql);
        return NULL;
    }
    if (st->ncache == st->capcache) {
        st->capcache = st->capcache ? st->capcache * 2 : 32;
        st->cache = xrealloc(st->cache, st->capcache * sizeof *st->cache);
    }
    st->cache[st->ncache++] = (CachedStmt){sql, s};
    return s;
}

int store_exec(Store *st, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        log_error("store: %s: %s", msg ? msg : "error", sql);
        sqlite3_free(msg);
        return -EIO;
    }
    return 0;
}

/* ---- transactions ----------------------------------------------------------
 *
 * txn_depth counts the open levels. Level 0 is a real transaction (BEGIN
 * IMMEDIATE for writes, a deferred BEGIN for reads); level n > 0 is
 * SAVEPOINT "s<n>", so a rolled-back inner level undoes its own writes
 * and nothing else (ROLLBACK TO keeps the savepoint open, hence the
 * RELEASE after it). SQLite may end a whole transaction on its own (a
 * full disk, an I/O error): sqlite3_get_autocommit() then says no
 * transaction is open, inner levels issue no SQL and fail, and the
 * outermost COMMIT reports the loss. */

/* Undo and end savepoint s<level>. */
static void undo_savepoint(Store *st, int level)
{
    char sql[64];
    snprintf(sql, sizeof sql, "ROLLBACK TO s%d; RELEASE s%d", level, level);
    store_exec(st, sql);
}

static int txn_lost(Store *st)
{
    return sqlite3_get_autocommit(st->db);
}

static int open_level(Store *st, const char *outermost)
{
    if (st->txn_depth == 0) {
        if (store_exec(st, outermost) < 0)
            return -EIO;
    } else {
        char sql[32];
        snprintf(sql, sizeof sql, "SAVEPOINT s%d", st->txn_depth);
        /* no SAVEPOINT outside a transaction: it would begin a new one */
        if (txn_lost(st) || store_exec(st, sql) < 0)
            return -EIO;
    }
    st->txn_depth++;
    return 0;
}

int store_begin(Store *st)
{
    return open_level(st, "BEGIN IMMEDIATE");
}

int store_begin_read(Store *st)
{
    return open_level(st, "BEGIN");
}

int store_commit(Store *st)
{
    if (st->txn_depth <= 0)
        return -EINVAL;
    int level = --st->txn_depth;
    if (level > 0) {
        char sql[32];
        snprintf(sql, sizeof sql, "RELEASE s%d", level);
        if (txn_lost(st))
            return -EIO;
        if (store_exec(st, sql) == 0)
            return 0;
        undo_savepoint(st, level);
        return -EIO;
    }
    if (store_exec(st, "COMMIT") < 0) {
        if (!txn_lost(st))
            store_exec(st, "ROLLBACK");
        return -EIO;
    }
    return 0;
}

int store_end_read(Store *st)
{
    return store_commit(st);
}

void store_rollback(Store *st)
{
    if (st->txn_depth <= 0)
        return;
    int level = --st->txn_depth;
    if (txn_lost(st))
        return;
    if (level > 0)
        undo_savepoint(st, level);
    else
        store_exec(st, "ROLLBACK");
}

int store_depth(const Store *st)
{
    return st->txn_depth;
}

void store_set_cache_mb(Store *st, int mib)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", mib * 1024);
    store_exec(st, sql);
}

void store_manual_checkpoints(Store *st)
{
    store_exec(st, "PRAGMA wal_autocheckpoint = 0");
}

void store_checkpoint(Store *st)
{
    sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

int64_t store_data_version(Store *st)
{
    static const char sql[] = "PRAGMA data_version";
    sqlite3_stmt *s = store_stmt(st, sql);
    int64_t v = -1;
    if (s && sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    if (s)
        sqlite3_reset(s);
    return v;
}

int store_bind_text(sqlite3_stmt *s, int idx, const char *v)
{
    return v ? sqlite3_bind_text(s, idx, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s, idx);
}

int store_bind_time(sqlite3_stmt *s, int idx, int64_t t)
{
    if (!t)
        return sqlite3_bind_null(s, idx);
    char buf[32];
    util_iso8601(t, buf, sizeof buf);
    return sqlite3_bind_text(s, idx, buf, -1, SQLITE_TRANSIENT);
}

int64_t store_col_time(sqlite3_stmt *s, int col)
{
    const char *t = (const char *)sqlite3_column_text(s, col);
    int64_t v;
    return t && util_parse_iso8601(t, &v) == 0 ? v : 0;
}

void store_col_copy(sqlite3_stmt *s, int col, char *dst, size_t size)
{
    const char *t = (const char *)sqlite3_column_text(s, col);
    strlcpy_(dst, t ? t : "", size);
}

int store_readonly_why(Store *st, char *buf, size_t size)
{
    if (!st || !st->db)
        return 0;
    int code = sqlite3_extended_errcode(st->db);
    if ((code & 0xff) != SQLITE_READONLY && sqlite3_db_readonly(st->db, "main") != 1)
        return 0;
    const char *why = sqlite3_db_readonly(st->db, "main") == 1
                          ? "opened read-only: you cannot write the file"
                      : code == SQLITE_READONLY_DBMOVED ? "the file was moved or deleted"
                      : code == SQLITE_READONLY_CANTLOCK || code == SQLITE_READONLY_CANTINIT
                          ? "its -shm file is not writable for you"
                      : code == SQLITE_READONLY_RECOVERY ? "it needs recovery by its owner"
                      : code == SQLITE_READONLY_DIRECTORY
                          ? "its directory is not writable for you"
                          : sqlite3_errmsg(st->db);
    snprintf(buf, size, "the database is read-only for you (%s: %s)", st->path, why);
    return 1;
}

char *store_col_strdup(sqlite3_stmt *s, int col)
{
    const char *t = (const char *)sqlite3_column_text(s, col);
    return t ? xstrdup(t) : NULL;
}

/* ---- commit turns ---------------------------------------------------------- */

struct StoreTurns {
    pthread_mutex_t mu;
    pthread_cond_t  cv;            /* CLOCK_MONOTONIC */
    uint64_t        seq;           /* bumped after every commit of a sharer */
    int             ckpt_frames, wait_ms, poll_ms;
};

static _Thread_local int64_t busy_since_ms;

StoreTurns *store_turns_new(int ckpt_frames, int wait_ms, int poll_ms)
{
    StoreTurns *t = xcalloc(1, sizeof *t);
    *t = (StoreTurns){.ckpt_frames = ckpt_frames, .wait_ms = wait_ms, .poll_ms = poll_ms};
    pthread_mutex_init(&t->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cv, &ca);
    pthread_condattr_destroy(&ca);
    return t;
}

void store_turns_free(StoreTurns *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t);
}

/* sqlite3_wal_hook (it replaces SQLite's auto-checkpoint): wake one
 * waiter, whose commit then wakes the next. */
static int turns_committed(void *arg, sqlite3 *db, const char *name, int pages)
{
    StoreTurns *t = arg;
    pthread_mutex_lock(&t->mu);
    t->seq++;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    if (pages >= t->ckpt_frames)
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

/* sqlite3_busy_handler: wait for the next commit (the lock holder may be
 * a connection that does not share the turns, hence the poll); 0 gives
 * up after wait_ms. */
static int turns_busy(void *arg, int count)
{
    StoreTurns *t = arg;
    int64_t now = util_mono_ms();
    if (count == 0)
        busy_since_ms = now;
    else if (now - busy_since_ms > t->wait_ms)
        return 0;
    struct timespec until;
    util_deadline(&until, CLOCK_MONOTONIC, t->poll_ms);
    pthread_mutex_lock(&t->mu);
    uint64_t seq = t->seq;
    while (t->seq == seq && pthread_cond_timedwait(&t->cv, &t->mu, &until) == 0)
        ;
    pthread_mutex_unlock(&t->mu);
    return 1;
}

void store_share_turns(Store *st, StoreTurns *t)
{
    store_manual_checkpoints(st);
    sqlite3_busy_handler(st->db, turns_busy, t);
    sqlite3_wal_hook(st->db, turns_committed, t);
}

