/* sysmetrics — this machine's CPU, memory, swap, load, root disk and
 * network throughput from /proc (seed 004's system metrics), sampled on
 * a thread of its own every few seconds and published as a SnapMetrics
 * history in the SnapshotBox, so the console's Metrics pane is alive
 * whatever the engine's check interval.
 *
 * Thread: sysmetrics_start/stop from the main thread; the parsers are
 * pure and may be called from anywhere (unit tests).
 */
#ifndef RESOPS_ENGINE_SYSMETRICS_H
#define RESOPS_ENGINE_SYSMETRICS_H

#include <stddef.h>
#include <stdint.h>
#include "snapshot.h"

typedef struct SysMetrics SysMetrics;

/* Take a first sample, publish it, start the thread. NULL with err. */
SysMetrics *sysmetrics_start(SnapshotBox *box, int interval_s, char *err, size_t errsz);
void        sysmetrics_stop(SysMetrics *m);             /* NULL ok */

/* ---- pure parsers (0 or -EINVAL) ---------------------------------------- */

typedef struct SysCpuTimes {
    uint64_t busy, total;                /* jiffies, all CPUs */
    int      ncpu;
} SysCpuTimes;
int sysmetrics_parse_stat(const char *proc_stat, SysCpuTimes *out);

typedef struct SysMem {
    double total_kb, available_kb, swap_total_kb, swap_free_kb;
} SysMem;
int sysmetrics_parse_meminfo(const char *meminfo, SysMem *out);

/* Sum of rx/tx bytes over every interface except lo. */
int sysmetrics_parse_netdev(const char *net_dev, uint64_t *out_rx, uint64_t *out_tx);

/* Percent busy between two CPU readings (0 when nothing elapsed). */
double sysmetrics_cpu_percent(const SysCpuTimes *prev, const SysCpuTimes *cur);

#endif
