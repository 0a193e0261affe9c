/* keys — the global key table (style.md: tables over branches), merged
 * with the current pane's own table (pane.h, tmux's per-mode tables).
 * The same rows drive both dispatch and the `?` help overlay, so the
 * help can never disagree with what the keys do.
 *
 * A key goes, in order, to: the pane list's number keys (panes.c), the
 * current pane's table, the global table. The generic list keys
 * (j/k, n/N, f, Enter, ...) are global rows that the pane list view
 * handles (pane.c); a pane row with the same key replaces them while
 * that pane shows. */
#include "tui_priv.h"
#include "layout.h"
#include "theme.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

typedef void (*KeyAction)(Ui *ui, int key);

typedef struct KeyBinding {
    int         keys[4];       /* 0-terminated */
    const char *label;
    const char *help;
    const char *section;       /* a new section starts where this changes */
    KeyAction   action;
} KeyBinding;

static void act_quit(Ui *ui, int key) { (void)key; actions_quit(ui); }

static void act_help(Ui *ui, int key)
{
    (void)key;
    ui->help = 1;
    ui->help_top = 0;
    ui->dirty |= DIRTY_BODY | DIRTY_TABS;
}

static void act_tab(Ui *ui, int key)
{
    int d = key == '\t' ? 1 : ui->npanes - 1;
    ui_show_pane(ui, (ui->cur + d) % ui->npanes);
}

static void command_answer(Ui *ui, void *arg, const char *line)
{
    (void)arg;
    if (line && *line) {
        cmdline_remember(ui, line);
        actions_command(ui, line);
    }
}

static void act_command(Ui *ui, int key)
{
    (void)key;
    ui_prompt(ui, ":", command_answer, NULL);
    ui->prompt_cmd = 1;           /* Up/Down: history; Tab: completion */
}

static void search_answer(Ui *ui, void *arg, const char *pat)
{
    (void)arg;
    Pane *p = ui->panes[ui->cur];
    if (!pat)
        return;
    pane_sync(p, ui->snap);
    if (!p->ops->match) {
        ui_message(ui, 0, "This pane has nothing to search");
        return;
    }
    if (!*pat) {
        pane_search(p, "", 1);
        ui_message(ui, 0, "Search cleared");
    } else if (!pane_search(p, pat, 1)) {
        ui_message(ui, 1, "Pattern not found: %s", pat);
    } else {
        ui_message(ui, 0, "/%s: n next, N previous, f filter, Esc clears", pat);
    }
    ui->dirty |= DIRTY_BODY;
}

/* Issue 11: a PANE_LIVE_SEARCH pane filters as the pattern is typed. */
static void search_live(Ui *ui, void *arg, const char *pat)
{
    (void)arg;
    Pane *p = ui->panes[ui->cur];
    strlcpy_(p->search, pat ? pat : "", sizeof p->search);
    p->filter = p->search[0] != '\0';
    p->gen++;
    ui->dirty |= DIRTY_BODY;
}

/* Enter: the rows come back with the cursor on the first match (a plain
 * search: n/N, and `f` makes it a filter again); Esc: as before the `/`. */
static void search_live_answer(Ui *ui, void *arg, const char *pat)
{
    (void)arg;
    Pane *p = ui->panes[ui->cur];
    p->filter = 0;
    p->gen++;
    ui->dirty |= DIRTY_BODY;
    if (!pat || !*pat) {
        p->search[0] = '\0';
        if (pat)
            ui_message(ui, 0, "Search cleared");
        return;
    }
    pane_sync(p, ui->snap);
    p->list.cursor = 0;
    if (!pane_search(p, pat, 1))
        ui_message(ui, 1, "Pattern not found: %s", pat);
    else
        ui_message(ui, 0, "/%s: n next, N previous, f filter, Esc clears", pat);
}

static void act_search(Ui *ui, int key)
{
    (void)key;
    Pane *p = ui->panes[ui->cur];
    if (p->ops->flags & PANE_LIVE_SEARCH)
        ui_prompt_live(ui, "/", search_live_answer, search_live, NULL);
    else
        ui_prompt(ui, "/", search_answer, NULL);
}

static void act_kill(Ui *ui, int key)
{
    (void)key;
    actions_kill_switch(ui);
}

static void act_refresh(Ui *ui, int key)
{
    (void)key;
    if (ui->opts.kick)
        ui->opts.kick(ui->opts.ctx);
    /* the one key that runs the probes out of schedule, on purpose (B3) */
    int engine = ui->opts.is_primary ? ui->opts.is_primary(ui->opts.ctx) : 0;
    ui_message(ui, 0, engine ? "Refreshing: running every check now..."
                             : "Refreshing from the database (the engine runs the checks)");
}

static void act_redraw(Ui *ui, int key)
{
    (void)key;
    ui->dirty |= DIRTY_LAYOUT;
}

/* The pane's result bits: quit, repaint, or a word when nothing acted. */
static void pane_result(Ui *ui, PaneResult r, int key)
{
    if (r & PANE_QUIT)
        ui->quit = 1;
    if (r & PANE_REDRAW)
        ui->dirty |= DIRTY_BODY;
    if (!(r & PANE_HANDLED) && key != UI_KEY_ESC)
        ui_message(ui, 0, "Nothing to do for that key here (? for help)");
}

/* A generic list key (the global "Lists" rows): the pane's list view. */
static void act_pane(Ui *ui, int key)
{
    Pane *p = ui->panes[ui->cur];
    pane_sync(p, ui->snap);   /* a snapshot may have arrived since the last paint */
    pane_result(ui, pane_list_key(p, key), key);
}

#define FN(k) (UI_KEY_FN | (k))

static const KeyBinding keymap[] = {
    {{'\t'}, "Tab", "next pane", "Panes", act_tab},
    {{FN(KEY_BTAB)}, "S-Tab", "previous pane", "Panes", act_tab},
    {{'j', FN(KEY_DOWN)}, "j Down", "move down", "Lists", act_pane},
    {{'k', FN(KEY_UP)}, "k Up", "move up", "Lists", act_pane},
    {{'g', FN(KEY_HOME)}, "g Home", "first row", "Lists", act_pane},
    {{'G', FN(KEY_END)}, "G End", "last row", "Lists", act_pane},
    {{FN(KEY_NPAGE), 6}, "PgDn ^F", "page down", "Lists", act_pane},
    {{FN(KEY_PPAGE), 2}, "PgUp ^B", "page up", "Lists", act_pane},
    {{'/'}, "/", "search the pane (Enter; empty pattern clears)", "Lists", act_search},
    {{'n'}, "n", "next match", "Lists", act_pane},
    {{'N'}, "N", "previous match", "Lists", act_pane},
    {{'f'}, "f", "filter: rows matching the search only", "Lists", act_pane},
    {{UI_KEY_ENTER, '\n', FN(KEY_ENTER)}, "Enter",
     "detail view (side by side from 160 columns)", "Lists", act_pane},
    {{UI_KEY_ESC}, "Esc", "back: close the detail, clear the search", "Lists", act_pane},
    {{'K'}, "K", "kill switch on/off: y all, 1-6 a category (asks why)",
     "Actions", act_kill},
    {{':'}, ":", "command line (see below)", "Actions", act_command},
    {{'r'}, "r", "refresh now: run every check (probes) at once; no other key runs them",
     "Actions", act_refresh},
    {{12}, "^L", "redraw the screen", "Actions", act_redraw},
    {{'?', FN(KEY_F(1))}, "? F1", "this help (any key closes it)", "Actions", act_help},
    {{'q'}, "q", "quit (the ENGINE console asks y/N; in a detail: back)", "Actions", act_quit},
};

#undef FN

static const KeyBinding *global_find(int key)
{
    for (size_t i = 0; i < sizeof keymap / sizeof keymap[0]; i++)
        for (int k = 0; k < 4 && keymap[i].keys[k]; k++)
            if (keymap[i].keys[k] == key)
                return &keymap[i];
    return NULL;
}

/* 1 when some other pane has a row for key (so "not here", rather than
 * "unknown"). */
static int other_pane_key(const Ui *ui, int key)
{
    for (int i = 0; i < ui->npanes; i++)
        if (pane_key_find(ui->panes[i]->ops, key))
            return 1;
    return 0;
}

void keys_dispatch(Ui *ui, int key)
{
    int pane = panes_find_key(key);
    if (pane >= 0) {
        ui_show_pane(ui, pane);
        return;
    }
    Pane *p = ui->panes[ui->cur];
    const PaneKey *pk = pane_key_find(p->ops, key);
    if (pk) {
        pane_sync(p, ui->snap);   /* a snapshot may have arrived since the last paint */
        PaneResult r = pk->action(p, key);
        if (!(r & PANE_HANDLED))
            r = pane_list_key(p, key);
        pane_result(ui, r, key);
        return;
    }
    const KeyBinding *b = global_find(key);
    if (b)
        b->action(ui, key);
    else if (other_pane_key(ui, key))
        pane_result(ui, 0, key);
    else if (key != (UI_KEY_FN | KEY_MOUSE))
        ui_message(ui, 0, "Unknown key (? for help)");
}

/* ---- the help overlay ------------------------------------------------------ */

typedef struct HelpOut {
    HelpLine *l;
    int       n, max;
} HelpOut;

static void help_add(HelpOut *o, int heading, const char *key, const char *text)
{
    if (o->n >= o->max)
        return;
    HelpLine *h = &o->l[o->n++];
    h->heading = heading;
    strlcpy_(h->key, key, sizeof h->key);
    strlcpy_(h->text, text, sizeof h->text);
}

/* "1-4  Services, Dependencies, Health, Alerts": the pane list, four a line
 * (five on the last line rather than one alone: the help's lines are few). */
static void help_pane_list(HelpOut *o, Pane *const *panes, int npanes)
{
    for (int i = 0, last; i < npanes; i = last + 1) {
        char key[24], text[200];
        last = i + 3 < npanes ? i + 3 : npanes - 1;
        if (last == npanes - 2)
            last++;
        size_t len = 0;
        text[0] = '\0';
        for (int k = i; k <= last && len < sizeof text; k++)
            len += (size_t)snprintf(text + len, sizeof text - len, "%s%s", k > i ? ", " : "",
                                    panes[k]->ops->title);
        panes_keys_label(i, last, key, sizeof key);
        help_add(o, 0, key, text);
    }
}

/* The global rows of one section (in_section) or of all the others. */
/* 1 when the pane's own table takes every key of a global row: dispatch
 * tries the pane first, so the global meaning does not apply there. */
static int pane_takes(const PaneOps *pane, const int *keys)
{
    if (!pane || !pane->keys || !keys[0])
        return 0;
    for (int i = 0; i < 4 && keys[i]; i++) {
        int found = 0;
        for (const PaneKey *k = pane->keys; k->label && !found; k++)
            for (int j = 0; j < 4 && k->keys[j] && !found; j++)
                found = k->keys[j] == keys[i];
        if (!found)
            return 0;
    }
    return 1;
}

/* The global rows of one section (only), or of every section but "Panes"
 * and "Actions" (only NULL), each section under its heading; the
 * "Panes" rows follow the pane list without one. */
static void help_global(HelpOut *o, const PaneOps *pane, const char *only)
{
    const char *cur = NULL;
    for (size_t i = 0; i < sizeof keymap / sizeof keymap[0]; i++) {
        const char *sec = keymap[i].section;
        int early = !strcmp(sec, "Panes") || !strcmp(sec, "Actions");
        if ((only ? strcmp(sec, only) != 0 : early) || pane_takes(pane, keymap[i].keys))
            continue;
        if (strcmp(sec, "Panes") && (!cur || strcmp(cur, sec))) {
            help_add(o, 0, "", "");
            help_add(o, 1, sec, "");
        }
        cur = sec;
        help_add(o, 0, keymap[i].label, keymap[i].help);
    }
}

/* The keys of the other panes, last, so that ? lists every key. */
static void help_other_panes(HelpOut *o, Pane *const *panes, int npanes, int cur)
{
    for (int i = 0; i < npanes; i++) {
        const PaneOps *ops = panes[i]->ops;
        if (i == cur || !ops->keys || !ops->keys[0].label)
            continue;
        char heading[64];
        snprintf(heading, sizeof heading, "%s pane (%d)", ops->title, i + 1);
        help_add(o, 0, "", "");
        help_add(o, 1, heading, "");
        for (const PaneKey *k = ops->keys; k->label; k++)
            help_add(o, 0, k->label, k->help);
    }
}

int keys_help_lines(Pane *const *panes, int npanes, int cur, HelpLine *out, int max)
{
    HelpOut o = {out, 0, max};
    const PaneOps *pane = cur >= 0 && cur < npanes ? panes[cur]->ops : NULL;
    help_add(&o, 1, "Panes", "");
    help_pane_list(&o, panes, npanes);
    help_global(&o, pane, "Panes");
    /* at 80x24 the first page holds the actions (K, :, q) and the pane's
     * own keys; the commands and the list keys follow (the overlay
     * scrolls and says so) */
    help_global(&o, pane, "Actions");
    if (pane && pane->keys && pane->keys[0].label) {
        char heading[64];
        snprintf(heading, sizeof heading, "%s pane", pane->title);
        help_add(&o, 0, "", "");
        help_add(&o, 1, heading, "");
        for (const PaneKey *k = pane->keys; k->label; k++)
            help_add(&o, 0, k->label, k->help);
    }
    help_add(&o, 0, "", "");
    help_add(&o, 1, "Commands (:)", "");
    const char *usage, *text;
    for (int i = 0; actions_command_help(i, &usage, &text) == 0; i++)
        help_add(&o, 0, usage, text);
    help_global(&o, pane, NULL);
    help_other_panes(&o, panes, npanes, cur);
    return o.n;
}

void keys_draw_help(Ui *ui, WINDOW *w)
{
    HelpLine lines[KEYS_HELP_MAX];
    int n = keys_help_lines(ui->panes, ui->npanes, ui->cur, lines, KEYS_HELP_MAX);
    int h = getmaxy(w), width = getmaxx(w);
    pane_draw_text(w, 0, 1, width - 2,
                   "Help: keys and commands  (j/k PgDn/PgUp scroll, any other key closes)",
                   theme_attr(TH_TITLE));
    if (ui->help_top > n - (h - 2))
        ui->help_top = n - (h - 2) > 0 ? n - (h - 2) : 0;
    int last = h;                        /* the row after the last line shown */
    if (n - ui->help_top > h - 2) {      /* more below: say so on the last row */
        char more[120];
        last = h - 1;
        snprintf(more, sizeof more, "-- %d more lines: j or PgDn (commands, lists, other "
                 "panes) --", n - ui->help_top - (h - 3));
        pane_draw_text(w, h - 1, 2, width - 4, more, theme_attr(TH_HEADER));
    }
    for (int i = ui->help_top, y = 2; i < n && y < last; i++, y++) {
        if (lines[i].heading) {
            pane_draw_text(w, y, 2, width - 4, lines[i].key, theme_attr(TH_HEADER));
            continue;
        }
        pane_draw_text(w, y, 4, 18, lines[i].key, theme_attr(TH_HELP_KEY));
        pane_draw_text(w, y, 24, width - 26, lines[i].text, A_NORMAL);
    }
}

void keys_help_key(Ui *ui, int key)
{
    int page = ui->bodyw ? getmaxy(ui->bodyw) - 3 : 10;
    if (key == 'j' || key == (UI_KEY_FN | KEY_DOWN)) {
        ui->help_top++;
    } else if (key == 'k' || key == (UI_KEY_FN | KEY_UP)) {
        if (ui->help_top > 0)
            ui->help_top--;
    } else if (key == (UI_KEY_FN | KEY_NPAGE) || key == ' ' || key == 6 /* ^F */) {
        ui->help_top += page > 1 ? page : 1;
    } else if (key == (UI_KEY_FN | KEY_PPAGE) || key == 2 /* ^B */) {
        ui->help_top = ui->help_top > page ? ui->help_top - page : 0;
    } else {
        ui->help = 0;
        ui->dirty |= DIRTY_TABS;
    }
    ui->dirty |= DIRTY_BODY;
}
