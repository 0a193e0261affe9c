/* test_sysmetrics — the /proc parsers of the metrics collector
 * (engine/sysmetrics.c) on fixed texts, and CPU percent from two
 * readings; then one live collector run publishing into a box. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "snapshot.h"
#include "sysmetrics.h"

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

static void test_stat(void **state)
{
    (void)state;
    SysCpuTimes t;
    assert_int_equal(sysmetrics_parse_stat(proc_stat, &t), 0);
    assert_int_equal(t.total, 980);
    assert_int_equal(t.busy, 980 - 800 - 20);       /* idle and iowait are idle */
    assert_int_equal(t.ncpu, 2);
    assert_int_equal(sysmetrics_parse_stat("garbage", &t), -EINVAL);
}

static void test_cpu_percent(void **state)
{
    (void)state;
    SysCpuTimes a = {.busy = 100, .total = 1000}, b = {.busy = 150, .total = 1100};
    assert_true(sysmetrics_cpu_percent(&a, &b) > 49.9 && sysmetrics_cpu_percent(&a, &b) < 50.1);
    assert_true(sysmetrics_cpu_percent(&a, &a) == 0);   /* nothing elapsed */
    assert_true(sysmetrics_cpu_percent(&b, &a) == 0);   /* counters went back */
}

static void test_meminfo(void **state)
{
    (void)state;
    SysMem m;
    assert_int_equal(sysmetrics_parse_meminfo(meminfo, &m), 0);
    assert_true(m.total_kb == 16000000);
    assert_true(m.available_kb == 4000000);
    assert_true(m.swap_total_kb == 2000000 && m.swap_free_kb == 1500000);
    /* an old kernel without MemAvailable: free + buffers + cached */
    assert_int_equal(sysmetrics_parse_meminfo("MemTotal: 1000 kB\nMemFree: 100 kB\n"
                                              "Buffers: 50 kB\nCached: 200 kB\n", &m), 0);
    assert_true(m.available_kb == 350);
    assert_int_equal(sysmetrics_parse_meminfo("nothing", &m), -EINVAL);
}

static void test_netdev(void **state)
{
    (void)state;
    uint64_t rx, tx;
    assert_int_equal(sysmetrics_parse_netdev(netdev, &rx, &tx), 0);
    assert_int_equal(rx, 160453483ULL + 1000);      /* lo is not counted */
    assert_int_equal(tx, 221869ULL + 500);
}

static void test_live_collector(void **state)
{
    (void)state;
    SnapshotBox *box = snapshot_box_new();
    char err[128];
    SysMetrics *m = sysmetrics_start(box, 1, err, sizeof err);
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
    assert_true(h->v[SYSMET_MEM][0] > 0 && h->v[SYSMET_MEM][0] <= 100);
    assert_true(h->v[SYSMET_CPU][0] >= 0 && h->v[SYSMET_CPU][0] <= 100);
    assert_int_equal(h->interval_s, 1);
    snap_metrics_unref(h);
    sysmetrics_stop(m);
    snapshot_box_free(box);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stat),
        cmocka_unit_test(test_cpu_percent),
        cmocka_unit_test(test_meminfo),
        cmocka_unit_test(test_netdev),
        cmocka_unit_test(test_live_collector),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
