/* rootcause — see rootcause.h.
 *
 * HOW: index the services by id (they come sorted), build the reverse
 * edges (who depends on whom) as one CSR array, then
 *  1. one multi-source walk downstream from every impaired service marks
 *     the services that have an impaired ancestor; the impaired services
 *     left unmarked are the roots;
 *  2. one breadth-first walk downstream from each root (in id order)
 *     offers that root to every service it reaches, with its distance;
 *     a service keeps the better offer (Down, then farther, then the
 *     earlier root, i.e. the lower id).
 * Linear in the graph per root; roots are few (an outage has one).
 */
#include "domain/rootcause.h"
#include "store/alert_repo.h"
#include "store/service_repo.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int find(const RcGraph *g, int64_t id)
{
    int lo = 0, hi = g->n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (g->ids[mid] == id)
            return mid;
        if (g->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* Reverse adjacency: for service i, its dependents are adj[off[i]..off[i+1]). */
typedef struct Rev {
    int *off, *adj;
} Rev;

static void rev_build(const RcGraph *g, Rev *r)
{
    r->off = xcalloc((size_t)g->n + 1, sizeof *r->off);
    r->adj = xmalloc(((size_t)g->nedges + 1) * sizeof *r->adj);
    int *fill = xcalloc((size_t)g->n + 1, sizeof *fill);
    for (int k = 0; k < g->nedges; k++) {
        int a = find(g, g->from[k]), b = find(g, g->to[k]);
        if (a >= 0 && b >= 0 && a != b)
            r->off[b + 1]++;
    }
    for (int i = 0; i < g->n; i++)
        r->off[i + 1] += r->off[i];
    for (int k = 0; k < g->nedges; k++) {
        int a = find(g, g->from[k]), b = find(g, g->to[k]);
        if (a >= 0 && b >= 0 && a != b)
            r->adj[r->off[b] + fill[b]++] = a;
    }
    free(fill);
}

/* 1: mark[i] = 1 when service i has an impaired ancestor. */
static void mark_blocked(const RcGraph *g, const Rev *r, int *queue, char *mark)
{
    int head = 0, tail = 0;
    for (int i = 0; i < g->n; i++)
        if (g->impaired[i])
            queue[tail++] = i;
    while (head < tail) {
        int u = queue[head++];
        for (int k = r->off[u]; k < r->off[u + 1]; k++) {
            int v = r->adj[k];
            if (!mark[v]) {
                mark[v] = 1;
                queue[tail++] = v;
            }
        }
    }
}

typedef struct Offer {
    int root;       /* index, -1 none */
    int sev, dist;
} Offer;

/* 2: walk downstream from root and offer it to every service reached. */
static void offer_root(const RcGraph *g, const Rev *r, int root, int *queue, int *dist,
                       Offer *best)
{
    for (int i = 0; i < g->n; i++)
        dist[i] = -1;
    int head = 0, tail = 0;
    dist[root] = 0;
    queue[tail++] = root;
    while (head < tail) {
        int u = queue[head++];
        for (int k = r->off[u]; k < r->off[u + 1]; k++) {
            int v = r->adj[k];
            if (dist[v] >= 0)
                continue;
            dist[v] = dist[u] + 1;
            queue[tail++] = v;
            Offer *b = &best[v];
            int sev = g->impaired[root];
            if (b->root < 0 || sev > b->sev || (sev == b->sev && dist[v] > b->dist)) {
                b->root = root;
                b->sev = sev;
                b->dist = dist[v];
            }
        }
    }
}

int rootcause_compute(const RcGraph *g, int64_t *out_root, int *out_dependents)
{
    if (g->n <= 0)
        return 0;
    Rev r;
    rev_build(g, &r);
    int *queue = xmalloc(2 * (size_t)g->n * sizeof *queue);
    int *dist = xmalloc((size_t)g->n * sizeof *dist);
    char *mark = xcalloc((size_t)g->n, 1);
    Offer *best = xmalloc((size_t)g->n * sizeof *best);
    for (int i = 0; i < g->n; i++)
        best[i] = (Offer){-1, 0, 0};
    mark_blocked(g, &r, queue, mark);
    for (int i = 0; i < g->n; i++)
        if (g->impaired[i] && !mark[i])
            offer_root(g, &r, i, queue, dist, best);
    int count = 0;
    if (out_dependents)
        memset(out_dependents, 0, (size_t)g->n * sizeof *out_dependents);
    for (int i = 0; i < g->n; i++) {
        out_root[i] = best[i].root >= 0 ? g->ids[best[i].root] : 0;
        if (best[i].root >= 0) {
            count++;
            if (out_dependents && (!g->affected || g->affected[i]))
                out_dependents[best[i].root]++;
        }
    }
    free(best);
    free(mark);
    free(dist);
    free(queue);
    free(r.off);
    free(r.adj);
    return count;
}

int rootcause_impairment(const char *status)
{
    if (!status)
        return RC_OK;
    if (strcmp(status, "Down") == 0)
        return RC_DOWN;
    if (strcmp(status, "Degraded") == 0)
        return RC_DEGRADED;
    return RC_OK;
}

int rootcause_folds(const char *kind, int resolved)
{
    return !resolved && kind && strcmp(kind, "condition") == 0;
}

int rootcause_affected(Store *st, const int64_t *ids, const int *impaired, int n, char *out)
{
    int64_t *open;
    int m = alert_repo_condition_services(st, &open);
    if (m < 0)
        return -EIO;
    for (int i = 0, k = 0; i < n; i++) {
        while (k < m && open[k] < ids[i])
            k++;
        out[i] = impaired[i] != RC_OK || (k < m && open[k] == ids[i]);
    }
    free(open);
    return 0;
}

int rootcause_load(Store *st, RootCauses *out)
{
    ServiceSet set;
    memset(out, 0, sizeof *out);
    if (service_repo_load_all(st, &set) < 0)
        return -EIO;
    int n = set.n;
    out->n = n;
    out->ids = xmalloc(((size_t)n + 1) * sizeof *out->ids);
    out->root = xmalloc(((size_t)n + 1) * sizeof *out->root);
    out->dependents = xmalloc(((size_t)n + 1) * sizeof *out->dependents);
    out->has_deps = xcalloc((size_t)n + 1, 1);
    int *imp = xmalloc(((size_t)n + 1) * sizeof *imp);
    for (int i = 0; i < n; i++) {
        out->ids[i] = set.rows[i].id;
        imp[i] = rootcause_impairment(set.rows[i].status);
    }
    for (int k = 0; k < set.ndeps; k++) {
        int i = service_set_find(&set, set.dep_from[k]);
        if (i >= 0)
            out->has_deps[i] = 1;
    }
    char *aff = xmalloc((size_t)n + 1);
    int r = rootcause_affected(st, out->ids, imp, n, aff);
    RcGraph g = {out->ids, imp, n, set.dep_from, set.dep_to, set.ndeps, aff};
    if (r == 0)
        rootcause_compute(&g, out->root, out->dependents);
    free(aff);
    free(imp);
    service_set_free(&set);
    if (r < 0)
        rootcause_free(out);
    return r;
}

void rootcause_free(RootCauses *rc)
{
    if (!rc)
        return;
    free(rc->ids);
    free(rc->root);
    free(rc->dependents);
    free(rc->has_deps);
    memset(rc, 0, sizeof *rc);
}

static int rc_index(const RootCauses *rc, int64_t id)
{
    RcGraph g = {.ids = rc->ids, .n = rc->n};
    return find(&g, id);
}

int64_t rootcause_of(const RootCauses *rc, int64_t id)
{
    int i = rc_index(rc, id);
    return i >= 0 ? rc->root[i] : 0;
}

int rootcause_dependents(const RootCauses *rc, int64_t id)
{
    int i = rc_index(rc, id);
    return i >= 0 ? rc->dependents[i] : 0;
}

int rootcause_has_deps(const RootCauses *rc, int64_t id)
{
    int i = rc_index(rc, id);
    return i >= 0 && rc->has_deps[i];
}
