/* pane_silences — issue 11 item 4: silences and maintenance windows,
 * newest first, with their state now (active, pending, expired), what
 * they match, their window or end, who made them and why. `x` (or
 * Delete) expires the selected one after a y/N question. The `:silence
 * SERVICE 2h REASON` and `:silences` commands live here too (rows of
 * actions.c's command table); every write is one call of the domain
 * (domain/silences.c) with the console user as the actor. */
#include "panes.h"
#include "layout.h"
#include "theme.h"
#include "tui_priv.h"
#include "util.h"
#include "domain/silences.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void rebuild(Pane *p, const Snapshot *s)
{
    for (int i = 0; i < s->nsilences; i++)
        pane_list_push(&p->list, i, s->silences[i].id);
}

/* "service=X type=Y ...": the matchers given, one space between them. */
static void matchers_text(const Snapshot *s, const SilenceRow *r, char *buf, size_t size)
{
    char tmp[24];
    const char *names[4] = {"service", "type", "severity", "category"};
    const char *vals[4] = {
        r->service_id ? (r->service[0] ? r->service
                                       : pane_service_name(s, r->service_id, tmp, sizeof tmp))
                      : "",
        r->type, r->severity, r->category};
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < 4 && n < size; i++)
        if (vals[i][0])
            n += (size_t)snprintf(buf + n, size - n, "%s%s=%s", n ? " " : "", names[i], vals[i]);
}

static int match(Pane *p, const Snapshot *s, int item, const char *pat)
{
    (void)p;
    const SilenceRow *r = &s->silences[item];
    char m[300];
    matchers_text(s, r, m, sizeof m);
    return layout_contains(m, pat) || layout_contains(r->comment, pat) ||
           layout_contains(r->created_by, pat) || layout_contains(r->rrule, pat);
}

static const TableCol cols[] = {
    {"ID", 3, 6, 0, 1, 1},
    {"State", 7, 8, 0, 0, 0},
    {"Matchers", 12, 40, 2, 0, 0},
    {"Window", 11, 26, 1, 2, 0},
    {"By", 4, 16, 1, 3, 0},
    {"Comment", 8, 0, 3, 1, 0},
};

static SilenceRow now_state(const SilenceRow *r)
{
    SilenceRow c = *r;
    silences_state_at(&c, util_now());
    return c;
}

static void cell(Pane *p, const Snapshot *s, int item, int col, char *buf, size_t size,
                 attr_t *attr)
{
    (void)p;
    SilenceRow r = now_state(&s->silences[item]);
    char a[40], b[40];
    int64_t now = util_now();
    switch (col) {
    case 0: snprintf(buf, size, "%lld", (long long)r.id); break;
    case 1:
        strlcpy_(buf, silences_state_name(r.state), size);
        *attr = r.state == SILENCE_ACTIVE ? theme_attr(TH_WARN)
                : r.state == SILENCE_PENDING ? A_NORMAL : theme_attr(TH_DIM);
        return;
    case 2: matchers_text(s, &r, buf, size); break;
    case 3:
        if (r.state == SILENCE_EXPIRED) {
            strlcpy_(buf, "-", size);
        } else {
            silences_fmt_until(r.window_start, now, a, sizeof a);
            silences_fmt_until(r.window_end, now, b, sizeof b);
            if (r.state == SILENCE_ACTIVE)
                snprintf(buf, size, "until %s%s", b, r.rrule[0] ? " (recurring)" : "");
            else
                snprintf(buf, size, "%s - %s", a, b);
        }
        break;
    case 4: strlcpy_(buf, r.created_by, size); break;
    case 5: strlcpy_(buf, r.comment, size); break;
    }
    if (r.state == SILENCE_EXPIRED)
        *attr = theme_attr(TH_DIM);
}

static void draw(Pane *p, WINDOW *w, const Snapshot *s)
{
    int n[SILENCE_STATE_COUNT] = {0};
    for (int i = 0; i < s->nsilences; i++)
        n[now_state(&s->silences[i]).state]++;
    char sum[200];
    snprintf(sum, sizeof sum, "%d active, %d pending, %d expired (last day)  [x: expire]",
             n[SILENCE_ACTIVE], n[SILENCE_PENDING], n[SILENCE_EXPIRED]);
    pane_draw_title(w, p, sum);
    pane_draw_table(p, w, s, 1, cols, (int)(sizeof cols / sizeof cols[0]), cell);
}

static void draw_detail(Pane *p, WINDOW *w, const Snapshot *s)
{
    int cur = pane_list_current(&p->list);
    int width = getmaxx(w) - 2, y = 0, x = 1;
    if (cur < 0)
        return;
    SilenceRow r = now_state(&s->silences[cur]);
    char t[64], m[300], title[80];
    snprintf(title, sizeof title, "Silence #%lld (%s)", (long long)r.id,
             silences_state_name(r.state));
    pane_draw_text(w, y++, x, width, title, theme_attr(TH_TITLE));
    y++;
    matchers_text(s, &r, m, sizeof m);
    y = pane_draw_kv(w, y, x, width, "Matches", A_NORMAL, "%s", m);
    pane_fmt_time(r.starts_at, t, sizeof t);
    y = pane_draw_kv(w, y, x, width, "Starts", A_NORMAL, "%s", t);
    pane_fmt_time(r.ends_at, t, sizeof t);
    y = pane_draw_kv(w, y, x, width, "Ends", A_NORMAL, "%s", r.ends_at ? t : "never");
    if (r.rrule[0])
        y = pane_draw_kv(w, y, x, width, "Recurs", A_NORMAL, "%s, %d min each (%s)", r.rrule,
                         r.duration_minutes, r.timezone[0] ? r.timezone : "UTC");
    if (r.state != SILENCE_EXPIRED) {
        char a[64];
        pane_fmt_time(r.window_start, a, sizeof a);
        pane_fmt_time(r.window_end, t, sizeof t);
        y = pane_draw_kv(w, y, x, width, "Window", A_NORMAL, "%s - %s", a, t);
    }
    pane_fmt_time(r.created_at, t, sizeof t);
    y = pane_draw_kv(w, y, x, width, "Created", A_NORMAL, "%s by %s", t, r.created_by);
    if (r.expired_at) {
        pane_fmt_time(r.expired_at, t, sizeof t);
        y = pane_draw_kv(w, y, x, width, "Expired", A_NORMAL, "%s by %s", t, r.expired_by);
    }
    y = pane_draw_kv(w, y, x, width, "Kept back", A_NORMAL, "%d notification%s", r.suppressed,
                     r.suppressed == 1 ? "" : "s");
    y++;
    pane_draw_wrapped(w, y, x, width, 6, r.comment, A_NORMAL);
}

static void expire_answer(Ui *ui, void *arg, const char *answer)
{
    int64_t *id = arg;
    if (answer) {
        char err[256];
        if (silences_expire(ui_store(ui), *id, 0, ui_actor(ui), util_now(), NULL, err,
                            sizeof err) < 0) {
            ui_message(ui, 1, "Silence #%lld: %s", (long long)*id, ui_write_error(ui, err));
        } else {
            ui_message(ui, 0, "Silence #%lld expired by %s", (long long)*id, ui_actor(ui));
            ui_after_write(ui, 1);
        }
    } else {
        ui_message(ui, 0, "Cancelled");
    }
    free(id);
}

/* x / Delete: expire the selected silence, after a y/N question. */
static PaneResult key_expire(Pane *p, int key)
{
    (void)key;
    const Snapshot *s = p->built_for;
    int cur = pane_list_current(&p->list);
    if (!s || cur < 0) {
        ui_message(p->ui, 0, "No silence selected");
        return PANE_HANDLED;
    }
    SilenceRow r = now_state(&s->silences[cur]);
    if (r.state == SILENCE_EXPIRED) {
        ui_message(p->ui, 0, "Silence #%lld has expired already", (long long)r.id);
        return PANE_HANDLED;
    }
    char q[400], m[300];
    matchers_text(s, &r, m, sizeof m);
    snprintf(q, sizeof q, "Expire silence #%lld (%s) now?", (long long)r.id, m);
    int64_t *id = xmalloc(sizeof *id);
    *id = r.id;
    ui_confirm(p->ui, q, expire_answer, id);
    return PANE_HANDLED | PANE_REDRAW;
}

static const PaneKey silences_keys[] = {
    {{'x', KEY_DC}, "x", "expire the selected silence now (asks first)", key_expire},
    {{0}, NULL, NULL, NULL},
};

static const PaneOps silences_ops = {
    .title = "Silences",
    .tab = "Silence",
    .draw = draw,
    .keys = silences_keys,
    .draw_detail = draw_detail,
    .destroy = NULL,
    .rebuild = rebuild,
    .match = match,
    .empty = "No silences. :silence SERVICE 2h REASON silences a service's alerts "
             "(POST /api/silences for more matchers and recurring windows).",
};

Pane *pane_silences_new(Ui *ui) { return pane_new(&silences_ops, NULL, ui); }

/* ---- the `:` commands ------------------------------------------------------ */

/* ":silences": show this pane. */
void silences_cmd_list(Ui *ui, char *args)
{
    (void)args;
    for (int i = 0; i < ui->npanes; i++)
        if (ui->panes[i]->ops == &silences_ops)
            ui_show_pane(ui, i);
}

/* The service named by words[0..n) (a name with spaces, or an id). */
static int64_t service_of(Ui *ui, const char *name)
{
    char *end;
    long long id = strtoll(name, &end, 10);
    if (*name && !*end && id > 0)
        return id;
    for (int i = 0; ui->snap && i < ui->snap->nservices; i++)
        if (!strcasecmp(ui->snap->services[i].name, name))
            return ui->snap->services[i].id;
    return 0;
}

/* ":silence Payments API 2h deploy of 4.2": the first word that reads as
 * a duration (30m, 2h, 1d) ends the service's name; the rest is why. */
void silences_cmd_silence(Ui *ui, char *args)
{
    char *w = args, *dur = NULL;
    int64_t minutes = 0;
    while (*w) {
        while (isspace((unsigned char)*w))
            w++;
        char *e = w;
        while (*e && !isspace((unsigned char)*e))
            e++;
        char save = *e;
        *e = '\0';
        int ok = w != args && silences_parse_duration(w, &minutes) == 0;
        *e = save;
        if (ok) {
            dur = w;
            break;
        }
        w = e;
    }
    char *reason = dur;
    while (reason && *reason && !isspace((unsigned char)*reason))
        reason++;
    while (reason && isspace((unsigned char)*reason))
        *reason++ = '\0';
    if (!dur || !reason || !*reason) {
        ui_message(ui, 1, "usage: :silence SERVICE 30m|2h|1d REASON");
        return;
    }
    char *ne = dur;
    while (ne > args && isspace((unsigned char)ne[-1]))
        ne--;
    *ne = '\0';
    int64_t sid = service_of(ui, args);
    if (!sid) {
        ui_message(ui, 1, "No service named \"%s\"", args);
        return;
    }
    SilenceSpec sp = {.service_id = sid, .duration_minutes = minutes, .comment = reason};
    SilenceRow out;
    char err[512];
    if (silences_create(ui->st, &sp, 0, ui->actor, util_now(), &out, err, sizeof err) < 0) {
        ui_message(ui, 1, "Silence: %s", ui_write_error(ui, err));
        return;
    }
    char until[40];
    silences_fmt_until(out.window_end, util_now(), until, sizeof until);
    ui_message(ui, 0, "Silence #%lld: %s silenced until %s by %s", (long long)out.id,
               out.service, until, ui->actor);
    ui_after_write(ui, 0);
}
