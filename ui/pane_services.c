/* pane_services — every service with its status, criticality, risk,
 * RTO/RPO and last update; Enter (or a wide terminal) shows the detail:
 * BIA, risk reason, probe, dependencies both ways, recent downtimes and
 * integrations. `s` cycles the sort order. The cursor's service is the
 * one the Dependencies and Health panes follow. */
#include "panes.h"
#include "layout.h"
#include "theme.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { SORT_STATUS, SORT_RISK, SORT_NAME, SORT_ID, SORT_COUNT } SortKey;
static const char *const sort_names[SORT_COUNT] = {"status", "risk", "name", "id"};

typedef struct ServicesState {
    SortKey sort;
} ServicesState;

void pane_risk_cell(const SnapService *v, int level, char *buf, size_t size, attr_t *attr)
{
    if (!v->has_risk) {
        strlcpy_(buf, "-", size);
    } else if (!level) {
        snprintf(buf, size, "%d", v->risk_score);
    } else {
        strlcpy_(buf, risk_level_name(v->risk_level), size);
        *attr = theme_risk(v->risk_level);
    }
}

const char *pane_service_name(const Snapshot *s, int64_t id, char *buf, size_t size)
{
    const SnapService *v = s ? snapshot_find_service(s, id) : NULL;
    if (v)
        return v->name;
    if (id <= 0)                       /* an incident-level alert has no service */
        return "(incident)";
    snprintf(buf, size, "#%lld", (long long)id);
    return buf;
}

static int cmp_services(const void *a, const void *b, void *arg)
{
    const Snapshot *s = ((const void **)arg)[0];
    SortKey k = *(const SortKey *)((const void **)arg)[1];
    const SnapService *x = &s->services[*(const int *)a], *y = &s->services[*(const int *)b];
    int c = 0;
    switch (k) {
    case SORT_STATUS: c = (int)y->status - (int)x->status; break;
    case SORT_RISK: c = y->risk_score - x->risk_score; break;
    case SORT_NAME: c = strcasecmp(x->name, y->name); break;
    case SORT_ID: break;
    case SORT_COUNT: break;
    }
    if (!c && k != SORT_NAME && k != SORT_ID)
        c = y->risk_score - x->risk_score;
    if (!c && k != SORT_ID)
        c = strcasecmp(x->name, y->name);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

static void rebuild(Pane *p, const Snapshot *s)
{
    ServicesState *st = p->state;
    int *idx = xmalloc((size_t)(s->nservices ? s->nservices : 1) * sizeof *idx);
    for (int i = 0; i < s->nservices; i++)
        idx[i] = i;
    const void *ctx[2] = {s, &st->sort};
    qsort_r(idx, (size_t)s->nservices, sizeof *idx, cmp_services, ctx);
    for (int i = 0; i < s->nservices; i++)
        pane_list_push(&p->list, idx[i], s->services[idx[i]].id);
    free(idx);
}

static int match(Pane *p, const Snapshot *s, int item, const char *pat)
{
    (void)p;
    const SnapService *v = &s->services[item];
    return layout_contains(v->name, pat) || layout_contains(status_name(v->status), pat) ||
           layout_contains(v->criticality, pat) || layout_contains(v->description, pat);
}

static const TableCol cols[] = {
    {"Name", 12, 26, 3, 0, 0},
    {"Status", 8, 8, 0, 0, 0},
    {"Criticality", 11, 11, 0, 2, 0},
    {"Risk", 4, 4, 0, 0, 1},
    {"Level", 6, 6, 0, 1, 0},
    {"RTO", 5, 6, 0, 3, 1},
    {"RPO", 5, 6, 0, 3, 1},
    {"Updated", 9, 10, 0, 2, 1},
    {"Blocked by", 10, 20, 1, 1, 0},     /* issue 11: its root cause; stays at 80 columns */
    {"Class", 4, 9, 0, 3, 0},            /* issue 11: classification badges */
    {"Description", 10, 0, 2, 4, 0},
};

/* at 80 columns the name keeps 20 before Criticality keeps its width */
static const TableFit fit[] = {{0, 20, 0}, {8, 14, 0}, {2, 0, 4}, {-1, 0, 0}};

/* Issue 11: the service's open classifications (seed 000's Critical and
 * HighRisk alerts) as a badge: "crit", "risk", "crit risk". */
static void class_badge(const Snapshot *s, int64_t sid, char *buf, size_t size)
{
    int crit = 0, risk = 0;
    for (int i = 0; i < s->nalerts; i++) {
        const AlertRow *a = &s->alerts[i];
        if (a->service_id != sid || a->resolved_at || strcmp(a->kind, ALERT_KIND_CLASSIFICATION))
            continue;
        crit |= strcmp(a->type, "Critical") == 0;
        risk |= strcmp(a->type, "HighRisk") == 0;
    }
    snprintf(buf, size, "%s%s%s", crit ? "crit" : "", crit && risk ? " " : "", risk ? "risk" : "");
}

static void minutes(int has, int v, char *buf, size_t size)
{
    if (has)
        snprintf(buf, size, "%dm", v);
    else
        strlcpy_(buf, "-", size);
}

static void cell(Pane *p, const Snapshot *s, int item, int col, char *buf, size_t size,
                 attr_t *attr)
{
    (void)p;
    const SnapService *v = &s->services[item];
    switch (col) {
    case 0: strlcpy_(buf, v->name, size); break;
    case 1:     /* a flapping service says so instead (issue 11) */
        strlcpy_(buf, v->flapping ? "Flapping" : v->has_status ? status_name(v->status)
                                                                : "Unknown", size);
        *attr = v->flapping ? theme_attr(TH_WARN) : theme_status(v->status);
        break;
    case 2: strlcpy_(buf, v->criticality ? v->criticality : "-", size); break;
    case 3: pane_risk_cell(v, 0, buf, size, attr); break;
    case 4: pane_risk_cell(v, 1, buf, size, attr); break;
    case 5: minutes(v->has_rto, v->rto, buf, size); break;
    case 6: minutes(v->has_rpo, v->rpo, buf, size); break;
    case 7:
        if (v->last_updated) {
            char d[32];
            layout_duration(s->built_at - v->last_updated, d, sizeof d);
            snprintf(buf, size, "%s ago", d);
        } else {
            strlcpy_(buf, "never", size);
        }
        *attr = theme_attr(TH_DIM);
        break;
    case 8: {
        char tmp[24];
        strlcpy_(buf, v->blocked_by ? pane_service_name(s, v->blocked_by, tmp, sizeof tmp) : "",
                 size);
        *attr = theme_attr(TH_WARN);
        break;
    }
    case 9: class_badge(s, v->id, buf, size); *attr = theme_attr(TH_CRIT); break;
    case 10:
        strlcpy_(buf, v->description ? v->description : "", size);
        *attr = theme_attr(TH_DIM);
        break;
    }
}

static void draw(Pane *p, WINDOW *w, const Snapshot *s)
{
    ServicesState *st = p->state;
    char sum[160];
    snprintf(sum, sizeof sum, "%d services: %d up, %d degraded, %d down, %d unknown  (sort: %s)",
             s->nservices, s->status_counts[STATUS_UP], s->status_counts[STATUS_DEGRADED],
             s->status_counts[STATUS_DOWN], s->status_counts[STATUS_UNKNOWN],
             sort_names[st->sort]);
    pane_draw_title(w, p, sum);
    pane_draw_table_fit(p, w, s, 1, cols, (int)(sizeof cols / sizeof cols[0]), cell, fit);
    int cur = pane_list_current(&p->list);
    if (cur >= 0)
        ui_select_service(p->ui, s->services[cur].id);
}

static void names_of(const Snapshot *s, const int64_t *ids, int n, char *buf, size_t size)
{
    buf[0] = '\0';
    size_t len = 0;
    for (int i = 0; i < n && len + 4 < size; i++) {
        char tmp[24];
        const SnapService *d = snapshot_find_service(s, ids[i]);
        const char *nm = pane_service_name(s, ids[i], tmp, sizeof tmp);
        len += (size_t)snprintf(buf + len, size - len, "%s%s (%s)", i ? ", " : "", nm,
                                d ? status_name(d->status) : "?");
        if (len >= size)
            len = size - 1;
    }
    if (!n)
        strlcpy_(buf, "none", size);
}

/* The detail's parts: each draws from line y at x within width and
 * returns the next free line. */

/* Status (with the open downtime) and uptime. */
static int detail_status(WINDOW *w, int y, int x, int width, const Snapshot *s,
                         const SnapService *v)
{
    char a[64], b[64];
    pane_fmt_time(v->last_updated, a, sizeof a);
    y = pane_draw_kv(w, y, x, width, "Status", theme_status(v->status),
                     "%s  (id %lld, updated %s)",
                     v->has_status ? status_name(v->status) : "Unknown", (long long)v->id, a);
    if (v->down_since) {
        layout_duration(s->built_at - v->down_since, b, sizeof b);
        pane_fmt_time(v->down_since, a, sizeof a);
        y = pane_draw_kv(w, y, x, width, "Downtime", theme_attr(TH_DOWN), "open since %s (%s)",
                         a, b);
    }
    if (v->flapping)
        y = pane_draw_kv(w, y, x, width, "Flapping", theme_attr(TH_WARN),
                         "yes: one Flapping alert, no notification per change until it settles");
    y = pane_draw_kv(w, y, x, width, "Runbook", v->runbook_url ? A_NORMAL : theme_attr(TH_DIM),
                     "%s", v->runbook_url ? v->runbook_url : "none");
    return pane_draw_kv(w, y, x, width, "Uptime", A_NORMAL, "%.2f %% over %d days",
                        v->uptime_pct, SNAPSHOT_UPTIME_DAYS);
}

/* The BIA and the risk score with its reason. */
static int detail_bia_risk(WINDOW *w, int y, int x, int width, const SnapService *v)
{
    if (v->has_bia) {
        char rto[16], rpo[16];
        minutes(v->has_rto, v->rto, rto, sizeof rto);
        minutes(v->has_rpo, v->rpo, rpo, sizeof rpo);
        y = pane_draw_kv(w, y, x, width, "BIA", A_NORMAL,
                         "criticality %s, impact %s, RTO %s, RPO %s",
                         v->criticality ? v->criticality : "-", v->impact ? v->impact : "-",
                         rto, rpo);
    } else {
        y = pane_draw_kv(w, y, x, width, "BIA", theme_attr(TH_DIM), "none recorded");
    }
    if (v->has_risk) {
        y = pane_draw_kv(w, y, x, width, "Risk", theme_risk(v->risk_level), "%d (%s)%s",
                         v->risk_score, risk_level_name(v->risk_level),
                         v->is_critical ? "  CRITICAL" : "");
        if (v->risk_reason && *v->risk_reason && y < getmaxy(w))
            y = pane_draw_wrapped(w, y, x + 14, width - 14, 3, v->risk_reason,
                                  theme_attr(TH_DIM));
    }
    return y;
}

/* The probe and its last check, or where a heartbeat service's status
 * comes from. */
static int detail_probe(WINDOW *w, int y, int x, int width, const SnapService *v)
{
    if (!v->probe)
        return pane_draw_kv(w, y, x, width, "Probe", theme_attr(TH_DIM),
                            "none: status comes from heartbeats (POST /api/services/%lld/status)",
                            (long long)v->id);
    const ProbeViewRow *pr = v->probe;
    char a[64], b[64];
    y = pane_draw_kv(w, y, x, width, "Probe", A_NORMAL, "%s %s (timeout %d ms)", pr->kind,
                     pr->target, pr->timeout_ms);
    pane_fmt_time(pr->last_checked, a, sizeof a);
    if (pr->has_latency)
        snprintf(b, sizeof b, "%d ms", pr->last_latency_ms);
    else
        strlcpy_(b, "-", sizeof b);
    return pane_draw_kv(w, y, x, width, "Last check",
                        pr->fail_streak ? theme_attr(TH_WARN) : A_NORMAL,
                        "%s, latency %s, %d failure%s in a row%s%s", a, b, pr->fail_streak,
                        pr->fail_streak == 1 ? "" : "s", pr->last_error[0] ? ": " : "",
                        pr->last_error);
}

/* Dependencies both ways and the integrations. */
static int detail_links(WINDOW *w, int y, int x, int width, const Snapshot *s,
                        const SnapService *v)
{
    char big[2048];
    names_of(s, v->deps, v->ndeps, big, sizeof big);
    y = pane_draw_kv(w, y, x, width, "Depends on", A_NORMAL, "%s", big);
    names_of(s, v->rdeps, v->nrdeps, big, sizeof big);
    y = pane_draw_kv(w, y, x, width, "Needed by", A_NORMAL, "%s", big);
    return pane_draw_kv(w, y, x, width, "Integrations", A_NORMAL, "%d%s%s", v->integrations,
                        v->integrations ? ": " : "", v->integration_types);
}

/* The recent downtimes, newest first, to the bottom of w. */
static void detail_downtimes(WINDOW *w, int y, int x, int width, const Snapshot *s,
                             const SnapService *v)
{
    int h = getmaxy(w);
    char a[64], b[64], line[2048];
    snprintf(line, sizeof line, "Downtimes (last %d days)", SNAPSHOT_DOWNTIME_DAYS);
    pane_draw_text(w, y++, x, width, line, theme_attr(TH_HEADER));
    if (!v->ndowntimes)
        pane_draw_text(w, y++, x, width, "none", theme_attr(TH_DIM));
    for (int i = v->ndowntimes - 1; i >= 0 && y < h; i--) {
        const DowntimeRow *d = &v->downtimes[i];
        pane_fmt_time(d->start_time, a, sizeof a);
        layout_duration((d->end_time ? d->end_time : s->built_at) - d->start_time, b, sizeof b);
        snprintf(line, sizeof line, "%s  %-7s %s%s", a, b, d->end_time ? "" : "(open) ",
                 d->reason);
        pane_draw_text(w, y++, x, width, line, d->end_time ? A_NORMAL : theme_attr(TH_DOWN));
    }
}

void pane_services_draw_detail(WINDOW *w, const Snapshot *s, const SnapService *v)
{
    int width = getmaxx(w) - 2, y = 0, x = 1, h = getmaxy(w);
    if (!v) {
        pane_draw_center(w, 2, "(no service selected)", theme_attr(TH_DIM));
        return;
    }
    pane_draw_text(w, y++, x, width, v->name, theme_attr(TH_TITLE));
    if (v->description && *v->description)
        y = pane_draw_wrapped(w, y, x, width, 2, v->description, theme_attr(TH_DIM));
    y++;
    y = detail_status(w, y, x, width, s, v);
    y = detail_bia_risk(w, y, x, width, v);
    y = detail_probe(w, y, x, width, v);
    y = detail_links(w, y, x, width, s, v);
    if (y + 1 < h)
        detail_downtimes(w, y + 1, x, width, s, v);
}

static void draw_detail(Pane *p, WINDOW *w, const Snapshot *s)
{
    int cur = pane_list_current(&p->list);
    pane_services_draw_detail(w, s, cur >= 0 ? &s->services[cur] : NULL);
}

static PaneResult key_sort(Pane *p, int key)
{
    (void)key;
    ServicesState *st = p->state;
    st->sort = (st->sort + 1) % SORT_COUNT;
    p->gen++;
    ui_message(p->ui, 0, "Sorted by %s", sort_names[st->sort]);
    return PANE_HANDLED | PANE_REDRAW;
}

static const PaneKey services_keys[] = {
    {{'s'}, "s", "cycle the sort order (status, risk, name, id)", key_sort},
    {{0}, NULL, NULL, NULL},
};

static const PaneOps services_ops = {
    .title = "Services",
    .tab = "Services",
    .draw = draw,
    .keys = services_keys,
    .draw_detail = draw_detail,
    .destroy = free,
    .rebuild = rebuild,
    .match = match,
    .empty = "No services yet: create them through the API (POST /api/services) or run --demo.",
};

Pane *pane_services_new(Ui *ui)
{
    return pane_new(&services_ops, xcalloc(1, sizeof(ServicesState)), ui);
}
