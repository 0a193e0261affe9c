/* risk_repo — seed 000's Risk history and our risk_current table. */
#ifndef RESOPS_STORE_RISK_REPO_H
#define RESOPS_STORE_RISK_REPO_H

#include <stdint.h>
#include "store/store.h"

typedef struct RiskRow {
    int64_t service_id;
    int     risk_score;
    char    risk_level[21];
    int     is_critical;
    char    reason[1024];
    char    source[21];
    char    created_by[101];
    int64_t created_at;
} RiskRow;

int risk_repo_add_history(Store *st, int64_t service_id, int score, const char *level,
                          int critical, const char *reason, const char *source,
                          const char *created_by, int64_t now);
int risk_repo_set_current(Store *st, int64_t service_id, int score, const char *level,
                          int critical, const char *reason, int64_t now);
/* Newest history row of a service: 1 and *out, 0 none, -EIO. */
int risk_repo_latest(Store *st, int64_t service_id, RiskRow *out);

#endif
