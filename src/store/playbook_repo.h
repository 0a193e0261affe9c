/* playbook_repo — one row per executed attempt of a playbook step (table
 * playbook_run): which run of which incident, the step's id, index, action
 * and description, the attempt number, when, how long, whether it worked,
 * the error and the captured (truncated) output.
 * Thread: the Store's owner. */
#ifndef RESOPS_STORE_PLAYBOOK_REPO_H
#define RESOPS_STORE_PLAYBOOK_REPO_H

#include <stdint.h>
#include "store/store.h"

typedef struct PlaybookRunRow {
    char    incident_id[129];
    int     run, step_index, attempt;
    char    step_id[37];
    char   *description, *action;    /* owned by a listing; borrowed on add */
    int64_t executed_at;
    int     success;                 /* 1, 0, -1 NULL */
    char   *error_message, *output;  /* may be NULL */
    int     duration_ms;
} PlaybookRunRow;

/* Append one attempt. 0 / -EIO. */
int  playbook_repo_add(Store *st, const PlaybookRunRow *r);
/* The last attempt of every step of a run, by step index; *out malloc'd
 * (free with playbook_rows_free). count or -EIO. */
int  playbook_repo_last_attempts(Store *st, const char *incident_id, int run,
                                 PlaybookRunRow **out);
void playbook_rows_free(PlaybookRunRow *rows, int n);

#endif
