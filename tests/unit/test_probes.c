/* test_probes — probes_run() against real loopback peers.
 *
 * Peers: a libmicrohttpd daemon on 127.0.0.1:<ephemeral> ("/ok" 200,
 * "/fail" 503, "/redirect" 302, "/slow" 200 after 3 s), listening and
 * just-closed TCP ports, and real commands (true, sh, sleep). Timing checks
 * are relative (a fast probe finishes long before a slow probe's timeout),
 * never "sleep and hope".
 */
#include "probes.h"
#include "domain/probe_kinds.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h> /* cmocka needs these before its header */
#include <cmocka.h>

#define SLOW_HANDLER_MS 3000

/* ---- helpers ------------------------------------------------------------ */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static ProbeSpec spec(const char *kind, const char *target, int timeout_ms, int expect)
{
    return (ProbeSpec){ .kind = kind, .target = target, .timeout_ms = timeout_ms,
                        .expect_status = expect };
}

static void assert_prefix(const char *s, const char *prefix)
{
    if (strncmp(s, prefix, strlen(prefix)) != 0)
        fail_msg("\"%s\" does not start with \"%s\"", s, prefix);
}

/* Listening (or, with do_listen 0, bound-then-closed) loopback port. */
static int loopback_socket(int family, int do_listen, int backlog, int *out_port)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    memset(&ss, 0, sizeof ss);
    if (family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *a;
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        len = sizeof *a;
    }
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || (do_listen && listen(fd, backlog) < 0) ||
        getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
        close(fd);
        return -1;
    }
    *out_port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                        : ((struct sockaddr_in6 *)&ss)->sin6_port);
    if (!do_listen) {
        close(fd);
        return 0;
    }
    return fd;
}

static int closed_port(void)
{
    int port = 0;
    assert_int_equal(loopback_socket(AF_INET, 0, 0, &port), 0);
    return port;
}

/* ---- the HTTP peer ------------------------------------------------------ */

static struct MHD_Daemon *httpd;
static int http_port;
static char url_ok[64], url_fail[64], url_slow[64], url_redirect[64], url_refused[64];

static pthread_mutex_t slow_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slow_cv;
static int shutting_down;

/* Hold a "/slow" request for SLOW_HANDLER_MS, or until teardown. */
static void slow_wait(void)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += SLOW_HANDLER_MS / 1000;
    pthread_mutex_lock(&slow_mu);
    while (!shutting_down && pthread_cond_timedwait(&slow_cv, &slow_mu, &until) != ETIMEDOUT)
        ;
    pthread_mutex_unlock(&slow_mu);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version,
                               const char *upload_data, size_t *upload_data_size,
                               void **con_cls)
{
    static int first_call_marker;
    (void)cls;
    (void)method;
    (void)version;
    (void)upload_data;
    (void)upload_data_size;

    if (*con_cls == NULL) { /* answer on the second call */
        *con_cls = &first_call_marker;
        return MHD_YES;
    }
    unsigned status = MHD_HTTP_NOT_FOUND;
    const char *body = "not found\n";
    if (strcmp(url, "/ok") == 0) {
        status = MHD_HTTP_OK;
        body = "ok\n";
    } else if (strcmp(url, "/fail") == 0) {
        status = MHD_HTTP_SERVICE_UNAVAILABLE;
        body = "down\n";
    } else if (strcmp(url, "/redirect") == 0) {
        status = MHD_HTTP_FOUND;
        body = "";
    } else if (strcmp(url, "/slow") == 0) {
        slow_wait();
        status = MHD_HTTP_OK;
        body = "finally\n";
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    if (status == MHD_HTTP_FOUND)
        MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, "/ok");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static int group_setup(void **state)
{
    (void)state;
    struct sockaddr_in addr = { .sin_family = AF_INET };
    pthread_condattr_t ca;

    /* Loopback peers must not be sent to a proxy from the environment. */
    unsetenv("http_proxy");
    unsetenv("HTTP_PROXY");
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("all_proxy");
    unsetenv("ALL_PROXY");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return -1;

    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&slow_cv, &ca);
    pthread_condattr_destroy(&ca);

    /* A thread per connection: a held "/slow" must not stall "/ok". */
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    httpd = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                                 MHD_USE_ERROR_LOG,
                             0, NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR,
                             (struct sockaddr *)&addr, MHD_OPTION_END);
    if (!httpd)
        return -1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(httpd, MHD_DAEMON_INFO_BIND_PORT);
    if (!info || info->port == 0)
        return -1;
    http_port = info->port;
    snprintf(url_ok, sizeof url_ok, "http://127.0.0.1:%d/ok", http_port);
    snprintf(url_fail, sizeof url_fail, "http://127.0.0.1:%d/fail", http_port);
    snprintf(url_slow, sizeof url_slow, "http://127.0.0.1:%d/slow", http_port);
    snprintf(url_redirect, sizeof url_redirect, "http://127.0.0.1:%d/redirect", http_port);
    snprintf(url_refused, sizeof url_refused, "http://127.0.0.1:%d/", closed_port());
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    pthread_mutex_lock(&slow_mu);
    shutting_down = 1;
    pthread_cond_broadcast(&slow_cv);
    pthread_mutex_unlock(&slow_mu);
    if (httpd)
        MHD_stop_daemon(httpd);
    pthread_cond_destroy(&slow_cv);
    curl_global_cleanup();
    return 0;
}

/* ---- probe_split_argv --------------------------------------------------- */

static void test_split_argv(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *want[5]; /* NULL-terminated; all NULL = expect NULL */
    } cases[] = {
        { "true", { "true" } },
        { "  sleep   30  ", { "sleep", "30" } },
        { "sh -c \"exit 3\"", { "sh", "-c", "exit 3" } },
        { "echo \"\" x", { "echo", "", "x" } },               /* "" is an argument */
        { "a\"b c\"d", { "ab cd" } },                         /* quotes join a word */
        { "tab\tsep\nnl", { "tab", "sep", "nl" } },
        { "it's", { "it's" } },                               /* only " quotes */
        { "", { NULL } },                                     /* empty */
        { "   \t ", { NULL } },                               /* blank */
        { "sh -c \"exit 3", { NULL } },                       /* unbalanced */
        { "\"", { NULL } },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char **argv = probe_split_argv(cases[i].in);
        if (!cases[i].want[0]) {
            if (argv)
                fail_msg("case %zu \"%s\": want NULL", i, cases[i].in);
            continue;
        }
        if (!argv)
            fail_msg("case %zu \"%s\": got NULL", i, cases[i].in);
        size_t j = 0;
        for (; cases[i].want[j]; j++) {
            if (!argv[j] || strcmp(argv[j], cases[i].want[j]) != 0)
                fail_msg("case %zu \"%s\": argv[%zu] = \"%s\", want \"%s\"", i, cases[i].in, j,
                         argv[j] ? argv[j] : "(null)", cases[i].want[j]);
        }
        assert_null(argv[j]);
        probe_free_argv(argv);
    }
    assert_null(probe_split_argv(NULL));
    probe_free_argv(NULL);
}

/* ---- batch arguments ---------------------------------------------------- */

static void test_bad_arguments(void **state)
{
    (void)state;
    ProbeSpec s = spec("cmd", "true", 1000, 0);
    ProbeResult r = { .ok = 42 };

    assert_int_equal(probes_run(NULL, 1, &r), -EINVAL);
    assert_int_equal(probes_run(&s, 1, NULL), -EINVAL);
    assert_int_equal(probes_run(&s, -1, &r), -EINVAL);
    assert_int_equal(r.ok, 42); /* untouched on failure */
    assert_int_equal(probes_run(NULL, 0, NULL), 0);

    ProbeSpec bad[2] = { spec("bogus", "x", 100, 0), spec("tcp", NULL, 100, 0) };
    ProbeResult br[2];
    assert_int_equal(probes_run(bad, 2, br), 0);
    assert_false(br[0].ok);
    assert_prefix(br[0].error, "invalid probe");
    assert_string_equal(br[0].error, "invalid probe kind bogus");
    assert_false(br[1].ok);
    assert_prefix(br[1].error, "invalid probe");
}

/* ---- the kinds: the domain's table and the engine's ops ------------------ */

/* Every kind a probe may be stored with (domain/probe_kinds.c) can run
 * here (engine/probes.c probe_ops[]), and the validation is the table's. */
static void test_kinds_tables_agree(void **state)
{
    (void)state;
    const ProbeKindDef *k;
    int n = 0;
    for (int i = 0; (k = probe_kind_at(i)); i++, n++) {
        if (!probes_supports(k->name))
            fail_msg("probe kind '%s' has no engine ops", k->name);
        assert_ptr_equal(probe_kind_find(k->name), k);
    }
    assert_true(n >= 3);                 /* http, tcp, cmd at least */
    assert_false(probes_supports("bogus"));
    assert_null(probe_kind_find("bogus"));

    char err[200];
    assert_int_equal(probe_kind_validate("ftp", "x", 0, err, sizeof err), -EINVAL);
    assert_prefix(err, "Probe kind must be ");     /* "http, tcp or cmd" today */
    for (int i = 0; (k = probe_kind_at(i)); i++)
        assert_non_null(strstr(err, k->name));
    assert_int_equal(probe_kind_validate("tcp", "", 0, err, sizeof err), -EINVAL);
    assert_string_equal(err, "Probe target is required");
    assert_int_equal(probe_kind_validate("tcp", "db:70000", 0, err, sizeof err), -EINVAL);
    assert_string_equal(err, "TCP probe target must be host:port with a port 1..65535");
    assert_int_equal(probe_kind_validate("http", "ftp://x", 0, err, sizeof err), -EINVAL);
    assert_int_equal(probe_kind_validate("http", "http://x/", 999, err, sizeof err), -EINVAL);
    assert_int_equal(probe_kind_validate("http", "http://x/", 204, err, sizeof err), 0);
    assert_int_equal(probe_kind_validate("cmd", "true", 256, err, sizeof err), -EINVAL);
    assert_int_equal(probe_kind_validate("cmd", "true", 3, err, sizeof err), 0);
}

/* ---- HTTP --------------------------------------------------------------- */

static void test_http_status(void **state)
{
    (void)state;
    ProbeSpec s[] = {
        spec("http", url_ok, 2000, 0),
        spec("http", url_fail, 2000, 0),
        spec("http", url_fail, 2000, 503),   /* exact match makes 503 healthy */
        spec("http", url_ok, 2000, 204),     /* exact match: 200 is not 204 */
        spec("http", url_redirect, 2000, 0), /* redirects are not followed */
        spec("http", url_redirect, 2000, 302),
    };
    ProbeResult r[6];
    assert_int_equal(probes_run(s, 6, r), 0);

    assert_true(r[0].ok);
    assert_int_equal(r[0].code, 200);
    assert_string_equal(r[0].error, "");
    assert_false(r[0].timed_out);
    assert_true(r[0].latency_ms >= 0 && r[0].latency_ms < 2000);

    assert_false(r[1].ok);
    assert_int_equal(r[1].code, 503);
    assert_string_equal(r[1].error, "HTTP 503");
    assert_false(r[1].timed_out);

    assert_true(r[2].ok);
    assert_int_equal(r[2].code, 503);
    assert_string_equal(r[2].error, "");

    assert_false(r[3].ok);
    assert_int_equal(r[3].code, 200);
    assert_string_equal(r[3].error, "HTTP 200");

    assert_false(r[4].ok);
    assert_int_equal(r[4].code, 302);
    assert_string_equal(r[4].error, "HTTP 302");

    assert_true(r[5].ok);
    assert_int_equal(r[5].code, 302);
}

/* A slow target times out at its own timeout; a fast one in the same batch
 * is not held back by it. */
static void test_http_slow_does_not_delay_fast(void **state)
{
    (void)state;
    ProbeSpec s[] = {
        spec("http", url_slow, 300, 0),
        spec("http", url_ok, 5000, 0),
    };
    ProbeResult r[2];
    int64_t t0 = mono_ms();
    assert_int_equal(probes_run(s, 2, r), 0);
    int64_t took = mono_ms() - t0;

    assert_false(r[0].ok);
    assert_true(r[0].timed_out);
    assert_int_equal(r[0].code, -1);
    assert_string_equal(r[0].error, "timed out after 300 ms");
    assert_true(r[0].latency_ms >= 290);
    assert_true(took < SLOW_HANDLER_MS); /* did not wait for the server */

    assert_true(r[1].ok);
    assert_false(r[1].timed_out);
    assert_true(r[1].latency_ms < 250);
}

static void test_http_unreachable(void **state)
{
    (void)state;
    ProbeSpec s[] = {
        spec("http", "http://nonexistent.invalid/", 5000, 0),
        spec("http", url_refused, 2000, 0),
        spec("http", "file:///etc/passwd", 2000, 0), /* http(s) only */
    };
    ProbeResult r[3];
    assert_int_equal(probes_run(s, 3, r), 0);

    assert_false(r[0].ok);
    assert_false(r[0].timed_out);
    assert_int_equal(r[0].code, -1);
    assert_string_equal(r[0].error, "could not resolve host: nonexistent.invalid");

    assert_false(r[1].ok);
    assert_int_equal(r[1].code, -1);
    assert_string_equal(r[1].error, "connection refused");

    assert_false(r[2].ok);
    assert_int_equal(r[2].code, -1);
    assert_true(r[2].error[0] != '\0');
}

/* ---- TCP ---------------------------------------------------------------- */

static void test_tcp(void **state)
{
    (void)state;
    int port;
    int lfd = loopback_socket(AF_INET, 1, 16, &port);
    assert_true(lfd >= 0);
    int refused = closed_port();

    char open4[64], byname[64], shut[64];
    snprintf(open4, sizeof open4, "127.0.0.1:%d", port);
    snprintf(byname, sizeof byname, "localhost:%d", port); /* via /etc/hosts */
    snprintf(shut, sizeof shut, "127.0.0.1:%d", refused);

    ProbeSpec s[] = {
        spec("tcp", open4, 2000, 0),
        spec("tcp", byname, 2000, 0),
        spec("tcp", shut, 2000, 0),
        spec("tcp", "nonexistent.invalid:80", 2000, 0),
        spec("tcp", "no-port-here", 2000, 0),
        spec("tcp", "::1:80", 2000, 0), /* IPv6 needs brackets */
        spec("tcp", "127.0.0.1:", 2000, 0),
    };
    ProbeResult r[7];
    assert_int_equal(probes_run(s, 7, r), 0);

    assert_true(r[0].ok);
    assert_int_equal(r[0].code, 0);
    assert_string_equal(r[0].error, "");
    assert_true(r[1].ok);

    assert_false(r[2].ok);
    assert_false(r[2].timed_out);
    assert_int_equal(r[2].code, -1);
    assert_string_equal(r[2].error, "connection refused");

    assert_false(r[3].ok);
    assert_string_equal(r[3].error, "could not resolve host: nonexistent.invalid");

    for (int i = 4; i < 7; i++) {
        assert_false(r[i].ok);
        assert_prefix(r[i].error, "invalid target");
    }
    close(lfd);
}

static void test_tcp_ipv6(void **state)
{
    (void)state;
    int port;
    int lfd = loopback_socket(AF_INET6, 1, 16, &port);
    if (lfd < 0)
        skip(); /* no IPv6 loopback on this machine */

    char target[64];
    snprintf(target, sizeof target, "[::1]:%d", port);
    ProbeSpec s = spec("tcp", target, 2000, 0);
    ProbeResult r;
    assert_int_equal(probes_run(&s, 1, &r), 0);
    assert_true(r.ok);
    assert_string_equal(r.error, "");
    close(lfd);
}

/* A listener whose accept queue is full: Linux drops further SYNs, so the
 * connect hangs and the probe must end at its own timeout, while a fast
 * probe in the same batch is not held back. */
static void test_tcp_timeout(void **state)
{
    (void)state;
    int port, okport;
    int lfd = loopback_socket(AF_INET, 1, 0, &port);
    int ofd = loopback_socket(AF_INET, 1, 16, &okport);
    assert_true(lfd >= 0 && ofd >= 0);

    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fill[4];
    for (int i = 0; i < 4; i++) {
        fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        assert_true(fill[i] >= 0);
        (void)connect(fill[i], (struct sockaddr *)&a, sizeof a); /* EINPROGRESS */
    }

    char full[64], open4[64];
    snprintf(full, sizeof full, "127.0.0.1:%d", port);
    snprintf(open4, sizeof open4, "127.0.0.1:%d", okport);
    ProbeSpec s[] = { spec("tcp", full, 300, 0), spec("tcp", open4, 5000, 0) };
    ProbeResult r[2];
    assert_int_equal(probes_run(s, 2, r), 0);

    for (int i = 0; i < 4; i++)
        close(fill[i]);
    close(ofd);
    close(lfd);
    if (r[0].ok)
        skip(); /* this kernel accepted past the backlog; nothing to time out */
    assert_true(r[0].timed_out);
    assert_int_equal(r[0].code, -1);
    assert_string_equal(r[0].error, "timed out after 300 ms");
    assert_true(r[0].latency_ms >= 290 && r[0].latency_ms < 1000);
    assert_true(r[1].ok);
    assert_true(r[1].latency_ms < 250);
}

/* ---- CMD ---------------------------------------------------------------- */

static void test_cmd(void **state)
{
    (void)state;
    ProbeSpec s[] = {
        spec("cmd", "true", 2000, 0),
        spec("cmd", "sh -c \"exit 3\"", 2000, 0),
        spec("cmd", "sh -c \"exit 3\"", 2000, 3),
        spec("cmd", "resops-no-such-program-xyz --help", 2000, 0),
        spec("cmd", "sh -c \"kill -9 $$\"", 2000, 0),
        spec("cmd", "sh -c \"exit 2", 2000, 0),
        spec("cmd", "sh -c \"echo out; echo err >&2; read x; exit $?\"", 2000, 1),
    };
    ProbeResult r[7];
    assert_int_equal(probes_run(s, 7, r), 0);

    assert_true(r[0].ok);
    assert_int_equal(r[0].code, 0);
    assert_string_equal(r[0].error, "");

    assert_false(r[1].ok);
    assert_int_equal(r[1].code, 3);
    assert_string_equal(r[1].error, "exit status 3");

    assert_true(r[2].ok);
    assert_int_equal(r[2].code, 3);
    assert_string_equal(r[2].error, "");

    assert_false(r[3].ok);
    assert_int_equal(r[3].code, -1);
    assert_string_equal(r[3].error,
                        "cannot run resops-no-such-program-xyz: No such file or directory");

    assert_false(r[4].ok);
    assert_int_equal(r[4].code, -1);
    assert_string_equal(r[4].error, "killed by signal 9");

    assert_false(r[5].ok);
    assert_prefix(r[5].error, "invalid command");

    /* stdin is /dev/null: `read` hits EOF and exits 1 instead of hanging. */
    assert_true(r[6].ok);
    assert_int_equal(r[6].code, 1);
}

/* "sleep 30" is killed at its timeout, and so is a grandchild started by
 * `sh -c` (the whole process group gets SIGKILL). */
static void test_cmd_timeout_kills_group(void **state)
{
    (void)state;
    char path[] = "/tmp/test_probes_pid_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);

    char cmd[256];
    snprintf(cmd, sizeof cmd, "sh -c \"sleep 30 & echo $! > %s; wait\"", path);
    ProbeSpec s[] = {
        spec("cmd", "sleep 30", 300, 0),
        spec("cmd", cmd, 500, 0),
        spec("cmd", "true", 5000, 0),
    };
    ProbeResult r[3];

    /* Orphans of the killed shell come to us, so we can see how they died. */
    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
    int64_t t0 = mono_ms();
    assert_int_equal(probes_run(s, 3, r), 0);
    int64_t took = mono_ms() - t0;

    assert_false(r[0].ok);
    assert_true(r[0].timed_out);
    assert_int_equal(r[0].code, -1);
    assert_string_equal(r[0].error, "timed out after 300 ms");
    assert_true(r[0].latency_ms >= 290 && r[0].latency_ms < 1000);

    assert_true(r[1].timed_out);
    assert_string_equal(r[1].error, "timed out after 500 ms");

    assert_true(r[2].ok);
    assert_true(r[2].latency_ms < 250);
    assert_true(took < 2000);

    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int gpid = 0;
    assert_int_equal(fscanf(f, "%d", &gpid), 1);
    fclose(f);
    unlink(path);

    /* Wait (bounded) for the orphaned sleep to be reparented and reaped. */
    int st = 0;
    pid_t got = 0;
    for (int64_t until = mono_ms() + 2000; mono_ms() < until;) {
        got = waitpid(gpid, &st, WNOHANG);
        if (got == gpid)
            break;
        struct timespec tick = { 0, 5 * 1000 * 1000 };
        nanosleep(&tick, NULL);
    }
    prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
    if (got != gpid) {
        kill(gpid, SIGKILL);
        fail_msg("grandchild %d was not killed with its group", gpid);
    }
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGKILL);
}

/* ---- everything at once ------------------------------------------------- */

static void test_mixed_batch(void **state)
{
    (void)state;
    int port;
    int lfd = loopback_socket(AF_INET, 1, 16, &port);
    assert_true(lfd >= 0);
    char open4[64], shut[64];
    snprintf(open4, sizeof open4, "127.0.0.1:%d", port);
    snprintf(shut, sizeof shut, "127.0.0.1:%d", closed_port());

    ProbeSpec s[] = {
        spec("http", url_ok, 3000, 0),
        spec("http", url_fail, 3000, 0),
        spec("http", url_slow, 300, 0),
        spec("tcp", open4, 3000, 0),
        spec("tcp", shut, 3000, 0),
        spec("cmd", "true", 3000, 0),
        spec("cmd", "sleep 30", 300, 0),
        spec("cmd", "resops-no-such-program-xyz", 3000, 0),
        spec("http", "http://nonexistent.invalid/", 3000, 0),
    };
    enum { N = sizeof s / sizeof s[0] };
    ProbeResult r[N];
    for (int i = 0; i < N; i++)
        s[i].service_id = 100 + i;

    int64_t t0 = mono_ms();
    assert_int_equal(probes_run(s, N, r), 0);
    int64_t took = mono_ms() - t0;
    assert_true(took < 2000);

    assert_true(r[0].ok);
    assert_true(r[0].latency_ms < 250);
    assert_string_equal(r[1].error, "HTTP 503");
    assert_true(r[2].timed_out);
    assert_true(r[3].ok);
    assert_true(r[3].latency_ms < 250);
    assert_string_equal(r[4].error, "connection refused");
    assert_true(r[5].ok);
    assert_true(r[5].latency_ms < 250);
    assert_true(r[6].timed_out);
    assert_int_equal(r[6].code, -1);
    assert_prefix(r[7].error, "cannot run");
    assert_prefix(r[8].error, "could not resolve host");
    for (int i = 0; i < N; i++) {
        if (r[i].ok)
            assert_string_equal(r[i].error, "");
        else
            assert_true(r[i].error[0] != '\0');
    }
    close(lfd);
}

/* ---- from other threads ------------------------------------------------- */

typedef struct Batch {
    ProbeSpec   s[4];
    ProbeResult r[4];
    int         rc;
} Batch;

static void *run_batch(void *arg)
{
    Batch *b = arg;
    b->rc = probes_run(b->s, 4, b->r);
    return NULL;
}

/* Two engine-like threads run batches with children at the same time; each
 * reaps only its own children. */
static void test_concurrent_threads(void **state)
{
    (void)state;
    Batch b[2];
    pthread_t th[2];

    for (int i = 0; i < 2; i++) {
        b[i].s[0] = spec("cmd", "sh -c \"exit 3\"", 3000, 3);
        b[i].s[1] = spec("cmd", "sleep 30", 300, 0);
        b[i].s[2] = spec("http", url_ok, 3000, 0);
        b[i].s[3] = spec("cmd", "true", 3000, 0);
        b[i].rc = -1;
        assert_int_equal(pthread_create(&th[i], NULL, run_batch, &b[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(b[i].rc, 0);
        assert_true(b[i].r[0].ok);
        assert_int_equal(b[i].r[0].code, 3);
        assert_true(b[i].r[1].timed_out);
        assert_true(b[i].r[2].ok);
        assert_true(b[i].r[3].ok);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_argv),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_kinds_tables_agree),
        cmocka_unit_test(test_http_status),
        cmocka_unit_test(test_http_slow_does_not_delay_fast),
        cmocka_unit_test(test_http_unreachable),
        cmocka_unit_test(test_tcp),
        cmocka_unit_test(test_tcp_ipv6),
        cmocka_unit_test(test_tcp_timeout),
        cmocka_unit_test(test_cmd),
        cmocka_unit_test(test_cmd_timeout_kills_group),
        cmocka_unit_test(test_mixed_batch),
        cmocka_unit_test(test_concurrent_threads),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
