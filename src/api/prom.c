/* prom — see prom.h.
 *
 * DESIGN: the slots are a static array indexed by the route's position in
 * the router's const table, so recording is pointer arithmetic and a few
 * relaxed atomic adds: no lock on the request path. A slot's status codes
 * live in PROM_CODES cells; a request's code takes the first cell that
 * holds it or the first free one (compare-and-swap from 0), so two threads
 * never split one code over two cells. A route with more distinct codes
 * than cells counts the rest in its histogram only.
 *
 * /proc/self is read when the exposition is written (never on the request
 * path).
 */
#include "api/prom.h"
#include "api/router.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define PROM_CODES 24

typedef struct PromSlot {
    int      code[PROM_CODES];      /* 0 = free cell */
    uint64_t n[PROM_CODES];
    Hist     latency;
} PromSlot;

/* Requests that matched no route, by method ("OTHER" for the rest). */
static const char *const unmatched_methods[] = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER",
};
#define N_UNMATCHED (sizeof unmatched_methods / sizeof unmatched_methods[0])

/* The registry (see DESIGN): written only through prom_observe. */
static PromSlot slots[PROM_MAX_ROUTES + N_UNMATCHED];

static PromSlot *slot_of(const ApiRoute *r, const char *method)
{
    if (r) {
        size_t n;
        const ApiRoute *all = api_routes(&n);
        size_t i = (size_t)(r - all);
        return i < n && i < PROM_MAX_ROUTES ? &slots[i] : NULL;
    }
    size_t m = 0;
    while (m < N_UNMATCHED - 1 && (!method || strcmp(method, unmatched_methods[m]) != 0))
        m++;
    return &slots[PROM_MAX_ROUTES + m];
}

void prom_observe(const ApiRoute *r, const char *method, int status, int64_t ns)
{
    PromSlot *s = slot_of(r, method);
    if (!s)
        return;
    hist_observe(&s->latency, ns);
    for (int i = 0; i < PROM_CODES; i++) {
        int c = __atomic_load_n(&s->code[i], __ATOMIC_ACQUIRE);
        if (c == 0) {
            int zero = 0;
            if (__atomic_compare_exchange_n(&s->code[i], &zero, status, 0, __ATOMIC_ACQ_REL,
                                            __ATOMIC_ACQUIRE))
                c = status;
            else
                c = zero;          /* another thread took the cell: its code */
        }
        if (c == status) {
            __atomic_add_fetch(&s->n[i], 1, __ATOMIC_RELAXED);
            return;
        }
    }
}

void prom_escape(const char *v, char *out, size_t size)
{
    size_t o = 0;
    for (; v && *v && o + 3 < size; v++) {
        if (*v == '\\' || *v == '"') {
            out[o++] = '\\';
            out[o++] = *v;
        } else if (*v == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else {
            out[o++] = *v;
        }
    }
    if (size)
        out[o] = '\0';
}

void prom_family(StrBuf *b, const char *name, const char *type, const char *help)
{
    strbuf_appendf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void prom_sample(StrBuf *b, const char *name, const char *labels, int64_t v)
{
    if (labels && *labels)
        strbuf_appendf(b, "%s{%s} %lld\n", name, labels, (long long)v);
    else
        strbuf_appendf(b, "%s %lld\n", name, (long long)v);
}

/* ns as decimal seconds, without the locale's say. */
static void seconds_text(uint64_t ns, char *out, size_t size)
{
    snprintf(out, size, "%llu.%09llu", (unsigned long long)(ns / 1000000000u),
             (unsigned long long)(ns % 1000000000u));
}

void prom_hist(StrBuf *b, const char *name, const char *labels, const Hist *h)
{
    const char *sep = labels && *labels ? "," : "";
    const char *l = labels ? labels : "";
    uint64_t cum = 0;
    for (int i = 0; i < HIST_BOUNDS; i++) {
        cum += h->bucket[i];
        strbuf_appendf(b, "%s_bucket{%s%sle=\"%s\"} %llu\n", name, l, sep, hist_bound_text[i],
                       (unsigned long long)cum);
    }
    cum += h->bucket[HIST_BOUNDS];
    strbuf_appendf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, l, sep, (unsigned long long)cum);
    char sum[48];
    seconds_text(h->sum_ns, sum, sizeof sum);
    if (*l) {
        strbuf_appendf(b, "%s_sum{%s} %s\n", name, l, sum);
        strbuf_appendf(b, "%s_count{%s} %llu\n", name, l, (unsigned long long)cum);
    } else {
        strbuf_appendf(b, "%s_sum %s\n", name, sum);
        strbuf_appendf(b, "%s_count %llu\n", name, (unsigned long long)cum);
    }
}

/* The route and method labels of slot i ('route="...",method="..."'). */
static void slot_labels(size_t i, const ApiRoute *all, char *out, size_t size)
{
    char route[256];
    const char *method;
    if (i < PROM_MAX_ROUTES) {
        prom_escape(all[i].pattern, route, sizeof route);
        method = all[i].method;
    } else {
        snprintf(route, sizeof route, "(unmatched)");
        method = unmatched_methods[i - PROM_MAX_ROUTES];
    }
    snprintf(out, size, "route=\"%s\",method=\"%s\"", route, method);
}

static int slot_used(size_t i, size_t nroutes)
{
    if (i < PROM_MAX_ROUTES && i >= nroutes)
        return 0;
    return __atomic_load_n(&slots[i].code[0], __ATOMIC_ACQUIRE) != 0 ||
           __atomic_load_n(&slots[i].latency.sum_ns, __ATOMIC_RELAXED) != 0;
}

void prom_write_http(StrBuf *b)
{
    size_t nroutes;
    const ApiRoute *all = api_routes(&nroutes);
    const size_t nslots = sizeof slots / sizeof slots[0];
    char labels[400];

    prom_family(b, "resops_http_requests_total", "counter",
                "HTTP requests answered, by route pattern, method and status code.");
    for (size_t i = 0; i < nslots; i++) {
        if (!slot_used(i, nroutes))
            continue;
        slot_labels(i, all, labels, sizeof labels);
        for (int c = 0; c < PROM_CODES; c++) {
            int code = __atomic_load_n(&slots[i].code[c], __ATOMIC_ACQUIRE);
            if (!code)
                break;
            strbuf_appendf(b, "resops_http_requests_total{%s,code=\"%d\"} %llu\n", labels, code,
                           (unsigned long long)__atomic_load_n(&slots[i].n[c],
                                                               __ATOMIC_RELAXED));
        }
    }
    prom_family(b, "resops_http_request_duration_seconds", "histogram",
                "Time from a request's headers to its response being queued, by route.");
    for (size_t i = 0; i < nslots; i++) {
        if (!slot_used(i, nroutes))
            continue;
        Hist h;
        hist_read(&slots[i].latency, &h);
        slot_labels(i, all, labels, sizeof labels);
        prom_hist(b, "resops_http_request_duration_seconds", labels, &h);
    }
}

/* ---- /proc/self -------------------------------------------------------- */

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1;              /* not the directory's own descriptor */
}

/* Fields of /proc/self/stat after the command: utime, stime (ticks),
 * num_threads, starttime (ticks since boot), vsize (bytes), rss (pages). */
typedef struct ProcStat {
    unsigned long long utime, stime, starttime, vsize;
    long long          threads, rss;
} ProcStat;

static int read_stat(ProcStat *ps)
{
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f)
        return -1;
    char line[1024];
    int ok = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    char *p = ok ? strrchr(line, ')') : NULL;   /* the command may hold spaces */
    if (!p)
        return -1;
    /* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
     * utime stime cutime cstime priority nice num_threads itrealvalue
     * starttime vsize rss */
    int n = sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d "
                          "%*d %*d %lld %*d %llu %llu %lld",
                   &ps->utime, &ps->stime, &ps->threads, &ps->starttime, &ps->vsize, &ps->rss);
    return n == 6 ? 0 : -1;
}

/* Boot time (epoch seconds) from /proc/stat's btime line; 0 unknown. */
static long long boot_time(void)
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return 0;
    char line[512];
    long long bt = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "btime %lld", &bt) == 1)
            break;
    fclose(f);
    return bt;
}

void prom_write_process(StrBuf *b)
{
    ProcStat ps;
    long tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
    if (read_stat(&ps) == 0 && tck > 0 && page > 0) {
        unsigned long long cpu = ps.utime + ps.stime;
        prom_family(b, "process_cpu_seconds_total", "counter",
                    "User and system CPU time spent in seconds.");
        strbuf_appendf(b, "process_cpu_seconds_total %llu.%02llu\n", cpu / (unsigned long)tck,
                       (cpu % (unsigned long)tck) * 100 / (unsigned long)tck);
        prom_family(b, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
        prom_sample(b, "process_resident_memory_bytes", "", ps.rss * page);
        prom_family(b, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
        prom_sample(b, "process_virtual_memory_bytes", "", (int64_t)ps.vsize);
        prom_family(b, "process_threads", "gauge", "Threads of the process.");
        prom_sample(b, "process_threads", "", ps.threads);
        long long bt = boot_time();
        if (bt > 0) {
            prom_family(b, "process_start_time_seconds", "gauge",
                        "Start time of the process since unix epoch in seconds.");
            prom_sample(b, "process_start_time_seconds", "",
                        bt + (int64_t)(ps.starttime / (unsigned long)tck));
        }
    }
    int fds = count_fds();
    if (fds >= 0) {
        prom_family(b, "process_open_fds", "gauge", "Number of open file descriptors.");
        prom_sample(b, "process_open_fds", "", fds);
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        prom_family(b, "process_max_fds", "gauge", "Maximum number of open file descriptors.");
        prom_sample(b, "process_max_fds", "", (int64_t)rl.rlim_cur);
    }
}
