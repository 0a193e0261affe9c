/* tui_priv — the console's private state, shared by tui.c (the loop),
 * frame.c (tab and status bars), keys.c (the key tables and help),
 * prompt.c (questions in the message line) and actions.c (writes and the
 * `:` command line). Panes never see it: they use ui.h. Thread: the UI
 * thread. */
#ifndef RESOPS_UI_TUI_PRIV_H
#define RESOPS_UI_TUI_PRIV_H

#include <curses.h>
#include <stdio.h>
#include "pane.h"
#include "panes.h"
#include "tui.h"
#include "ui.h"

enum {
    DIRTY_TABS = 1, DIRTY_BODY = 2, DIRTY_STATUS = 4, DIRTY_MSG = 8,
    DIRTY_ALL = 15, DIRTY_LAYOUT = 16
};

enum { PROMPT_NONE, PROMPT_CONFIRM, PROMPT_TEXT, PROMPT_KEY };

#define CMDLINE_HISTORY_MAX 100   /* `:` commands remembered */

struct Ui {
    TuiOpts      opts;
    Store       *st;
    char         actor[81];
    Snapshot    *snap;             /* owned reference: the one shown */
    SnapMetrics *metrics;          /* owned reference */
    Pane       **panes;            /* one per row of the pane list (panes.c) */
    int          npanes, cur;
    int64_t      selected_service;
    /* the terminal: curses, windows, input pad, signalfd (tui.c, tty.c) */
    SCREEN      *scr;
    WINDOW      *tabw, *bodyw, *statw, *msgw, *in;
    int          sfd;
    int          rows, cols, too_small;
    unsigned     dirty;
    int          quit;
    int          idle_eof;         /* readable terminal with no key, in a row */
    char         msg[256];
    int          msg_err;
    int          was_primary;      /* the role last seen (watch_role) */
    int          asked_whole;      /* asked for the rest of a cut first snapshot */
    char         write_err[240];   /* ui_write_error's answer */
    int          prompt;
    char         prompt_label[200];
    char         input[256];
    UiAnswerFn   prompt_fn;
    UiAnswerFn   prompt_live;   /* called after each edit; NULL none */
    void        *prompt_arg;
    int          help, help_top;
    int          kill_panel;       /* K asks: the body lists the stops */
    /* the `:` line (cmdline.c): history, most recent first, and Tab */
    int          prompt_cmd;       /* the open text prompt is the `:` line */
    int          prompt_esc_skips; /* Esc answers "" (no text); ^G cancels */
    char         prompt_note[256]; /* shown after the input (completions) */
    char         hist[CMDLINE_HISTORY_MAX][256];
    int          nhist, hist_pos, tab_count;
    char         hist_draft[256];
    char         hist_file[512];   /* "" = this session only */
    FILE        *timing;           /* RESOPS_TUI_TIMING: first frame, key to doupdate */
    int64_t      first_frame_ms;   /* -1 until the first frame with data */
};

/* frame.c */
void frame_draw_tabs(Ui *ui);
void frame_draw_status(Ui *ui);
void frame_draw_message(Ui *ui);
/* The API address to show: 1 this process's own, 2 the engine's (a
 * viewer), 0 none (buf ""). */
int  frame_api_address(Ui *ui, char *buf, size_t size);

/* keys.c: the global key table, merged with the current pane's */
void keys_dispatch(Ui *ui, int key);
void keys_draw_help(Ui *ui, WINDOW *w);
void keys_help_key(Ui *ui, int key);

/* One line of the help overlay: a section heading, or "keys  what". */
typedef struct HelpLine {
    char key[24];
    char text[200];
    int  heading;
} HelpLine;
/* The help overlay's lines while pane cur of panes[] shows: the pane
 * list, the global keys, cur's own keys, the `:` commands. Returns the
 * count (at most max). No curses. */
#define KEYS_HELP_MAX 200   /* lines of the help overlay, at most */
int keys_help_lines(Pane *const *panes, int npanes, int cur, HelpLine *out, int max);

/* prompt.c: the open question takes the key; cancel answers it NULL */
void prompt_key(Ui *ui, int key);
void prompt_cancel(Ui *ui);

/* cmdline.c: the `:` line's history (Up/Down) and Tab completion */
void cmdline_load(Ui *ui);                       /* the history file, if any */
void cmdline_remember(Ui *ui, const char *line); /* a command was run */
void cmdline_complete(Ui *ui);                   /* Tab */
int  cmdline_key(Ui *ui, int key);               /* 1 when the key was the line's */

/* Ask for one key (a menu in the message line): the callback gets the
 * key as UTF-8 text, NULL for Esc. */
void ui_ask_key(Ui *ui, const char *label, UiAnswerFn fn, void *arg);

/* actions.c: writes through the domain, and the `:` commands */
int  actions_ack(Ui *ui, int64_t alert_id, int quiet);   /* 0 or -errno */
int  actions_unack(Ui *ui, int64_t alert_id);            /* 0 or -errno */
void actions_kill_switch(Ui *ui);   /* K: y or a category, reason, apply */
void actions_draw_kill_panel(Ui *ui, WINDOW *w);         /* the body while K asks */
void actions_quit(Ui *ui);   /* q, :q: back from a detail; the engine asks y/N */
void actions_command(Ui *ui, const char *line);          /* a `:` line */
/* The i-th command's usage and help for the help overlay; -1 past the end. */
int  actions_command_help(int i, const char **usage, const char **help);
const char *actions_command_name(int i);         /* the i-th command's name */
/* 1 when the command named name[0..len) takes a SERVICE first */
int  actions_command_takes_service(const char *name, size_t len);

/* pane_silences.c: `:silence SERVICE 2h REASON` and `:silences` (issue 11) */
void silences_cmd_silence(Ui *ui, char *args);
void silences_cmd_list(Ui *ui, char *args);

/* tokens.c: `:token new NAME [SCOPE]`, `:token revoke NAME`, `:tokens`
 * (issue 12 item 2) */
void tokens_cmd_token(Ui *ui, char *args);
void tokens_cmd_list(Ui *ui, char *args);
/* Tab after ":token ": the words that may come at byte at of line (the
 * arguments after the command's name): new/revoke, a scope, a live
 * token's name; into out (up to max), the count. */
int  tokens_complete_words(Ui *ui, const char *line, size_t at, char (*out)[65], int max);

#endif
