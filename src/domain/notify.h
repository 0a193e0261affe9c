/* notify — what a notification says, to whom, and what happens after a
 * delivery attempt (design rule 5: nothing is lost).
 *
 * Two stages, both rows of the outbox table:
 *  1. notify_event() writes ONE row, channel "event", inside the caller's
 *     transaction (alerts_raise, alerts_resolve, ...). Its payload is the
 *     generic webhook document (seed 004's {"type","value","ts",
 *     "generated_at"} plus our fields). The domain needs no configuration
 *     for this, so any process (engine, viewer's API, CLI) can raise.
 *  2. notify_fanout(), run by the engine's notifier with the channel
 *     configuration, turns each pending event into one row per channel
 *     (generic webhook, each Slack integration of the service, PagerDuty
 *     Events v2, e-mail) in one transaction, and marks the event done.
 * The notifier then delivers those rows and reports each attempt to
 * notify_record(), which applies the retry policy.
 *
 * Idempotency keys are stable for a row's life: an event's key is
 * "<source>-<id>-<event>-<8 hex random>" (random so a reused alert id can
 * never collide), a delivery row's is "<event key>.<channel>.<8 hex of
 * SHA-256 of the target>". Rows about the same (channel, target, service,
 * alert type) share an order_key, so a "resolved" never overtakes its
 * "raised" (PagerDuty would re-open the incident).
 *
 * CHANNELS are two tables joined by name, what (here) and how (the
 * engine), like a probe kind or a step kind:
 *  - notify.c channel_defs[] {name, targets, payload}: for one event, the
 *    channel's targets (none when it is not configured) and the payload
 *    each gets; notify_fanout() writes one outbox row per target;
 *  - engine/notifier.c channel_ops[] {name, proto, sign, fallback, refuse,
 *    setup}: how such a row is delivered (HTTP POST or SMTP through curl,
 *    signed or not), the configured address of a row queued without one,
 *    a target that must never be contacted, and which rule of
 *    notify_classify() judges the outcome (by proto).
 * Adding a channel:
 *  1. notify.c: a row of channel_defs[] with its targets() and payload()
 *     (a notify_payload_<name>() builder beside the others when its
 *     document is its own);
 *  2. engine/notifier.c: a row of channel_ops[] with the same name
 *     (setup_http or setup_smtp fits most; a new protocol also needs a
 *     NotifyProto value, its setup and its rule in notify_classify);
 *  3. only if it has settings: their fields in NotifyConfig (below), their
 *     copy in notifier_start (notifier.c), the notify.* rows of config.c's
 *     settings[] (and tests/unit/test_config.c's table of them), and the
 *     mapping into NotifyConfig in main.c (start_notifier).
 * No migration: the outbox's channel column is free text.
 *
 * Thread: whoever owns the Store passed in; the pure functions: any.
 */
#ifndef RESOPS_DOMAIN_NOTIFY_H
#define RESOPS_DOMAIN_NOTIFY_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"
#include "store/outbox_repo.h"

#define NOTIFY_CHANNEL_EVENT "event"
#define ALERT_NOTIFICATION_DEAD "NotificationDead"

/* One thing worth telling a human. Strings are borrowed. */
typedef struct NotifyEvent {
    const char *source;            /* key prefix: "alert" (NULL), "metric", ... */
    int64_t     id;                /* id of the alert within its source */
    const char *event;             /* "raised" or "resolved" */
    int64_t     service_id;        /* 0 = not about a service */
    const char *service;           /* service name, may be NULL */
    const char *type;              /* alert type: StatusChange, cpu, ... */
    const char *severity;          /* "Critical", "Warning", "Info" */
    const char *previous_severity; /* a severity change: the old one; else NULL */
    const char *message;
    int         has_value;         /* seed 004 "value": number or null */
    double      value;
    int64_t     ts;                /* when the condition was seen, epoch s */
    /* issue 11 items 5 and 6 */
    int         reminder;          /* 0, or the n-th reminder of a "raised" */
    const char *runbook_url;       /* the service's runbook, may be NULL */
    const char *settled_status;    /* flapping stopped: the status it settled on */
} NotifyEvent;

/* Channel configuration (the notify.* settings). Strings are borrowed;
 * "" or NULL turns a channel off. */
typedef struct NotifyConfig {
    const char *webhook_url, *webhook_secret;
    const char *pagerduty_key, *pagerduty_url;
    const char *smtp_host, *smtp_user, *smtp_pass;
    int         smtp_port;
    const char *mail_from, *mail_to;   /* e-mail when smtp_host and mail_to are set */
    const char *hostname;              /* Message-ID domain; NULL = "localhost" */
    int64_t     group_wait_s;          /* notify.group_wait_s (domain/rootcause.h) */
} NotifyConfig;

/* ---- where a user-supplied URL may point (issue 9 item 0, S1) -----------
 *
 * Slack integrations are the one place a user (an Engineer) gives the
 * server a URL. It is contacted only when it starts with one of the
 * operator's prefixes (notify.slack_webhook_prefixes, comma-separated):
 * checked when the integration is created and again before each delivery.
 * The list is process-wide: config sets it on the main thread when it
 * loads (before threads start); any thread may read it. */
#define NOTIFY_SLACK_PREFIXES_DEFAULT "https://hooks.slack.com/"

/* Replace the allow-list (copied; NULL = the default, "" = no URL). */
void notify_set_slack_prefixes(const char *csv);
/* The allow-list as set, into buf (truncated); returns buf. */
const char *notify_slack_prefixes(char *buf, size_t size);
/* 1 when url starts with one of the allow-list's prefixes, else 0. */
int notify_slack_url_allowed(const char *url);
/* Pure: 1 when url starts with one of the comma-separated prefixes of csv
 * (spaces around an entry ignored, empty entries skipped), else 0. */
int notify_url_prefixed(const char *csv, const char *url);

/* Retry policy (ALERT_WEBHOOK_RETRIES, ALERT_WEBHOOK_BACKOFF, max age). */
typedef struct NotifyPolicy {
    int     retries;      /* fast retries with exponential backoff */
    double  backoff_s;    /* base: the k-th failure waits backoff * 2^(k-1) */
    double  cap_s;        /* then every cap_s; 0 = 300 */
    int64_t max_age_s;    /* a row this old that fails is dead */
} NotifyPolicy;

typedef enum { NOTIFY_DELIVERED = 0, NOTIFY_RETRY = 1, NOTIFY_DEAD = 2 } NotifyOutcome;
typedef enum { NOTIFY_NET_OK, NOTIFY_NET_TRANSIENT, NOTIFY_NET_PERMANENT } NotifyTransport;
typedef enum { NOTIFY_PROTO_HTTP, NOTIFY_PROTO_SMTP } NotifyProto;

/* ---- writes (inside the caller's transaction; store_begin nests) ------- */

/* Queue one ready-made delivery row: 1 queued, 0 key exists, -EIO. */
int notify_enqueue(Store *st, const char *channel, const char *target, const char *payload_json,
                   const char *idempotency_key, int64_t now);

/* Queue an event (stage 1). 0 or -EIO (-EINVAL without event/type). */
int notify_event(Store *st, const NotifyEvent *ev, int64_t now);

/* notify_event() for an alert of the alert table (source "alert"): looks
 * up the service's name. event is "raised" or "resolved"; previous may be
 * NULL. 0 or -EIO. */
int notify_alert(Store *st, int64_t alert_id, int64_t service_id, const char *type,
                 const char *severity, const char *previous, const char *message,
                 const char *event, int64_t now);

/* notify_event() with ev's service name and runbook_url filled in from
 * ev->service_id (when set and not given). 0 or -EIO. */
int notify_service_event(Store *st, NotifyEvent *ev, int64_t now);

/* Stage 2: fan out up to max due events into delivery rows, in one
 * transaction. One caller per database at a time (the engine's notifier):
 * it reads before it takes the write lock. Returns the number of events
 * handled, or -EIO. */
int notify_fanout(Store *st, const NotifyConfig *cfg, int64_t now_ms, int max);

/* Record one delivery attempt of row (its attempts are the count before
 * this one). A RETRY of a row older than max_age_s becomes DEAD; a DEAD
 * row is audited ("Notification Dead") and, when it is about a service,
 * raises a NotificationDead Warning alert on it. error (may be NULL) is
 * kept as last_error. Returns the final outcome, or -EIO. */
int notify_record(Store *st, const OutboxRow *row, NotifyOutcome o, const char *error,
                  const NotifyPolicy *p, int64_t now_ms);

/* Backlog (pending rows, events included) and dead rows, for the status
 * bar. 0 or -EIO; outputs written only on success. */
int notify_counts(Store *st, int *backlog, int *dead);

/* ---- pure rules --------------------------------------------------------- */

/* HTTP: 2xx delivered; transient transport error, 408, 429, 5xx retry;
 * anything else (other 4xx, 3xx, a bad URL) dead.
 * SMTP: success delivered; a 5xx reply (or a permanent transport error)
 * dead; anything else (4xx, network) retry. */
NotifyOutcome notify_classify(NotifyProto proto, NotifyTransport t, long code);

/* Delay after the attempts-th failed attempt (1-based):
 * min(backoff * 2^(attempts-1), cap) while attempts <= retries, then cap. */
int64_t notify_retry_delay_ms(const NotifyPolicy *p, int attempts);

/* PagerDuty Events v2 action for an event: "trigger" (raised Warning or
 * Critical), "resolve" (resolved, or a drop to Info from Warning or
 * Critical), or NULL (nothing to page about). */
const char *notify_pagerduty_action(const NotifyEvent *ev);

/* Payload builders (malloc'd, caller frees). generated_ms = now. */
char *notify_payload_webhook(const NotifyEvent *ev, int64_t generated_ms);
char *notify_payload_slack(const NotifyEvent *ev);
char *notify_payload_pagerduty(const NotifyEvent *ev, const char *routing_key,
                               const char *action);
/* A complete RFC 5322 message (CRLF lines): Date, From, To, Subject,
 * Message-ID <message_key@hostname>, MIME headers, text body. */
char *notify_payload_email(const NotifyEvent *ev, const NotifyConfig *cfg,
                           const char *message_key, int64_t now_s);

/* HMAC-SHA256 of body with key, as "sha256=<64 hex>" into out (>= 72
 * bytes): the X-Resops-Signature header value. */
void notify_signature(const char *key, const char *body, size_t len, char *out, size_t size);

#endif
