/* category_repo — seed 001's configuration rows: the global row
 * (resolution_config: switch, default threshold, concurrency limit,
 * recipients, our loop guard) and one category_config row per category
 * that was configured (its settings, playbook and per-category kill
 * switch). A category without a row uses the seed's defaults.
 *
 * Thread: the Store's owner.
 */
#ifndef RESOPS_STORE_CATEGORY_REPO_H
#define RESOPS_STORE_CATEGORY_REPO_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

typedef struct GlobalConfigRow {
    int     global_enabled;
    double  default_confidence_threshold;
    int     max_concurrent_resolutions;
    char    notification_recipients[2048];   /* JSON array text */
    int     max_incidents_per_service_hour;
    char    kill_actor[321], kill_reason[256];
    int64_t kill_at;
    int64_t updated_at;                      /* 0 = never changed by a user */
    char    updated_by[81];
} GlobalConfigRow;

int category_repo_global_get(Store *st, GlobalConfigRow *out);         /* 0 / -EIO */
/* Write the settings (not the kill switch columns, which
 * resolution_repo_set_kill owns); updated_by NULL leaves updated_at and
 * updated_by as they are. 0 / -EIO. */
int category_repo_global_put(Store *st, const GlobalConfigRow *in, const char *updated_by,
                             int64_t now);

typedef struct CategoryRow {
    char    category[24];
    int     auto_resolution_enabled;
    double  confidence_threshold;
    int     max_retry_attempts;
    int     notification_required;
    char   *playbook;                 /* owned JSON text, NULL = the seed's defaults */
    char    kill_actor[321], kill_reason[256];
    int64_t kill_at;
} CategoryRow;

void category_row_free(CategoryRow *r);   /* the playbook */

/* 1 and *out (free with category_row_free), 0 not configured, -EIO. */
int category_repo_get(Store *st, const char *category, CategoryRow *out);
/* Insert or replace the settings and the playbook (kill columns too). */
int category_repo_put(Store *st, const CategoryRow *in);
/* Every configured category, by name; *out malloc'd (free each row with
 * category_row_free, then the array). count or -EIO. */
int category_repo_list(Store *st, CategoryRow **out);

#endif
