/* pane_alerts — alerts, open ones (unacknowledged and unresolved) first,
 * newest first within each group, coloured by severity. `a` acknowledges
 * the alert under the cursor, `A` every open alert shown (after a y/n
 * confirmation); both go through alerts_ack() with the console user as
 * the actor; after `a` the cursor moves to the next open row. `u` takes
 * an ack back. An open alert an active silence covers is dimmed, with
 * "silenced until 04:00 by ana: reason" (issue 11). The detail shows the ack's owner, time, note and expiry. `f` toggles between all alerts and open ones only. The tab
 * bar shows the open critical alerts beside the tab. */
#include "panes.h"
#include "layout.h"
#include "theme.h"
#include "util.h"
#include "domain/alerts.h"
#include "domain/silences.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct AlertsState {
    int open_only;
} AlertsState;

static int is_open(const AlertRow *a) { return !a->acknowledged && !a->resolved_at; }

static void rebuild(Pane *p, const Snapshot *s)
{
    AlertsState *st = p->state;
    for (int i = 0; i < s->nalerts; i++)      /* the snapshot is newest first */
        if (is_open(&s->alerts[i]))
            pane_list_push(&p->list, i, s->alerts[i].id);
    if (!st->open_only)
        for (int i = 0; i < s->nalerts; i++)
            if (!is_open(&s->alerts[i]))
                pane_list_push(&p->list, i, s->alerts[i].id);
}

static int match(Pane *p, const Snapshot *s, int item, const char *pat)
{
    (void)p;
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
    {"Created", 16, 16, 0, 2, 0},
    {"Severity", 8, 8, 0, 0, 0},
    {"Service", 10, 24, 1, 0, 0},
    {"Type", 8, 12, 1, 3, 0},
    {"State", 6, 18, 1, 0, 0},
    {"Message", 10, 0, 4, 1, 0},
};

static void cell(Pane *p, const Snapshot *s, int item, int col, char *buf, size_t size,
                 attr_t *attr)
{
    (void)p;
    const AlertRow *a = &s->alerts[item];
    int64_t until = 0;
    const SilenceRow *sr = silenced(s, a, &until);
    int open = is_open(a) && !sr;
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
        /* resolved wins: an alert whose condition cleared is over,
         * whoever acknowledged it on the way (B17) */
        if (a->resolved_at)
            strlcpy_(buf, "resolved", size);
        else if (a->acknowledged)
            snprintf(buf, size, "acked by %s", a->acknowledged_by[0] ? a->acknowledged_by : "?");
        else
            strlcpy_(buf, sr ? "silenced" : "OPEN", size);
        *attr = open ? theme_severity(a->severity) : theme_attr(sr ? TH_DIM : TH_UP);
        return;
    case 6:
        if (sr) {
            char why[1024];
            silenced_text(sr, until, why, sizeof why);
            snprintf(buf, size, "[%s] %s", why, a->message);
        } else {
            strlcpy_(buf, a->message, size);
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
    snprintf(sum, sizeof sum, "%d open (%d critical, %d warning, %d info), %d shown  [f: %s]",
             s->unacked[SEV_CRITICAL] + s->unacked[SEV_WARNING] + s->unacked[SEV_INFO],
             s->unacked[SEV_CRITICAL], s->unacked[SEV_WARNING], s->unacked[SEV_INFO],
             p->list.n, st->open_only ? "open only" : "all");
    if (s->partial)
        strlcpy_(sum + strlen(sum), "  (loading the rest...)", sizeof sum - strlen(sum));
    pane_draw_title(w, p, sum);
    pane_draw_table(p, w, s, 1, cols, (int)(sizeof cols / sizeof cols[0]), cell);
}

static void draw_detail(Pane *p, WINDOW *w, const Snapshot *s)
{
    int cur = pane_list_current(&p->list);
    int width = getmaxx(w) - 2, y = 0, x = 1;
    if (cur < 0) {
        pane_draw_center(w, 2, "(no alert selected)", theme_attr(TH_DIM));
        return;
    }
    const AlertRow *a = &s->alerts[cur];
    char t[64], tmp[24];
    char title[80];
    snprintf(title, sizeof title, "Alert #%lld", (long long)a->id);
    pane_draw_text(w, y++, x, width, title, theme_attr(TH_TITLE));
    y++;
    y = pane_draw_kv(w, y, x, width, "Severity", theme_severity(a->severity), "%s", a->severity);
    y = pane_draw_kv(w, y, x, width, "Type", A_NORMAL, "%s", a->type);
    y = pane_draw_kv(w, y, x, width, "Service", A_NORMAL, "%s (id %lld)",
                     pane_service_name(s, a->service_id, tmp, sizeof tmp), (long long)a->service_id);
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

/* f: all alerts, or open ones only (instead of the generic filter). */
static PaneResult key_open_only(Pane *p, int key)
{
    (void)key;
    AlertsState *st = p->state;
    st->open_only = !st->open_only;
    p->gen++;
    ui_message(p->ui, 0, st->open_only ? "Showing open alerts only" : "Showing all alerts");
    return PANE_HANDLED | PANE_REDRAW;
}

/* After `a`: the cursor goes to the next open row (after the acked one,
 * else the first), not with the acked alert down the list. */
static void select_next_open(Pane *p, const Snapshot *s, int64_t acked)
{
    ListView *l = &p->list;
    for (int k = 1; k <= l->n; k++) {
        int i = (l->cursor + k) % l->n;
        const AlertRow *a = &s->alerts[l->items[i]];
        if (a->id != acked && is_open(a)) {
            l->sel_id = a->id;
            l->has_sel = 1;
            return;
        }
    }
}

/* The alert under the cursor, or NULL with "No alert selected" said. */
static const AlertRow *selected(Pane *p)
{
    const Snapshot *s = p->built_for;
    int cur = pane_list_current(&p->list);
    if (!s || cur < 0) {
        ui_message(p->ui, 0, "No alert selected");
        return NULL;
    }
    return &s->alerts[cur];
}

/* u: take back the ack of the alert under the cursor. */
static PaneResult key_unack(Pane *p, int key)
{
    (void)key;
    const AlertRow *a = selected(p);
    if (!a)
        return PANE_HANDLED;
    if (!a->acknowledged) {
        ui_message(p->ui, 0, "Alert #%lld is not acknowledged", (long long)a->id);
        return PANE_HANDLED;
    }
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

/* a: acknowledge the alert under the cursor. */
static PaneResult key_ack(Pane *p, int key)
{
    (void)key;
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
    ui_message(p->ui, 0, "Alert #%lld acknowledged by %s", (long long)a->id, ui_actor(p->ui));
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
    for (int i = 0; i < p->list.n; i++)
        if (is_open(&s->alerts[p->list.items[i]]))
            aa->ids[aa->n++] = s->alerts[p->list.items[i]].id;
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

static const PaneKey alerts_keys[] = {
    {{'a'}, "a", "acknowledge the selected alert", key_ack},
    {{'A'}, "A", "acknowledge every open alert shown (asks first)", key_ack_all},
    {{'u'}, "u", "take back the ack of the selected alert", key_unack},
    {{'f'}, "f", "open alerts only, or all alerts (instead of the search filter)",
     key_open_only},
    {{0}, NULL, NULL, NULL},
};

/* The tab bar's note: open critical alerts ("3!"). */
static void badge(const Snapshot *s, char *buf, size_t size, attr_t *attr)
{
    int crit = s->unacked[SEV_CRITICAL];
    buf[0] = '\0';
    if (crit) {
        snprintf(buf, size, "%d!", crit);
        *attr = theme_attr(TH_CRIT);
    }
}

static const PaneOps alerts_ops = {
    .title = "Alerts",
    .tab = "Alerts",
    .draw = draw,
    .keys = alerts_keys,
    .draw_detail = draw_detail,
    .badge = badge,
    .destroy = free,
    .rebuild = rebuild,
    .match = match,
    .empty = "No alerts. The engine raises them on status changes, high risk and SLA breaches.",
};

Pane *pane_alerts_new(Ui *ui) { return pane_new(&alerts_ops, xcalloc(1, sizeof(AlertsState)), ui); }
