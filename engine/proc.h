/* proc — run one command with a deadline: the child process helper that
 * health probes (probes.c, many children in one poll loop) and playbook
 * command steps (steps.c, one child per worker thread) share.
 *
 * A command is an argv (no shell), started with posix_spawnp() in a new
 * process group (so a kill reaches `sh -c` grandchildren too), with the
 * default signal mask and dispositions (this process blocks and ignores
 * some), stdin on /dev/null and no descriptor of ours but stdio. Its
 * stdout and stderr go either to /dev/null or, captured, to one pipe whose
 * bytes are kept up to a cap (the rest counted, not kept).
 *
 * Waiting is the caller's: proc_reap() never blocks, and pid/pidfd/out_fd
 * are plain fields to poll() beside other work; proc_wait() is the whole
 * loop for a caller with nothing else to do. waitpid() only ever names the
 * child's own pid, so other threads may run children of their own.
 *
 * Thread: any; one Proc belongs to one thread.
 */
#ifndef RESOPS_ENGINE_PROC_H
#define RESOPS_ENGINE_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Output kept up to cap bytes; what does not fit is only counted. */
typedef struct ProcOutput {
    char  *buf;
    size_t len, cap, dropped;
} ProcOutput;

void  proc_output_init(ProcOutput *o, size_t cap);
void  proc_output_add(ProcOutput *o, const char *data, size_t n);
/* The text without trailing newlines, plus "\n[... N more bytes
 * truncated]" when some were dropped; NULL when there was nothing. The
 * caller frees it; o is empty (and may be reused) after. */
char *proc_output_take(ProcOutput *o);
/* Free the buffer (NULL-safe); init state after. */
void  proc_output_done(ProcOutput *o);

typedef struct Proc {
    pid_t      pid;        /* > 0 until reaped (or forgotten) */
    int        pidfd;      /* readable once the child ended; -1 on old kernels */
    int        out_fd;     /* captured stdout+stderr until EOF; else -1 */
    int        status;     /* the wait status, once reaped */
    int64_t    kill_ms;    /* monotonic ms of the SIGKILL, 0 never */
    ProcOutput out;        /* captured output (cap 0: nothing kept) */
} Proc;

/* Start argv[0] (looked up in PATH) with argv. env: extra "NAME=value"
 * strings (NULL-terminated, may be NULL) that add to or replace the
 * process's environment. capture: 0 sends stdout and stderr to /dev/null;
 * > 0 keeps up to that many bytes of them in p->out. 0, or -errno with
 * the child never started (-ENOENT: no such program, -EACCES, ...). */
int  proc_spawn(Proc *p, char *const argv[], char *const env[], size_t capture);

/* Has the child ended? 1 reaped (p->status, pid -1), 0 still running,
 * -errno when it cannot be waited for (pid -1). Never blocks. */
int  proc_reap(Proc *p);
/* Read whatever captured output is there now (never blocks); closes
 * out_fd at EOF. */
void proc_pump(Proc *p);
/* SIGKILL to the child's whole group; kill_ms = now_ms. The pid is ours
 * and unreaped, so neither it nor its group id can have been recycled. */
void proc_kill(Proc *p, int64_t now_ms);
/* Stop waiting for a child that outlived its SIGKILL (pid -1). */
void proc_forget(Proc *p);

typedef enum {
    PROC_EXITED = 0,       /* reaped: p->status */
    PROC_TIMED_OUT,        /* deadline passed: killed and reaped */
    PROC_CANCELLED,        /* cancel_fd became readable: killed and reaped */
    PROC_WAIT_FAILED,      /* poll() failed (errno kept): killed and reaped */
} ProcEnd;

/* Pump output and wait until the child ends, deadline_ms (monotonic)
 * passes or cancel_fd (-1 none) is readable; the group is killed in the
 * last two cases. Every way out leaves the child reaped and its last
 * output read. */
ProcEnd proc_wait(Proc *p, int64_t deadline_ms, int cancel_fd);

/* Close the descriptors and free the output (take it first to keep it).
 * The child must be reaped or forgotten. */
void proc_done(Proc *p);

#endif
