/* pane_health — the health board: per service its overall health, uptime
 * over the last week, risk, whether it is critical and why, and the
 * downtime in progress. Critical and unhealthy services come first. */
#include "panes.h"
#include "layout.h"
#include "theme.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int cmp_health(const void *a, const void *b, void *arg)
{
    const Snapshot *s = arg;
    const SnapService *x = &s->services[*(const int *)a], *y = &s->services[*(const int *)b];
    int c = y->is_critical - x->is_critical;
    if (!c)
        c = (int)y->status - (int)x->status;
    if (!c)
        c = y->risk_score - x->risk_score;
    if (!c)
        c = strcasecmp(x->name, y->name);
    return c;
}

static void rebuild(Pane *p, const Snapshot *s)
{
    int *idx = xmalloc((size_t)(s->nservices ? s->nservices : 1) * sizeof *idx);
    for (int i = 0; i < s->nservices; i++)
        idx[i] = i;
    qsort_r(idx, (size_t)s->nservices, sizeof *idx, cmp_health, (void *)s);
    for (int i = 0; i < s->nservices; i++)
        pane_list_push(&p->list, idx[i], s->services[idx[i]].id);
    free(idx);
}

static int match(Pane *p, const Snapshot *s, int item, const char *pat)
{
    (void)p;
    const SnapService *v = &s->services[item];
    return layout_contains(v->name, pat) || layout_contains(status_name(v->status), pat) ||
           layout_contains(v->risk_reason, pat);
}

static const TableCol cols[] = {
    {"Service", 12, 32, 2, 0, 0},
    {"Health", 8, 8, 0, 0, 0},
    {"Uptime 7d", 9, 9, 0, 0, 1},
    {"Risk", 4, 4, 0, 1, 1},
    {"Level", 6, 6, 0, 1, 0},
    {"Critical", 8, 8, 0, 0, 0},
    {"Down for", 8, 9, 0, 2, 1},
    {"Blocked by", 10, 20, 1, 1, 0},     /* issue 11: its root cause; stays at 80 columns */
    {"Reason", 10, 0, 4, 3, 0},
};

/* at 80 columns the service name keeps 20 columns (layout.h) */
static const TableFit fit[] = {{0, 20, 0}, {7, 14, 0}, {5, 0, 4}, {-1, 0, 0}};

static void cell(Pane *p, const Snapshot *s, int item, int col, char *buf, size_t size,
                 attr_t *attr)
{
    (void)p;
    const SnapService *v = &s->services[item];
    switch (col) {
    case 0: strlcpy_(buf, v->name, size); break;
    case 1:     /* a flapping service says so instead (issue 11) */
        strlcpy_(buf, v->flapping ? "Flapping" : status_name(v->status), size);
        *attr = v->flapping ? theme_attr(TH_WARN) : theme_status(v->status);
        break;
    case 2:
        snprintf(buf, size, "%.2f%%", v->uptime_pct);
        if (v->uptime_pct < 99.0)
            *attr = theme_attr(TH_WARN);
        break;
    case 3: pane_risk_cell(v, 0, buf, size, attr); break;
    case 4: pane_risk_cell(v, 1, buf, size, attr); break;
    case 5:
        strlcpy_(buf, v->is_critical ? "yes" : "no", size);
        *attr = v->is_critical ? theme_attr(TH_CRIT) : theme_attr(TH_DIM);
        break;
    case 6:
        if (v->down_since)
            layout_duration(s->built_at - v->down_since, buf, size);
        else
            strlcpy_(buf, "-", size);
        if (v->down_since)
            *attr = theme_attr(TH_DOWN);
        break;
    case 7: {
        char tmp[24];
        strlcpy_(buf, v->blocked_by ? pane_service_name(s, v->blocked_by, tmp, sizeof tmp) : "",
                 size);
        *attr = theme_attr(TH_WARN);
        break;
    }
    case 8:
        strlcpy_(buf, v->risk_reason && *v->risk_reason ? v->risk_reason : "-", size);
        *attr = theme_attr(TH_DIM);
        break;
    }
}

static void draw(Pane *p, WINDOW *w, const Snapshot *s)
{
    int critical = 0, down = 0;
    double up = 0;
    for (int i = 0; i < s->nservices; i++) {
        critical += s->services[i].is_critical;
        down += s->services[i].down_since != 0;
        up += s->services[i].uptime_pct;
    }
    char sum[160];
    snprintf(sum, sizeof sum, "%d critical, %d in downtime, mean uptime %.2f%% (7 days)",
             critical, down, s->nservices ? up / s->nservices : 100.0);
    pane_draw_title(w, p, sum);
    pane_draw_table_fit(p, w, s, 1, cols, (int)(sizeof cols / sizeof cols[0]), cell, fit);
}

static void draw_detail(Pane *p, WINDOW *w, const Snapshot *s)
{
    int cur = pane_list_current(&p->list);
    pane_services_draw_detail(w, s, cur >= 0 ? &s->services[cur] : NULL);
}

static const PaneOps health_ops = {
    .title = "Health",
    .tab = "Health",
    .draw = draw,
    .draw_detail = draw_detail,
    .rebuild = rebuild,
    .match = match,
};

Pane *pane_health_new(Ui *ui) { return pane_new(&health_ops, NULL, ui); }
