/* alerts — see alerts.h. */
#include "domain/alerts.h"
#include "domain/errors.h"
#include "domain/notify.h"
#include "domain/silences.h"
#include "store/alert_repo.h"
#include "store/audit_repo.h"
#include "store/oncall_repo.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int raise_locked(Store *st, int64_t service_id, const char *type, AlertSeverity sev,
                        const char *message, int64_t now, int64_t *out_id)
{
    AlertRow open;
    int r = alert_repo_find_open(st, service_id, type, &open);
    if (r < 0)
        return -EIO;
    if (r == 1) {
        if (strcmp(open.severity, severity_name(sev)) == 0) {
            if (strcmp(open.message, message) != 0 &&
                alert_repo_set_message(st, open.id, message) < 0)
                return -EIO;
            if (out_id)
                *out_id = open.id;
            return ALERT_DEDUPED;
        }
        if (alert_repo_resolve(st, open.id, now) < 0)
            return -EIO;
    }
    int64_t id = alert_repo_insert(st, service_id, type, message, severity_name(sev), now);
    if (id < 0)
        return -EIO;
    char action[100];
    snprintf(action, sizeof action, "Alert Created (%s)", type);
    if (audit_repo_add_alert(st, action, id, service_id, AUDIT_SYSTEM_USER, NULL, message,
                             now) < 0 ||
        silences_note_alert(st, id, service_id, type, severity_name(sev), now) < 0)
        return -EIO;
    /* The notification is an outbox row of this same transaction (design
     * rule 5); a severity change names the severity it replaces. */
    if (notify_alert(st, id, service_id, type, severity_name(sev), r == 1 ? open.severity : NULL,
                     message, "raised", now) < 0)
        return -EIO;
    if (out_id)
        *out_id = id;
    return ALERT_RAISED;
}

int alerts_raise(Store *st, int64_t service_id, const char *type, AlertSeverity sev,
                 const char *message, int64_t now, int64_t *out_id)
{
    if (store_begin(st) < 0)
        return -EIO;
    int r = raise_locked(st, service_id, type, sev, message, now, out_id);
    if (r < 0 || store_commit(st) < 0) {
        store_rollback(st);
        return -EIO;
    }
    return r;
}

int alerts_resolve(Store *st, int64_t service_id, const char *type, int64_t now)
{
    AlertRow open;
    if (store_begin(st) < 0)
        return -EIO;
    int r = alert_repo_find_open(st, service_id, type, &open);
    if (r == 1 && (alert_repo_resolve(st, open.id, now) < 0 ||
                   notify_alert(st, open.id, service_id, type, open.severity, NULL, open.message,
                                "resolved", now) < 0))
        r = -EIO;
    if (r < 0 || store_commit(st) < 0) {
        store_rollback(st);
        return -EIO;
    }
    return r;
}

int alerts_ack_opts_check(const AlertAckOpts *o, char *err, size_t errsz)
{
    if (!o)
        return 0;
    if (util_text_check("note", o->note, ALERT_ACK_NOTE_MAX, UTIL_TEXT_LINE | UTIL_TEXT_VISIBLE,
                        err, errsz) < 0)
        return -EINVAL;
    if (o->expires_in_minutes < 0 || o->expires_in_minutes > ALERT_ACK_EXPIRY_MAX) {
        snprintf(err, errsz, "Field 'expires_in_minutes' must be an integer from 1 to %d",
                 ALERT_ACK_EXPIRY_MAX);
        return -EINVAL;
    }
    return 0;
}

static void ack_detail(char *buf, size_t size, int64_t alert_id, int acknowledged,
                       const AlertAckOpts *o, const char *actor, int64_t expires_at)
{
    int n = snprintf(buf, size, "alert %lld %s by %s", (long long)alert_id,
                     acknowledged ? "acknowledged" : "unacknowledged", actor ? actor : "system");
    if (acknowledged && expires_at && n > 0 && (size_t)n < size) {
        char t[32];
        util_iso8601(expires_at, t, sizeof t);
        n += snprintf(buf + n, size - (size_t)n, " until %s", t);
    }
    if (acknowledged && o && o->note && o->note[0] && n > 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, ": %s", o->note);
}

int alerts_ack_ex(Store *st, int64_t alert_id, int acknowledged, const AlertAckOpts *opts,
                  int64_t user_id, const char *actor, int64_t now, char *err, size_t errsz)
{
    if (acknowledged && alerts_ack_opts_check(opts, err, errsz) < 0)
        return -EINVAL;
    AlertRow a;
    if (store_begin(st) < 0)
        goto io;
    int r = alert_repo_get(st, alert_id, &a);
    if (r < 0)
        goto io_rb;
    if (r == 0) {
        store_rollback(st);
        snprintf(err, errsz, "Alert not found");
        return -ENOENT;
    }
    int64_t exp = acknowledged && opts && opts->expires_in_minutes
                      ? now + opts->expires_in_minutes * 60 : 0;
    if (alert_repo_set_ack_ex(st, alert_id, acknowledged, actor, now,
                              acknowledged && opts ? opts->note : NULL, exp) < 0)
        goto io_rb;
    char detail[2700];         /* a username of 80 and a note of 500 UTF-8 characters */
    ack_detail(detail, sizeof detail, alert_id, acknowledged, opts, actor, exp);
    /* S2: taking an ack back is its own action, not another ack. */
    if (audit_repo_add_alert(st, acknowledged ? "Alert Acknowledged" : "Alert Unacknowledged",
                             alert_id, a.service_id, user_id, actor, detail, now) < 0)
        goto io_rb;
    if (store_commit(st) < 0)
        goto io;
    return 0;
io_rb:
    store_rollback(st);
io:
    snprintf(err, errsz, DOMAIN_IO_ERROR);
    return -EIO;
}

int alerts_ack(Store *st, int64_t alert_id, int acknowledged, int64_t user_id,
               const char *actor, int64_t now, char *err, size_t errsz)
{
    return alerts_ack_ex(st, alert_id, acknowledged, NULL, user_id, actor, now, err, errsz);
}

static int reopen_one(Store *st, int64_t id, int64_t now)
{
    AlertRow a;
    int r = alert_repo_get(st, id, &a);
    if (r <= 0)
        return r;
    char detail[2700];
    snprintf(detail, sizeof detail, "alert %lld: the ack by %s expired; the condition still holds",
             (long long)id, a.acknowledged_by[0] ? a.acknowledged_by : "?");
    if (alert_repo_set_ack_ex(st, id, 0, NULL, now, NULL, 0) < 0 ||
        audit_repo_add_alert(st, "Alert Ack Expired", id, a.service_id, AUDIT_SYSTEM_USER, NULL,
                             detail, now) < 0 ||
        notify_alert(st, id, a.service_id, a.type, a.severity, NULL, a.message, "raised",
                     now) < 0 ||
        oncall_repo_set_notified(st, id, now) < 0)  /* reminders count from here */
        return -EIO;
    return 1;
}

int alerts_reopen_expired(Store *st, int64_t now)
{
    int64_t ids[256];
    int n = alert_repo_list_ack_expired(st, now, ids, (int)(sizeof ids / sizeof ids[0]));
    if (n < 0)
        return -EIO;
    int reopened = 0;
    for (int i = 0; i < n; i++) {
        int r = reopen_one(st, ids[i], now);
        if (r < 0)
            return -EIO;
        reopened += r;
    }
    return reopened;
}

int alerts_reopen_due(Store *st, int64_t now)
{
    int64_t id;
    int n = alert_repo_list_ack_expired(st, now, &id, 1);   /* a read: mostly none */
    if (n <= 0)
        return n < 0 ? -EIO : 0;
    if (store_begin(st) < 0)
        return -EIO;
    int r = alerts_reopen_expired(st, now);
    if (r < 0 || store_commit(st) < 0) {
        store_rollback(st);
        return -EIO;
    }
    return r;
}

int alerts_ack_many(Store *st, const int64_t *ids, int n, int64_t user_id, const char *actor,
                    int64_t now, int *out_rc)
{
    int acked = 0;
    if (store_begin(st) < 0)
        goto io;
    for (int i = 0; i < n; i++) {
        char err[128];
        int r = alerts_ack(st, ids[i], 1, user_id, actor, now, err, sizeof err);
        if (out_rc)
            out_rc[i] = r;
        acked += r == 0;
    }
    if (store_commit(st) < 0)
        goto io;
    return acked;
io:
    for (int i = 0; out_rc && i < n; i++)
        out_rc[i] = -EIO;
    return -EIO;
}

int alerts_sla_outage_over(Store *st, int64_t service_id, const char *type, int64_t ended,
                           int64_t now)
{
    AlertRow a;
    int r = alert_repo_find_open(st, service_id, type, &a);
    if (r <= 0)
        return r < 0 ? -EIO : 0;
    if (a.acknowledged)
        return alerts_resolve(st, service_id, type, now);
    if (strstr(a.message, ", unseen)"))
        return 0;
    char hm[16], msg[sizeof a.message];
    struct tm tm;
    time_t t = (time_t)ended;
    strftime(hm, sizeof hm, "%H:%M", localtime_r(&t, &tm));
    snprintf(msg, sizeof msg, "%.400s (outage ended %s, unseen)", a.message, hm);
    return alert_repo_set_message(st, a.id, msg) < 0 ? -EIO : 0;
}
