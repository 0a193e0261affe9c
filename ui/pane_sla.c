/* pane_sla — SLA breaches (seed 000): a downtime longer than the
 * service's RTO or RPO, newest first, with the downtime against the
 * threshold and its start and end. */
#include "panes.h"
#include "layout.h"
#include "theme.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void rebuild(Pane *p, const Snapshot *s)
{
    for (int i = 0; i < s->nbreaches; i++)
        pane_list_push(&p->list, i, s->breaches[i].id);
}

static int match(Pane *p, const Snapshot *s, int item, const char *pat)
{
    (void)p;
    const SlaRow *b = &s->breaches[item];
    char tmp[24];
    return layout_contains(b->type, pat) || layout_contains(b->reason, pat) ||
           layout_contains(pane_service_name(s, b->service_id, tmp, sizeof tmp), pat);
}

static const TableCol cols[] = {
    {"Type", 4, 4, 0, 0, 0},
    {"Service", 12, 28, 2, 0, 0},
    {"Downtime", 8, 9, 0, 0, 1},
    {"Threshold", 9, 9, 0, 0, 1},
    {"Over by", 7, 9, 0, 2, 1},
    {"Start", 16, 16, 0, 1, 0},
    {"End", 16, 16, 0, 1, 0},
    {"Reason", 8, 0, 3, 3, 0},
};

/* at 80 columns the service name keeps 20 columns (layout.h) */
static const TableFit fit[] = {{1, 20, 0}, {-1, 0, 0}};

static void cell(Pane *p, const Snapshot *s, int item, int col, char *buf, size_t size,
                 attr_t *attr)
{
    (void)p;
    const SlaRow *b = &s->breaches[item];
    char tmp[24];
    switch (col) {
    case 0:
        strlcpy_(buf, b->type, size);
        *attr = theme_attr(TH_CRIT);
        break;
    case 1: strlcpy_(buf, pane_service_name(s, b->service_id, tmp, sizeof tmp), size); break;
    case 2: snprintf(buf, size, "%lld min", (long long)b->downtime_minutes); break;
    case 3: snprintf(buf, size, "%lld min", (long long)b->threshold_minutes); break;
    case 4:
        snprintf(buf, size, "+%lld min", (long long)(b->downtime_minutes - b->threshold_minutes));
        *attr = theme_attr(TH_WARN);
        break;
    case 5: pane_fmt_time(b->start_time, buf, size); break;
    case 6:
        if (b->end_time)
            pane_fmt_time(b->end_time, buf, size);
        else {
            strlcpy_(buf, "ongoing", size);
            *attr = theme_attr(TH_DOWN);
        }
        break;
    case 7:
        strlcpy_(buf, b->reason, size);
        *attr = theme_attr(TH_DIM);
        break;
    }
}

static void draw(Pane *p, WINDOW *w, const Snapshot *s)
{
    int rto = 0, rpo = 0, open = 0;
    for (int i = 0; i < s->nbreaches; i++) {
        rto += !strcmp(s->breaches[i].type, "RTO");
        rpo += !strcmp(s->breaches[i].type, "RPO");
        open += !s->breaches[i].end_time;
    }
    char sum[160];
    snprintf(sum, sizeof sum, "%d breaches: %d RTO, %d RPO, %d ongoing", s->nbreaches, rto, rpo,
             open);
    pane_draw_title(w, p, sum);
    pane_draw_table_fit(p, w, s, 1, cols, (int)(sizeof cols / sizeof cols[0]), cell, fit);
    if (!s->nbreaches && !p->filter)
        pane_draw_center(w, 4, "No SLA breaches: every downtime stayed within its RTO and RPO.",
                         theme_attr(TH_UP));
}

static void draw_detail(Pane *p, WINDOW *w, const Snapshot *s)
{
    int cur = pane_list_current(&p->list);
    int width = getmaxx(w) - 2, y = 0, x = 1;
    if (cur < 0)
        return;
    const SlaRow *b = &s->breaches[cur];
    char t[64], tmp[24], title[80];
    snprintf(title, sizeof title, "%s breach #%lld", b->type, (long long)b->id);
    pane_draw_text(w, y++, x, width, title, theme_attr(TH_TITLE));
    y++;
    y = pane_draw_kv(w, y, x, width, "Service", A_NORMAL, "%s",
                     pane_service_name(s, b->service_id, tmp, sizeof tmp));
    y = pane_draw_kv(w, y, x, width, "Downtime", A_NORMAL, "%lld minutes",
                     (long long)b->downtime_minutes);
    y = pane_draw_kv(w, y, x, width, "Threshold", A_NORMAL, "%lld minutes (%s)",
                     (long long)b->threshold_minutes, b->type);
    pane_fmt_time(b->start_time, t, sizeof t);
    y = pane_draw_kv(w, y, x, width, "Start", A_NORMAL, "%s", t);
    pane_fmt_time(b->end_time, t, sizeof t);
    y = pane_draw_kv(w, y, x, width, "End", A_NORMAL, "%s", b->end_time ? t : "ongoing");
    pane_fmt_time(b->created_at, t, sizeof t);
    y = pane_draw_kv(w, y, x, width, "Detected", A_NORMAL, "%s", t);
    y++;
    pane_draw_wrapped(w, y, x, width, 8, b->reason, A_NORMAL);
}

static const PaneOps sla_ops = {
    .title = "SLA Breaches",
    .tab = "SLA",
    .draw = draw,
    .draw_detail = draw_detail,
    .rebuild = rebuild,
    .match = match,
    .empty = "",
};

Pane *pane_sla_new(Ui *ui) { return pane_new(&sla_ops, NULL, ui); }
