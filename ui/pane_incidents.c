/* pane_incidents — seed 001's auto-resolution at a glance: the global
 * switch (loud when the kill switch is on), the incidents with their
 * resolution state and confidence, and the newest entries of the
 * resolution audit trail (kill switch flips, decisions, steps). Until
 * incidents arrive through the API the list shows its empty state. */
#include "panes.h"
#include "layout.h"
#include "theme.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void rebuild(Pane *p, const Snapshot *s)
{
    for (int i = 0; i < s->nincidents; i++)
        list_push(&p->list, i, i);   /* ids are text; newest-first order is stable */
}

static int match(Pane *p, const Snapshot *s, int item, const char *pat)
{
    (void)p;
    const IncidentViewRow *r = &s->incidents[item];
    return layout_contains(r->incident_id, pat) || layout_contains(r->title, pat) ||
           layout_contains(r->category, pat) || layout_contains(r->state, pat);
}

static const TableCol cols[] = {
    {"Incident", 10, 20, 0, 0, 0},
    {"State", 9, 9, 0, 0, 0},
    {"Category", 8, 14, 0, 1, 0},
    {"Priority", 8, 8, 0, 2, 0},
    {"Conf.", 5, 6, 0, 1, 1},
    {"Created", 16, 16, 0, 3, 0},
    {"Title", 10, 0, 3, 0, 0},
};

static attr_t state_attr(const char *state)
{
    if (!strcmp(state, "resolved"))
        return theme_attr(TH_UP);
    if (!strcmp(state, "failed"))
        return theme_attr(TH_CRIT);
    if (!strcmp(state, "resolving"))
        return theme_attr(TH_WARN);
    if (!strcmp(state, "skipped"))
        return theme_attr(TH_DIM);
    return A_BOLD;
}

static void cell(Pane *p, const Snapshot *s, int item, int col, char *buf, size_t size,
                 attr_t *attr)
{
    (void)p;
    const IncidentViewRow *r = &s->incidents[item];
    switch (col) {
    case 0: strlcpy_(buf, r->incident_id, size); break;
    case 1:
        strlcpy_(buf, r->state, size);
        *attr = state_attr(r->state);
        break;
    case 2: strlcpy_(buf, r->category, size); break;
    case 3: strlcpy_(buf, r->priority, size); break;
    case 4: snprintf(buf, size, "%.0f%%", r->confidence * 100); break;
    case 5: fmt_time(r->created_at, buf, size); break;
    case 6: strlcpy_(buf, r->title, size); break;
    }
}

static void draw(Pane *p, WINDOW *w, const Snapshot *s)
{
    int width = getmaxx(w), h = getmaxy(w);
    int counts[5] = {0};
    static const char *const states[5] = {"open", "resolving", "resolved", "failed", "skipped"};
    for (int i = 0; i < s->nincidents; i++)
        for (int k = 0; k < 5; k++)
            counts[k] += !strcmp(s->incidents[i].state, states[k]);
    char sum[200], t[64], line[1024];
    snprintf(sum, sizeof sum, "%d incidents: %d open, %d resolving, %d resolved, %d failed",
             s->nincidents, counts[0], counts[1], counts[2], counts[3]);
    draw_title(w, p, sum);

    if (s->kill_switch) {
        fmt_time(s->kill_at, t, sizeof t);
        snprintf(line, sizeof line,
                 " AUTO-RESOLUTION DISABLED: kill switch on since %s by %s: %s  (K to turn off) ",
                 t, s->kill_actor[0] ? s->kill_actor : "?", s->kill_reason);
        mvwhline(w, 1, 0, ' ' | theme_attr(TH_KILL), width);
        draw_text(w, 1, 0, width, line, theme_attr(TH_KILL));
    } else {
        draw_text(w, 1, 1, width - 2,
                  "Auto-resolution enabled (kill switch off; K turns it on)", theme_attr(TH_UP));
    }

    int trail = s->nincident_audit ? (h - 3) / 3 : 0;
    if (trail > s->nincident_audit + 1)
        trail = s->nincident_audit + 1;
    int table_h = h - 2 - trail;
    WINDOW *tw = derwin(w, table_h, width, 2, 0);
    if (tw) {
        pane_draw_table(p, tw, s, 0, cols, (int)(sizeof cols / sizeof cols[0]), cell);
        if (!s->nincidents && !p->filter) {
            draw_center(tw, 2, "No incidents yet.", A_BOLD);
            draw_center(tw, 3, "Incidents arrive through seed 001's API (POST /api/v1/incidents);",
                        theme_attr(TH_DIM));
            draw_center(tw, 4, "their auto-resolution state will show here.", theme_attr(TH_DIM));
        }
        delwin(tw);
    }
    if (trail) {
        int y = h - trail;
        mvwhline(w, y, 0, ' ' | theme_attr(TH_HEADER), width);
        draw_text(w, y++, 1, width - 2, "Resolution audit trail (newest first)",
                  theme_attr(TH_HEADER));
        for (int i = 0; i < s->nincident_audit && y < h; i++, y++) {
            const IncidentAuditRow *a = &s->incident_audit[i];
            fmt_time(a->timestamp, t, sizeof t);
            snprintf(line, sizeof line, "%s  %-8s %-24s %-12s %s", t, a->incident_id, a->action,
                     a->actor, a->details);
            draw_text(w, y, 1, width - 2, line,
                      strstr(a->action, "kill_switch") ? theme_attr(TH_WARN) : A_NORMAL);
        }
    }
}

static void draw_detail(Pane *p, WINDOW *w, const Snapshot *s)
{
    int cur = list_current(&p->list);
    int width = getmaxx(w) - 2, y = 0, x = 1;
    if (cur < 0) {
        draw_center(w, 2, "(no incident selected)", theme_attr(TH_DIM));
        return;
    }
    const IncidentViewRow *r = &s->incidents[cur];
    char t[64];
    draw_text(w, y++, x, width, r->incident_id, theme_attr(TH_TITLE));
    y = draw_wrapped(w, y, x, width, 2, r->title, A_BOLD);
    y++;
    y = draw_kv(w, y, x, width, "State", state_attr(r->state), "%s%s%s", r->state,
                r->state_reason[0] ? ": " : "", r->state_reason);
    y = draw_kv(w, y, x, width, "Status", A_NORMAL, "%s", r->status);
    y = draw_kv(w, y, x, width, "Category", A_NORMAL, "%s, priority %s", r->category, r->priority);
    y = draw_kv(w, y, x, width, "Confidence", A_NORMAL, "%.2f%%", r->confidence * 100);
    y = draw_kv(w, y, x, width, "Created by", A_NORMAL, "%s", r->created_by);
    fmt_time(r->created_at, t, sizeof t);
    y = draw_kv(w, y, x, width, "Created", A_NORMAL, "%s", t);
    fmt_time(r->resolved_at, t, sizeof t);
    y = draw_kv(w, y, x, width, "Resolved", A_NORMAL, "%s%s", r->resolved_at ? t : "no",
                r->auto_resolved ? " (automatically)" : "");
    (void)y;
}

static const PaneOps incidents_ops = {
    .title = "Incidents",
    .tab = "Incidents",
    .draw = draw,
    .draw_detail = draw_detail,
    .rebuild = rebuild,
    .match = match,
    .empty = "",
};

Pane *pane_incidents_new(Ui *ui) { return pane_new(&incidents_ops, NULL, ui); }
