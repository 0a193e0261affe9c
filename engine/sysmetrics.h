/* sysmetrics — seed 004's metrics collector: this machine's CPU (overall
 * and per core), memory, swap, load, disk usage per mount (statvfs), disk
 * I/O and network rates, read from /proc every few seconds on a thread of
 * its own.
 *
 * Each sample is published as a SnapMetrics history in the SnapshotBox
 * (the console's Metrics pane) and, while this process is the engine
 * (is_primary), recorded through the domain (metrics_ingest: samples,
 * threshold alerts, notifications) with minute averages and retention
 * (metrics_maintain) once a minute. A viewer only samples for its own
 * display and shows the thresholds and open alerts it reads from the
 * database: it never writes, so nothing is stored or sent twice.
 *
 * Thread: sysmetrics_start/stop from the main thread; the thread opens
 * its own Store. sysmetrics_new/tick/free (tests, benchmark) run in the
 * caller's thread. The parsers are pure: any thread.
 */
#ifndef RESOPS_ENGINE_SYSMETRICS_H
#define RESOPS_ENGINE_SYSMETRICS_H

#include <stddef.h>
#include <stdint.h>
#include "domain/metrics.h"
#include "domain/thresholds.h"
#include "snapshot.h"

typedef struct SysMetricsOpts {
    SnapshotBox     *box;           /* may be NULL: nothing published */
    int              interval_s;    /* <= 0: 5 */
    const char      *db_path;       /* NULL or "": display only */
    int            (*is_primary)(void *ctx);  /* NULL: always the engine */
    void            *ctx;
    ThresholdPolicy  policy;
    MetricsRetention retention;
    const char      *proc_root;     /* NULL: "/proc" (tests point elsewhere) */
    int64_t        (*clock)(void);  /* wall clock; NULL: util_now */
} SysMetricsOpts;

typedef struct SysMetrics SysMetrics;

/* Take a baseline reading, start the thread. NULL with err. */
SysMetrics *sysmetrics_start(const SysMetricsOpts *o, char *err, size_t errsz);
void        sysmetrics_stop(SysMetrics *m);             /* NULL ok */

/* Without a thread (tests, benchmark): new takes the baseline reading and
 * opens the Store in the calling thread; tick reads /proc, records and
 * publishes. tick returns 1 with *out (may be NULL) filled, or -EIO when
 * recording failed (the sample was still published). */
SysMetrics *sysmetrics_new(const SysMetricsOpts *o, char *err, size_t errsz);
int         sysmetrics_tick(SysMetrics *m, MetricSample *out);
void        sysmetrics_free(SysMetrics *m);             /* NULL ok */

/* ---- pure parsers (0 or -EINVAL) ---------------------------------------- */

typedef struct SysCpuTimes {
    uint64_t busy, total;                /* jiffies */
} SysCpuTimes;

/* The "cpu" line into *all and up to maxcores "cpuN" lines into cores
 * (index N), *ncores = highest N + 1 seen (capped at maxcores). */
int sysmetrics_parse_stat(const char *proc_stat, SysCpuTimes *all, SysCpuTimes *cores,
                          int maxcores, int *ncores);

typedef struct SysMem {
    double total_kb, available_kb, swap_total_kb, swap_free_kb;
} SysMem;
int sysmetrics_parse_meminfo(const char *meminfo, SysMem *out);

/* The three load averages of /proc/loadavg. */
int sysmetrics_parse_loadavg(const char *loadavg, double out[3]);

/* Sum of rx/tx bytes over every interface except lo. */
int sysmetrics_parse_netdev(const char *net_dev, uint64_t *out_rx, uint64_t *out_tx);

/* Sectors (512 bytes) read and written, summed over whole disks only
 * (sysmetrics_whole_disk), so partitions and device-mapper volumes on
 * top of a disk are not counted twice. */
int sysmetrics_parse_diskstats(const char *diskstats, uint64_t *out_read, uint64_t *out_written);
/* sdX, hdX, vdX, xvdX, nvmeNnM, mmcblkN: a whole disk, not a partition. */
int sysmetrics_whole_disk(const char *name);

typedef struct SysMount {
    char path[128];
    char fstype[32];
} SysMount;
/* Local file systems worth watching from /proc/self/mounts: disk-backed
 * types (ext4, xfs, btrfs, ...), "/" whatever its type (overlay in a
 * container); no pseudo or network file systems (statvfs on a dead NFS
 * server would hang the collector); one mount per device (bind mounts).
 * Octal escapes (\040) are decoded. Returns the count (<= max). */
int sysmetrics_parse_mounts(const char *mounts, SysMount *out, int max);

/* Percent busy between two CPU readings (0 when nothing elapsed). */
double sysmetrics_cpu_percent(const SysCpuTimes *prev, const SysCpuTimes *cur);

/* One reading of the /proc counters (have_x = 0: that file was missing
 * or unparsable). */
typedef struct SysReading {
    int         have_cpu, have_mem, have_load, have_net, have_disk;
    SysCpuTimes cpu;
    int         ncores;
    SysCpuTimes core[METRICS_MAX_CORES];
    SysMem      mem;
    double      load[3];
    uint64_t    rx, tx, rd, wr;    /* bytes, bytes, sectors, sectors */
} SysReading;

/* Read stat, meminfo, loadavg, net/dev and diskstats under proc_root
 * (a /proc, or a directory of captured files laid out the same way).
 * buf is scratch space for one file. */
void sysmetrics_read(const char *proc_root, SysReading *out, char *buf, size_t bufsz);

/* Two readings secs apart into a sample's scalar and per-core values
 * (mounts are statvfs'd by the collector, not here). */
void sysmetrics_compute(const SysReading *prev, const SysReading *cur, double secs,
                        MetricSample *out);

#endif
