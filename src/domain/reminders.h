/* reminders — issue 11 item 5: an open, unacknowledged Critical
 * condition is notified again every notify.repeat_interval (Alertmanager's
 * repeat_interval). Each reminder is an outbox event "raised" with a
 * "reminder": n field (channels page it again: PagerDuty re-triggers the
 * same dedup_key), audited "Alert Reminder" by system. An ack stops
 * reminders (only unacknowledged alerts are due); resolution stops them.
 * A reminder is due interval seconds after the alert's last notification
 * (its raise, or an expired ack's re-notification; the read comes
 * first, so a tick with nothing due takes no write lock).
 *
 * Thread: whoever owns the Store passed in (the engine, after each
 * evaluation).
 */
#ifndef RESOPS_DOMAIN_REMINDERS_H
#define RESOPS_DOMAIN_REMINDERS_H

#include <stdint.h>
#include "store/store.h"

/* Queue a reminder for every due alert (interval_s > 0; 0 = off), in one
 * transaction (joins the caller's). Count reminded, or -EIO. */
int reminders_run(Store *st, int64_t now, int64_t interval_s);

#endif
