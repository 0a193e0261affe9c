/* prom_repo — the counts the Prometheus exposition reads from the
 * database (GET /api/admin/metrics, src/api/h_prom.c): seed 000 alerts by
 * severity and state, the outbox, and the security pipeline's tables.
 *
 * Every count is a count(*) of rows that are never deleted by the
 * product (sec_alert, sec_verdict ...), so the ones exposed as counters
 * never go down.
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

typedef struct PromCounts {
    PromAlertCount alerts[PROM_ALERT_ROWS];
    int            nalerts;
    int64_t        outbox_pending, outbox_dead;
    int64_t        sec_total;            /* every security alert ever ingested */
    int64_t        sec_closed;           /* closed by their source (resolved) */
    int64_t        sec_grouped;          /* grouped under an earlier near-duplicate */
    int64_t        stage[PROM_STAGES];
    int64_t        route[PROM_ROUTES];
    int64_t        verdict[PROM_VERDICTS];
    int64_t        response[PROM_RESPONSES];
    int64_t        task[PROM_TASKS];
    int64_t        embeddings;           /* stored vectors */
} PromCounts;

/* Every count, read in one read transaction. 0 or -EIO. */
int prom_repo_counts(Store *st, PromCounts *out);

#endif
