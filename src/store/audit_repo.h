/* audit_repo — seed 000's AuditLog table. Thread: the Store's owner. */
#ifndef RESOPS_STORE_AUDIT_REPO_H
#define RESOPS_STORE_AUDIT_REPO_H

#include <stdint.h>
#include "store/db.h"

#define AUDIT_SYSTEM_USER 0   /* user_id of entries written by the engine */

typedef struct AuditRow {
    int64_t id;
    char    action[101];
    char    entity[51];
    int64_t entity_id;
    int64_t timestamp;
    int64_t user_id;
    char    detail[256];
} AuditRow;

/* Append one entry; 0 or -EIO. detail may be NULL. */
int audit_repo_add(Store *st, const char *action, const char *entity, int64_t entity_id,
                   int64_t user_id, const char *detail, int64_t now);

/* Newest first; up to max rows into out (caller's array); returns count or
 * -EIO. filter (may be NULL) matches action, entity or detail (substring). */
int audit_repo_list(Store *st, const char *filter, AuditRow *out, int max);

/* Count entries with this action and entity_id (tests, dedup checks). */
int64_t audit_repo_count(Store *st, const char *action, int64_t entity_id);

#endif
