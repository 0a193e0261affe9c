/* flapping — see flapping.h.
 *
 * How it works: status_locked (services.c) calls flapping_on_change() for
 * every change; it appends to the status_change log and counts the
 * window with one indexed query. The engine calls flapping_settle() after
 * each evaluation: it looks only at services with an open Flapping alert.
 * The Flapping alert's resolution is written here rather than through
 * alerts_resolve() because its event carries the settled status. */
#include "domain/flapping.h"
#include "domain/alerts.h"
#include "domain/notify.h"
#include "store/alert_repo.h"
#include "store/audit_repo.h"
#include "store/oncall_repo.h"
#include "store/service_repo.h"
#include "store/status_repo.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static atomic_int     flap_changes = FLAPPING_CHANGES_DEFAULT;
static atomic_llong   flap_window = FLAPPING_WINDOW_DEFAULT;

void flapping_configure(int changes, int64_t window_s)
{
    atomic_store(&flap_changes, changes > 1 ? changes : FLAPPING_CHANGES_DEFAULT);
    atomic_store(&flap_window, window_s > 0 ? window_s : FLAPPING_WINDOW_DEFAULT);
}

int flapping_on_change(Store *st, int64_t sid, const char *name, ServiceStatus status,
                       int64_t now)
{
    int limit = atomic_load(&flap_changes);
    int64_t window = atomic_load(&flap_window);
    /* the log is only read over the window (at most a day): this
     * service's older changes go as a new one comes */
    if (oncall_repo_status_change_add(st, sid, status_name(status), now) < 0 ||
        oncall_repo_status_changes_prune(st, sid, now - 86400) < 0)
        return -EIO;
    AlertRow open;
    int r = alert_repo_find_open(st, sid, ALERT_FLAPPING, &open);
    if (r != 0)
        return r < 0 ? -EIO : 1;                /* already flapping: quiet */
    int n = oncall_repo_status_changes_since(st, sid, now - window);
    if (n < 0)
        return -EIO;
    if (n <= limit)
        return 0;
    char msg[300];
    snprintf(msg, sizeof msg, "Service %s is flapping: %d status changes in %lld minutes "
             "(now %s)", name, n, (long long)(window / 60), status_name(status));
    if (alerts_raise(st, sid, ALERT_FLAPPING, SEV_WARNING, msg, now, NULL) < 0 ||
        alerts_resolve(st, sid, ALERT_STATUS_CHANGE, now) < 0)
        return -EIO;
    return 1;
}

/* The settled state's one notification, and its StatusChange record. */
static int settle_one(Store *st, int64_t sid, int64_t now)
{
    AlertRow open;
    char name[256], status[32];
    int r = alert_repo_find_open(st, sid, ALERT_FLAPPING, &open);
    if (r <= 0)
        return r;
    if (service_repo_name(st, sid, name, sizeof name) < 0 ||
        status_repo_get(st, sid, status, sizeof status, NULL) < 0)
        return -EIO;
    ServiceStatus s = STATUS_UNKNOWN;
    if (status[0])
        status_parse(status, &s);
    char msg[400];
    snprintf(msg, sizeof msg, "Service %s stopped flapping: settled %s", name, status_name(s));
    NotifyEvent ev = {
        .source = "alert", .id = open.id, .event = "resolved", .service_id = sid,
        .type = ALERT_FLAPPING, .severity = open.severity, .message = msg, .ts = now,
        .settled_status = status_name(s),
    };
    if (alert_repo_resolve(st, open.id, now) < 0 || notify_service_event(st, &ev, now) < 0 ||
        audit_repo_add_alert(st, "Flapping Stopped", open.id, sid, AUDIT_SYSTEM_USER, NULL, msg,
                             now) < 0)
        return -EIO;
    if (s != STATUS_DOWN && s != STATUS_DEGRADED)
        return 1;
    /* recorded, not notified again: the event above said it */
    snprintf(msg, sizeof msg, "Service %s is %s", name, status_name(s));
    int64_t id = alert_repo_insert(st, sid, ALERT_STATUS_CHANGE, msg,
                                   severity_name(status_alert_severity(s)), now);
    char action[64];
    snprintf(action, sizeof action, "Alert Created (%s)", ALERT_STATUS_CHANGE);
    if (id < 0 || audit_repo_add_alert(st, action, id, sid, AUDIT_SYSTEM_USER, NULL, msg, now) < 0)
        return -EIO;
    return 1;
}

int flapping_settle(Store *st, int64_t now)
{
    int limit = atomic_load(&flap_changes);
    int64_t window = atomic_load(&flap_window), *ids = NULL;
    /* read first: most ticks find no flapping service and take no lock */
    int n = oncall_repo_services_with_open(st, ALERT_FLAPPING, &ids), settled = 0;
    free(ids);
    if (n <= 0)
        return n;
    ids = NULL;
    if (store_begin(st) < 0)
        return -EIO;
    n = oncall_repo_services_with_open(st, ALERT_FLAPPING, &ids);
    for (int i = 0; n > 0 && i < n; i++) {
        int c = oncall_repo_status_changes_since(st, ids[i], now - window);
        int r = c < 0 ? -EIO : c < limit ? settle_one(st, ids[i], now) : 0;
        if (r < 0) {
            n = -EIO;
            break;
        }
        settled += r;
    }
    free(ids);
    if (n < 0 || store_commit(st) < 0) {
        store_rollback(st);
        return -EIO;
    }
    return settled;
}
