/* sysmetrics — see sysmetrics.h.
 *
 * DESIGN: the thread sleeps in poll() on a control pipe with the sample
 * interval as timeout ('q' stops it). A tick reads a handful of small
 * /proc files into a SysReading (counters as the kernel gives them) and
 * turns two readings into a MetricSample (percentages and per-second
 * rates); the mount list is re-read once a minute, statvfs runs on each
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
#include "log.h"
#include "util.h"
#include "domain/metrics.h"
#include "store/store.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define MOUNTS_REFRESH_MS 60000
#define MAINTAIN_MS       60000

struct SysMetrics {
    SysMetricsOpts opts;
    char          *db_path, *proc_root;
    Store         *st;               /* the collecting thread's own */
    int            ctl[2];
    pthread_t      thread;
    int            running;
    SysReading     prev;
    int64_t        prev_ms;          /* monotonic time of prev */
    int            have_prev;
    SysMount       mounts[METRICS_MAX_MOUNTS];
    int            nmounts;
    int64_t        mounts_at_ms;     /* 0 = read them now */
    MetricsAlerter alerter;
    int            alerter_loaded;   /* as the engine */
    int64_t        next_maintain_ms;
    int            failing;          /* recording fails; logged once */
    SnapMetrics    hist;             /* refs unused: the working copy */
    char           buf[65536];       /* /proc file contents */
};

/* ---- parsers ------------------------------------------------------------------ */

static int parse_cpu_line(const char *line, SysCpuTimes *out)
{
    uint64_t v[8] = {0};
    const char *p = line;
    while (*p && *p != ' ')
        p++;
    int n = sscanf(p, " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
                      " %" SCNu64 " %" SCNu64,
                   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
    if (n < 4)
        return -EINVAL;
    /* user nice system idle iowait irq softirq steal: idle + iowait are idle */
    out->total = 0;
    for (int i = 0; i < 8; i++)
        out->total += v[i];
    out->busy = out->total - v[3] - v[4];
    return 0;
}

int sysmetrics_parse_stat(const char *text, SysCpuTimes *all, SysCpuTimes *cores,
                          int maxcores, int *ncores)
{
    memset(all, 0, sizeof *all);
    *ncores = 0;
    const char *line = text;
    int found = 0;
    while (line && *line) {
        if (!strncmp(line, "cpu ", 4)) {
            if (parse_cpu_line(line, all) < 0)
                return -EINVAL;
            found = 1;
        } else if (!strncmp(line, "cpu", 3) && isdigit((unsigned char)line[3])) {
            int idx = atoi(line + 3);
            SysCpuTimes t;
            if (idx >= 0 && idx < maxcores && parse_cpu_line(line, &t) == 0) {
                cores[idx] = t;
                if (idx + 1 > *ncores)
                    *ncores = idx + 1;
            }
        } else if (found) {
            break;                        /* the cpu lines come first */
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return found ? 0 : -EINVAL;
}

static double meminfo_field(const char *text, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (!strncmp(p, key, kl))
            return strtod(p + kl, NULL);
    return -1;
}

int sysmetrics_parse_meminfo(const char *text, SysMem *out)
{
    out->total_kb = meminfo_field(text, "MemTotal:");
    out->available_kb = meminfo_field(text, "MemAvailable:");
    out->swap_total_kb = meminfo_field(text, "SwapTotal:");
    out->swap_free_kb = meminfo_field(text, "SwapFree:");
    if (out->total_kb <= 0)
        return -EINVAL;
    if (out->available_kb < 0) {                 /* kernels before 3.14 */
        double f = meminfo_field(text, "MemFree:");
        double b = meminfo_field(text, "Buffers:");
        double c = meminfo_field(text, "Cached:");
        out->available_kb = (f > 0 ? f : 0) + (b > 0 ? b : 0) + (c > 0 ? c : 0);
    }
    if (out->swap_total_kb < 0)
        out->swap_total_kb = 0;
    if (out->swap_free_kb < 0)
        out->swap_free_kb = 0;
    return 0;
}

int sysmetrics_parse_loadavg(const char *text, double out[3])
{
    /* strtod follows LC_NUMERIC, which the console sets from the user's
     * locale; /proc always writes a '.' */
    const char *p = text;
    for (int i = 0; i < 3; i++) {
        while (*p == ' ')
            p++;
        if (!isdigit((unsigned char)*p))
            return -EINVAL;
        double v = 0, scale = 1;
        for (; isdigit((unsigned char)*p); p++)
            v = v * 10 + (*p - '0');
        if (*p == '.')
            for (p++; isdigit((unsigned char)*p); p++)
                v += (*p - '0') * (scale /= 10);
        out[i] = v;
    }
    return 0;
}

int sysmetrics_parse_netdev(const char *text, uint64_t *out_rx, uint64_t *out_tx)
{
    uint64_t rx = 0, tx = 0;
    int found = 0;
    const char *line = text;
    while (line && *line) {
        const char *colon = strchr(line, ':');
        const char *nl = strchr(line, '\n');
        if (colon && (!nl || colon < nl)) {
            const char *name = line;
            while (*name == ' ')
                name++;
            if (!(colon - name == 2 && !strncmp(name, "lo", 2))) {
                uint64_t v[9];
                if (sscanf(colon + 1, "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
                                      " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
                                      " %" SCNu64,
                           &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) == 9) {
                    rx += v[0];
                    tx += v[8];
                }
            }
            found = 1;
        }
        line = nl ? nl + 1 : NULL;
    }
    *out_rx = rx;
    *out_tx = tx;
    return found ? 0 : -EINVAL;
}

/* prefix followed by letters only (sda, vdb, xvdc) */
static int letters_after(const char *name, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(name, prefix, n) != 0 || !name[n])
        return 0;
    for (const char *p = name + n; *p; p++)
        if (!islower((unsigned char)*p))
            return 0;
    return 1;
}

int sysmetrics_whole_disk(const char *name)
{
    if (letters_after(name, "sd") || letters_after(name, "hd") || letters_after(name, "vd") ||
        letters_after(name, "xvd"))
        return 1;
    /* nvme0n1 (not nvme0n1p2), mmcblk0 (not mmcblk0p1) */
    const char *p = NULL;
    if (!strncmp(name, "nvme", 4)) {
        p = name + 4;
        if (!isdigit((unsigned char)*p))
            return 0;
        while (isdigit((unsigned char)*p))
            p++;
        if (*p++ != 'n' || !isdigit((unsigned char)*p))
            return 0;
    } else if (!strncmp(name, "mmcblk", 6)) {
        p = name + 6;
        if (!isdigit((unsigned char)*p))
            return 0;
    } else {
        return 0;
    }
    while (isdigit((unsigned char)*p))
        p++;
    return *p == '\0';
}

int sysmetrics_parse_diskstats(const char *text, uint64_t *out_read, uint64_t *out_written)
{
    uint64_t rd = 0, wr = 0;
    int found = 0;
    for (const char *line = text; line && *line;) {
        unsigned major, minor;
        char name[64];
        uint64_t v[7];
        if (sscanf(line, " %u %u %63s %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
                         " %" SCNu64 " %" SCNu64,
                   &major, &minor, name, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]) == 10) {
            found = 1;
            if (sysmetrics_whole_disk(name)) {
                rd += v[2];           /* sectors read */
                wr += v[6];           /* sectors written */
            }
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    *out_read = rd;
    *out_written = wr;
    return found ? 0 : -EINVAL;
}

static void unescape_octal(const char *in, char *out, size_t size)
{
    size_t o = 0;
    for (const char *p = in; *p && o + 1 < size; p++) {
        if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
            p[3] >= '0' && p[3] <= '7') {
            out[o++] = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
            p += 3;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

int sysmetrics_parse_mounts(const char *text, SysMount *out, int max)
{
    static const char *const local[] = {
        "ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "f2fs", "vfat", "exfat", "ntfs",
        "ntfs3", "jfs", "reiserfs", "bcachefs", "fuseblk", NULL,
    };
    char devs[METRICS_MAX_MOUNTS][128];
    int n = 0;
    for (const char *line = text; line && *line && n < max && n < METRICS_MAX_MOUNTS;) {
        char dev[256], path[256], type[64];
        if (sscanf(line, "%255s %255s %63s", dev, path, type) == 3) {
            char upath[256];
            unescape_octal(path, upath, sizeof upath);
            int ok = !strcmp(upath, "/");
            for (int i = 0; !ok && local[i]; i++)
                ok = !strcmp(type, local[i]);
            for (int i = 0; ok && i < n; i++)
                if (!strcmp(devs[i], dev) || !strcmp(out[i].path, upath))
                    ok = 0;                /* a bind mount of one we have */
            if (ok && strlen(upath) < sizeof out[n].path) {
                strlcpy_(devs[n], dev, sizeof devs[n]);
                strlcpy_(out[n].path, upath, sizeof out[n].path);
                strlcpy_(out[n].fstype, type, sizeof out[n].fstype);
                n++;
            }
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return n;
}

double sysmetrics_cpu_percent(const SysCpuTimes *prev, const SysCpuTimes *cur)
{
    if (cur->total <= prev->total || cur->busy < prev->busy)
        return 0;
    double p = 100.0 * (double)(cur->busy - prev->busy) / (double)(cur->total - prev->total);
    return p > 100 ? 100 : p;
}

/* ---- reading ------------------------------------------------------------------ */

static int read_file(const char *root, const char *leaf, char *buf, size_t size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, leaf);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t len = 0;
    ssize_t r;
    while (len + 1 < size && (r = read(fd, buf + len, size - 1 - len)) > 0)
        len += (size_t)r;
    close(fd);
    buf[len] = '\0';
    return 0;
}

static void read_mounts(SysMetrics *m)
{
    SysMount all[METRICS_MAX_MOUNTS];
    m->nmounts = 0;
    if (read_file(m->proc_root, "self/mounts", m->buf, sizeof m->buf) < 0)
        return;
    int n = sysmetrics_parse_mounts(m->buf, all, METRICS_MAX_MOUNTS);
    for (int i = 0; i < n; i++) {
        struct stat sb;                 /* a bind-mounted file is not a file system */
        if (stat(all[i].path, &sb) == 0 && S_ISDIR(sb.st_mode))
            m->mounts[m->nmounts++] = all[i];
    }
}

void sysmetrics_read(const char *root, SysReading *r, char *buf, size_t size)
{
    memset(r, 0, sizeof *r);
    r->have_cpu = read_file(root, "stat", buf, size) == 0 &&
                  sysmetrics_parse_stat(buf, &r->cpu, r->core, METRICS_MAX_CORES,
                                        &r->ncores) == 0;
    r->have_mem = read_file(root, "meminfo", buf, size) == 0 &&
                  sysmetrics_parse_meminfo(buf, &r->mem) == 0;
    r->have_load = read_file(root, "loadavg", buf, size) == 0 &&
                   sysmetrics_parse_loadavg(buf, r->load) == 0;
    r->have_net = read_file(root, "net/dev", buf, size) == 0 &&
                  sysmetrics_parse_netdev(buf, &r->rx, &r->tx) == 0;
    r->have_disk = read_file(root, "diskstats", buf, size) == 0 &&
                   sysmetrics_parse_diskstats(buf, &r->rd, &r->wr) == 0;
}

static double rate(uint64_t prev, uint64_t cur, double secs)
{
    return cur >= prev && secs > 0 ? (double)(cur - prev) / secs : 0;
}

void sysmetrics_compute(const SysReading *a, const SysReading *b, double secs, MetricSample *s)
{
    if (a->have_cpu && b->have_cpu) {
        s->v[MET_CPU] = sysmetrics_cpu_percent(&a->cpu, &b->cpu);
        s->ncores = b->ncores < a->ncores ? b->ncores : a->ncores;
        for (int i = 0; i < s->ncores; i++)
            s->cores[i] = sysmetrics_cpu_percent(&a->core[i], &b->core[i]);
    }
    if (b->have_mem) {
        const SysMem *mem = &b->mem;
        s->v[MET_MEMORY] = 100.0 * (mem->total_kb - mem->available_kb) / mem->total_kb;
        s->v[MET_SWAP] = mem->swap_total_kb > 0
                             ? 100.0 * (mem->swap_total_kb - mem->swap_free_kb) / mem->swap_total_kb
                             : 0;
    }
    if (b->have_load) {
        s->v[MET_LOAD1] = b->load[0];
        s->v[MET_LOAD5] = b->load[1];
        s->v[MET_LOAD15] = b->load[2];
    }
    if (a->have_net && b->have_net) {
        s->v[MET_NET_RX] = rate(a->rx, b->rx, secs);
        s->v[MET_NET_TX] = rate(a->tx, b->tx, secs);
    }
    if (a->have_disk && b->have_disk) {
        s->v[MET_DISK_READ] = rate(a->rd, b->rd, secs) * 512;
        s->v[MET_DISK_WRITE] = rate(a->wr, b->wr, secs) * 512;
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
    SysReading cur;
    if (util_mono_ms() >= m->mounts_at_ms) {
        read_mounts(m);
        m->mounts_at_ms = util_mono_ms() + MOUNTS_REFRESH_MS;
    }
    int64_t now_ms = util_mono_ms();
    sysmetrics_read(m->proc_root, &cur, m->buf, sizeof m->buf);
    MetricSample s;
    metrics_sample_init(&s, wall_now(m));
    int r = 0;
    if (m->have_prev) {
        sysmetrics_compute(&m->prev, &cur, (double)(now_ms - m->prev_ms) / 1000.0, &s);
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
    m->ctl[0] = m->ctl[1] = -1;
    m->hist.interval_s = m->opts.interval_s;
    m->hist.disk_mount = -1;
    m->hist.policy = m->opts.policy;
    SysReading probe;
    sysmetrics_read(m->proc_root, &probe, m->buf, sizeof m->buf);
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
    if (m->ctl[0] >= 0) {
        close(m->ctl[0]);
        close(m->ctl[1]);
    }
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
        struct pollfd pfd = {.fd = m->ctl[0], .events = POLLIN};
        if (poll(&pfd, 1, timeout) > 0) {
            char c;
            if (read(m->ctl[0], &c, 1) <= 0 || c == 'q')
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
    if (pipe2(m->ctl, O_CLOEXEC) < 0) {
        snprintf(err, errsz, "metrics: pipe: %s", strerror(errno));
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
        ssize_t w = write(m->ctl[1], "q", 1);
        (void)w;
        pthread_join(m->thread, NULL);
    }
    sysmetrics_free(m);
}
