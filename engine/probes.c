/* probes — see probes.h.
 *
 * DESIGN
 * probes_run() turns each spec into a Probe with its own start time and
 * deadline (start + timeout), starts all of them, then drives them from one
 * loop until every probe has a result and every child has been reaped:
 *
 *   - HTTP: one easy handle each, all on one curl multi handle. curl enforces
 *     CURLOPT_TIMEOUT_MS itself; the loop also enforces the deadline, so a
 *     result never comes later than the probe's own timeout.
 *   - TCP: non-blocking connect; the socket waits for POLLOUT, then SO_ERROR
 *     says how it went. A failed address falls through to the next one that
 *     the resolver returned ("localhost" may give ::1 before 127.0.0.1).
 *   - CMD: fork + execvp, the child in its own process group with stdio on
 *     /dev/null. A close-on-exec pipe carries errno back when exec fails; at
 *     reap time a pending errno means "cannot run". At the deadline the whole
 *     group gets SIGKILL (so `sh -c` grandchildren die too).
 *
 * The wait is curl_multi_poll() with the TCP sockets as extra fds (plain
 * poll() when there is no HTTP probe). curl_multi_poll() does not report
 * POLLERR/POLLHUP for extra fds, so after waking, a zero-timeout poll() on
 * the TCP sockets gives the real events. Children are not fds: while any is
 * alive the wait is capped at REAP_TICK_MS and each is checked with
 * waitpid(pid, WNOHANG). No SIGCHLD handler, no signal handlers at all, and
 * waitpid() only ever names our own pids, so other threads may fork/reap
 * their own children (as long as nobody calls waitpid(-1)).
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
 */
#include "probes.h"

#include "log.h"
#include "util.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROBE_DEFAULT_TIMEOUT_MS 10000
#define REAP_TICK_MS             10    /* waitpid(WNOHANG) cadence */
#define KILL_GRACE_MS            2000  /* wait this long for a SIGKILLed child */
#define PROBE_USER_AGENT         "resops-probe/1"

typedef struct Probe {
    const ProbeSpec *spec;
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
    pid_t            pid;         /* > 0 until reaped (or given up on) */
    int              err_fd;      /* read end of the exec-errno pipe, or -1 */
    int64_t          kill_ms;     /* when SIGKILL was sent, 0 if never */
} Probe;

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

/* Move fd above 0..2 so dup2() onto stdio in the child cannot clobber it. */
static int fd_above_stdio(int fd)
{
    if (fd < 0 || fd > 2)
        return fd;
    int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return nfd;
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

static void tcp_start(Probe *p)
{
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

/* ---- CMD -------------------------------------------------------------- */

/* In the forked child: only async-signal-safe calls from here on. */
__attribute__((noreturn))
static void child_exec(char **argv, int devnull, int err_fd)
{
    sigset_t none;
    struct sigaction dfl;
    int e;

    /* Undo what exec would otherwise inherit from the engine thread: its
     * signal mask and an ignored SIGPIPE (servers usually ignore it). */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &dfl, NULL);

    setpgid(0, 0);
    for (int i = 0; i <= 2; i++) {
        if (dup2(devnull, i) < 0)
            goto fail;
    }
    /* Descriptors that the rest of the program forgot to mark CLOEXEC must
     * not leak into probe commands. Best effort (Linux >= 5.11). */
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    execvp(argv[0], argv);
fail:
    e = errno;
    if (write(err_fd, &e, sizeof e) < 0) {
        /* nothing left to tell anyone */
    }
    _exit(127);
}

static void cmd_start(Probe *p)
{
    int devnull = -1, pipefd[2] = { -1, -1 };
    char eb[128];

    p->argv = probe_split_argv(p->spec->target);
    if (!p->argv) {
        finish(p, 0, 0, -1, "invalid command: empty or unbalanced quotes");
        return;
    }
    devnull = fd_above_stdio(open("/dev/null", O_RDWR | O_CLOEXEC));
    if (devnull < 0 || pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0) {
        finish(p, 0, 0, -1, "cannot run %s: %s", p->argv[0], errstr(errno, eb, sizeof eb));
        goto out;
    }
    pipefd[0] = fd_above_stdio(pipefd[0]);
    pipefd[1] = fd_above_stdio(pipefd[1]);
    if (pipefd[0] < 0 || pipefd[1] < 0) {
        finish(p, 0, 0, -1, "cannot run %s: %s", p->argv[0], errstr(errno, eb, sizeof eb));
        goto out;
    }

    pid_t pid = fork();
    if (pid == 0)
        child_exec(p->argv, devnull, pipefd[1]);
    if (pid < 0) {
        finish(p, 0, 0, -1, "cannot run %s: fork: %s", p->argv[0], errstr(errno, eb, sizeof eb));
        goto out;
    }
    /* Also from this side, so kill(-pid) works even if we get there before
     * the child ran setpgid(); EACCES after its exec is fine. */
    setpgid(pid, pid);
    p->pid = pid;
    p->err_fd = pipefd[0];
    pipefd[0] = -1;
out:
    if (devnull >= 0)
        close(devnull);
    if (pipefd[0] >= 0)
        close(pipefd[0]);
    if (pipefd[1] >= 0)
        close(pipefd[1]);
}

/* Reap the child if it has exited; write the result unless already final. */
static void cmd_reap(Probe *p)
{
    int st, e;
    char eb[128];
    pid_t r = waitpid(p->pid, &st, WNOHANG);

    if (r == 0 || (r < 0 && errno == EINTR))
        return;
    p->pid = -1;
    if (p->done)
        return; /* killed at its timeout, result already written */
    if (r < 0) {
        /* ECHILD: someone called waitpid(-1) behind our back. */
        finish(p, 0, 0, -1, "lost child: %s", errstr(errno, eb, sizeof eb));
        return;
    }
    if (read(p->err_fd, &e, sizeof e) == (ssize_t)sizeof e) {
        finish(p, 0, 0, -1, "cannot run %s: %s", p->argv[0], errstr(e, eb, sizeof eb));
    } else if (WIFEXITED(st)) {
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

static void cmd_kill(Probe *p, int64_t now)
{
    /* The pid is ours and unreaped, so neither it nor its group id can
     * have been recycled. */
    if (kill(-p->pid, SIGKILL) < 0)
        kill(p->pid, SIGKILL);
    p->kill_ms = now;
    finish_timeout(p);
}

/* ---- the loop ----------------------------------------------------------- */

static void probe_start(Probe *p, CURLM *multi)
{
    p->start_ms = util_mono_ms();
    p->deadline_ms = p->start_ms + p->timeout_ms;
    if (!p->spec->target) {
        finish(p, 0, 0, -1, "invalid probe: no target");
        return;
    }
    switch (p->spec->kind) {
    case PROBE_HTTP: http_start(p, multi); break;
    case PROBE_TCP:  tcp_start(p);        break;
    case PROBE_CMD:  cmd_start(p);        break;
    default:
        finish(p, 0, 0, -1, "invalid probe kind %d", (int)p->spec->kind);
        break;
    }
}

static void probe_cleanup(Probe *p, CURLM *multi)
{
    http_stop(p, multi);
    if (p->fd >= 0)
        close(p->fd);
    if (p->ai_list)
        freeaddrinfo(p->ai_list);
    if (p->err_fd >= 0)
        close(p->err_fd);
    probe_free_argv(p->argv);
}

int probes_run(const ProbeSpec *specs, int n, ProbeResult *results)
{
    CURLM *multi = NULL;
    int n_http = 0;

    if (n < 0 || (n > 0 && (!specs || !results)))
        return -EINVAL;
    if (n == 0)
        return 0;
    for (int i = 0; i < n; i++)
        n_http += specs[i].kind == PROBE_HTTP;
    if (n_http > 0 && !(multi = curl_multi_init()))
        return -ENOMEM;

    Probe *ps = xcalloc((size_t)n, sizeof *ps);
    Probe **tcp_of = xcalloc((size_t)n, sizeof *tcp_of); /* pfds[k] ↔ probe */
    struct pollfd *pfds = xcalloc((size_t)n, sizeof *pfds);
    struct curl_waitfd *wfds = xcalloc((size_t)n, sizeof *wfds);

    for (int i = 0; i < n; i++) {
        Probe *p = &ps[i];
        p->spec = &specs[i];
        p->res = &results[i];
        memset(p->res, 0, sizeof *p->res);
        p->timeout_ms = specs[i].timeout_ms > 0 ? specs[i].timeout_ms : PROBE_DEFAULT_TIMEOUT_MS;
        p->fd = -1;
        p->err_fd = -1;
        p->pid = -1;
    }
    for (int i = 0; i < n; i++)
        probe_start(&ps[i], multi);

    for (;;) {
        if (multi) {
            int running;
            curl_multi_perform(multi, &running);
            http_collect(multi);
        }

        int64_t now = util_mono_ms();
        int64_t next = INT64_MAX;
        int children = 0, k = 0;

        for (int i = 0; i < n; i++) {
            Probe *p = &ps[i];
            if (p->pid > 0)
                cmd_reap(p);
            if (!p->done && now >= p->deadline_ms) {
                if (p->pid > 0)
                    cmd_kill(p, now);
                else
                    finish_timeout(p);
                if (p->fd >= 0) {
                    close(p->fd);
                    p->fd = -1;
                }
                http_stop(p, multi);
            }
            if (p->pid > 0 && p->kill_ms && now - p->kill_ms >= KILL_GRACE_MS) {
                log_warn("probes: pid %d survived SIGKILL for %d ms, not waiting for it",
                         (int)p->pid, KILL_GRACE_MS);
                p->pid = -1;
            }
            if (!p->done && p->deadline_ms < next)
                next = p->deadline_ms;
            if (p->pid > 0)
                children = 1;
            if (!p->done && p->fd >= 0) {
                pfds[k] = (struct pollfd){ .fd = p->fd, .events = POLLOUT };
                wfds[k] = (struct curl_waitfd){ .fd = p->fd, .events = CURL_WAIT_POLLOUT };
                tcp_of[k++] = p;
            }
        }
        if (next == INT64_MAX && !children)
            break;

        int64_t wait = next == INT64_MAX ? REAP_TICK_MS : next - now;
        if (children && wait > REAP_TICK_MS)
            wait = REAP_TICK_MS;
        if (wait < 0)
            wait = 0;

        int ready;
        if (multi) {
            curl_multi_poll(multi, wfds, (unsigned)k, (int)wait, NULL);
            ready = k ? poll(pfds, (nfds_t)k, 0) : 0;
        } else {
            ready = poll(pfds, (nfds_t)k, (int)wait);
        }
        for (int j = 0; ready > 0 && j < k; j++) {
            if (pfds[j].revents)
                tcp_check(tcp_of[j]);
        }
    }

    for (int i = 0; i < n; i++)
        probe_cleanup(&ps[i], multi);
    if (multi)
        curl_multi_cleanup(multi);
    free(wfds);
    free(pfds);
    free(tcp_of);
    free(ps);
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
