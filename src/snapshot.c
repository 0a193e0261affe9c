/* snapshot — see snapshot.h.
 *
 * DESIGN: a Snapshot is built whole by one thread and never changed after
 * publication; the refcount is the only shared mutable field and is
 * updated atomically. The box holds the newest one under a mutex only for
 * the pointer swap, so readers and the engine never wait on each other's
 * work. The wake pipe carries no data: a readable pipe means "look again".
 */
#include "snapshot.h"
#include "store/resolution_repo.h"
#include "store/service_repo.h"
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

Snapshot *snapshot_build(Store *st, int is_engine, int64_t tick_at)
{
    Snapshot *s = xcalloc(1, sizeof *s);
    s->refs = 1;
    s->built_at = util_now();
    s->tick_at = tick_at;
    s->is_engine = is_engine;

    /* one read transaction: every list is from the same moment */
    if (store_exec(st, "BEGIN") < 0) {
        free(s);
        return NULL;
    }
    ServiceSet set;
    int ok = service_repo_load_all(st, &set) == 0;
    if (ok) {
        fill_services(s, &set);
        service_set_free(&set);
    }
    if (ok) {
        s->alerts = xmalloc(SNAPSHOT_MAX_ALERTS * sizeof *s->alerts);
        s->nalerts = alert_repo_list(st, s->alerts, SNAPSHOT_MAX_ALERTS);
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
        }
    }
    store_exec(st, "COMMIT");
    if (!ok) {
        log_error("snapshot: read failed: %s", store_errmsg(st));
        s->nalerts = s->nbreaches = s->naudit = 0;
        snapshot_unref(s);
        return NULL;
    }
    return s;
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
    }
    free(s->services);
    free(s->alerts);
    free(s->breaches);
    free(s->audit);
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
    uint64_t        seq;
    int             pipe[2];
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
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&b->lock);
    while (b->seq <= after)
        if (pthread_cond_timedwait(&b->cond, &b->lock, &ts) == ETIMEDOUT)
            break;
    uint64_t s = b->seq;
    pthread_mutex_unlock(&b->lock);
    return s;
}
