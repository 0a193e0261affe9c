/* status_reactions — what a change of a service's status sets off beyond
 * its own records. services_set_status (services.c) writes the status,
 * its audit entry, the downtime and the StatusChange alert, then calls
 * status_reactions_changed() in the same transaction, so a reader of the
 * status write path finds every consequence from there.
 *
 * One reaction today (seed 001): a Down found by the service's probe
 * (StatusSource SET_BY_PROBE), when the probe names a playbook category,
 * opens an incident and submits it to auto-resolution, unless one of the
 * service is already queued or resolving; after
 * max_incidents_per_service_hour incidents in the last hour it raises an
 * AutoResolutionLimit alert for a human instead, and with no playbook
 * configured for the category a NoPlaybook alert. A Down judged from
 * heartbeats (cycle.c, SET_BY_ENGINE) or set by a person, the demo seed or
 * a playbook step (SET_BY_USER) opens none: only a probe names a playbook,
 * and this is how the rule behaved when it lived in the engine loop.
 *
 * Also here: naming that playbook (status_reactions_set_playbook, `resops
 * probe --playbook`).
 *
 * Thread: whoever owns the Store passed in.
 */
#ifndef RESOPS_DOMAIN_STATUS_REACTIONS_H
#define RESOPS_DOMAIN_STATUS_REACTIONS_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"
#include "domain/rules.h"
#include "domain/services.h"

/* The status of service_id changed to status (src: who said so; reason:
 * why, e.g. the probe's error), inside the caller's transaction. 0, or
 * -EIO (the caller rolls the change back). */
int status_reactions_changed(Store *st, int64_t service_id, ServiceStatus status,
                             StatusSource src, const char *reason, int64_t now);

/* Name (or clear, category NULL) the playbook category of a service's
 * probe and the confidence of its incidents (< 0 = default,
 * INCIDENTS_DOWN_CONFIDENCE). Audited "Playbook Updated" (seed 000
 * audit_log, entity Service). -EINVAL bad category / confidence, -ENOENT
 * no such probe, -EIO. */
int status_reactions_set_playbook(Store *st, int64_t service_id, const char *category,
                                  double confidence, int64_t user_id, int64_t now, char *err,
                                  size_t errsz);

#endif
