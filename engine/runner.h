/* runner — the resolution runner: a dispatcher thread and a small pool of
 * worker threads that run incidents' playbooks (seed 001), so a slow step
 * never stalls the engine's health checks.
 *
 * The queue is the incident table (design rule 5: nothing is lost): the
 * API, the console and the engine queue incidents through the domain
 * (incidents_submit); the dispatcher notices new work by PRAGMA
 * data_version (any connection, any process) or runner_kick(), and starts
 * queued incidents while fewer than max_concurrent_resolutions run. It
 * runs only while this process is the engine (engine_is_primary); a
 * viewer's runner idles, and the engine's one serves the viewer's API.
 *
 * Thread: runner_start/stop from the main thread; runner_kick and
 * runner_running from any. Every thread of the runner owns its Store.
 */
#ifndef RESOPS_RUNNER_H
#define RESOPS_RUNNER_H

#include <stddef.h>
#include <stdint.h>
#include "engine.h"

typedef struct RunnerOpts {
    const char *db_path;
    Engine     *engine;           /* run only while primary; NULL = always */
    int         max_workers;      /* threads at most; 0 = 100 (the limit's maximum) */
    int         poll_ms;          /* look for work at least this often; 0 = 100 */
    int64_t     retry_backoff_ms; /* first retry delay, doubling; 0 = retry at once */
    int64_t     retry_cap_ms;     /* longest delay; 0 = 60000 */
    int         step_timeout_ms;  /* a step without timeout_ms; 0 = 30000 */
} RunnerOpts;

typedef struct Runner Runner;

/* Start the dispatcher; NULL with err. On becoming the engine it first
 * re-queues incidents a previous process left resolving. */
Runner *runner_start(const RunnerOpts *opts, char *err, size_t errsz);
/* Look for queued incidents now. NULL ok. */
void    runner_kick(Runner *r);
/* Stop: no new step starts, steps in flight are abandoned (children
 * killed), their incidents stay resolving and run again at the next start.
 * Joins every thread. NULL ok. */
void    runner_stop(Runner *r);
/* Resolutions running now (for tests and the status line). */
int     runner_running(Runner *r);

#endif
