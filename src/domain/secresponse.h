/* secresponse — seed 003's response actions and escalations, run through
 * seed 001's resolution runner (the kill switch and the concurrency limit
 * apply): an action name maps to a configured playbook step (command argv
 * with ${target.ip}-style substitution, or an HTTP call); running one
 * records a sec_response row and its outcome. Escalation opens an
 * incident in category "security" whose playbook goes through
 * auto-resolution.
 *
 * CONTRACT (issue 12): shared by the API, the pipeline (escalation) and
 * the console's Security pane (R). Its owner may add to it.
 *
 * Thread: whoever owns the Store passed in.
 */
#ifndef RESOPS_DOMAIN_SECRESPONSE_H
#define RESOPS_DOMAIN_SECRESPONSE_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

/* The configured action names (e.g. "block_ip", "disable_user"), for the
 * console's menu: a NULL-terminated static array. */
const char *const *secresponse_actions(void);

typedef struct SecResponseOut {
    int64_t id;            /* the sec_response row */
    char    state[12];     /* queued | running | success | failed | refused */
    char    incident_id[64];
} SecResponseOut;

/* Run action on alert_id's target (JSON object text) with parameters
 * (JSON object text or NULL). 0 with *out (the run goes on in the runner;
 * state "queued"), -ENOENT (alert), -EINVAL (unknown action, bad target:
 * err), -EAGAIN (kill switch or concurrency: refused, recorded, err says
 * which), -EIO. */
int secresponse_run(Store *st, const char *alert_id, const char *action, const char *target,
                    const char *parameters, const char *actor, int64_t now,
                    SecResponseOut *out, char *err, size_t errsz);

/* Open the "security" incident of an alert (S0 at or above the escalation
 * threshold, or an ESCALATE verdict) and record it on the alert; it goes
 * through seed 001's auto-resolution. The new incident's id in
 * incident_id. 0, -EEXIST (it has one: its id is copied), -ENOENT, -EIO. */
int secresponse_escalate(Store *st, const char *alert_id, int s0, const char *actor, int64_t now,
                         char *incident_id, size_t size);

#endif
