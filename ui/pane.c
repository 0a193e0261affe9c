/* pane — see pane.h. */
#include "pane.h"
#include "layout.h"
#include "theme.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

Pane *pane_new(const PaneOps *ops, void *state, Ui *ui)
{
    Pane *p = xcalloc(1, sizeof *p);
    p->ops = ops;
    p->state = state;
    p->ui = ui;
    p->gen = 1;
    return p;
}

void pane_free(Pane *p)
{
    if (!p)
        return;
    if (p->ops->destroy)
        p->ops->destroy(p->state);
    free(p->list.items);
    free(p->list.ids);
    free(p);
}

void pane_list_clear(ListView *l) { l->n = 0; }

void pane_list_push(ListView *l, int item, int64_t id)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->items = xrealloc(l->items, (size_t)l->cap * sizeof *l->items);
        l->ids = xrealloc(l->ids, (size_t)l->cap * sizeof *l->ids);
    }
    l->items[l->n] = item;
    l->ids[l->n] = id;
    l->n++;
}

int pane_list_current(const ListView *l)
{
    return l->n > 0 && l->cursor >= 0 && l->cursor < l->n ? l->items[l->cursor] : -1;
}

static void remember(ListView *l)
{
    l->has_sel = l->n > 0;
    if (l->has_sel)
        l->sel_id = l->ids[l->cursor];
}

void pane_sync(Pane *p, const Snapshot *s)
{
    if (!p->ops->rebuild || !s || (p->built_for == s && p->built_gen == p->gen))
        return;
    ListView *l = &p->list;
    pane_list_clear(l);
    p->ops->rebuild(p, s);
    if (p->filter && p->search[0] && p->ops->match) {
        int k = 0;
        for (int i = 0; i < l->n; i++)
            if (p->ops->match(p, s, l->items[i], p->search)) {
                l->items[k] = l->items[i];
                l->ids[k] = l->ids[i];
                k++;
            }
        l->n = k;
    }
    if (!l->moved) {
        l->cursor = l->top = 0;      /* nobody chose a row yet: the first one */
    } else if (l->has_sel) {
        /* keep the cursor on the same object: look near the old place first */
        int found = -1;
        if (l->cursor < l->n && l->ids[l->cursor] == l->sel_id)
            found = l->cursor;
        for (int i = 0; found < 0 && i < l->n; i++)
            if (l->ids[i] == l->sel_id)
                found = i;
        if (found >= 0)
            l->cursor = found;
    }
    layout_scroll(l->n, l->page, &l->cursor, &l->top);
    remember(l);
    p->built_for = s;
    p->built_gen = p->gen;
}

int pane_search(Pane *p, const char *pattern, int dir)
{
    if (pattern != p->search)
        strlcpy_(p->search, pattern ? pattern : "", sizeof p->search);
    if (p->filter)
        p->gen++;
    const Snapshot *s = p->built_for;
    ListView *l = &p->list;
    if (!p->search[0] || !p->ops->match || !s)
        return 0;
    pane_sync(p, s);
    for (int k = 0; k < l->n; k++) {
        int i = ((l->cursor + (dir >= 0 ? k : -k)) % l->n + l->n) % l->n;
        if (p->ops->match(p, s, l->items[i], p->search)) {
            l->cursor = i;
            l->moved = 1;
            layout_scroll(l->n, l->page, &l->cursor, &l->top);
            remember(l);
            return 1;
        }
    }
    return 0;
}

const PaneKey *pane_key_find(const PaneOps *ops, int key)
{
    for (const PaneKey *k = ops->keys; k && k->label; k++)
        for (int i = 0; i < 4 && k->keys[i]; i++)
            if (k->keys[i] == key)
                return k;
    return NULL;
}

PaneResult pane_list_key(Pane *p, int key)
{
    ListView *l = &p->list;
    int page = l->page > 1 ? l->page - 1 : 1;
    int old = l->cursor;
    switch (key) {
    case 'j': case UI_KEY_FN | KEY_DOWN: l->cursor++; break;
    case 'k': case UI_KEY_FN | KEY_UP: l->cursor--; break;
    case 'g': case UI_KEY_FN | KEY_HOME: l->cursor = 0; break;
    case 'G': case UI_KEY_FN | KEY_END: l->cursor = l->n - 1; break;
    case UI_KEY_FN | KEY_NPAGE: case 6 /* ^F */: l->cursor += page; l->top += page; break;
    case UI_KEY_FN | KEY_PPAGE: case 2 /* ^B */: l->cursor -= page; l->top -= page; break;
    case 'n': case 'N': {
        if (!p->search[0]) {
            ui_message(p->ui, 0, "No search pattern: press / first");
            return PANE_HANDLED;
        }
        int save = l->cursor;
        l->cursor += key == 'n' ? 1 : -1;
        if (l->n)
            l->cursor = (l->cursor + l->n) % l->n;
        if (!pane_search(p, p->search, key == 'n' ? 1 : -1)) {
            l->cursor = save;
            ui_message(p->ui, 1, "Pattern not found: %s", p->search);
        }
        return PANE_HANDLED | PANE_REDRAW;
    }
    case 'f':
        if (!p->ops->match)
            return 0;
        if (!p->search[0] && !p->filter) {
            ui_message(p->ui, 0, "Filter: set a pattern with / first");
            return PANE_HANDLED;
        }
        p->filter = !p->filter;
        p->gen++;
        ui_message(p->ui, 0, p->filter ? "Filter on: only rows matching \"%s\""
                                       : "Filter off%s", p->filter ? p->search : "");
        return PANE_HANDLED | PANE_REDRAW;
    case UI_KEY_ENTER: case '\n': case UI_KEY_FN | KEY_ENTER:
        if (!p->ops->draw_detail || !l->n)
            return 0;
        p->detail = !p->detail;
        return PANE_HANDLED | PANE_REDRAW;
    case UI_KEY_ESC:
        if (p->detail) {
            p->detail = 0;
        } else if (p->filter || p->search[0]) {
            if (p->filter)
                p->gen++;
            p->filter = 0;
            p->search[0] = '\0';
        } else {
            return 0;
        }
        return PANE_HANDLED | PANE_REDRAW;
    default:
        return 0;
    }
    layout_scroll(l->n, l->page, &l->cursor, &l->top);
    remember(l);
    l->moved = 1;
    (void)old;
    return PANE_HANDLED | PANE_REDRAW;
}

/* ---- drawing ------------------------------------------------------------ */

int pane_draw_text(WINDOW *w, int y, int x, int width, const char *text, attr_t a)
{
    char buf[1024];
    int n = layout_truncate(text ? text : "", width, theme_glyphs()->ellipsis, buf, sizeof buf);
    if (n <= 0)
        return 0;
    wattrset(w, a);
    mvwaddstr(w, y, x, buf);
    wattrset(w, A_NORMAL);
    return n;
}

void pane_draw_center(WINDOW *w, int y, const char *text, attr_t a)
{
    int width = getmaxx(w), tw = layout_width(text);
    int x = tw < width ? (width - tw) / 2 : 0;
    pane_draw_text(w, y, x, width - x, text, a);
}

int pane_draw_kv(WINDOW *w, int y, int x, int width, const char *key, attr_t vattr,
                 const char *fmt, ...)
{
    if (y >= getmaxy(w))
        return y + 1;
    char val[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(val, sizeof val, fmt, ap);
    va_end(ap);
    int kw = 14;
    pane_draw_text(w, y, x, kw, key, theme_attr(TH_DIM));
    pane_draw_text(w, y, x + kw, width - kw, val, vattr);
    return y + 1;
}

int pane_draw_wrapped(WINDOW *w, int y, int x, int width, int maxlines, const char *text, attr_t a)
{
    int starts[64], lens[64];
    if (maxlines > 64)
        maxlines = 64;
    if (!text)
        text = "";
    /* the box may be shorter than the text, or the window shorter than
     * the box: either way the last line shown says that more follows */
    int room = getmaxy(w) - y;
    if (room < maxlines)
        maxlines = room > 0 ? room : 0;
    if (!maxlines)
        return y;
    const char *ell = theme_glyphs()->ellipsis;
    int clipped, ew = layout_width(ell);
    int n = layout_wrap_clip(text, width, ew + 1, starts, lens, maxlines, &clipped);
    for (int i = 0; i < n && y < getmaxy(w); i++, y++) {
        char line[1024];
        int len = lens[i] < (int)sizeof line - 8 ? lens[i] : (int)sizeof line - 8;
        memcpy(line, text + starts[i], (size_t)len);
        line[len] = '\0';
        if (clipped && i == n - 1)
            snprintf(line + len, sizeof line - (size_t)len, " %s", ell);
        pane_draw_text(w, y, x, width, line, a);
    }
    return y;
}

void pane_draw_title(WINDOW *w, Pane *p, const char *summary)
{
    int width = getmaxx(w);
    int x = 1 + pane_draw_text(w, 0, 1, width - 2, p->ops->title, theme_attr(TH_TITLE));
    if (summary)
        x += 2 + pane_draw_text(w, 0, x + 2, width - x - 3, summary, A_NORMAL);
    if (p->search[0]) {
        char right[200];
        snprintf(right, sizeof right, "%s /%s ", p->filter ? "filter" : "search", p->search);
        int rw = layout_width(right);
        if (x + 2 + rw < width)
            pane_draw_text(w, 0, width - rw, rw, right, theme_attr(TH_MATCH));
    }
}

void pane_fmt_time(int64_t t, char *buf, size_t size)
{
    if (!t) {
        strlcpy_(buf, "-", size);
        return;
    }
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    strftime(buf, size, "%Y-%m-%d %H:%M", &tm);
}

void pane_draw_table(Pane *p, WINDOW *w, const Snapshot *s, int y, const TableCol *cols,
                     int ncols, TableCellFn cell)
{
    pane_draw_table_fit(p, w, s, y, cols, ncols, cell, NULL);
}

/* Text in a column of width wd: cut plainly when the column is at its
 * narrow form (cut = 1), else with the usual ellipsis. */
static void table_text(WINDOW *w, int y, int x, int wd, int cut, const char *text, attr_t a)
{
    char buf[512];
    if (cut && layout_width(text) > wd) {
        layout_truncate(text, wd, NULL, buf, sizeof buf);
        text = buf;
    }
    pane_draw_text(w, y, x, wd, text, a);
}

void pane_draw_table_fit(Pane *p, WINDOW *w, const Snapshot *s, int y, const TableCol *cols,
                         int ncols, TableCellFn cell, const TableFit *fit)
{
    enum { MAXC = 16 };
    int width = getmaxx(w), height = getmaxy(w);
    LayoutCol lc[MAXC] = {{0}};
    int wd[MAXC] = {0}, cut[MAXC] = {0};
    if (ncols > MAXC)
        ncols = MAXC;
    for (int i = 0; i < ncols; i++)
        lc[i] = (LayoutCol){cols[i].min, cols[i].max, cols[i].weight, cols[i].prio, 0, 0};
    for (const TableFit *f = fit; f && f->col >= 0; f++)
        if (f->col < ncols) {
            lc[f->col].want = f->want;
            lc[f->col].narrow = f->narrow;
        }
    layout_fit_columns(lc, ncols, width - 2, 1, wd);
    for (int i = 0; i < ncols; i++)
        cut[i] = lc[i].narrow > 0 && wd[i] > 0 && wd[i] < lc[i].min;

    /* header */
    mvwhline(w, y, 0, ' ' | theme_attr(TH_HEADER), width);
    for (int i = 0, x = 1; i < ncols; i++) {
        if (!wd[i])
            continue;
        int tw = layout_width(cols[i].name);
        int off = cols[i].right && tw < wd[i] ? wd[i] - tw : 0;
        table_text(w, y, x + off, wd[i], cut[i], cols[i].name, theme_attr(TH_HEADER));
        x += wd[i] + 1;
    }
    wattrset(w, A_NORMAL);
    y++;

    ListView *l = &p->list;
    l->page = height - y;
    if (l->page < 1)
        l->page = 1;
    layout_scroll(l->n, l->page, &l->cursor, &l->top);
    for (int r = 0; r < l->page && l->top + r < l->n; r++) {
        int idx = l->top + r;
        int item = l->items[idx];
        int sel = idx == l->cursor;
        int hit = p->search[0] && !p->filter && p->ops->match &&
                  p->ops->match(p, s, item, p->search);
        if (sel) {
            mvwhline(w, y + r, 0, ' ' | theme_attr(TH_SELECTED), width);
        } else if (hit) {
            pane_draw_text(w, y + r, 0, 1, ">", theme_attr(TH_MATCH));
        }
        for (int i = 0, x = 1; i < ncols; i++) {
            if (!wd[i])
                continue;
            char buf[512];
            attr_t a = A_NORMAL;
            buf[0] = '\0';
            cell(p, s, item, i, buf, sizeof buf, &a);
            if (sel)
                a = theme_attr(TH_SELECTED);
            int tw = layout_width(buf);
            int off = cols[i].right && tw < wd[i] ? wd[i] - tw : 0;
            table_text(w, y + r, x + off, wd[i] - off, cut[i], buf, a);
            x += wd[i] + 1;
        }
    }
    if (!l->n && p->filter)
        pane_draw_center(w, y + 1, "(no rows match the filter; Esc clears it)", theme_attr(TH_DIM));
    else if (!l->n && (!p->ops->empty || *p->ops->empty))
        pane_draw_center(w, y + 1, p->ops->empty ? p->ops->empty : "(nothing here yet)",
                         theme_attr(TH_DIM));
}
