/* alerts — the one write path for alerts: raise (deduplicated), resolve,
 * acknowledge. Each function runs in its own transaction (or joins the
 * caller's) and writes the audit entry with the seed's action names.
 *
 * Dedup: while an alert of (service, type) is unresolved — acknowledged
 * or not — raising the same severity again only refreshes its message; a
 * different severity supersedes it (the old one is resolved, a new one
 * raised, so a notification goes out). Acknowledging therefore silences
 * an alert until its condition clears (design.md says "unacknowledged and
 * unresolved"; re-raising an acknowledged condition every tick would undo
 * the acknowledgement, see README).
 *
 * Thread: whoever owns the Store passed in.
 */
#ifndef RESOPS_DOMAIN_ALERTS_H
#define RESOPS_DOMAIN_ALERTS_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"
#include "domain/rules.h"

/* Seed 000 alert types. */
#define ALERT_STATUS_CHANGE "StatusChange"
#define ALERT_HIGH_RISK     "HighRisk"
#define ALERT_CRITICAL      "Critical"
#define ALERT_SLA_RTO       "SLA_RTO"
#define ALERT_SLA_RPO       "SLA_RPO"

typedef enum { ALERT_RAISED = 1, ALERT_DEDUPED = 0 } AlertRaiseResult;

/* Returns ALERT_RAISED (a new row, audited "Alert Created (<type>)"),
 * ALERT_DEDUPED, or -EIO. *out_id (may be NULL) gets the open alert's id. */
int alerts_raise(Store *st, int64_t service_id, const char *type, AlertSeverity sev,
                 const char *message, int64_t now, int64_t *out_id);

/* Resolve the open alert of (service, type), if any: 1 resolved, 0 none. */
int alerts_resolve(Store *st, int64_t service_id, const char *type, int64_t now);

/* Seed 000 PUT /api/alerts: set acknowledged; audited "Alert Acknowledged"
 * ("Alert Unacknowledged" when acknowledged is 0)
 * with entity "Alert" and entity_id = the alert's service_id (as the seed
 * says), user_id the actor, detail "alert <id> by <actor>".
 * 0, -ENOENT ("Alert not found"), -EIO. */
int alerts_ack(Store *st, int64_t alert_id, int acknowledged, int64_t user_id,
               const char *actor, int64_t now, char *err, size_t errsz);

/* Issue 11: an ack's optional note and expiry. */
#define ALERT_ACK_NOTE_MAX    500      /* characters */
#define ALERT_ACK_EXPIRY_MAX  10080    /* minutes: 7 days */
typedef struct AlertAckOpts {
    const char *note;                  /* NULL or "": none */
    int64_t     expires_in_minutes;    /* 0: never; else 1..ALERT_ACK_EXPIRY_MAX */
} AlertAckOpts;

/* Check an ack's options: 0, or -EINVAL with err naming the field ("note",
 * "expires_in_minutes"). */
int alerts_ack_opts_check(const AlertAckOpts *o, char *err, size_t errsz);

/* alerts_ack() with a note and an expiry (opts may be NULL: none; both
 * ignored and cleared on an un-ack). The audit detail carries the note and
 * the expiry. 0, -EINVAL (bad option, nothing changed), -ENOENT, -EIO. */
int alerts_ack_ex(Store *st, int64_t alert_id, int acknowledged, const AlertAckOpts *opts,
                  int64_t user_id, const char *actor, int64_t now, char *err, size_t errsz);

/* The engine's step: every unresolved alert whose ack expired at or
 * before now is reopened (acknowledged 0, note and expiry cleared),
 * audited "Alert Ack Expired" by system and notified again once (an
 * outbox event "raised", as a raise: channels page it again). A resolved alert keeps its
 * expired ack. Joins the caller's transaction. Count reopened or -EIO. */
int alerts_reopen_expired(Store *st, int64_t now);

/* The same for a loop that runs often (the notifier's scan), so an ack
 * expires when it says, not at the next evaluation (up to
 * engine.check_interval later): a read first (an index; mostly nothing is
 * due), then alerts_reopen_expired() in its own transaction. Count
 * reopened or -EIO. */
int alerts_reopen_due(Store *st, int64_t now);

/* The console's "ack all": acknowledge every id of ids[0..n) in one
 * transaction, each as alerts_ack() does it (audited the same way). An id
 * that fails is undone alone (its own savepoint) and the others still
 * commit. out_rc (may be NULL, n entries) gets each id's result: 0,
 * -ENOENT (no such alert) or -EIO. Returns how many were acknowledged
 * (n minus that many failed), or -EIO when the transaction as a whole
 * failed: then none was, and every out_rc is -EIO. */
int alerts_ack_many(Store *st, const int64_t *ids, int n, int64_t user_id, const char *actor,
                    int64_t now, int *out_rc);

/* Issue 11: the SLA alert (type SLA_RTO or SLA_RPO) of an outage that
 * ended at `ended` is history (the SLA breaches keep it): resolved when
 * someone acknowledged it; else it stays open until someone does, its
 * message saying "(outage ended HH:MM, unseen)" (local time). Joins the
 * caller's transaction. 1 resolved, 0 not (none, or kept), -EIO. */
int alerts_sla_outage_over(Store *st, int64_t service_id, const char *type, int64_t ended,
                           int64_t now);

#endif
