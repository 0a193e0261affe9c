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
 * caller's thread. The /proc parsers it uses are procfs.h (pure: any thread).
 */
#ifndef RESOPS_ENGINE_SYSMETRICS_H
#define RESOPS_ENGINE_SYSMETRICS_H

#include <stddef.h>
#include <stdint.h>
#include "domain/metrics.h"
#include "procfs.h"
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

#endif
