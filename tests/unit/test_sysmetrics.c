/* test_sysmetrics — the metrics collector (engine/sysmetrics.c) and its
 * /proc parsers (engine/procfs.c):
 *  - each /proc parser on fixed texts;
 *  - readings of captured files (tests/data/proc/): synth-a/synth-b, a
 *    hand-made pair whose every rate and percentage is worked out below,
 *    and host-a/host-b, two real captures of a machine two seconds apart;
 *  - the live machine's /proc;
 *  - the collector with a database: records as the engine (samples,
 *    then a threshold alert with its outbox event from captured values
 *    over the threshold), records nothing as a viewer, and publishes its
 *    history with the thresholds into a SnapshotBox from its thread. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "procfs.h"
#include "snapshot.h"
#include "sysmetrics.h"
#include "domain/metrics.h"
#include "store/db.h"
#include "store/metric_repo.h"

#ifndef SOURCE_ROOT
#error "build with -DSOURCE_ROOT"
#endif
#define DATA SOURCE_ROOT "/tests/data/proc/"

static const char proc_stat[] =
    "cpu  100 5 50 800 20 0 5 0 0 0\n"
    "cpu0 50 2 25 400 10 0 3 0 0 0\n"
    "cpu1 50 3 25 400 10 0 2 0 0 0\n"
    "intr 12345\nctxt 999\n";

static const char meminfo[] =
    "MemTotal:       16000000 kB\n"
    "MemFree:         2000000 kB\n"
    "MemAvailable:    4000000 kB\n"
    "Buffers:          100000 kB\n"
    "Cached:          3000000 kB\n"
    "SwapCached:        77777 kB\n"
    "SwapTotal:       2000000 kB\n"
    "SwapFree:        1500000 kB\n";

static const char netdev[] =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n"
    "    lo: 27511223  418872    0    0    0     0          0         0 27511223  418872    0 "
    "   0    0     0       0          0\n"
    "  eth0: 160453483    4664    0    0    0     0          0         0   221869    2960    0 "
    "   0    0     0       0          0\n"
    "  wlan0:1000 10 0 0 0 0 0 0 500 5 0 0 0 0 0 0\n";

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-6)

static void test_stat(void **state)
{
    (void)state;
    ProcfsCpu all, cores[4];
    int n;
    assert_int_equal(procfs_parse_stat(proc_stat, &all, cores, 4, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(all.total, 980);
    assert_int_equal(all.busy, 160);             /* idle 800 + iowait 20 are idle */
    assert_int_equal(cores[1].total, 490);
    assert_int_equal(cores[1].busy, 80);
    /* more cores than room: the rest is dropped, not overflowed */
    assert_int_equal(procfs_parse_stat(proc_stat, &all, cores, 1, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(procfs_parse_stat("garbage", &all, cores, 4, &n), -EINVAL);
    assert_int_equal(procfs_parse_stat("cpu  1 2\n", &all, cores, 4, &n), -EINVAL);
}

static void test_cpu_percent(void **state)
{
    (void)state;
    ProcfsCpu a = {.busy = 100, .total = 1000}, b = {.busy = 150, .total = 1100};
    NEAR(procfs_cpu_percent(&a, &b), 50);
    NEAR(procfs_cpu_percent(&a, &a), 0);       /* nothing elapsed */
    NEAR(procfs_cpu_percent(&b, &a), 0);       /* counters went back */
}

static void test_meminfo(void **state)
{
    (void)state;
    ProcfsMem m;
    assert_int_equal(procfs_parse_meminfo(meminfo, &m), 0);
    NEAR(m.total_kb, 16000000);
    NEAR(m.available_kb, 4000000);
    NEAR(m.swap_free_kb, 1500000);               /* not SwapCached's line */
    /* before MemAvailable (3.14): free + buffers + cached */
    assert_int_equal(procfs_parse_meminfo("MemTotal: 1000 kB\nMemFree: 100 kB\n"
                                              "Buffers: 10 kB\nCached: 40 kB\n", &m), 0);
    NEAR(m.available_kb, 150);
    NEAR(m.swap_total_kb, 0);
    assert_int_equal(procfs_parse_meminfo("nothing", &m), -EINVAL);
}

static void test_loadavg(void **state)
{
    (void)state;
    double l[3];
    assert_int_equal(procfs_parse_loadavg("0.70 3.08 12.58 1/85 15043\n", l), 0);
    NEAR(l[0], 0.70);
    NEAR(l[1], 3.08);
    NEAR(l[2], 12.58);
    assert_int_equal(procfs_parse_loadavg("x", l), -EINVAL);
    assert_int_equal(procfs_parse_loadavg("1.0 2.0", l), -EINVAL);
}

static void test_netdev(void **state)
{
    (void)state;
    uint64_t rx, tx;
    assert_int_equal(procfs_parse_netdev(netdev, &rx, &tx), 0);
    assert_int_equal(rx, 160453483ULL + 1000);      /* lo is not counted */
    assert_int_equal(tx, 221869ULL + 500);
    assert_int_equal(procfs_parse_netdev("no interfaces", &rx, &tx), -EINVAL);
}

static void test_whole_disk(void **state)
{
    (void)state;
    static const struct { const char *name; int whole; } cases[] = {
        {"sda", 1}, {"sdab", 1}, {"sda1", 0}, {"vda", 1}, {"vda2", 0}, {"hdc", 1},
        {"xvdf", 1}, {"xvdf1", 0}, {"nvme0n1", 1}, {"nvme10n2", 1}, {"nvme0n1p1", 0},
        {"nvme0", 0}, {"mmcblk0", 1}, {"mmcblk0p1", 0}, {"dm-0", 0}, {"md0", 0},
        {"loop0", 0}, {"zram0", 0}, {"sr0", 0}, {"sd", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (procfs_whole_disk(cases[i].name) != cases[i].whole)
            fail_msg("%s: expected %d", cases[i].name, cases[i].whole);
}

static void test_diskstats(void **state)
{
    (void)state;
    uint64_t rd, wr;
    const char *text = "   8       0 sda 100 0 1000 0 50 0 2000 0 0 0 0\n"
                       "   8       1 sda1 100 0 1000 0 50 0 2000 0 0 0 0\n"
                       " 253       0 dm-0 10 0 555 0 10 0 555 0 0 0 0\n";
    assert_int_equal(procfs_parse_diskstats(text, &rd, &wr), 0);
    assert_int_equal(rd, 1000);                     /* sda only, not its partition */
    assert_int_equal(wr, 2000);
    assert_int_equal(procfs_parse_diskstats("", &rd, &wr), -EINVAL);
}

static void test_mounts(void **state)
{
    (void)state;
    ProcfsMount m[16];
    char buf[4096];
    FILE *f = fopen(DATA "synth-a/self/mounts", "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    int got = procfs_parse_mounts(buf, m, 16);
    /* overlay "/" kept, proc/tmpfs/sysfs and NFS skipped, the bind mount of
     * /dev/sda1 skipped, \040 decoded */
    assert_int_equal(got, 4);
    assert_string_equal(m[0].path, "/");
    assert_string_equal(m[1].path, "/home");
    assert_string_equal(m[2].path, "/mnt/my disk");
    assert_string_equal(m[2].fstype, "xfs");
    assert_string_equal(m[3].path, "/boot/efi");
    assert_int_equal(procfs_parse_mounts(buf, m, 2), 2);   /* capped */
}

/* The hand-made pair, 2 s apart: see the files for the numbers. */
static void test_synth_pair(void **state)
{
    (void)state;
    static char buf[65536];
    ProcfsReading a, b;
    procfs_read(DATA "synth-a", &a, buf, sizeof buf);
    procfs_read(DATA "synth-b", &b, buf, sizeof buf);
    assert_true(a.have_cpu && a.have_mem && a.have_load && a.have_net && a.have_disk);
    MetricSample s;
    metrics_sample_init(&s, 1000);
    procfs_compute(&a, &b, 2.0, &s);
    NEAR(s.v[MET_CPU], 50);          /* busy +1000 of +2000 jiffies */
    assert_int_equal(s.ncores, 2);
    NEAR(s.cores[0], 60);            /* +600 of +1000 */
    NEAR(s.cores[1], 40);            /* +400 of +1000 */
    NEAR(s.v[MET_MEMORY], 75);       /* 8 GB total, 2 GB available */
    NEAR(s.v[MET_SWAP], 75);         /* 1 GB swap, 0.25 GB free */
    NEAR(s.v[MET_LOAD1], 1.5);
    NEAR(s.v[MET_LOAD5], 0.75);
    NEAR(s.v[MET_LOAD15], 0.25);
    NEAR(s.v[MET_NET_RX], 2000);     /* eth0 +4000 B in 2 s; lo ignored */
    NEAR(s.v[MET_NET_TX], 500);
    /* sda +2000 and nvme0n1 +1000 sectors read; partitions, dm and md not
     * counted: 3000 * 512 B / 2 s */
    NEAR(s.v[MET_DISK_READ], 768000);
    NEAR(s.v[MET_DISK_WRITE], 1536000);  /* +4000 +2000 sectors */
    assert_true(isnan(s.v[MET_DISK]));   /* mounts are the collector's */
    /* counters that went backwards give 0, not a huge number */
    metrics_sample_init(&s, 1000);
    procfs_compute(&b, &a, 2.0, &s);
    NEAR(s.v[MET_CPU], 0);
    NEAR(s.v[MET_NET_RX], 0);
    NEAR(s.v[MET_DISK_READ], 0);
    /* a missing file is "not measured" */
    ProcfsReading none;
    procfs_read(DATA "does-not-exist", &none, buf, sizeof buf);
    assert_false(none.have_cpu || none.have_mem || none.have_net);
    metrics_sample_init(&s, 1000);
    procfs_compute(&none, &none, 2.0, &s);
    assert_true(isnan(s.v[MET_CPU]) && isnan(s.v[MET_MEMORY]) && isnan(s.v[MET_NET_RX]));
}

static void check_sane(const MetricSample *s)
{
    assert_true(s->v[MET_CPU] >= 0 && s->v[MET_CPU] <= 100);
    assert_true(s->v[MET_MEMORY] > 0 && s->v[MET_MEMORY] < 100);
    assert_true(s->v[MET_SWAP] >= 0 && s->v[MET_SWAP] <= 100);
    assert_true(s->v[MET_LOAD1] >= 0);
    assert_true(s->v[MET_NET_RX] >= 0 && s->v[MET_NET_TX] >= 0);
    assert_true(s->v[MET_DISK_READ] >= 0 && s->v[MET_DISK_WRITE] >= 0);
    assert_true(s->ncores >= 1);
    for (int i = 0; i < s->ncores; i++)
        assert_true(s->cores[i] >= 0 && s->cores[i] <= 100);
}

/* Two real captures of a machine, 2 s apart, with a 50 MB write between. */
static void test_host_pair(void **state)
{
    (void)state;
    static char buf[65536];
    ProcfsReading a, b;
    procfs_read(DATA "host-a", &a, buf, sizeof buf);
    procfs_read(DATA "host-b", &b, buf, sizeof buf);
    assert_true(a.have_cpu && a.have_mem && a.have_load && a.have_net && a.have_disk);
    assert_int_equal(a.ncores, b.ncores);
    MetricSample s;
    metrics_sample_init(&s, 1000);
    procfs_compute(&a, &b, 2.0, &s);
    check_sane(&s);
    assert_true(s.v[MET_DISK_WRITE] > 1e6);       /* the write shows */
}

static void test_live_proc(void **state)
{
    (void)state;
    static char buf[65536];
    ProcfsReading a, b;
    procfs_read("/proc", &a, buf, sizeof buf);
    usleep(100 * 1000);
    procfs_read("/proc", &b, buf, sizeof buf);
    assert_true(a.have_cpu && a.have_mem && a.have_load);
    assert_true(a.ncores >= 1 && a.ncores <= METRICS_MAX_CORES);
    MetricSample s;
    metrics_sample_init(&s, 1000);
    procfs_compute(&a, &b, 0.1, &s);
    assert_true(s.v[MET_CPU] >= 0 && s.v[MET_CPU] <= 100);
    assert_true(s.v[MET_MEMORY] > 0 && s.v[MET_MEMORY] < 100);
    /* this machine's own mounts: "/" always */
    FILE *f = fopen("/proc/self/mounts", "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    ProcfsMount m[16];
    int got = procfs_parse_mounts(buf, m, 16);
    int root = 0;
    for (int i = 0; i < got; i++)
        root |= !strcmp(m[i].path, "/");
    assert_true(root);
}

/* ---- the collector with a database ------------------------------------------- */

typedef struct Fx {
    char dir[64], db[128];
} Fx;

static int fx_setup(void **state)
{
    Fx *fx = calloc(1, sizeof *fx);
    strcpy(fx->dir, "/tmp/resops-sysmetrics-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->db, sizeof fx->db, "%s/t.db", fx->dir);
    *state = fx;
    return 0;
}

static int fx_teardown(void **state)
{
    Fx *fx = *state;
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

static int64_t query_int(const char *db, const char *sql)
{
    Store *st;
    char err[256];
    assert_int_equal(store_open(db, &st, err, sizeof err), 0);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL), SQLITE_OK);
    int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    store_close(st);
    return v;
}

static int never_primary(void *ctx) { (void)ctx; return 0; }

static int64_t fixed_now;
static int64_t fixed_clock(void) { return fixed_now; }

static void test_records_as_engine(void **state)
{
    Fx *fx = *state;
    SnapshotBox *box = snapshot_box_new();
    char err[256];
    SysMetricsOpts o = {
        .box = box, .interval_s = 1, .db_path = fx->db, .proc_root = "/proc",
        .policy = {.fire_after = 3, .clear_after = 3, .hysteresis_pct = 5},
        .retention = {.raw_s = 86400, .minute_s = 30 * 86400},
    };
    SysMetrics *m = sysmetrics_new(&o, err, sizeof err);
    assert_non_null(m);
    usleep(50 * 1000);
    MetricSample s;
    assert_int_equal(sysmetrics_tick(m, &s), 1);
    check_sane(&s);
    assert_true(s.nmounts >= 1 && s.disk_mount >= 0);
    assert_true(s.v[MET_DISK] > 0 && s.v[MET_DISK] <= 100);
    /* every scalar, every core and every mount is a row */
    int64_t rows = query_int(fx->db, "SELECT count(*) FROM metric_sample WHERE resolution = 0");
    assert_int_equal(rows, MET_COUNT + s.ncores + s.nmounts);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM metric_sample WHERE name = 'cpu0'"),
                     1);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM metric_sample WHERE name = 'disk:/'"),
                     1);
    /* the box has the point and the thresholds (seed 004 defaults) */
    SnapMetrics *h = snapshot_box_acquire_metrics(box);
    assert_non_null(h);
    assert_int_equal(h->n, 1);
    assert_true(h->recording && h->have_thresholds);
    NEAR(h->threshold[THRESH_CPU], 80);
    NEAR(h->threshold[THRESH_MEMORY], 75);
    assert_true(h->ncores == s.ncores && h->nmounts == s.nmounts);
    snap_metrics_unref(h);
    sysmetrics_free(m);
    snapshot_box_free(box);
}

static void test_viewer_records_nothing(void **state)
{
    Fx *fx = *state;
    char err[256];
    SysMetricsOpts o = {
        .interval_s = 1, .db_path = fx->db, .is_primary = never_primary,
        .policy = {.fire_after = 1, .clear_after = 1},
        .retention = {.raw_s = 86400, .minute_s = 86400},
    };
    SnapshotBox *box = snapshot_box_new();
    o.box = box;
    SysMetrics *m = sysmetrics_new(&o, err, sizeof err);
    assert_non_null(m);
    for (int i = 0; i < 3; i++) {
        usleep(20 * 1000);
        assert_int_equal(sysmetrics_tick(m, NULL), 1);
    }
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM metric_sample"), 0);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM outbox"), 0);
    SnapMetrics *h = snapshot_box_acquire_metrics(box);
    assert_true(h && h->n == 3 && !h->recording && h->have_thresholds);
    snap_metrics_unref(h);
    sysmetrics_free(m);
    snapshot_box_free(box);
}

/* Captured values (memory 75 %) against a 50 % threshold: the alert fires
 * on the 2nd sample over (fire_after 2) with its outbox event. */
static void test_alert_from_captured_files(void **state)
{
    Fx *fx = *state;
    char err[256];
    Store *st;
    assert_int_equal(store_open(fx->db, &st, err, sizeof err), 0);
    assert_int_equal(metrics_set_threshold(st, "memory", 50, 0, "test", 1000, err, sizeof err), 1);
    store_close(st);
    fixed_now = 1700000000;
    SysMetricsOpts o = {
        .interval_s = 1, .db_path = fx->db, .proc_root = DATA "synth-b", .clock = fixed_clock,
        .policy = {.fire_after = 2, .clear_after = 2, .hysteresis_pct = 5},
        .retention = {.raw_s = 86400, .minute_s = 86400},
    };
    SysMetrics *m = sysmetrics_new(&o, err, sizeof err);
    assert_non_null(m);
    MetricSample s;
    fixed_now += 1;
    assert_int_equal(sysmetrics_tick(m, &s), 1);
    NEAR(s.v[MET_MEMORY], 75);
    NEAR(s.v[MET_SWAP], 75);          /* under its default 80 */
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM metric_alert"), 0);
    fixed_now += 1;
    assert_int_equal(sysmetrics_tick(m, &s), 1);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM metric_alert WHERE type = 'memory' "
                                       "AND value = 75 AND threshold = 50 AND cleared_at IS NULL"),
                     1);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM outbox WHERE channel = 'event' AND "
                                       "payload LIKE '%\"type\":\"memory\",\"value\":75,%'"),
                     1);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM metric_alert"), 1);
    sysmetrics_free(m);
    /* a restart continues the firing alert: no second row */
    m = sysmetrics_new(&o, err, sizeof err);
    fixed_now += 1;
    assert_int_equal(sysmetrics_tick(m, &s), 1);
    fixed_now += 1;
    assert_int_equal(sysmetrics_tick(m, &s), 1);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM metric_alert"), 1);
    sysmetrics_free(m);
}

static void test_thread_publishes(void **state)
{
    Fx *fx = *state;
    SnapshotBox *box = snapshot_box_new();
    char err[256];
    SysMetricsOpts o = {
        .box = box, .interval_s = 1, .db_path = fx->db,
        .policy = {.fire_after = 3, .clear_after = 3, .hysteresis_pct = 5},
        .retention = {.raw_s = 86400, .minute_s = 86400},
    };
    SysMetrics *m = sysmetrics_start(&o, err, sizeof err);
    assert_non_null(m);
    SnapMetrics *first = snapshot_box_acquire_metrics(box);
    assert_non_null(first);                         /* totals right away */
    assert_true(first->mem_total_mb > 0);
    assert_int_equal(first->n, 0);
    snap_metrics_unref(first);
    /* the first point arrives about a second later */
    SnapMetrics *h = NULL;
    for (int waited = 0; waited < 5000 && !h; waited += 100) {   /* wake pipe, 5 s deadline */
        struct pollfd pfd = {.fd = snapshot_box_fd(box), .events = POLLIN};
        poll(&pfd, 1, 100);
        snapshot_box_drain(box);
        h = snapshot_box_acquire_metrics(box);
        if (h && h->n == 0) {
            snap_metrics_unref(h);
            h = NULL;
        }
    }
    assert_non_null(h);
    assert_true(h->v[MET_MEMORY][0] > 0 && h->v[MET_MEMORY][0] <= 100);
    assert_true(h->v[MET_CPU][0] >= 0 && h->v[MET_CPU][0] <= 100);
    assert_int_equal(h->interval_s, 1);
    snap_metrics_unref(h);
    sysmetrics_stop(m);
    assert_true(query_int(fx->db, "SELECT count(*) FROM metric_sample WHERE name = 'cpu'") >= 1);
    snapshot_box_free(box);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stat),
        cmocka_unit_test(test_cpu_percent),
        cmocka_unit_test(test_meminfo),
        cmocka_unit_test(test_loadavg),
        cmocka_unit_test(test_netdev),
        cmocka_unit_test(test_whole_disk),
        cmocka_unit_test(test_diskstats),
        cmocka_unit_test(test_mounts),
        cmocka_unit_test(test_synth_pair),
        cmocka_unit_test(test_host_pair),
        cmocka_unit_test(test_live_proc),
        cmocka_unit_test_setup_teardown(test_records_as_engine, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_viewer_records_nothing, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_alert_from_captured_files, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_thread_publishes, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
