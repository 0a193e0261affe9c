/* notifier — the delivery thread of the outbox (design rule 5).
 *
 * Its own thread with its own Store connection: it fans out pending
 * events (notify_fanout), claims due delivery rows and sends them all at
 * once through one libcurl multi handle (HTTP POST for webhook, Slack and
 * PagerDuty; SMTP for e-mail), then records each outcome (notify_record:
 * delivered, retried with backoff, or dead). A Slack row whose URL is not
 * on the operator's list (notify_slack_url_allowed) is never contacted:
 * it is dead at once, its last_error naming notify.slack_webhook_prefixes. It sends only while this
 * process is the engine (engine_is_primary): a viewer's notifier idles.
 *
 * Why a thread of its own and not a step of the engine tick: ticks run
 * every check interval (minutes) and may spend seconds on probes, while a
 * notification should leave within a second of its commit and retry on
 * a sub-second backoff; a slow receiver must not delay the next tick
 * either.
 *
 * Thread: notifier_start/kick/stop from the main thread (kick from any).
 */
#ifndef RESOPS_NOTIFIER_H
#define RESOPS_NOTIFIER_H

#include <stddef.h>
#include "engine.h"
#include "domain/notify.h"

typedef struct NotifierOpts {
    const char  *db_path;
    NotifyConfig cfg;           /* strings are copied */
    NotifyPolicy policy;
    int          timeout_ms;    /* per request; 0 = 10000 */
    int          max_inflight;  /* requests in flight; 0 = 64 (a target gets at most half) */
    int          scan_ms;       /* periodic look for new rows; 0 = 250 (at most 1000) */
    Engine      *engine;        /* send only while primary; NULL = always */
} NotifierOpts;

typedef struct Notifier Notifier;

/* Open the store and start the thread; NULL with err on failure. At start
 * every pending row is due at once (a restart retries now). */
Notifier *notifier_start(const NotifierOpts *opts, char *err, size_t errsz);
/* SIGHUP (main.c): deliver with these settings from the thread's next
 * turn (cfg's hostname is ignored). The strings are borrowed, not copied:
 * they must live until notifier_stop (main keeps every Config it loaded
 * until exit). Any thread; NULL ok. */
void      notifier_reconfigure(Notifier *n, const NotifyConfig *cfg, const NotifyPolicy *policy);
/* Look for new rows now (after an enqueue in this process). NULL ok. */
void      notifier_kick(Notifier *n);
/* Stop: transfers in flight get a short grace period, unfinished ones are
 * released (due again at once, so the next engine resends them); join,
 * close. NULL ok. */
void      notifier_stop(Notifier *n);

/* Counters since start, for tests and benchmarks. */
typedef struct NotifierStats {
    long sent, delivered, retried, dead, fanned_out;
} NotifierStats;
void      notifier_stats(Notifier *n, NotifierStats *out);

#endif
