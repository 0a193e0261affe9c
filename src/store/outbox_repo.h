/* outbox_repo — notifications waiting for delivery (design rule 5: written
 * in the same transaction as the change that causes them, delivered at
 * least once by the engine's notifier with the idempotency key).
 *
 * A row is pending while delivered_at and dead_at are NULL; it is due when
 * next_attempt_at <= now. Times the notifier writes carry milliseconds
 * ("2026-05-01T12:30:00.250"); they sort with second-resolution times as
 * text, so both kinds compare correctly in SQL. Rows with the same
 * order_key are handed out one at a time, oldest id first.
 *
 * Thread: the Store's owner.
 */
#ifndef RESOPS_STORE_OUTBOX_REPO_H
#define RESOPS_STORE_OUTBOX_REPO_H

#include <stdint.h>
#include "store/store.h"

/* Queue one message: 1 queued, 0 the key exists already (not queued
 * twice), -EIO. target may be NULL (the channel's configured address). */
int outbox_repo_enqueue(Store *st, const char *channel, const char *target, const char *payload,
                        const char *idempotency_key, int64_t now);

/* A new row with every column the notifier uses. */
typedef struct OutboxNew {
    const char *channel, *target, *payload, *idempotency_key;
    const char *order_key;      /* NULL = no ordering */
    int64_t     service_id;     /* 0 = none */
    int64_t     created_ms;     /* epoch ms */
    int64_t     due_ms;         /* first attempt, epoch ms */
} OutboxNew;

/* 1 queued, 0 key exists already, -EIO. */
int outbox_repo_insert(Store *st, const OutboxNew *n);

typedef struct OutboxRow {
    int64_t id;
    char   *channel, *target, *payload, *idempotency_key, *order_key; /* owned; target, order_key may be NULL */
    int     attempts;
    int64_t created_ms;
    int64_t service_id;         /* 0 = none */
} OutboxRow;

void outbox_rows_free(OutboxRow *rows, int n);

/* Pending rows of one channel due at now_ms, in id order (the "event"
 * rows the notifier fans out). Up to max into a malloc'd array (free with
 * outbox_rows_free). count or -EIO. */
int outbox_repo_due_channel(Store *st, const char *channel, int64_t now_ms, int max,
                            OutboxRow **out);

/* Pending deliverable rows (channel webhook, slack, pagerduty or email)
 * due at now_ms and not queued behind an earlier pending row of the same
 * order_key; earliest next_attempt_at first. count or -EIO. */
int outbox_repo_due_deliveries(Store *st, int64_t now_ms, int max, OutboxRow **out);

/* Move a pending row's next attempt (a lease while it is in flight, or
 * "now" to release it). 0 or -EIO. */
int outbox_repo_set_due(Store *st, int64_t id, int64_t due_ms);
/* Every pending row due later than now becomes due now (notifier start:
 * a restart retries at once). Count changed or -EIO. */
int outbox_repo_all_due(Store *st, int64_t now_ms);

/* Outcomes; attempts is the new total. 0 or -EIO. error may be NULL. */
int outbox_repo_mark_delivered(Store *st, int64_t id, int attempts, int64_t now_ms);
int outbox_repo_mark_retry(Store *st, int64_t id, int attempts, int64_t next_ms,
                           const char *error);
int outbox_repo_mark_dead(Store *st, int64_t id, int attempts, int64_t now_ms,
                          const char *error);

/* Earliest next_attempt_at of a pending row later than after_ms:
 * 1 and *out_ms, 0 none, -EIO. */
int outbox_repo_next_due(Store *st, int64_t after_ms, int64_t *out_ms);

/* Pending rows (backlog) and dead rows. 0 or -EIO. */
int outbox_repo_counts(Store *st, int *out_backlog, int *out_dead);

/* The webhook_url of every Slack integration of a service (seed 000's
 * integration table: type "Slack" in any case, config JSON with a
 * non-empty "webhook_url"), malloc'd strings in a malloc'd array (caller
 * frees each and the array). count or -EIO. */
int outbox_repo_slack_urls(Store *st, int64_t service_id, char ***out);

#endif
