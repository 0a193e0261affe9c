/* metric_repo — seed 004's tables: metric_sample (raw samples and minute
 * averages), metric_alert (threshold alerts), config (global thresholds
 * and the rollup mark) and user_threshold (per-user thresholds).
 *
 * Times are epoch seconds in, ISO 8601 UTC text in the tables.
 *
 * Thread: the Store's owner.
 */
#ifndef RESOPS_STORE_METRIC_REPO_H
#define RESOPS_STORE_METRIC_REPO_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

#define METRIC_RES_RAW    0
#define METRIC_RES_MINUTE 60

/* ---- samples ------------------------------------------------------------ */

int metric_repo_insert(Store *st, int64_t ts, const char *name, double value, int resolution);

/* Minute averages of the raw samples in [from, to) (both on minute
 * boundaries); a minute already averaged is left alone. Rows written, or
 * -EIO. */
int metric_repo_rollup(Store *st, int64_t from, int64_t to);

/* Delete the rows of one resolution older than before; count or -EIO. */
int metric_repo_prune(Store *st, int resolution, int64_t before);

/* The oldest (newest = 0) or newest (newest = 1) ts of a resolution;
 * 0 when there is none, -EIO. */
int64_t metric_repo_bound(Store *st, int resolution, int newest);

/* Rows of one resolution with from <= ts <= to (0 = unbounded), in ts
 * order (newest_first reverses it). fn gets borrowed values; a non-zero
 * return stops the scan and is returned. 0 or -EIO. */
typedef int (*MetricRowFn)(void *ctx, int64_t ts, const char *name, double value);
int metric_repo_scan(Store *st, int resolution, int64_t from, int64_t to, int newest_first,
                     MetricRowFn fn, void *ctx);

/* The ts of the n-th newest raw sample time (n >= 1): 1 found, 0 fewer
 * than n exist, -EIO. */
int metric_repo_nth_newest(Store *st, int n, int64_t *out);

/* Average of the n newest raw values of name: the count used (0 when
 * none, *out = 0), or -EIO. */
int metric_repo_avg_recent(Store *st, const char *name, int n, double *out);

/* ---- config table (key/value text) -------------------------------------- */

/* 1 found (value copied), 0 absent, -EIO. */
int metric_repo_config_get(Store *st, const char *key, char *out, size_t size);
int metric_repo_config_put(Store *st, const char *key, const char *value);

/* ---- per-user thresholds (seed 004 GET/POST /thresholds) ------------------ */

/* 1 row found (each value present or NaN), 0 none, -EIO. */
int metric_repo_user_get(Store *st, int64_t user_id, double *cpu, double *memory);
/* Upsert; NaN leaves a column as it is (NULL for a new row). */
int metric_repo_user_set(Store *st, int64_t user_id, double cpu, double memory);

/* ---- threshold alerts ----------------------------------------------------- */

typedef struct MetricAlertRow {
    int64_t id;
    char    type[32];
    double  value;
    double  threshold;       /* NaN when unknown (rows before 0003) */
    int64_t ts, cleared_at;  /* cleared_at 0 = still firing */
    char    message[256];
} MetricAlertRow;

int64_t metric_repo_alert_insert(Store *st, const char *type, double value, double threshold,
                                 const char *message, int64_t ts);
/* 1 cleared, 0 unknown or already cleared, -EIO. */
int metric_repo_alert_clear(Store *st, int64_t id, int64_t at);
/* The newest uncleared alert of a type: 1, 0 none, -EIO. */
int metric_repo_alert_open(Store *st, const char *type, MetricAlertRow *out);

/* Newest first, at most limit rows (limit < 0: all). 0, fn's value, -EIO. */
typedef int (*MetricAlertFn)(void *ctx, const MetricAlertRow *row);
int metric_repo_alert_scan(Store *st, int limit, MetricAlertFn fn, void *ctx);

/* Count per type (in type order) through fn(ctx, type, count); the total
 * into *out_total. 0 or -EIO. */
typedef int (*MetricCountFn)(void *ctx, const char *type, int64_t count);
int metric_repo_alert_counts(Store *st, MetricCountFn fn, void *ctx, int64_t *out_total);

#endif
