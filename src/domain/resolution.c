/* resolution — see resolution.h.
 *
 * The configuration lives in two tables (resolution_config, one row;
 * category_config, a row per configured category) and every change is
 * one transaction with its audit entries, like any other write. The
 * config_updated entry follows the seed: details.changes holds, for every
 * key the request named, {"old": ..., "new": ...}.
 */
#include "domain/resolution.h"
#include "domain/actions.h"
#include "domain/playbook.h"
#include "domain/seed.h"
#include "store/audit_repo.h"
#include "store/category_repo.h"
#include "store/incident_audit_repo.h"
#include "store/resolution_repo.h"
#include "util.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/errors.h"
#define IO_ERROR DOMAIN_IO_ERROR

/* ---- kill switches ------------------------------------------------------ */

/* A new category row made only to hold a kill switch record or a
 * playbook: the seed's defaults, but its threshold (stored as 0, which no
 * request can set) keeps following the global default. */
#define THRESHOLD_INHERIT 0.0

static void inheriting_row(CategoryRow *row, const char *category)
{
    CategoryConfig def;
    category_config_default(&def, category);
    memset(row, 0, sizeof *row);
    strlcpy_(row->category, category, sizeof row->category);
    row->auto_resolution_enabled = 1;
    row->confidence_threshold = THRESHOLD_INHERIT;
    row->max_retry_attempts = def.max_retry_attempts;
    row->notification_required = def.notification_required;
}

/* The switch, its audit_log and incident_audit entries; inside a txn. */
static int kill_locked(Store *st, int active, const char *category, const char *actor,
                       int64_t user_id, const char *reason, int64_t now)
{
    cJSON *d = cJSON_CreateObject();
    char msg[200];
    if (category)
        snprintf(msg, sizeof msg, "Kill switch %s for category: %s - its auto-resolutions %s",
                 active ? "activated" : "deactivated", category,
                 active ? "disabled" : "re-enabled");
    else
        snprintf(msg, sizeof msg, "%s",
                 active ? "Emergency kill switch activated - all auto-resolutions disabled"
                        : "Emergency kill switch deactivated - auto-resolutions re-enabled");
    cJSON_AddStringToObject(d, "message", msg);
    if (reason)
        cJSON_AddStringToObject(d, "reason", reason);
    if (category)
        cJSON_AddStringToObject(d, "category", category);
    char *details = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);

    char detail[400];
    snprintf(detail, sizeof detail, "by %s%s%s%s%s", actor, reason ? ": " : "",
             reason ? reason : "", category ? " (category " : "", category ? category : "");
    if (category)
        strncat(detail, ")", sizeof detail - strlen(detail) - 1);

    int r = 0;
    if (category) {
        CategoryRow row;
        int got = category_repo_get(st, category, &row);
        if (got < 0) {
            r = -EIO;
            goto out;
        }
        if (!got)
            inheriting_row(&row, category);
        row.auto_resolution_enabled = !active;
        strlcpy_(row.kill_actor, actor, sizeof row.kill_actor);
        strlcpy_(row.kill_reason, reason ? reason : "", sizeof row.kill_reason);
        row.kill_at = now;
        r = category_repo_put(st, &row);
        category_row_free(&row);
    } else {
        r = resolution_repo_set_kill(st, active, actor, reason, now);
    }
    if (r == 0 &&
        (audit_repo_add_as(st, active ? "Kill Switch Activated" : "Kill Switch Deactivated",
                           "Config", 1, user_id, actor, detail, now) < 0 ||
         incident_audit_repo_add(st, INCIDENT_AUDIT_SYSTEM,
                                 active ? "kill_switch_activated" : "kill_switch_deactivated",
                                 actor, NULL, details ? details : "{}", 1, NULL, now, NULL) < 0))
        r = -EIO;
out:
    free(details);
    return r < 0 ? -EIO : 0;
}

int resolution_kill_switch(Store *st, int active, const char *category, const char *actor,
                           const char *reason, int64_t now, char *err, size_t errsz)
{
    return resolution_kill_switch_by(st, active, category, actor, AUDIT_SYSTEM_USER, reason, now,
                                     err, errsz);
}

int resolution_kill_switch_by(Store *st, int active, const char *category, const char *actor,
                              int64_t user_id, const char *reason, int64_t now, char *err,
                              size_t errsz)
{
    if (!actor || !*actor) {
        snprintf(err, errsz, "actor is required");
        return -EINVAL;
    }
    if (category && !decision_in(decision_categories, category)) {
        snprintf(err, errsz, "Invalid category: %s", category);
        return -EINVAL;
    }
    if (!reason || !*reason)
        reason = active ? RESOLUTION_DEFAULT_KILL_REASON : NULL;
    if (store_begin(st) < 0)
        goto io;
    if (kill_locked(st, active, category, actor, user_id, reason, now) < 0) {
        store_rollback(st);
        goto io;
    }
    if (store_commit(st) < 0)
        goto io;
    return 0;
io:
    snprintf(err, errsz, IO_ERROR);
    return -EIO;
}

int resolution_set_kill_switch(Store *st, int active, const char *actor, const char *reason,
                               int64_t now, char *err, size_t errsz)
{
    return resolution_kill_switch(st, active, NULL, actor, reason, now, err, errsz);
}

/* ---- categories ---------------------------------------------------------- */

static void from_row(ResolutionCategory *c, CategoryRow *row)
{
    strlcpy_(c->cfg.category, row->category, sizeof c->cfg.category);
    c->cfg.auto_resolution_enabled = row->auto_resolution_enabled;
    c->cfg.confidence_threshold = row->confidence_threshold;
    c->cfg.max_retry_attempts = row->max_retry_attempts;
    c->cfg.notification_required = row->notification_required;
    c->playbook = row->playbook;             /* ownership moves */
    row->playbook = NULL;
    strlcpy_(c->kill_actor, row->kill_actor, sizeof c->kill_actor);
    strlcpy_(c->kill_reason, row->kill_reason, sizeof c->kill_reason);
    c->kill_at = row->kill_at;
    c->configured = 1;
}

int resolution_category_get_g(Store *st, const char *category, const GlobalConfigRow *g,
                              ResolutionCategory *out)
{
    memset(out, 0, sizeof *out);
    category_config_default(&out->cfg, category);
    CategoryRow row;
    int r = category_repo_get(st, category, &row);
    if (r < 0)
        return -EIO;
    if (r)
        from_row(out, &row);
    if (!r || out->cfg.confidence_threshold <= THRESHOLD_INHERIT) {
        out->cfg.confidence_threshold = g->default_confidence_threshold;
        out->inherits_threshold = 1;
    }
    return 0;
}

int resolution_category_get(Store *st, const char *category, ResolutionCategory *out)
{
    GlobalConfigRow g;
    if (category_repo_global_get(st, &g) < 0) {
        memset(out, 0, sizeof *out);
        return -EIO;
    }
    return resolution_category_get_g(st, category, &g, out);
}

void resolution_category_free(ResolutionCategory *c)
{
    if (c) {
        free(c->playbook);
        c->playbook = NULL;
    }
}

/* The seed's CategoryConfig dict, plus our playbook (array or null). */
static cJSON *category_json(const CategoryConfig *c, const char *playbook)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "category", c->category);
    cJSON_AddBoolToObject(o, "auto_resolution_enabled", c->auto_resolution_enabled);
    cJSON_AddNumberToObject(o, "confidence_threshold", c->confidence_threshold);
    cJSON_AddNumberToObject(o, "max_retry_attempts", c->max_retry_attempts);
    cJSON_AddBoolToObject(o, "notification_required", c->notification_required);
    cJSON *pb = playbook ? cJSON_Parse(playbook) : NULL;
    cJSON_AddItemToObject(o, "playbook", pb ? pb : cJSON_CreateNull());
    return o;
}

static void add_change(cJSON *changes, const char *key, cJSON *old, cJSON *new_)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddItemToObject(c, "old", old);
    cJSON_AddItemToObject(c, "new", new_);
    cJSON_AddItemToObject(changes, key, c);
}

/* ---- validation ------------------------------------------------------------ */

static int check_threshold(double v, const char *name, char *err, size_t errsz)
{
    if (!(v >= 0.0 && v <= 1.0)) {
        snprintf(err, errsz, "%s must be between 0.0 and 1.0", name);
        return -EINVAL;
    }
    if (v < DECISION_MIN_THRESHOLD) {
        snprintf(err, errsz, "Confidence threshold should be at least 0.5 for safety");
        return -EINVAL;
    }
    return 0;
}

/* A JSON array of strings, printed compactly into out (< size). */
static int normalize_recipients(const char *json, char *out, size_t size, char *err,
                                size_t errsz)
{
    cJSON *a = cJSON_Parse(json);
    int ok = cJSON_IsArray(a);
    const cJSON *e;
    cJSON_ArrayForEach(e, a) ok = ok && cJSON_IsString(e);
    char *s = ok ? cJSON_PrintUnformatted(a) : NULL;
    cJSON_Delete(a);
    if (!s || strlen(s) >= size) {
        free(s);
        snprintf(err, errsz, ok ? "notification_recipients is too long"
                                : "notification_recipients must be an array of strings");
        return -EINVAL;
    }
    strcpy(out, s);
    free(s);
    return 0;
}

static int validate(const ResolutionUpdate *u, char *err, size_t errsz)
{
    if (u->has_default_threshold &&
        check_threshold(u->default_threshold, "default_confidence_threshold", err, errsz) < 0)
        return -EINVAL;
    if (u->has_max_concurrent &&
        (u->max_concurrent < 1 || u->max_concurrent > DECISION_MAX_CONCURRENCY)) {
        snprintf(err, errsz, "max_concurrent_resolutions must be between 1 and %d",
                 DECISION_MAX_CONCURRENCY);
        return -EINVAL;
    }
    if (u->has_max_per_hour && (u->max_per_hour < 1 || u->max_per_hour > 1000)) {
        snprintf(err, errsz, "max_incidents_per_service_hour must be between 1 and 1000");
        return -EINVAL;
    }
    if (u->has_category) {
        const CategoryConfig *c = &u->category;
        if (!decision_in(decision_categories, c->category)) {
            snprintf(err, errsz, "Invalid category: %s", c->category);
            return -EINVAL;
        }
        if (u->has_threshold &&
            check_threshold(c->confidence_threshold, "confidence_threshold", err, errsz) < 0)
            return -EINVAL;
        if (u->has_retries &&
            (c->max_retry_attempts < 0 || c->max_retry_attempts > DECISION_MAX_RETRIES)) {
            snprintf(err, errsz, "max_retry_attempts must be between 0 and %d",
                     DECISION_MAX_RETRIES);
            return -EINVAL;
        }
        if (u->has_playbook && u->playbook_json) {
            Playbook pb;
            if (playbook_parse_api(u->playbook_json, &pb, err, errsz) < 0)
                return -EINVAL;
            for (int i = 0; i < pb.n; i++)
                if (pb.steps[i].kind == STEP_ACTION && !actions_exists(pb.steps[i].action)) {
                    snprintf(err, errsz,
                             "Playbook step %d: unknown action '%s': actions are defined in the "
                             "playbook file on the host (resolve.playbook_file)",
                             i + 1, pb.steps[i].action);
                    playbook_free(&pb);
                    return -EINVAL;
                }
            playbook_free(&pb);
        }
    } else if (u->has_playbook) {
        snprintf(err, errsz, "A playbook belongs to a category_config");
        return -EINVAL;
    }
    return 0;
}

/* ---- PUT /api/v1/config ------------------------------------------------------ */

static int audit_config(Store *st, const char *actor, int64_t user_id, cJSON *changes,
                        int64_t now)
{
    char keys[300] = "";
    const cJSON *c;
    cJSON_ArrayForEach(c, changes) {
        size_t len = strlen(keys);
        snprintf(keys + len, sizeof keys - len, "%s%s", len ? ", " : "", c->string);
    }
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "message", "Auto-resolution configuration updated");
    cJSON_AddItemReferenceToObject(d, "changes", changes);
    char *details = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    char detail[400];
    snprintf(detail, sizeof detail, "by %s: %s", actor, keys);
    int r = incident_audit_repo_add(st, INCIDENT_AUDIT_SYSTEM, "config_updated", actor, NULL,
                                    details ? details : "{}", 1, NULL, now, NULL) < 0 ||
                    audit_repo_add_as(st, "Config Updated", "Config", 1, user_id, actor, detail,
                                      now) < 0
                ? -EIO
                : 0;
    free(details);
    return r;
}

/* The category's row as stored, or a new inheriting one; 1 existed, 0
 * new, -EIO. */
static int category_row(Store *st, const char *category, CategoryRow *out)
{
    int got = category_repo_get(st, category, out);
    if (got == 0)
        inheriting_row(out, category);
    return got;
}

/* A partial update of one category (B1): the fields sent, the rest kept.
 * A stopped category is never re-enabled here (-EPERM). */
static int update_category(Store *st, const ResolutionUpdate *u, const char *actor,
                           cJSON *changes, int64_t now, char *err, size_t errsz)
{
    const CategoryConfig *c = &u->category;
    CategoryRow old;
    int got = category_row(st, c->category, &old);
    if (got < 0)
        return -EIO;
    if (u->has_enabled && c->auto_resolution_enabled && !old.auto_resolution_enabled) {
        snprintf(err, errsz,
                 "Field 'category_config.auto_resolution_enabled': auto-resolution of %s is "
                 "stopped by a kill switch; only POST /api/v1/config/kill-switch/deactivate?"
                 "category=%s lifts it",
                 c->category, c->category);
        category_row_free(&old);
        return -EPERM;
    }
    GlobalConfigRow g;
    if (category_repo_global_get(st, &g) < 0) {
        category_row_free(&old);
        return -EIO;
    }
    CategoryConfig oldc, newc;
    strlcpy_(oldc.category, old.category, sizeof oldc.category);
    oldc.auto_resolution_enabled = old.auto_resolution_enabled;
    oldc.confidence_threshold = old.confidence_threshold <= THRESHOLD_INHERIT
                                    ? g.default_confidence_threshold
                                    : old.confidence_threshold;
    oldc.max_retry_attempts = old.max_retry_attempts;
    oldc.notification_required = old.notification_required;

    CategoryRow row = old;                /* shallow: the playbook pointer is swapped below */
    if (u->has_threshold)
        row.confidence_threshold = c->confidence_threshold;
    if (u->has_retries)
        row.max_retry_attempts = c->max_retry_attempts;
    if (u->has_notify)
        row.notification_required = c->notification_required;
    if (u->has_playbook)
        row.playbook = (char *)u->playbook_json;
    int stop = u->has_enabled && !c->auto_resolution_enabled && old.auto_resolution_enabled;
    newc = oldc;
    newc.confidence_threshold = row.confidence_threshold <= THRESHOLD_INHERIT
                                    ? g.default_confidence_threshold
                                    : row.confidence_threshold;
    newc.max_retry_attempts = row.max_retry_attempts;
    newc.notification_required = row.notification_required;
    newc.auto_resolution_enabled = stop ? 0 : row.auto_resolution_enabled;
    char key[64];
    snprintf(key, sizeof key, "category_config.%s", c->category);
    add_change(changes, key, got ? category_json(&oldc, old.playbook) : cJSON_CreateNull(),
               category_json(&newc, row.playbook));
    int r = category_repo_put(st, &row);
    category_row_free(&old);
    /* stopping is the kill switch: its own row fields and audit entries */
    if (r == 0 && stop &&
        kill_locked(st, 1, c->category, actor, u->user_id, "Set via configuration update", now) < 0)
        r = -EIO;
    return r < 0 ? -EIO : 0;
}

/* The global row's plain values from u (recipients already normalized),
 * each change recorded in changes. */
static void apply_global_values(GlobalConfigRow *g, const ResolutionUpdate *u,
                                const char *recipients, cJSON *changes)
{
    if (u->has_default_threshold) {
        add_change(changes, "default_confidence_threshold",
                   cJSON_CreateNumber(g->default_confidence_threshold),
                   cJSON_CreateNumber(u->default_threshold));
        g->default_confidence_threshold = u->default_threshold;
    }
    if (u->has_max_concurrent) {
        add_change(changes, "max_concurrent_resolutions",
                   cJSON_CreateNumber(g->max_concurrent_resolutions),
                   cJSON_CreateNumber(u->max_concurrent));
        g->max_concurrent_resolutions = u->max_concurrent;
    }
    if (u->recipients_json) {
        cJSON *o = cJSON_Parse(g->notification_recipients), *n = cJSON_Parse(recipients);
        add_change(changes, "notification_recipients", o ? o : cJSON_CreateArray(),
                   n ? n : cJSON_CreateArray());
        strlcpy_(g->notification_recipients, recipients, sizeof g->notification_recipients);
    }
    if (u->has_max_per_hour) {
        add_change(changes, "max_incidents_per_service_hour",
                   cJSON_CreateNumber(g->max_incidents_per_service_hour),
                   cJSON_CreateNumber(u->max_per_hour));
        g->max_incidents_per_service_hour = u->max_per_hour;
    }
}

int resolution_config_update(Store *st, const ResolutionUpdate *u, const char *actor,
                             int64_t now, char *err, size_t errsz)
{
    if (validate(u, err, errsz) < 0)
        return -EINVAL;
    char recipients[sizeof ((GlobalConfigRow *)0)->notification_recipients];
    if (u->recipients_json &&
        normalize_recipients(u->recipients_json, recipients, sizeof recipients, err, errsz) < 0)
        return -EINVAL;
    if (!actor || !*actor)
        actor = "system";
    cJSON *changes = cJSON_CreateObject();
    GlobalConfigRow g;
    if (store_begin(st) < 0)
        goto io;
    if (category_repo_global_get(st, &g) < 0)
        goto io_rb;
    int stop_global = 0;
    if (u->has_global_enabled) {
        if (!g.global_enabled && u->global_enabled) {
            store_rollback(st);
            cJSON_Delete(changes);
            snprintf(err, errsz,
                     "Field 'global_enabled': the kill switch is active; only POST "
                     "/api/v1/config/kill-switch/deactivate lifts it");
            return -EPERM;
        }
        if (g.global_enabled != u->global_enabled)
            add_change(changes, "global_enabled", cJSON_CreateBool(g.global_enabled),
                       cJSON_CreateBool(u->global_enabled));
        stop_global = g.global_enabled && !u->global_enabled;
    }
    apply_global_values(&g, u, recipients, changes);
    if (category_repo_global_put(st, &g, actor, now) < 0)
        goto io_rb;
    /* after the row is written: the kill switch writes global_enabled itself */
    if (stop_global &&
        kill_locked(st, 1, NULL, actor, u->user_id, "Set via configuration update", now) < 0)
        goto io_rb;
    if (u->has_category) {
        int r = update_category(st, u, actor, changes, now, err, errsz);
        if (r == -EPERM) {
            store_rollback(st);
            cJSON_Delete(changes);
            return -EPERM;
        }
        if (r < 0)
            goto io_rb;
    }
    if (cJSON_GetArraySize(changes) > 0 && audit_config(st, actor, u->user_id, changes, now) < 0)
        goto io_rb;
    if (store_commit(st) < 0)
        goto io;
    cJSON_Delete(changes);
    return 0;
io_rb:
    store_rollback(st);
io:
    cJSON_Delete(changes);
    snprintf(err, errsz, IO_ERROR);
    return -EIO;
}

/* ---- start-up ------------------------------------------------------------------ */

/* What a playbook file defines, for the audit: its action names and its
 * categories. */
static cJSON *file_summary(const char *json)
{
    cJSON *o = cJSON_Parse(json), *sum = cJSON_CreateObject();
    cJSON *acts = cJSON_CreateArray(), *cats = cJSON_CreateArray();
    const cJSON *e, *x;
    cJSON_ArrayForEach(e, o) {
        if (strcmp(e->string, "actions") == 0) {
            cJSON_ArrayForEach(x, e) cJSON_AddItemToArray(acts, cJSON_CreateString(x->string));
        } else {
            cJSON_AddItemToArray(cats, cJSON_CreateString(e->string));
        }
    }
    cJSON_Delete(o);
    cJSON_AddItemToObject(sum, "actions", acts);
    cJSON_AddItemToObject(sum, "categories", cats);
    return sum;
}

int resolution_bootstrap(Store *st, double default_threshold, int max_concurrent,
                         const char *playbooks_json, int64_t now, char *err, size_t errsz)
{
    /* a demo database runs the demo's compiled-in playbook file (seed.h);
     * the operator's file, loaded after it, wins on a shared name */
    int demo = incident_audit_repo_is_demo(st);
    if (demo < 0) {
        snprintf(err, errsz, "cannot read the auto-resolution settings: %s", store_errmsg(st));
        return -EIO;
    }
    if (demo && actions_load(seed_demo_playbooks(), "demo", err, errsz) < 0)
        return -EINVAL;
    if (playbooks_json) {
        char perr[512];
        if (actions_load(playbooks_json, "file", perr, sizeof perr) < 0) {
            snprintf(err, errsz, "playbook file: %s", perr);
            return -EINVAL;
        }
    }
    cJSON *changes = cJSON_CreateObject();
    GlobalConfigRow g;
    int r = -EIO;
    if (store_begin(st) < 0)
        goto out;
    if (category_repo_global_get(st, &g) < 0)
        goto rb;
    if (!g.updated_at && (g.default_confidence_threshold != default_threshold ||
                          g.max_concurrent_resolutions != max_concurrent)) {
        if (g.default_confidence_threshold != default_threshold)
            add_change(changes, "default_confidence_threshold",
                       cJSON_CreateNumber(g.default_confidence_threshold),
                       cJSON_CreateNumber(default_threshold));
        if (g.max_concurrent_resolutions != max_concurrent)
            add_change(changes, "max_concurrent_resolutions",
                       cJSON_CreateNumber(g.max_concurrent_resolutions),
                       cJSON_CreateNumber(max_concurrent));
        g.default_confidence_threshold = default_threshold;
        g.max_concurrent_resolutions = max_concurrent;
        if (category_repo_global_put(st, &g, NULL, now) < 0)
            goto rb;
    }
    if (playbooks_json)
        add_change(changes, "playbook_file", cJSON_CreateNull(), file_summary(playbooks_json));
    if (cJSON_GetArraySize(changes) > 0 &&
        audit_config(st, "config-file", AUDIT_SYSTEM_USER, changes, now) < 0)
        goto rb;
    if (store_commit(st) < 0)
        goto out;
    r = 0;
    goto done;
rb:
    r = -EIO;
    store_rollback(st);
out:
    if (r == -EIO)
        snprintf(err, errsz, "cannot write the auto-resolution settings: %s", store_errmsg(st));
done:
    cJSON_Delete(changes);
    return r;
}
