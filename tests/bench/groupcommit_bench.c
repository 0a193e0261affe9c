/* groupcommit_bench — store_group_commit() alone (issue 12): N threads,
 * each with its own Store, insert rows into sec_alert (the seed's payload
 * example as raw) for D seconds through the group commit with
 * synchronous=FULL; then the same with one transaction per row (no
 * sharing) for comparison, and the fsync rate of the disk.
 *
 * usage: groupcommit_bench [THREADS [SECONDS [DIR]]]   (64, 5, /tmp)
 * Prints rows/s, commits, the mean and largest batch, and checks that the
 * table holds exactly the rows whose call returned 0.
 */
#include "bench_result.h"
#include "store/db.h"
#include "store/groupcommit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char payload[] =
    "{\"message\":\"User login failed\",\"source\":\"syslog\","
    "\"timestamp\":\"2025-08-17T12:01:00Z\","
    "\"details\":{\"user\":\"alice\",\"ip\":\"10.0.0.1\",\"port\":22}}";

static const char insert_sql[] =
    "INSERT INTO sec_alert (id, source, raw, received_at) VALUES (?, 'raw', ?, ?)";

typedef struct Job {
    const char *path;
    int         thread, shared;
    double      until;
    long        ok, failed;
} Job;

typedef struct Row {
    char id[64];
} Row;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int insert_fn(Store *conn, void *arg)
{
    Row *r = arg;
    sqlite3_stmt *s = store_stmt(conn, insert_sql);
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, payload, (int)sizeof payload - 1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, "2026-12-01T12:00:00Z", -1, SQLITE_STATIC);
    return store_step_done(s);
}

/* The same write alone: its own transaction and fsync. */
static int alone(Store *st, Row *r)
{
    if (store_exec(st, "PRAGMA synchronous=FULL") < 0 || store_begin(st) < 0)
        return -EIO;
    int rc = insert_fn(st, r);
    if (rc == 0)
        return store_commit(st);
    store_rollback(st);
    return rc;
}

static void *worker(void *p)
{
    Job *j = p;
    Store *st;
    char err[256];
    if (store_open(j->path, &st, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return NULL;
    }
    for (long n = 0; now_s() < j->until; n++) {
        Row r;
        snprintf(r.id, sizeof r.id, "b-%d-%d-%ld", j->shared, j->thread, n);
        int rc = j->shared ? store_group_commit(st, insert_fn, &r) : alone(st, &r);
        if (rc == 0)
            j->ok++;
        else
            j->failed++;
    }
    store_close(st);
    return NULL;
}

static long count_rows(Store *st, int shared)
{
    static const char sql[] = "SELECT count(*) FROM sec_alert WHERE id LIKE ?";
    sqlite3_stmt *s = store_stmt(st, sql);
    sqlite3_bind_text(s, 1, shared ? "b-1-%" : "b-0-%", -1, SQLITE_STATIC);
    long n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_reset(s);
    return n;
}

static int run(const char *path, int nthreads, double secs, int shared, Store *st)
{
    Job *jobs = calloc((size_t)nthreads, sizeof *jobs);
    pthread_t *th = calloc((size_t)nthreads, sizeof *th);
    StoreGroupStats before, after;
    store_group_stats(path, &before);
    double t0 = now_s();
    for (int i = 0; i < nthreads; i++) {
        jobs[i] = (Job){.path = path, .thread = i, .shared = shared, .until = t0 + secs};
        pthread_create(&th[i], NULL, worker, &jobs[i]);
    }
    long ok = 0, failed = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(th[i], NULL);
        ok += jobs[i].ok;
        failed += jobs[i].failed;
    }
    double dt = now_s() - t0;
    store_group_stats(path, &after);
    long rows = count_rows(st, shared);
    uint64_t commits = shared ? after.commits - before.commits : (uint64_t)ok;
    printf("%-28s %2d threads: %8.0f rows/s  %ld rows in %.1f s, %llu commits "
           "(%.1f rows a commit, largest %d), %ld failed, rows in table %ld (%s)\n",
           shared ? "group commit (FULL)" : "one commit per row (FULL)", nthreads, ok / dt, ok,
           dt, (unsigned long long)commits, commits ? (double)ok / (double)commits : 0.0,
           shared ? after.max_batch : 1, failed, rows, rows == ok ? "= returned 0" : "MISMATCH");
    bench_result(ok / dt, "rows/s", NULL, "groupcommit.%s.rate", shared ? "group" : "single");
    if (shared)
        bench_result(commits ? (double)ok / (double)commits : 0.0, "rows", NULL,
                     "groupcommit.group.batch");
    free(jobs);
    free(th);
    return rows == ok ? 0 : 1;
}

/* fsync()s a second of a 4 KiB write on a file in dir. */
static double fsync_rate(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/fsync-probe", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return 0;
    char buf[4096] = {0};
    double t0 = now_s();
    int n = 0;
    while (now_s() - t0 < 1.0) {
        if (pwrite(fd, buf, sizeof buf, (off_t)(n % 64) * 4096) < 0 || fdatasync(fd) < 0)
            break;
        n++;
    }
    double rate = n / (now_s() - t0);
    close(fd);
    unlink(path);
    return rate;
}

int main(int argc, char **argv)
{
    int nthreads = argc > 1 ? atoi(argv[1]) : 64;
    double secs = argc > 2 ? atof(argv[2]) : 5;
    const char *dir = argc > 3 ? argv[3] : "/tmp";
    char tmpl[4096], path[4200], err[256];
    snprintf(tmpl, sizeof tmpl, "%s/resops-gcbench-XXXXXX", dir);
    if (!mkdtemp(tmpl)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof path, "%s/bench.db", tmpl);
    Store *st;
    if (store_open(path, &st, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    double fs = fsync_rate(tmpl);
    printf("disk: %.0f fdatasync/s on %s\n", fs, tmpl);
    bench_result(fs, "fdatasync/s", NULL, "disk.fdatasync");
    int bad = run(path, nthreads, secs, 1, st);
    bad |= run(path, nthreads, secs, 0, st);
    store_close(st);
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpl);
    return bad;
}
