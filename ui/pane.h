/* pane — the console's pane model (style.md): every pane is a value of
 * one ops table with its own key table, plus the shared pieces most panes
 * are made of: a list view with cursor, search and filter, and the
 * drawing helpers for tables, key/value detail lines and wrapped text.
 *
 * A list pane fills its ListView in `rebuild` (items are the pane's own
 * indices, ids keep the selection on the same object across snapshots)
 * and draws with pane_draw_table(); the generic code handles j/k, g/G,
 * PgUp/PgDn, `/` search with n/N, the `f` filter and Enter/Esc for the
 * detail view. At LAYOUT_WIDE_COLS or more the loop shows `draw` and
 * `draw_detail` side by side.
 *
 * A pane's keys are rows of its PaneKey table (tmux's per-mode key
 * tables): the same rows drive its dispatch and its section of the `?`
 * help, so a pane key is declared once, in the pane's file. While the
 * pane shows, its rows come before the global ones (keys.c): Alerts' `f`
 * and Dependencies' Enter replace the generic list keys there.
 *
 * Thread: the UI thread only (curses).
 */
#ifndef RESOPS_UI_PANE_H
#define RESOPS_UI_PANE_H

#include <curses.h>
#include <stddef.h>
#include <stdint.h>
#include "snapshot.h"
#include "ui.h"

typedef struct Pane Pane;

/* what a key's action did: bits */
enum { PANE_HANDLED = 1, PANE_REDRAW = 2, PANE_QUIT = 4 };
typedef int PaneResult;

/* PaneOps.flags */
enum {
    PANE_WANTS_METRICS = 1,   /* draws ui_metrics(): repaint when a new history arrives */
    PANE_LIVE_SEARCH = 2,     /* `/` filters the list as the pattern is typed */
};

/* One row of a pane's key table: up to four keys (0-terminated), how the
 * help shows them, what they do. A table ends with a row whose label is
 * NULL. The action returns PaneResult bits; without PANE_HANDLED the
 * generic list keys get the key next. */
typedef struct PaneKey {
    int         keys[4];
    const char *label;
    const char *help;
    PaneResult (*action)(Pane *p, int key);
} PaneKey;

typedef struct PaneOps {
    const char *title;      /* pane header, help */
    const char *tab;        /* short label in the tab bar */
    unsigned    flags;      /* PANE_WANTS_METRICS */
    const PaneKey *keys;    /* the pane's own keys; may be NULL */
    void       (*draw)(Pane *p, WINDOW *w, const Snapshot *s);
    void       (*draw_detail)(Pane *p, WINDOW *w, const Snapshot *s); /* may be NULL */
    /* a short note after the tab's label ("3!": open critical alerts),
     * "" for none; may be NULL */
    void       (*badge)(const Snapshot *s, char *buf, size_t size, attr_t *attr);
    void       (*destroy)(void *state);                               /* may be NULL */
    /* list panes (both NULL for a pane that is not a list) */
    void       (*rebuild)(Pane *p, const Snapshot *s);
    int        (*match)(Pane *p, const Snapshot *s, int item, const char *pattern);
    const char *empty;      /* shown by pane_draw_table for an empty list;
                               NULL = a generic line, "" = the pane draws its own */
} PaneOps;

typedef struct ListView {
    int     *items;         /* the pane's indices, in display order */
    int64_t *ids;           /* stable id per item (selection survives refresh) */
    int      n, cap;
    int      cursor, top;
    int      page;          /* rows visible at the last draw */
    int64_t  sel_id;
    int      has_sel;
    int      moved;         /* the user moved the cursor or searched: keep it
                               on the same object; until then it stays on the
                               first row whatever the new order (B16) */
} ListView;

struct Pane {
    const PaneOps *ops;
    void          *state;
    Ui            *ui;
    ListView       list;
    int            detail;        /* detail view open (narrow terminals) */
    char           search[128];   /* `/` pattern, "" = none */
    int            filter;        /* `f`: only rows matching the pattern */
    unsigned       gen;           /* bump to force a rebuild */
    /* the snapshot the list was built from: borrowed, valid only right
     * after pane_sync() with the loop's current snapshot */
    const Snapshot *built_for;
    unsigned       built_gen;
};

Pane *pane_new(const PaneOps *ops, void *state, Ui *ui);
void  pane_free(Pane *p);                 /* NULL ok; calls ops->destroy */

/* Rebuild the list when the snapshot or the pane's inputs changed. */
void  pane_sync(Pane *p, const Snapshot *s);
void  pane_list_clear(ListView *l);
void  pane_list_push(ListView *l, int item, int64_t id);
/* The item under the cursor, or -1 when the list is empty. */
int   pane_list_current(const ListView *l);

/* The row of ops' key table that has key, or NULL. */
const PaneKey *pane_key_find(const PaneOps *ops, int key);

/* Generic keys of list panes: j/k/arrows, g/G/Home/End, PgUp/PgDn, n/N,
 * f, Enter, Esc. PANE_HANDLED|PANE_REDRAW when used, else 0. */
PaneResult pane_list_key(Pane *p, int key);
/* Set the `/` pattern and move to the first match at or after the cursor
 * (wrapping). Returns 1 when something matches. */
int   pane_search(Pane *p, const char *pattern, int dir);

/* ---- drawing helpers -------------------------------------------------- */

typedef struct TableCol {
    const char *name;
    int         min, max, weight, prio;
    int         right;           /* right-aligned */
} TableCol;

/* Fill buf with the text of (item, col) and *attr with its attributes. */
typedef void (*TableCellFn)(Pane *p, const Snapshot *s, int item, int col, char *buf,
                            size_t size, attr_t *attr);

/* Header row at y, then the visible rows of p->list to the bottom of w. */
void pane_draw_table(Pane *p, WINDOW *w, const Snapshot *s, int y, const TableCol *cols,
                     int ncols, TableCellFn cell);

/* The width policy of a column (layout.h, LayoutCol want/narrow): a name
 * column wants its width before others grow; a column with a narrow form
 * shrinks to it first, its text then cut without an ellipsis ("Crit").
 * Rows end with col = -1. */
typedef struct TableFit {
    int col, want, narrow;
} TableFit;
void pane_draw_table_fit(Pane *p, WINDOW *w, const Snapshot *s, int y, const TableCol *cols,
                         int ncols, TableCellFn cell, const TableFit *fit);
/* Title line: bold title, then the summary (may be NULL), then the
 * search/filter state on the right. */
void pane_draw_title(WINDOW *w, Pane *p, const char *summary);
/* Text at (y, x) cut to width with an ellipsis; returns columns used. */
int  pane_draw_text(WINDOW *w, int y, int x, int width, const char *text, attr_t a);
/* "key: value" line; returns y + 1. */
int  pane_draw_kv(WINDOW *w, int y, int x, int width, const char *key, attr_t vattr,
                  const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* Wrapped text from y, at most maxlines; returns the next free y. */
int  pane_draw_wrapped(WINDOW *w, int y, int x, int width, int maxlines, const char *text,
                       attr_t a);
/* Centered message (empty states). */
void pane_draw_center(WINDOW *w, int y, const char *text, attr_t a);
/* Epoch seconds as local "YYYY-MM-DD HH:MM" ("-" for 0). */
void pane_fmt_time(int64_t t, char *buf, size_t size);

#endif
