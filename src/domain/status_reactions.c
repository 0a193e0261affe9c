/* status_reactions — see status_reactions.h. */
#include "domain/status_reactions.h"
#include "domain/actions.h"
#include "domain/alerts.h"
#include "domain/decision.h"
#include "domain/incidents.h"
#include "domain/playbook.h"
#include "store/audit_repo.h"
#include "store/category_repo.h"
#include "store/incident_repo.h"
#include "store/service_repo.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "domain/errors.h"
#define IO_ERROR DOMAIN_IO_ERROR

/* A playbook for cat that acts: the API's, else the playbook file's (a
 * broken one counts: the run fails and a human hears of it). 1, 0, -EIO. */
static int category_has_playbook(Store *st, const char *cat)
{
    CategoryRow cr;
    int has = category_repo_get(st, cat, &cr);
    if (has < 0)
        return -EIO;
    int has_playbook = has == 1 && cr.playbook != NULL;
    if (has == 1)
        category_row_free(&cr);
    if (has_playbook)
        return 1;
    Playbook fpb;
    char perr[400];
    int f = actions_category(cat, &fpb, perr, sizeof perr);
    if (f > 0)
        playbook_free(&fpb);
    return f != 0;
}

/* "SVC-<service>-<now>", or with "-2", "-3", ... when that one exists.
 * 0 or -EIO. */
static int new_incident_id(Store *st, int64_t service_id, int64_t now, char *id, size_t size)
{
    snprintf(id, size, "SVC-%lld-%lld", (long long)service_id, (long long)now);
    for (int k = 2; k < 100; k++) {
        IncidentRec x;
        int e = incident_repo_get(st, id, &x);
        if (e < 0)
            return -EIO;
        if (!e)
            break;
        incident_rec_free(&x);
        snprintf(id, size, "SVC-%lld-%lld-%d", (long long)service_id, (long long)now, k);
    }
    return 0;
}

/* The seed 001 rule (see the header): 1 opened, 0 not, -EIO. */
static int open_down_incident(Store *st, int64_t service_id, const char *why, int64_t now)
{
    char cat[32];
    double conf;
    int r = incident_repo_probe_playbook(st, service_id, cat, sizeof cat, &conf);
    if (r <= 0 || !cat[0])
        return r < 0 ? -EIO : 0;
    if (!decision_in(decision_categories, cat)) {
        log_warn("incidents: service %lld: playbook category '%s' is unknown",
                 (long long)service_id, cat);
        return 0;
    }
    GlobalConfigRow g;
    char name[101] = "";
    int active = incident_repo_count_active_for_service(st, service_id);
    int recent = incident_repo_count_for_service(st, service_id, now - 3600);
    if (active < 0 || recent < 0 || category_repo_global_get(st, &g) < 0 ||
        service_repo_name(st, service_id, name, sizeof name) < 0)
        return -EIO;
    if (active > 0)
        return 0;                      /* already on it */
    /* The seed's default steps only record; "resolving" a Down service
     * with them would tell on-call it was fixed when nothing ran. */
    int has_playbook = category_has_playbook(st, cat);
    if (has_playbook < 0)
        return -EIO;
    if (!has_playbook) {
        char msg[300];
        snprintf(msg, sizeof msg,
                 "%s is Down and names the %s playbook, but no %s playbook is configured: "
                 "a human is needed", name, cat, cat);
        return alerts_raise(st, service_id, ALERT_NO_PLAYBOOK, SEV_CRITICAL, msg, now,
                            NULL) < 0 ? -EIO : 0;
    }
    if (recent >= g.max_incidents_per_service_hour) {
        char msg[300];
        snprintf(msg, sizeof msg,
                 "Auto-resolution paused for %s: %d incidents in the last hour (limit %d); "
                 "a human is needed", name, recent, g.max_incidents_per_service_hour);
        return alerts_raise(st, service_id, ALERT_AUTO_RESOLUTION_LIMIT, SEV_CRITICAL, msg, now,
                            NULL) < 0 ? -EIO : 0;
    }
    char id[64], title[160];
    if (new_incident_id(st, service_id, now, id, sizeof id) < 0)
        return -EIO;
    snprintf(title, sizeof title, "Service %s is Down", name[0] ? name : "?");
    IncidentInput in = {
        .incident_id = id, .title = title, .description = why ? why : "", .category = cat,
        .priority = "high", .status = "open", .created_by = "resops",
        .confidence = conf >= 0 ? conf : INCIDENTS_DOWN_CONFIDENCE, .service_id = service_id,
    };
    SubmitResult res;
    char err[200];
    r = incidents_submit(st, &in, "engine", 0, now, &res, err, sizeof err);
    if (r < 0) {
        log_error("incidents: cannot open an incident for service %lld: %s",
                  (long long)service_id, err);
        return r == -EIO ? -EIO : 0;
    }
    return 1;
}

int status_reactions_changed(Store *st, int64_t service_id, ServiceStatus status,
                             StatusSource src, const char *reason, int64_t now)
{
    /* seed 001: a Down service whose probe names a playbook gets an
     * incident (the runner resolves it; loops are capped per hour). Only
     * a probe's Down, as when the engine loop held this rule. */
    if (status == STATUS_DOWN && src == SET_BY_PROBE &&
        open_down_incident(st, service_id, reason, now) < 0)
        return -EIO;
    return 0;
}

int status_reactions_set_playbook(Store *st, int64_t service_id, const char *category,
                                  double confidence, int64_t user_id, int64_t now, char *err,
                                  size_t errsz)
{
    if (category && !decision_in(decision_categories, category)) {
        snprintf(err, errsz, "Invalid category: %s", category);
        return -EINVAL;
    }
    if (confidence > 1.0 || isnan(confidence)) {
        snprintf(err, errsz, "Confidence score must be between 0.0 and 1.0");
        return -EINVAL;
    }
    if (store_begin(st) < 0)
        goto io;
    int r = incident_repo_set_probe_playbook(st, service_id, category, confidence);
    if (r < 0)
        goto io_rb;
    if (r == 0) {
        store_rollback(st);
        snprintf(err, errsz, "Service has no probe");
        return -ENOENT;
    }
    char detail[120];
    if (category)
        snprintf(detail, sizeof detail, "category %s, confidence %.2f", category,
                 confidence >= 0 ? confidence : INCIDENTS_DOWN_CONFIDENCE);
    else
        snprintf(detail, sizeof detail, "removed");
    if (audit_repo_add(st, "Playbook Updated", "Service", service_id, user_id, detail, now) < 0)
        goto io_rb;
    if (store_commit(st) < 0)
        goto io;
    return 0;
io_rb:
    store_rollback(st);
io:
    snprintf(err, errsz, IO_ERROR);
    return -EIO;
}

