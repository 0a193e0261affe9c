/* procfs — what the metrics collector reads from /proc, as pure parsers
 * of the files' text and the maths that turns two readings into a sample
 * (percentages and per-second rates). No state, no threads: the collector
 * (sysmetrics.c) owns the timing, the mounts' statvfs and the recording.
 *
 * Thread: any. procfs_read() reads files (under a root the caller names,
 * so tests point it at captured copies); everything else is pure.
 */
#ifndef RESOPS_ENGINE_PROCFS_H
#define RESOPS_ENGINE_PROCFS_H

#include <stddef.h>
#include <stdint.h>
#include "domain/metrics.h"

/* ---- parsers (0 or -EINVAL) ---------------------------------------------- */

typedef struct ProcfsCpu {
    uint64_t busy, total;                /* jiffies */
} ProcfsCpu;

/* The "cpu" line into *all and up to maxcores "cpuN" lines into cores
 * (index N), *ncores = highest N + 1 seen (capped at maxcores). */
int procfs_parse_stat(const char *proc_stat, ProcfsCpu *all, ProcfsCpu *cores, int maxcores,
                      int *ncores);

typedef struct ProcfsMem {
    double total_kb, available_kb, swap_total_kb, swap_free_kb;
} ProcfsMem;
int procfs_parse_meminfo(const char *meminfo, ProcfsMem *out);

/* The three load averages of /proc/loadavg. */
int procfs_parse_loadavg(const char *loadavg, double out[3]);

/* Sum of rx/tx bytes over every interface except lo. */
int procfs_parse_netdev(const char *net_dev, uint64_t *out_rx, uint64_t *out_tx);

/* Sectors (512 bytes) read and written, summed over whole disks only
 * (procfs_whole_disk), so partitions and device-mapper volumes on
 * top of a disk are not counted twice. */
int procfs_parse_diskstats(const char *diskstats, uint64_t *out_read, uint64_t *out_written);
/* sdX, hdX, vdX, xvdX, nvmeNnM, mmcblkN: a whole disk, not a partition. */
int procfs_whole_disk(const char *name);

typedef struct ProcfsMount {
    char path[128];
    char fstype[32];
} ProcfsMount;
/* Local file systems worth watching from /proc/self/mounts: disk-backed
 * types (ext4, xfs, btrfs, ...), "/" whatever its type (overlay in a
 * container); no pseudo or network file systems (statvfs on a dead NFS
 * server would hang the collector); one mount per device (bind mounts).
 * Octal escapes (\040) are decoded. Returns the count (<= max). */
int procfs_parse_mounts(const char *mounts, ProcfsMount *out, int max);

/* Percent busy between two CPU readings (0 when nothing elapsed). */
double procfs_cpu_percent(const ProcfsCpu *prev, const ProcfsCpu *cur);

/* One reading of the /proc counters (have_x = 0: that file was missing
 * or unparsable). */
typedef struct ProcfsReading {
    int       have_cpu, have_mem, have_load, have_net, have_disk;
    ProcfsCpu cpu;
    int       ncores;
    ProcfsCpu core[METRICS_MAX_CORES];
    ProcfsMem mem;
    double    load[3];
    uint64_t  rx, tx, rd, wr;    /* bytes, bytes, sectors, sectors */
} ProcfsReading;

/* The text of root/leaf (e.g. "/proc", "self/mounts") into buf, cut to
 * size - 1 bytes and NUL-terminated. 0 or -errno. */
int procfs_read_file(const char *root, const char *leaf, char *buf, size_t size);

/* Read stat, meminfo, loadavg, net/dev and diskstats under proc_root
 * (a /proc, or a directory of captured files laid out the same way).
 * buf is scratch space for one file. */
void procfs_read(const char *proc_root, ProcfsReading *out, char *buf, size_t bufsz);

/* Two readings secs apart into a sample's scalar and per-core values
 * (mounts are statvfs'd by the collector, not here). */
void procfs_compute(const ProcfsReading *prev, const ProcfsReading *cur, double secs,
                    MetricSample *out);

#endif
