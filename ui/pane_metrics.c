/* pane_metrics — this machine's CPU, memory, swap, load, disk and network
 * as current value, min/avg/max and a sparkline over the history the
 * collector keeps (SnapMetrics: SNAP_METRICS_HISTORY samples), with each
 * metric's alert threshold beside it (red while its alert is open), the
 * newest per-core CPU and per-mount disk usage, and how alerts fire.
 * Percent metrics scale 0..100, load 0..max(CPUs, peak, threshold),
 * throughput 0..peak. The layout gives each metric 3, 2 or 1 lines,
 * whatever fits the height.
 *
 * Range (issue 11 item 8): by default the sparklines and min/avg/max span
 * the stored history of the last hour (metric_sample, read like the API's
 * /metrics/history: metrics_history_series on the UI thread's own Store,
 * a read a viewer may do too), so the seeded day and the samples of
 * earlier runs show; `h` goes 1h -> 24h -> this run's samples -> 1h. The
 * stored view is read again when the range or the width changes and at
 * most every HIST_REFRESH_S while shown. The current value is always the
 * collector's newest sample; it ends a stored series too, and min/avg/max
 * are those of the points the sparkline draws, so min <= current <= max
 * (review item 13: bucket averages alone put "min" above it). A
 * threshold whose alert is still open while the value is back under it
 * says "clearing", not "ALERT". */
#include "panes.h"
#include "layout.h"
#include "theme.h"
#include "domain/metrics_history.h"
#include "domain/thresholds.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { UNIT_PCT, UNIT_LOAD, UNIT_RATE } Unit;

enum { RANGE_1H, RANGE_24H, RANGE_RUN, RANGE_COUNT };
static const struct {
    const char *name;
    int64_t     secs;
} ranges[RANGE_COUNT] = {{"1h", 3600}, {"24h", 86400}, {"this run", 0}};
#define HIST_REFRESH_S 30

typedef struct MetricsState {
    int          range;
    SnapMetrics *view;          /* owned: the live one with the stored series */
    int          view_range, view_buckets, view_empty;
    int64_t      view_at;       /* when it was read (0 = never) */
    MetricSeries series;
} MetricsState;

#define NO_THRESHOLD (-1)

static const struct {
    MetricId    id;
    const char *label;
    Unit        unit;
    int         threshold;      /* ThresholdId or NO_THRESHOLD */
} rows[] = {
    {MET_CPU, "CPU", UNIT_PCT, THRESH_CPU},
    {MET_MEMORY, "Memory", UNIT_PCT, THRESH_MEMORY},
    {MET_SWAP, "Swap", UNIT_PCT, THRESH_SWAP},
    {MET_LOAD1, "Load (1m)", UNIT_LOAD, THRESH_LOAD},
    {MET_DISK, "Disk", UNIT_PCT, THRESH_DISK},
    {MET_DISK_READ, "Disk read", UNIT_RATE, NO_THRESHOLD},
    {MET_DISK_WRITE, "Disk write", UNIT_RATE, NO_THRESHOLD},
    {MET_NET_RX, "Net in", UNIT_RATE, NO_THRESHOLD},
    {MET_NET_TX, "Net out", UNIT_RATE, NO_THRESHOLD},
};
#define NROWS ((int)(sizeof rows / sizeof rows[0]))

static void fmt_value(Unit u, double v, char *buf, size_t size)
{
    if (u == UNIT_PCT)
        snprintf(buf, size, "%.1f%%", v);
    else if (u == UNIT_LOAD)
        snprintf(buf, size, "%.2f", v);
    else
        layout_rate(v, buf, size);
}

/* "limit 80%", "ALERT >80%", "clearing >80%" (the alert is still open
 * but the value now is back under the limit), "no limit" (threshold 0) */
static attr_t fmt_limit(const SnapMetrics *m, int t, double now, char *buf, size_t size)
{
    buf[0] = '\0';
    if (t == NO_THRESHOLD || !m->have_thresholds)
        return A_NORMAL;
    double thr = m->threshold[t];
    const char *unit = threshold_is_percent((ThresholdId)t) ? "%" : "";
    if (!(thr > 0)) {
        snprintf(buf, size, "no limit");
        return theme_attr(TH_DIM);
    }
    if (m->firing[t] && now <= thr) {
        snprintf(buf, size, "clearing >%g%s", thr, unit);
        return theme_attr(TH_WARN);
    }
    if (m->firing[t]) {
        snprintf(buf, size, "ALERT >%g%s", thr, unit);
        return theme_attr(TH_CRIT) | A_BOLD;
    }
    snprintf(buf, size, "limit %g%s", thr, unit);
    return theme_attr(TH_DIM);
}

static attr_t value_attr(const SnapMetrics *m, int r, double v)
{
    int t = rows[r].threshold;
    if (t != NO_THRESHOLD && m->have_thresholds && m->threshold[t] > 0) {
        if (v > m->threshold[t])
            return theme_attr(TH_CRIT);
        if (v >= threshold_clear_level(m->threshold[t], &m->policy))
            return theme_attr(TH_WARN);
        return A_BOLD;
    }
    if (rows[r].unit == UNIT_PCT && v >= 90)
        return theme_attr(TH_CRIT);
    if (rows[r].unit == UNIT_PCT && v >= 75)
        return theme_attr(TH_WARN);
    return A_BOLD;
}

static void draw_spark(WINDOW *w, int y, int x, int width, const SnapMetrics *m, int r,
                       double mx, int *lv)
{
    const Glyphs *g = theme_glyphs();
    const double *v = m->v[rows[r].id];
    int n = m->n < width ? m->n : width;
    if (n <= 0)
        return;
    double lo = 0, hi = 100;
    if (rows[r].unit == UNIT_LOAD) {
        hi = mx > m->ncpu ? mx : (m->ncpu > 0 ? m->ncpu : 1);
        if (m->have_thresholds && m->threshold[THRESH_LOAD] > hi)
            hi = m->threshold[THRESH_LOAD];
    } else if (rows[r].unit == UNIT_RATE) {
        hi = 0;   /* autoscale */
    }
    layout_spark_levels(v + (m->n - n), n, lo, hi, g->nspark, lv);
    wattrset(w, theme_attr(TH_SPARK));
    wmove(w, y, x + width - n);
    for (int i = 0; i < n; i++)
        waddstr(w, g->spark[lv[i]]);
    wattrset(w, A_NORMAL);
}

/* "Cores  ▂▅█▁  12% 40% 100% 3%" */
static void draw_cores(WINDOW *w, int y, int width, const SnapMetrics *m)
{
    const Glyphs *g = theme_glyphs();
    int lv[METRICS_MAX_CORES];
    pane_draw_text(w, y, 1, 12, "Cores", A_BOLD);
    int n = m->ncores < width - 16 ? m->ncores : width - 16;
    if (n <= 0)
        return;
    layout_spark_levels(m->cores, n, 0, 100, g->nspark, lv);
    wattrset(w, theme_attr(TH_SPARK));
    wmove(w, y, 13);
    for (int i = 0; i < n; i++)
        waddstr(w, g->spark[lv[i]]);
    wattrset(w, A_NORMAL);
    char line[512];
    size_t len = 0;
    line[0] = '\0';
    for (int i = 0; i < m->ncores && len + 8 < sizeof line; i++)
        len += (size_t)snprintf(line + len, sizeof line - len, "%s%.0f%%", i ? " " : "",
                                m->cores[i]);
    int x = 13 + n + 2;
    if (x < width - 2)
        pane_draw_text(w, y, x, width - x - 1, line, theme_attr(TH_DIM));
}

/* "Mounts  / 42% of 100 GB   /home 80% of 2.0 TB" */
static void draw_mounts(WINDOW *w, int y, int width, const SnapMetrics *m)
{
    pane_draw_text(w, y, 1, 12, "Mounts", A_BOLD);
    int x = 13;
    for (int i = 0; i < m->nmounts && x < width - 4; i++) {
        const MetricMount *mm = &m->mounts[i];
        char item[200], size[32];
        double gb = mm->total_bytes / 1e9;
        if (gb >= 1000)
            snprintf(size, sizeof size, "%.1f TB", gb / 1000);
        else
            snprintf(size, sizeof size, "%.0f GB", gb);
        snprintf(item, sizeof item, "%s %.0f%% of %s", mm->path, mm->used_pct, size);
        attr_t a = theme_attr(TH_DIM);
        if (m->have_thresholds && m->threshold[THRESH_DISK] > 0 &&
            mm->used_pct > m->threshold[THRESH_DISK])
            a = theme_attr(TH_CRIT);
        x += pane_draw_text(w, y, x, width - x - 1, item, a) + 3;
    }
}

enum { STATS_X = 26, LIMIT_W = 14 };

/* One metric's figures over the history, as text. */
typedef struct RowText {
    char   label[64], cur[32], min[32], avg[32], max[32], limit[48];
    double now, peak;
    attr_t limit_attr;
} RowText;

/* The figures of the newest `shown` points, the ones the sparkline draws
 * (a stored view ends with the current sample, stored_view); min and max
 * take the current value in whatever the series holds, so "min" is never
 * above it. */
static void row_text(const SnapMetrics *m, const SnapMetrics *live, int r, int shown,
                     RowText *t)
{
    const double *v = m->v[rows[r].id];
    int from = shown > 0 && shown < m->n ? m->n - shown : 0;
    t->now = live && live->n ? live->v[rows[r].id][live->n - 1] : v[m->n - 1];
    double mn = t->now, mx = t->now, sum = 0;
    for (int i = from; i < m->n; i++) {
        mn = v[i] < mn ? v[i] : mn;
        mx = v[i] > mx ? v[i] : mx;
        sum += v[i];
    }
    t->peak = mx;
    snprintf(t->label, sizeof t->label, "%s", rows[r].label);
    if (rows[r].id == MET_DISK && m->disk_mount >= 0 && m->disk_mount < m->nmounts)
        snprintf(t->label, sizeof t->label, "Disk %s", m->mounts[m->disk_mount].path);
    fmt_value(rows[r].unit, t->now, t->cur, sizeof t->cur);
    fmt_value(rows[r].unit, mn, t->min, sizeof t->min);
    fmt_value(rows[r].unit, sum / (m->n - from), t->avg, sizeof t->avg);
    fmt_value(rows[r].unit, mx, t->max, sizeof t->max);
    t->limit_attr = fmt_limit(m, rows[r].threshold, t->now, t->limit, sizeof t->limit);
}

enum { STATS_W = 24 };

/* 1 when a one-line row has room for "avg .. max .." */
static int line_has_stats(int width)
{
    return width - STATS_X - LIMIT_W - 2 >= STATS_W + 12;
}

/* The sparkline's width for rows of lines_each lines. */
static int spark_width(int width, int lines_each)
{
    int sw = lines_each > 1 ? width - 4
                            : width - STATS_X - (line_has_stats(width) ? STATS_W : 0) - LIMIT_W - 2;
    return sw > SNAP_METRICS_HISTORY ? SNAP_METRICS_HISTORY : sw < 1 ? 1 : sw;
}

/* Label, value, [avg and max,] sparkline and limit on line y. */
static void draw_row_line(WINDOW *w, int y, const SnapMetrics *m, int r, const RowText *t,
                          int *lv)
{
    int width = getmaxx(w), x = STATS_X;
    if (line_has_stats(width)) {
        char line[256];
        snprintf(line, sizeof line, "avg %s max %s", t->avg, t->max);
        pane_draw_text(w, y, x, STATS_W - 1, line, theme_attr(TH_DIM));
        x += STATS_W;
    }
    int sw = spark_width(width, 1);
    if (sw > 4)
        draw_spark(w, y, x, sw, m, r, t->peak, lv);
    pane_draw_text(w, y, width - LIMIT_W - 1, LIMIT_W, t->limit, t->limit_attr);
}

/* Label, value, min/avg/max and limit on line y, the sparkline below,
 * lines_each lines in all. Returns the next free line. */
static int draw_row_block(WINDOW *w, int y, int lines_each, int spark_w, const SnapMetrics *m,
                          int r, const RowText *t, int *lv)
{
    int width = getmaxx(w), h = getmaxy(w);
    char line[256];
    snprintf(line, sizeof line, "min %s  avg %s  max %s", t->min, t->avg, t->max);
    pane_draw_text(w, y, STATS_X, width - STATS_X - LIMIT_W - 2, line, theme_attr(TH_DIM));
    pane_draw_text(w, y, width - LIMIT_W - 1, LIMIT_W, t->limit, t->limit_attr);
    y++;
    if (y < h - 1)
        draw_spark(w, y, 3, spark_w, m, r, t->peak, lv);
    return y + lines_each - 1;
}

/* Title: CPUs, memory, the range shown, whether this process records. */
static void draw_summary(Pane *p, WINDOW *w, const SnapMetrics *m)
{
    const MetricsState *st = p->state;
    char sum[256], span[32], step[32];
    const char *next = ranges[(st->range + 1) % RANGE_COUNT].name;
    layout_duration(m->at[m->n - 1] - m->at[0], span, sizeof span);
    if (st->range != RANGE_RUN && !st->view_empty) {
        layout_duration(ranges[st->range].secs / (st->view_buckets ? st->view_buckets : 1),
                        step, sizeof step);
        snprintf(sum, sizeof sum, "stored, last %s: %d points of %s (%s)  h: %s",
                 ranges[st->range].name, m->n, step, span, next);
    } else {
        snprintf(sum, sizeof sum, "%s%d CPUs, %.1f GB RAM; every %d s, %d samples (%s)%s  h: %s",
                 st->range != RANGE_RUN ? "nothing stored in range; this run: " : "",
                 m->ncpu, m->mem_total_mb / 1024, m->interval_s, m->n, span,
                 m->recording ? ", recorded" : m->have_thresholds ? ", viewer: not recorded" : "",
                 next);
    }
    pane_draw_title(w, p, sum);
}

/* The stored points are bucket averages read at most every HIST_REFRESH_S,
 * so the current value (the collector's newest sample) is in none of them:
 * it ends the series as its newest point, and the oldest point gives way
 * when the series would be wider than the sparkline (buckets). */
static void view_add_current(SnapMetrics *view, const SnapMetrics *live, int buckets)
{
    if (!live || !live->n || !view->n || live->at[live->n - 1] <= view->at[view->n - 1])
        return;
    if (buckets > SNAP_METRICS_HISTORY)
        buckets = SNAP_METRICS_HISTORY;
    if (view->n >= buckets) {
        int drop = view->n - buckets + 1;
        view->n -= drop;
        memmove(view->at, view->at + drop, (size_t)view->n * sizeof view->at[0]);
        for (int m = 0; m < MET_COUNT; m++)
            memmove(view->v[m], view->v[m] + drop, (size_t)view->n * sizeof(double));
    }
    view->at[view->n] = live->at[live->n - 1];
    for (int m = 0; m < MET_COUNT; m++)
        view->v[m][view->n] = live->v[m][live->n - 1];
    view->n++;
}

/* The stored history of the range as a SnapMetrics (the live one's
 * figures with the stored series), read again when stale; NULL to use
 * the live one (this run, or nothing stored in the range). */
static const SnapMetrics *stored_view(Pane *p, const SnapMetrics *live, int buckets)
{
    MetricsState *st = p->state;
    int64_t now = util_now();
    if (st->range == RANGE_RUN)
        return NULL;
    if (!st->view_at || st->view_range != st->range || st->view_buckets != buckets ||
        now - st->view_at >= HIST_REFRESH_S || now < st->view_at) {
        st->view_at = now;
        st->view_range = st->range;
        st->view_buckets = buckets;
        int64_t from = now - ranges[st->range].secs;
        st->view_empty = metrics_history_series(ui_store(p->ui), from, now + 1, buckets,
                                                &st->series) < 0 || st->series.n == 0;
    }
    if (st->view_empty)
        return NULL;
    /* the live figures (thresholds, alerts, cores, mounts) as they are
     * now, with the stored series */
    if (!st->view)
        st->view = xmalloc(sizeof *st->view);
    if (live) {
        memcpy(st->view, live, sizeof *st->view);
    } else {
        memset(st->view, 0, sizeof *st->view);
        st->view->disk_mount = -1;
    }
    st->view->n = st->series.n;
    memcpy(st->view->at, st->series.at, (size_t)st->series.n * sizeof st->view->at[0]);
    for (int m = 0; m < MET_COUNT; m++)
        memcpy(st->view->v[m], st->series.v[m], (size_t)st->series.n * sizeof(double));
    view_add_current(st->view, live, buckets);
    return st->view;
}

/* Bottom line: how alerts fire, or what the sparklines span. */
static void draw_footer(WINDOW *w, const SnapMetrics *m, int spark_w)
{
    char foot[256];
    if (m->have_thresholds) {
        int fa = m->policy.fire_after > 0 ? m->policy.fire_after : 1;
        int ca = m->policy.clear_after > 0 ? m->policy.clear_after : 1;
        snprintf(foot, sizeof foot,
                 "alerts fire after %d sample%s over a limit, clear after %d sample%s %g%% under"
                 " it;  :threshold cpu 85 sets one (0 = off)", fa, fa == 1 ? "" : "s", ca,
                 ca == 1 ? "" : "s", m->policy.hysteresis_pct);
    } else {
        int shown = m->n < spark_w ? m->n : spark_w;
        char drawn[32];
        layout_duration(m->at[m->n - 1] - m->at[m->n - shown], drawn, sizeof drawn);
        snprintf(foot, sizeof foot, "sparklines: last %s (%d samples), newest on the right",
                 drawn, shown);
    }
    pane_draw_text(w, getmaxy(w) - 1, 1, getmaxx(w) - 2, foot, theme_attr(TH_DIM));
}

static void draw(Pane *p, WINDOW *w, const Snapshot *s)
{
    (void)s;
    const SnapMetrics *live = ui_metrics(p->ui);
    int width = getmaxx(w), h = getmaxy(w);
    /* title 2, cores 1, mounts 1, footer 1 */
    int avail = h - 2 - 3;
    int lines_each = avail >= 3 * NROWS ? 3 : avail >= 2 * NROWS ? 2 : 1;
    const SnapMetrics *m = stored_view(p, live, spark_width(width, lines_each));
    if (!m)
        m = live;
    if (!m || m->n == 0) {
        pane_draw_title(w, p, "collecting the first samples...");
        pane_draw_center(w, 3, "Sampling /proc every few seconds; the first point appears "
                         "shortly.", theme_attr(TH_DIM));
        return;
    }
    draw_summary(p, w, m);
    int spark_w = width - 4 < SNAP_METRICS_HISTORY ? width - 4 : SNAP_METRICS_HISTORY;
    int *lv = xmalloc((size_t)SNAP_METRICS_HISTORY * sizeof *lv);
    int line_w = spark_width(width, 1);
    int shown = lines_each > 1 ? spark_w : line_w > 4 ? line_w : m->n;   /* as drawn */
    int y = 2;
    for (int r = 0; r < NROWS && y < h - 1; r++) {
        RowText t;
        row_text(m, live, r, shown, &t);
        pane_draw_text(w, y, 1, 12, t.label, A_BOLD);
        pane_draw_text(w, y, 13, 12, t.cur, value_attr(m, r, t.now));
        if (lines_each == 1)
            draw_row_line(w, y++, m, r, &t, lv);
        else
            y = draw_row_block(w, y, lines_each, spark_w, m, r, &t, lv);
    }
    free(lv);
    if (y < h - 1)
        draw_cores(w, y++, width, m);
    if (y < h - 1)
        draw_mounts(w, y++, width, m);
    draw_footer(w, m, spark_w);
}

static PaneResult key_range(Pane *p, int key)
{
    (void)key;
    MetricsState *st = p->state;
    st->range = (st->range + 1) % RANGE_COUNT;
    ui_message(p->ui, 0, "Metrics: %s%s", st->range == RANGE_RUN ? "" : "stored history, last ",
               ranges[st->range].name);
    return PANE_HANDLED | PANE_REDRAW;
}

static const PaneKey metrics_keys[] = {
    {{'h'}, "h", "range: stored last 1h, last 24h, this run's samples", key_range},
    {{0}, NULL, NULL, NULL},
};

static void destroy(void *state)
{
    MetricsState *st = state;
    free(st->view);
    free(st);
}

static const PaneOps metrics_ops = {
    .title = "Metrics",
    .tab = "Metrics",
    .flags = PANE_WANTS_METRICS,
    .keys = metrics_keys,
    .draw = draw,
    .destroy = destroy,
};

Pane *pane_metrics_new(Ui *ui)
{
    return pane_new(&metrics_ops, xcalloc(1, sizeof(MetricsState)), ui);
}
