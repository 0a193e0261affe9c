/* flapping — issue 11 item 5: a service whose status changes more than
 * flapping.changes times within flapping.window is flapping. Then:
 *  - one Flapping alert (Warning, a condition) is raised, and the open
 *    StatusChange alert is resolved (superseded);
 *  - while it is open, a change of status raises no StatusChange alert,
 *    so no notification per change (the downtime and SLA records go on);
 *  - when it stops (fewer than flapping.changes changes in the window,
 *    which includes "no change for the window"), the engine resolves the
 *    Flapping alert: its "resolved" event carries "settled_status" and is
 *    the one notification of the settled state; a Down or Degraded
 *    settled state is recorded as an open StatusChange alert without a
 *    second notification (reminders take it from there).
 * Every change of status is logged (status_change, migration 0013) and
 * a service's changes older than a day are pruned as new ones come.
 *
 * Settings are process-wide (like notify's Slack prefixes): main sets
 * them before threads start; any thread reads them.
 *
 * Thread: whoever owns the Store passed in.
 */
#ifndef RESOPS_DOMAIN_FLAPPING_H
#define RESOPS_DOMAIN_FLAPPING_H

#include <stdint.h>
#include "store/store.h"
#include "domain/rules.h"

#define ALERT_FLAPPING "Flapping"
#define FLAPPING_CHANGES_DEFAULT 5
#define FLAPPING_WINDOW_DEFAULT  1800

/* Set the rule (flapping.changes, flapping.window in seconds). */
void flapping_configure(int changes, int64_t window_s);

/* Inside status_locked's transaction, after a change of sid's status to
 * status was written: log it and decide. 1 = flapping (the caller raises
 * no StatusChange alert), 0 = not, -EIO. */
int flapping_on_change(Store *st, int64_t sid, const char *name, ServiceStatus status,
                       int64_t now);

/* The engine's step: settle every flapping service that stopped (a read
 * first; the write lock only when one is flapping). Count settled, or
 * -EIO. Joins the caller's transaction when it writes. */
int flapping_settle(Store *st, int64_t now);

#endif
