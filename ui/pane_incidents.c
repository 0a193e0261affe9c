/* pane_incidents — seed 001's auto-resolution at a glance: the global
 * switch (loud when the kill switch is on), the incidents with their
 * resolution state, category, confidence and step progress, the steps of
 * the selected incident's newest run, and the newest entries of the
 * resolution audit trail (kill switch flips, decisions, steps).
 *
 * Keys (its key table, also the `?` help): x resolve the selected incident
 * now (its playbook runs with the confidence threshold waived; the kill
 * switch and a disabled category still stop it; asks first), t retry it
 * through the normal decision, m mark it resolved by hand (asks first).
 * Each is one domain call (src/domain/incidents.h) on the UI's Store; the
 * engine's runner picks the queued incident up. `x` on a category whose
 * playbook only records (no playbook: the seed's no-op steps) says so in
 * its question; a run that only recorded ends `no_action`, shown as such.
 * The line under the title shows the global kill switch, or the
 * categories stopped by their own kill switch.
 */
#include "panes.h"
#include "layout.h"
#include "theme.h"
#include "util.h"
#include "domain/incidents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A stable id for the list's selection: FNV-1a of the incident id. */
static int64_t id_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return (int64_t)(h >> 1);
}

static void rebuild(Pane *p, const Snapshot *s)
{
    for (int i = 0; i < s->nincidents; i++)
        pane_list_push(&p->list, i, id_hash(s->incidents[i].incident_id));
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
    {"Steps", 5, 7, 0, 1, 1},
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
    if (!strcmp(state, "no_action"))       /* the run only recorded: not a fix */
        return theme_attr(TH_WARN);
    return A_BOLD;
}

/* " Auto-resolution STOPPED for database (by olga: maintenance), ...;
 * enabled for the rest " into buf; 0 when no category is stopped. */
static int stopped_categories(const Snapshot *s, char *buf, size_t size)
{
    int n = 0;
    size_t len = (size_t)snprintf(buf, size, " Auto-resolution STOPPED for ");
    for (int i = 0; i < s->ncategories && len < size; i++) {
        const SnapCategory *c = &s->categories[i];
        if (c->enabled)
            continue;
        len += (size_t)snprintf(buf + len, size - len, "%s%s (by %s%s%s)", n ? ", " : "",
                                c->name, c->kill_actor[0] ? c->kill_actor : "?",
                                c->kill_reason[0] ? ": " : "", c->kill_reason);
        n++;
    }
    if (len < size)
        snprintf(buf + len, size - len, "; enabled for the rest ");
    return n;
}

static const IncidentProgress *progress(const Snapshot *s, int item)
{
    return s->incident_progress && item < s->nincidents ? &s->incident_progress[item] : NULL;
}

static void cell(Pane *p, const Snapshot *s, int item, int col, char *buf, size_t size,
                 attr_t *attr)
{
    (void)p;
    const IncidentViewRow *r = &s->incidents[item];
    const IncidentProgress *g = progress(s, item);
    switch (col) {
    case 0: strlcpy_(buf, r->incident_id, size); break;
    case 1:
        strlcpy_(buf, !strcmp(r->state, "open") && g && g->queued_at ? "queued" : r->state, size);
        *attr = state_attr(r->state);
        break;
    case 2: strlcpy_(buf, r->category, size); break;
    case 3: strlcpy_(buf, r->priority, size); break;
    case 4: snprintf(buf, size, "%.0f%%", r->confidence * 100); break;
    case 5:
        if (g && g->run)
            snprintf(buf, size, "%d/%d", g->steps_done, g->steps_total);
        else
            strlcpy_(buf, "-", size);
        break;
    case 6: pane_fmt_time(r->created_at, buf, size); break;
    case 7: strlcpy_(buf, r->title, size); break;
    }
}

static void draw(Pane *p, WINDOW *w, const Snapshot *s)
{
    int width = getmaxx(w), h = getmaxy(w);
    int counts[6] = {0};
    static const char *const states[6] = {"open", "resolving", "resolved", "failed", "skipped",
                                           "no_action"};
    for (int i = 0; i < s->nincidents; i++)
        for (int k = 0; k < 6; k++)
            counts[k] += !strcmp(s->incidents[i].state, states[k]);
    char sum[240], t[64], line[1024];
    snprintf(sum, sizeof sum,
             "%d incidents: %d open, %d resolving, %d resolved, %d failed, %d skipped",
             s->nincidents, counts[0], counts[1], counts[2], counts[3], counts[4]);
    if (counts[5])
        snprintf(sum + strlen(sum), sizeof sum - strlen(sum), ", %d no action", counts[5]);
    pane_draw_title(w, p, sum);

    if (s->kill_switch) {
        pane_fmt_time(s->kill_at, t, sizeof t);
        snprintf(line, sizeof line,
                 " AUTO-RESOLUTION DISABLED: kill switch on since %s by %s: %s  (K to turn off) ",
                 t, s->kill_actor[0] ? s->kill_actor : "?", s->kill_reason);
        mvwhline(w, 1, 0, ' ' | theme_attr(TH_KILL), width);
        pane_draw_text(w, 1, 0, width, line, theme_attr(TH_KILL));
    } else if (stopped_categories(s, line, sizeof line)) {
        /* B18: a category's own kill switch is as loud as the global one */
        mvwhline(w, 1, 0, ' ' | theme_attr(TH_WARN), width);
        pane_draw_text(w, 1, 0, width, line, theme_attr(TH_WARN));
    } else {
        pane_draw_text(w, 1, 1, width - 2,
                       "Auto-resolution enabled (K: kill switch; x resolve now, t retry, "
                       "m mark resolved)", theme_attr(TH_UP));
    }

    int trail = s->nincident_audit ? (h - 3) / 3 : 0;
    if (trail > s->nincident_audit + 1)
        trail = s->nincident_audit + 1;
    int table_h = h - 2 - trail;
    WINDOW *tw = derwin(w, table_h, width, 2, 0);
    if (tw) {
        pane_draw_table(p, tw, s, 0, cols, (int)(sizeof cols / sizeof cols[0]), cell);
        if (!s->nincidents && !p->filter) {
            pane_draw_center(tw, 2, "No incidents yet.", A_BOLD);
            pane_draw_center(tw, 3, "They arrive through seed 001's API (POST /api/v1/incidents/{id}/"
                             "auto-resolve, batch-resolve)", theme_attr(TH_DIM));
            pane_draw_center(tw, 4, "or from a probed service with a playbook that goes Down.",
                             theme_attr(TH_DIM));
        }
        delwin(tw);
    }
    if (trail) {
        int y = h - trail;
        mvwhline(w, y, 0, ' ' | theme_attr(TH_HEADER), width);
        pane_draw_text(w, y++, 1, width - 2, "Resolution audit trail (newest first)",
                       theme_attr(TH_HEADER));
        for (int i = 0; i < s->nincident_audit && y < h; i++, y++) {
            const IncidentAuditRow *a = &s->incident_audit[i];
            pane_fmt_time(a->timestamp, t, sizeof t);
            snprintf(line, sizeof line, "%s  %-12s %-25s %-10s %s", t, a->incident_id, a->action,
                     a->actor, a->error_message[0] ? a->error_message : a->details);
            attr_t at = strstr(a->action, "kill_switch") ? theme_attr(TH_WARN)
                      : a->success == 0                  ? theme_attr(TH_CRIT)
                                                         : A_NORMAL;
            pane_draw_text(w, y, 1, width - 2, line, at);
        }
    }
}

static void draw_detail(Pane *p, WINDOW *w, const Snapshot *s)
{
    int cur = pane_list_current(&p->list);
    int width = getmaxx(w) - 2, h = getmaxy(w), y = 0, x = 1;
    if (cur < 0) {
        pane_draw_center(w, 2, "(no incident selected)", theme_attr(TH_DIM));
        return;
    }
    const IncidentViewRow *r = &s->incidents[cur];
    const IncidentProgress *g = progress(s, cur);
    char t[64];
    pane_draw_text(w, y++, x, width, r->incident_id, theme_attr(TH_TITLE));
    y = pane_draw_wrapped(w, y, x, width, 2, r->title, A_BOLD);
    y++;
    y = pane_draw_kv(w, y, x, width, "State", state_attr(r->state), "%s%s%s",
                     !strcmp(r->state, "open") && g && g->queued_at ? "queued" : r->state,
                     r->state_reason[0] ? ": " : "", r->state_reason);
    y = pane_draw_kv(w, y, x, width, "Status", A_NORMAL, "%s", r->status);
    y = pane_draw_kv(w, y, x, width, "Category", A_NORMAL, "%s, priority %s", r->category,
                     r->priority);
    y = pane_draw_kv(w, y, x, width, "Confidence", A_NORMAL, "%.2f%%", r->confidence * 100);
    y = pane_draw_kv(w, y, x, width, "Created by", A_NORMAL, "%s", r->created_by);
    if (r->service_id) {
        const SnapService *sv = snapshot_find_service(s, r->service_id);
        y = pane_draw_kv(w, y, x, width, "Service", A_NORMAL, "#%lld %s", (long long)r->service_id,
                         sv ? sv->name : "");
    }
    pane_fmt_time(r->created_at, t, sizeof t);
    y = pane_draw_kv(w, y, x, width, "Created", A_NORMAL, "%s", t);
    pane_fmt_time(r->resolved_at, t, sizeof t);
    y = pane_draw_kv(w, y, x, width, "Resolved", A_NORMAL, "%s%s", r->resolved_at ? t : "no",
                     r->auto_resolved ? " (automatically)" : "");
    if (g && g->run) {
        pane_fmt_time(g->started_at, t, sizeof t);
        y = pane_draw_kv(w, y, x, width, "Run", A_NORMAL, "%d, started %s%s, %d/%d steps done",
                         g->run, t, g->forced ? " by hand" : "", g->steps_done, g->steps_total);
        y++;
        if (y < h)
            pane_draw_text(w, y++, x, width, "Steps of the newest run", theme_attr(TH_HEADER));
        for (int i = 0; i < s->nincident_steps && y < h; i++) {
            const IncidentStepView *v = &s->incident_steps[i];
            if (strcmp(v->incident_id, r->incident_id) != 0)
                continue;
            char line[400];
            snprintf(line, sizeof line, "%d. %s %-16s attempt %d, %d ms  %s", v->step_index + 1,
                     v->success == 1 ? "ok  " : v->success == 0 ? "FAIL" : "... ", v->action,
                     v->attempt, v->duration_ms, v->success == 0 ? v->error : v->description);
            pane_draw_text(w, y++, x, width, line,
                           v->success == 0 ? theme_attr(TH_CRIT) : v->success == 1 ? A_NORMAL
                                                                               : theme_attr(TH_WARN));
        }
    }
    y++;
    if (y < h)
        pane_draw_text(w, y, x, width, "x resolve now   t retry   m mark resolved   K kill switch",
                       theme_attr(TH_DIM));
}

/* ---- keys: x, t, m ------------------------------------------------------------ */

typedef struct Ask {
    char id[INCIDENT_ID_MAX + 1];
    int  forced;
} Ask;

static void submitted(Ui *ui, const char *id, int r, const SubmitResult *sr, const char *err)
{
    if (r < 0)
        ui_message(ui, 1, "Incident %s: %s", id, ui_write_error(ui, err));
    else if (sr->outcome == SUBMIT_QUEUED)
        ui_message(ui, 0, "Incident %s queued for auto-resolution by %s", id, ui_actor(ui));
    else if (sr->outcome == SUBMIT_BUSY)
        ui_message(ui, 0, "Incident %s: %s", id, sr->reason);
    else
        ui_message(ui, 1, "Incident %s not resolved: %s", id, sr->reason);
    if (r >= 0)
        ui_after_write(ui, 0);
}

static void resolve_answer(Ui *ui, void *arg, const char *answer)
{
    Ask *a = arg;
    if (answer) {
        SubmitResult sr;
        char err[200];
        int r = incidents_retry(ui_store(ui), a->id, a->forced, ui_actor(ui), util_now(), &sr, err,
                                sizeof err);
        submitted(ui, a->id, r, &sr, err);
    } else {
        ui_message(ui, 0, "Incident %s unchanged", a->id);
    }
    free(a);
}

static void mark_answer(Ui *ui, void *arg, const char *answer)
{
    Ask *a = arg;
    if (answer) {
        char err[200];
        if (incidents_mark_resolved(ui_store(ui), a->id, ui_actor(ui), util_now(), err,
                                    sizeof err) < 0) {
            ui_message(ui, 1, "Incident %s: %s", a->id, ui_write_error(ui, err));
        } else {
            ui_message(ui, 0, "Incident %s marked resolved by %s", a->id, ui_actor(ui));
            ui_after_write(ui, 0);
        }
    } else {
        ui_message(ui, 0, "Incident %s unchanged", a->id);
    }
    free(a);
}

/* The incident under the cursor when x, t or m can act on it; else NULL,
 * with the reason in the message line (now rather than after a question
 * whose answer cannot help). */
static const IncidentViewRow *actionable(Pane *p)
{
    const Snapshot *s = p->built_for;
    int cur = pane_list_current(&p->list);
    if (!s || cur < 0) {
        ui_message(p->ui, 0, "No incident selected");
        return NULL;
    }
    const IncidentViewRow *r = &s->incidents[cur];
    if (!strcmp(r->state, "resolved") || !strcmp(r->state, "resolving")) {
        ui_message(p->ui, 0, "Incident %s is already %s", r->incident_id, r->state);
        return NULL;
    }
    return r;
}

static Ask *ask_new(const IncidentViewRow *r, int forced)
{
    Ask *a = xcalloc(1, sizeof *a);
    strlcpy_(a->id, r->incident_id, sizeof a->id);
    a->forced = forced;
    return a;
}

/* x: resolve now, the playbook with the threshold waived (asks first). */
static PaneResult key_resolve(Pane *p, int key)
{
    (void)key;
    const IncidentViewRow *r = actionable(p);
    if (!r)
        return PANE_HANDLED | PANE_REDRAW;
    char q[300];
    if (!snapshot_category_acts(p->built_for, r->category))
        /* B7: say it before asking, not after a "resolved" that fixed nothing */
        snprintf(q, sizeof q, "The %s playbook does nothing: no step acts, they only "
                 "record. Run it for %s anyway?", r->category, r->incident_id);
    else
        snprintf(q, sizeof q, "Run the %s playbook for %s now (confidence %.0f%% waived)?",
                 r->category, r->incident_id, r->confidence * 100);
    ui_confirm(p->ui, q, resolve_answer, ask_new(r, 1));
    return PANE_HANDLED | PANE_REDRAW;
}

/* t: retry through the normal decision; no question. */
static PaneResult key_retry(Pane *p, int key)
{
    (void)key;
    const IncidentViewRow *r = actionable(p);
    if (r)
        resolve_answer(p->ui, ask_new(r, 0), "y");
    return PANE_HANDLED | PANE_REDRAW;
}

/* m: mark resolved by hand (asks first). */
static PaneResult key_mark(Pane *p, int key)
{
    (void)key;
    const IncidentViewRow *r = actionable(p);
    if (!r)
        return PANE_HANDLED | PANE_REDRAW;
    char q[300];
    snprintf(q, sizeof q, "Mark %s resolved by hand?", r->incident_id);
    ui_confirm(p->ui, q, mark_answer, ask_new(r, 0));
    return PANE_HANDLED | PANE_REDRAW;
}

static const PaneKey incidents_keys[] = {
    {{'x'}, "x", "resolve now: run the playbook, confidence threshold waived (asks)",
     key_resolve},
    {{'t'}, "t", "retry through the normal decision", key_retry},
    {{'m'}, "m", "mark resolved by hand (asks)", key_mark},
    {{0}, NULL, NULL, NULL},
};

static const PaneOps incidents_ops = {
    .title = "Incidents",
    .tab = "Inc",
    .draw = draw,
    .keys = incidents_keys,
    .draw_detail = draw_detail,
    .rebuild = rebuild,
    .match = match,
    .empty = "",
};

Pane *pane_incidents_new(Ui *ui) { return pane_new(&incidents_ops, NULL, ui); }
