/* bench_probes — wall time of one probes_run() batch of many probes
 * against loopback peers: can one check interval (10 s) cover them?
 *
 * usage: bench_probes [--runs K] [N]       (default: 3 runs of N = 1000)
 *
 * How it works: a libmicrohttpd daemon on 127.0.0.1:<ephemeral> (epoll,
 * a pool of 4 threads, large backlog and connection limit) answers every
 * GET with 200 "ok". Three batches, each run K times:
 *   - http:  N HTTP probes of http://127.0.0.1:<port>/ok
 *   - tcp:   N TCP probes, alternately the daemon's port (expected up)
 *            and a bound-then-closed port (expected "connection refused")
 *   - mixed: N/2 HTTP probes and N/2 TCP probes of the daemon's port
 * Every probe has the production default timeout of 10 s. A probe counts as
 * "as expected" when it is ok for a live target and failed for the closed
 * port. The soft fd limit is raised to the hard limit first (each HTTP or
 * TCP probe holds one socket; the daemon holds the other end).
 *
 * Exit status: 0 when every batch ran (a missed target is reported, not an
 * error), 1 when the peer or a batch could not start, 2 on bad usage.
 */
#include "bench_result.h"
#include "probes.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_MS    10000
#define TARGET_MS     10000.0  /* one check interval */
#define POOL_THREADS  4
#define MAX_RUNS      20

static atomic_long served;

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version,
                              const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    static const char body[] = "ok";
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)con_cls;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    atomic_fetch_add(&served, 1);
    return ret;
}

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A loopback port nobody listens on (bound, then closed); 0 on error. */
static int closed_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int port = 0;
    if (bind(fd, (struct sockaddr *)&a, len) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

typedef struct Batch {
    const char *name;
    ProbeSpec  *specs;
    int        *expect_ok;  /* per probe: 1 live target, 0 refused port */
    int         n;
} Batch;

typedef struct BatchRun {
    double wall_ms;
    int    ok, as_expected, timed_out;
    int    p50, p95, pmax;  /* per-probe latency, ms */
} BatchRun;

static int run_batch(const Batch *b, BatchRun *out)
{
    ProbeResult *res = calloc((size_t)b->n, sizeof *res);
    int *lat = calloc((size_t)b->n, sizeof *lat);
    if (!res || !lat) {
        free(res);
        free(lat);
        return -1;
    }
    double t0 = mono_ms();
    int r = probes_run(b->specs, b->n, res);
    out->wall_ms = mono_ms() - t0;
    if (r < 0) {
        fprintf(stderr, "bench_probes: %s batch could not run: %s\n", b->name, strerror(-r));
        free(res);
        free(lat);
        return -1;
    }
    out->ok = out->as_expected = out->timed_out = 0;
    for (int i = 0; i < b->n; i++) {
        out->ok += res[i].ok;
        out->as_expected += res[i].ok == b->expect_ok[i];
        out->timed_out += res[i].timed_out;
        lat[i] = res[i].latency_ms;
    }
    /* the first unexpected error, to say why without flooding the output */
    for (int i = 0; i < b->n; i++)
        if (res[i].ok != b->expect_ok[i]) {
            fprintf(stderr, "bench_probes: %s #%d (%s): %s\n", b->name, i, b->specs[i].target,
                    res[i].ok ? "unexpectedly ok" : res[i].error);
            break;
        }
    qsort(lat, (size_t)b->n, sizeof lat[0], cmp_int);
    out->p50 = lat[b->n / 2];
    out->p95 = lat[(b->n * 95) / 100 < b->n ? (b->n * 95) / 100 : b->n - 1];
    out->pmax = lat[b->n - 1];
    free(res);
    free(lat);
    return 0;
}

static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        printf("fd limit: %llu\n", (unsigned long long)rl.rlim_cur);
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_probes [--runs K] [N]   (default: 3 runs of 1000)\n");
}

int main(int argc, char **argv)
{
    int n = 1000, runs = 3;
    for (int i = 1; i < argc; i++) {
        char *end;
        long v;
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > MAX_RUNS) {
                usage();
                return 2;
            }
            runs = (int)v;
            continue;
        }
        v = strtol(argv[i], &end, 10);
        if (*end || v < 2 || v > 100000) {
            usage();
            return 2;
        }
        n = (int)v;
    }

    raise_fd_limit();
    /* loopback peers must not go through a proxy from the environment */
    static const char *const proxy_vars[] = {"http_proxy", "HTTP_PROXY", "https_proxy",
                                             "HTTPS_PROXY", "all_proxy", "ALL_PROXY"};
    for (size_t i = 0; i < sizeof proxy_vars / sizeof proxy_vars[0]; i++)
        unsetenv(proxy_vars[i]);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "bench_probes: curl_global_init failed\n");
        return 1;
    }

    struct sockaddr_in addr = {.sin_family = AF_INET};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL,
        answer, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)POOL_THREADS,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)(4 * n + 64),
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)(2 * n + 64),
        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
    const union MHD_DaemonInfo *info = d ? MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)
                                         : NULL;
    int refused = closed_port();
    if (!info || !info->port || !refused) {
        fprintf(stderr, "bench_probes: cannot start the loopback HTTP peer\n");
        if (d)
            MHD_stop_daemon(d);
        curl_global_cleanup();
        return 1;
    }
    char url[64], tcp_up[32], tcp_refused[32];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/ok", (unsigned)info->port);
    snprintf(tcp_up, sizeof tcp_up, "127.0.0.1:%u", (unsigned)info->port);
    snprintf(tcp_refused, sizeof tcp_refused, "127.0.0.1:%d", refused);

    enum { B_HTTP, B_TCP, B_MIXED, NBATCH };
    Batch b[NBATCH] = {
        {.name = "http"}, {.name = "tcp"}, {.name = "mixed"},
    };
    for (int k = 0; k < NBATCH; k++) {
        b[k].n = n;
        b[k].specs = calloc((size_t)n, sizeof *b[k].specs);
        b[k].expect_ok = calloc((size_t)n, sizeof *b[k].expect_ok);
        if (!b[k].specs || !b[k].expect_ok)
            return 1;
        for (int i = 0; i < n; i++) {
            ProbeSpec *s = &b[k].specs[i];
            int http = k == B_HTTP || (k == B_MIXED && i % 2 == 0);
            int up = k != B_TCP || i % 2 == 0;
            *s = (ProbeSpec){.service_id = i + 1, .kind = http ? "http" : "tcp",
                             .target = http ? url : up ? tcp_up : tcp_refused,
                             .timeout_ms = TIMEOUT_MS};
            b[k].expect_ok[i] = up;
        }
    }

    static const char *const what[NBATCH] = {
        "HTTP GET /ok", "TCP connect, half live / half refused", "HTTP + TCP, half each"};
    printf("bench_probes: %d probes per batch, timeout %d ms each, peer: MHD epoll, "
           "%d threads, %d runs\n\n",
           n, TIMEOUT_MS, POOL_THREADS, runs);
    printf("| batch | probes | run | wall (ms) | ok | as expected | timed out "
           "| latency p50 / p95 / max (ms) |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    double worst[NBATCH] = {0};
    int all_expected = 1;
    for (int k = 0; k < NBATCH; k++)
        for (int r = 0; r < runs; r++) {
            BatchRun br;
            if (run_batch(&b[k], &br) < 0) {
                MHD_stop_daemon(d);
                curl_global_cleanup();
                return 1;
            }
            printf("| %s (%s) | %d | %d | %.0f | %d | %d | %d | %d / %d / %d |\n", b[k].name,
                   what[k], n, r + 1, br.wall_ms, br.ok, br.as_expected, br.timed_out, br.p50,
                   br.p95, br.pmax);
            fflush(stdout);
            if (br.wall_ms > worst[k])
                worst[k] = br.wall_ms;
            all_expected &= br.as_expected == n;
        }
    printf("\nrequests served by the peer: %ld\n", atomic_load(&served));
    printf("target %d HTTP probes within %.0f ms: worst %.0f ms, %s  %s\n", n, TARGET_MS,
           worst[B_HTTP], all_expected ? "every probe as expected" : "SOME PROBES WRONG",
           worst[B_HTTP] <= TARGET_MS && all_expected ? "OK" : "MISSED");

    for (int k = 0; k < NBATCH; k++)
        bench_result(worst[k], "ms", NULL, "probes.%s.worst_ms", b[k].name);
    bench_result(n, "probes", NULL, "probes.n");
    bench_result(all_expected, "bool", NULL, "probes.as_expected");
    MHD_stop_daemon(d);
    for (int k = 0; k < NBATCH; k++) {
        free(b[k].specs);
        free(b[k].expect_ok);
    }
    curl_global_cleanup();
    return 0;
}
