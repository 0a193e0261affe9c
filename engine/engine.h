/* engine — the engine thread: schedule, probes, heartbeats, the
 * evaluation cycle, snapshots.
 *
 * One engine per database (design rule 4): engine_start() takes an
 * exclusive flock on "<db>.lock". The holder runs checks ("engine"); any
 * other process on the same file runs as a "viewer": it only rebuilds
 * snapshots when the database changes (its change counter) or a reader
 * asks, and tries to
 * take over the lock each loop, so a viewer becomes the engine when the
 * engine's process exits. A console that took the role gives it back to
 * a headless process that asks for it (engine.c, HAND-BACK).
 *
 * Thread: engine_start/stop/kick from the main or UI thread; the engine
 * owns its own Store connection.
 */
#ifndef RESOPS_ENGINE_H
#define RESOPS_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include "domain/rules.h"
#include "snapshot.h"

typedef struct EngineOpts {
    const char *db_path;
    int         check_interval_s;   /* seconds between checks */
    int         probe_timeout_ms;   /* default per-probe timeout */
    StatusRules rules;
    int64_t   (*clock)(void);       /* wall clock; NULL = util_now */
    int         viewer_poll_ms;     /* viewer refresh period; 0 = 1000 */
    /* 1 for `--headless` (the service): as a viewer it asks a console
     * engine for the role back ("<db>.handover") and never gives it up
     * once it has it; 0 (a console) hands the role back on such a
     * request (N2) */
    int         headless;
    /* issue 11: notify.repeat_interval in seconds (0 = no reminders) */
    int64_t     repeat_interval_s;
} EngineOpts;

typedef struct Engine Engine;

/* Open the store, decide the role, start the thread. NULL with err on
 * failure (bad database, ...). The box receives snapshots. */
Engine *engine_start(const EngineOpts *opts, SnapshotBox *box, char *err, size_t errsz);
/* Stop the thread (the current tick finishes), join, close. NULL ok. */
void    engine_stop(Engine *e);
/* SIGHUP (main.c): from its next loop turn the engine runs with these of
 * opts: check_interval_s (the next tick moves to the last tick plus the
 * new interval), probe_timeout_ms, rules and repeat_interval_s; the rest
 * of opts is ignored. Logs "engine: settings reloaded ..." when taken.
 * Any thread; NULL ok. */
void    engine_reconfigure(Engine *e, const EngineOpts *opts);
/* Run a tick now, probes included (the TUI's `r`, an explicit request). */
void    engine_kick(Engine *e);
/* Something was written (a status, the kill switch): re-run the
 * evaluation (risk, SLA, alerts) and publish a snapshot, but no probes
 * and no heartbeat judgement: those run only on the schedule (B3). */
void    engine_wake(Engine *e);
/* A reader wrote (an ack): publish a snapshot soon, in either role; no
 * evaluation, no probes. The snapshot source's request (main.c). */
void    engine_request_publish(Engine *e);
int     engine_is_primary(Engine *e);
/* This process's API address ("HOST:PORT", NULL/"" = none). While this
 * process is the engine (now, or after a takeover) it is written to the
 * lock file, so viewers can show where the engine serves the API. */
void    engine_set_api(Engine *e, const char *addr);
/* The address the engine of this database published: 1 and buf, or 0
 * when it serves no API (or published nothing). Any thread. */
int     engine_api_of_engine(Engine *e, char *buf, size_t size);
/* When the engine of this database last ticked (epoch seconds, from the
 * lock file), 0 unknown. Any thread. */
int64_t engine_tick_of_engine(Engine *e);

/* For tests and benchmarks: build an engine without a thread and run one
 * tick synchronously at the given time. */
Engine *engine_new(const EngineOpts *opts, SnapshotBox *box, char *err, size_t errsz);
int     engine_tick(Engine *e, int64_t now);
/* What a wake does, synchronously: evaluate and publish. 0 or -EIO. */
int     engine_evaluate(Engine *e, int64_t now);
void    engine_free(Engine *e);

#endif
