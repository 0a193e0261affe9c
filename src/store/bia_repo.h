/* bia_repo — seed 000's BIA table (one row per service).
 * Thread: the Store's owner. */
#ifndef RESOPS_STORE_BIA_REPO_H
#define RESOPS_STORE_BIA_REPO_H

#include <stdint.h>
#include "store/store.h"

typedef struct BiaFields {
    const char *criticality, *impact;  /* NULL → NULL column */
    int has_rto, rto, has_rpo, rpo;
    int signed_off;
} BiaFields;

int bia_repo_upsert(Store *st, int64_t service_id, const BiaFields *b);
int bia_repo_delete(Store *st, int64_t service_id);      /* 1, 0 none */

/* A service's BIA (strings copied into the row): 1 found, 0 none, -EIO. */
typedef struct BiaRow {
    char criticality[21], impact[51];
    int  has_criticality, has_impact;
    int  has_rto, rto, has_rpo, rpo;
    int  signed_off;
} BiaRow;
int bia_repo_get(Store *st, int64_t service_id, BiaRow *out);

#endif
