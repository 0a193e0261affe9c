/* fuzz_procstat — the collector's /proc parsers (engine/procfs.c, issue
 * 13). The first byte picks the format (its value modulo 8):
 *   0 stat  1 meminfo  2 loadavg  3 net/dev  4 diskstats  5 self/mounts
 *   6 a block device name (procfs_whole_disk)
 *   7 two whole readings: the rest is ten texts split at \x01 (stat,
 *     meminfo, loadavg, net/dev, diskstats, then the same five again)
 *     into procfs_compute, secs = the first byte / 8;
 * the rest is the file's text, NUL-terminated as procfs_read_file leaves
 * it. Beyond "no crash": CPU percentages stay 0..100, core and mount
 * counts within their arrays, mount strings terminated. A broken promise
 * abort()s. Corpus: tests/data/proc/ (two captured hosts, two synthetic
 * ones) behind their format byte (tests/fuzz/corpus/procstat/). */
#include "procfs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_procstat: %s\n", what);
    abort();
}

static void check_percent(double p)
{
    if (!(p >= 0 && p <= 100))
        fail("a CPU percentage outside 0..100");
}

static void one_stat(const char *text)
{
    ProcfsCpu all, cores[METRICS_MAX_CORES];
    int n = -1;
    if (procfs_parse_stat(text, &all, cores, METRICS_MAX_CORES, &n) == 0 &&
        (n < 0 || n > METRICS_MAX_CORES))
        fail("a core count outside the array");
    ProcfsCpu zero = {0, 0};
    check_percent(procfs_cpu_percent(&zero, &all));
}

static void one_mounts(const char *text)
{
    ProcfsMount m[METRICS_MAX_MOUNTS];
    int n = procfs_parse_mounts(text, m, METRICS_MAX_MOUNTS);
    if (n < 0 || n > METRICS_MAX_MOUNTS)
        fail("a mount count outside the array");
    for (int i = 0; i < n; i++)
        if (!memchr(m[i].path, '\0', sizeof m[i].path) ||
            !memchr(m[i].fstype, '\0', sizeof m[i].fstype) || !m[i].path[0])
            fail("a mount's path or type is empty or not terminated");
}

/* Five texts (stat, meminfo, loadavg, net/dev, diskstats) into r, as
 * procfs_read does with files. */
static void reading(char *const *t, ProcfsReading *r)
{
    memset(r, 0, sizeof *r);
    r->have_cpu = procfs_parse_stat(t[0], &r->cpu, r->core, METRICS_MAX_CORES, &r->ncores) == 0;
    r->have_mem = procfs_parse_meminfo(t[1], &r->mem) == 0;
    r->have_load = procfs_parse_loadavg(t[2], r->load) == 0;
    r->have_net = procfs_parse_netdev(t[3], &r->rx, &r->tx) == 0;
    r->have_disk = procfs_parse_diskstats(t[4], &r->rd, &r->wr) == 0;
}

static void two_readings(char *text, double secs)
{
    char *t[10];
    for (int i = 0; i < 10; i++) {
        t[i] = text;
        char *sep = text ? strchr(text, '\x01') : NULL;
        if (sep)
            *sep = '\0';
        text = sep ? sep + 1 : text + strlen(text);
    }
    ProcfsReading a, b;
    reading(t, &a);
    reading(t + 5, &b);
    MetricSample s;
    memset(&s, 0, sizeof s);
    procfs_compute(&a, &b, secs, &s);
    if (s.ncores < 0 || s.ncores > METRICS_MAX_CORES)
        fail("a sample's core count outside the array");
    if (a.have_cpu && b.have_cpu)
        check_percent(s.v[MET_CPU]);
    for (int i = 0; i < s.ncores; i++)
        check_percent(s.cores[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *text = malloc(size);                 /* the rest and its NUL */
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    ProcfsMem mem;
    double load[3];
    uint64_t a, b;
    switch (data[0] % 8) {
    case 0: one_stat(text); break;
    case 1: procfs_parse_meminfo(text, &mem); break;
    case 2: procfs_parse_loadavg(text, load); break;
    case 3: procfs_parse_netdev(text, &a, &b); break;
    case 4: procfs_parse_diskstats(text, &a, &b); break;
    case 5: one_mounts(text); break;
    case 6:
        if (procfs_whole_disk(text) & ~1)
            fail("procfs_whole_disk is not 0 or 1");
        break;
    default: two_readings(text, data[0] / 8.0); break;
    }
    free(text);
    return 0;
}
