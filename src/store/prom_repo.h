/* prom_repo — the counts the Prometheus exposition reads from the
 * database (GET /api/admin/metrics, src/api/h_prom.c): seed 000 alerts by
 * severity and state, the outbox, and the security pipeline's tables.
 *
 * The counts exposed as counters are of rows the product never deletes
 * (sec_alert's highest seq, sec_verdict), so they never go down.
 * prom_repo_counts reads only indexes and small tables; prom_repo_scan
 * reads the whole sec_alert table (seconds at millions of alerts), so
 * h_prom.c caches it.
 *
 * Thread: the Store's owner.
 */
#ifndef RESOPS_STORE_PROM_REPO_H
#define RESOPS_STORE_PROM_REPO_H

#include <stdint.h>
#include "store/store.h"

/* The values of sec_alert.stage, sec_alert.route, sec_verdict.classification,
 * sec_response.state and sec_task.state (migration 0014), in the order of
 * the arrays of PromCounts. */
#define PROM_STAGES    4
#define PROM_ROUTES    2
#define PROM_VERDICTS  3
#define PROM_RESPONSES 6
#define PROM_TASKS     4
extern const char *const prom_stage_names[PROM_STAGES];
extern const char *const prom_route_names[PROM_ROUTES];
extern const char *const prom_verdict_names[PROM_VERDICTS];
extern const char *const prom_response_names[PROM_RESPONSES];
extern const char *const prom_task_names[PROM_TASKS];

#define PROM_ALERT_ROWS 64   /* (severity, state) pairs kept at most */

typedef struct PromAlertCount {
    char    severity[32];
    char    state[16];        /* open | acknowledged | resolved */
    int64_t n;
} PromAlertCount;

/* The cheap counts, read on every scrape: index lookups and small
 * tables only. */
typedef struct PromCounts {
    PromAlertCount alerts[PROM_ALERT_ROWS];
    int            nalerts;
    int64_t        outbox_pending, outbox_dead;
    int64_t        sec_ingested;         /* the highest seq: alerts ever ingested */
    int64_t        sec_received;         /* waiting for the pipeline (partial index) */
    int64_t        verdict[PROM_VERDICTS];
    int64_t        response[PROM_RESPONSES];
    int64_t        task[PROM_TASKS];
} PromCounts;

/* The counts that read every security alert (one scan of sec_alert and
 * one count of sec_embedding): the caller decides how often. */
typedef struct PromScan {
    int64_t stage[PROM_STAGES];
    int64_t route[PROM_ROUTES];
    int64_t closed;               /* closed by their source (resolved) */
    int64_t grouped;              /* grouped under an earlier near-duplicate */
    int64_t embeddings;           /* stored vectors */
} PromScan;

/* Each in one read transaction. 0 or -EIO. */
int prom_repo_counts(Store *st, PromCounts *out);
int prom_repo_scan(Store *st, PromScan *out);
/* Add the counts of the security alerts with lo < seq <= hi (and of their
 * vectors) to *acc: one piece of a scan, for a caller that spreads a scan
 * over several calls (a rowid range: it reads only those rows). */
int prom_repo_scan_range(Store *st, int64_t lo, int64_t hi, PromScan *acc);

#endif
