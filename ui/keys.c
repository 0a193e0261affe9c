/* keys — the one key table (style.md: tables over branches). It drives
 * both dispatch and the `?` help overlay, so the help can never
 * disagree with what the keys do. Pane keys are forwarded to the current
 * pane's on_key, then to the generic list keys (pane.c). */
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

static void act_quit(Ui *ui, int key) { (void)key; ui->quit = 1; }

static void act_help(Ui *ui, int key)
{
    (void)key;
    ui->help = 1;
    ui->help_top = 0;
    ui->dirty |= DIRTY_BODY | DIRTY_TABS;
}

static void act_tab(Ui *ui, int key)
{
    int d = key == '\t' ? 1 : UI_NPANES - 1;
    ui_show_pane(ui, (ui->cur + d) % UI_NPANES);
}

static void act_pane_n(Ui *ui, int key) { ui_show_pane(ui, key - '1'); }

static void command_answer(Ui *ui, void *arg, const char *line)
{
    (void)arg;
    if (line && *line)
        actions_command(ui, line);
}

static void act_command(Ui *ui, int key)
{
    (void)key;
    ui_prompt(ui, ":", command_answer, NULL);
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

static void act_search(Ui *ui, int key)
{
    (void)key;
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

static void act_pane(Ui *ui, int key)
{
    Pane *p = ui->panes[ui->cur];
    pane_sync(p, ui->snap);   /* a snapshot may have arrived since the last paint */
    PaneResult r = p->ops->on_key ? p->ops->on_key(p, key) : 0;
    if (!(r & PANE_HANDLED))
        r = pane_list_key(p, key);
    if (r & PANE_QUIT)
        ui->quit = 1;
    if (r & PANE_REDRAW)
        ui->dirty |= DIRTY_BODY;
    if (!(r & PANE_HANDLED) && key != UI_KEY_ESC)
        ui_message(ui, 0, "Nothing to do for that key here (? for help)");
}

#define FN(k) (UI_KEY_FN | (k))

static const KeyBinding keymap[] = {
    {{'1', '2', '3', '4'}, "1-4", "Services, Dependencies, Health, Alerts", "Panes", act_pane_n},
    {{'5', '6', '7', '8'}, "5-8", "SLA Breaches, Incidents, Metrics, Audit Log", "Panes", act_pane_n},
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
    {{'f'}, "f", "filter: rows matching the search only (Alerts: open alerts only)",
     "Lists", act_pane},
    {{UI_KEY_ENTER, '\n', FN(KEY_ENTER)}, "Enter",
     "detail view (side by side from 160 columns); Dependencies: re-root", "Lists", act_pane},
    {{UI_KEY_ESC}, "Esc", "back: close the detail, clear the search", "Lists", act_pane},
    {{'s'}, "s", "Services: cycle the sort order (status, risk, name, id)", "Lists", act_pane},
    {{FN(KEY_BACKSPACE), 127, 'h', FN(KEY_LEFT)}, "Bksp h", "Dependencies: back to the previous root",
     "Lists", act_pane},
    {{'a'}, "a", "Alerts: acknowledge the selected alert", "Actions", act_pane},
    {{'A'}, "A", "Alerts: acknowledge every open alert shown (asks first)", "Actions", act_pane},
    {{'x', 't', 'm'}, "x t m", "Incidents: x resolve now (playbook, threshold waived; asks), "
     "t retry (normal decision), m mark resolved by hand (asks)", "Actions", act_pane},
    {{'K'}, "K", "kill switch on/off: stop or resume auto-resolution (asks y/n, then a reason)",
     "Actions", act_kill},
    {{':'}, ":", "command line (see below)", "Actions", act_command},
    {{'r'}, "r", "refresh now: run every check (probes) at once; no other key runs them", "Actions", act_refresh},
    {{12}, "^L", "redraw the screen", "Actions", act_redraw},
    {{'?', FN(KEY_F(1))}, "? F1", "this help (any key closes it)", "Actions", act_help},
    {{'q'}, "q", "quit", "Actions", act_quit},
};

#undef FN

void keys_dispatch(Ui *ui, int key)
{
    for (size_t i = 0; i < sizeof keymap / sizeof keymap[0]; i++)
        for (int k = 0; k < 4 && keymap[i].keys[k]; k++)
            if (keymap[i].keys[k] == key) {
                keymap[i].action(ui, key);
                return;
            }
    if (key == (UI_KEY_FN | KEY_MOUSE))
        return;
    ui_message(ui, 0, "Unknown key (? for help)");
}

/* The help text as lines: section headings, then "key  help". */
typedef struct HelpLine {
    const char *key, *text;
    int         heading;
} HelpLine;

static int help_lines(HelpLine *out, int max)
{
    int n = 0;
    const char *section = NULL;
    for (size_t i = 0; i < sizeof keymap / sizeof keymap[0] && n < max - 2; i++) {
        if (!section || strcmp(section, keymap[i].section)) {
            if (section)
                out[n++] = (HelpLine){"", "", 0};
            section = keymap[i].section;
            out[n++] = (HelpLine){section, "", 1};
        }
        out[n++] = (HelpLine){keymap[i].label, keymap[i].help, 0};
    }
    if (n < max - 2) {
        out[n++] = (HelpLine){"", "", 0};
        out[n++] = (HelpLine){"Commands (:)", "", 1};
    }
    for (int i = 0; n < max; i++) {
        const char *usage, *text;
        if (actions_command_help(i, &usage, &text) < 0)
            break;
        out[n++] = (HelpLine){usage, text, 0};
    }
    return n;
}

void keys_draw_help(Ui *ui, WINDOW *w)
{
    HelpLine lines[96];
    int n = help_lines(lines, 96);
    int h = getmaxy(w), width = getmaxx(w);
    pane_draw_text(w, 0, 1, width - 2, "Help: keys and commands  (j/k scroll, any other key closes)",
              theme_attr(TH_TITLE));
    if (ui->help_top > n - (h - 2))
        ui->help_top = n - (h - 2) > 0 ? n - (h - 2) : 0;
    for (int i = ui->help_top, y = 2; i < n && y < h; i++, y++) {
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
    if (key == 'j' || key == (UI_KEY_FN | KEY_DOWN)) {
        ui->help_top++;
    } else if (key == 'k' || key == (UI_KEY_FN | KEY_UP)) {
        if (ui->help_top > 0)
            ui->help_top--;
    } else {
        ui->help = 0;
        ui->dirty |= DIRTY_TABS;
    }
    ui->dirty |= DIRTY_BODY;
}
