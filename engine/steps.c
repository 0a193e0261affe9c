/* steps — see steps.h.
 *
 * DESIGN: a command is started with posix_spawnp() (safe in a threaded
 * process: no code of ours runs between fork and exec) in a new process
 * group, with stdin /dev/null, stdout and stderr on one pipe, the default
 * signal mask and dispositions (this process blocks and ignores some).
 * One poll() waits on the pipe, a pidfd of the child (so its exit wakes
 * us even if a grandchild keeps the pipe open), and cancel_fd, with the
 * step's deadline as timeout. At the deadline or on cancel the whole
 * process group gets SIGKILL. waitpid() only ever names our child.
 *
 * An HTTP step is one blocking libcurl easy transfer in the calling
 * worker thread; its progress callback polls cancel_fd.
 */
#include "steps.h"
#include "util.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef RESOPS_VERSION
#define RESOPS_VERSION "dev"
#endif

extern char **environ;

/* ---- captured output ---------------------------------------------------------- */

typedef struct Capture {
    char   buf[INCIDENT_RUNS_OUTPUT_MAX + 1];
    size_t len;
    size_t dropped;
} Capture;

static void capture_add(Capture *c, const char *data, size_t n)
{
    size_t room = INCIDENT_RUNS_OUTPUT_MAX - c->len, k = n < room ? n : room;
    memcpy(c->buf + c->len, data, k);
    c->len += k;
    c->dropped += n - k;
}

static char *capture_take(Capture *c)
{
    while (c->len && (c->buf[c->len - 1] == '\n' || c->buf[c->len - 1] == '\r'))
        c->len--;
    c->buf[c->len] = '\0';
    if (!c->len && !c->dropped)
        return NULL;
    if (c->dropped)
        return xasprintf("%s\n[... %zu more bytes truncated]", c->buf, c->dropped);
    return xstrdup(c->buf);
}

static int64_t mono_ms(void) { return util_mono_ms(); }

static int readable(int fd)
{
    if (fd < 0)
        return 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

/* ---- commands ----------------------------------------------------------------- */

static char **make_env(char *const extra[])
{
    size_t n = 0, k = 0;
    for (char **e = environ; e && *e; e++)
        n++;
    for (char *const *e = extra; e && *e; e++)
        k++;
    char **env = xcalloc(n + k + 1, sizeof *env);
    size_t j = 0;
    for (size_t i = 0; i < k; i++)
        env[j++] = extra[i];
    for (size_t i = 0; i < n; i++) {
        /* an extra variable replaces the process's one of the same name */
        const char *eq = strchr(environ[i], '=');
        size_t len = eq ? (size_t)(eq - environ[i]) + 1 : strlen(environ[i]);
        int dup = 0;
        for (size_t x = 0; x < k; x++)
            dup |= strncmp(extra[x], environ[i], len) == 0;
        if (!dup)
            env[j++] = environ[i];
    }
    return env;
}

static void kill_group(pid_t pid)
{
    if (kill(-pid, SIGKILL) < 0)
        kill(pid, SIGKILL);
}

void steps_run_command(char *const argv[], char *const env[], int timeout_ms, int expect_exit,
                       int cancel_fd, StepOutcome *o)
{
    memset(o, 0, sizeof *o);
    o->code = -1;
    int64_t t0 = mono_ms(), deadline = t0 + (timeout_ms > 0 ? timeout_ms : 30000);
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        snprintf(o->error, sizeof o->error, "cannot run %s: pipe: %s", argv[0], strerror(errno));
        return;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
    posix_spawnattr_init(&at);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGHUP);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &defaults);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
    char **envp = make_env(env);
    pid_t pid;
    int r = posix_spawnp(&pid, argv[0], &fa, &at, argv, envp);
    free(envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(pfd[1]);
    if (r != 0) {
        close(pfd[0]);
        snprintf(o->error, sizeof o->error, "cannot run %s: %s", argv[0], strerror(r));
        o->duration_ms = (int)(mono_ms() - t0);
        return;
    }
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    Capture cap = {0};
    int out = pfd[0], exited = 0, status = 0, why = 0; /* why: 1 timeout, 2 cancel */
    while (!exited && !why) {
        int64_t left = deadline - mono_ms();
        if (left <= 0) {
            why = 1;
            break;
        }
        struct pollfd p[3] = {
            {.fd = out, .events = POLLIN},
            {.fd = pidfd, .events = POLLIN},
            {.fd = cancel_fd, .events = POLLIN},
        };
        /* without a pidfd (old kernel), look at the child every 20 ms */
        int wait_ms = pidfd < 0 && left > 20 ? 20 : (int)(left > 60000 ? 60000 : left);
        int n = poll(p, 3, wait_ms);
        if (n < 0 && errno != EINTR)
            break;
        if (p[2].revents & POLLIN) {
            why = 2;
            break;
        }
        if (out >= 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            char buf[4096];
            ssize_t k = read(out, buf, sizeof buf);
            if (k > 0) {
                capture_add(&cap, buf, (size_t)k);
            } else if (k == 0 || errno != EINTR) {
                close(out);
                out = -1;
            }
        }
        if (pidfd < 0 || (p[1].revents & POLLIN)) {
            pid_t w = waitpid(pid, &status, WNOHANG);
            exited = w == pid;
        }
    }
    if (why) {
        kill_group(pid);
        waitpid(pid, &status, 0);
    } else if (!exited) {
        kill_group(pid);
        waitpid(pid, &status, 0);
        snprintf(o->error, sizeof o->error, "poll: %s", strerror(errno));
    }
    if (out >= 0) {   /* what the child wrote just before it ended */
        fcntl(out, F_SETFL, O_NONBLOCK);
        char buf[4096];
        ssize_t k;
        while ((k = read(out, buf, sizeof buf)) > 0)
            capture_add(&cap, buf, (size_t)k);
        close(out);
    }
    if (pidfd >= 0)
        close(pidfd);
    o->duration_ms = (int)(mono_ms() - t0);
    o->output = capture_take(&cap);
    if (why == 1) {
        o->timed_out = 1;
        snprintf(o->error, sizeof o->error, "timed out after %d ms", timeout_ms);
    } else if (why == 2) {
        snprintf(o->error, sizeof o->error, "cancelled");
    } else if (exited && WIFEXITED(status)) {
        o->code = WEXITSTATUS(status);
        o->ok = o->code == expect_exit;
        if (!o->ok)
            snprintf(o->error, sizeof o->error, "exit status %d", o->code);
    } else if (exited && WIFSIGNALED(status)) {
        snprintf(o->error, sizeof o->error, "killed by signal %d", WTERMSIG(status));
    }
}

/* ---- HTTP ------------------------------------------------------------------------ */

typedef struct HttpCtx {
    Capture cap;
    int     cancel_fd;
} HttpCtx;

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    HttpCtx *h = arg;
    capture_add(&h->cap, data, size * nmemb);
    return size * nmemb;
}

static int on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    HttpCtx *h = arg;
    return readable(h->cancel_fd);  /* non-zero aborts */
}

void steps_run_http(const char *url, const char *method, const char *body, char *const headers[],
                    int timeout_ms, int expect_status, int cancel_fd, StepOutcome *o)
{
    memset(o, 0, sizeof *o);
    o->code = -1;
    int64_t t0 = mono_ms();
    HttpCtx *h = xcalloc(1, sizeof *h);
    h->cancel_fd = cancel_fd;
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(o->error, sizeof o->error, "curl_easy_init failed");
        free(h);
        return;
    }
    struct curl_slist *hl = NULL;
    int has_type = 0;
    for (char *const *x = headers; x && *x; x++) {
        hl = curl_slist_append(hl, *x);
        has_type |= strncasecmp(*x, "Content-Type:", 13) == 0;
    }
    if (body && !has_type)
        hl = curl_slist_append(hl, "Content-Type: application/json");
    hl = curl_slist_append(hl, "Expect:");
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout_ms > 0 ? timeout_ms : 30000));
    curl_easy_setopt(c, CURLOPT_USERAGENT, "resops/" RESOPS_VERSION);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, h);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "GET") != 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    o->duration_ms = (int)(mono_ms() - t0);
    if (rc == CURLE_OK) {
        o->code = (int)code;
        o->ok = expect_status ? code == expect_status : code >= 200 && code < 300;
        if (!o->ok)
            snprintf(o->error, sizeof o->error, "HTTP %ld", code);
    } else if (rc == CURLE_ABORTED_BY_CALLBACK) {
        snprintf(o->error, sizeof o->error, "cancelled");
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        o->timed_out = 1;
        snprintf(o->error, sizeof o->error, "timed out after %d ms", timeout_ms);
    } else {
        snprintf(o->error, sizeof o->error, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
    }
    o->output = capture_take(&h->cap);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    free(h);
}
