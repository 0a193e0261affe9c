/* timeline — issue 11 item 6: a Markdown postmortem of an incident or a
 * downtime, built from the audit trail, the service's alerts, its
 * notifications (outbox rows: channel, when, delivered / dead / pending)
 * and, for an incident, its seed 001 audit and playbook steps: who did
 * what when, in time order, under a header (service, start, end,
 * duration). GET .../timeline.md (api/h_timeline.c) and the console's
 * :export serve the same text.
 *
 * Window: an incident's entries run from its created_at to its
 * resolved_at (or now); a downtime's from its start to its end (or now).
 *
 * Thread: whoever owns the Store passed in (reads only).
 */
#ifndef RESOPS_DOMAIN_TIMELINE_H
#define RESOPS_DOMAIN_TIMELINE_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

/* *out = the Markdown (malloc'd, caller frees). 0, -ENOENT ("Incident
 * not found"), -EIO (err = DOMAIN_IO_ERROR). */
int timeline_incident_md(Store *st, const char *incident_id, int64_t now, char **out, char *err,
                         size_t errsz);

/* The same for downtime downtime_id of service_id: -ENOENT "Service not
 * found" or "Downtime not found". */
int timeline_downtime_md(Store *st, int64_t service_id, int64_t downtime_id, int64_t now,
                         char **out, char *err, size_t errsz);

#endif
