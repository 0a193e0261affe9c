/* resolution — the one write path for seed 001's configuration: the
 * global auto-resolution switch (the kill switch), its per-category
 * counterpart, and the settings of GET/PUT /api/v1/config. The TUI's `K` /
 * `:kill` and the API's /api/v1/config/kill-switch/{activate,deactivate}
 * both call it.
 *
 * Thread: whoever owns the Store passed in.
 */
#ifndef RESOPS_DOMAIN_RESOLUTION_H
#define RESOPS_DOMAIN_RESOLUTION_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"
#include "domain/decision.h"

/* Seed 001's default reason for an activation without one. */
#define RESOLUTION_DEFAULT_KILL_REASON "Emergency activation"

/* Activate (active = 1: auto-resolution disabled) or deactivate the kill
 * switch. In one transaction: resolution_config (global_enabled, actor,
 * reason, time), an audit_log entry (seed 000 style: "Kill Switch
 * Activated" / "Kill Switch Deactivated", entity "Config", entity_id 1,
 * detail "by <actor>: <reason>") and a seed 001 incident_audit entry
 * (incident_id "SYSTEM", action kill_switch_activated /
 * kill_switch_deactivated, the actor, the seed's details: {"message":
 * "Emergency kill switch activated - all auto-resolutions disabled",
 * "reason": ...} / {"message": "Emergency kill switch deactivated -
 * auto-resolutions re-enabled"}).
 * actor is required (seed 001); reason may be NULL or "" (activation then
 * uses RESOLUTION_DEFAULT_KILL_REASON). Setting the state it already has
 * is not an error: it is written and audited again, as the seed does.
 * 0, -EINVAL ("actor is required"), -EIO. */
int resolution_set_kill_switch(Store *st, int active, const char *actor, const char *reason,
                               int64_t now, char *err, size_t errsz);

/* The same for one category when category is not NULL: its
 * auto_resolution_enabled goes to 0 (1) with actor, reason and time in
 * category_config; audited like the global switch with details.category.
 * Running resolutions of that category stop before their next step.
 * -EINVAL "Invalid category: x" too. */
int resolution_kill_switch(Store *st, int active, const char *category, const char *actor,
                           const char *reason, int64_t now, char *err, size_t errsz);
/* The same with the acting account's id for the audit_log row (the API:
 * the authenticated user; actor is then that user's name, issue 9 B4). */
int resolution_kill_switch_by(Store *st, int active, const char *category, const char *actor,
                              int64_t user_id, const char *reason, int64_t now, char *err,
                              size_t errsz);

/* ---- configuration (seed 001's AutoResolutionConfig) ---------------------- */

typedef struct ResolutionCategory {
    CategoryConfig cfg;
    int            configured;           /* a category_config row exists */
    int            inherits_threshold;   /* its threshold is the global default */
    char          *playbook;             /* owned JSON text; NULL = the seed's defaults */
    char           kill_actor[321], kill_reason[256];
    int64_t        kill_at;              /* 0 = no per-category kill switch record */
} ResolutionCategory;

/* The category's settings, the seed's defaults when not configured; the
 * threshold is the global default when the category does not set its own
 * (not configured, or a row made only for a playbook or a kill switch).
 * 0 or -EIO. Free with resolution_category_free. */
int  resolution_category_get(Store *st, const char *category, ResolutionCategory *out);
/* The same with the global row already read (one query less per decision). */
struct GlobalConfigRow;
int  resolution_category_get_g(Store *st, const char *category, const struct GlobalConfigRow *g,
                               ResolutionCategory *out);
void resolution_category_free(ResolutionCategory *c);

/* PUT /api/v1/config: a partial update, only the has_* parts change
 * (issue 9 B1: a category update keeps every field it does not send; its
 * playbook changes only with has_playbook, playbook_json NULL = no stored
 * playbook: the playbook file's for that category, else the seed's
 * defaults). The playbook is one from the API (playbook_parse_api): it
 * names actions of the playbook file and internal steps, never an argv or
 * a URL (D4); an unknown action is refused.
 * A stop is never lifted here: global_enabled true while the kill switch
 * is active, or auto_resolution_enabled true while the category is
 * stopped, is -EPERM ("... use POST /api/v1/config/kill-switch/deactivate");
 * only resolution_kill_switch lifts a stop. Stopping here (false) is a
 * kill switch activation, audited as such (reason "Set via configuration
 * update"). Validation comes first; then one transaction writes the rows
 * and one config_updated entry (incident_id "SYSTEM", details.changes
 * {"<key>": {"old", "new"}}). Nothing changed: nothing audited.
 * 0, -EINVAL, -EPERM, -EIO. */
typedef struct ResolutionUpdate {
    int            has_global_enabled, global_enabled;
    int            has_default_threshold;
    double         default_threshold;
    int            has_max_concurrent, max_concurrent;
    const char    *recipients_json;      /* JSON array of strings; NULL = unchanged */
    int            has_max_per_hour, max_per_hour;
    int            has_category;         /* category.category names it */
    CategoryConfig category;             /* only the fields flagged below */
    int            has_enabled, has_threshold, has_retries, has_notify;
    int            has_playbook;
    const char    *playbook_json;
    int64_t        user_id;              /* the audit_log row's user; 0 = system */
} ResolutionUpdate;

int resolution_config_update(Store *st, const ResolutionUpdate *u, const char *actor,
                             int64_t now, char *err, size_t errsz);

/* At start (main): the config file's resolve.* values. The default
 * threshold and the concurrency limit apply while the settings were never
 * changed through the API or the console; playbooks_json (the playbook
 * file, actions.h; may be NULL) is loaded into this process's action
 * catalog (actions_load) and audited config_updated with actor
 * "config-file" (details.changes.playbook_file: its actions and
 * categories). 0, -EINVAL (err names the problem), -EIO. */
int resolution_bootstrap(Store *st, double default_threshold, int max_concurrent,
                         const char *playbooks_json, int64_t now, char *err, size_t errsz);

#endif
