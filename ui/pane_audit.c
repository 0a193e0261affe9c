/* pane_audit — the audit log (seed 000's AuditLog), newest first, with
 * the newest SNAPSHOT_MAX_AUDIT entries searchable with `/` and filtered
 * to the matches with `f`. The User column is who acted (a user's name,
 * the console's login name, or system); on alert rows the ID column is
 * the alert's own id ("#9"), the service's id is in the detail view. */
#include "panes.h"
#include "layout.h"
#include "theme.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void rebuild(Pane *p, const Snapshot *s)
{
    for (int i = 0; i < s->naudit; i++)
        pane_list_push(&p->list, i, s->audit[i].id);
}

static int match(Pane *p, const Snapshot *s, int item, const char *pat)
{
    (void)p;
    const AuditRow *a = &s->audit[item];
    return layout_contains(a->action, pat) || layout_contains(a->entity, pat) ||
           layout_contains(a->detail, pat) || layout_contains(a->actor, pat);
}

static const TableCol cols[] = {
    {"Time", 16, 16, 0, 0, 0},
    {"Action", 14, 30, 2, 0, 0},
    {"Entity", 6, 10, 0, 1, 0},
    {"ID", 3, 7, 0, 2, 1},
    {"User", 6, 14, 1, 1, 0},
    {"Detail", 10, 0, 4, 0, 0},
};

static void cell(Pane *p, const Snapshot *s, int item, int col, char *buf, size_t size,
                 attr_t *attr)
{
    (void)p;
    const AuditRow *a = &s->audit[item];
    switch (col) {
    case 0:
        pane_fmt_time(a->timestamp, buf, size);
        *attr = theme_attr(TH_DIM);
        break;
    case 1:
        strlcpy_(buf, a->action, size);
        if (strstr(a->action, "Kill Switch"))
            *attr = theme_attr(TH_WARN);
        break;
    case 2: strlcpy_(buf, a->entity, size); break;
    case 3:
        if (a->alert_id)
            snprintf(buf, size, "#%lld", (long long)a->alert_id);
        else
            snprintf(buf, size, "%lld", (long long)a->entity_id);
        break;
    case 4:
        strlcpy_(buf, a->actor[0] ? a->actor : "system", size);
        if (!strcmp(buf, "system"))
            *attr = theme_attr(TH_DIM);
        break;
    case 5: strlcpy_(buf, a->detail, size); break;
    }
}

static void draw(Pane *p, WINDOW *w, const Snapshot *s)
{
    char sum[160];
    snprintf(sum, sizeof sum, "newest %d entries, %d shown", s->naudit, p->list.n);
    pane_draw_title(w, p, sum);
    pane_draw_table(p, w, s, 1, cols, (int)(sizeof cols / sizeof cols[0]), cell);
}

static void draw_detail(Pane *p, WINDOW *w, const Snapshot *s)
{
    int cur = pane_list_current(&p->list);
    int width = getmaxx(w) - 2, y = 0, x = 1;
    if (cur < 0)
        return;
    const AuditRow *a = &s->audit[cur];
    char t[64], title[64];
    snprintf(title, sizeof title, "Audit entry #%lld", (long long)a->id);
    pane_draw_text(w, y++, x, width, title, theme_attr(TH_TITLE));
    y++;
    pane_fmt_time(a->timestamp, t, sizeof t);
    y = pane_draw_kv(w, y, x, width, "Time", A_NORMAL, "%s", t);
    y = pane_draw_kv(w, y, x, width, "Action", A_BOLD, "%s", a->action);
    if (a->alert_id) {
        char sv[24];
        y = pane_draw_kv(w, y, x, width, "Entity", A_NORMAL, "Alert #%lld (service %s, id %lld)",
                         (long long)a->alert_id, pane_service_name(s, a->entity_id, sv, sizeof sv),
                         (long long)a->entity_id);
    } else {
        y = pane_draw_kv(w, y, x, width, "Entity", A_NORMAL, "%s %lld", a->entity,
                         (long long)a->entity_id);
    }
    if (a->user_id)
        y = pane_draw_kv(w, y, x, width, "User", A_NORMAL, "%s (user id %lld)", a->actor,
                         (long long)a->user_id);
    else
        y = pane_draw_kv(w, y, x, width, "User", A_NORMAL, "%s", a->actor);
    y++;
    pane_draw_wrapped(w, y, x, width, 10, a->detail, A_NORMAL);
}

static const PaneOps audit_ops = {
    .title = "Audit Log",
    .tab = "Audit",
    .draw = draw,
    .draw_detail = draw_detail,
    .rebuild = rebuild,
    .match = match,
    .empty = "The audit log is empty.",
};

Pane *pane_audit_new(Ui *ui) { return pane_new(&audit_ops, NULL, ui); }
