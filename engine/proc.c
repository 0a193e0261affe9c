/* proc — see proc.h.
 *
 * DESIGN: posix_spawnp() is safe in a threaded process (no code of ours
 * runs between fork and exec) and reports a failed exec as its own return
 * value, so "no such program" is known at start, not at reap. The child
 * gets, in this order: stdin /dev/null; stdout and stderr on /dev/null or
 * on the write end of the capture pipe; every other descriptor closed
 * (closefrom 3: a descriptor someone forgot to mark close-on-exec must not
 * leak into a command); a new process group; an empty signal mask and the
 * default action for the signals a server blocks or ignores.
 *
 * Only the parent's read end of the capture pipe is non-blocking (the
 * child's writes must block when the pipe is full). A pidfd, where the
 * kernel has them, makes the child's exit a poll() event even while a
 * grandchild holds the pipe open; without one, proc_wait looks every
 * 20 ms.
 */
#include "proc.h"
#include "util.h"

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

#define NO_PIDFD_TICK_MS 20
#define READ_CHUNK       4096

extern char **environ;

/* ---- output ------------------------------------------------------------------ */

void proc_output_init(ProcOutput *o, size_t cap)
{
    *o = (ProcOutput){.buf = xmalloc(cap + 1), .cap = cap};
}

void proc_output_add(ProcOutput *o, const char *data, size_t n)
{
    size_t room = o->cap - o->len, k = n < room ? n : room;
    memcpy(o->buf + o->len, data, k);
    o->len += k;
    o->dropped += n - k;
}

char *proc_output_take(ProcOutput *o)
{
    char *text = NULL;
    while (o->len && (o->buf[o->len - 1] == '\n' || o->buf[o->len - 1] == '\r'))
        o->len--;
    if (o->buf)
        o->buf[o->len] = '\0';
    if (o->dropped)
        text = xasprintf("%s\n[... %zu more bytes truncated]", o->buf ? o->buf : "", o->dropped);
    else if (o->len)
        text = xstrdup(o->buf);
    o->len = o->dropped = 0;
    return text;
}

void proc_output_done(ProcOutput *o)
{
    free(o->buf);
    *o = (ProcOutput){0};
}

/* ---- starting ---------------------------------------------------------------- */

/* The process's environment with extra's variables added or replacing
 * those of the same name; the array is the caller's, the strings not. */
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

/* stdin /dev/null; stdout and stderr on out_wr, or /dev/null when -1;
 * nothing else. */
static void file_actions(posix_spawn_file_actions_t *fa, int out_wr)
{
    posix_spawn_file_actions_init(fa);
    posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
    if (out_wr >= 0)
        posix_spawn_file_actions_adddup2(fa, out_wr, 1);
    else
        posix_spawn_file_actions_addopen(fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(fa, 1, 2);
    posix_spawn_file_actions_addclosefrom_np(fa, 3);
}

/* A new process group, no blocked signals, default actions. */
static void spawn_attrs(posix_spawnattr_t *at)
{
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGHUP);
    posix_spawnattr_init(at);
    posix_spawnattr_setsigmask(at, &none);
    posix_spawnattr_setsigdefault(at, &defaults);
    posix_spawnattr_setpgroup(at, 0);
    posix_spawnattr_setflags(at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                     POSIX_SPAWN_SETSIGDEF);
}

int proc_spawn(Proc *p, char *const argv[], char *const env[], size_t capture)
{
    *p = (Proc){.pid = -1, .pidfd = -1, .out_fd = -1};
    int pfd[2] = {-1, -1};
    if (capture && pipe2(pfd, O_CLOEXEC) < 0)
        return -errno;
    if (pfd[0] >= 0)
        fcntl(pfd[0], F_SETFL, O_NONBLOCK);          /* ours only, see DESIGN */
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    file_actions(&fa, pfd[1]);
    spawn_attrs(&at);
    char **envp = env ? make_env(env) : NULL;
    pid_t pid;
    int r = posix_spawnp(&pid, argv[0], &fa, &at, argv, envp ? envp : environ);
    free(envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (pfd[1] >= 0)
        close(pfd[1]);
    if (r != 0) {
        if (pfd[0] >= 0)
            close(pfd[0]);
        return -r;
    }
    p->pid = pid;
    p->out_fd = pfd[0];
    p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (capture)
        proc_output_init(&p->out, capture);
    return 0;
}

/* ---- watching ---------------------------------------------------------------- */

int proc_reap(Proc *p)
{
    if (p->pid <= 0)
        return 0;
    pid_t r = waitpid(p->pid, &p->status, WNOHANG);
    if (r == 0 || (r < 0 && errno == EINTR))
        return 0;
    p->pid = -1;
    return r < 0 ? -errno : 1;    /* ECHILD: someone called waitpid(-1) */
}

void proc_pump(Proc *p)
{
    char buf[READ_CHUNK];
    while (p->out_fd >= 0) {
        ssize_t k = read(p->out_fd, buf, sizeof buf);
        if (k > 0) {
            if (p->out.buf)
                proc_output_add(&p->out, buf, (size_t)k);
            continue;
        }
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && errno == EAGAIN)
            return;
        close(p->out_fd);          /* EOF, or an error that will not pass */
        p->out_fd = -1;
    }
}

void proc_kill(Proc *p, int64_t now_ms)
{
    if (p->pid <= 0)
        return;
    if (kill(-p->pid, SIGKILL) < 0)
        kill(p->pid, SIGKILL);
    p->kill_ms = now_ms;
}

void proc_forget(Proc *p)
{
    p->pid = -1;
}

/* After a timeout, a cancel or a failed poll: kill, then wait for it. */
static void kill_and_reap(Proc *p)
{
    if (p->pid <= 0)
        return;
    proc_kill(p, util_mono_ms());
    while (waitpid(p->pid, &p->status, 0) < 0 && errno == EINTR)
        ;
    p->pid = -1;
}

ProcEnd proc_wait(Proc *p, int64_t deadline_ms, int cancel_fd)
{
    ProcEnd end = PROC_EXITED;
    int err = 0;
    while (p->pid > 0) {
        int64_t left = deadline_ms - util_mono_ms();
        if (left <= 0) {
            end = PROC_TIMED_OUT;
            break;
        }
        struct pollfd f[3] = {
            {.fd = p->out_fd, .events = POLLIN},
            {.fd = p->pidfd, .events = POLLIN},
            {.fd = cancel_fd, .events = POLLIN},
        };
        int wait_ms = p->pidfd < 0 && left > NO_PIDFD_TICK_MS ? NO_PIDFD_TICK_MS
                      : left > 60000                          ? 60000
                                                              : (int)left;
        if (poll(f, 3, wait_ms) < 0 && errno != EINTR) {
            err = errno;
            end = PROC_WAIT_FAILED;
            break;
        }
        if (f[2].revents & POLLIN) {
            end = PROC_CANCELLED;
            break;
        }
        if (f[0].revents & (POLLIN | POLLHUP | POLLERR))
            proc_pump(p);
        int reaped = p->pidfd < 0 || (f[1].revents & POLLIN) ? proc_reap(p) : 0;
        if (reaped < 0) {
            err = -reaped;
            end = PROC_WAIT_FAILED;
        }
    }
    kill_and_reap(p);
    proc_pump(p);                /* what it wrote just before it ended */
    errno = err;
    return end;
}

void proc_done(Proc *p)
{
    if (p->out_fd >= 0)
        close(p->out_fd);
    if (p->pidfd >= 0)
        close(p->pidfd);
    p->out_fd = p->pidfd = -1;
    proc_output_done(&p->out);
}
