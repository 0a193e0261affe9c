/* probe_repo — how the engine checks a service (ours; none = heartbeat). */
#ifndef RESOPS_STORE_PROBE_REPO_H
#define RESOPS_STORE_PROBE_REPO_H

#include <stdint.h>
#include "store/store.h"

typedef struct ProbeRow {
    int64_t  service_id;
    char     kind[8];          /* http | tcp | cmd */
    char    *target;           /* owned */
    int      timeout_ms, expect_status;
    int      fail_streak;
    uint64_t recent;
} ProbeRow;

int probe_repo_set(Store *st, int64_t service_id, const char *kind, const char *target,
                   int timeout_ms, int expect_status);
int probe_repo_delete(Store *st, int64_t service_id);
/* Every probe, by service id; *out malloc'd, free with probe_rows_free. */
int  probe_repo_load_all(Store *st, ProbeRow **out);
void probe_rows_free(ProbeRow *rows, int n);
int probe_repo_record(Store *st, int64_t service_id, int fail_streak, uint64_t recent,
                      int latency_ms, const char *error, int64_t now);

#endif
