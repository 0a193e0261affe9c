/* groupcommit — store_group_commit(): concurrent durable writes share one
 * write transaction and one fsync (issue 12, durable ingestion).
 *
 * DESIGN: leader/follower, one Group per database path (the process's
 * connections to one file meet there; a second database, as in the tests,
 * has its own). A caller puts a Member (its fn, arg and Store, on its own
 * stack) on the group's queue. When no leader is active it becomes the
 * leader: it takes the queue (at most STORE_GROUP_MAX_BATCH members),
 * drops the group's mutex and, on its OWN connection, switches to
 * synchronous=FULL, opens BEGIN IMMEDIATE, runs every member's fn inside
 * its own savepoint (a failing fn rolls back that savepoint only), and
 * COMMITs: with WAL and synchronous=FULL that COMMIT fsyncs the WAL, so
 * every member's row is on disk when it returns. Then it updates the
 * counters under the mutex, drops it and wakes each member with its
 * result (one semaphore per member, posted outside the mutex: no herd,
 * no convoy on the mutex). Callers that arrived during the commit waited
 * on the queue: they are the next batch, led by the first of them, whom
 * the leader wakes with "lead" as it steps down. A leader whose own
 * member did not fit in the batch leads again until it has run.
 *
 * Gathering: with C callers writing in a loop, the batch just answered
 * comes back while the next one (the callers that queued during its
 * commit) is already committing, so batches alternate between two halves
 * of C and each fsync carries C/2 rows. So a leader first waits until as
 * many callers are queued as were around at the last commit (its batch
 * plus the queue then), for at most half the last commit's time and
 * GATHER_MAX_US: one fsync then carries all C. A lone caller never waits
 * (it expects only itself).
 *
 * Nobody waits for anyone while holding a database lock: followers wait
 * for the leader, the leader waits for nothing but SQLite's write lock
 * (BEGIN IMMEDIATE, through the connection's busy handler: the listener's
 * commit turns), which the listener's other writers, serialized by its
 * write_mu, hold only for their own short transaction. The leader never
 * takes write_mu, so the two queues cannot deadlock.
 *
 * A failed BEGIN or COMMIT (I/O error, full disk) loses the batch: every
 * member whose fn had succeeded gets -EIO; a member whose fn failed keeps
 * its own error (its writes were undone either way).
 *
 * The fn runs with the member's actor set on the leader's connection, so
 * audit rows name the member's writer as they would on its own.
 *
 * DURABLE ANSWERS (issue 13): store_sync_answer(). Every other write that
 * answers a person or a client (the listener's requests, the console's
 * actions) commits as before, at synchronous=NORMAL under the listener's
 * write_mu: the COMMIT writes its WAL frames but does not fsync them. The
 * answer then waits here until a later fdatasync of the WAL has covered
 * them: exactly what a synchronous=FULL COMMIT does, moved after the
 * write lock is released, so that one fsync serves every answer that
 * committed meanwhile (group commit, as PostgreSQL's WAL flush or
 * MySQL's binlog group commit). A connection's commit hook notes that
 * it wrote; the answer then takes a ticket (after its COMMIT returned, so
 * its frames are in the file). If no sync is running it leads: it takes
 * the newest ticket as its target, drops the mutex, fdatasyncs the WAL
 * (SQLite's own handle, SQLITE_FCNTL_JOURNAL_POINTER), then marks every
 * ticket up to the target done and wakes the waiters; the others wait on
 * the condition variable and one of them leads the next sync for the
 * tickets that arrived during this one. Like a batch leader, a sync
 * leader first gathers: it waits until as many answers wait as were
 * around at the last fdatasync, for at most that fsync's time (and
 * GATHER_MAX_US); without that, 64 clients shared an fsync 4 at a time
 * and heartbeats ran 33 % slower than at NORMAL (with it: 9-10 a fsync,
 * 13 % slower, and a lower p99). A frame a checkpoint already
 * moved into the database file is durable too: with synchronous=NORMAL
 * SQLite syncs the WAL before a checkpoint and the database after it,
 * before the WAL may start over. A failed fdatasync fails the answers of
 * every answer from then on (-EIO, a 500 and a logged error each time,
 * until a restart): after a failed fsync Linux may drop the dirty pages
 * and report the error once, so a later fsync's success proves nothing
 * (PostgreSQL stops in that case; we stop saying "durable"). The engine's own bulk work (health
 * check rows, metrics samples, risk scores, its outbox bookkeeping) never
 * waits: losing its last tick to a power cut is harmless, it redoes it.
 */
#include "store/groupcommit.h"
#include "store/db.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GATHER_MAX_US 2000

typedef struct Member {
    struct Member *next;
    StoreGroupFn   fn;
    void          *arg;
    Store         *origin;     /* the caller's connection (for its actor) */
    int            rc;
    int            lead;       /* woken to lead the next batch, not done */
    sem_t          wake;       /* posted once: done (rc set), or lead */
} Member;

typedef struct Group {
    struct Group   *next;
    char           *path;
    pthread_mutex_t mu;
    Member         *head, *tail;
    int             leading;   /* a leader is running a batch */
    int             queued;    /* members on the queue */
    int             expect;    /* callers around at the last commit */
    int64_t         commit_us; /* how long the last batch took */
    int             gathering, want; /* the leader waits for want queued */
    pthread_cond_t  gather_cv; /* CLOCK_MONOTONIC */
    StoreGroupStats stats;
    /* durable answers (see DURABLE ANSWERS) */
    uint64_t        sync_asked;  /* the newest ticket */
    uint64_t        sync_done;   /* every ticket up to this one is on disk */
    int             syncing;     /* a leader is in fdatasync */
    int             sync_broken; /* an fdatasync failed: no answer is durable now */
    int             sync_expect; /* answers around at the last fdatasync */
    int             sync_want;   /* a leader gathers until this many wait (0: not) */
    int64_t         sync_us;     /* how long the last fdatasync took */
    pthread_cond_t  sync_cv;
    pthread_cond_t  sync_gather_cv; /* CLOCK_MONOTONIC */
} Group;

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* As leader (g->mu held): wait until the callers seen at the last commit
 * are queued again, or for half that commit's time (see DESIGN). */
static void gather(Group *g)
{
    int want = g->expect < STORE_GROUP_MAX_BATCH ? g->expect : STORE_GROUP_MAX_BATCH;
    if (g->queued >= want || g->commit_us <= 0)
        return;
    int64_t wait_us = g->commit_us / 2 < GATHER_MAX_US ? g->commit_us / 2 : GATHER_MAX_US;
    int64_t until_us = mono_us() + wait_us;
    struct timespec until = {(time_t)(until_us / 1000000), (long)(until_us % 1000000) * 1000};
    g->gathering = 1;
    g->want = want;
    while (g->queued < want && pthread_cond_timedwait(&g->gather_cv, &g->mu, &until) == 0)
        ;
    g->gathering = 0;
}

static pthread_mutex_t groups_mu = PTHREAD_MUTEX_INITIALIZER;
static Group          *groups;  /* never freed: one per database path used */

static Group *group_for(const char *path);

/* st's Group, looked up once per connection. */
static Group *group_of(Store *st)
{
    void **slot = store_group_slot(st);
    if (!*slot)
        *slot = group_for(store_path(st));
    return *slot;
}

static Group *group_for(const char *path)
{
    pthread_mutex_lock(&groups_mu);
    Group *g = groups;
    while (g && strcmp(g->path, path) != 0)
        g = g->next;
    if (!g) {
        g = xcalloc(1, sizeof *g);
        g->path = xstrdup(path);
        pthread_mutex_init(&g->mu, NULL);
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&g->gather_cv, &ca);
        pthread_cond_init(&g->sync_gather_cv, &ca);
        pthread_condattr_destroy(&ca);
        pthread_cond_init(&g->sync_cv, NULL);
        g->next = groups;
        groups = g;
    }
    pthread_mutex_unlock(&groups_mu);
    return g;
}

/* Detach up to STORE_GROUP_MAX_BATCH members from the queue (g->mu held). */
static Member *take_batch(Group *g, int *out_n)
{
    Member *first = g->head, *last = first;
    int n = 1;
    while (last->next && n < STORE_GROUP_MAX_BATCH) {
        last = last->next;
        n++;
    }
    g->head = last->next;
    g->queued -= n;
    if (!g->head)
        g->tail = NULL;
    last->next = NULL;
    *out_n = n;
    return first;
}

static const char sync_full[] = "PRAGMA synchronous=FULL";
static const char sync_normal[] = "PRAGMA synchronous=NORMAL";

static int run_pragma(Store *st, const char *sql)
{
    sqlite3_stmt *s = store_stmt(st, sql);
    return s ? store_step_done(s) : -EIO;
}

/* One member's fn in a savepoint of the batch's transaction, as its
 * writer. */
static void run_member(Store *st, Member *m)
{
    const char *mine = store_actor(st), *theirs = store_actor(m->origin);
    char *saved = NULL;
    int swap = (mine || theirs) && (!mine || !theirs || strcmp(mine, theirs) != 0);
    if (swap) {
        saved = mine ? xstrdup(mine) : NULL;
        store_set_actor(st, theirs);
    }
    int depth = store_depth(st);
    m->rc = store_begin(st);
    if (m->rc == 0) {
        m->rc = m->fn(st, m->arg);
        if (m->rc > 0)
            m->rc = -EIO;              /* not the contract's 0 / -errno */
        if (store_depth(st) <= depth) {
            m->rc = -EIO;              /* the fn ended our level: a bug, and lost */
        } else {
            while (store_depth(st) > depth + 1) {   /* the fn left levels open */
                store_rollback(st);
                m->rc = m->rc ? m->rc : -EIO;
            }
            if (m->rc == 0)
                m->rc = store_commit(st);
            else
                store_rollback(st);
        }
    }
    if (swap) {
        store_set_actor(st, saved);
        free(saved);
    }
}

/* Run a batch in one transaction with synchronous=FULL on st; 0 when it
 * committed, else -EIO (every member that had succeeded now has -EIO). */
static int run_batch(Store *st, Member *batch, uint64_t *failed_calls)
{
    int had = store_take_wrote(st);    /* this connection's own earlier commits */
    int rc = run_pragma(st, sync_full);
    if (rc == 0)
        rc = store_begin(st);
    if (rc == 0) {
        for (Member *m = batch; m; m = m->next)
            run_member(st, m);
        rc = store_commit(st);
    }
    run_pragma(st, sync_normal);
    int wrote = 0;
    for (Member *m = batch; m; m = m->next) {
        if (rc < 0 && m->rc == 0)
            m->rc = -EIO;
        if (m->rc < 0)
            (*failed_calls)++;
        wrote |= m->rc == 0;
    }
    /* A COMMIT with rows fsynced the WAL, the earlier frames with it; one
     * whose members all failed wrote nothing and synced nothing. */
    store_take_wrote(st);
    if (had && !wrote)
        store_note_wrote(st);
    return rc < 0 ? -EIO : 0;
}

/* As the leader (g->leading is ours): run batches until our own member
 * has run, then hand the lead to the head of the queue or step down.
 * Members are woken after the mutex is dropped (no convoy on it). */
static void lead(Group *g, Store *st, Member *me)
{
    int mine_done = 0;
    pthread_mutex_lock(&g->mu);
    while (!mine_done) {
        int n;
        gather(g);
        Member *batch = take_batch(g, &n);
        pthread_mutex_unlock(&g->mu);
        uint64_t failed = 0;
        int64_t t0 = mono_us();
        int rc = run_batch(st, batch, &failed);
        int64_t took = mono_us() - t0;
        for (Member *m = batch; m; m = m->next)
            mine_done |= m == me;
        pthread_mutex_lock(&g->mu);
        g->commit_us = took;
        g->expect = n + g->queued;
        g->stats.calls += (uint64_t)n;
        g->stats.failed_calls += failed;
        if (rc == 0)
            g->stats.commits++;
        else
            g->stats.failed_commits++;
        if (n > g->stats.max_batch)
            g->stats.max_batch = n;
        Member *next_leader = NULL;
        if (mine_done) {
            next_leader = g->head;     /* queued during our commit */
            if (!next_leader)
                g->leading = 0;
        }
        pthread_mutex_unlock(&g->mu);
        for (Member *m = batch, *next; m; m = next) {
            next = m->next;            /* m may be gone once posted */
            if (m != me)
                sem_post(&m->wake);
        }
        if (next_leader) {
            next_leader->lead = 1;
            sem_post(&next_leader->wake);
        }
        if (!mine_done)
            pthread_mutex_lock(&g->mu);
    }
}

int store_group_commit(Store *st, StoreGroupFn fn, void *arg)
{
    if (store_depth(st) != 0)
        return -EINVAL;                /* the durability is the caller's COMMIT's */
    Group *g = group_of(st);
    Member me = {.fn = fn, .arg = arg, .origin = st};
    sem_init(&me.wake, 0, 0);
    pthread_mutex_lock(&g->mu);
    if (g->tail)
        g->tail->next = &me;
    else
        g->head = &me;
    g->tail = &me;
    g->queued++;
    if (g->gathering && g->queued >= g->want)
        pthread_cond_signal(&g->gather_cv);
    int leader = !g->leading;
    g->leading = 1;
    pthread_mutex_unlock(&g->mu);
    if (!leader) {
        while (sem_wait(&me.wake) != 0)
            ;                          /* EINTR */
        leader = me.lead;
    }
    if (leader)
        lead(g, st, &me);
    sem_destroy(&me.wake);
    return me.rc;
}

void store_group_stats(const char *db_path, StoreGroupStats *out)
{
    Group *g = group_for(db_path);
    pthread_mutex_lock(&g->mu);
    *out = g->stats;
    out->queued = g->queued;
    pthread_mutex_unlock(&g->mu);
}

/* As the sync leader (g->mu held): wait until as many answers wait as
 * were around at the last fdatasync, for at most its time and
 * GATHER_MAX_US (as gather() does for batches): one fsync then serves
 * them all instead of a few. A lone answer never waits. */
static void gather_sync(Group *g)
{
    int want = g->sync_expect;
    if (want <= 1 || g->sync_us <= 0 || (int)(g->sync_asked - g->sync_done) >= want)
        return;
    int64_t wait_us = g->sync_us < GATHER_MAX_US ? g->sync_us : GATHER_MAX_US;
    int64_t until_us = mono_us() + wait_us;
    struct timespec until = {(time_t)(until_us / 1000000), (long)(until_us % 1000000) * 1000};
    g->sync_want = want;
    while ((int)(g->sync_asked - g->sync_done) < want &&
           pthread_cond_timedwait(&g->sync_gather_cv, &g->mu, &until) == 0)
        ;
    g->sync_want = 0;
}

/* Lead one fdatasync for every ticket up to the newest (g->mu held, and
 * held again on return). 0, or -EIO (and the group is broken). */
static int lead_sync(Group *g, Store *st)
{
    g->syncing = 1;
    gather_sync(g);
    uint64_t target = g->sync_asked;
    pthread_mutex_unlock(&g->mu);
    int64_t t0 = mono_us();
    int rc = store_wal_fsync(st);
    int64_t took = mono_us() - t0;
    pthread_mutex_lock(&g->mu);
    g->syncing = 0;
    g->sync_us = took;
    /* the answers this fsync served and those that queued meanwhile */
    g->sync_expect = (int)(g->sync_asked - g->sync_done);
    if (rc == 0) {
        g->sync_done = target;
        g->stats.answer_fsyncs++;
    } else {
        g->sync_broken = 1;
        g->stats.answer_failed++;
    }
    pthread_cond_broadcast(&g->sync_cv);
    return rc;
}

int store_sync_answer(Store *st)
{
    if (store_depth(st) > 0) {
        log_error("store: a durable answer was asked for inside an open transaction");
        return -EINVAL;                /* its COMMIT has not happened yet */
    }
    if (!store_take_wrote(st))
        return 0;
    Group *g = group_of(st);
    pthread_mutex_lock(&g->mu);
    uint64_t ticket = ++g->sync_asked;
    g->stats.answer_waits++;
    if (g->sync_want && (int)(g->sync_asked - g->sync_done) >= g->sync_want)
        pthread_cond_signal(&g->sync_gather_cv);
    while (g->sync_done < ticket && !g->sync_broken) {
        if (g->syncing)
            pthread_cond_wait(&g->sync_cv, &g->mu);
        else
            lead_sync(g, st);
    }
    int rc = g->sync_broken ? -EIO : 0;
    pthread_mutex_unlock(&g->mu);
    if (rc < 0)
        log_error("store: %s: an fdatasync of the write-ahead log failed; changes are stored "
                  "but may not survive a power cut, and answers say so until a restart",
                  store_path(st));
    return rc;
}
