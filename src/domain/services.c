/* services — see services.h. */
#include "domain/services.h"
#include "domain/alerts.h"
#include "domain/cycle.h"
#include "domain/probe_kinds.h"
#include "domain/status_reactions.h"
#include "store/audit_repo.h"
#include "store/downtime_repo.h"
#include "store/probe_repo.h"
#include "store/bia_repo.h"
#include "store/deps_repo.h"
#include "store/service_repo.h"
#include "store/status_repo.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IO_ERROR "Internal server error"

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
        /* the outage is over: its SLA alerts have nothing left to say, and
         * the next outage's breach must raise anew */
        if (downtime_repo_close(st, open.id, now) < 0 ||
            alerts_resolve(st, sid, ALERT_SLA_RTO, now) < 0 ||
            alerts_resolve(st, sid, ALERT_SLA_RPO, now) < 0)
            return -EIO;
    }
    /* A service's first status is a start, not a change: only a bad one
     * (Degraded, Down) is worth an alert. */
    if (had || (status != STATUS_UNKNOWN && status != STATUS_UP)) {
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
