/* downtime_repo — seed 000's Downtime table. */
#ifndef RESOPS_STORE_DOWNTIME_REPO_H
#define RESOPS_STORE_DOWNTIME_REPO_H

#include <stdint.h>
#include "store/store.h"
#include "model/service.h"

int64_t downtime_repo_insert(Store *st, int64_t service_id, int64_t start, int64_t end,
                             const char *reason);
/* The open downtime of a service: 1 and *out, 0 none, -EIO. */
int downtime_repo_find_open(Store *st, int64_t service_id, DowntimeRow *out);
/* Start of a service's earliest downtime: 1 and *out, 0 none, -EIO. */
int downtime_repo_first_start(Store *st, int64_t service_id, int64_t *out);
int downtime_repo_close(Store *st, int64_t id, int64_t end);

/* Every downtime with start >= since or still open or ended >= since, in
 * (service_id, start) order; *out is malloc'd (caller frees). count or -EIO. */
int downtime_repo_load_since(Store *st, int64_t since, DowntimeRow **out);
/* A service's downtimes, newest first, up to max. count or -EIO. */
int downtime_repo_list(Store *st, int64_t service_id, DowntimeRow *out, int max);

#endif
