/* sysmetrics — see sysmetrics.h.
 *
 * DESIGN: the thread sleeps in poll() on a control pipe (ctlpipe.h) with
 * the sample interval as timeout ('q' stops it). A tick reads a handful of
 * small /proc files into a ProcfsReading (procfs.c: counters as the kernel
 * gives them) and turns two readings into a MetricSample (percentages and
 * per-second rates); the mount list is re-read once a minute, statvfs runs on each
 * mount every tick. The sample is appended to a ring of
 * SNAP_METRICS_HISTORY points, a fresh copy of which is published (about
 * 30 KB; readers keep the old copy as long as they like). While this
 * process is the engine the sample is also recorded (metrics_ingest: one
 * transaction with any alert it causes), and once a minute the table is
 * rolled up and pruned (metrics_maintain).
 *
 * Cost: at a 1 s interval a tick is a few hundred microseconds of CPU —
 * about 8 small reads, a statvfs per mount, one SQLite transaction of a
 * dozen rows (tests/bench/collector_bench.c measures it).
 */
#include "sysmetrics.h"
#include "ctlpipe.h"
#include "log.h"
#include "util.h"
#include "domain/metrics.h"
#include "store/store.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#define MOUNTS_REFRESH_MS 60000
#define MAINTAIN_MS       60000

struct SysMetrics {
    SysMetricsOpts opts;
    char          *db_path, *proc_root;
    Store         *st;               /* the collecting thread's own */
    CtlPipe        ctl;              /* 'q' stops the thread */
    pthread_t      thread;
    int            running;
    ProcfsReading  prev;
    int64_t        prev_ms;          /* monotonic time of prev */
    int            have_prev;
    ProcfsMount    mounts[METRICS_MAX_MOUNTS];
    int            nmounts;
    int64_t        mounts_at_ms;     /* 0 = read them now */
    MetricsAlerter alerter;
    int            alerter_loaded;   /* as the engine */
    int64_t        next_maintain_ms;
    int            failing;          /* recording fails; logged once */
    SnapMetrics    hist;             /* refs unused: the working copy */
    char           buf[65536];       /* /proc file contents */
};

static void read_mounts(SysMetrics *m)
{
    ProcfsMount all[METRICS_MAX_MOUNTS];
    m->nmounts = 0;
    if (procfs_read_file(m->proc_root, "self/mounts", m->buf, sizeof m->buf) < 0)
        return;
    int n = procfs_parse_mounts(m->buf, all, METRICS_MAX_MOUNTS);
    for (int i = 0; i < n; i++) {
        struct stat sb;                 /* a bind-mounted file is not a file system */
        if (stat(all[i].path, &sb) == 0 && S_ISDIR(sb.st_mode))
            m->mounts[m->nmounts++] = all[i];
    }
}

/* statvfs each mount into the sample; the fullest is MET_DISK. */
static void stat_mounts(const SysMetrics *m, MetricSample *s)
{
    for (int i = 0; i < m->nmounts; i++) {
        struct statvfs fs;
        if (statvfs(m->mounts[i].path, &fs) < 0 || fs.f_blocks == 0)
            continue;
        /* as df: used / (used + available to users) */
        double used = (double)(fs.f_blocks - fs.f_bfree) * (double)fs.f_frsize;
        double avail = (double)fs.f_bavail * (double)fs.f_frsize;
        MetricMount *mm = &s->mounts[s->nmounts];
        strlcpy_(mm->path, m->mounts[i].path, sizeof mm->path);
        mm->used_pct = used + avail > 0 ? 100.0 * used / (used + avail) : 0;
        mm->total_bytes = (double)fs.f_blocks * (double)fs.f_frsize;
        if (s->disk_mount < 0 || mm->used_pct > s->mounts[s->disk_mount].used_pct)
            s->disk_mount = s->nmounts;
        s->nmounts++;
    }
    if (s->disk_mount >= 0)
        s->v[MET_DISK] = s->mounts[s->disk_mount].used_pct;
}

/* ---- history and publishing -------------------------------------------------- */

static void push(SnapMetrics *h, const MetricSample *s)
{
    if (h->n == SNAP_METRICS_HISTORY) {
        memmove(h->at, h->at + 1, (SNAP_METRICS_HISTORY - 1) * sizeof h->at[0]);
        for (int k = 0; k < MET_COUNT; k++)
            memmove(h->v[k], h->v[k] + 1, (SNAP_METRICS_HISTORY - 1) * sizeof h->v[k][0]);
        h->n--;
    }
    h->at[h->n] = s->ts;
    for (int k = 0; k < MET_COUNT; k++)
        h->v[k][h->n] = isnan(s->v[k]) ? 0 : s->v[k];
    h->n++;
    h->ncores = s->ncores;
    memcpy(h->cores, s->cores, (size_t)s->ncores * sizeof s->cores[0]);
    h->nmounts = s->nmounts;
    memcpy(h->mounts, s->mounts, (size_t)s->nmounts * sizeof s->mounts[0]);
    h->disk_mount = s->disk_mount;
    if (s->disk_mount >= 0)
        h->disk_total_gb = s->mounts[s->disk_mount].total_bytes / 1e9;
}

static void publish(SysMetrics *m)
{
    if (!m->opts.box)
        return;
    SnapMetrics *copy = xmalloc(sizeof *copy);
    *copy = m->hist;
    copy->refs = 1;
    snapshot_box_publish_metrics(m->opts.box, copy);
}

/* ---- recording ------------------------------------------------------------------- */

static void open_store(SysMetrics *m)
{
    if (!m->db_path || m->st)
        return;
    char err[512];
    if (store_open(m->db_path, &m->st, err, sizeof err) < 0) {
        log_error("metrics: %s; samples are not recorded", err);
        m->st = NULL;
    }
}

static void note_failure(SysMetrics *m, int failed, const char *what)
{
    if (failed && !m->failing)
        log_warn("metrics: cannot %s: %s; retrying every sample", what, store_errmsg(m->st));
    else if (!failed && m->failing)
        log_info("metrics: recording works again");
    m->failing = failed;
}

static int record(SysMetrics *m, const MetricSample *s)
{
    SnapMetrics *h = &m->hist;
    if (!m->st)
        return 0;
    int primary = m->opts.is_primary ? m->opts.is_primary(m->opts.ctx) : 1;
    h->recording = primary;
    h->policy = m->opts.policy;
    if (!primary) {                     /* a viewer: read, never write */
        m->alerter_loaded = 0;
        h->have_thresholds = metrics_thresholds(m->st, h->threshold) == 0 &&
                             metrics_open_alerts(m->st, h->firing) == 0;
        return 0;
    }
    if (!m->alerter_loaded) {
        if (metrics_alerter_load(m->st, &m->alerter) < 0) {
            note_failure(m, 1, "read the open alerts");
            return -EIO;
        }
        m->alerter_loaded = 1;
    }
    int r = metrics_ingest(m->st, s, &m->alerter, &m->opts.policy);
    note_failure(m, r < 0, "record a sample");
    if (r < 0)
        return -EIO;
    if (r > 0)
        log_info("metrics: %d threshold alert(s) raised or cleared", r);
    for (int i = 0; i < THRESH_COUNT; i++) {
        h->threshold[i] = m->alerter.threshold[i];
        h->firing[i] = m->alerter.state[i].firing;
    }
    h->have_thresholds = 1;
    int64_t now_ms = util_mono_ms();
    if (now_ms >= m->next_maintain_ms) {
        m->next_maintain_ms = now_ms + MAINTAIN_MS;
        if (metrics_maintain(m->st, s->ts, &m->opts.retention) < 0)
            log_warn("metrics: rollup/retention failed: %s", store_errmsg(m->st));
    }
    return 0;
}

static int64_t wall_now(const SysMetrics *m)
{
    return m->opts.clock ? m->opts.clock() : util_now();
}

int sysmetrics_tick(SysMetrics *m, MetricSample *out)
{
    ProcfsReading cur;
    if (util_mono_ms() >= m->mounts_at_ms) {
        read_mounts(m);
        m->mounts_at_ms = util_mono_ms() + MOUNTS_REFRESH_MS;
    }
    int64_t now_ms = util_mono_ms();
    procfs_read(m->proc_root, &cur, m->buf, sizeof m->buf);
    MetricSample s;
    metrics_sample_init(&s, wall_now(m));
    int r = 0;
    if (m->have_prev) {
        procfs_compute(&m->prev, &cur, (double)(now_ms - m->prev_ms) / 1000.0, &s);
        stat_mounts(m, &s);
        push(&m->hist, &s);
        r = record(m, &s) < 0 ? -EIO : 1;
        if (out)
            *out = s;
    }
    m->hist.ncpu = cur.ncores;
    if (cur.have_mem)
        m->hist.mem_total_mb = cur.mem.total_kb / 1024.0;
    m->prev = cur;
    m->prev_ms = now_ms;
    m->have_prev = 1;
    publish(m);
    return r;
}

/* ---- lifecycle ----------------------------------------------------------------- */

static SysMetrics *create(const SysMetricsOpts *o, char *err, size_t errsz)
{
    SysMetrics *m = xcalloc(1, sizeof *m);
    m->opts = *o;
    m->opts.interval_s = o->interval_s > 0 ? o->interval_s : 5;
    m->db_path = o->db_path && *o->db_path ? xstrdup(o->db_path) : NULL;
    m->proc_root = xstrdup(o->proc_root && *o->proc_root ? o->proc_root : "/proc");
    m->opts.db_path = m->db_path;
    m->opts.proc_root = m->proc_root;
    ctl_pipe_init(&m->ctl);
    m->hist.interval_s = m->opts.interval_s;
    m->hist.disk_mount = -1;
    m->hist.policy = m->opts.policy;
    ProcfsReading probe;
    procfs_read(m->proc_root, &probe, m->buf, sizeof m->buf);
    if (!probe.have_cpu && !probe.have_mem) {
        snprintf(err, errsz, "metrics: cannot read %s/stat or %s/meminfo", m->proc_root,
                 m->proc_root);
        sysmetrics_free(m);
        return NULL;
    }
    return m;
}

SysMetrics *sysmetrics_new(const SysMetricsOpts *o, char *err, size_t errsz)
{
    SysMetrics *m = create(o, err, errsz);
    if (!m)
        return NULL;
    open_store(m);
    sysmetrics_tick(m, NULL);            /* the baseline for rates */
    return m;
}

void sysmetrics_free(SysMetrics *m)
{
    if (!m)
        return;
    store_close(m->st);
    ctl_pipe_close(&m->ctl);
    free(m->db_path);
    free(m->proc_root);
    free(m);
}

static void *sysmetrics_main(void *arg)
{
    SysMetrics *m = arg;
    open_store(m);                       /* this thread's own connection */
    int64_t next = util_mono_ms() + 1000;   /* the first rates after 1 s */
    for (;;) {
        int64_t now = util_mono_ms();
        int timeout = next > now ? (int)(next - now) : 0;
        if (ctl_pipe_wait(&m->ctl, timeout)) {
            char buf[8];
            int n = ctl_pipe_drain(&m->ctl, buf, sizeof buf);
            if (n < 0 || memchr(buf, 'q', (size_t)n))
                break;
        }
        if (util_mono_ms() < next)
            continue;
        sysmetrics_tick(m, NULL);
        next += (int64_t)m->opts.interval_s * 1000;
        if (next < util_mono_ms())
            next = util_mono_ms() + (int64_t)m->opts.interval_s * 1000;
    }
    store_close(m->st);                  /* closed by the thread that opened it */
    m->st = NULL;
    return NULL;
}

SysMetrics *sysmetrics_start(const SysMetricsOpts *o, char *err, size_t errsz)
{
    SysMetrics *m = create(o, err, errsz);
    if (!m)
        return NULL;
    int pe = ctl_pipe_open(&m->ctl);
    if (pe < 0) {
        snprintf(err, errsz, "metrics: pipe: %s", strerror(-pe));
        sysmetrics_free(m);
        return NULL;
    }
    sysmetrics_tick(m, NULL);            /* the baseline for rates; totals known */
    if (pthread_create(&m->thread, NULL, sysmetrics_main, m) != 0) {
        snprintf(err, errsz, "metrics: cannot start thread");
        sysmetrics_free(m);
        return NULL;
    }
    m->running = 1;
    return m;
}

void sysmetrics_stop(SysMetrics *m)
{
    if (!m)
        return;
    if (m->running) {
        ctl_pipe_send(&m->ctl, 'q');
        pthread_join(m->thread, NULL);
    }
    sysmetrics_free(m);
}
