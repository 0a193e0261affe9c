/* resolution — the one write path for seed 001's global auto-resolution
 * switch (the kill switch). The TUI's `K` / `:kill` and the API's
 * /api/v1/config/kill-switch/{activate,deactivate} both call it.
 *
 * Thread: whoever owns the Store passed in.
 */
#ifndef RESOPS_DOMAIN_RESOLUTION_H
#define RESOPS_DOMAIN_RESOLUTION_H

#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

/* Seed 001's default reason for an activation without one. */
#define RESOLUTION_DEFAULT_KILL_REASON "Emergency activation"

/* Activate (active = 1: auto-resolution disabled) or deactivate the kill
 * switch. In one transaction: resolution_config (global_enabled, actor,
 * reason, time), an audit_log entry (seed 000 style: "Kill Switch
 * Activated" / "Kill Switch Deactivated", entity "Config", entity_id 1,
 * detail "by <actor>: <reason>") and a seed 001 incident_audit entry
 * (incident_id "SYSTEM", action kill_switch_activated /
 * kill_switch_deactivated, the actor, details {"reason": ...}).
 * actor is required (seed 001); reason may be NULL or "" (activation then
 * uses RESOLUTION_DEFAULT_KILL_REASON). Setting the state it already has
 * is not an error: it is written and audited again, as the seed does.
 * 0, -EINVAL ("actor is required"), -EIO. */
int resolution_set_kill_switch(Store *st, int active, const char *actor, const char *reason,
                               int64_t now, char *err, size_t errsz);

#endif
