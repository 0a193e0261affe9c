/* secpipe — the security pipeline thread (issue 12, seed 003): takes
 * ingested alerts in stage "received" in batches through
 * secalerts_process() (normalize, embed, index, triage, route, group,
 * escalate). It wakes on secalerts_kick() (ingestion, the trigger) and
 * looks at least once a second, so alerts another process committed, or
 * left behind by a crash, are processed too. It works only while this
 * process is the engine (engine_is_primary): one pipeline per database.
 *
 * Thread: secpipe_start/stop from the main thread; the thread owns its
 * Store.
 */
#ifndef RESOPS_SECPIPE_H
#define RESOPS_SECPIPE_H

#include <stddef.h>
#include <stdint.h>
#include "engine.h"

typedef struct SecpipeOpts {
    const char *db_path;
    Engine     *engine;      /* run only while primary; NULL = always */
    int         batch;       /* alerts a transaction; 0 = 256 */
    int         poll_ms;     /* look at least this often; 0 = 1000 */
} SecpipeOpts;

typedef struct Secpipe Secpipe;

/* Start the thread; NULL with err. */
Secpipe *secpipe_start(const SecpipeOpts *opts, char *err, size_t errsz);
/* Stop and join (the batch in progress finishes). NULL ok. */
void     secpipe_stop(Secpipe *p);
/* Alerts processed since the start (tests, metrics). */
int64_t  secpipe_processed(Secpipe *p);

#endif
