/* pane_alerts — alerts, the real outage on top (issue 11 items 1 and 2).
 *
 * ORDER: open unacknowledged conditions first (those an active silence
 * covers after the others), by severity (Critical first) then newest;
 * acknowledged conditions next; the classifications
 * (seed 000's Critical and HighRisk: properties of a service) collapse
 * into one row "N classifications" below them; resolved alerts last.
 * ROOT CAUSE FIRST: the open conditions of a service blocked
 * by a Down/Degraded root (SnapService.blocked_by, domain/rootcause.h)
 * fold under one row, the root's own open alert or a row of its own,
 * "Message Queue Down — 4 dependents affected"; the group sorts by its
 * most severe member. Enter or space expands or folds a group (on a
 * folded alert: folds its group); Enter on an alert opens its detail.
 *
 * `a` acknowledges the alert under the cursor (on a group: the root's
 * alert and every folded one, one ack for one outage), `A` every open
 * alert shown (after a y/n confirmation); both go through the domain
 * with the console user as the actor; after `a` the cursor moves to the
 * next open row. `u` takes an ack back. An open alert an active silence
 * covers is dimmed, with "silenced until 04:00 by ana: reason" (item 4).
 * `/` filters the list live as you
 * type (service name, type, message; while a pattern is set groups open
 * up); Enter shows every row again with the cursor on the first match,
 * and `f` then applies the pattern as a filter (without a pattern `f`
 * shows open alerts only, or all), Esc clears. The tab bar shows the open critical
 * conditions beside the tab.
 *
 * SECURITY ESCALATIONS (issue 12): seed 003's escalated security alerts
 * (an incident opened, or routed to a verdict with S0 at or above the
 * escalation threshold) follow the conditions in a section of their
 * own, one row each with S0 and title; Enter on one opens its detail in
 * the Security pane. They are read on the UI thread's Store
 * (pane_security_escalations), not from the snapshot. */
#include "panes.h"
#include "layout.h"
#include "theme.h"
#include "util.h"
#include "domain/alerts.h"
#include "domain/secalerts.h"
#include "domain/rules.h"
#include "domain/silences.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ITEM_CLASSES = -2 };             /* the classifications row; a fold
                                           group without a root alert is
                                           -(3 + its index) */
#define ID_CLASSES  (-1)
#define ID_GROUP(root) (-1000 - (root))
/* the security escalations' section: its heading and its k-th alert */
#define ITEM_SEC_HEAD (-4000000)
#define ITEM_SEC(k) (ITEM_SEC_HEAD - 1 - (k))
#define ID_SEC_HEAD (-((int64_t)1 << 40))
#define ID_SEC(seq) (ID_SEC_HEAD - (seq))

static int is_sec_item(int item) { return item <= ITEM_SEC_HEAD; }
/* a fold group's row without a root alert */
static int is_group_item(int item) { return item <= -3 && !is_sec_item(item); }

typedef struct Group {
    int64_t root;       /* service id */
    int     header;     /* alert index of the root's open alert, -1 none */
    int     sev;        /* most severe member */
    int64_t newest;
    int     n;          /* folded alerts */
} Group;

typedef struct AlertsState {
    int      open_only;
    int      classes_open;        /* the classifications row expanded */
    int64_t  expanded[64];        /* roots whose group is expanded */
    int      nexpanded;
    Group   *groups;              /* rebuilt with the list */
    int      ngroups, capgroups;
    int      nclasses;
    int64_t  last_acked[64];      /* what the last `a` acknowledged: `u` undoes it */
    int      nlast;
    SecAlert *esc;                /* security escalations, newest first */
    int      nesc;
    int64_t  esc_ms;              /* util_mono_ms() of their last read */
} AlertsState;

static int is_open(const AlertRow *a) { return !a->acknowledged && !a->resolved_at; }
static int is_class(const AlertRow *a) { return strcmp(a->kind, ALERT_KIND_CLASSIFICATION) == 0; }

static int sev_rank(const char *s)
{
    AlertSeverity v;
    return severity_parse(s, &v) == 0 ? (int)v : 0;
}

/* The root a snapshot's alert is folded under, 0 none. */
static int64_t folded_root(const Snapshot *s, const AlertRow *a)
{
    if (!is_open(a) || is_class(a))
        return 0;
    const SnapService *v = snapshot_find_service(s, a->service_id);
    return v ? v->blocked_by : 0;
}

static int group_of_root(const AlertsState *st, int64_t root)
{
    for (int k = 0; k < st->ngroups; k++)
        if (st->groups[k].root == root)
            return k;
    return -1;
}

/* The group whose header is alert item, or -1. */
static int group_of_header(const AlertsState *st, int item)
{
    for (int k = 0; item >= 0 && k < st->ngroups; k++)
        if (st->groups[k].header == item)
            return k;
    return -1;
}

static int expanded(const AlertsState *st, int64_t root)
{
    for (int i = 0; i < st->nexpanded; i++)
        if (st->expanded[i] == root)
            return 1;
    return 0;
}

static void toggle_expanded(AlertsState *st, int64_t root, int want)
{
    for (int i = 0; i < st->nexpanded; i++)
        if (st->expanded[i] == root) {
            if (!want)
                st->expanded[i] = st->expanded[--st->nexpanded];
            return;
        }
    if (want && st->nexpanded < (int)(sizeof st->expanded / sizeof st->expanded[0]))
        st->expanded[st->nexpanded++] = root;
}

/* A unit of the open list: one alert (item >= 0, group -1) or a group. */
typedef struct Unit {
    int     item, group, sev, quiet;    /* quiet: an active silence covers it */
    int64_t at, id;
} Unit;

static int unit_cmp(const void *x, const void *y)
{
    const Unit *a = x, *b = y;
    if (a->quiet != b->quiet)           /* what a silence covers waits below */
        return a->quiet - b->quiet;
    if (a->sev != b->sev)
        return b->sev - a->sev;
    if (a->at != b->at)
        return a->at < b->at ? 1 : -1;
    return a->id < b->id ? 1 : a->id > b->id;
}

static Group *group_add(AlertsState *st, int64_t root)
{
    if (st->ngroups == st->capgroups) {
        st->capgroups = st->capgroups ? st->capgroups * 2 : 8;
        st->groups = xrealloc(st->groups, (size_t)st->capgroups * sizeof *st->groups);
    }
    Group *g = &st->groups[st->ngroups++];
    *g = (Group){root, -1, 0, 0, 0};
    return g;
}

/* A root's status alert heads its group, else its most severe one. */
static int better_header(const AlertRow *a, const AlertRow *cur)
{
    int sa = !strcmp(a->type, ALERT_STATUS_CHANGE), sc = !strcmp(cur->type, ALERT_STATUS_CHANGE);
    if (sa != sc)
        return sa;
    return sev_rank(a->severity) > sev_rank(cur->severity);
}

/* Fold groups: one per root with folded open alerts; its header is the
 * root's most severe, newest open condition. */
static void find_groups(AlertsState *st, const Snapshot *s)
{
    st->ngroups = 0;
    for (int i = 0; i < s->nalerts; i++) {
        const AlertRow *a = &s->alerts[i];
        int64_t root = folded_root(s, a);
        if (!root)
            continue;
        int k = group_of_root(st, root);
        Group *g = k >= 0 ? &st->groups[k] : group_add(st, root);
        g->n++;
        if (sev_rank(a->severity) > g->sev)
            g->sev = sev_rank(a->severity);
        if (a->created_at > g->newest)
            g->newest = a->created_at;
    }
    for (int i = 0; i < s->nalerts; i++) {        /* newest first */
        const AlertRow *a = &s->alerts[i];
        int k = is_open(a) && !is_class(a) ? group_of_root(st, a->service_id) : -1;
        if (k < 0 || folded_root(s, a))
            continue;
        Group *g = &st->groups[k];
        if (g->header < 0 || better_header(a, &s->alerts[g->header]))
            g->header = i;
    }
    for (int k = 0; k < st->ngroups; k++) {
        Group *g = &st->groups[k];
        if (g->header >= 0 && sev_rank(s->alerts[g->header].severity) > g->sev)
            g->sev = sev_rank(s->alerts[g->header].severity);
    }
}

static void push_alert(Pane *p, const Snapshot *s, int i)
{
    pane_list_push(&p->list, i, s->alerts[i].id);
}

static void push_group(Pane *p, const Snapshot *s, int k)
{
    AlertsState *st = p->state;
    Group *g = &st->groups[k];
    if (g->header >= 0)
        push_alert(p, s, g->header);
    else
        pane_list_push(&p->list, -3 - k, ID_GROUP(g->root));
    if (!expanded(st, g->root))
        return;
    for (int sev = SEV_CRITICAL; sev >= SEV_INFO; sev--)
        for (int i = 0; i < s->nalerts; i++)
            if (folded_root(s, &s->alerts[i]) == g->root &&
                sev_rank(s->alerts[i].severity) == sev)
                push_alert(p, s, i);
}

static const SilenceRow *silenced(const Snapshot *s, const AlertRow *a, int64_t *until);

static int is_quiet(const Snapshot *s, const AlertRow *a)
{
    int64_t until;
    return silenced(s, a, &until) != NULL;
}

/* The open unacknowledged conditions, folded (or flat while filtering):
 * what no silence covers first, then by severity, then newest. */
static void push_open(Pane *p, const Snapshot *s, int flat)
{
    AlertsState *st = p->state;
    Unit *u = xmalloc(((size_t)s->nalerts + 1) * sizeof *u);
    int n = 0;
    for (int i = 0; i < s->nalerts; i++) {
        const AlertRow *a = &s->alerts[i];
        if (!is_open(a) || is_class(a) || (!flat && (folded_root(s, a) ||
                                                     group_of_header(st, i) >= 0)))
            continue;
        u[n++] = (Unit){i, -1, sev_rank(a->severity), is_quiet(s, a), a->created_at, a->id};
    }
    for (int k = 0; !flat && k < st->ngroups; k++) {
        const Group *g = &st->groups[k];
        const AlertRow *h = g->header >= 0 ? &s->alerts[g->header] : NULL;
        u[n++] = (Unit){g->header, k, g->sev, h && is_quiet(s, h), g->newest, h ? h->id : 0};
    }
    qsort(u, (size_t)n, sizeof *u, unit_cmp);
    for (int i = 0; i < n; i++) {
        if (u[i].group >= 0)
            push_group(p, s, u[i].group);
        else
            push_alert(p, s, u[i].item);
    }
    free(u);
}

/* The security escalations' section: a heading, then one row each. */
static void push_escalations(Pane *p)
{
    AlertsState *st = p->state;
    /* at most every 5 s: the routed-to-verdict query may scan far back */
    if (!st->esc_ms || util_mono_ms() - st->esc_ms >= 5000) {
        secalerts_free_list(st->esc, st->nesc);
        st->esc = NULL;
        st->nesc = pane_security_escalations(p->ui, &st->esc);
        st->esc_ms = util_mono_ms();
    }
    if (st->nesc && !p->search[0])
        pane_list_push(&p->list, ITEM_SEC_HEAD, ID_SEC_HEAD);
    for (int k = 0; k < st->nesc; k++)
        pane_list_push(&p->list, ITEM_SEC(k), ID_SEC(st->esc[k].seq));
}

static void rebuild(Pane *p, const Snapshot *s)
{
    AlertsState *st = p->state;
    int flat = p->search[0] != 0;     /* searching: every alert in reach */
    st->ngroups = 0;
    if (!flat)
        find_groups(st, s);
    push_open(p, s, flat);
    for (int i = 0; i < s->nalerts && !st->open_only; i++) /* acknowledged, newest first */
        if (s->alerts[i].acknowledged && !s->alerts[i].resolved_at && !is_class(&s->alerts[i]))
            push_alert(p, s, i);
    push_escalations(p);
    st->nclasses = 0;
    for (int i = 0; i < s->nalerts; i++)
        st->nclasses += !s->alerts[i].resolved_at && is_class(&s->alerts[i]);
    if (st->nclasses && !flat)
        pane_list_push(&p->list, ITEM_CLASSES, ID_CLASSES);
    for (int i = 0; i < s->nalerts && (flat || st->classes_open); i++)
        if (!s->alerts[i].resolved_at && is_class(&s->alerts[i]))
            push_alert(p, s, i);
    if (!st->open_only)
        for (int i = 0; i < s->nalerts; i++)
            if (s->alerts[i].resolved_at)
                push_alert(p, s, i);
}

static int match(Pane *p, const Snapshot *s, int item, const char *pat)
{
    if (is_sec_item(item) && item != ITEM_SEC_HEAD) {
        const SecAlert *e = &((AlertsState *)p->state)->esc[ITEM_SEC_HEAD - 1 - item];
        return layout_contains(e->title, pat) || layout_contains(e->id, pat) ||
               layout_contains("security", pat);
    }
    if (item < 0)
        return 0;
    const AlertRow *a = &s->alerts[item];
    char tmp[24], id[24];
    snprintf(id, sizeof id, "%lld", (long long)a->id);
    return layout_contains(a->message, pat) || layout_contains(a->type, pat) ||
           layout_contains(a->severity, pat) || !strcmp(id, pat) ||
           layout_contains(pane_service_name(s, a->service_id, tmp, sizeof tmp), pat);
}

/* The active silence covering open alert a, or NULL; *until = its
 * window's end. */
static const SilenceRow *silenced(const Snapshot *s, const AlertRow *a, int64_t *until)
{
    const SilenceRow *r = a->resolved_at ? NULL
        : silences_of_alert(s->silences, s->nsilences, s->alert_silences, s->nalert_silences,
                            a->id);
    if (!r)
        return NULL;
    SilenceRow c = *r;
    silences_state_at(&c, util_now());
    *until = c.window_end;
    return c.state == SILENCE_ACTIVE ? r : NULL;
}

/* "silenced until 04:00 by ana: reason" */
static void silenced_text(const SilenceRow *r, int64_t until, char *buf, size_t size)
{
    char t[40];
    silences_fmt_until(until, util_now(), t, sizeof t);
    snprintf(buf, size, "silenced until %s by %s: %s", t, r->created_by, r->comment);
}

static const TableCol cols[] = {
    {"ID", 4, 7, 0, 1, 1},
    {"Created", 16, 16, 0, 3, 0},
    {"Severity", 8, 8, 0, 0, 0},
    {"Service", 10, 24, 1, 0, 0},
    {"Type", 8, 12, 1, 3, 0},
    {"State", 6, 18, 1, 0, 0},
    {"Message", 30, 0, 4, 1, 0},     /* at 80 columns Type and Created go */
};
/* at 80 columns the service name keeps 20 before the others grow */
static const TableFit fit[] = {{3, 20, 0}, {-1, 0, 0}};

/* "Message Queue Down — 4 dependents affected" for group k. */
static void group_title(const Pane *p, const Snapshot *s, int k, char *buf, size_t size)
{
    const AlertsState *st = p->state;
    const Group *g = &st->groups[k];
    const SnapService *v = snapshot_find_service(s, g->root);
    char tmp[24];
    int n = v && v->ndependents_blocked ? v->ndependents_blocked : g->n;
    snprintf(buf, size, "[%c] %s %s \xe2\x80\x94 %d dependent%s affected",
             expanded(st, g->root) ? '-' : '+', pane_service_name(s, g->root, tmp, sizeof tmp),
             v && v->has_status ? status_name(v->status) : "impaired", n, n == 1 ? "" : "s");
}

/* The cells of the two kinds of rows that are not one alert. */
static void group_cell(Pane *p, const Snapshot *s, int item, int col, char *buf, size_t size,
                       attr_t *attr)
{
    AlertsState *st = p->state;
    char tmp[24];
    buf[0] = '\0';
    if (item == ITEM_CLASSES) {
        if (col == 4)
            strlcpy_(buf, "classification", size);
        else if (col == 6)
            snprintf(buf, size, "[%c] %d classification%s (Critical, HighRisk: what a service is, "
                     "not what happens)", st->classes_open ? '-' : '+', st->nclasses,
                     st->nclasses == 1 ? "" : "s");
        *attr = theme_attr(TH_DIM);
        return;
    }
    int k = -3 - item;
    const Group *g = &st->groups[k];
    AlertSeverity sev = (AlertSeverity)g->sev;
    switch (col) {
    case 2: strlcpy_(buf, severity_name(sev), size); *attr = theme_severity(buf); return;
    case 3: strlcpy_(buf, pane_service_name(s, g->root, tmp, sizeof tmp), size); break;
    case 4: strlcpy_(buf, "RootCause", size); break;
    case 5: strlcpy_(buf, "OPEN", size); *attr = theme_severity(severity_name(sev)); return;
    case 6: group_title(p, s, k, buf, size); break;
    }
}

/* "snoozed until 04:30 by ana": an ack with an expiry, before it runs out */
static void snoozed_text(const AlertRow *a, char *buf, size_t size)
{
    char t[24], hm[8] = "?";
    pane_fmt_time(a->ack_expires_at, t, sizeof t);
    if (strlen(t) >= 16)
        strlcpy_(hm, t + 11, sizeof hm);
    snprintf(buf, size, "snoozed until %s by %s", hm,
             a->acknowledged_by[0] ? a->acknowledged_by : "?");
}

static void state_cell(const AlertRow *a, int silenced, char *buf, size_t size)
{
    /* resolved wins: an alert whose condition cleared is over, whoever
     * acknowledged it on the way (B17) */
    if (a->resolved_at)
        strlcpy_(buf, "resolved", size);
    else if (a->acknowledged)
        snprintf(buf, size, "acked by %s", a->acknowledged_by[0] ? a->acknowledged_by : "?");
    else
        strlcpy_(buf, silenced ? "silenced" : "OPEN", size);
}

static void message_cell(Pane *p, const Snapshot *s, int item, char *buf, size_t size)
{
    const AlertRow *a = &s->alerts[item];
    int k = group_of_header(p->state, item);
    if (k >= 0) {
        char t[200];
        group_title(p, s, k, t, sizeof t);
        snprintf(buf, size, "%s: %s", t, a->message);
    } else if (folded_root(s, a) && !p->search[0]) {
        snprintf(buf, size, "  \xe2\x94\x94 %s", a->message);
    } else {
        strlcpy_(buf, a->message, size);
    }
}

/* The cells of the security escalations' heading and rows. */
static void sec_cell(Pane *p, int item, int col, char *buf, size_t size, attr_t *attr)
{
    AlertsState *st = p->state;
    buf[0] = '\0';
    if (item == ITEM_SEC_HEAD) {
        if (col == 4)
            strlcpy_(buf, "security", size);
        else if (col == 6)
            snprintf(buf, size, "Security escalations: %d open (Enter: 9)", st->nesc);
        *attr = theme_attr(TH_HEADER);
        return;
    }
    const SecAlert *e = &st->esc[ITEM_SEC_HEAD - 1 - item];
    /* the OCSF word (0 Unknown .. 6 Fatal), as the Security pane has it */
    attr_t sev = pane_security_severity_attr(e->severity_id);
    switch (col) {
    case 1: pane_fmt_time(e->received_at, buf, size); break;
    case 2: strlcpy_(buf, pane_security_severity_word(e->severity_id), size); *attr = sev; return;
    case 3: strlcpy_(buf, e->source ? e->source : "-", size); break;
    case 4: strlcpy_(buf, "Security", size); break;
    case 5:
        snprintf(buf, size, "S0 %d%s", e->s0, e->closed_at ? " closed" : "");
        *attr = e->closed_at ? theme_attr(TH_DIM) : sev;
        return;
    case 6:
        snprintf(buf, size, "%s%s%s%s", e->incident_id ? "[" : "",
                 e->incident_id ? e->incident_id : "", e->incident_id ? "] " : "",
                 e->title ? e->title : e->id);
        break;
    }
}

static void cell(Pane *p, const Snapshot *s, int item, int col, char *buf, size_t size,
                 attr_t *attr)
{
    if (is_sec_item(item)) {
        sec_cell(p, item, col, buf, size, attr);
        return;
    }
    if (item < 0) {
        group_cell(p, s, item, col, buf, size, attr);
        return;
    }
    const AlertRow *a = &s->alerts[item];
    int64_t until = 0;
    const SilenceRow *sr = silenced(s, a, &until);
    int open = is_open(a) && !is_class(a) && !sr;
    char tmp[24];
    switch (col) {
    case 0: snprintf(buf, size, "%lld", (long long)a->id); break;
    case 1: pane_fmt_time(a->created_at, buf, size); break;
    case 2:
        strlcpy_(buf, a->severity, size);
        *attr = open ? theme_severity(a->severity) : theme_attr(TH_DIM);
        return;
    case 3: strlcpy_(buf, pane_service_name(s, a->service_id, tmp, sizeof tmp), size); break;
    case 4: strlcpy_(buf, a->type, size); break;
    case 5:
        state_cell(a, sr != NULL, buf, size);
        *attr = open ? theme_severity(a->severity) : theme_attr(sr ? TH_DIM : TH_UP);
        return;
    case 6:
        message_cell(p, s, item, buf, size);
        if (sr || (a->acknowledged && a->ack_expires_at && !a->resolved_at)) {
            char why[1024], msg[1024];
            if (sr)
                silenced_text(sr, until, why, sizeof why);
            else
                snoozed_text(a, why, sizeof why);
            strlcpy_(msg, buf, sizeof msg);
            /* a group's "[+] " stays first: the row still says it opens */
            int mark = (msg[0] == '[' && (msg[1] == '+' || msg[1] == '-') && msg[2] == ']' &&
                        msg[3] == ' ') ? 4 : 0;
            snprintf(buf, size, "%.*s[%s] %s", mark, msg, why, msg + mark);
        }
        break;
    }
    if (!open)
        *attr = theme_attr(TH_DIM);
}

static void draw(Pane *p, WINDOW *w, const Snapshot *s)
{
    AlertsState *st = p->state;
    char sum[200];
    snprintf(sum, sizeof sum, "%d open (%d critical, %d warning, %d info), %d classification%s"
             "  [f: %s]",
             s->unacked[SEV_CRITICAL] + s->unacked[SEV_WARNING] + s->unacked[SEV_INFO],
             s->unacked[SEV_CRITICAL], s->unacked[SEV_WARNING], s->unacked[SEV_INFO],
             st->nclasses, st->nclasses == 1 ? "" : "s",
             p->search[0] ? (p->filter ? "search filter" : "search") :
             st->open_only ? "open only" : "all");
    if (s->partial)
        strlcpy_(sum + strlen(sum), "  (loading the rest...)", sizeof sum - strlen(sum));
    pane_draw_title(w, p, sum);
    pane_draw_table_fit(p, w, s, 1, cols, (int)(sizeof cols / sizeof cols[0]), cell, fit);
}

/* The detail of a group row: what it holds. */
static void draw_group_detail(Pane *p, WINDOW *w, const Snapshot *s, int item)
{
    AlertsState *st = p->state;
    int width = getmaxx(w) - 2, y = 0, x = 1;
    char t[200];
    if (item == ITEM_CLASSES)
        snprintf(t, sizeof t, "%d classifications", st->nclasses);
    else
        group_title(p, s, -3 - item, t, sizeof t);
    pane_draw_text(w, y++, x, width, t, theme_attr(TH_TITLE));
    y++;
    pane_draw_wrapped(w, y, x, width, 4, item == ITEM_CLASSES
                      ? "Seed 000's Critical and HighRisk alerts say what a service is (its BIA, "
                        "its risk score), not that something happens: they are kept out of the "
                        "open counts. Enter shows them."
                      : "The alerts of the services that depend on this one are folded under it "
                        "(root cause first). Enter shows them; a acknowledges them all.",
                      A_NORMAL);
}

static void draw_detail(Pane *p, WINDOW *w, const Snapshot *s)
{
    int cur = pane_list_current(&p->list);
    int width = getmaxx(w) - 2, y = 0, x = 1;
    if (cur == -1 && !p->list.n) {
        pane_draw_center(w, 2, "(no alert selected)", theme_attr(TH_DIM));
        return;
    }
    if (is_sec_item(cur)) {
        pane_draw_wrapped(w, 0, x, width, 6, "A security alert escalated (seed 003): Enter "
                          "opens its detail in the Security pane (9): the normalized alert, "
                          "neighbours, verdicts; T/F/E and R act on it there.", A_NORMAL);
        return;
    }
    if (cur < 0) {
        draw_group_detail(p, w, s, cur);
        return;
    }
    const AlertRow *a = &s->alerts[cur];
    char t[64], tmp[24];
    char title[80];
    snprintf(title, sizeof title, "Alert #%lld", (long long)a->id);
    pane_draw_text(w, y++, x, width, title, theme_attr(TH_TITLE));
    y++;
    y = pane_draw_kv(w, y, x, width, "Severity", theme_severity(a->severity), "%s", a->severity);
    y = pane_draw_kv(w, y, x, width, "Type", A_NORMAL, "%s (%s)", a->type, a->kind);
    y = pane_draw_kv(w, y, x, width, "Service", A_NORMAL, "%s (id %lld)",
                     pane_service_name(s, a->service_id, tmp, sizeof tmp),
                     (long long)a->service_id);
    if (folded_root(s, a))
        y = pane_draw_kv(w, y, x, width, "Blocked by", A_BOLD, "%s",
                         pane_service_name(s, folded_root(s, a), tmp, sizeof tmp));
    pane_fmt_time(a->created_at, t, sizeof t);
    y = pane_draw_kv(w, y, x, width, "Created", A_NORMAL, "%s", t);
    y = pane_draw_kv(w, y, x, width, "Acknowledged", a->acknowledged ? theme_attr(TH_UP) : A_BOLD,
                     "%s%s%s", a->acknowledged ? "yes" : "no", a->acknowledged ? ", by " : "",
                     a->acknowledged ? a->acknowledged_by : "");
    if (a->acknowledged) {
        pane_fmt_time(a->acknowledged_at, t, sizeof t);
        y = pane_draw_kv(w, y, x, width, "Acked at", A_NORMAL, "%s", a->acknowledged_at ? t : "?");
        pane_fmt_time(a->ack_expires_at, t, sizeof t);
        y = pane_draw_kv(w, y, x, width, "Ack expires", A_NORMAL, "%s",
                         a->ack_expires_at ? t : "never");
        y = pane_draw_kv(w, y, x, width, "Ack note", A_NORMAL, "%s",
                         a->ack_note[0] ? a->ack_note : "(none)");
    }
    int64_t until;
    const SilenceRow *sr = silenced(s, a, &until);
    if (sr) {
        char why[1024];
        silenced_text(sr, until, why, sizeof why);
        y = pane_draw_kv(w, y, x, width, "Silenced", theme_attr(TH_DIM), "%s (silence #%lld)",
                         why, (long long)sr->id);
    }
    pane_fmt_time(a->resolved_at, t, sizeof t);
    y = pane_draw_kv(w, y, x, width, "Resolved", A_NORMAL, "%s", a->resolved_at ? t : "no");
    y++;
    pane_draw_text(w, y++, x, width, "Message", theme_attr(TH_HEADER));
    pane_draw_wrapped(w, y, x, width, 10, a->message, A_NORMAL);
}

typedef struct AckAll {
    int64_t *ids;
    int      n;
} AckAll;

static void ack_all_answer(Ui *ui, void *arg, const char *answer)
{
    AckAll *aa = arg;
    if (answer) {
        int ok = alerts_ack_many(ui_store(ui), aa->ids, aa->n, 0, ui_actor(ui), util_now(),
                                 NULL);
        if (ok < 0)
            ok = 0;
        int failed = aa->n - ok;
        if (failed)
            ui_message(ui, 1, "Acknowledged %d alert%s, %d failed", ok, ok == 1 ? "" : "s", failed);
        else
            ui_message(ui, 0, "Acknowledged %d alert%s as %s", ok, ok == 1 ? "" : "s",
                       ui_actor(ui));
        ui_after_write(ui, 0);
    } else {
        ui_message(ui, 0, "Cancelled");
    }
    free(aa->ids);
    free(aa);
}

/* f: with a `/` pattern, the search as a filter (or not); without one,
 * resolved alerts shown or hidden. */
static PaneResult key_filter(Pane *p, int key)
{
    (void)key;
    AlertsState *st = p->state;
    p->gen++;
    if (p->search[0]) {
        p->filter = !p->filter;
        ui_message(p->ui, 0, p->filter ? "Filter on: only alerts matching \"%s\" (Esc clears)"
                                       : "Filter off: all alerts, \"%s\" highlighted (f: on)",
                   p->search);
        return PANE_HANDLED | PANE_REDRAW;
    }
    st->open_only = !st->open_only;
    ui_message(p->ui, 0, st->open_only ? "Showing open alerts only" : "Showing all alerts");
    return PANE_HANDLED | PANE_REDRAW;
}

/* After `a` in the list: the cursor goes to the next open row (after the
 * acked one, else the first), not with the acked alert down the list. In
 * a detail view it stays: the detail keeps showing the alert it acked. */
/* 1 when the last `a` acknowledged id (the snapshot may not show it yet). */
static int just_acked(const AlertsState *st, int64_t id)
{
    for (int i = 0; i < st->nlast; i++)
        if (st->last_acked[i] == id)
            return 1;
    return 0;
}

/* Move the cursor to the next open row after an `a`: not one that `a`
 * (remember_ack) just acknowledged, as a fold group's children. */
static void select_next_open(Pane *p, const Snapshot *s, int64_t acked)
{
    ListView *l = &p->list;
    for (int k = 1; k <= l->n; k++) {
        int i = (l->cursor + k) % l->n;
        if (l->items[i] < 0)
            continue;
        const AlertRow *a = &s->alerts[l->items[i]];
        if (a->id != acked && !just_acked(p->state, a->id) && is_open(a) && !is_class(a)) {
            l->sel_id = a->id;
            l->has_sel = 1;
            return;
        }
    }
}

/* The alert under the cursor, or NULL with a word said. */
static const AlertRow *selected(Pane *p)
{
    const Snapshot *s = p->built_for;
    int cur = pane_list_current(&p->list);
    if (!s || cur == -1 || !p->list.n) {
        ui_message(p->ui, 0, "No alert selected");
        return NULL;
    }
    if (is_sec_item(cur)) {
        ui_message(p->ui, 0, "A security escalation: Enter opens it in the Security pane");
        return NULL;
    }
    if (cur < 0) {
        ui_message(p->ui, 0, "This row is a group: Enter shows its alerts");
        return NULL;
    }
    return &s->alerts[cur];
}

/* Remember what `a` just acknowledged, for `u` right after. */
static void remember_ack(Pane *p, const int64_t *ids, int n)
{
    AlertsState *st = p->state;
    st->nlast = 0;
    for (int i = 0; i < n && st->nlast < (int)(sizeof st->last_acked / sizeof st->last_acked[0]); i++)
        st->last_acked[st->nlast++] = ids[i];
}

/* u on a row that is not acknowledged, right after `a`: undo that `a`
 * (the cursor moved on to the next open row) and go back to it. */
static PaneResult undo_last_ack(Pane *p)
{
    AlertsState *st = p->state;
    int n = st->nlast, done = 0;
    char err[128];
    for (int i = 0; i < n; i++)
        done += alerts_ack(ui_store(p->ui), st->last_acked[i], 0, 0, ui_actor(p->ui),
                           util_now(), err, sizeof err) == 0;
    if (done == n && n == 1)
        ui_message(p->ui, 0, "Undone: alert #%lld unacknowledged by %s",
                   (long long)st->last_acked[0], ui_actor(p->ui));
    else if (done == n)
        ui_message(p->ui, 0, "Undone: %d alerts unacknowledged by %s", n, ui_actor(p->ui));
    else
        ui_message(p->ui, 1, "Undo: %d of %d alerts unacknowledged (%s)", done, n, err);
    p->list.sel_id = st->last_acked[0];
    p->list.has_sel = 1;
    st->nlast = 0;
    ui_after_write(p->ui, 0);
    return PANE_HANDLED | PANE_REDRAW;
}

/* u: take back the ack of the alert under the cursor; on an open row right
 * after `a`, undo that `a`. */
static PaneResult key_unack(Pane *p, int key)
{
    (void)key;
    AlertsState *st = p->state;
    const Snapshot *s = p->built_for;
    int cur = pane_list_current(&p->list);
    /* right after `a`: on an open row (where `a` moved the cursor) or on
     * one of the rows that `a` acknowledged (a fold group's), undo it all */
    if (st->nlast && s && (cur < 0 || is_sec_item(cur) || !s->alerts[cur].acknowledged ||
                           just_acked(st, s->alerts[cur].id)))
        return undo_last_ack(p);
    const AlertRow *a = selected(p);
    if (!a)
        return PANE_HANDLED;
    if (!a->acknowledged) {
        ui_message(p->ui, 0, "Alert #%lld is not acknowledged", (long long)a->id);
        return PANE_HANDLED;
    }
    st->nlast = 0;
    char err[128];
    if (alerts_ack(ui_store(p->ui), a->id, 0, 0, ui_actor(p->ui), util_now(), err,
                   sizeof err) < 0) {
        ui_message(p->ui, 1, "Unacknowledge failed: %s", err);
        return PANE_HANDLED;
    }
    ui_message(p->ui, 0, "Alert #%lld unacknowledged by %s", (long long)a->id, ui_actor(p->ui));
    ui_after_write(p->ui, 0);
    return PANE_HANDLED | PANE_REDRAW;
}

/* a on a fold group: the root's open alert and every folded one. */
static PaneResult ack_group(Pane *p, const Snapshot *s, int k)
{
    AlertsState *st = p->state;
    const Group *g = &st->groups[k];
    int64_t *ids = xmalloc(((size_t)s->nalerts + 1) * sizeof *ids);
    int n = 0;
    if (g->header >= 0)
        ids[n++] = s->alerts[g->header].id;
    for (int i = 0; i < s->nalerts; i++)
        if (folded_root(s, &s->alerts[i]) == g->root)
            ids[n++] = s->alerts[i].id;
    int ok = alerts_ack_many(ui_store(p->ui), ids, n, 0, ui_actor(p->ui), util_now(), NULL);
    char tmp[24];
    if (ok == n && g->header >= 0)
        ui_message(p->ui, 0, "Alert #%lld acknowledged by %s, with %d folded alert%s of %s's "
                   "outage", (long long)ids[0], ui_actor(p->ui), n - 1, n == 2 ? "" : "s",
                   pane_service_name(s, g->root, tmp, sizeof tmp));
    else if (ok == n)
        ui_message(p->ui, 0, "Acknowledged %d alert%s of %s's outage as %s", n, n == 1 ? "" : "s",
                   pane_service_name(s, g->root, tmp, sizeof tmp), ui_actor(p->ui));
    else
        ui_message(p->ui, 1, "Acknowledged %d of %d alerts, %d failed", ok < 0 ? 0 : ok, n,
                   n - (ok < 0 ? 0 : ok));
    int64_t first = n ? ids[0] : 0;
    remember_ack(p, ids, ok == n ? n : 0);
    free(ids);
    if (!p->detail)               /* a detail stays on what it shows */
        select_next_open(p, s, first);
    ui_after_write(p->ui, 0);
    return PANE_HANDLED | PANE_REDRAW;
}

/* a: acknowledge the alert (or the fold group) under the cursor. */
static PaneResult key_ack(Pane *p, int key)
{
    (void)key;
    const Snapshot *s = p->built_for;
    int cur = pane_list_current(&p->list);
    int k = s && is_group_item(cur) ? -3 - cur : s ? group_of_header(p->state, cur) : -1;
    if (k >= 0)
        return ack_group(p, s, k);
    const AlertRow *a = selected(p);
    if (!a)
        return PANE_HANDLED;
    if (a->acknowledged) {
        ui_message(p->ui, 0, "Alert #%lld is already acknowledged by %s", (long long)a->id,
                   a->acknowledged_by);
        return PANE_HANDLED;
    }
    char err[128];
    if (alerts_ack(ui_store(p->ui), a->id, 1, 0, ui_actor(p->ui), util_now(), err,
                   sizeof err) < 0) {
        ui_message(p->ui, 1, "Acknowledge failed: %s", err);
        return PANE_HANDLED;
    }
    ui_message(p->ui, 0, "Alert #%lld acknowledged by %s (u: undo)", (long long)a->id,
               ui_actor(p->ui));
    remember_ack(p, &a->id, 1);
    if (!p->detail)               /* a detail stays on the alert it shows */
        select_next_open(p, p->built_for, a->id);
    ui_after_write(p->ui, 0);
    return PANE_HANDLED | PANE_REDRAW;
}

/* A: acknowledge every open alert shown, after a y/n question. */
static PaneResult key_ack_all(Pane *p, int key)
{
    (void)key;
    const Snapshot *s = p->built_for;
    if (!s)
        return PANE_HANDLED;
    AckAll *aa = xcalloc(1, sizeof *aa);
    aa->ids = xmalloc((size_t)(p->list.n ? p->list.n : 1) * sizeof *aa->ids);
    aa->ids = xrealloc(aa->ids, ((size_t)p->list.n + (size_t)s->nalerts + 1) * sizeof *aa->ids);
    for (int i = 0; i < p->list.n; i++)
        if (p->list.items[i] >= 0 && is_open(&s->alerts[p->list.items[i]]))
            aa->ids[aa->n++] = s->alerts[p->list.items[i]].id;
    for (int i = 0; i < s->nalerts; i++) {    /* and what folded groups hold */
        int64_t root = folded_root(s, &s->alerts[i]);
        if (root && !expanded(p->state, root) && !p->search[0])
            aa->ids[aa->n++] = s->alerts[i].id;
    }
    if (!aa->n) {
        free(aa->ids);
        free(aa);
        ui_message(p->ui, 0, "No open alerts shown");
        return PANE_HANDLED;
    }
    char q[128];
    snprintf(q, sizeof q, "Acknowledge all %d open alert%s shown as %s?", aa->n,
             aa->n == 1 ? "" : "s", ui_actor(p->ui));
    ui_confirm(p->ui, q, ack_all_answer, aa);
    return PANE_HANDLED | PANE_REDRAW;
}

/* Enter, space: expand or fold a group row; on a folded alert, fold its
 * group (back to the group's row). Enter on any other alert: not ours,
 * the generic key opens its detail. */
static PaneResult key_expand(Pane *p, int key)
{
    AlertsState *st = p->state;
    const Snapshot *s = p->built_for;
    int cur = pane_list_current(&p->list);
    if (!s || !p->list.n)
        return 0;
    if (cur == ITEM_CLASSES) {
        st->classes_open = !st->classes_open;
        p->gen++;
        return PANE_HANDLED | PANE_REDRAW;
    }
    if (is_sec_item(cur)) {                    /* Enter: the Security pane's detail */
        if (cur != ITEM_SEC_HEAD && key != ' ')
            pane_security_show(p->ui, st->esc[ITEM_SEC_HEAD - 1 - cur].id);
        return PANE_HANDLED | PANE_REDRAW;
    }
    int k = is_group_item(cur) ? -3 - cur : group_of_header(st, cur);
    int64_t root = k >= 0 ? st->groups[k].root : 0;
    if (!root && cur >= 0 && key == ' ' && !p->search[0])
        root = folded_root(s, &s->alerts[cur]);
    if (!root)
        return key == ' ' ? PANE_HANDLED : 0;
    toggle_expanded(st, root, !expanded(st, root));
    if (k < 0) {                               /* back to the group's row */
        k = group_of_root(st, root);
        const Group *g = k >= 0 ? &st->groups[k] : NULL;
        p->list.sel_id = g && g->header >= 0 ? s->alerts[g->header].id : ID_GROUP(root);
        p->list.has_sel = 1;
    }
    p->gen++;
    return PANE_HANDLED | PANE_REDRAW;
}

static const PaneKey alerts_keys[] = {
    {{'a'}, "a", "acknowledge the selected alert (a group: all its alerts)", key_ack},
    {{'A'}, "A", "acknowledge every open alert shown (asks first)", key_ack_all},
    {{'u'}, "u", "take back the ack of the selected alert (right after a: undo it)", key_unack},
    {{UI_KEY_ENTER, '\n', UI_KEY_FN | KEY_ENTER, ' '}, "Enter Space",
     "expand or fold a group row; on an alert: its detail", key_expand},
    {{'f'}, "f", "after /: the search as a filter, or not; else open alerts only, or all",
     key_filter},
    {{0}, NULL, NULL, NULL},
};

/* The tab bar's note: open critical conditions ("3!"). */
static void badge(const Snapshot *s, char *buf, size_t size, attr_t *attr)
{
    int crit = s->unacked[SEV_CRITICAL];
    buf[0] = '\0';
    if (crit) {
        snprintf(buf, size, "%d!", crit);
        *attr = theme_attr(TH_CRIT);
    }
}

static void alerts_free(void *state)
{
    AlertsState *st = state;
    if (st) {
        free(st->groups);
        secalerts_free_list(st->esc, st->nesc);
    }
    free(st);
}

static const PaneOps alerts_ops = {
    .title = "Alerts",
    .tab = "Alerts",
    .flags = PANE_LIVE_SEARCH,
    .draw = draw,
    .keys = alerts_keys,
    .draw_detail = draw_detail,
    .badge = badge,
    .destroy = alerts_free,
    .rebuild = rebuild,
    .match = match,
    .empty = "No alerts. The engine raises them on status changes, high risk and SLA breaches.",
};

Pane *pane_alerts_new(Ui *ui) { return pane_new(&alerts_ops, xcalloc(1, sizeof(AlertsState)), ui); }
