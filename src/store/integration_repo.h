/* integration_repo — seed 000's Integration table. */
#ifndef RESOPS_STORE_INTEGRATION_REPO_H
#define RESOPS_STORE_INTEGRATION_REPO_H

#include <stdint.h>
#include "store/store.h"

int64_t integration_repo_insert(Store *st, int64_t service_id, const char *type,
                                const char *config_json, const char *created_by, int64_t now);
/* Integration counts for every service: parallel arrays sorted by service
 * id, malloc'd (caller frees both). count of rows or -EIO. */
int integration_repo_counts(Store *st, int64_t **out_ids, int **out_counts);

#endif
