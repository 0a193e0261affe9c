/* snapshot — see snapshot.h.
 *
 * DESIGN: a Snapshot is built whole by one thread and never changed after
 * publication; the refcount is the only shared mutable field and is
 * updated atomically. The box holds the newest one under a mutex only for
 * the pointer swap (and numbers it there), so readers and the engine never
 * wait on each other's work. The wake pipe carries no data: a readable
 * pipe means "look again". Requests go the other way, from a reader to
 * the publisher, through the function main.c gave the box's source.
 */
#include "snapshot.h"
#include "store/alert_repo.h"
#include "store/audit_repo.h"
#include "store/downtime_repo.h"
#include "store/incident_audit_repo.h"
#include "store/sla_repo.h"
#include "store/category_repo.h"
#include "store/resolution_repo.h"
#include "domain/actions.h"
#include "domain/incidents.h"
#include "domain/notify.h"
#include "domain/playbook.h"
#include "domain/flapping.h"
#include "domain/rootcause.h"
#include "domain/silences.h"
#include "store/listing_repo.h"
#include "store/oncall_repo.h"
#include "store/service_repo.h"
#include "store/view_repo.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void fill_services(Snapshot *s, ServiceSet *set)
{
    s->services = xcalloc((size_t)(set->n ? set->n : 1), sizeof *s->services);
    s->nservices = set->n;
    int e = 0;
    for (int i = 0; i < set->n; i++) {
        ServiceLoadRow *r = &set->rows[i];
        SnapService *v = &s->services[i];
        v->id = r->id;
        /* take ownership of the loaded strings; the set forgets them */
        v->name = r->name;
        v->description = r->description;
        v->criticality = r->criticality;
        v->impact = r->impact;
        v->risk_reason = r->risk_reason;
        r->name = r->description = r->criticality = r->impact = r->risk_reason = NULL;
        v->has_status = r->status != NULL;
        v->status = STATUS_UNKNOWN;
        if (r->status)
            status_parse(r->status, &v->status);
        s->status_counts[v->status]++;
        v->has_bia = r->has_bia;
        v->has_rto = r->has_rto;
        v->rto = r->rto;
        v->has_rpo = r->has_rpo;
        v->rpo = r->rpo;
        v->has_risk = r->has_risk;
        v->risk_score = r->risk_score;
        v->is_critical = r->risk_critical;
        v->risk_level = RISK_LOW;
        if (r->risk_level)
            risk_level_parse(r->risk_level, &v->risk_level);
        v->last_updated = r->last_updated;
        v->has_probe = r->has_probe;
        while (e < set->ndeps && set->dep_from[e] < r->id)
            e++;
        int start = e;
        while (e < set->ndeps && set->dep_from[e] == r->id)
            e++;
        v->ndeps = e - start;
        if (v->ndeps) {
            v->deps = xmalloc((size_t)v->ndeps * sizeof *v->deps);
            memcpy(v->deps, set->dep_to + start, (size_t)v->ndeps * sizeof *v->deps);
        }
    }
}

/* Issue 11: each service's root cause (blocked_by: only an affected
 * service, rootcause.h) and its affected dependents. 0 or -EIO. */
static int fill_root_causes(Snapshot *s, const ServiceSet *set, Store *st)
{
    int n = set->n;
    size_t cap = (size_t)n + 1;
    int64_t *ids = xmalloc(cap * sizeof *ids), *root = xmalloc(cap * sizeof *root);
    int *imp = xmalloc(cap * sizeof *imp), *deps = xmalloc(cap * sizeof *deps);
    for (int i = 0; i < n; i++) {
        ids[i] = set->rows[i].id;
        imp[i] = rootcause_impairment(set->rows[i].status);
    }
    char *aff = xmalloc(cap);
    int r = rootcause_affected(st, ids, imp, n, aff);
    RcGraph g = {ids, imp, n, set->dep_from, set->dep_to, set->ndeps, aff};
    if (r == 0)
        rootcause_compute(&g, root, deps);
    for (int i = 0; r == 0 && i < n; i++) {
        s->services[i].blocked_by = aff[i] ? root[i] : 0;
        s->services[i].ndependents_blocked = deps[i];
    }
    free(aff);
    free(ids);
    free(root);
    free(imp);
    free(deps);
    return r;
}

/* Reverse dependency lists: one array for all edges, sliced per service. */
static void fill_rdeps(Snapshot *s)
{
    int total = 0;
    for (int i = 0; i < s->nservices; i++)
        total += s->services[i].ndeps;
    s->rdep_ids = xmalloc((size_t)(total ? total : 1) * sizeof *s->rdep_ids);
    for (int i = 0; i < s->nservices; i++)
        for (int k = 0; k < s->services[i].ndeps; k++) {
            SnapService *t = (SnapService *)snapshot_find_service(s, s->services[i].deps[k]);
            if (t)
                t->nrdeps++;
        }
    int off = 0;
    for (int i = 0; i < s->nservices; i++) {
        s->services[i].rdeps = s->rdep_ids + off;
        off += s->services[i].nrdeps;
        s->services[i].nrdeps = 0;
    }
    for (int i = 0; i < s->nservices; i++)
        for (int k = 0; k < s->services[i].ndeps; k++) {
            SnapService *t = (SnapService *)snapshot_find_service(s, s->services[i].deps[k]);
            if (t)
                t->rdeps[t->nrdeps++] = s->services[i].id;
        }
}

/* Per-service detail: probe state, integrations, recent downtimes, uptime
 * over the last SNAPSHOT_UPTIME_DAYS. 0 or -EIO. */
static int fill_detail(Snapshot *s, Store *st)
{
    int64_t now = s->built_at;
    s->ndowntimes = downtime_repo_load_since(st, now - SNAPSHOT_DOWNTIME_DAYS * 86400LL,
                                             &s->downtimes);
    s->nprobes = view_repo_probes(st, &s->probes);
    s->ninteg = view_repo_integrations(st, &s->integ);
    if (s->ndowntimes < 0 || s->nprobes < 0 || s->ninteg < 0)
        return -EIO;
    const int64_t window = SNAPSHOT_UPTIME_DAYS * 86400LL, from = now - window;
    for (int i = 0; i < s->nservices; i++) {
        s->services[i].uptime_pct = 100.0;
        s->services[i].integration_types = "";
    }
    for (int i = 0; i < s->ndowntimes;) {
        int j = i;
        while (j < s->ndowntimes && s->downtimes[j].service_id == s->downtimes[i].service_id)
            j++;
        SnapService *v = (SnapService *)snapshot_find_service(s, s->downtimes[i].service_id);
        if (v) {
            v->downtimes = s->downtimes + i;
            v->ndowntimes = j - i;
            int64_t down = 0;
            for (int k = i; k < j; k++) {
                const DowntimeRow *d = &s->downtimes[k];
                int64_t a = d->start_time > from ? d->start_time : from;
                int64_t b = d->end_time ? d->end_time : now;
                if (b > now)
                    b = now;
                if (b > a)
                    down += b - a;
                if (!d->end_time)
                    v->down_since = d->start_time;
            }
            double up = 100.0 * (double)(window - down) / (double)window;
            v->uptime_pct = up < 0 ? 0 : up > 100 ? 100 : up;
        }
        i = j;
    }
    for (int i = 0; i < s->nprobes; i++) {
        SnapService *v = (SnapService *)snapshot_find_service(s, s->probes[i].service_id);
        if (v)
            v->probe = &s->probes[i];
    }
    for (int i = 0; i < s->ninteg; i++) {
        SnapService *v = (SnapService *)snapshot_find_service(s, s->integ[i].service_id);
        if (v) {
            v->integrations = s->integ[i].count;
            v->integration_types = s->integ[i].types;
        }
    }
    return 0;
}

/* 1 when a run of the category would act (domain/incidents.h: the stored
 * playbook, else the host playbook file's, else the seed's defaults); a
 * playbook that cannot be read counts as acting (the runner will say what
 * is wrong, the console must not claim it does nothing). */
/* Issue 11: each service's runbook and whether it is flapping. */
static int fill_oncall(Snapshot *s, Store *st)
{
    int64_t *ids;
    char **urls;
    int n = oncall_repo_runbooks(st, &ids, &urls);
    if (n < 0)
        return -EIO;
    for (int i = 0; i < n; i++) {
        SnapService *v = (SnapService *)snapshot_find_service(s, ids[i]);
        if (v && !v->runbook_url)
            v->runbook_url = urls[i];
        else
            free(urls[i]);
    }
    free(ids);
    free(urls);
    n = oncall_repo_services_with_open(st, ALERT_FLAPPING, &ids);
    if (n < 0)
        return -EIO;
    for (int i = 0; i < n; i++) {
        SnapService *v = (SnapService *)snapshot_find_service(s, ids[i]);
        if (v)
            v->flapping = 1;
    }
    free(ids);
    return 0;
}

static int category_acts(Store *st, const char *category)
{
    return incidents_playbook_acts(st, category) != 0;
}

/* The same without a row in the database: the playbook file's, else the
 * seed's defaults (which only record). */
static int category_acts_unstored(const char *category)
{
    Playbook pb;
    char err[400];
    int r = actions_category(category, &pb, err, sizeof err);
    if (r < 0)
        return 1;
    if (r == 0)
        return 0;
    int acts = playbook_acts(&pb);
    playbook_free(&pb);
    return acts;
}

static int fill_categories(Snapshot *s, Store *st)
{
    CategoryRow *rows;
    int n = category_repo_list(st, &rows);
    if (n < 0)
        return -EIO;
    s->categories = xcalloc((size_t)(n ? n : 1), sizeof *s->categories);
    s->ncategories = n;
    for (int i = 0; i < n; i++) {
        SnapCategory *c = &s->categories[i];
        strlcpy_(c->name, rows[i].category, sizeof c->name);
        c->enabled = rows[i].auto_resolution_enabled;
        c->acts = category_acts(st, rows[i].category);
        strlcpy_(c->kill_actor, rows[i].kill_actor, sizeof c->kill_actor);
        strlcpy_(c->kill_reason, rows[i].kill_reason, sizeof c->kill_reason);
        c->kill_at = rows[i].kill_at;
        category_row_free(&rows[i]);
    }
    free(rows);
    return 0;
}

const SnapCategory *snapshot_find_category(const Snapshot *s, const char *name)
{
    for (int i = 0; s && name && i < s->ncategories; i++)
        if (!strcmp(s->categories[i].name, name))
            return &s->categories[i];
    return NULL;
}

int snapshot_category_acts(const Snapshot *s, const char *name)
{
    const SnapCategory *c = snapshot_find_category(s, name);
    return c ? c->acts : category_acts_unstored(name);
}

Snapshot *snapshot_build(Store *st, int is_engine, int64_t tick_at)
{
    return snapshot_build_capped(st, is_engine, tick_at, SNAPSHOT_MAX_ALERTS);
}

Snapshot *snapshot_build_capped(Store *st, int is_engine, int64_t tick_at, int max_alerts)
{
    if (max_alerts <= 0 || max_alerts > SNAPSHOT_MAX_ALERTS)
        max_alerts = SNAPSHOT_MAX_ALERTS;
    Snapshot *s = xcalloc(1, sizeof *s);
    s->refs = 1;
    s->built_at = util_now();
    s->tick_at = tick_at;
    s->is_engine = is_engine;

    /* one read transaction: every list is from the same moment */
    if (store_begin_read(st) < 0) {
        free(s);
        return NULL;
    }
    ServiceSet set;
    int ok = service_repo_load_all(st, &set) == 0;
    /* inside the read transaction (the load above opened it): the version
     * and the outbox counts are of the same moment as the lists */
    s->version = snapshot_store_version(st);
    s->outbox_known = notify_counts(st, &s->outbox_queued, &s->outbox_dead) == 0;
    if (ok) {
        fill_services(s, &set);
        int roots = fill_root_causes(s, &set, st) == 0;
        service_set_free(&set);
        fill_rdeps(s);
        ok = roots && fill_detail(s, st) == 0 && fill_oncall(s, st) == 0;
    }
    if (ok) {
        s->alerts = xmalloc((size_t)max_alerts * sizeof *s->alerts);
        s->nalerts = alert_repo_list(st, s->alerts, max_alerts);
        s->partial = max_alerts < SNAPSHOT_MAX_ALERTS && s->nalerts == max_alerts;
        s->breaches = xmalloc(SNAPSHOT_MAX_BREACHES * sizeof *s->breaches);
        s->nbreaches = sla_repo_list(st, s->breaches, SNAPSHOT_MAX_BREACHES);
        s->audit = xmalloc(SNAPSHOT_MAX_AUDIT * sizeof *s->audit);
        s->naudit = audit_repo_list(st, NULL, s->audit, SNAPSHOT_MAX_AUDIT);
        KillSwitchState ks;
        ok = s->nalerts >= 0 && s->nbreaches >= 0 && s->naudit >= 0 &&
             alert_repo_count_open(st, s->unacked) == 0 && resolution_repo_get_kill(st, &ks) == 0;
        if (ok) {
            s->kill_switch = ks.active;
            strlcpy_(s->kill_reason, ks.reason, sizeof s->kill_reason);
            strlcpy_(s->kill_actor, ks.actor, sizeof s->kill_actor);
            s->kill_at = ks.at;
            s->incidents = xmalloc(SNAPSHOT_MAX_INCIDENTS * sizeof *s->incidents);
            s->nincidents = view_repo_incidents(st, s->incidents, SNAPSHOT_MAX_INCIDENTS);
            s->incident_audit = xmalloc(SNAPSHOT_MAX_INCIDENT_AUDIT * sizeof *s->incident_audit);
            s->nincident_audit = incident_audit_repo_list(st, NULL, NULL, s->incident_audit,
                                                          SNAPSHOT_MAX_INCIDENT_AUDIT, 0);
            s->incident_progress = xmalloc(SNAPSHOT_MAX_INCIDENTS * sizeof *s->incident_progress);
            int np = incident_repo_progress(st, s->incident_progress, SNAPSHOT_MAX_INCIDENTS);
            s->nincident_steps = incident_repo_step_views(st, SNAPSHOT_MAX_INCIDENTS,
                                                          &s->incident_steps);
            ok = s->nincidents >= 0 && s->nincident_audit >= 0 && np == s->nincidents &&
                 s->nincident_steps >= 0 && fill_categories(s, st) == 0 &&
                 silences_for_snapshot(st, s->built_at, &s->silences, &s->nsilences,
                                       &s->alert_silences, &s->nalert_silences) == 0;
        }
    }
    store_end_read(st);
    if (!ok) {
        log_error("snapshot: read failed: %s", store_errmsg(st));
        s->nalerts = s->nbreaches = s->naudit = s->nincidents = s->nincident_audit = 0;
        s->nincident_steps = 0;
        snapshot_unref(s);
        return NULL;
    }
    return s;
}

int64_t snapshot_store_version(Store *st)
{
    int64_t others, own;
    if (listing_version(st, &others, &own) < 0)
        return -1;
    return others + own;
}

int snapshot_newer(const Snapshot *s, const Snapshot *cur)
{
    if (!s || s == cur)
        return 0;
    if (!cur || !cur->seq)
        return 1;                 /* nothing yet, or the reader's own first frame */
    if (!s->seq)
        return 0;                 /* an unpublished one never replaces a published one */
    if (s->version != cur->version)
        return s->version > cur->version;
    return s->seq > cur->seq;     /* the same data published again: a new role or tick */
}

Snapshot *snapshot_ref(Snapshot *s)
{
    if (s)
        __atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
    return s;
}

void snapshot_unref(Snapshot *s)
{
    if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    for (int i = 0; i < s->nservices; i++) {
        SnapService *v = &s->services[i];
        free(v->name);
        free(v->description);
        free(v->criticality);
        free(v->impact);
        free(v->risk_reason);
        free(v->deps);
        free(v->runbook_url);
    }
    free(s->services);
    free(s->alerts);
    free(s->breaches);
    free(s->audit);
    free(s->incidents);
    free(s->incident_audit);
    free(s->incident_progress);
    free(s->incident_steps);
    free(s->downtimes);
    free(s->probes);
    free(s->integ);
    free(s->rdep_ids);
    free(s->categories);
    free(s->silences);
    free(s->alert_silences);
    free(s);
}

const SnapService *snapshot_find_service(const Snapshot *s, int64_t id)
{
    int lo = 0, hi = s->nservices - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (s->services[mid].id == id)
            return &s->services[mid];
        if (s->services[mid].id < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}

struct SnapshotBox {
    pthread_mutex_t lock;
    pthread_cond_t  cond;
    Snapshot       *current;
    SnapMetrics    *metrics;
    uint64_t        seq;
    int             pipe[2];
    /* the source's requests go here (snapshot_box_source); set once */
    SnapshotRequestFn request;
    void             *request_ctx;
};

SnapshotBox *snapshot_box_new(void)
{
    SnapshotBox *b = xcalloc(1, sizeof *b);
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->cond, NULL);
    if (pipe2(b->pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
        log_error("snapshot: pipe: %s", strerror(errno));
        b->pipe[0] = b->pipe[1] = -1;
    }
    return b;
}

void snapshot_box_free(SnapshotBox *b)
{
    if (!b)
        return;
    snapshot_unref(b->current);
    snap_metrics_unref(b->metrics);
    if (b->pipe[0] >= 0) {
        close(b->pipe[0]);
        close(b->pipe[1]);
    }
    pthread_cond_destroy(&b->cond);
    pthread_mutex_destroy(&b->lock);
    free(b);
}

void snapshot_box_publish(SnapshotBox *b, Snapshot *s)
{
    pthread_mutex_lock(&b->lock);
    Snapshot *old = b->current;
    b->current = s;
    b->seq++;
    if (s)
        s->seq = b->seq;          /* before any reader can see it */
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
    snapshot_unref(old);
    if (b->pipe[1] >= 0) {
        char c = 1;
        ssize_t w = write(b->pipe[1], &c, 1); /* EAGAIN: already readable */
        (void)w;
    }
}

Snapshot *snapshot_box_acquire(SnapshotBox *b)
{
    pthread_mutex_lock(&b->lock);
    Snapshot *s = snapshot_ref(b->current);
    pthread_mutex_unlock(&b->lock);
    return s;
}

int snapshot_box_fd(const SnapshotBox *b) { return b->pipe[0]; }

void snapshot_box_drain(SnapshotBox *b)
{
    char buf[64];
    while (b->pipe[0] >= 0 && read(b->pipe[0], buf, sizeof buf) > 0)
        ;
}

uint64_t snapshot_box_seq(SnapshotBox *b)
{
    pthread_mutex_lock(&b->lock);
    uint64_t s = b->seq;
    pthread_mutex_unlock(&b->lock);
    return s;
}

uint64_t snapshot_box_wait(SnapshotBox *b, uint64_t after, int timeout_ms)
{
    struct timespec ts;
    util_deadline(&ts, CLOCK_REALTIME, timeout_ms);
    pthread_mutex_lock(&b->lock);
    while (b->seq <= after)
        if (pthread_cond_timedwait(&b->cond, &b->lock, &ts) == ETIMEDOUT)
            break;
    uint64_t s = b->seq;
    pthread_mutex_unlock(&b->lock);
    return s;
}

SnapMetrics *snap_metrics_ref(SnapMetrics *m)
{
    if (m)
        __atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
    return m;
}

void snap_metrics_unref(SnapMetrics *m)
{
    if (m && __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) == 0)
        free(m);
}

void snapshot_box_publish_metrics(SnapshotBox *b, SnapMetrics *m)
{
    pthread_mutex_lock(&b->lock);
    SnapMetrics *old = b->metrics;
    b->metrics = m;
    pthread_mutex_unlock(&b->lock);
    snap_metrics_unref(old);
    if (b->pipe[1] >= 0) {
        char c = 2;
        ssize_t w = write(b->pipe[1], &c, 1);
        (void)w;
    }
}

SnapMetrics *snapshot_box_acquire_metrics(SnapshotBox *b)
{
    pthread_mutex_lock(&b->lock);
    SnapMetrics *m = snap_metrics_ref(b->metrics);
    pthread_mutex_unlock(&b->lock);
    return m;
}

/* ---- the local source: the box, and the publisher's request function ---- */

static Snapshot *source_acquire(void *ctx) { return snapshot_box_acquire(ctx); }
static SnapMetrics *source_acquire_metrics(void *ctx) { return snapshot_box_acquire_metrics(ctx); }
static int source_wake_fd(void *ctx) { return snapshot_box_fd(ctx); }
static void source_drain(void *ctx) { snapshot_box_drain(ctx); }

static void source_request(void *ctx, int evaluate)
{
    SnapshotBox *b = ctx;
    if (b->request)
        b->request(b->request_ctx, evaluate);
}

SnapshotSource snapshot_box_source(SnapshotBox *b, SnapshotRequestFn fn, void *ctx)
{
    b->request = fn;
    b->request_ctx = ctx;
    return (SnapshotSource){
        .ctx = b,
        .acquire = source_acquire,
        .acquire_metrics = source_acquire_metrics,
        .wake_fd = source_wake_fd,
        .drain = source_drain,
        .request = source_request,
    };
}
