/* metrics_history — reading the stored metrics over a time range (seed
 * 004's /metrics/history, and the console's Metrics pane: issue 11 item
 * 8, "the Metrics pane shows stored history").
 *
 * The range is read as the API serves it: minute averages where the raw
 * samples are gone (pruned after a day), raw samples where they exist.
 * metrics_history_scan gives the rows one by one (the API pivots them
 * into objects); metrics_history_series averages the scalar metrics into
 * equal buckets for a sparkline.
 *
 * Reads only: safe from any Store (a viewer's UI thread included); one
 * read transaction per call. Thread: the Store's owner.
 */
#ifndef RESOPS_DOMAIN_METRICS_HISTORY_H
#define RESOPS_DOMAIN_METRICS_HISTORY_H

#include <stdint.h>
#include "model/metrics.h"
#include "store/store.h"

/* One stored row: resolution METRIC_RES_MINUTE (60) or METRIC_RES_RAW (0),
 * its time, name and value. A non-zero return stops the scan. */
typedef int (*MetricHistoryFn)(void *ctx, int resolution, int64_t ts, const char *name,
                               double value);

/* Rows with start <= ts <= end in time order: minute averages before the
 * oldest raw sample (the minute holding start counts), then raw ones.
 * 0, the callback's non-zero stop value, or -EIO. */
int metrics_history_scan(Store *st, int64_t start, int64_t end, MetricHistoryFn fn, void *ctx);

#define METRIC_SERIES_MAX 240

/* The scalar metrics of [from, to) averaged into n equal buckets (n at
 * most METRIC_SERIES_MAX); empty buckets are left out, so out->n may be
 * less than n. at[i] is the bucket's start; last is the newest row's time
 * (0: nothing stored in the range). */
typedef struct MetricSeries {
    int     n;
    int64_t at[METRIC_SERIES_MAX];
    double  v[MET_COUNT][METRIC_SERIES_MAX];
    int64_t last;
    int     minute_rows, raw_rows;   /* how many rows of each were read */
} MetricSeries;

/* 0 or -EIO (out is then empty). */
int metrics_history_series(Store *st, int64_t from, int64_t to, int n, MetricSeries *out);

#endif
