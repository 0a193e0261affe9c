/* oncall_repo — the rows of issue 11 items 5 and 6 (migration 0013):
 * reminders (alert.last_notified_at, alert.reminders), the status change
 * log that flapping counts (status_change), a service's runbook_url, and
 * the one read that gathers a postmortem's entries (audit trail, alerts,
 * notifications, incident steps) for domain/timeline.c.
 *
 * Thread: the Store's owner.
 */
#ifndef RESOPS_STORE_ONCALL_REPO_H
#define RESOPS_STORE_ONCALL_REPO_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"
#include "model/alert.h"
#include "model/service.h"

/* ---- reminders ---- */

/* Open, unacknowledged Critical conditions (kind, migration 0011; never a
 * classification) last notified (or, never reminded,
 * created) at or before due_before: up to max rows into out, oldest id
 * first, with their reminder count in out_reminders (may be NULL).
 * count or -EIO. */
int oncall_repo_reminders_due(Store *st, int64_t due_before, AlertRow *out, int *out_reminders,
                              int max);
/* Record a reminder sent now: last_notified_at = now, reminders + 1.
 * 0 or -EIO. */
int oncall_repo_mark_reminded(Store *st, int64_t alert_id, int64_t now);

/* The alert was notified again now (not a reminder: an ack expired).
 * 0 or -EIO. */
int oncall_repo_set_notified(Store *st, int64_t alert_id, int64_t now);

/* ---- status changes (flapping) ---- */

int oncall_repo_status_change_add(Store *st, int64_t service_id, const char *status, int64_t now);
/* Changes of service_id at or after since: count or -EIO. */
int oncall_repo_status_changes_since(Store *st, int64_t service_id, int64_t since);
/* Services with an unresolved alert of type: malloc'd ids (caller frees),
 * count or -EIO. */
int oncall_repo_services_with_open(Store *st, const char *type, int64_t **out);
/* Forget service_id's changes older than before. 0 or -EIO. */
int oncall_repo_status_changes_prune(Store *st, int64_t service_id, int64_t before);

/* ---- runbooks ---- */

#define RUNBOOK_URL_MAX 2048
/* The runbook URL into buf ("" when none): 1 the service exists, 0 not,
 * -EIO. */
int oncall_repo_runbook_get(Store *st, int64_t service_id, char *buf, size_t size);
/* Every service's runbook that is set: malloc'd parallel arrays of ids
 * and URLs (caller frees each URL and both arrays). count or -EIO. */
int oncall_repo_runbooks(Store *st, int64_t **out_ids, char ***out_urls);
/* Set (NULL or "" clears). 1 changed, 0 no such service, -EIO. */
int oncall_repo_runbook_set(Store *st, int64_t service_id, const char *url);

/* ---- timelines ---- */

/* One downtime of a service by id: 1 and *out, 0 none, -EIO. */
int oncall_repo_downtime_get(Store *st, int64_t service_id, int64_t downtime_id,
                             DowntimeRow *out);

/* A postmortem entry: when, who, what (owned strings). */
typedef struct TimelineRow {
    int64_t at;
    int     seq;            /* its place in the query's order */
    char   *who, *what;
} TimelineRow;
void timeline_rows_free(TimelineRow *rows, int n);

/* Every entry about service_id (0 = none) between from and to (inclusive,
 * epoch s): its audit trail, its alerts raised and resolved, its delivery
 * rows (channel, outcome), the silences that covered it (created, expired
 * or ended, whenever) and the notifications they kept back in the window
 * (and their release, whenever); with incident_id (may be NULL) also the
 * incident's audit and playbook steps (whatever their time); with
 * downtime_start (0 none) also the SLA breaches of that downtime found
 * after to. In no particular order; malloc'd array, count or -EIO. */
int oncall_repo_timeline(Store *st, int64_t service_id, const char *incident_id, int64_t from,
                         int64_t to, int64_t downtime_start, TimelineRow **out);

#endif
