/* bench_cycle — cost of one engine cycle (cycle_evaluate: risk scoring,
 * SLA breaches, alert dedup; no network) over N synthetic services.
 *
 * usage: bench_cycle [--runs K] [N ...]      (default N: 1000 10000 100000)
 *
 * How it works: for each N, a forked child fills a fresh SQLite file in a
 * temporary directory with seed_services() (what `resops seed --services N`
 * runs), so the seeding's memory never counts against this process. The
 * parent resets its peak-RSS mark (/proc/self/clear_refs), opens its own
 * Store and, with one fixed `now` for seeding and every cycle, times
 *   - the first cycle_evaluate, which writes every service's current risk
 *     and history row and raises the initial alerts, and
 *   - K (default 5) steady-state cycles, where nothing changed (checked:
 *     no history row, no alert raised or resolved); the median is reported.
 * Single thread throughout. Numbers only mean something from an optimized,
 * non-sanitized build: use tests/bench/run.sh.
 *
 * Exit status: 0 when every run completed (a missed target is reported,
 * not an error), 1 on a failure to seed or evaluate, 2 on bad usage.
 */
#include "bench_result.h"
#include "domain/cycle.h"
#include "domain/seed.h"
#include "store/db.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SIZES    16
#define MAX_RUNS     99
#define TARGET_MS    1000.0  /* 100k services, one core */
#define TARGET_RATIO 12.0    /* steady 100k / steady 10k */
#define TARGET_RSS   150.0   /* MB at 100k */

typedef struct Result {
    int        n;
    double     seed_ms;
    double     first_ms;
    double     checkpoint_ms;  /* WAL checkpoint after the first cycle */
    double     steady_ms;      /* median */
    double     steady_min_ms, steady_max_ms;
    double     hwm_mb;         /* peak RSS while this N was evaluated */
    CycleStats first;
    int        steady_dirty;   /* a steady cycle changed something */
} Result;

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A "Vm...:  123 kB" line of /proc/self/status in MB, or -1. */
static double proc_status_mb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double mb = -1;
    size_t klen = strlen(key);
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            mb = strtod(line + klen + 1, NULL) / 1024.0;
            break;
        }
    fclose(f);
    return mb;
}

/* Reset VmHWM to the current RSS (Linux >= 4.0). 0 or -1. */
static int reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f)
        return -1;
    int ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Fill path with n services in a child process; 0 or -1. */
static int seed_in_child(const char *path, int n, int64_t now, double *out_ms)
{
    double t0 = mono_ms();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("bench_cycle: fork");
        return -1;
    }
    if (pid == 0) {
        Store *st;
        char err[512];
        if (store_open(path, &st, err, sizeof err) < 0) {
            fprintf(stderr, "bench_cycle: %s\n", err);
            _exit(1);
        }
        int r = seed_services(st, n, now, err, sizeof err);
        if (r < 0)
            fprintf(stderr, "bench_cycle: %s\n", err);
        store_close(st);
        _exit(r < 0 ? 1 : 0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    *out_ms = mono_ms() - t0;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void remove_db(const char *dir, const char *path)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal", ".lock"};
    char buf[512];
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        snprintf(buf, sizeof buf, "%s%s", path, suffix[i]);
        unlink(buf);
    }
    rmdir(dir);
}

static int bench_one(int n, int runs, int64_t now, Result *res)
{
    const char *tmp = getenv("TMPDIR");
    char dir[256], path[300];
    snprintf(dir, sizeof dir, "%s/resops-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("bench_cycle: mkdtemp");
        return -1;
    }
    snprintf(path, sizeof path, "%s/bench.db", dir);

    memset(res, 0, sizeof *res);
    res->n = n;
    int rc = -1;
    Store *st = NULL;
    char err[512];
    double t[MAX_RUNS];

    if (seed_in_child(path, n, now, &res->seed_ms) < 0) {
        fprintf(stderr, "bench_cycle: seeding %d services failed\n", n);
        goto out;
    }
    reset_peak_rss();
    if (store_open(path, &st, err, sizeof err) < 0) {
        fprintf(stderr, "bench_cycle: %s\n", err);
        goto out;
    }
    /* the engine's connection settings (engine.c): 32 MiB of cache, WAL
     * checkpoints after the tick instead of inside the cycle's commit */
    store_set_cache_mb(st, 32);
    store_manual_checkpoints(st);

    double t0 = mono_ms();
    if (cycle_evaluate(st, now, &res->first) < 0)
        goto fail;
    res->first_ms = mono_ms() - t0;
    double tc = mono_ms();
    store_checkpoint(st);
    res->checkpoint_ms = mono_ms() - tc;

    for (int k = 0; k < runs; k++) {
        CycleStats cs;
        t0 = mono_ms();
        if (cycle_evaluate(st, now, &cs) < 0)
            goto fail;
        t[k] = mono_ms() - t0;
        store_checkpoint(st);
        if (cs.risk_changed || cs.alerts_raised || cs.alerts_resolved || cs.breaches)
            res->steady_dirty = 1;
    }
    qsort(t, (size_t)runs, sizeof t[0], cmp_double);
    res->steady_ms = runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
    res->steady_min_ms = t[0];
    res->steady_max_ms = t[runs - 1];
    res->hwm_mb = proc_status_mb("VmHWM");
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "bench_cycle: cycle_evaluate failed at %d services\n", n);
out:
    store_close(st);
    remove_db(dir, path);
    return rc;
}

static const Result *find(const Result *r, int nr, int n)
{
    for (int i = 0; i < nr; i++)
        if (r[i].n == n)
            return &r[i];
    return NULL;
}

static void report(const Result *r, int nr, int runs)
{
    printf("\n| services | seed (ms) | first cycle (ms) | then checkpoint (ms) "
           "| steady cycle, median of %d (ms) "
           "| steady min-max (ms) | steady us/service | peak RSS (MB) |\n",
           runs);
    printf("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int i = 0; i < nr; i++)
        printf("| %d | %.0f | %.1f | %.1f | %.1f | %.1f-%.1f | %.2f | %.1f |\n", r[i].n,
               r[i].seed_ms, r[i].first_ms, r[i].checkpoint_ms, r[i].steady_ms,
               r[i].steady_min_ms, r[i].steady_max_ms,
               r[i].steady_ms * 1000.0 / r[i].n, r[i].hwm_mb);
    for (int i = 0; i < nr; i++) {
        bench_result(r[i].first_ms, "ms", NULL, "cycle.%d.first_ms", r[i].n);
        bench_result(r[i].checkpoint_ms, "ms", NULL, "cycle.%d.checkpoint_ms", r[i].n);
        bench_result(r[i].steady_ms, "ms", NULL, "cycle.%d.steady_ms", r[i].n);
        bench_result(r[i].hwm_mb, "MB", NULL, "cycle.%d.rss_mb", r[i].n);
    }
    printf("\nfirst cycle writes: ");
    for (int i = 0; i < nr; i++)
        printf("%s%d: %d risk rows, %d alerts, %d SLA breaches", i ? "; " : "", r[i].n,
               r[i].first.risk_changed, r[i].first.alerts_raised, r[i].first.breaches);
    printf("\n");
    for (int i = 0; i < nr; i++)
        if (r[i].steady_dirty)
            printf("WARNING: a steady-state cycle at %d services still wrote changes\n",
                   r[i].n);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("process peak RSS (ru_maxrss, all sizes): %.1f MB\n", (double)ru.ru_maxrss / 1024.0);

    const Result *k10 = find(r, nr, 10000), *k100 = find(r, nr, 100000);
    if (k100) {
        printf("target 100k steady cycle < %.0f ms: %.1f ms  %s\n", TARGET_MS, k100->steady_ms,
               k100->steady_ms < TARGET_MS ? "OK" : "MISSED");
        printf("       100k first cycle  < %.0f ms: %.1f ms  %s\n", TARGET_MS, k100->first_ms,
               k100->first_ms < TARGET_MS ? "OK" : "MISSED");
        printf("target 100k peak RSS < %.0f MB: %.1f MB  %s\n", TARGET_RSS, k100->hwm_mb,
               k100->hwm_mb >= 0 && k100->hwm_mb < TARGET_RSS ? "OK" : "MISSED");
    }
    if (k10 && k100) {
        double ratio = k100->steady_ms / k10->steady_ms;
        printf("target steady 100k/10k <= %.0fx: %.2fx  %s  (fastest runs: %.2fx; first "
               "cycle: %.2fx)\n",
               TARGET_RATIO, ratio, ratio <= TARGET_RATIO ? "OK" : "MISSED",
               k100->steady_min_ms / k10->steady_min_ms, k100->first_ms / k10->first_ms);
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_cycle [--runs K] [N ...]   (default: 1000 10000 100000)\n");
}

int main(int argc, char **argv)
{
    int sizes[MAX_SIZES], ns = 0, runs = 5;
    for (int i = 1; i < argc; i++) {
        char *end;
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > MAX_RUNS) {
                usage();
                return 2;
            }
            runs = (int)v;
            continue;
        }
        long v = strtol(argv[i], &end, 10);
        if (*end || v < 1 || v > 10000000 || ns == MAX_SIZES) {
            usage();
            return 2;
        }
        sizes[ns++] = (int)v;
    }
    if (ns == 0) {
        sizes[ns++] = 1000;
        sizes[ns++] = 10000;
        sizes[ns++] = 100000;
    }
    log_set_level(LOG_WARN);

    Result res[MAX_SIZES];
    int64_t now = util_now();
    printf("bench_cycle: cycle_evaluate, one thread, %d steady runs per size\n", runs);
    for (int i = 0; i < ns; i++) {
        if (bench_one(sizes[i], runs, now, &res[i]) < 0)
            return 1;
        printf("  %7d services: first %.1f ms, steady median %.1f ms\n", res[i].n,
               res[i].first_ms, res[i].steady_ms);
        fflush(stdout);
    }
    report(res, ns, runs);
    return 0;
}
