/* silences — issue 11 item 4: silences and maintenance windows, the one
 * write path for them and the rules.
 *
 * A silence matches an alert when every matcher it has matches (service
 * by id, alert type, severity, category = the service's probe playbook
 * category). It is one-off (starts_at .. ends_at) or recurring: an
 * iCalendar RRULE expanded by libical (never by hand) from the local
 * midnight of starts_at in its timezone (UTC when none), each occurrence
 * opening a window of duration_minutes, so "FREQ=WEEKLY;BYDAY=SU;BYHOUR=2"
 * in Europe/Berlin stays 02:00 local across a DST change (a local time
 * the spring change skips is read with the offset before the gap, RFC
 * 5545 §3.3.5: 02:00 -> 03:00). Matchers compare without case. A recurring
 * silence may end at ends_at (optional) or by the rule's UNTIL/COUNT.
 * DELETE expires a silence early.
 *
 * Notifications are never lost: at fan-out (notify.c) the "raised" event
 * of an alert an active silence matches is kept back (silence_suppressed)
 * instead of sent, and so is a "resolved" event whose raise was kept
 * back. At each evaluation (cycle.c) and at every silence write,
 * silences_tick() releases what no active silence covers any more: an
 * alert still open and unacknowledged is notified then, once; one that
 * resolved or was acknowledged meanwhile produces nothing. The same step
 * keeps the alert -> silence table (GET /api/alerts silenced_by, the
 * console's dimmed rows) current.
 *
 * Thread: whoever owns the Store passed in; pure functions: any (libical
 * is called under one lock).
 */
#ifndef RESOPS_DOMAIN_SILENCES_H
#define RESOPS_DOMAIN_SILENCES_H

#include <stddef.h>
#include <stdint.h>
#include "model/silence.h"
#include "store/store.h"

struct NotifyEvent;

#define SILENCE_MAX_MINUTES_DEFAULT 10080   /* 7 days (notify.silence_max_minutes) */

/* The longest silence (one-off) or window (recurring), in minutes: set by
 * main from the configuration before threads start; any thread reads. */
void silences_set_max_minutes(int minutes);
int  silences_max_minutes(void);

/* What a caller asks for; strings borrowed, NULL / 0 = not given. */
typedef struct SilenceSpec {
    int64_t     service_id;
    const char *service, *type, *severity, *category;
    int64_t     starts_at, ends_at;     /* 0: now / none */
    const char *rrule, *timezone;
    int64_t     duration_minutes;
    const char *comment;
} SilenceSpec;

/* Validate, store and audit ("Silence Created", entity "Silence") a new
 * silence; *out (may be NULL) gets it with its state at now. 0, -EINVAL
 * with err for the user, -EIO. */
int silences_create(Store *st, const SilenceSpec *sp, int64_t user_id, const char *actor,
                    int64_t now, SilenceRow *out, char *err, size_t errsz);

/* Expire a silence early, audited "Silence Expired"; what it kept back is
 * released at once. 0 (and *out, may be NULL), -ENOENT "Silence not
 * found", -ENOTUNIQ "Silence already expired", -EIO. */
int silences_expire(Store *st, int64_t id, int64_t user_id, const char *actor, int64_t now,
                    SilenceRow *out, char *err, size_t errsz);

/* Every silence, newest first, with its state at now (malloc'd; free()).
 * count or -EIO. */
int silences_list(Store *st, int64_t now, SilenceRow **out);

/* Fan-out: keep back ev (outbox row outbox_id) when a silence covers it.
 * 1 kept back, 0 send it, -EIO. */
int silences_hold(Store *st, const struct NotifyEvent *ev, int64_t outbox_id, int64_t now);

/* The evaluation's step: release what no active silence covers, notify
 * open conditions once, refresh the alert -> silence table. Joins the
 * caller's transaction. Alerts notified, or -EIO. */
int silences_tick(Store *st, int64_t now);

/* A new alert (alerts.c raise): when an active silence matches it, note
 * it in the alert -> silence table at once. 0 or -EIO. */
int silences_note_alert(Store *st, int64_t alert_id, int64_t service_id, const char *type,
                        const char *severity, int64_t now);

/* For the snapshot (inside its read transaction): the silences not ended
 * over a day before now, newest first, at most SILENCES_SNAPSHOT_MAX, with
 * their state at now, and the alert -> silence pairs by alert id
 * (malloc'd, may be NULL when 0). 0 or -EIO (nothing allocated). */
#define SILENCES_SNAPSHOT_MAX 500
int silences_for_snapshot(Store *st, int64_t now, SilenceRow **out, int *n, AlertSilence **pairs,
                          int *npairs);

/* The time-driven part of silences_tick(), for a loop that runs often
 * (the notifier's scan): when now has reached *next (0: at once), tick in
 * its own transaction and set *next to the next window boundary (a
 * window opening or closing; at most a minute on). A silence ending thus
 * notifies within a scan, not at the next evaluation. 0 or -EIO. */
int silences_tick_due(Store *st, int64_t now, int64_t *next);

/* ---- pure rules ---------------------------------------------------------- */

/* r->state and its window at now (see SilenceRow). */
void silences_state_at(SilenceRow *r, int64_t now);
/* 1 when every matcher of s matches the alert (type, severity and
 * category compared without case). */
int  silences_match(const SilenceRow *s, int64_t service_id, const char *type,
                    const char *severity, const char *category);
/* Check an RRULE and timezone (NULL/"" = UTC) with libical: 0, or
 * -EINVAL with err ("Field 'rrule' is not a valid iCalendar RRULE: ..."). */
int  silences_rrule_check(const char *rrule, const char *tz, char *err, size_t errsz);
/* Up to max window starts of r at or after from (epoch s): count. */
int  silences_occurrences(const SilenceRow *r, int64_t from, int64_t *out, int max);
/* "30m", "2h", "1d" (or a bare number of minutes) into minutes: 0 or
 * -EINVAL. */
int  silences_parse_duration(const char *s, int64_t *out_minutes);
/* The silence of an open alert from a snapshot's arrays, or NULL. */
const SilenceRow *silences_of_alert(const SilenceRow *v, int n, const AlertSilence *pairs,
                                    int npairs, int64_t alert_id);
/* Silences active at now, and the soonest end of their windows
 * (*soonest 0 when none). */
int  silences_active_count(const SilenceRow *v, int n, int64_t now, int64_t *soonest);
/* t as the console says "until ...": "04:00" today, "Sun 04:00" within
 * a week, else "2026-12-24 04:00" (local time). */
void silences_fmt_until(int64_t t, int64_t now, char *buf, size_t size);
const char *silences_state_name(SilenceState s);   /* "active", ... */
int  silences_state_parse(const char *s, SilenceState *out);

#endif
