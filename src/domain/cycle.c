/* cycle — see cycle.h.
 *
 * How it works: every input list (services, dependency edges, downtimes,
 * integration counts, open alerts) comes back sorted by service id, so one
 * merge walk pairs each service with its rows. Per service: build the
 * RiskInput, score it, compare with risk_current, and decide alerts from
 * what is open. Writes happen only on change, inside one transaction, so a
 * steady-state cycle over 100k services is mostly reads.
 */
#include "domain/cycle.h"
#include "domain/alerts.h"
#include "domain/services.h"
#include "domain/silences.h"
#include "store/alert_repo.h"
#include "store/audit_repo.h"
#include "store/downtime_repo.h"
#include "store/integration_repo.h"
#include "store/risk_repo.h"
#include "store/service_repo.h"
#include "store/sla_repo.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WEEK_S (7 * 24 * 3600)
#define DAY_S  (24 * 3600)

typedef struct Inputs {
    ServiceSet     set;
    ServiceStatus *status;       /* parsed, per row */
    DowntimeRow   *dt;
    int            ndt;
    int64_t       *int_ids;
    int           *int_counts;
    int            nint;
    OpenAlertKey  *open;
    int            nopen;
} Inputs;

static void inputs_free(Inputs *in)
{
    service_set_free(&in->set);
    free(in->status);
    free(in->dt);
    free(in->int_ids);
    free(in->int_counts);
    free(in->open);
}

/* Every input of a cycle; with one (a service id) only what scoring that
 * service needs: its row and its dependencies' (not every service: a
 * create or a BIA change must not pay for the whole catalog), and no open
 * alerts. */
static int inputs_load(Store *st, int64_t now, int64_t one, Inputs *in)
{
    memset(in, 0, sizeof *in);
    if ((one ? service_repo_load_one(st, one, &in->set) : service_repo_load_all(st, &in->set)) < 0)
        return -EIO;
    in->status = xmalloc((size_t)(in->set.n ? in->set.n : 1) * sizeof *in->status);
    for (int i = 0; i < in->set.n; i++) {
        ServiceStatus s = STATUS_UNKNOWN;
        if (in->set.rows[i].status)
            status_parse(in->set.rows[i].status, &s);
        in->status[i] = s;
    }
    in->ndt = downtime_repo_load_since(st, now - WEEK_S, &in->dt);
    if (one) {
        int k = service_repo_integration_count(st, one);
        in->nint = k < 0 ? -EIO : 1;
        in->int_ids = xmalloc(sizeof *in->int_ids);
        in->int_counts = xmalloc(sizeof *in->int_counts);
        in->int_ids[0] = one;
        in->int_counts[0] = k;
    } else {
        in->nint = integration_repo_counts(st, &in->int_ids, &in->int_counts);
    }
    in->nopen = one ? 0 : alert_repo_load_open(st, &in->open);
    if (in->ndt < 0 || in->nint < 0 || in->nopen < 0) {
        inputs_free(in);
        return -EIO;
    }
    return 0;
}

/* The open alert of this type among rows [k0, ...) of service sid, or
 * NULL. */
static const OpenAlertKey *open_alert(const Inputs *in, int k0, int64_t sid, const char *type)
{
    for (int k = k0; k < in->nopen && in->open[k].service_id == sid; k++)
        if (strcmp(in->open[k].type, type) == 0)
            return &in->open[k];
    return NULL;
}

static int raise_or_resolve(Store *st, int want, const Inputs *in, int k0, int changed,
                            int64_t sid, const char *type, const char *msg, int64_t now,
                            CycleStats *cs)
{
    const OpenAlertKey *open = open_alert(in, k0, sid, type);
    AlertSeverity sev;
    int open_sev = open && severity_parse(open->severity, &sev) == 0 ? (int)sev : -1;
    if (want) {
        /* Open with the same severity and nothing new to say: dedup. The
         * risk may have been rescored since the alert was written (the
         * services write path does so on a BIA change, cycle_rescore_one),
         * so "nothing new" is also checked against what the alert says. */
        if (open_sev == SEV_CRITICAL && !changed &&
            open->message_hash == alert_repo_message_hash(msg))
            return 0;
        int r = alerts_raise(st, sid, type, SEV_CRITICAL, msg, now, NULL);
        if (r < 0)
            return -EIO;
        cs->alerts_raised += r == ALERT_RAISED;
    } else if (open_sev >= 0) {
        int r = alerts_resolve(st, sid, type, now);
        if (r < 0)
            return -EIO;
        cs->alerts_resolved += r;
    }
    return 0;
}

/* Issue 11: an ended outage's SLA alert (alerts_sla_outage_over). */
static int outage_over(Store *st, int64_t sid, const char *alert, int64_t ended, int64_t now,
                       CycleStats *cs)
{
    int r = alerts_sla_outage_over(st, sid, alert, ended, now);
    if (r < 0)
        return -EIO;
    cs->alerts_resolved += r;
    return 0;
}

static int check_sla(Store *st, const ServiceLoadRow *row, const DowntimeRow *d, int64_t now,
                     CycleStats *cs)
{
    static const struct { const char *type, *alert; } kinds[2] = {
        {"RTO", ALERT_SLA_RTO}, {"RPO", ALERT_SLA_RPO}};
    if (d->end_time && d->end_time < now - DAY_S) {
        for (int k = 0; k < 2 && d->end_time >= now - 7 * DAY_S; k++) /* acked at last */
            if (outage_over(st, row->id, kinds[k].alert, d->end_time, now, cs) < 0)
                return -EIO;
        return 0;
    }
    int64_t minutes = sla_downtime_minutes(d->start_time, d->end_time, now);
    for (int k = 0; k < 2; k++) {
        int has = k == 0 ? row->has_rto : row->has_rpo;
        int thr = k == 0 ? row->rto : row->rpo;
        if (!row->has_bia || !sla_breached(minutes, has, thr))
            continue;
        char reason[128], msg[160], action[64];
        snprintf(reason, sizeof reason, "Downtime exceeded %s of %d minutes", kinds[k].type, thr);
        int r = sla_repo_insert(st, row->id, kinds[k].type, minutes, thr, d->start_time,
                                d->end_time, reason, now);
        if (r < 0)
            return -EIO;
        if (r == 0) {
            /* known breach: keep its end and length once the downtime ends */
            if (d->end_time &&
                (sla_repo_update_end(st, row->id, kinds[k].type, d->start_time, d->end_time,
                                     minutes) < 0 ||
                 outage_over(st, row->id, kinds[k].alert, d->end_time, now, cs) < 0))
                return -EIO;
            continue;
        }
        cs->breaches++;
        snprintf(action, sizeof action, "SLA Breach (%s)", kinds[k].type);
        if (audit_repo_add(st, action, "SLABreach", row->id, AUDIT_SYSTEM_USER, reason, now) < 0)
            return -EIO;
        if (d->end_time)          /* found after the outage ended: history only */
            continue;
        snprintf(msg, sizeof msg, "SLA Breach: %s exceeded %d minutes (Actual: %lld minutes)",
                 kinds[k].type, thr, (long long)minutes);
        int a = alerts_raise(st, row->id, kinds[k].alert, SEV_CRITICAL, msg, now, NULL);
        if (a < 0)
            return -EIO;
        cs->alerts_raised += a == ALERT_RAISED;
    }
    return 0;
}

/* Merge-walk positions in the sorted input lists; they only move forward,
 * so a whole cycle stays linear. */
typedef struct Cursor {
    int e, d, ic, oa;
} Cursor;

/* Scratch list of the names of Down dependencies (grown on demand). */
typedef struct DownNames {
    const char **v;
    int          cap;
} DownNames;

/* The one place a service's RiskInput is built (seed 000 §3.2 inputs):
 * used by the cycle for every service and by cycle_risk_one for one.
 * Advances c past service i's dependency edges and integration counts and
 * sets [*dt_begin, *dt_end) to its downtimes, for the SLA check. */
static void risk_input_for(const Inputs *in, int i, Cursor *c, DownNames *names, int64_t now,
                           RiskInput *ri, int *dt_begin, int *dt_end)
{
    const ServiceSet *set = &in->set;
    const ServiceLoadRow *row = &set->rows[i];
    int64_t sid = row->id;

    int ndown = 0;
    while (c->e < set->ndeps && set->dep_from[c->e] < sid)
        c->e++;
    for (; c->e < set->ndeps && set->dep_from[c->e] == sid; c->e++) {
        int j = service_set_find(set, set->dep_to[c->e]);
        if (j < 0 || in->status[j] != STATUS_DOWN)
            continue;
        if (ndown == names->cap) {
            names->cap = names->cap ? names->cap * 2 : 8;
            names->v = xrealloc(names->v, (size_t)names->cap * sizeof *names->v);
        }
        names->v[ndown++] = set->rows[j].name;
    }

    while (c->ic < in->nint && in->int_ids[c->ic] < sid)
        c->ic++;
    int integrations = c->ic < in->nint && in->int_ids[c->ic] == sid ? in->int_counts[c->ic] : 0;

    while (c->d < in->ndt && in->dt[c->d].service_id < sid)
        c->d++;
    *dt_begin = c->d;
    int64_t recent = 0;
    for (; c->d < in->ndt && in->dt[c->d].service_id == sid; c->d++) {
        const DowntimeRow *dt = &in->dt[c->d];
        if (dt->start_time >= now - WEEK_S)
            recent += sla_downtime_minutes(dt->start_time, dt->end_time, now);
    }
    *dt_end = c->d;

    *ri = (RiskInput){
        .status = in->status[i], .has_bia = row->has_bia,
        .criticality = row->criticality, .impact = row->impact,
        .has_rto = row->has_rto, .rto = row->rto, .has_rpo = row->has_rpo, .rpo = row->rpo,
        .recent_downtime_min = recent, .deps_down = names->v, .n_deps_down = ndown,
        .integrations = integrations,
    };
}

/* Score a service and write what changed, the one rule for risk rows:
 * risk_current when anything (reason too) differs, a history row only
 * when score, level or critical differ. *changed says whether anything
 * did. The cycle's step for each service, and cycle_rescore_one's. */
static int score_write(Store *st, const ServiceLoadRow *row, const RiskInput *ri, int64_t now,
                       CycleStats *cs, RiskResult *rr, int *changed)
{
    risk_score(ri, rr);
    const char *level = risk_level_name(rr->level);
    int history = !row->has_risk || row->risk_score != rr->score ||
                  row->risk_critical != rr->is_critical ||
                  !row->risk_level || strcmp(row->risk_level, level) != 0;
    *changed = history || !row->risk_reason || strcmp(row->risk_reason, rr->reason) != 0;
    if (*changed && risk_repo_set_current(st, row->id, rr->score, level, rr->is_critical,
                                          rr->reason, now) < 0)
        return -EIO;
    if (history) {
        if (risk_repo_add_history(st, row->id, rr->score, level, rr->is_critical, rr->reason,
                                  "automated", "system", now) < 0)
            return -EIO;
        cs->risk_changed++;
    }
    return 0;
}

static int evaluate(Store *st, Inputs *in, int64_t now, CycleStats *cs)
{
    const ServiceSet *set = &in->set;
    Cursor c = {0};
    DownNames names = {0};
    int rc = 0;

    for (int i = 0; i < set->n; i++) {
        const ServiceLoadRow *row = &set->rows[i];
        int64_t sid = row->id;

        RiskInput ri;
        int d0, d1;
        risk_input_for(in, i, &c, &names, now, &ri, &d0, &d1);
        for (int d = d0; d < d1; d++)
            if (check_sla(st, row, &in->dt[d], now, cs) < 0)
                goto io;

        RiskResult rr;
        int changed;
        if (score_write(st, row, &ri, now, cs, &rr, &changed) < 0)
            goto io;

        while (c.oa < in->nopen && in->open[c.oa].service_id < sid)
            c.oa++;
        char msg[1200];
        snprintf(msg, sizeof msg, "High risk score: %d. Reason: %s", rr.score, rr.reason);
        if (raise_or_resolve(st, rr.level == RISK_HIGH, in, c.oa, changed, sid,
                             ALERT_HIGH_RISK, msg, now, cs) < 0)
            goto io;
        snprintf(msg, sizeof msg, "Service %s is critical: %s", row->name, rr.reason);
        util_utf8_cut(msg);         /* a long UTF-8 name: never end mid-character */
        if (raise_or_resolve(st, rr.is_critical, in, c.oa, changed, sid, ALERT_CRITICAL, msg,
                             now, cs) < 0)
            goto io;
    }
    cs->services = set->n;
    goto out;
io:
    rc = -EIO;
out:
    free(names.v);
    return rc;
}

int cycle_rescore_one(Store *st, int64_t service_id, int64_t now)
{
    Inputs in;
    if (store_begin(st) < 0)
        return -EIO;
    if (inputs_load(st, now, service_id, &in) < 0) {
        store_rollback(st);
        return -EIO;
    }
    int i = service_set_find(&in.set, service_id), r = 0;
    if (i >= 0) {
        Cursor c = {0};
        DownNames names = {0};
        CycleStats cs = {0};
        RiskInput ri;
        RiskResult rr;
        int d0, d1, changed;
        risk_input_for(&in, i, &c, &names, now, &ri, &d0, &d1);
        r = score_write(st, &in.set.rows[i], &ri, now, &cs, &rr, &changed);
        free(names.v);
    }
    inputs_free(&in);
    if (r < 0 || store_commit(st) < 0) {
        store_rollback(st);
        return -EIO;
    }
    return i >= 0 ? 1 : 0;
}

int cycle_risk_one(Store *st, int64_t service_id, int64_t now, RiskResult *out)
{
    Inputs in;
    if (inputs_load(st, now, service_id, &in) < 0)
        return -EIO;
    int i = service_set_find(&in.set, service_id);
    if (i >= 0) {
        Cursor c = {0};
        DownNames names = {0};
        RiskInput ri;
        int d0, d1;
        risk_input_for(&in, i, &c, &names, now, &ri, &d0, &d1);
        risk_score(&ri, out);
        free(names.v);
    }
    inputs_free(&in);
    return i >= 0 ? 1 : 0;
}

int cycle_evaluate(Store *st, int64_t now, CycleStats *out)
{
    CycleStats cs = {0};
    Inputs in;
    if (store_begin(st) < 0)
        return -EIO;
    if (inputs_load(st, now, 0, &in) < 0) {
        store_rollback(st);
        return -EIO;
    }
    int r = evaluate(st, &in, now, &cs);
    inputs_free(&in);
    /* after the evaluation, so a condition that cleared is resolved first
     * and its expired ack simply stays (issue 11) */
    if (r == 0 && (cs.acks_expired = alerts_reopen_expired(st, now)) < 0)
        r = -EIO;
    if (r == 0 && silences_tick(st, now) < 0)  /* windows that closed: notify (issue 11) */
        r = -EIO;
    if (r < 0 || store_commit(st) < 0) {
        store_rollback(st);
        log_error("cycle: evaluation failed: %s", store_errmsg(st));
        return -EIO;
    }
    if (out)
        *out = cs;
    return 0;
}

int cycle_heartbeats(Store *st, int64_t now, const StatusRules *rules)
{
    ServiceSet set;
    if (service_repo_load_all(st, &set) < 0)
        return -EIO;
    int changed = 0;
    char err[128];
    if (store_begin(st) < 0) {
        service_set_free(&set);
        return -EIO;
    }
    for (int i = 0; i < set.n; i++) {
        const ServiceLoadRow *row = &set.rows[i];
        if (row->has_probe)
            continue;
        ServiceStatus cur = STATUS_UNKNOWN;
        int has_report = row->status && status_parse(row->status, &cur) == 0 && row->last_heartbeat;
        ServiceStatus next = status_from_heartbeat(has_report, cur,
                                                   now - row->last_heartbeat, rules);
        if (row->status && next == cur)
            continue;
        char reason[96];
        snprintf(reason, sizeof reason, "No heartbeat for %lld minutes",
                 has_report ? (long long)((now - row->last_heartbeat) / 60) : 0LL);
        int r = services_set_status(st, row->id, next, SET_BY_ENGINE, AUDIT_SYSTEM_USER,
                                    reason, now, err, sizeof err);
        if (r < 0) {
            store_rollback(st);
            service_set_free(&set);
            return -EIO;
        }
        changed += r;
    }
    service_set_free(&set);
    if (store_commit(st) < 0)
        return -EIO;
    return changed;
}
