/* metrics_history — see metrics_history.h. */
#include "domain/metrics_history.h"
#include "domain/metrics.h"
#include "store/metric_repo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct Scan {
    MetricHistoryFn fn;
    void           *ctx;
    int             resolution;
} Scan;

static int scan_row(void *ctx, int64_t ts, const char *name, double value)
{
    Scan *s = ctx;
    return s->fn(s->ctx, s->resolution, ts, name, value);
}

/* the two scans; inside a read transaction */
static int scan_locked(Store *st, int64_t start, int64_t end, Scan *s)
{
    int64_t oldest_raw = metric_repo_bound(st, METRIC_RES_RAW, 0);
    if (oldest_raw < 0)
        return -EIO;
    int r = 0;
    if (!oldest_raw || start < oldest_raw) {
        int64_t mend = oldest_raw && oldest_raw - 1 < end ? oldest_raw - 1 : end;
        s->resolution = METRIC_RES_MINUTE;
        /* a minute row's ts is its start: the minute holding start counts */
        r = metric_repo_scan(st, METRIC_RES_MINUTE, start - start % 60, mend, 0, scan_row, s);
    }
    if (r == 0 && oldest_raw && end >= oldest_raw) {
        s->resolution = METRIC_RES_RAW;
        r = metric_repo_scan(st, METRIC_RES_RAW, start > oldest_raw ? start : oldest_raw, end, 0,
                             scan_row, s);
    }
    return r;
}

int metrics_history_scan(Store *st, int64_t start, int64_t end, MetricHistoryFn fn, void *ctx)
{
    Scan s = {fn, ctx, 0};
    if (store_begin_read(st) < 0)
        return -EIO;
    int r = scan_locked(st, start, end, &s);
    store_end_read(st);
    return r;
}

/* ---- buckets ---------------------------------------------------------------- */

typedef struct Acc {
    MetricSeries *out;
    int64_t       from, to;
    int           n;
    double       *sum;      /* [MET_COUNT][n] */
    int          *cnt;      /* [MET_COUNT][n] */
} Acc;

static int acc_row(void *ctx, int resolution, int64_t ts, const char *name, double value)
{
    Acc *a = ctx;
    if (ts < a->from || ts >= a->to)
        return 0;
    int id = -1;
    for (int i = 0; i < MET_COUNT && id < 0; i++)
        if (!strcmp(name, metric_name((MetricId)i)))
            id = i;
    if (id < 0)
        return 0;                                 /* per-core and per-mount rows */
    if (id == MET_CPU)
        *(resolution ? &a->out->minute_rows : &a->out->raw_rows) += 1;
    int b = (int)((ts - a->from) * a->n / (a->to - a->from));
    a->sum[id * a->n + b] += value;
    a->cnt[id * a->n + b]++;
    if (ts > a->out->last)
        a->out->last = ts;
    return 0;
}

/* the non-empty buckets, in order, into out */
static void acc_finish(Acc *a)
{
    MetricSeries *o = a->out;
    for (int b = 0; b < a->n; b++) {
        int any = 0;
        for (int m = 0; m < MET_COUNT; m++)
            any |= a->cnt[m * a->n + b] > 0;
        if (!any)
            continue;
        o->at[o->n] = a->from + (a->to - a->from) * b / a->n;
        for (int m = 0; m < MET_COUNT; m++) {
            int c = a->cnt[m * a->n + b];
            o->v[m][o->n] = c ? a->sum[m * a->n + b] / c : 0;
        }
        o->n++;
    }
}

int metrics_history_series(Store *st, int64_t from, int64_t to, int n, MetricSeries *out)
{
    memset(out, 0, sizeof *out);
    if (n > METRIC_SERIES_MAX)
        n = METRIC_SERIES_MAX;
    if (n < 1 || to <= from)
        return 0;
    Acc a = {out, from, to, n, calloc((size_t)(MET_COUNT * n), sizeof(double)),
             calloc((size_t)(MET_COUNT * n), sizeof(int))};
    int r = a.sum && a.cnt ? metrics_history_scan(st, from, to - 1, acc_row, &a) : -ENOMEM;
    if (r == 0)
        acc_finish(&a);
    free(a.sum);
    free(a.cnt);
    if (r < 0) {
        memset(out, 0, sizeof *out);
        return -EIO;
    }
    return 0;
}
