/* sysmetrics — see sysmetrics.h.
 *
 * DESIGN: the thread sleeps in poll() on a control pipe with the sample
 * interval as timeout ('q' stops it). Each sample reads a few small /proc
 * files, turns counters into rates against the previous sample, appends
 * to a ring of SNAP_METRICS_HISTORY points and publishes a fresh copy of
 * the history (about 15 KB) — readers hold the old copy as long as they
 * like, so no lock is shared beyond the box's pointer swap.
 */
#include "sysmetrics.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

struct SysMetrics {
    SnapshotBox *box;
    int          interval_s;
    int          ctl[2];
    pthread_t    thread;
    int          running;
    SysCpuTimes  cpu;
    uint64_t     rx, tx;
    int64_t      last_ms;
    int          have_prev;
    SnapMetrics  hist;              /* refs unused: the working copy */
    char         buf[65536];        /* /proc file contents */
};

int sysmetrics_parse_stat(const char *text, SysCpuTimes *out)
{
    memset(out, 0, sizeof *out);
    const char *line = strstr(text, "cpu ");
    if (!line)
        return -EINVAL;
    uint64_t v[10] = {0};
    int n = sscanf(line, "cpu %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
                         " %" SCNu64 " %" SCNu64 " %" SCNu64,
                   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
    if (n < 4)
        return -EINVAL;
    /* user nice system idle iowait irq softirq steal: idle + iowait are idle */
    for (int i = 0; i < 8; i++)
        out->total += v[i];
    out->busy = out->total - v[3] - v[4];
    for (const char *p = text; (p = strstr(p, "\ncpu")) != NULL; p++)
        if (p[4] >= '0' && p[4] <= '9')
            out->ncpu++;
    return 0;
}

static double meminfo_field(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    if (!p)
        return -1;
    return strtod(p + strlen(key), NULL);
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
        double c = meminfo_field(text, "\nCached:");
        out->available_kb = (f > 0 ? f : 0) + (b > 0 ? b : 0) + (c > 0 ? c : 0);
    }
    if (out->swap_total_kb < 0)
        out->swap_total_kb = 0;
    if (out->swap_free_kb < 0)
        out->swap_free_kb = 0;
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

double sysmetrics_cpu_percent(const SysCpuTimes *prev, const SysCpuTimes *cur)
{
    if (cur->total <= prev->total || cur->busy < prev->busy)
        return 0;
    double p = 100.0 * (double)(cur->busy - prev->busy) / (double)(cur->total - prev->total);
    return p > 100 ? 100 : p;
}

static int read_small(const char *path, char *buf, size_t size)
{
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

static void push(SnapMetrics *h, int64_t at, const double v[SYSMET_COUNT])
{
    if (h->n == SNAP_METRICS_HISTORY) {
        memmove(h->at, h->at + 1, (SNAP_METRICS_HISTORY - 1) * sizeof h->at[0]);
        for (int k = 0; k < SYSMET_COUNT; k++)
            memmove(h->v[k], h->v[k] + 1, (SNAP_METRICS_HISTORY - 1) * sizeof h->v[k][0]);
        h->n--;
    }
    h->at[h->n] = at;
    for (int k = 0; k < SYSMET_COUNT; k++)
        h->v[k][h->n] = v[k];
    h->n++;
}

/* Read /proc; append a point when a previous reading gives the rates. */
static void sample(SysMetrics *m)
{
    char *buf = m->buf;
    const size_t bufsz = sizeof m->buf;
    SysCpuTimes cpu = {0};
    SysMem mem = {0};
    uint64_t rx = 0, tx = 0;
    double v[SYSMET_COUNT] = {0};
    int64_t now_ms = util_mono_ms();

    if (read_small("/proc/stat", buf, bufsz) == 0)
        sysmetrics_parse_stat(buf, &cpu);
    if (read_small("/proc/meminfo", buf, bufsz) == 0 &&
        sysmetrics_parse_meminfo(buf, &mem) == 0) {
        v[SYSMET_MEM] = 100.0 * (mem.total_kb - mem.available_kb) / mem.total_kb;
        v[SYSMET_SWAP] = mem.swap_total_kb > 0
                             ? 100.0 * (mem.swap_total_kb - mem.swap_free_kb) / mem.swap_total_kb
                             : 0;
        m->hist.mem_total_mb = mem.total_kb / 1024.0;
    }
    if (read_small("/proc/loadavg", buf, bufsz) == 0)
        v[SYSMET_LOAD1] = strtod(buf, NULL);
    struct statvfs fs;
    if (statvfs("/", &fs) == 0 && fs.f_blocks > 0) {
        double total = (double)fs.f_blocks * (double)fs.f_frsize;
        double avail = (double)fs.f_bavail * (double)fs.f_frsize;
        double used = (double)(fs.f_blocks - fs.f_bfree) * (double)fs.f_frsize;
        v[SYSMET_DISK] = used + avail > 0 ? 100.0 * used / (used + avail) : 0;
        m->hist.disk_total_gb = total / 1e9;
    }
    if (read_small("/proc/net/dev", buf, bufsz) == 0)
        sysmetrics_parse_netdev(buf, &rx, &tx);
    m->hist.ncpu = cpu.ncpu;

    if (m->have_prev) {
        double secs = (double)(now_ms - m->last_ms) / 1000.0;
        v[SYSMET_CPU] = sysmetrics_cpu_percent(&m->cpu, &cpu);
        if (secs > 0) {
            v[SYSMET_NET_RX] = rx >= m->rx ? (double)(rx - m->rx) / secs : 0;
            v[SYSMET_NET_TX] = tx >= m->tx ? (double)(tx - m->tx) / secs : 0;
        }
        push(&m->hist, util_now(), v);
    }
    m->cpu = cpu;
    m->rx = rx;
    m->tx = tx;
    m->last_ms = now_ms;
    m->have_prev = 1;
}

static void publish(SysMetrics *m)
{
    SnapMetrics *copy = xmalloc(sizeof *copy);
    *copy = m->hist;
    copy->refs = 1;
    snapshot_box_publish_metrics(m->box, copy);
}

static void *sysmetrics_main(void *arg)
{
    SysMetrics *m = arg;
    int64_t next = util_mono_ms() + 1000;   /* the first rates after 1 s */
    for (;;) {
        int64_t now = util_mono_ms();
        int timeout = next > now ? (int)(next - now) : 0;
        struct pollfd pfd = {.fd = m->ctl[0], .events = POLLIN};
        if (poll(&pfd, 1, timeout) > 0) {
            char c;
            if (read(m->ctl[0], &c, 1) <= 0 || c == 'q')
                return NULL;
        }
        if (util_mono_ms() < next)
            continue;
        sample(m);
        publish(m);
        next += (int64_t)m->interval_s * 1000;
        if (next < util_mono_ms())
            next = util_mono_ms() + (int64_t)m->interval_s * 1000;
    }
}

SysMetrics *sysmetrics_start(SnapshotBox *box, int interval_s, char *err, size_t errsz)
{
    SysMetrics *m = xcalloc(1, sizeof *m);
    m->box = box;
    m->interval_s = interval_s > 0 ? interval_s : 5;
    m->hist.interval_s = m->interval_s;
    if (pipe2(m->ctl, O_CLOEXEC) < 0) {
        snprintf(err, errsz, "sysmetrics: pipe: %s", strerror(errno));
        free(m);
        return NULL;
    }
    sample(m);              /* the baseline for rates */
    publish(m);             /* totals known; no points yet */
    if (pthread_create(&m->thread, NULL, sysmetrics_main, m) != 0) {
        snprintf(err, errsz, "sysmetrics: cannot start thread");
        close(m->ctl[0]);
        close(m->ctl[1]);
        free(m);
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
    close(m->ctl[0]);
    close(m->ctl[1]);
    free(m);
}
