/* groupcommit — what store_group_commit() (store/store.h) did so far, for
 * benchmarks, tests and the metrics: calls, the transactions they shared
 * and the largest batch.
 *
 * Thread: any.
 */
#ifndef RESOPS_STORE_GROUPCOMMIT_H
#define RESOPS_STORE_GROUPCOMMIT_H

#include <stdint.h>

typedef struct StoreGroupStats {
    uint64_t calls;            /* store_group_commit() calls answered */
    uint64_t commits;          /* transactions (one fsync each) that committed */
    uint64_t failed_commits;   /* transactions whose BEGIN or COMMIT failed */
    uint64_t failed_calls;     /* calls whose fn failed (its savepoint rolled back) */
    int      max_batch;        /* most calls in one transaction */
    int      queued;           /* calls waiting for the next batch now */
    /* durable answers (issue 13, store_sync_answer) */
    uint64_t answer_waits;     /* answers that waited for their commit's fsync */
    uint64_t answer_fsyncs;    /* WAL fdatasyncs that served them */
    uint64_t answer_failed;    /* fdatasyncs that failed */
} StoreGroupStats;

/* The counters of the database file at db_path (store_path() of a
 * connection: all the process's connections to that path share them);
 * zeros before the first call. */
void store_group_stats(const char *db_path, StoreGroupStats *out);

/* Most calls one transaction takes (the rest form the next batch). */
#define STORE_GROUP_MAX_BATCH 512

#endif
