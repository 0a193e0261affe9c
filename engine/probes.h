/* probes — run one batch of health probes concurrently.
 *
 * HTTP(S) GET probes go through one libcurl multi handle, TCP connects are
 * non-blocking sockets, command probes are children (proc.h: argv, no
 * shell) killed at their timeout; all three are driven from one poll()
 * loop, so one slow target never stalls the others. The whole batch ends
 * when every probe has a result or reached its own timeout.
 *
 * How a kind is probed is one row of the engine's ops table (probes.c,
 * probe_ops[]: start, poll, wait fd, expire, stop), joined by name to the
 * domain's table of kinds (domain/probe_kinds.h: name and validation,
 * shared by the API, the CLI and this engine).
 *
 * Thread: the engine thread (any single thread; no shared state).
 */
#ifndef RESOPS_PROBES_H
#define RESOPS_PROBES_H

#include <stdint.h>

typedef struct ProbeSpec {
    int64_t     service_id;  /* carried through, not used by the runner */
    const char *kind;        /* a name of domain/probe_kinds.h: "http", "tcp", "cmd" */
    const char *target;      /* HTTP: URL; TCP: "host:port" ("[v6]:port");
                                CMD: command line split on spaces, no shell;
                                see probe_split_argv() */
    int         timeout_ms;  /* <= 0 means 10000 */
    int         expect_status; /* HTTP: 0 = any 2xx, else exact code;
                                  CMD: expected exit code (normally 0) */
} ProbeSpec;

typedef struct ProbeResult {
    int     ok;              /* 1 healthy, 0 failed */
    int     timed_out;       /* 1 when it hit its timeout */
    int     latency_ms;      /* time to result */
    int     code;            /* HTTP status / exit code / -1 */
    char    error[160];      /* "" when ok, else a human message, e.g.
                                "connection refused", "could not resolve
                                host", "timed out after 500 ms",
                                "HTTP 503", "exit status 3" */
} ProbeResult;

/* Run n probes at once; results[i] belongs to specs[i] (an unknown kind
 * fails with "invalid probe kind ..."). Returns 0, or -errno when the
 * batch could not run at all (results then untouched). */
int probes_run(const ProbeSpec *specs, int n, ProbeResult *results);

/* Someone to answer while the probes run: when fd is readable, ready(ctx)
 * is called on the probing thread (the engine answers a reader's publish
 * request mid-tick, so a console's write shows before slow probes end). */
typedef struct ProbesHook {
    int    fd;
    void (*ready)(void *ctx);
    void  *ctx;
} ProbesHook;

/* probes_run, also watching hook (NULL: none). */
int probes_run_hooked(const ProbeSpec *specs, int n, ProbeResult *results,
                      const ProbesHook *hook);

/* 1 when this engine can run probes of kind (it has an ops row), else 0. */
int probes_supports(const char *kind);

/* Split a command target into a NULL-terminated argv (caller frees with
 * probe_free_argv). Double quotes group words: `sh -c "exit 3"`.
 * Returns NULL on an empty command or unbalanced quotes. */
char **probe_split_argv(const char *cmd);
void   probe_free_argv(char **argv);

#endif
