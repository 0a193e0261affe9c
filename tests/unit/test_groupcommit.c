/* test_groupcommit — store_group_commit() (issue 12, durable ingestion)
 * against a real SQLite file, with real threads each holding its own
 * Store, as the listener's workers do.
 *
 * Checks: every call that returned 0 has its row in the file (read back
 * on an independent connection) and no other row is there; a failing fn
 * rolls back alone while its batch commits; batches really form (fewer
 * commits than calls, a batch of every waiting caller); the commit runs
 * with synchronous=FULL and the connection is back to NORMAL after; a
 * failed COMMIT answers -EIO to every member; the fn writes as its
 * caller's actor; a caller inside its own transaction is refused.
 *
 * Durable answers (issue 13, store_sync_answer): fsync(2) and fdatasync(2)
 * are interposed (this program's definitions win over libc's for
 * libsqlite3 too) to count the syncs of the database's -wal file. An
 * answer after a write syncs the WAL before it returns; an answer after no
 * write, or after a group commit (whose COMMIT already synced), does not;
 * threads answering at once share fsyncs, and every answered row is there.
 *
 * A "gate" makes a batch form for sure: the first fn that runs waits
 * until every other thread is queued (store_group_stats().queued, a
 * condition, not a sleep), so the next transaction takes them all.
 */
#include "store/db.h"
#include "store/groupcommit.h"

#include <errno.h>
#include <ftw.h>
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <dlfcn.h>

#include <sqlite3.h>

typedef struct Fx {
    char   dir[64];
    char   path[PATH_MAX];
    Store *st;
} Fx;

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(p);
}

static int setup(void **state)
{
    Fx *fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/resops-gc-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof fx->path, "%s/gc.db", fx->dir);
    char err[256];
    assert_int_equal(store_open(fx->path, &fx->st, err, sizeof err), 0);
    assert_int_equal(store_exec(fx->st,
                                "CREATE TABLE gc_row (k TEXT PRIMARY KEY, actor TEXT);"
                                "CREATE TABLE gc_parent (id INTEGER PRIMARY KEY);"
                                "CREATE TABLE gc_child (id INTEGER PRIMARY KEY, p INTEGER "
                                "REFERENCES gc_parent(id) DEFERRABLE INITIALLY DEFERRED);"),
                     0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    Fx *fx = *state;
    store_close(fx->st);
    nftw(fx->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(fx);
    return 0;
}

/* Rows of gc_row read on a fresh, independent connection. */
static int count_rows(const Fx *fx, const char *where)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(fx->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM gc_row%s%s", where ? " WHERE " : "",
             where ? where : "");
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int n = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
}

/* ---- fsync(2)/fdatasync(2) of the -wal file, counted ---------------------- */

static int wal_syncs;                  /* atomic */
static int fail_wal_syncs;             /* the -wal file's syncs fail with EIO */

/* 1 when fd is the -wal file (and counted). */
static int note_sync(int fd)
{
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n > 4) {
        target[n] = '\0';
        if (strcmp(target + n - 4, "-wal") == 0) {
            __atomic_add_fetch(&wal_syncs, 1, __ATOMIC_SEQ_CST);
            return 1;
        }
    }
    return 0;
}

/* The real call, or EIO for the -wal file while fail_wal_syncs is set. */
static int synced(int fd, int (*real)(int))
{
    if (note_sync(fd) && __atomic_load_n(&fail_wal_syncs, __ATOMIC_SEQ_CST)) {
        errno = EIO;
        return -1;
    }
    return real(fd);
}

int fdatasync(int fd)
{
    static int (*real)(int);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "fdatasync");
    return synced(fd, real);
}

int fsync(int fd)
{
    static int (*real)(int);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "fsync");
    return synced(fd, real);
}

static int syncs_now(void)
{
    return __atomic_load_n(&wal_syncs, __ATOMIC_SEQ_CST);
}

/* ---- the threads -------------------------------------------------------- */

#define NTHREADS 8

typedef struct Run Run;

typedef struct Call {
    Run  *run;
    int   thread, n;
    int   fail;               /* the fn inserts, then returns -EEXIST */
    int   poison;             /* the fn breaks a deferred foreign key */
    int   sync_seen;          /* PRAGMA synchronous inside the fn */
    char  actor_seen[32];
} Call;

struct Run {
    const Fx       *fx;
    int             calls;    /* per thread */
    int             gate;     /* the first fn waits for the others */
    int             fail_every, poison_thread;
    pthread_mutex_t mu;
    pthread_cond_t  cv;
    int             gate_open;
    int             ok[NTHREADS], rc_other[NTHREADS], eio[NTHREADS];
    int             sync_full_seen, actor_wrong;
};

static void wait_queued(Store *conn, int want)
{
    for (int i = 0; i < 5000; i++) {  /* up to 5 s, then the test fails on counts */
        StoreGroupStats gs;
        store_group_stats(store_path(conn), &gs);
        if (gs.queued >= want)
            return;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

static int insert_fn(Store *conn, void *arg)
{
    Call *c = arg;
    Run *r = c->run;
    if (r->gate && c->thread == 0 && c->n == 0) {
        /* thread 0's first call runs alone; the others queue behind it */
        pthread_mutex_lock(&r->mu);
        r->gate_open = 1;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        wait_queued(conn, NTHREADS - 1);
    }
    sqlite3_stmt *s;
    sqlite3_prepare_v2(store_db(conn), "PRAGMA synchronous", -1, &s, NULL);
    if (sqlite3_step(s) == SQLITE_ROW)
        c->sync_seen = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    snprintf(c->actor_seen, sizeof c->actor_seen, "%s",
             store_actor(conn) ? store_actor(conn) : "");
    char sql[160];
    snprintf(sql, sizeof sql, "INSERT INTO gc_row VALUES ('t%d-%d%s', '%s')", c->thread, c->n,
             c->fail ? "-fail" : "", c->actor_seen);
    if (store_exec(conn, sql) < 0)
        return -EIO;
    if (c->poison && store_exec(conn, "INSERT INTO gc_child VALUES (NULL, 424242)") < 0)
        return -EIO;
    return c->fail ? -EEXIST : 0;
}

typedef struct ThreadArg {
    Run *run;
    int  thread;
} ThreadArg;

static void *thread_main(void *p)
{
    ThreadArg *ta = p;
    Run *r = ta->run;
    Store *st;
    char err[256], actor[32];
    if (store_open(r->fx->path, &st, err, sizeof err) < 0)
        return NULL;
    snprintf(actor, sizeof actor, "writer-%d", ta->thread);
    store_set_actor(st, actor);
    pthread_mutex_lock(&r->mu);
    while (r->gate && ta->thread != 0 && !r->gate_open)
        pthread_cond_wait(&r->cv, &r->mu);
    pthread_mutex_unlock(&r->mu);
    for (int i = 0; i < r->calls; i++) {
        Call c = {.run = r, .thread = ta->thread, .n = i,
                  .fail = r->fail_every && i % r->fail_every == r->fail_every - 1,
                  .poison = ta->thread == r->poison_thread && i == 0};
        int rc = store_group_commit(st, insert_fn, &c);
        pthread_mutex_lock(&r->mu);
        if (rc == 0)
            r->ok[ta->thread]++;
        else if (rc == -EIO)
            r->eio[ta->thread]++;
        else if (rc != -EEXIST || !c.fail)
            r->rc_other[ta->thread]++;
        if (c.sync_seen == 2)
            r->sync_full_seen++;
        if (c.actor_seen[0] && strcmp(c.actor_seen, actor) != 0)
            r->actor_wrong++;
        pthread_mutex_unlock(&r->mu);
    }
    store_close(st);
    return NULL;
}

static void run_threads(Run *r)
{
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    pthread_t th[NTHREADS];
    ThreadArg ta[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        ta[i] = (ThreadArg){r, i};
        assert_int_equal(pthread_create(&th[i], NULL, thread_main, &ta[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
}

static int sum(const int *v)
{
    int n = 0;
    for (int i = 0; i < NTHREADS; i++)
        n += v[i];
    return n;
}

/* ---- tests -------------------------------------------------------------- */

/* N threads x M calls: every 0 is a row on disk, every row a 0; commits
 * are shared (fewer transactions than calls), a batch took all waiters. */
static void test_every_ok_row_is_committed(void **state)
{
    Fx *fx = *state;
    Run r = {.fx = fx, .calls = 200, .gate = 1, .poison_thread = -1};
    run_threads(&r);
    StoreGroupStats gs;
    store_group_stats(fx->path, &gs);
    assert_int_equal(sum(r.ok), NTHREADS * 200);
    assert_int_equal(sum(r.rc_other) + sum(r.eio), 0);
    assert_int_equal(count_rows(fx, NULL), NTHREADS * 200);
    assert_int_equal(gs.calls, NTHREADS * 200);
    assert_true(gs.commits < gs.calls);
    assert_true(gs.max_batch >= NTHREADS - 1);   /* everyone queued behind the gate */
    assert_int_equal(gs.failed_commits, 0);
    assert_int_equal(gs.queued, 0);
    assert_int_equal(r.sync_full_seen, NTHREADS * 200);
    assert_int_equal(r.actor_wrong, 0);
    printf("# %llu calls in %llu commits (largest batch %d)\n", (unsigned long long)gs.calls,
           (unsigned long long)gs.commits, gs.max_batch);
}

/* Every third call fails after its insert: only those rows are missing,
 * the rest of each batch committed. */
static void test_failing_fn_rolls_back_alone(void **state)
{
    Fx *fx = *state;
    Run r = {.fx = fx, .calls = 30, .gate = 1, .fail_every = 3, .poison_thread = -1};
    run_threads(&r);
    StoreGroupStats gs;
    store_group_stats(fx->path, &gs);
    assert_int_equal(sum(r.ok), NTHREADS * 20);
    assert_int_equal(sum(r.rc_other) + sum(r.eio), 0);
    assert_int_equal(count_rows(fx, NULL), NTHREADS * 20);
    assert_int_equal(count_rows(fx, "k LIKE '%-fail'"), 0);
    assert_int_equal(gs.failed_calls, NTHREADS * 10);
    assert_int_equal(gs.failed_commits, 0);
    assert_true(gs.max_batch >= NTHREADS - 1);  /* failures shared a batch with successes */
}

/* A COMMIT that fails (a deferred foreign key broken by one member) loses
 * the whole batch: every member hears -EIO and none of its rows is there;
 * thread 0's batch before it committed. */
static void test_failed_commit_is_eio_for_all(void **state)
{
    Fx *fx = *state;
    Run r = {.fx = fx, .calls = 1, .gate = 1, .poison_thread = 3};
    run_threads(&r);
    StoreGroupStats gs;
    store_group_stats(fx->path, &gs);
    assert_int_equal(gs.failed_commits, 1);
    assert_int_equal(gs.commits, 1);
    assert_int_equal(r.ok[0], 1);
    assert_int_equal(sum(r.eio), NTHREADS - 1);
    assert_int_equal(sum(r.rc_other), 0);
    assert_int_equal(count_rows(fx, NULL), 1);
    assert_int_equal(count_rows(fx, "k = 't0-0'"), 1);
    /* the connections are usable after: a new call commits */
    Call c = {.run = &r, .thread = 99};
    r.gate = 0;
    assert_int_equal(store_group_commit(fx->st, insert_fn, &c), 0);
    assert_int_equal(count_rows(fx, "k = 't99-0'"), 1);
}

static int sync_of(Store *st)
{
    sqlite3_stmt *s;
    int v = -1;
    sqlite3_prepare_v2(store_db(st), "PRAGMA synchronous", -1, &s, NULL);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* FULL (2) during the commit, NORMAL (1) again after; refused inside a
 * transaction of the caller's (its COMMIT, not ours, would decide). */
static void test_full_during_normal_after(void **state)
{
    Fx *fx = *state;
    Run r = {.fx = fx, .poison_thread = -1};
    Call c = {.run = &r, .thread = 7};
    store_set_actor(fx->st, "console");
    assert_int_equal(sync_of(fx->st), 1);
    assert_int_equal(store_group_commit(fx->st, insert_fn, &c), 0);
    assert_int_equal(c.sync_seen, 2);
    assert_string_equal(c.actor_seen, "console");
    assert_int_equal(sync_of(fx->st), 1);
    assert_int_equal(store_begin(fx->st), 0);
    c.n = 1;
    assert_int_equal(store_group_commit(fx->st, insert_fn, &c), -EINVAL);
    store_rollback(fx->st);
    assert_int_equal(count_rows(fx, NULL), 1);
}

/* One write, one answer: the WAL is synced before store_sync_answer
 * returns, once; a second answer with nothing new written syncs nothing;
 * nor does a read. */
static void test_answer_syncs_the_wal(void **state)
{
    Fx *fx = *state;
    assert_int_equal(store_sync_answer(fx->st), 0);     /* the CREATE TABLEs of setup */
    int before = syncs_now();
    assert_int_equal(store_exec(fx->st, "INSERT INTO gc_row (k) VALUES ('a1')"), 0);
    assert_int_equal(syncs_now(), before);              /* NORMAL: the COMMIT did not sync */
    StoreGroupStats g0, g1;
    store_group_stats(fx->path, &g0);
    assert_int_equal(store_sync_answer(fx->st), 0);
    assert_int_equal(syncs_now(), before + 1);
    store_group_stats(fx->path, &g1);
    assert_int_equal(g1.answer_waits, g0.answer_waits + 1);
    assert_int_equal(g1.answer_fsyncs, g0.answer_fsyncs + 1);
    assert_int_equal(store_sync_answer(fx->st), 0);
    assert_int_equal(store_begin_read(fx->st), 0);
    assert_int_equal(count_rows(fx, "k = 'a1'"), 1);
    assert_int_equal(store_end_read(fx->st), 0);
    assert_int_equal(store_sync_answer(fx->st), 0);
    assert_int_equal(syncs_now(), before + 1);
    /* a transaction of several statements: one sync for its answer */
    assert_int_equal(store_begin(fx->st), 0);
    assert_int_equal(store_exec(fx->st, "INSERT INTO gc_row (k) VALUES ('a2')"), 0);
    assert_int_equal(store_exec(fx->st, "INSERT INTO gc_row (k) VALUES ('a3')"), 0);
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(store_sync_answer(fx->st), 0);
    assert_int_equal(syncs_now(), before + 2);
}

/* A write transaction that changed no row (a refused request) needs no
 * sync for its answer. */
static void test_no_rows_no_sync(void **state)
{
    Fx *fx = *state;
    assert_int_equal(store_sync_answer(fx->st), 0);
    int before = syncs_now();
    assert_int_equal(store_begin(fx->st), 0);
    assert_int_equal(store_exec(fx->st, "UPDATE gc_row SET actor = 'x' WHERE k = 'none'"), 0);
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(store_sync_answer(fx->st), 0);
    assert_int_equal(syncs_now(), before);
}

/* A failed fdatasync fails that answer and every later one that wrote
 * (Linux may report a writeback error once: a later success proves
 * nothing); reads still answer. */
static void test_failed_fsync_is_sticky(void **state)
{
    Fx *fx = *state;
    assert_int_equal(store_sync_answer(fx->st), 0);
    assert_int_equal(store_exec(fx->st, "INSERT INTO gc_row (k) VALUES ('f1')"), 0);
    __atomic_store_n(&fail_wal_syncs, 1, __ATOMIC_SEQ_CST);
    assert_int_equal(store_sync_answer(fx->st), -EIO);
    __atomic_store_n(&fail_wal_syncs, 0, __ATOMIC_SEQ_CST);
    assert_int_equal(store_exec(fx->st, "INSERT INTO gc_row (k) VALUES ('f2')"), 0);
    assert_int_equal(store_sync_answer(fx->st), -EIO);   /* still: no longer durable */
    assert_int_equal(store_sync_answer(fx->st), 0);      /* nothing written since */
    StoreGroupStats g;
    store_group_stats(fx->path, &g);
    assert_int_equal(g.answer_failed, 1);
    /* inside a transaction there is nothing durable to wait for yet */
    assert_int_equal(store_begin(fx->st), 0);
    assert_int_equal(store_sync_answer(fx->st), -EINVAL);
    store_rollback(fx->st);
}

/* A group commit's COMMIT ran with synchronous=FULL: its answer needs no
 * second sync. */
static void test_group_commit_needs_no_second_sync(void **state)
{
    Fx *fx = *state;
    assert_int_equal(store_sync_answer(fx->st), 0);
    Run r = {.fx = fx, .poison_thread = -1};
    Call c = {.run = &r, .thread = 5};
    int before = syncs_now();
    assert_int_equal(store_group_commit(fx->st, insert_fn, &c), 0);
    int after_commit = syncs_now();
    assert_true(after_commit > before);                 /* FULL synced the WAL */
    assert_int_equal(store_sync_answer(fx->st), 0);
    assert_int_equal(syncs_now(), after_commit);
}

#define ANSWER_THREADS 16
#define ANSWER_CALLS   40

typedef struct AnswerArg {
    const Fx *fx;
    int       thread, ok;
    pthread_mutex_t *write_mu;          /* one writer at a time, as the listener */
} AnswerArg;

static void *answer_main(void *p)
{
    AnswerArg *a = p;
    Store *st;
    char err[256];
    if (store_open(a->fx->path, &st, err, sizeof err) < 0)
        return NULL;
    for (int i = 0; i < ANSWER_CALLS; i++) {
        char sql[96];
        snprintf(sql, sizeof sql, "INSERT INTO gc_row (k) VALUES ('w%d-%d')", a->thread, i);
        pthread_mutex_lock(a->write_mu);
        int rc = store_exec(st, sql);
        pthread_mutex_unlock(a->write_mu);
        if (rc == 0 && store_sync_answer(st) == 0)
            a->ok++;
    }
    store_close(st);
    return NULL;
}

/* 16 threads answering 40 writes each: every answered row is in the file,
 * each answer was covered by a WAL sync, and the syncs were shared. */
static void test_concurrent_answers_share_fsyncs(void **state)
{
    Fx *fx = *state;
    pthread_mutex_t write_mu = PTHREAD_MUTEX_INITIALIZER;
    AnswerArg args[ANSWER_THREADS];
    pthread_t th[ANSWER_THREADS];
    StoreGroupStats g0, g1;
    store_group_stats(fx->path, &g0);
    int before = syncs_now();
    for (int i = 0; i < ANSWER_THREADS; i++) {
        args[i] = (AnswerArg){.fx = fx, .thread = i, .write_mu = &write_mu};
        assert_int_equal(pthread_create(&th[i], NULL, answer_main, &args[i]), 0);
    }
    int ok = 0;
    for (int i = 0; i < ANSWER_THREADS; i++) {
        pthread_join(th[i], NULL);
        ok += args[i].ok;
    }
    store_group_stats(fx->path, &g1);
    int syncs = syncs_now() - before;
    print_message("# %d answers, %d WAL syncs\n", ok, syncs);
    assert_int_equal(ok, ANSWER_THREADS * ANSWER_CALLS);
    assert_int_equal(count_rows(fx, "k LIKE 'w%'"), ANSWER_THREADS * ANSWER_CALLS);
    assert_int_equal(g1.answer_waits - g0.answer_waits, (uint64_t)ok);
    /* SQLite syncs the WAL itself too (checkpoints, the last close) */
    uint64_t led = g1.answer_fsyncs - g0.answer_fsyncs;
    assert_true(led >= 1 && led <= (uint64_t)syncs);
    assert_true(led < (uint64_t)ok);    /* shared: fewer fsyncs than answers */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_ok_row_is_committed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failing_fn_rolls_back_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_commit_is_eio_for_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_during_normal_after, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answer_syncs_the_wal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit_needs_no_second_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_rows_no_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_fsync_is_sticky, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_answers_share_fsyncs, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
