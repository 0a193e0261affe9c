/* status_repo — seed 000's Status table (one row per service). */
#ifndef RESOPS_STORE_STATUS_REPO_H
#define RESOPS_STORE_STATUS_REPO_H

#include <stdint.h>
#include "store/store.h"

/* Current status text into buf ("" when none): 1 found, 0 none, -EIO. */
int status_repo_get(Store *st, int64_t service_id, char *buf, size_t size,
                    int64_t *out_last_updated);
/* Upsert status and last_updated; heartbeat != 0 also sets last_heartbeat. */
int status_repo_set(Store *st, int64_t service_id, const char *status, int64_t now,
                    int heartbeat);

#endif
