/* pane_metrics — this machine's CPU, memory, swap, load, disk and network
 * as current value, min/avg/max and a sparkline over the history the
 * collector keeps (SnapMetrics: SNAP_METRICS_HISTORY samples). Percent
 * metrics scale 0..100, load 0..max(CPUs, peak), throughput 0..peak. */
#include "panes.h"
#include "layout.h"
#include "theme.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { UNIT_PCT, UNIT_LOAD, UNIT_RATE } Unit;

static const struct {
    SysMetricId id;
    const char *label;
    Unit        unit;
} rows[] = {
    {SYSMET_CPU, "CPU", UNIT_PCT},
    {SYSMET_MEM, "Memory", UNIT_PCT},
    {SYSMET_SWAP, "Swap", UNIT_PCT},
    {SYSMET_LOAD1, "Load (1m)", UNIT_LOAD},
    {SYSMET_DISK, "Disk /", UNIT_PCT},
    {SYSMET_NET_RX, "Net in", UNIT_RATE},
    {SYSMET_NET_TX, "Net out", UNIT_RATE},
};

static void fmt_value(Unit u, double v, char *buf, size_t size)
{
    if (u == UNIT_PCT)
        snprintf(buf, size, "%.1f%%", v);
    else if (u == UNIT_LOAD)
        snprintf(buf, size, "%.2f", v);
    else
        layout_rate(v, buf, size);
}

static void draw(Pane *p, WINDOW *w, const Snapshot *s)
{
    (void)s;
    const SnapMetrics *m = ui_metrics(p->ui);
    int width = getmaxx(w), h = getmaxy(w);
    const Glyphs *g = theme_glyphs();
    char sum[200];
    if (!m || m->n == 0) {
        draw_title(w, p, "collecting the first samples...");
        draw_center(w, 3, "Sampling /proc every few seconds; the first point appears shortly.",
                    theme_attr(TH_DIM));
        return;
    }
    char span[32];
    layout_duration(m->at[m->n - 1] - m->at[0], span, sizeof span);
    snprintf(sum, sizeof sum, "%d CPUs, %.1f GB RAM, %.0f GB disk; every %d s, %d samples (%s)",
             m->ncpu, m->mem_total_mb / 1024, m->disk_total_gb, m->interval_s, m->n, span);
    draw_title(w, p, sum);

    int lines_each = h - 2 >= 3 * (int)(sizeof rows / sizeof rows[0]) ? 3 : 2;
    int y = 2;
    int spark_w = width - 4;
    if (spark_w > SNAP_METRICS_HISTORY)
        spark_w = SNAP_METRICS_HISTORY;
    int *lv = xmalloc((size_t)SNAP_METRICS_HISTORY * sizeof *lv);
    for (size_t r = 0; r < sizeof rows / sizeof rows[0] && y + 1 < h; r++) {
        const double *v = m->v[rows[r].id];
        double mn = v[0], mx = v[0], sumv = 0;
        for (int i = 0; i < m->n; i++) {
            mn = v[i] < mn ? v[i] : mn;
            mx = v[i] > mx ? v[i] : mx;
            sumv += v[i];
        }
        char cur[32], a[32], b[32], c[32], line[256];
        fmt_value(rows[r].unit, v[m->n - 1], cur, sizeof cur);
        fmt_value(rows[r].unit, mn, a, sizeof a);
        fmt_value(rows[r].unit, sumv / m->n, b, sizeof b);
        fmt_value(rows[r].unit, mx, c, sizeof c);
        attr_t va = A_BOLD;
        if (rows[r].unit == UNIT_PCT && v[m->n - 1] >= 90)
            va = theme_attr(TH_CRIT);
        else if (rows[r].unit == UNIT_PCT && v[m->n - 1] >= 75)
            va = theme_attr(TH_WARN);
        draw_text(w, y, 1, 12, rows[r].label, A_BOLD);
        draw_text(w, y, 13, 12, cur, va);
        snprintf(line, sizeof line, "min %s  avg %s  max %s", a, b, c);
        draw_text(w, y, 26, width - 27, line, theme_attr(TH_DIM));
        y++;

        int n = m->n < spark_w ? m->n : spark_w;
        const double *tail = v + (m->n - n);
        double lo = 0, hi = 100;
        if (rows[r].unit == UNIT_LOAD)
            hi = mx > m->ncpu ? mx : (m->ncpu > 0 ? m->ncpu : 1);
        else if (rows[r].unit == UNIT_RATE)
            hi = 0;   /* autoscale */
        layout_spark_levels(tail, n, lo, hi, g->nspark, lv);
        wattrset(w, theme_attr(TH_SPARK));
        wmove(w, y, 3 + spark_w - n);
        for (int i = 0; i < n; i++)
            waddstr(w, g->spark[lv[i]]);
        wattrset(w, A_NORMAL);
        y += lines_each - 1;
    }
    free(lv);
    if (y < h) {
        char foot[128], drawn[32];
        int shown = m->n < spark_w ? m->n : spark_w;
        layout_duration(m->at[m->n - 1] - m->at[m->n - shown], drawn, sizeof drawn);
        snprintf(foot, sizeof foot, "sparklines: last %s (%d samples), newest on the right",
                 drawn, shown);
        draw_text(w, h - 1, 1, width - 2, foot, theme_attr(TH_DIM));
    }
}

static const PaneOps metrics_ops = {
    .title = "Metrics",
    .tab = "Metrics",
    .draw = draw,
};

Pane *pane_metrics_new(Ui *ui) { return pane_new(&metrics_ops, NULL, ui); }
