/* probes — see probes.h.
 *
 * DESIGN
 * probes_run() turns each spec into a Probe with its own start time,
 * deadline (start + timeout) and ops (the row of probe_ops[] its kind
 * names), starts all of them, then drives them from one loop until every
 * probe has a result and no ops has anything left to wait for:
 *
 *   - HTTP: one easy handle each, all on one curl multi handle. curl enforces
 *     CURLOPT_TIMEOUT_MS itself; the loop also enforces the deadline, so a
 *     result never comes later than the probe's own timeout.
 *   - TCP: non-blocking connect; the socket waits for POLLOUT, then SO_ERROR
 *     says how it went. A failed address falls through to the next one that
 *     the resolver returned ("localhost" may give ::1 before 127.0.0.1).
 *   - CMD: a child of proc.h (posix_spawn, its own process group, stdio on
 *     /dev/null); a program that cannot run is known at start. At the
 *     deadline the whole group gets SIGKILL (so `sh -c` grandchildren die
 *     too).
 *
 * One turn of the loop: curl progresses, then each probe's ops poll()s
 * (a child is reaped), a probe past its deadline times out (its ops
 * expire() releases what it holds), and the ops that wait on a socket
 * name it (wait_fd). The wait is curl_multi_poll() with those sockets as
 * extra fds (plain poll() when there is no HTTP probe). curl_multi_poll()
 * does not report POLLERR/POLLHUP for extra fds, so after waking, a
 * zero-timeout poll() on the sockets gives the real events. Children are
 * not fds here: while an ops says it is busy (a child alive) the wait is
 * capped at REAP_TICK_MS and each child is checked with waitpid(pid,
 * WNOHANG). No SIGCHLD handler, no signal handlers at all, and waitpid()
 * only ever names our own pids, so other threads may run their own
 * children (as long as nobody calls waitpid(-1)).
 *
 * Name resolution for TCP: numeric addresses (AI_NUMERICHOST) never block;
 * names go through a blocking getaddrinfo() during the start phase. That is
 * fast for /etc/hosts names and for a failing or local resolver, but a slow
 * DNS server would hold up the batch start; HTTP uses curl's own (threaded)
 * resolver and is not affected.
 *
 * Redirects are not followed: a health URL that answers 3xx (often a login
 * page) is reported as "HTTP 302" and fails, unless expect_status asks for
 * that exact code. Only http and https URLs are allowed. Proxy settings from
 * the environment (http_proxy, no_proxy) apply, as for any curl client.
 *
 * A new kind is one row of probe_ops[] (same name as its row of the
 * domain's probe_kinds[]), its fields in Probe and its functions here.
 */
#include "probes.h"
#include "proc.h"

#include "log.h"
#include "util.h"

#include <curl/curl.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROBE_DEFAULT_TIMEOUT_MS 10000
#define REAP_TICK_MS             10    /* waitpid(WNOHANG) cadence */
#define KILL_GRACE_MS            2000  /* wait this long for a SIGKILLed child */
#define PROBE_USER_AGENT         "resops-probe/1"

typedef struct Probe Probe;

/* How one kind of probe runs; every function but start may be NULL. */
typedef struct ProbeOps {
    const char *name;                 /* the domain's kind name (probe_kinds.h) */
    int         uses_curl;            /* needs the batch's curl multi handle */
    void      (*start)(Probe *p, CURLM *multi);       /* begin, or finish at once */
    void      (*poll)(Probe *p);                      /* look after each wait */
    int       (*busy)(const Probe *p);                /* 1: look again within REAP_TICK_MS */
    int       (*wait_fd)(const Probe *p);             /* a socket to wait on (POLLOUT), or -1 */
    void      (*ready)(Probe *p);                     /* that socket has events */
    void      (*expire)(Probe *p, CURLM *multi, int64_t now); /* timed out: release */
    void      (*stop)(Probe *p, CURLM *multi);        /* end of batch: free everything */
} ProbeOps;

struct Probe {
    const ProbeSpec *spec;
    const ProbeOps  *ops;         /* NULL: unknown kind (finished at start) */
    ProbeResult     *res;
    int              timeout_ms;
    int64_t          start_ms;
    int64_t          deadline_ms;
    int              done;        /* res is final */

    /* HTTP */
    CURL            *easy;        /* on the multi handle while non-NULL */
    char             curl_err[CURL_ERROR_SIZE];

    /* TCP */
    int              fd;          /* connecting socket, or -1 */
    struct addrinfo *ai_list;
    struct addrinfo *ai_next;     /* next address to try */
    int              last_errno;

    /* CMD */
    char           **argv;
    Proc             proc;        /* proc.pid > 0 until reaped (or given up on) */
};

static const char *errstr(int e, char *buf, size_t size)
{
    return strerror_r(e, buf, size); /* GNU variant: may return a static */
}

/* Write the final result; latency counts from this probe's start. */
__attribute__((format(printf, 5, 6)))
static void finish(Probe *p, int ok, int timed_out, int code, const char *fmt, ...)
{
    ProbeResult *r = p->res;
    va_list ap;

    r->ok = ok;
    r->timed_out = timed_out;
    r->latency_ms = (int)(util_mono_ms() - p->start_ms);
    r->code = code;
    va_start(ap, fmt);
    vsnprintf(r->error, sizeof r->error, fmt, ap);
    va_end(ap);
    p->done = 1;
}

static void finish_timeout(Probe *p)
{
    finish(p, 0, 1, -1, "timed out after %d ms", p->timeout_ms);
}

/* ---- HTTP ------------------------------------------------------------- */

static size_t discard_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    (void)ptr;
    (void)ud;
    return size * nmemb;
}

static void http_start(Probe *p, CURLM *multi)
{
    CURL *e = curl_easy_init();
    if (!e) {
        finish(p, 0, 0, -1, "cannot start HTTP probe");
        return;
    }
    curl_easy_setopt(e, CURLOPT_URL, p->spec->target);
    curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)p);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)p->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)p->timeout_ms);
    curl_easy_setopt(e, CURLOPT_USERAGENT, PROBE_USER_AGENT);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_body);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, p->curl_err);
    p->curl_err[0] = '\0';
    if (curl_multi_add_handle(multi, e) != CURLM_OK) {
        curl_easy_cleanup(e);
        finish(p, 0, 0, -1, "cannot start HTTP probe");
        return;
    }
    p->easy = e;
}

static void http_stop(Probe *p, CURLM *multi)
{
    if (!p->easy)
        return;
    curl_multi_remove_handle(multi, p->easy);
    curl_easy_cleanup(p->easy);
    p->easy = NULL;
}

static void http_expire(Probe *p, CURLM *multi, int64_t now)
{
    (void)now;
    http_stop(p, multi);
}

static void http_resolve_error(Probe *p)
{
    char *host = NULL;
    CURLU *u = curl_url();

    if (u && curl_url_set(u, CURLUPART_URL, p->spec->target, 0) == CURLUE_OK)
        curl_url_get(u, CURLUPART_HOST, &host, 0);
    finish(p, 0, 0, -1, "could not resolve host: %s", host ? host : p->spec->target);
    curl_free(host);
    curl_url_cleanup(u);
}

static void http_done(Probe *p, CURLM *multi, CURLcode rc)
{
    long status = 0;
    long oserr = 0;
    char eb[128];

    curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(p->easy, CURLINFO_OS_ERRNO, &oserr);
    int code = status > 0 ? (int)status : -1;

    switch (rc) {
    case CURLE_OK: {
        int want = p->spec->expect_status;
        int ok = want ? status == want : status >= 200 && status <= 299;
        if (ok)
            finish(p, 1, 0, code, "%s", "");
        else
            finish(p, 0, 0, code, "HTTP %ld", status);
        break;
    }
    case CURLE_COULDNT_RESOLVE_HOST:
        http_resolve_error(p);
        break;
    case CURLE_COULDNT_CONNECT:
        if (oserr == 0 || oserr == ECONNREFUSED)
            finish(p, 0, 0, code, "connection refused");
        else
            finish(p, 0, 0, code, "could not connect: %s", errstr((int)oserr, eb, sizeof eb));
        break;
    case CURLE_OPERATION_TIMEDOUT:
        finish_timeout(p);
        break;
    default:
        finish(p, 0, 0, code, "%s", p->curl_err[0] ? p->curl_err : curl_easy_strerror(rc));
        break;
    }
    http_stop(p, multi);
}

static void http_collect(CURLM *multi)
{
    CURLMsg *m;
    int left;

    while ((m = curl_multi_info_read(multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        char *priv = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
        Probe *p = (Probe *)(void *)priv;
        if (p && !p->done)
            http_done(p, multi, m->data.result);
    }
}

/* ---- TCP -------------------------------------------------------------- */

/* "host:port" or "[v6]:port" into host/port. 0 or -EINVAL. */
static int split_hostport(const char *t, char *host, size_t hsz, char *port, size_t psz)
{
    const char *h, *hend, *colon;

    if (t[0] == '[') {
        h = t + 1;
        hend = strchr(h, ']');
        if (!hend || hend[1] != ':')
            return -EINVAL;
        colon = hend + 1;
    } else {
        h = t;
        colon = strrchr(t, ':');
        if (!colon)
            return -EINVAL;
        hend = colon;
        if (memchr(h, ':', (size_t)(hend - h))) /* bare IPv6 needs brackets */
            return -EINVAL;
    }
    size_t hl = (size_t)(hend - h), pl = strlen(colon + 1);
    if (hl == 0 || hl >= hsz || pl == 0 || pl >= psz)
        return -EINVAL;
    memcpy(host, h, hl);
    host[hl] = '\0';
    memcpy(port, colon + 1, pl + 1);
    return 0;
}

static void tcp_fail(Probe *p)
{
    char eb[128];

    if (p->last_errno == ECONNREFUSED)
        finish(p, 0, 0, -1, "connection refused");
    else
        finish(p, 0, 0, -1, "connect: %s", errstr(p->last_errno, eb, sizeof eb));
}

/* Start connecting to the next address, or finish when none is left. */
static void tcp_try_next(Probe *p)
{
    while (p->ai_next) {
        struct addrinfo *ai = p->ai_next;
        p->ai_next = ai->ai_next;

        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                        ai->ai_protocol);
        if (fd < 0) {
            p->last_errno = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            close(fd);
            finish(p, 1, 0, 0, "%s", "");
            return;
        }
        if (errno == EINPROGRESS || errno == EINTR) {
            p->fd = fd;
            return;
        }
        p->last_errno = errno;
        close(fd);
    }
    tcp_fail(p);
}

static void tcp_start(Probe *p, CURLM *multi)
{
    (void)multi;
    char host[256], port[32];
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    int rc;

    if (split_hostport(p->spec->target, host, sizeof host, port, sizeof port) < 0) {
        finish(p, 0, 0, -1, "invalid target \"%s\" (want host:port)", p->spec->target);
        return;
    }
    hints.ai_flags = AI_NUMERICHOST;
    rc = getaddrinfo(host, port, &hints, &p->ai_list);
    if (rc == EAI_NONAME) {
        /* Not an address literal: the (blocking) resolver, see DESIGN. */
        hints.ai_flags = 0;
        rc = getaddrinfo(host, port, &hints, &p->ai_list);
    }
    if (rc != 0) {
        p->ai_list = NULL;
        if (rc == EAI_SERVICE)
            finish(p, 0, 0, -1, "invalid port: %s", port);
        else
            finish(p, 0, 0, -1, "could not resolve host: %s", host);
        return;
    }
    p->ai_next = p->ai_list;
    p->last_errno = ECONNREFUSED;
    tcp_try_next(p);
}

/* The socket reported events: connected, or try the next address. */
static void tcp_check(Probe *p)
{
    int err = 0;
    socklen_t len = sizeof err;

    if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
    close(p->fd);
    p->fd = -1;
    if (err == 0) {
        finish(p, 1, 0, 0, "%s", "");
        return;
    }
    p->last_errno = err;
    tcp_try_next(p);
}

static int tcp_wait_fd(const Probe *p)
{
    return p->fd;
}

static void tcp_expire(Probe *p, CURLM *multi, int64_t now)
{
    (void)multi;
    (void)now;
    if (p->fd >= 0) {
        close(p->fd);
        p->fd = -1;
    }
}

static void tcp_stop(Probe *p, CURLM *multi)
{
    tcp_expire(p, multi, 0);
    if (p->ai_list)
        freeaddrinfo(p->ai_list);
}

/* ---- CMD -------------------------------------------------------------- */

static void cmd_start(Probe *p, CURLM *multi)
{
    (void)multi;
    char eb[128];

    p->argv = probe_split_argv(p->spec->target);
    if (!p->argv) {
        finish(p, 0, 0, -1, "invalid command: empty or unbalanced quotes");
        return;
    }
    int r = proc_spawn(&p->proc, p->argv, NULL, 0);
    if (r < 0)
        finish(p, 0, 0, -1, "cannot run %s: %s", p->argv[0], errstr(-r, eb, sizeof eb));
}

/* The exit status into the result. */
static void cmd_judge(Probe *p)
{
    int st = p->proc.status;
    if (WIFEXITED(st)) {
        int code = WEXITSTATUS(st);
        if (code == p->spec->expect_status)
            finish(p, 1, 0, code, "%s", "");
        else
            finish(p, 0, 0, code, "exit status %d", code);
    } else if (WIFSIGNALED(st)) {
        finish(p, 0, 0, -1, "killed by signal %d", WTERMSIG(st));
    } else {
        finish(p, 0, 0, -1, "child ended with status 0x%x", (unsigned)st);
    }
}

/* Reap the child if it has exited; write the result unless already final
 * (killed at its timeout). A child that outlives its SIGKILL is let go. */
static void cmd_poll(Probe *p)
{
    char eb[128];
    if (p->proc.pid <= 0)
        return;
    int r = proc_reap(&p->proc);
    if (r > 0 && !p->done)
        cmd_judge(p);
    else if (r < 0 && !p->done)   /* ECHILD: someone called waitpid(-1) behind our back */
        finish(p, 0, 0, -1, "lost child: %s", errstr(-r, eb, sizeof eb));
    if (r == 0 && p->proc.kill_ms && util_mono_ms() - p->proc.kill_ms >= KILL_GRACE_MS) {
        log_warn("probes: pid %d survived SIGKILL for %d ms, not waiting for it",
                 (int)p->proc.pid, KILL_GRACE_MS);
        proc_forget(&p->proc);
    }
}

static int cmd_busy(const Probe *p)
{
    return p->proc.pid > 0;
}

static void cmd_expire(Probe *p, CURLM *multi, int64_t now)
{
    (void)multi;
    proc_kill(&p->proc, now);
}

static void cmd_stop(Probe *p, CURLM *multi)
{
    (void)multi;
    proc_done(&p->proc);
    probe_free_argv(p->argv);
}

/* ---- the kinds ---------------------------------------------------------- */

static const ProbeOps probe_ops[] = {
    {.name = "http", .uses_curl = 1, .start = http_start, .expire = http_expire,
     .stop = http_stop},
    {.name = "tcp", .start = tcp_start, .wait_fd = tcp_wait_fd, .ready = tcp_check,
     .expire = tcp_expire, .stop = tcp_stop},
    {.name = "cmd", .start = cmd_start, .poll = cmd_poll, .busy = cmd_busy,
     .expire = cmd_expire, .stop = cmd_stop},
};

static const ProbeOps *ops_find(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof probe_ops / sizeof probe_ops[0]; i++)
        if (strcmp(probe_ops[i].name, kind) == 0)
            return &probe_ops[i];
    return NULL;
}

int probes_supports(const char *kind)
{
    return ops_find(kind) != NULL;
}

/* ---- the loop ----------------------------------------------------------- */

/* One batch: the probes and the wait set (pfds[k] and wfds[k] are the
 * socket of waiting[k]). */
typedef struct Batch {
    Probe              *ps;
    int                 n;
    CURLM              *multi;       /* NULL when no probe uses curl */
    Probe             **waiting;
    struct pollfd      *pfds;
    struct curl_waitfd *wfds;
    int                 nwait;
    const ProbesHook   *hook;        /* NULL, or watched beside the probes */
} Batch;

static void probe_start(Probe *p, CURLM *multi)
{
    p->start_ms = util_mono_ms();
    p->deadline_ms = p->start_ms + p->timeout_ms;
    if (!p->spec->target) {
        finish(p, 0, 0, -1, "invalid probe: no target");
        return;
    }
    if (!p->ops) {
        finish(p, 0, 0, -1, "invalid probe kind %s", p->spec->kind ? p->spec->kind : "(none)");
        return;
    }
    p->ops->start(p, multi);
}

/* Set up the batch; -ENOMEM when curl cannot. */
static int batch_init(Batch *b, const ProbeSpec *specs, int n, ProbeResult *results)
{
    *b = (Batch){.n = n};
    int curl = 0;
    for (int i = 0; i < n; i++) {
        const ProbeOps *ops = ops_find(specs[i].kind);
        curl |= ops && ops->uses_curl;
    }
    if (curl && !(b->multi = curl_multi_init()))
        return -ENOMEM;
    b->ps = xcalloc((size_t)n, sizeof *b->ps);
    b->waiting = xcalloc((size_t)n, sizeof *b->waiting);
    b->pfds = xcalloc((size_t)n + 1, sizeof *b->pfds);   /* + the hook's fd */
    b->wfds = xcalloc((size_t)n + 1, sizeof *b->wfds);
    for (int i = 0; i < n; i++) {
        Probe *p = &b->ps[i];
        p->spec = &specs[i];
        p->ops = ops_find(specs[i].kind);
        p->res = &results[i];
        memset(p->res, 0, sizeof *p->res);
        p->timeout_ms = specs[i].timeout_ms > 0 ? specs[i].timeout_ms : PROBE_DEFAULT_TIMEOUT_MS;
        p->fd = -1;
        p->proc.pid = -1;
        p->proc.pidfd = p->proc.out_fd = -1;
    }
    return 0;
}

/* One probe's turn: progress, deadline, what to wait on. Returns its
 * deadline while it has no result (else INT64_MAX); *busy when its ops
 * wants another look soon. */
static int64_t probe_turn(Batch *b, Probe *p, int64_t now, int *busy)
{
    const ProbeOps *ops = p->ops;
    if (ops && ops->poll)
        ops->poll(p);
    if (!p->done && now >= p->deadline_ms) {
        finish_timeout(p);
        if (ops && ops->expire)
            ops->expire(p, b->multi, now);
    }
    if (ops && ops->busy && ops->busy(p))
        *busy = 1;
    int fd = !p->done && ops && ops->wait_fd ? ops->wait_fd(p) : -1;
    if (fd >= 0) {
        b->pfds[b->nwait] = (struct pollfd){.fd = fd, .events = POLLOUT};
        b->wfds[b->nwait] = (struct curl_waitfd){.fd = fd, .events = CURL_WAIT_POLLOUT};
        b->waiting[b->nwait++] = p;
    }
    return p->done ? INT64_MAX : p->deadline_ms;
}

/* Wait until the next deadline (at most REAP_TICK_MS while busy), then
 * hand every socket with events to its ops. */
static void batch_wait(Batch *b, int64_t wait, int busy)
{
    if (busy && wait > REAP_TICK_MS)
        wait = REAP_TICK_MS;
    if (wait < 0)
        wait = 0;
    int k = b->nwait, ready;
    int hooked = b->hook && b->hook->fd >= 0;
    if (hooked) {
        b->pfds[k] = (struct pollfd){.fd = b->hook->fd, .events = POLLIN};
        b->wfds[k] = (struct curl_waitfd){.fd = b->hook->fd, .events = CURL_WAIT_POLLIN};
        k++;
    }
    if (b->multi) {
        curl_multi_poll(b->multi, b->wfds, (unsigned)k, (int)wait, NULL);
        ready = k ? poll(b->pfds, (nfds_t)k, 0) : 0;
    } else {
        ready = poll(b->pfds, (nfds_t)k, (int)wait);
    }
    if (hooked && ready > 0 && b->pfds[--k].revents)
        b->hook->ready(b->hook->ctx);
    for (int j = 0; ready > 0 && j < k; j++) {
        if (b->pfds[j].revents)
            b->waiting[j]->ops->ready(b->waiting[j]);
    }
}

static void batch_free(Batch *b)
{
    for (int i = 0; i < b->n && b->ps; i++) {
        Probe *p = &b->ps[i];
        if (p->ops && p->ops->stop)
            p->ops->stop(p, b->multi);
    }
    if (b->multi)
        curl_multi_cleanup(b->multi);
    free(b->wfds);
    free(b->pfds);
    free(b->waiting);
    free(b->ps);
}

int probes_run(const ProbeSpec *specs, int n, ProbeResult *results)
{
    return probes_run_hooked(specs, n, results, NULL);
}

int probes_run_hooked(const ProbeSpec *specs, int n, ProbeResult *results,
                      const ProbesHook *hook)
{
    if (n < 0 || (n > 0 && (!specs || !results)))
        return -EINVAL;
    if (n == 0)
        return 0;
    Batch b;
    if (batch_init(&b, specs, n, results) < 0)
        return -ENOMEM;
    b.hook = hook;
    for (int i = 0; i < n; i++)
        probe_start(&b.ps[i], b.multi);
    for (;;) {
        if (b.multi) {
            int running;
            curl_multi_perform(b.multi, &running);
            http_collect(b.multi);
        }
        int64_t now = util_mono_ms(), next = INT64_MAX;
        int busy = 0;
        b.nwait = 0;
        for (int i = 0; i < n; i++) {
            int64_t d = probe_turn(&b, &b.ps[i], now, &busy);
            if (d < next)
                next = d;
        }
        if (next == INT64_MAX && !busy)
            break;
        batch_wait(&b, next == INT64_MAX ? REAP_TICK_MS : next - now, busy);
    }
    batch_free(&b);
    return 0;
}

/* ---- argv ------------------------------------------------------------- */

char **probe_split_argv(const char *cmd)
{
    if (!cmd)
        return NULL;

    size_t len = strlen(cmd), argc = 0, cap = 4, wl = 0;
    char **argv = xmalloc(cap * sizeof *argv);
    char *word = xmalloc(len + 1);
    int in_quote = 0, in_word = 0;

    for (const char *s = cmd;; s++) {
        char c = *s;
        int end = c == '\0';
        if (!end && c == '"') {
            in_quote = !in_quote;
            in_word = 1; /* "" is an empty argument */
            continue;
        }
        if (end || (!in_quote && (c == ' ' || c == '\t' || c == '\n'))) {
            if (in_word) {
                if (argc + 2 > cap) {
                    cap *= 2;
                    argv = xrealloc(argv, cap * sizeof *argv);
                }
                word[wl] = '\0';
                argv[argc++] = xstrdup(word);
                wl = 0;
                in_word = 0;
            }
            if (end)
                break;
            continue;
        }
        word[wl++] = c;
        in_word = 1;
    }
    free(word);
    argv[argc] = NULL;
    if (in_quote || argc == 0) {
        probe_free_argv(argv);
        return NULL;
    }
    return argv;
}

void probe_free_argv(char **argv)
{
    if (!argv)
        return;
    for (char **a = argv; *a; a++)
        free(*a);
    free(argv);
}
