/* services — see services.h.
 *
 * Two parts: creating a service with the checks every write shares,
 * status and probes; then (from "updates, deletes") the rest of seed
 * 000's writes: update, delete, BIA, downtimes, integrations and risk
 * rows, which share begin_for/fail_io/commit. The computed reads (health,
 * uptime, duration text) are service_health.c.
 */
#include "domain/services.h"
#include "domain/flapping.h"
#include "domain/runbook.h"
#include "domain/alerts.h"
#include "domain/cycle.h"
#include "domain/notify.h"
#include "domain/probe_kinds.h"
#include "domain/status_reactions.h"
#include "store/audit_repo.h"
#include "store/downtime_repo.h"
#include "store/integration_repo.h"
#include "store/probe_repo.h"
#include "store/risk_repo.h"
#include "store/bia_repo.h"
#include "store/deps_repo.h"
#include "store/service_repo.h"
#include "store/status_repo.h"
#include "util.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/errors.h"
#define IO_ERROR DOMAIN_IO_ERROR

/* "Invalid dependency IDs: [3, 4]" when some are not services; 1 ok. */
static int check_deps(Store *st, const int64_t *deps, int n, char *err, size_t errsz)
{
    StrBuf bad = {0};
    int nbad = 0;
    for (int i = 0; i < n; i++) {
        int r = service_repo_exists(st, deps[i]);
        if (r < 0) {
            strbuf_free(&bad);
            return -EIO;
        }
        if (r == 0)
            strbuf_appendf(&bad, "%s%lld", nbad++ ? ", " : "", (long long)deps[i]);
    }
    if (nbad)
        snprintf(err, errsz, "Invalid dependency IDs: [%s]", bad.s);
    strbuf_free(&bad);
    return nbad ? 0 : 1;
}

static int create_locked(Store *st, const ServiceInput *in, const char *name, const char *crit,
                         const char *impact, const char *created_by, int64_t user_id,
                         int64_t now, int64_t *out_id, char *err, size_t errsz)
{
    if (store_begin(st) < 0)
        goto io;
    int ok = check_deps(st, in->deps, in->ndeps, err, errsz);
    if (ok <= 0) {
        store_rollback(st);
        return ok < 0 ? -EIO : -EINVAL;
    }
    int taken = services_name_taken(st, name, 0, err, errsz);
    if (taken != 0) {
        store_rollback(st);
        if (taken < 0)
            goto io;
        return -ENOTUNIQ;
    }
    int64_t id = service_repo_insert_at(st, name, in->description, created_by,
                                        in->created_at ? in->created_at : now);
    if (id == -EEXIST) {            /* lost a race with another writer */
        store_rollback(st);
        snprintf(err, errsz, "A service named '%s' already exists", name);
        return -ENOTUNIQ;
    }
    if (id < 0)
        goto io_rb;
    if (in->has_bia || in->has_deps) {
        BiaFields b = {crit, impact, in->has_rto, in->rto,
                       in->has_rpo, in->rpo, in->signed_off};
        if (bia_repo_upsert(st, id, &b) < 0)
            goto io_rb;
    }
    if (in->ndeps && deps_repo_set(st, id, in->deps, in->ndeps) < 0)
        goto io_rb;
    if (audit_repo_add(st, "Service Created", "Service", id, user_id, name, now) < 0)
        goto io_rb;
    if (in->runbook_url && *in->runbook_url &&
        runbook_set_locked(st, id, in->runbook_url, user_id, now) < 0)
        goto io_rb;
    /* S3: scored now, as the next tick would, not up to a tick later */
    if (cycle_rescore_one(st, id, now) < 0)
        goto io_rb;
    if (store_commit(st) < 0)
        goto io;
    if (out_id)
        *out_id = id;
    return 0;
io_rb:
    store_rollback(st);
io:
    snprintf(err, errsz, IO_ERROR);
    return -EIO;
}

static const char *const criticality_names[] = {"Low", "Medium", "High"};
static const char *const impact_names[] = {"Low", "Moderate", "Medium", "High", "Severe"};

static int canon(const char *field, const char *in, const char *const *names, size_t n,
                 const char **out, char *err, size_t errsz)
{
    *out = NULL;
    if (!in)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (util_strcaseeq(in, names[i])) {
            *out = names[i];
            return 0;
        }
    StrBuf b = {0};
    for (size_t i = 0; i < n; i++)
        strbuf_appendf(&b, "%s%s", i ? (i + 1 == n ? " or " : ", ") : "", names[i]);
    snprintf(err, errsz, "Field '%s' must be one of %s", field, b.s);
    strbuf_free(&b);
    return -EINVAL;
}

int services_canon_criticality(const char *in, const char **out, char *err, size_t errsz)
{
    return canon("criticality", in, criticality_names,
                 sizeof criticality_names / sizeof criticality_names[0], out, err, errsz);
}

int services_canon_impact(const char *in, const char **out, char *err, size_t errsz)
{
    return canon("impact", in, impact_names, sizeof impact_names / sizeof impact_names[0], out,
                 err, errsz);
}

int services_check_text(const char *name, const char *description, char *err, size_t errsz)
{
    if (util_text_check("name", name, SERVICE_NAME_MAX,
                        UTIL_TEXT_LINE | UTIL_TEXT_NONBLANK | UTIL_TEXT_VISIBLE,
                        err, errsz) < 0 ||
        util_text_check("description", description, SERVICE_DESCRIPTION_MAX, 0, err, errsz) < 0)
        return -EINVAL;
    return 0;
}

int services_name_taken(Store *st, const char *name, int64_t except_id, char *err, size_t errsz)
{
    int64_t other = service_repo_find_by_name(st, name);
    if (other < 0)
        return -EIO;
    if (other == 0 || other == except_id)
        return 0;
    char have[SERVICE_NAME_BUF];
    if (service_repo_name(st, other, have, sizeof have) < 0)
        return -EIO;
    snprintf(err, errsz, "A service named '%s' already exists (id %lld)", have, (long long)other);
    return 1;
}

int services_check_created(int64_t created_at, int64_t now, char *err, size_t errsz)
{
    if (created_at > now + SERVICES_CLOCK_SKEW_S) {
        char when[32];
        util_iso8601(now, when, sizeof when);
        snprintf(err, errsz, "Field 'created_at' cannot be in the future (server time %s)", when);
        return -EINVAL;
    }
    return 0;
}

int services_check_self_dep(int64_t id, const int64_t *deps, int n, char *err, size_t errsz)
{
    for (int i = 0; i < n; i++)
        if (deps[i] == id) {
            snprintf(err, errsz, "Field 'dependencies': a service cannot depend on itself "
                                 "(id %lld)", (long long)id);
            return -EINVAL;
        }
    return 0;
}

int services_create(Store *st, const ServiceInput *in, const char *created_by,
                    int64_t user_id, int64_t now, int64_t *out_id, char *err, size_t errsz)
{
    if (!in->name || !*in->name) {
        snprintf(err, errsz, "Service name is required");
        return -EINVAL;
    }
    const char *crit, *impact;
    char *name = util_trim_dup(in->name);
    int r = services_check_text(name, in->description, err, errsz);
    if (r == 0)
        r = services_canon_criticality(in->criticality, &crit, err, errsz);
    if (r == 0)
        r = services_canon_impact(in->impact, &impact, err, errsz);
    if (r == 0)
        r = services_check_created(in->created_at, now, err, errsz);
    if (r == 0)
        r = runbook_check(in->runbook_url, err, errsz);
    if (r == 0)
        r = create_locked(st, in, name, crit, impact, created_by, user_id, now, out_id, err,
                          errsz);
    free(name);
    return r;
}
static int status_locked(Store *st, int64_t sid, ServiceStatus status, StatusSource src,
                         int64_t user_id, const char *reason, int64_t now,
                         char *err, size_t errsz)
{
    char name[SERVICE_NAME_BUF], old_text[32];
    int r = service_repo_name(st, sid, name, sizeof name);
    if (r <= 0) {
        snprintf(err, errsz, r == 0 ? "Service not found" : IO_ERROR);
        return r == 0 ? -ENOENT : -EIO;
    }
    r = status_repo_get(st, sid, old_text, sizeof old_text, NULL);
    if (r < 0)
        return -EIO;
    ServiceStatus old = STATUS_UNKNOWN;
    int had = r == 1 && status_parse(old_text, &old) == 0;
    int changed = !had || old != status;

    if (src != SET_BY_USER && !changed)
        return 0;
    if (status_repo_set(st, sid, status_name(status), now, src == SET_BY_USER) < 0)
        return -EIO;
    if (audit_repo_add(st, "Status Updated", "Status", sid, user_id, status_name(status), now) < 0)
        return -EIO;
    if (!changed)
        return 0;

    DowntimeRow open;
    int has_open = downtime_repo_find_open(st, sid, &open);
    if (has_open < 0)
        return -EIO;
    if (status == STATUS_DOWN && !has_open) {
        if (downtime_repo_insert(st, sid, now, 0, reason && *reason ? reason : "Service is Down") < 0)
            return -EIO;
    } else if (status != STATUS_DOWN && has_open) {
        /* the outage is over: its SLA alerts are history, resolved unless
         * no one acknowledged them (issue 11: then they say so and stay
         * until someone does); the next outage's breach raises anew */
        if (downtime_repo_close(st, open.id, now) < 0 ||
            alerts_sla_outage_over(st, sid, ALERT_SLA_RTO, now, now) < 0 ||
            alerts_sla_outage_over(st, sid, ALERT_SLA_RPO, now, now) < 0)
            return -EIO;
    }
    /* A flapping service gets one Flapping alert, not one per change
     * (issue 11, flapping.h); a first status is no change to count. */
    int flapping = had ? flapping_on_change(st, sid, name, status, now) : 0;
    if (flapping < 0)
        return -EIO;
    /* A service's first status is a start, not a change: only a bad one
     * (Degraded, Down) is worth an alert. */
    if (!flapping && (had || (status != STATUS_UNKNOWN && status != STATUS_UP))) {
        char msg[SERVICE_NAME_BUF + 32];
        snprintf(msg, sizeof msg, "Service %s is %s", name, status_name(status));
        if (alerts_raise(st, sid, ALERT_STATUS_CHANGE, status_alert_severity(status), msg, now,
                         NULL) < 0)
            return -EIO;
    }
    /* What else the change sets off, in this transaction: a probe's Down
     * may open an incident (status_reactions.h). */
    if (status_reactions_changed(st, sid, status, src, reason, now) < 0)
        return -EIO;
    return 1;
}

int services_set_status(Store *st, int64_t service_id, ServiceStatus status, StatusSource src,
                        int64_t user_id, const char *reason, int64_t now,
                        char *err, size_t errsz)
{
    if (store_begin(st) < 0) {
        snprintf(err, errsz, IO_ERROR);
        return -EIO;
    }
    int r = status_locked(st, service_id, status, src, user_id, reason, now, err, errsz);
    if (r < 0) {
        store_rollback(st);
        if (r == -EIO)
            snprintf(err, errsz, IO_ERROR);
        return r;
    }
    if (store_commit(st) < 0) {
        snprintf(err, errsz, IO_ERROR);
        return -EIO;
    }
    return r;
}

int services_set_probe(Store *st, int64_t service_id, const char *kind, const char *target,
                       int timeout_ms, int expect_status, int64_t user_id, int64_t now,
                       char *err, size_t errsz)
{
    /* the kind's own rules: domain/probe_kinds.c */
    if (probe_kind_validate(kind, target, expect_status, err, errsz) < 0)
        return -EINVAL;
    if (store_begin(st) < 0)
        goto io;
    int r = service_repo_exists(st, service_id);
    if (r <= 0) {
        store_rollback(st);
        snprintf(err, errsz, r == 0 ? "Service not found" : IO_ERROR);
        return r == 0 ? -ENOENT : -EIO;
    }
    char detail[300];
    snprintf(detail, sizeof detail, "%s %s", kind, target);
    if (probe_repo_set(st, service_id, kind, target, timeout_ms, expect_status) < 0 ||
        audit_repo_add(st, "Probe Updated", "Service", service_id, user_id, detail, now) < 0) {
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

int services_remove_probe(Store *st, int64_t service_id, int64_t user_id, int64_t now,
                          char *err, size_t errsz)
{
    if (store_begin(st) < 0)
        goto io;
    int r = service_repo_exists(st, service_id);
    if (r <= 0) {
        store_rollback(st);
        snprintf(err, errsz, r == 0 ? "Service not found" : IO_ERROR);
        return r == 0 ? -ENOENT : -EIO;
    }
    r = probe_repo_delete(st, service_id);
    if (r < 0 || (r > 0 && audit_repo_add(st, "Probe Removed", "Service", service_id, user_id,
                                          NULL, now) < 0)) {
        store_rollback(st);
        goto io;
    }
    if (store_commit(st) < 0)
        goto io;
    return r;
io:
    snprintf(err, errsz, IO_ERROR);
    return -EIO;
}

int services_check_deps(Store *st, const int64_t *deps, int n, char *err, size_t errsz)
{
    return check_deps(st, deps, n, err, errsz);
}

/* ---- updates, deletes and what belongs to a service -------------------------- *
 *
 * Each write is: begin, check the service exists (404 first, as the seed
 * does), validate what needs the database (dependency ids), write, audit,
 * commit. Field validation that needs no database happens in the HTTP
 * handler or at the top of the function, before the transaction. */

static int fail_io(Store *st, char *err, size_t errsz)
{
    store_rollback(st);
    snprintf(err, errsz, IO_ERROR);
    return -EIO;
}

/* Begin and check the service exists; on failure nothing is open. */
static int begin_for(Store *st, int64_t id, char *name, size_t namesz, char *err, size_t errsz)
{
    if (store_begin(st) < 0) {
        snprintf(err, errsz, IO_ERROR);
        return -EIO;
    }
    char tmp[SERVICE_NAME_BUF];
    int r = service_repo_name(st, id, name ? name : tmp, name ? namesz : sizeof tmp);
    if (r < 0)
        return fail_io(st, err, errsz);
    if (r == 0) {
        store_rollback(st);
        snprintf(err, errsz, "Service not found");
        return -ENOENT;
    }
    return 0;
}

static int commit(Store *st, char *err, size_t errsz)
{
    if (store_commit(st) < 0) {
        snprintf(err, errsz, IO_ERROR);
        return -EIO;
    }
    return 0;
}

/* Merge the patch's BIA fields into the stored BIA (or a new one) and
 * write it; replace the dependency edges when given. Inside a txn. */
static int apply_bia(Store *st, int64_t sid, const ServicePatch *p, int create,
                     char *err, size_t errsz)
{
    const char *crit = NULL, *impact = NULL;
    if ((p->has_criticality && services_canon_criticality(p->criticality, &crit, err, errsz) < 0) ||
        (p->has_impact && services_canon_impact(p->impact, &impact, err, errsz) < 0))
        return -EINVAL;
    if (p->has_deps) {
        if (services_check_self_dep(sid, p->deps, p->ndeps, err, errsz) < 0)
            return -EINVAL;
        int ok = services_check_deps(st, p->deps, p->ndeps, err, errsz);
        if (ok < 0)
            return -EIO;
        if (ok == 0)
            return -EINVAL;
    }
    BiaRow cur = {0};
    int have = bia_repo_get(st, sid, &cur);
    if (have < 0)
        return -EIO;
    int touches = p->has_criticality || p->has_impact || p->has_rto || p->has_rpo ||
                  p->has_signed_off;
    if (have || create || touches) {
        BiaFields b = {
            .criticality = p->has_criticality ? crit
                           : cur.has_criticality ? cur.criticality : NULL,
            .impact = p->has_impact ? impact : cur.has_impact ? cur.impact : NULL,
            .has_rto = p->has_rto ? !p->rto_null : cur.has_rto,
            .rto = p->has_rto ? p->rto : cur.rto,
            .has_rpo = p->has_rpo ? !p->rpo_null : cur.has_rpo,
            .rpo = p->has_rpo ? p->rpo : cur.rpo,
            .signed_off = p->has_signed_off ? p->signed_off : cur.signed_off,
        };
        if ((have || create || touches) && bia_repo_upsert(st, sid, &b) < 0)
            return -EIO;
    }
    if (p->has_deps && deps_repo_set(st, sid, p->deps, p->ndeps) < 0)
        return -EIO;
    return 0;
}

/* services_update once the text is checked; new_name is trimmed
 * (NULL = keep the name). */
static int update_locked(Store *st, int64_t id, const ServicePatch *p, const char *new_name,
                         int64_t user_id, int64_t now, char *err, size_t errsz)
{
    char name[SERVICE_NAME_BUF];
    int r = begin_for(st, id, name, sizeof name, err, errsz);
    if (r < 0)
        return r;
    if (new_name) {
        int taken = services_name_taken(st, new_name, id, err, errsz);
        if (taken < 0)
            return fail_io(st, err, errsz);
        if (taken) {
            store_rollback(st);
            return -ENOTUNIQ;
        }
    }
    if ((p->has_name || p->has_description) &&
        (r = service_repo_update(st, id, new_name,
                                 p->has_description ? p->description : NULL)) < 0) {
        if (r != -EEXIST)
            return fail_io(st, err, errsz);
        store_rollback(st);          /* lost a race with another writer */
        snprintf(err, errsz, "A service named '%s' already exists", new_name);
        return -ENOTUNIQ;
    }
    if (p->has_description && !p->description &&
        service_repo_set_description(st, id, NULL) < 0)
        return fail_io(st, err, errsz);
    if (p->has_runbook_url && runbook_set_locked(st, id, p->runbook_url, user_id, now) < 0)
        return fail_io(st, err, errsz);
    if (p->has_created_at) {
        int64_t first = 0;
        if (downtime_repo_first_start(st, id, &first) < 0)
            return fail_io(st, err, errsz);
        if (first && first < p->created_at) {
            store_rollback(st);
            char when[32];
            util_iso8601(first, when, sizeof when);
            snprintf(err, errsz, "Field 'created_at' cannot be after the service's first "
                     "downtime (%s)", when);
            return -EINVAL;
        }
        if (service_repo_set_created_at(st, id, p->created_at) < 0)
            return fail_io(st, err, errsz);
    }
    r = apply_bia(st, id, p, 0, err, errsz);
    if (r == -EINVAL) {
        store_rollback(st);
        return r;
    }
    if (r < 0 ||
        audit_repo_add(st, "Service Updated", "Service", id, user_id,
                       new_name ? new_name : name, now) < 0 ||
        cycle_rescore_one(st, id, now) < 0)          /* S3: the new BIA's risk, now */
        return fail_io(st, err, errsz);
    return commit(st, err, errsz);
}

int services_update(Store *st, int64_t id, const ServicePatch *p, int64_t user_id, int64_t now,
                    char *err, size_t errsz)
{
    if (p->has_name && (!p->name || !*p->name)) {
        snprintf(err, errsz, "Service name is required");
        return -EINVAL;
    }
    char *trimmed = p->has_name ? util_trim_dup(p->name) : NULL;
    int r = services_check_text(trimmed, p->has_description ? p->description : NULL, err, errsz);
    if (r == 0 && p->has_created_at)
        r = services_check_created(p->created_at, now, err, errsz);
    if (r == 0 && p->has_runbook_url)
        r = runbook_check(p->runbook_url, err, errsz);
    if (r == 0)
        r = update_locked(st, id, p, trimmed, user_id, now, err, errsz);
    free(trimmed);
    return r;
}

int services_delete(Store *st, int64_t id, int64_t user_id, int64_t now, char *err,
                    size_t errsz)
{
    char name[SERVICE_NAME_BUF];
    int r = begin_for(st, id, name, sizeof name, err, errsz);
    if (r < 0)
        return r;
    /* Foreign keys with ON DELETE CASCADE remove everything that belongs
     * to the service, including dependency edges in both directions. */
    if (audit_repo_add(st, "Service Deleted", "Service", id, user_id, name, now) < 0 ||
        service_repo_delete(st, id) < 0)
        return fail_io(st, err, errsz);
    return commit(st, err, errsz);
}

int services_bia_put(Store *st, int64_t service_id, const ServicePatch *p, int64_t user_id,
                     int64_t now, char *err, size_t errsz)
{
    int r = begin_for(st, service_id, NULL, 0, err, errsz);
    if (r < 0)
        return r;
    r = apply_bia(st, service_id, p, 1, err, errsz);
    if (r == -EINVAL) {
        store_rollback(st);
        return r;
    }
    if (r < 0 || audit_repo_add(st, "BIA Updated", "BIA", service_id, user_id, NULL, now) < 0 ||
        cycle_rescore_one(st, service_id, now) < 0)
        return fail_io(st, err, errsz);
    return commit(st, err, errsz);
}

int services_bia_delete(Store *st, int64_t service_id, int64_t user_id, int64_t now,
                        char *err, size_t errsz)
{
    int r = begin_for(st, service_id, NULL, 0, err, errsz);
    if (r < 0)
        return r;
    r = bia_repo_delete(st, service_id);
    if (r < 0)
        return fail_io(st, err, errsz);
    if (r == 0) {
        store_rollback(st);
        snprintf(err, errsz, "No BIA found for this service");
        return -ENOENT;
    }
    /* The seed's BIA owns the dependency list: unlink it, nothing more. */
    if (deps_repo_set(st, service_id, NULL, 0) < 0 ||
        audit_repo_add(st, "BIA Deleted", "BIA", service_id, user_id, NULL, now) < 0 ||
        cycle_rescore_one(st, service_id, now) < 0)
        return fail_io(st, err, errsz);
    return commit(st, err, errsz);
}

int services_downtime_log(Store *st, int64_t service_id, int64_t start, int64_t end,
                          const char *reason, int64_t user_id, int64_t now,
                          char *err, size_t errsz)
{
    char when[32];
    if (end && end < start) {
        snprintf(err, errsz, "End time cannot be before start time");
        return -EINVAL;
    }
    if (start > now + SERVICES_CLOCK_SKEW_S || end > now + SERVICES_CLOCK_SKEW_S) {
        util_iso8601(now, when, sizeof when);
        snprintf(err, errsz, "Field '%s' cannot be in the future (server time %s)",
                 end > now + SERVICES_CLOCK_SKEW_S ? "end_time" : "start_time", when);
        return -EINVAL;
    }
    if (util_text_check("reason", reason, SERVICE_DOWNTIME_REASON_MAX, UTIL_TEXT_LINE, err,
                        errsz) < 0)
        return -EINVAL;
    int r = begin_for(st, service_id, NULL, 0, err, errsz);
    if (r < 0)
        return r;
    int64_t created = 0;
    if (service_repo_created_at(st, service_id, &created) < 0)
        return fail_io(st, err, errsz);
    /* A downtime lies within the service's life, so it never lasts
     * longer than the service has existed (a service from before 0006
     * with no known creation time: no bound; created_at can be set). */
    if (created > 0 && start < created - SERVICES_CLOCK_SKEW_S) {
        store_rollback(st);
        util_iso8601(created, when, sizeof when);
        snprintf(err, errsz, "Field 'start_time' cannot be before the service existed (created "
                 "%s; set the service's created_at to log older downtimes)", when);
        return -EINVAL;
    }
    if (downtime_repo_insert(st, service_id, start, end,
                                    reason ? reason : "Not specified") < 0 ||
        audit_repo_add(st, "Downtime Logged", "Downtime", service_id, user_id, NULL, now) < 0)
        return fail_io(st, err, errsz);
    return commit(st, err, errsz);
}

/* The seed's Slack notice for a new integration, as an outbox row. */
static int queue_slack_notice(Store *st, int64_t integration_id, const char *service_name,
                              const char *config_json, int64_t now)
{
    cJSON *cfg = cJSON_Parse(config_json);
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(cfg, "webhook_url");
    const cJSON *chan = cJSON_GetObjectItemCaseSensitive(cfg, "channel");
    int r = 0;
    if (cJSON_IsString(url) && *url->valuestring) {
        char *text = xasprintf("\xf0\x9f\x94\xa7 *New Slack integration added!*\n"
                               "Service: *%s*\nChannel: `#%s`", service_name,
                               cJSON_IsString(chan) ? chan->valuestring : "unknown");
        cJSON *msg = cJSON_CreateObject();
        cJSON_AddStringToObject(msg, "text", text);
        char *payload = cJSON_PrintUnformatted(msg);
        char key[64];
        snprintf(key, sizeof key, "integration-added-%lld", (long long)integration_id);
        r = notify_enqueue(st, "slack", url->valuestring, payload, key, now) < 0 ? -EIO : 0;
        free(payload);
        cJSON_Delete(msg);
        free(text);
    }
    cJSON_Delete(cfg);
    return r;
}

/* A Slack integration's webhook_url is the one URL a user gives the
 * server; the notifier posts to it (the "added" notice, then alerts). It
 * must start with one of the operator's prefixes (S1); the notifier checks
 * again before each delivery, so narrowing the list later stops old ones. */
static int check_slack_url(const char *config_json, char *err, size_t errsz)
{
    cJSON *cfg = cJSON_Parse(config_json);
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(cfg, "webhook_url");
    int r = 0;
    if (url && !cJSON_IsNull(url) && !cJSON_IsString(url)) {
        snprintf(err, errsz, "Field 'config.webhook_url' must be a string");
        r = -EINVAL;
    } else if (cJSON_IsString(url) && *url->valuestring &&
               !notify_slack_url_allowed(url->valuestring)) {
        char allowed[512];
        notify_slack_prefixes(allowed, sizeof allowed);
        if (*allowed)
            snprintf(err, errsz, "Field 'config.webhook_url' must start with one of the "
                     "allowed prefixes: %s (setting notify.slack_webhook_prefixes)", allowed);
        else
            snprintf(err, errsz, "Field 'config.webhook_url' is refused: no Slack webhook URL "
                     "is allowed (setting notify.slack_webhook_prefixes is empty)");
        util_utf8_cut(err);
        r = -EINVAL;
    }
    cJSON_Delete(cfg);
    return r;
}

int services_integration_add(Store *st, int64_t service_id, const char *type,
                             const char *config_json, const char *created_by, int64_t user_id,
                             int64_t now, int64_t *out_id, char *err, size_t errsz)
{
    if (!type || !*type || !config_json) {
        snprintf(err, errsz, "Service ID, type, and config are required");
        return -EINVAL;
    }
    if (util_text_check("type", type, SERVICE_INTEGRATION_TYPE_MAX,
                        UTIL_TEXT_LINE | UTIL_TEXT_NONBLANK | UTIL_TEXT_VISIBLE,
                        err, errsz) < 0)
        return -EINVAL;
    /* strings inside the config come back verbatim from GET: same rules */
    if (!util_utf8_valid(config_json, strlen(config_json))) {
        snprintf(err, errsz, "Field 'config' must be valid UTF-8");
        return -EINVAL;
    }
    if (util_utf8_len(config_json) > SERVICE_INTEGRATION_CONFIG_MAX) {
        snprintf(err, errsz, "Field 'config' must be at most %d characters as JSON",
                 SERVICE_INTEGRATION_CONFIG_MAX);
        return -EINVAL;
    }
    if (util_strcaseeq(type, "slack") && check_slack_url(config_json, err, errsz) < 0)
        return -EINVAL;
    char name[SERVICE_NAME_BUF];
    int r = begin_for(st, service_id, name, sizeof name, err, errsz);
    if (r < 0)
        return r;
    int64_t id = integration_repo_insert(st, service_id, type, config_json, created_by, now);
    if (id < 0)
        return fail_io(st, err, errsz);
    if (util_strcaseeq(type, "slack") && queue_slack_notice(st, id, name, config_json, now) < 0)
        return fail_io(st, err, errsz);
    if (audit_repo_add(st, "Integration Added", "Integration", service_id, user_id, type, now) < 0 ||
        cycle_rescore_one(st, service_id, now) < 0)  /* the count is a risk input */
        return fail_io(st, err, errsz);
    r = commit(st, err, errsz);
    if (r == 0 && out_id)
        *out_id = id;
    return r;
}

int services_risk_save(Store *st, int64_t service_id, const char *created_by, int64_t user_id,
                       int64_t now, RiskResult *out, char *err, size_t errsz)
{
    int r = begin_for(st, service_id, NULL, 0, err, errsz);
    if (r < 0)
        return r;
    RiskResult rr;
    r = cycle_risk_one(st, service_id, now, &rr);
    if (r <= 0)
        return fail_io(st, err, errsz);
    const char *level = risk_level_name(rr.level);
    if (risk_repo_add_history(st, service_id, rr.score, level, rr.is_critical, rr.reason,
                              "automated", created_by, now) < 0 ||
        risk_repo_set_current(st, service_id, rr.score, level, rr.is_critical, rr.reason,
                              now) < 0 ||
        audit_repo_add(st, "Automated Risk Score Saved", "Risk", service_id, user_id, NULL,
                       now) < 0)
        return fail_io(st, err, errsz);
    r = commit(st, err, errsz);
    if (r == 0)
        *out = rr;
    return r;
}

int services_risk_manual(Store *st, int64_t service_id, int score, const char *level,
                         const char *reason, int is_critical, int update,
                         const char *created_by, int64_t user_id, int64_t now,
                         char *err, size_t errsz)
{
    RiskLevel lv;
    if (score < 0 || score > 100) {
        snprintf(err, errsz, "Risk score must be an integer between 0 and 100");
        return -EINVAL;
    }
    if (risk_level_parse(level, &lv) < 0) {
        snprintf(err, errsz, "Risk level must be Low, Medium, or High");
        return -EINVAL;
    }
    /* the level is a function of the score (seed 000 §3.2's thresholds) */
    RiskLevel want = risk_level_of(score);
    if (lv != want) {
        snprintf(err, errsz, "Field 'risk_level' must be %s for a risk score of %d (High from "
                 "80, Medium from 50, else Low)", risk_level_name(want), score);
        return -EINVAL;
    }
    if (util_text_check("reason", reason, SERVICE_RISK_REASON_MAX, 0, err, errsz) < 0)
        return -EINVAL;
    int r = begin_for(st, service_id, NULL, 0, err, errsz);
    if (r < 0)
        return r;
    if (risk_repo_add_history(st, service_id, score, risk_level_name(lv), is_critical,
                              reason ? reason : "", "manual", created_by, now) < 0 ||
        audit_repo_add(st, update ? "Manual Risk Score Updated" : "Manual Risk Score Added",
                       "Risk", service_id, user_id, NULL, now) < 0)
        return fail_io(st, err, errsz);
    return commit(st, err, errsz);
}
