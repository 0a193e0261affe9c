/* reminders — see reminders.h.
 *
 * How it works: one indexed read finds open, unacknowledged Critical
 * alerts whose last notification (or raise) is interval_s old; each
 * condition among them gets an outbox event and its last_notified_at
 * moves to now, so the next one is due one interval later whatever the
 * engine's tick. A classification found due is only marked (so it is not
 * read again every tick). */
#include "domain/reminders.h"
#include "domain/alerts.h"
#include "domain/notify.h"
#include "store/audit_repo.h"
#include "store/oncall_repo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define BATCH 64

static int remind_one(Store *st, const AlertRow *a, int n, int64_t now)
{
    char detail[128];
    snprintf(detail, sizeof detail, "reminder %d of alert %lld (%s)", n, (long long)a->id,
             a->type);
    NotifyEvent ev = {
        .source = "alert", .id = a->id, .event = "raised", .service_id = a->service_id,
        .type = a->type, .severity = a->severity, .message = a->message, .ts = now,
        .reminder = n,
    };
    if (notify_service_event(st, &ev, now) < 0 ||
        audit_repo_add_alert(st, "Alert Reminder", a->id, a->service_id, AUDIT_SYSTEM_USER, NULL,
                             detail, now) < 0)
        return -EIO;
    return 0;
}

int reminders_run(Store *st, int64_t now, int64_t interval_s)
{
    if (interval_s <= 0)
        return 0;
    AlertRow due[BATCH];
    int reminders[BATCH];
    /* read first: most ticks find nothing and take no write lock */
    int n = oncall_repo_reminders_due(st, now - interval_s, due, reminders, BATCH), sent = 0;
    if (n <= 0)
        return n;
    if (store_begin(st) < 0)
        return -EIO;
    /* again under the lock: another writer may have acked one meanwhile */
    n = oncall_repo_reminders_due(st, now - interval_s, due, reminders, BATCH);
    for (int i = 0; n > 0 && i < n; i++) {
        /* only conditions are due (the alert's kind, migration 0011) */
        if (remind_one(st, &due[i], reminders[i] + 1, now) < 0 ||
            oncall_repo_mark_reminded(st, due[i].id, now) < 0) {
            n = -EIO;
            break;
        }
        sent++;
    }
    if (n < 0 || store_commit(st) < 0) {
        store_rollback(st);
        return -EIO;
    }
    return sent;
}
