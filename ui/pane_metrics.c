/* pane_metrics — this machine's CPU, memory, swap, load, disk and network
 * as current value, min/avg/max and a sparkline over the history the
 * collector keeps (SnapMetrics: SNAP_METRICS_HISTORY samples), with each
 * metric's alert threshold beside it (red while its alert is open), the
 * newest per-core CPU and per-mount disk usage, and how alerts fire.
 * Percent metrics scale 0..100, load 0..max(CPUs, peak, threshold),
 * throughput 0..peak. The layout gives each metric 3, 2 or 1 lines,
 * whatever fits the height. */
#include "panes.h"
#include "layout.h"
#include "theme.h"
#include "domain/thresholds.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { UNIT_PCT, UNIT_LOAD, UNIT_RATE } Unit;

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

/* "limit 80%", "ALERT >80%", "no limit" (threshold 0) */
static attr_t fmt_limit(const SnapMetrics *m, int t, char *buf, size_t size)
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
        if (m->firing[t] || v > m->threshold[t])
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

static void row_text(const SnapMetrics *m, int r, RowText *t)
{
    const double *v = m->v[rows[r].id];
    double mn = v[0], mx = v[0], sum = 0;
    for (int i = 0; i < m->n; i++) {
        mn = v[i] < mn ? v[i] : mn;
        mx = v[i] > mx ? v[i] : mx;
        sum += v[i];
    }
    t->now = v[m->n - 1];
    t->peak = mx;
    snprintf(t->label, sizeof t->label, "%s", rows[r].label);
    if (rows[r].id == MET_DISK && m->disk_mount >= 0 && m->disk_mount < m->nmounts)
        snprintf(t->label, sizeof t->label, "Disk %s", m->mounts[m->disk_mount].path);
    fmt_value(rows[r].unit, t->now, t->cur, sizeof t->cur);
    fmt_value(rows[r].unit, mn, t->min, sizeof t->min);
    fmt_value(rows[r].unit, sum / m->n, t->avg, sizeof t->avg);
    fmt_value(rows[r].unit, mx, t->max, sizeof t->max);
    t->limit_attr = fmt_limit(m, rows[r].threshold, t->limit, sizeof t->limit);
}

/* Label, value, [avg and max,] sparkline and limit on line y. */
static void draw_row_line(WINDOW *w, int y, const SnapMetrics *m, int r, const RowText *t,
                          int *lv)
{
    int width = getmaxx(w), x = STATS_X, stats_w = 24;
    if (width - STATS_X - LIMIT_W - 2 >= stats_w + 12) {
        char line[256];
        snprintf(line, sizeof line, "avg %s max %s", t->avg, t->max);
        pane_draw_text(w, y, x, stats_w - 1, line, theme_attr(TH_DIM));
        x += stats_w;
    }
    int sw = width - x - LIMIT_W - 2;
    if (sw > SNAP_METRICS_HISTORY)
        sw = SNAP_METRICS_HISTORY;
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

/* Title: CPUs, memory, the sampling and whether this process records. */
static void draw_summary(Pane *p, WINDOW *w, const SnapMetrics *m)
{
    char sum[256], span[32];
    layout_duration(m->at[m->n - 1] - m->at[0], span, sizeof span);
    snprintf(sum, sizeof sum, "%d CPUs, %.1f GB RAM; every %d s, %d samples (%s)%s", m->ncpu,
             m->mem_total_mb / 1024, m->interval_s, m->n, span,
             m->recording ? ", recorded" : m->have_thresholds ? ", viewer: not recorded" : "");
    pane_draw_title(w, p, sum);
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
    const SnapMetrics *m = ui_metrics(p->ui);
    int width = getmaxx(w), h = getmaxy(w);
    if (!m || m->n == 0) {
        pane_draw_title(w, p, "collecting the first samples...");
        pane_draw_center(w, 3, "Sampling /proc every few seconds; the first point appears "
                         "shortly.", theme_attr(TH_DIM));
        return;
    }
    draw_summary(p, w, m);
    /* title 2, cores 1, mounts 1, footer 1 */
    int avail = h - 2 - 3;
    int lines_each = avail >= 3 * NROWS ? 3 : avail >= 2 * NROWS ? 2 : 1;
    int spark_w = width - 4 < SNAP_METRICS_HISTORY ? width - 4 : SNAP_METRICS_HISTORY;
    int *lv = xmalloc((size_t)SNAP_METRICS_HISTORY * sizeof *lv);
    int y = 2;
    for (int r = 0; r < NROWS && y < h - 1; r++) {
        RowText t;
        row_text(m, r, &t);
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

static const PaneOps metrics_ops = {
    .title = "Metrics",
    .tab = "Metrics",
    .flags = PANE_WANTS_METRICS,
    .draw = draw,
};

Pane *pane_metrics_new(Ui *ui) { return pane_new(&metrics_ops, NULL, ui); }
