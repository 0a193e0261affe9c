/* rootcause_notify — root cause first for notifications (issue 11 item
 * 2): one page per root cause, not one per dependent. Called by
 * notify.c's fan-out (fan_one) for each "event" outbox row before it
 * becomes channel rows; see rootcause.h (rootcause_fold_event).
 *
 * HOW: an alert's "raised" event whose service is blocked by a root
 * (rootcause.h) is not fanned out: the alert is marked folded_under the
 * root (migration 0011) and audited "Notification Folded"; its
 * "resolved" event is folded the same way. The root's own status page
 * says how many services depend on it ("dependents_affected"), and its
 * "resolved" page lists the dependents whose alerts folded under it were
 * open during the outage (also those that failed before it); for each of
 * those still open it queues a new "raised" event (a recheck) that,
 * group_wait later, pages the dependent on its own when it is still
 * failing with no root cause, folds it again under a root still down,
 * and is dropped when it recovered. group_wait also holds the first
 * "raised" event of a service that has dependencies, so a dependent that
 * fails just before its root is still folded.
 * NOTHING IS LOST: a folded alert is covered by its root's page, or is
 * paged itself. When a service's own raise is folded under a root, the
 * alerts folded under that service move under the root (its recovery
 * lists and rechecks them); when its recovery is folded, the alerts still
 * folded under it are rechecked.
 */
#include "domain/rootcause.h"
#include "domain/alerts.h"
#include "domain/flapping.h"
#include "domain/notify.h"
#include "store/alert_repo.h"
#include "store/audit_repo.h"
#include "store/service_repo.h"
#include "util.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *doc_str(const cJSON *o, const char *name)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(j) ? j->valuestring : NULL;
}

static int64_t doc_int(const cJSON *o, const char *name)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(j) ? (int64_t)j->valuedouble : 0;
}

static void set_message(cJSON *o, const char *msg)
{
    cJSON_ReplaceItemInObjectCaseSensitive(o, "message", cJSON_CreateString(msg));
}

/* Queue a "raised" recheck for each open alert folded under service id
 * (after group_wait it pages the alert alone, or folds it again under a
 * root still down); with move_to, re-point them under that root instead. */
static int recheck_folded(Store *st, int64_t id, int64_t move_to, int64_t now_s)
{
    AlertRow *f;
    int n = alert_repo_list_folded(st, id, 1, &f);
    if (n < 0)
        return -EIO;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        if (move_to ? alert_repo_set_folded(st, f[i].id, move_to) < 0
                    : notify_alert(st, f[i].id, f[i].service_id, f[i].type, f[i].severity, NULL,
                                   f[i].message, "raised", now_s) < 0)
            rc = -EIO;
    free(f);
    return rc;
}

/* Fold a's event under root. A raise's alert records it, and the alerts
 * folded under a's service (whose page will not go out) move under root:
 * root's recovery lists and rechecks them. A folded recovery of a's
 * service rechecks the alerts still folded under it. */
static int fold(Store *st, const AlertRow *a, int64_t root, const char *event, int64_t now_s)
{
    char detail[300], name[128] = "";
    if (service_repo_name(st, root, name, sizeof name) < 0)
        return -EIO;
    snprintf(detail, sizeof detail, "alert %lld %s: folded under the root cause %s (service %lld)",
             (long long)a->id, event, name, (long long)root);
    int raise = strcmp(event, "raised") == 0;
    if (raise && (alert_repo_set_folded(st, a->id, root) < 0 ||
                  recheck_folded(st, a->service_id, root, now_s) < 0))
        return -EIO;
    if (strcmp(event, "recovered") == 0 && recheck_folded(st, a->service_id, 0, now_s) < 0)
        return -EIO;
    if (audit_repo_add_alert(st, "Notification Folded", a->id, a->service_id, AUDIT_SYSTEM_USER,
                             NULL, detail, now_s) < 0)
        return -EIO;
    return ROOTCAUSE_FOLDED;
}

/* The root's "raised" status page: how many services depend on it. */
static void annotate_raised(cJSON *o, const char *message, int n)
{
    char msg[700];
    snprintf(msg, sizeof msg, "%s \xe2\x80\x94 %d dependent%s affected", message, n,
             n == 1 ? "" : "s");
    set_message(o, msg);
    cJSON_AddNumberToObject(o, "dependents_affected", n);
}

/* The root's recovery page: the dependents folded under it that were
 * open during its outage (since its alert was raised: still open, or
 * resolved since; whenever they failed or were folded); the open ones get
 * a recheck event. */
static int annotate_resolved(Store *st, cJSON *o, const AlertRow *root_alert, int64_t since,
                             int64_t now_s)
{
    AlertRow *f;
    int n = alert_repo_list_folded(st, root_alert->service_id, 0, &f);
    if (n < 0)
        return -EIO;
    cJSON *names = cJSON_CreateArray();
    char list[600] = "";
    int count = 0, rc = 0;
    int64_t listed = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        if (f[i].resolved_at && f[i].resolved_at < since)
            continue;                            /* an earlier outage's */
        char name[128];
        if (service_repo_name(st, f[i].service_id, name, sizeof name) < 0)
            rc = -EIO;
        else if (f[i].service_id != listed) {
            listed = f[i].service_id;
            cJSON_AddItemToArray(names, cJSON_CreateString(name));
            size_t len = strlen(list);
            snprintf(list + len, sizeof list - len, "%s%s", count ? ", " : "", name);
            count++;
        }
    }
    free(f);
    if (rc == 0)
        rc = recheck_folded(st, root_alert->service_id, 0, now_s);
    if (count) {
        char msg[1300];
        snprintf(msg, sizeof msg, "%s \xe2\x80\x94 dependents affected: %s", doc_str(o, "message"),
                 list);
        set_message(o, msg);
    }
    cJSON_AddNumberToObject(o, "dependents_affected", count);
    cJSON_AddItemToObject(o, "dependents", names);
    return rc;
}

/* A "raised" event of an alert that is not (or no longer) folded. */
static int raised(Store *st, cJSON *o, const AlertRow *a, const RootCauses *rc,
                  const OutboxRow *row, int64_t group_wait_s, int64_t now_ms, int64_t *due)
{
    int64_t root = rootcause_of(rc, a->service_id);
    if (a->folded_under && a->resolved_at)       /* a recheck: it recovered */
        return fold(st, a, a->folded_under, "recheck", now_ms / 1000);
    int64_t ready = row->created_ms + group_wait_s * 1000;
    if (!root && now_ms < ready && (a->folded_under || rootcause_has_deps(rc, a->service_id))) {
        *due = ready;                            /* group_wait: its root may follow */
        return ROOTCAUSE_WAIT;
    }
    if (root)
        return fold(st, a, root, "raised", now_ms / 1000);
    if (a->folded_under && alert_repo_set_folded(st, a->id, 0) < 0)
        return -EIO;
    int n = rootcause_dependents(rc, a->service_id);
    if (n && strcmp(a->type, ALERT_STATUS_CHANGE) == 0)
        annotate_raised(o, doc_str(o, "message"), n);
    return ROOTCAUSE_SEND;
}

/* A recovery: "resolved", or a status alert that drops to Info from
 * Warning or Critical (a severity change: the alert before it, *prev, is
 * the outage's). Folded when the outage's page was; a root's lists the
 * dependents. */
static int recovery(Store *st, cJSON *o, const AlertRow *a, int64_t now_s)
{
    AlertRow prev = *a;
    const char *event = doc_str(o, "event");
    if (strcmp(event, "resolved") != 0) {
        int r = alert_repo_previous(st, a->service_id, a->type, a->id, &prev);
        if (r <= 0)
            return r < 0 ? -EIO : ROOTCAUSE_SEND;
    }
    if (prev.folded_under)
        return fold(st, &prev, prev.folded_under, "recovered", now_s);
    /* a flapping root's outage ends with its Flapping alert's settled state */
    if ((!strcmp(a->type, ALERT_STATUS_CHANGE) || !strcmp(a->type, ALERT_FLAPPING)) &&
        annotate_resolved(st, o, a, prev.created_at, now_s) < 0)
        return -EIO;
    return ROOTCAUSE_SEND;
}

static int is_recovery(const cJSON *o)
{
    const char *sev = doc_str(o, "severity"), *prev = doc_str(o, "previous_severity");
    return !strcmp(doc_str(o, "event"), "resolved") ||
           (sev && prev && !strcmp(sev, "Info") && strcmp(prev, "Info"));
}

int rootcause_fold_event(Store *st, cJSON *o, const OutboxRow *row, int64_t group_wait_s,
                         int64_t now_ms, int64_t *out_due_ms)
{
    const char *source = doc_str(o, "source"), *event = doc_str(o, "event");
    int64_t id = doc_int(o, "alert_id");
    if ((source && strcmp(source, "alert")) || !event || !id || !doc_int(o, "service_id"))
        return ROOTCAUSE_SEND;
    AlertRow a;
    int r = alert_repo_get(st, id, &a);
    if (r <= 0 || strcmp(a.kind, ALERT_KIND_CONDITION))
        return r < 0 ? -EIO : ROOTCAUSE_SEND;
    if (is_recovery(o))
        return recovery(st, o, &a, now_ms / 1000);
    if (strcmp(event, "raised"))
        return ROOTCAUSE_SEND;
    RootCauses rc;
    if (rootcause_load(st, &rc) < 0)
        return -EIO;
    r = raised(st, o, &a, &rc, row, group_wait_s, now_ms, out_due_ms);
    rootcause_free(&rc);
    return r;
}
