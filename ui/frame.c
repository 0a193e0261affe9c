/* frame — the tab bar (the pane list), the status bar and the message line.
 *
 * The status bar is built from segments, most important first; each has
 * a long and a short text and two ranks (layout_fit_segments): while
 * the bar does not fit, the lowest rank's step is taken first, a short
 * form or a segment dropped — so the clock goes before the unacked
 * counts lose their label, and role and kill switch always show, even
 * at 80 columns. A viewer without
 * an API of its own shows the engine's ("api 127.0.0.1:5001 (engine)"),
 * read from the lock file the engine writes; the database path shows
 * while there is room (`:info` always has it). */
#include "tui_priv.h"
#include "layout.h"
#include "theme.h"
#include "util.h"
#include "domain/silences.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* The pane list, each with its key and badge; its labels in the widest
 * form that fits (layout_tabs: titles, tab names, tighter, abbreviated),
 * so the last tab never ends cut ("8 Au…"). */
void frame_draw_tabs(Ui *ui)
{
    enum { MAXT = 16 };
    WINDOW *w = ui->tabw;
    int width = getmaxx(w), n = ui->npanes < MAXT ? ui->npanes : MAXT;
    mvwhline(w, 0, 0, ' ' | theme_attr(TH_TAB), width);
    LayoutTab t[MAXT];
    char note[MAXT][16], label[MAXT][LAYOUT_TAB_LABEL];
    attr_t na[MAXT];
    for (int i = 0; i < n; i++) {
        const Pane *p = ui->panes[i];
        note[i][0] = '\0';
        na[i] = A_NORMAL;
        if (p->ops->badge && ui->snap)   /* "3!": the pane's note */
            p->ops->badge(ui->snap, note[i], sizeof note[i], &na[i]);
        t[i] = (LayoutTab){panes_def(i)->key, p->ops->title, p->ops->tab, layout_width(note[i])};
    }
    const char *brand = " resops ";
    int bw = layout_width(brand);
    layout_tabs(t, n, ui->cur, width, width >= 110 ? 0 : 1, label);
    int x = 0;
    for (int i = 0; i < n && x < width; i++) {
        attr_t a = i == ui->cur && !ui->help ? theme_attr(TH_TAB_ACTIVE) : theme_attr(TH_TAB);
        x += pane_draw_text(w, 0, x, width - x, label[i], a);
        if (note[i][0] && x < width)
            x += pane_draw_text(w, 0, x, width - x, note[i], na[i]) + 1;
    }
    if (x + bw + 1 < width)
        pane_draw_text(w, 0, width - bw, bw, brand, theme_attr(TH_TAB) | A_BOLD);
}

int frame_api_address(Ui *ui, char *buf, size_t size)
{
    if (ui->opts.listen_addr && *ui->opts.listen_addr) {
        strlcpy_(buf, ui->opts.listen_addr, size);
        return 1;
    }
    buf[0] = '\0';
    int engine = ui->opts.is_primary ? ui->opts.is_primary(ui->opts.ctx) : 0;
    if (!engine && ui->opts.engine_api && ui->opts.engine_api(ui->opts.ctx, buf, size) > 0)
        return 2;
    return 0;
}

/* A status-bar segment: its long and short text and the ranks at which
 * it takes the short form or goes (layout_fit_segments: lowest rank
 * first, 0 never). To add a segment, give it ranks between the others'. */
#define STATUS_MAX_SEGS 10

typedef struct Segment {
    char   longt[300], shortt[160];
    attr_t attr;
    int    short_rank, drop_rank;
} Segment;

/* The ranks, lowest (applied first) to highest: the clock goes, the tick
 * and the API address shorten, "auto-resolution on" shortens, the API
 * goes, the notify and silences labels shorten, the tick goes, then "N
 * categories stopped", the loud kill switch and the unacked labels
 * shorten, last an idle notify counter
 * goes. The role, the kill switch, the unacked counts and the silences
 * (count and soonest end, while there is one) always stay. */
enum {
    RANK_CLOCK_DROP = 1, RANK_TICK_SHORT, RANK_API_SHORT, RANK_AUTORES_SHORT, RANK_API_DROP,
    RANK_NOTIFY_SHORT, RANK_SILENCES_SHORT, RANK_TICK_DROP, RANK_STOPPED_SHORT, RANK_KILL_SHORT,
    RANK_UNACKED_SHORT,
    RANK_NOTIFY_DROP
};

/* the notification segment: queued (not yet delivered) and dead (gave up),
 * as the snapshot has them (drawing reads nothing); returns how many
 * segments it filled (0 while the counts are unknown) */
static int status_seg_outbox(const Snapshot *s, Segment *sg)
{
    if (!s || !s->outbox_known)
        return 0;
    int q = s->outbox_queued, d = s->outbox_dead;
    if (d)
        snprintf(sg->longt, sizeof sg->longt, " notify: %d queued, %d DEAD ", q, d);
    else
        snprintf(sg->longt, sizeof sg->longt, " notify: %d queued ", q);
    snprintf(sg->shortt, sizeof sg->shortt, d ? " notify %d, %d DEAD " : " notify %d ", q, d);
    sg->short_rank = RANK_NOTIFY_SHORT;
    sg->drop_rank = d ? 0 : RANK_NOTIFY_DROP;
    sg->attr = d ? theme_attr(TH_KILL) : q ? theme_attr(TH_BAR_KEY) : theme_attr(TH_BAR);
    return 1;
}

/* issue 11 item 4: active silences and the soonest end, shown while
 * there is one (none: no segment at any width, so a tight bar never ends
 * in a bare "S0"); the short form keeps its word ("silenced 2 ->13:59").
 * Returns how many segments it filled. */
static int status_seg_silences(const Snapshot *s, int64_t now, Segment *sg)
{
    int64_t end = 0;
    int n = s ? silences_active_count(s->silences, s->nsilences, now, &end) : 0;
    if (!n)
        return 0;
    char until[40] = "";
    silences_fmt_until(end, now, until, sizeof until);
    snprintf(sg->longt, sizeof sg->longt, " silences: %d, first ends %s ", n, until);
    snprintf(sg->shortt, sizeof sg->shortt, " silenced %d %s%s ", n,
             theme_glyphs()->utf8 ? "\u2192" : "->", until);
    sg->attr = theme_attr(TH_BAR_KEY);
    sg->short_rank = RANK_SILENCES_SHORT;
    return 1;
}

static void status_seg_tick(Ui *ui, const Snapshot *s, int engine, int64_t now, Segment *sg)
{
    char age[32];
    /* a viewer shows the engine's own tick, from the lock file (N5): its
     * data can be fresh (metrics, API writes) while the engine is stuck */
    int64_t etick = !engine && ui->opts.engine_tick ? ui->opts.engine_tick(ui->opts.ctx) : 0;
    if (!engine && etick) {
        layout_duration(now > etick ? now - etick : 0, age, sizeof age);
        snprintf(sg->longt, sizeof sg->longt, " tick %s ago (engine) ", age);
    } else if (engine && s && s->tick_at) {
        layout_duration(now - s->tick_at, age, sizeof age);
        snprintf(sg->longt, sizeof sg->longt, " tick %s ago ", age);
    } else if (!engine && s) {
        snprintf(age, sizeof age, "no tick");
        snprintf(sg->longt, sizeof sg->longt, " engine tick unknown ");
    } else if (s) {
        layout_duration(now - s->built_at, age, sizeof age);
        snprintf(sg->longt, sizeof sg->longt, " data %s old ", age);
    } else {
        snprintf(age, sizeof age, "-");
        snprintf(sg->longt, sizeof sg->longt, " no data yet ");
    }
    snprintf(sg->shortt, sizeof sg->shortt, " tick %s ", age);
    sg->short_rank = RANK_TICK_SHORT;
    sg->drop_rank = RANK_TICK_DROP;
    sg->attr = theme_attr(TH_BAR);
}

/* auto-resolution on, and the categories stopped by their own kill
 * switch (`K 1`-`K 6`, :kill CATEGORY), which the bar would otherwise hide */
static void status_seg_autores(const Snapshot *s, Segment *sg)
{
    int stopped = 0;
    for (int i = 0; s && i < s->ncategories; i++)
        stopped += !s->categories[i].enabled;
    if (stopped) {
        snprintf(sg->longt, sizeof sg->longt, " auto-resolution on, %d %s stopped ", stopped,
                 stopped == 1 ? "category" : "categories");
        snprintf(sg->shortt, sizeof sg->shortt, " auto-res on, %d cat stopped ", stopped);
    } else {
        snprintf(sg->longt, sizeof sg->longt, " auto-resolution on ");
        snprintf(sg->shortt, sizeof sg->shortt, " auto-res on ");
    }
    sg->short_rank = stopped ? RANK_STOPPED_SHORT : RANK_AUTORES_SHORT;
    sg->attr = theme_attr(stopped ? TH_BAR_KEY : TH_BAR);
}

/* fills seg[] (at most STATUS_MAX_SEGS) in priority order, the clock
 * last; returns the count */
static int status_segments(Ui *ui, Segment *seg)
{
    const Snapshot *s = ui->snap;
    int n = 0;

    int engine = s ? s->is_engine : (ui->opts.is_primary ? ui->opts.is_primary(ui->opts.ctx) : 0);
    snprintf(seg[n].longt, sizeof seg[n].longt, " %s ", engine ? "ENGINE" : "VIEWER");
    strlcpy_(seg[n].shortt, seg[n].longt, sizeof seg[n].shortt);
    seg[n++].attr = theme_attr(engine ? TH_ENGINE : TH_VIEWER);

    if (s && s->kill_switch) {
        snprintf(seg[n].longt, sizeof seg[n].longt,
                 " KILL SWITCH ON: AUTO-RESOLUTION DISABLED ");
        snprintf(seg[n].shortt, sizeof seg[n].shortt, " KILL SWITCH ON ");
        seg[n].short_rank = RANK_KILL_SHORT;
        seg[n++].attr = theme_attr(TH_KILL);
    } else {
        status_seg_autores(s, &seg[n++]);
    }

    int c = s ? s->unacked[SEV_CRITICAL] : 0, wa = s ? s->unacked[SEV_WARNING] : 0,
        in = s ? s->unacked[SEV_INFO] : 0;
    snprintf(seg[n].longt, sizeof seg[n].longt, " unacked: %d crit %d warn %d info ", c, wa, in);
    snprintf(seg[n].shortt, sizeof seg[n].shortt, " %d crit %d warn %d info ", c, wa, in);
    seg[n].short_rank = RANK_UNACKED_SHORT;
    seg[n++].attr = c ? theme_attr(TH_KILL) : wa ? theme_attr(TH_BAR_KEY) : theme_attr(TH_BAR);

    n += status_seg_outbox(s, &seg[n]);
    n += status_seg_silences(s, util_now(), &seg[n]);

    char api[128];
    int api_of = frame_api_address(ui, api, sizeof api);
    snprintf(seg[n].longt, sizeof seg[n].longt, " api %s%s ", api_of ? api : "off",
             api_of == 2 ? " (engine)" : "");
    snprintf(seg[n].shortt, sizeof seg[n].shortt, " api %s ", api_of ? api : "off");
    seg[n].short_rank = RANK_API_SHORT;
    seg[n].drop_rank = RANK_API_DROP;
    seg[n++].attr = theme_attr(TH_BAR);

    int64_t now = util_now();
    status_seg_tick(ui, s, engine, now, &seg[n++]);

    time_t tt = (time_t)now;
    struct tm tmv;
    localtime_r(&tt, &tmv);
    strftime(seg[n].longt, sizeof seg[n].longt, " %H:%M:%S ", &tmv);
    strlcpy_(seg[n].shortt, seg[n].longt, sizeof seg[n].shortt);
    seg[n].drop_rank = RANK_CLOCK_DROP;
    seg[n++].attr = theme_attr(TH_BAR_KEY);
    return n;
}

/* choose forms: long everywhere, else by rank (layout_fit_segments) */
static void status_fit(const Segment *seg, int n, int width, int *use_short, int *shown)
{
    LayoutSeg ls[STATUS_MAX_SEGS];
    for (int i = 0; i < n; i++)
        ls[i] = (LayoutSeg){layout_width(seg[i].longt), layout_width(seg[i].shortt),
                            seg[i].short_rank, seg[i].drop_rank};
    layout_fit_segments(ls, n, width, 1, use_short, shown);
}

void frame_draw_status(Ui *ui)
{
    WINDOW *w = ui->statw;
    int width = getmaxx(w);
    Segment seg[STATUS_MAX_SEGS];
    memset(seg, 0, sizeof seg);
    int n = status_segments(ui, seg);

    int use_short[STATUS_MAX_SEGS] = {0}, shown[STATUS_MAX_SEGS];
    status_fit(seg, n, width, use_short, shown);

    mvwhline(w, 0, 0, ' ' | theme_attr(TH_BAR), width);
    int x = 0;
    for (int i = 0; i < n - 1; i++) {
        if (!shown[i])
            continue;
        x += pane_draw_text(w, 0, x, width - x, use_short[i] ? seg[i].shortt : seg[i].longt,
                            seg[i].attr);
        x++;
    }
    int cw = shown[n - 1] ? layout_width(seg[n - 1].longt) : 0;
    if (shown[n - 1] && x + cw <= width)     /* the clock sits on the right */
        pane_draw_text(w, 0, width - cw, cw, seg[n - 1].longt, seg[n - 1].attr);
    /* the database (where a second console attaches, B21) only in room
     * left over when everything else shows in full; `:info` always has it */
    int full = 1;
    for (int i = 0; i < n; i++)
        full &= shown[i] && !use_short[i];
    char db[300];
    snprintf(db, sizeof db, " db %s ", ui->opts.db_path ? ui->opts.db_path : "");
    int dw = layout_width(db);
    if (full && x + dw + 1 + cw <= width)
        pane_draw_text(w, 0, x, dw, db, theme_attr(TH_BAR));
}

/* The idle message line: the main keys, the least needed dropped first
 * (drop rank) so that ?:help and q:quit always show. */
static void frame_draw_hint(Ui *ui, WINDOW *w, int width)
{
    char keys[24], panes[40];
    panes_keys_label(0, ui->npanes - 1, keys, sizeof keys);
    snprintf(panes, sizeof panes, "%s/Tab:panes", keys);
    static const int rank[] = {0, 4, 2, 3, 5, 7, 8, 6, 1, 0};
    const char *item[] = {"?:help", panes, "j/k:move", "Enter:detail", "/:search", "a:ack",
                          "K:kill switch", "::command", "r:refresh", "q:quit"};
    enum { N = sizeof item / sizeof item[0] };
    LayoutSeg ls[N];
    int use_short[N], shown[N];
    for (int i = 0; i < N; i++)
        ls[i] = (LayoutSeg){layout_width(item[i]), 0, 0, rank[i]};
    layout_fit_segments(ls, N, width + 2, 2, use_short, shown);
    char hint[256];
    size_t len = 0;
    hint[0] = '\0';
    for (int i = 0; i < N && len < sizeof hint; i++)
        if (shown[i])
            len += (size_t)snprintf(hint + len, sizeof hint - len, "%s%s", len ? "  " : "",
                                    item[i]);
    pane_draw_text(w, 0, 0, width, hint, theme_attr(TH_DIM));
}

void frame_draw_message(Ui *ui)
{
    WINDOW *w = ui->msgw;
    int width = getmaxx(w);
    if (ui->prompt) {
        char line[512];
        if (ui->prompt == PROMPT_CONFIRM)
            snprintf(line, sizeof line, "%s [y/N] ", ui->prompt_label);
        else if (ui->prompt == PROMPT_KEY)
            snprintf(line, sizeof line, "%s ", ui->prompt_label);
        else
            snprintf(line, sizeof line, "%s%s", ui->prompt_label, ui->input);
        int lw = layout_width(line);
        /* keep the end of a long input visible */
        const char *show = line;
        while (lw > width - 2 && *show) {
            show++;
            while ((*show & 0xc0) == 0x80)
                show++;
            lw--;
        }
        pane_draw_text(w, 0, 0, width - 1, show, ui->prompt != PROMPT_TEXT
                                                ? theme_attr(TH_WARN) : A_BOLD);
        wattrset(w, A_REVERSE);
        mvwaddch(w, 0, lw < width - 1 ? lw : width - 1, ' ');
        wattrset(w, A_NORMAL);
        if (ui->prompt_note[0] && lw + 3 < width - 1)   /* Tab's candidates */
            pane_draw_text(w, 0, lw + 3, width - lw - 4, ui->prompt_note, theme_attr(TH_DIM));
        return;
    }
    if (ui->msg[0]) {
        pane_draw_text(w, 0, 0, width, ui->msg, ui->msg_err ? theme_attr(TH_ERROR) : A_BOLD);
        return;
    }
    frame_draw_hint(ui, w, width);
}
