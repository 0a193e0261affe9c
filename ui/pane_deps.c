/* pane_deps — the dependency tree of one service ("depends on", walked
 * downwards) and its reverse ("what breaks if this is down", walked
 * upwards), each node with its status. The root follows the service
 * selected in the Services pane; Enter re-roots at the node under the
 * cursor, `/` finds any service and re-roots on it (issue 11),
 * Backspace goes back. A service already shown in a tree is not
 * expanded again (DAGs stay small), and a cycle is marked. */
#include "panes.h"
#include "layout.h"
#include "theme.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NODE_HEADING, NODE_SERVICE, NODE_BLANK };
enum { MAX_DEPTH = 12, MAX_NODES = 4000, MAX_BACK = 32 };

typedef struct Node {
    int     kind;
    int64_t service_id;
    int     depth, repeated, cycle, more;
    char    prefix[MAX_DEPTH * 12];
    char    text[120];
} Node;

typedef struct DepsState {
    Node   *nodes;
    int     n, cap;
    int64_t root;            /* 0 = follow the selection */
    int64_t followed;        /* selection the root came from */
    int64_t back[MAX_BACK];
    int     nback;
    char   *seen;            /* per service index, one tree at a time */
    int     nseen;
} DepsState;

static Node *add(DepsState *st, int kind)
{
    if (st->n == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 64;
        st->nodes = xrealloc(st->nodes, (size_t)st->cap * sizeof *st->nodes);
    }
    Node *n = &st->nodes[st->n++];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    return n;
}

/* Walk the edges (deps or rdeps) from v, drawing tree prefixes. */
static void walk(DepsState *st, const Snapshot *s, const SnapService *v, int reverse, int depth,
                 const char *prefix, int64_t *path, int npath)
{
    const int64_t *edges = reverse ? v->rdeps : v->deps;
    int n = reverse ? v->nrdeps : v->ndeps;
    const Glyphs *g = theme_glyphs();
    for (int i = 0; i < n; i++) {
        if (st->n >= MAX_NODES)
            return;
        const SnapService *c = snapshot_find_service(s, edges[i]);
        Node *node = add(st, NODE_SERVICE);
        node->service_id = edges[i];
        node->depth = depth;
        snprintf(node->prefix, sizeof node->prefix, "%s%s", prefix,
                 i == n - 1 ? g->tree_last : g->tree_mid);
        for (int k = 0; k < npath; k++)
            if (path[k] == edges[i])
                node->cycle = 1;
        if (!c || node->cycle)
            continue;
        int idx = (int)(c - s->services);
        if (st->seen[idx]) {
            node->repeated = (reverse ? c->nrdeps : c->ndeps) > 0;
            continue;
        }
        st->seen[idx] = 1;
        if (depth + 1 >= MAX_DEPTH) {
            node->more = (reverse ? c->nrdeps : c->ndeps) > 0;
            continue;
        }
        char sub[sizeof node->prefix];
        snprintf(sub, sizeof sub, "%s%s", prefix, i == n - 1 ? g->tree_blank : g->tree_pipe);
        path[npath] = edges[i];
        walk(st, s, c, reverse, depth + 1, sub, path, npath + 1);
    }
}

static void tree(DepsState *st, const Snapshot *s, const SnapService *root, int reverse)
{
    memset(st->seen, 0, (size_t)st->nseen);
    st->seen[root - s->services] = 1;
    Node *r = add(st, NODE_SERVICE);
    r->service_id = root->id;
    int64_t path[MAX_DEPTH + 1] = {root->id};
    walk(st, s, root, reverse, 1, "", path, 1);
    if ((reverse ? root->nrdeps : root->ndeps) == 0) {
        Node *h = add(st, NODE_HEADING);
        snprintf(h->text, sizeof h->text, reverse ? "   (nothing depends on it)"
                                                  : "   (no dependencies)");
    }
}

static void rebuild(Pane *p, const Snapshot *s)
{
    DepsState *st = p->state;
    st->n = 0;
    if (st->nseen < s->nservices) {
        st->seen = xrealloc(st->seen, (size_t)(s->nservices ? s->nservices : 1));
        st->nseen = s->nservices;
    }
    int64_t sel = ui_selected_service(p->ui);
    if (sel && sel != st->followed) {   /* the selection moved: follow it */
        st->root = sel;
        st->followed = sel;
        st->nback = 0;
        p->search[0] = '\0';
    }
    const SnapService *root = snapshot_find_service(s, st->root);
    if (!root && s->nservices)
        root = &s->services[0];
    if (!root)
        return;
    st->root = root->id;
    Node *h = add(st, NODE_HEADING);
    snprintf(h->text, sizeof h->text, "Depends on (what %s needs)", root->name);
    tree(st, s, root, 0);
    add(st, NODE_BLANK);
    h = add(st, NODE_HEADING);
    snprintf(h->text, sizeof h->text, "Impact (what breaks if %s is down)", root->name);
    tree(st, s, root, 1);
    int reverse = 0;   /* ids tell the two trees apart: 2*id, 2*id+1 */
    for (int i = 0; i < st->n; i++) {
        reverse |= st->nodes[i].kind == NODE_BLANK;
        pane_list_push(&p->list, i, st->nodes[i].kind == NODE_SERVICE
                                   ? st->nodes[i].service_id * 2 + reverse : -1 - i);
    }
}

static int match(Pane *p, const Snapshot *s, int item, const char *pat)
{
    DepsState *st = p->state;
    const Node *n = &st->nodes[item];
    char tmp[24];
    return n->kind == NODE_SERVICE &&
           layout_contains(pane_service_name(s, n->service_id, tmp, sizeof tmp), pat);
}

static void draw(Pane *p, WINDOW *w, const Snapshot *s)
{
    DepsState *st = p->state;
    int width = getmaxx(w), h = getmaxy(w);
    int64_t sel = ui_selected_service(p->ui);
    if (sel && sel != st->followed) {
        p->gen++;
        pane_sync(p, s);
    }
    const SnapService *root = snapshot_find_service(s, st->root);
    char sum[200];
    int nd = root ? root->ndeps : 0, nr = root ? root->nrdeps : 0;
    snprintf(sum, sizeof sum, "%s: %d %s, %d %s  (Enter: re-root, Bksp: back)",
             root ? root->name : "-", nd, nd == 1 ? "dependency" : "dependencies",
             nr, nr == 1 ? "dependent" : "dependents");
    pane_draw_title(w, p, sum);
    ListView *l = &p->list;
    l->page = h - 2;
    layout_scroll(l->n, l->page, &l->cursor, &l->top);
    for (int r = 0; r < l->page && l->top + r < l->n; r++) {
        int idx = l->top + r, y = 2 + r;
        const Node *n = &st->nodes[l->items[idx]];
        int sel = idx == l->cursor;
        if (sel) {
            mvwhline(w, y, 0, ' ' | theme_attr(TH_SELECTED), width);
        }
        if (n->kind == NODE_HEADING) {
            pane_draw_text(w, y, 1, width - 2, n->text, sel ? theme_attr(TH_SELECTED)
                                          : n->text[0] == ' ' ? theme_attr(TH_DIM)
                                                              : theme_attr(TH_HEADER));
            continue;
        }
        if (n->kind != NODE_SERVICE)
            continue;
        const SnapService *v = snapshot_find_service(s, n->service_id);
        int x = 1 + pane_draw_text(w, y, 1, width - 2, n->prefix,
                                   sel ? theme_attr(TH_SELECTED) : theme_attr(TH_BORDER));
        char tmp[24];
        const char *name = pane_service_name(s, n->service_id, tmp, sizeof tmp);
        x += pane_draw_text(w, y, x, width - x - 1, name,
                            sel ? theme_attr(TH_SELECTED) : (n->depth ? A_NORMAL : A_BOLD));
        char st_text[64];
        snprintf(st_text, sizeof st_text, " [%s]", v ? status_name(v->status) : "missing");
        x += pane_draw_text(w, y, x, width - x - 1, st_text,
                            sel ? theme_attr(TH_SELECTED) : v ? theme_status(v->status)
                                                         : theme_attr(TH_ERROR));
        const char *note = n->cycle ? " (cycle)" : n->repeated ? " (expanded above)"
                         : n->more ? " (deeper levels not shown)" : "";
        pane_draw_text(w, y, x, width - x - 1, note,
                       sel ? theme_attr(TH_SELECTED) : theme_attr(TH_DIM));
    }
}

static void draw_detail(Pane *p, WINDOW *w, const Snapshot *s)
{
    DepsState *st = p->state;
    int cur = pane_list_current(&p->list);
    int64_t id = cur >= 0 && st->nodes[cur].kind == NODE_SERVICE ? st->nodes[cur].service_id
                                                                 : st->root;
    pane_services_draw_detail(w, s, snapshot_find_service(s, id));
}

/* Enter: re-root the trees at the service under the cursor. */
static PaneResult key_reroot(Pane *p, int key)
{
    (void)key;
    DepsState *st = p->state;
    int cur = pane_list_current(&p->list);
    if (cur < 0 || st->nodes[cur].kind != NODE_SERVICE)
        return PANE_HANDLED;
    if (st->nodes[cur].service_id != st->root) {
        if (st->nback < MAX_BACK)
            st->back[st->nback++] = st->root;
        st->root = st->nodes[cur].service_id;
        p->search[0] = '\0';   /* the label named how the old root was found */
        p->list.cursor = 0;
        p->list.has_sel = 0;
        p->gen++;
    }
    return PANE_HANDLED | PANE_REDRAW;
}

/* Backspace: back to the previous root. */
static PaneResult key_back(Pane *p, int key)
{
    (void)key;
    DepsState *st = p->state;
    if (st->nback) {
        st->root = st->back[--st->nback];
        p->search[0] = '\0';
        p->list.cursor = 0;
        p->list.has_sel = 0;
        p->gen++;
    }
    return PANE_HANDLED | PANE_REDRAW;
}

/* Issue 11: `/` finds any service by name (not only the trees shown) and
 * re-roots the trees on the first match, by id; Bksp goes back. */
static void find_answer(Ui *ui, void *arg, const char *pat)
{
    Pane *p = arg;
    DepsState *st = p->state;
    const Snapshot *s = p->built_for;
    if (!pat || !*pat || !s)
        return;
    for (int i = 0; i < s->nservices; i++) {
        const SnapService *v = &s->services[i];
        if (!layout_contains(v->name, pat))
            continue;
        if (v->id != st->root && st->nback < MAX_BACK)
            st->back[st->nback++] = st->root;
        st->root = v->id;
        p->list.cursor = 0;
        p->list.has_sel = 0;
        p->gen++;
        strlcpy_(p->search, pat, sizeof p->search);
        ui_message(ui, 0, "Dependencies of %s (Bksp: back)", v->name);
        return;
    }
    p->search[0] = '\0';   /* a failed search leaves no "search /old" label */
    ui_message(ui, 1, "No service matches: %s", pat);
}

static PaneResult key_find(Pane *p, int key)
{
    (void)key;
    ui_prompt(p->ui, "/", find_answer, p);
    return PANE_HANDLED | PANE_REDRAW;
}

static const PaneKey deps_keys[] = {
    {{'/'}, "/", "find any service by name and re-root the trees on it", key_find},
    {{UI_KEY_ENTER, '\n', UI_KEY_FN | KEY_ENTER}, "Enter",
     "re-root the trees at the service under the cursor", key_reroot},
    {{UI_KEY_FN | KEY_BACKSPACE, 127, 'h', UI_KEY_FN | KEY_LEFT}, "Bksp h",
     "back to the previous root", key_back},
    {{0}, NULL, NULL, NULL},
};

static void destroy(void *state)
{
    DepsState *st = state;
    free(st->nodes);
    free(st->seen);
    free(st);
}

static const PaneOps deps_ops = {
    .title = "Dependencies",
    .tab = "Deps",
    .draw = draw,
    .keys = deps_keys,
    .draw_detail = draw_detail,
    .destroy = destroy,
    .rebuild = rebuild,
    .match = match,
};

Pane *pane_deps_new(Ui *ui) { return pane_new(&deps_ops, xcalloc(1, sizeof(DepsState)), ui); }
