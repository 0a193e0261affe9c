/* tui — the terminal console: curses set-up and tear-down, the poll loop
 * over stdin, the snapshot source's wake descriptor and a signalfd, the
 * frame (tab bar, status bar, message line) and the panes of the pane
 * list (panes.c).
 *
 * The console reads only snapshots, through a SnapshotSource (the local
 * box today); its writes (ack, kill switch, :status) go through the
 * domain functions on a Store of its own, then it asks the source for a
 * new snapshot. It knows nothing of the engine: main.c passes the source
 * and the few engine facts it shows as callbacks.
 *
 * Thread: call tui_run on the main thread, with the quit signals and
 * SIGWINCH blocked in every thread (main.c blocks them before any thread
 * starts); the console takes them through a signalfd.
 */
#ifndef RESOPS_UI_TUI_H
#define RESOPS_UI_TUI_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "snapshot.h"

typedef struct TuiOpts {
    const char     *db_path;
    /* where snapshots come from, and whom to ask for one after a write;
     * its request(evaluate = 1) re-evaluates, never a round of probes (B3) */
    SnapshotSource  source;
    const sigset_t *signals;       /* blocked set: SIGWINCH resizes, SIGHUP may reload
                                      (reload below), the rest quit */
    void          (*kick)(void *ctx);       /* run an engine tick now (`r` only) */
    int           (*is_primary)(void *ctx); /* 1 engine, 0 viewer */
    void           *ctx;
    const char     *listen_addr;   /* this process's API address, NULL/"" = none */
    /* the address the engine of this database serves its API on (what a
     * viewer shows): 1 and buf, 0 none; may be NULL */
    int           (*engine_api)(void *ctx, char *buf, size_t size);
    /* when the engine of this database last ticked (epoch s, 0 unknown),
     * what a viewer shows as "tick Ns ago (engine)" (N5); may be NULL */
    int64_t       (*engine_tick)(void *ctx);
    int64_t         started_ms;    /* util_mono_ms() at process start */
    /* SIGHUP while the terminal still answers: reload the configuration
     * (main.c) and go on; a SIGHUP after the terminal hung up quits like
     * SIGTERM. NULL: every SIGHUP quits. */
    void          (*reload)(void *ctx);
    void           *reload_ctx;
} TuiOpts;

/* Can the console run here? Both ends a terminal, TERM known to terminfo
 * and able to address the cursor (TERM=dumb, hardcopy and generic
 * terminals cannot). 0, or -ENOTTY with a message for the user. Leaves
 * nothing allocated. main.c calls it before it creates anything (a demo
 * database); tui_run calls it again. */
int tui_check_terminal(char *err, size_t errsz);

/* Run until `q`, `:q`, a quit signal or a closed terminal. Returns 0, or
 * the number of the quit signal, or a negative errno with err filled when
 * the console cannot start (no terminal, bad database). The terminal is
 * restored on every path, including crashes (fatal signals, OOM). */
int tui_run(const TuiOpts *opts, char *err, size_t errsz);

#endif
