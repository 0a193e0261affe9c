/* sla_repo — seed 000's SLABreach table; unique per (service, type, start). */
#ifndef RESOPS_STORE_SLA_REPO_H
#define RESOPS_STORE_SLA_REPO_H

#include <stdint.h>
#include "store/store.h"
#include "model/service.h"

/* Insert unless this (service, type, start) exists: 1 new, 0 existed, -EIO. */
int sla_repo_insert(Store *st, int64_t service_id, const char *type, int64_t minutes,
                    int threshold, int64_t start, int64_t end, const char *reason, int64_t now);
/* Refresh the end time / minutes of an existing breach (downtime closed). */
int sla_repo_update_end(Store *st, int64_t service_id, const char *type, int64_t start,
                        int64_t end, int64_t minutes);
/* Newest first (created_at DESC), up to max. count or -EIO. */
int sla_repo_list(Store *st, SlaRow *out, int max);
int64_t sla_repo_count(Store *st, int64_t service_id, const char *type);

#endif
