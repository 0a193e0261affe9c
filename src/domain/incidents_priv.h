/* incidents_priv — what the two halves of the incident write path share
 * and nobody else uses: incidents.c (the lifecycle: submit, retry, resolve
 * by hand, results) and incident_runs.c (the runner's ledger: claim,
 * steps, ends of runs).
 *
 * Thread: whoever owns the Store passed in.
 */
#ifndef RESOPS_DOMAIN_INCIDENTS_PRIV_H
#define RESOPS_DOMAIN_INCIDENTS_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <cJSON.h>
#include "domain/decision.h"
#include "domain/incidents.h"
#include "domain/resolution.h"

/* Append one seed 001 audit entry (table incident_audit); details is
 * taken (a cJSON object, NULL = {}). 0 or -EIO. */
int    incidents_audit(Store *st, const char *incident_id, const char *action, const char *actor,
                       const double *confidence, cJSON *details, int success, const char *error,
                       int64_t now);
/* {"message": message}, the caller's (usually given to incidents_audit). */
cJSON *incidents_message(const char *message);
/* The decision for rec with the configuration as stored now (*cat filled,
 * resolution_category_free it). 0 or -EIO. */
int    incidents_decide(Store *st, const IncidentRec *rec, int forced, int running, int limit,
                        ResolutionCategory *cat, Decision *d);
/* The auto_resolution_skipped entry for a refusal. 0 or -EIO. */
int    incidents_audit_skip(Store *st, const IncidentRec *rec, const Decision *d, int64_t now);
/* The incident is resolved (by a run or by hand): its incident-level
 * AutoResolutionFailed alert, if one is open, has cleared. 0 or -EIO. */
int    incidents_clear_failed_alert(Store *st, const IncidentRec *inc, int64_t now);
/* The steps a run of category would walk (cat as stored): the API's
 * playbook with its actions resolved, else the playbook file's, else the
 * seed's default steps. 0 and *out (playbook_free), -EINVAL with err. */
int    incidents_plan_playbook(const ResolutionCategory *cat, const char *category, Playbook *out,
                               char *err, size_t errsz);
/* After the commit of an end of a run: incidents_seq() moves, waiters
 * wake. */
void   incidents_wake_all(void);

#endif
