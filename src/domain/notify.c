/* notify — see notify.h.
 *
 * How it works: an event row's payload is the generic webhook document;
 * notify_fanout() parses it back into a NotifyEvent and asks each entry of
 * the channel table which targets it has (none when the channel is not
 * configured) and what to send them. Adding a channel is adding a row
 * here and its delivery row in engine/notifier.c (recipe: notify.h).
 * Payloads are built once, at fan-out: an e-mail's Date and Message-ID
 * and a webhook's body (and so its signature) are the same on every retry.
 */
#include "domain/notify.h"
#include "domain/alerts.h"
#include "domain/rootcause.h"
#include "domain/rules.h"
#include "domain/silences.h"
#include "store/alert_repo.h"
#include "store/audit_repo.h"
#include "store/oncall_repo.h"
#include "store/service_repo.h"
#include "util.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CAP_S 300.0

/* ---- small helpers ------------------------------------------------------ */

static int nonempty(const char *s) { return s && *s; }

/* ---- the Slack URL allow-list ---- */

static pthread_mutex_t prefixes_mu = PTHREAD_MUTEX_INITIALIZER;
static char *slack_prefixes;            /* NULL = the default; guarded by prefixes_mu */

void notify_set_slack_prefixes(const char *csv)
{
    char *copy = csv ? xstrdup(csv) : NULL;
    pthread_mutex_lock(&prefixes_mu);
    char *old = slack_prefixes;
    slack_prefixes = copy;
    pthread_mutex_unlock(&prefixes_mu);
    free(old);
}

const char *notify_slack_prefixes(char *buf, size_t size)
{
    pthread_mutex_lock(&prefixes_mu);
    strlcpy_(buf, slack_prefixes ? slack_prefixes : NOTIFY_SLACK_PREFIXES_DEFAULT, size);
    pthread_mutex_unlock(&prefixes_mu);
    return buf;
}

int notify_url_prefixed(const char *csv, const char *url)
{
    if (!csv || !url)
        return 0;
    const char *p = csv, *b, *e;
    while (util_csv_next(&p, &b, &e))
        if (e > b && strncmp(url, b, (size_t)(e - b)) == 0)
            return 1;
    return 0;
}

int notify_slack_url_allowed(const char *url)
{
    pthread_mutex_lock(&prefixes_mu);
    int ok = notify_url_prefixed(slack_prefixes ? slack_prefixes : NOTIFY_SLACK_PREFIXES_DEFAULT,
                                 url);
    pthread_mutex_unlock(&prefixes_mu);
    return ok;
}

static void iso_z(int64_t t, char *buf, size_t size)
{
    char s[32];
    util_iso8601(t, s, sizeof s);
    snprintf(buf, size, "%sZ", s);
}

/* First 8 hex digits of SHA-256(s): names a target inside keys. */
static void hash8(const char *s, char out[9])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)(s ? s : ""), s ? strlen(s) : 0);
    sodium_bin2hex(out, 9, h, 4);
}

/* A copy of s with CR and LF turned into spaces (header values). */
static char *one_line(const char *s)
{
    char *c = xstrdup(s ? s : "");
    for (char *p = c; *p; p++)
        if (*p == '\r' || *p == '\n')
            *p = ' ';
    return c;
}

/* "https://host/secret/path" -> "https://host": Slack and other webhook
 * URLs carry their credential in the path, so messages name the host. */
static void redact_target(const char *t, char *out, size_t size)
{
    const char *p = t ? strstr(t, "://") : NULL;
    if (!p) {
        strlcpy_(out, t ? t : "-", size);
        return;
    }
    size_t n = (size_t)(strchrnul(p + 3, '/') - t);
    snprintf(out, size, "%.*s", (int)n, t);
}

static int sev_rank(const char *s)
{
    AlertSeverity v;
    return s && severity_parse(s, &v) == 0 ? (int)v : -1;
}

/* ---- pure rules --------------------------------------------------------- */

NotifyOutcome notify_classify(NotifyProto proto, NotifyTransport t, long code)
{
    if (proto == NOTIFY_PROTO_SMTP) {
        if (t == NOTIFY_NET_OK)
            return NOTIFY_DELIVERED;
        if (t == NOTIFY_NET_PERMANENT || (code >= 500 && code < 600))
            return NOTIFY_DEAD;
        return NOTIFY_RETRY;
    }
    if (t == NOTIFY_NET_TRANSIENT)
        return NOTIFY_RETRY;
    if (t == NOTIFY_NET_PERMANENT)
        return NOTIFY_DEAD;
    if (code >= 200 && code < 300)
        return NOTIFY_DELIVERED;
    if (code == 408 || code == 429 || (code >= 500 && code < 600))
        return NOTIFY_RETRY;
    return NOTIFY_DEAD;
}

int64_t notify_retry_delay_ms(const NotifyPolicy *p, int attempts)
{
    double cap = p->cap_s > 0 ? p->cap_s : DEFAULT_CAP_S;
    double d = cap;
    if (attempts >= 1 && attempts <= p->retries)
        d = fmin(p->backoff_s * ldexp(1.0, attempts - 1), cap);
    return (int64_t)llround(d * 1000.0);
}

const char *notify_pagerduty_action(const NotifyEvent *ev)
{
    int sev = sev_rank(ev->severity);
    if (strcmp(ev->event, "resolved") == 0)
        return sev >= SEV_WARNING ? "resolve" : NULL;
    if (sev >= SEV_WARNING)
        return "trigger";
    return sev_rank(ev->previous_severity) >= SEV_WARNING ? "resolve" : NULL;
}

/* ---- payloads ------------------------------------------------------------ */

char *notify_payload_webhook(const NotifyEvent *ev, int64_t generated_ms)
{
    char ts[40], gen[40];
    iso_z(ev->ts, ts, sizeof ts);
    iso_z(generated_ms / 1000, gen, sizeof gen);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", ev->type);
    if (ev->has_value && isfinite(ev->value))
        cJSON_AddNumberToObject(o, "value", ev->value);
    else
        cJSON_AddNullToObject(o, "value");
    cJSON_AddStringToObject(o, "ts", ts);
    cJSON_AddStringToObject(o, "generated_at", gen);
    cJSON_AddStringToObject(o, "event", ev->event);
    cJSON_AddStringToObject(o, "source", ev->source ? ev->source : "alert");
    cJSON_AddNumberToObject(o, "alert_id", (double)ev->id);
    if (ev->service_id)
        cJSON_AddNumberToObject(o, "service_id", (double)ev->service_id);
    else
        cJSON_AddNullToObject(o, "service_id");
    if (ev->service)
        cJSON_AddStringToObject(o, "service", ev->service);
    else
        cJSON_AddNullToObject(o, "service");
    cJSON_AddStringToObject(o, "severity", ev->severity ? ev->severity : "Info");
    if (ev->previous_severity)
        cJSON_AddStringToObject(o, "previous_severity", ev->previous_severity);
    cJSON_AddStringToObject(o, "message", ev->message ? ev->message : "");
    /* issue 11: the runbook (null when none), a reminder's number, a
     * flapping service's settled status */
    if (ev->runbook_url)
        cJSON_AddStringToObject(o, "runbook_url", ev->runbook_url);
    else
        cJSON_AddNullToObject(o, "runbook_url");
    if (ev->reminder > 0)
        cJSON_AddNumberToObject(o, "reminder", ev->reminder);
    if (ev->settled_status)
        cJSON_AddStringToObject(o, "settled_status", ev->settled_status);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

/* Slack mrkdwn: &, < and > are control characters. */
static void slack_escape(StrBuf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': strbuf_append(b, "&amp;"); break;
        case '<': strbuf_append(b, "&lt;"); break;
        case '>': strbuf_append(b, "&gt;"); break;
        default: {
            char c[2] = {*s, 0};
            strbuf_append(b, c);
        }
        }
    }
}

char *notify_payload_slack(const NotifyEvent *ev)
{
    int resolved = strcmp(ev->event, "resolved") == 0;
    int sev = sev_rank(ev->severity);
    static const char *const icon[] = {":information_source:", ":warning:", ":rotating_light:"};
    StrBuf b = {0};
    strbuf_append(&b, resolved ? ":white_check_mark:" : icon[sev < 0 ? 0 : sev]);
    if (ev->reminder > 0)
        strbuf_appendf(&b, " Reminder %d:", ev->reminder);
    strbuf_append(&b, resolved ? " *Resolved* " : " *");
    if (!resolved) {
        slack_escape(&b, ev->severity ? ev->severity : "Info");
        strbuf_append(&b, "* ");
    }
    slack_escape(&b, ev->type);
    if (ev->service) {
        strbuf_append(&b, " on *");
        slack_escape(&b, ev->service);
        strbuf_append(&b, "*");
    }
    strbuf_append(&b, ": ");
    slack_escape(&b, ev->message);
    if (ev->runbook_url) {
        strbuf_append(&b, " <");
        slack_escape(&b, ev->runbook_url);
        strbuf_append(&b, "|Runbook>");
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "text", b.s);
    strbuf_free(&b);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

static void dedup_key(const NotifyEvent *ev, char *buf, size_t size)
{
    if (ev->service_id)
        snprintf(buf, size, "resops-%lld-%s", (long long)ev->service_id, ev->type);
    else
        snprintf(buf, size, "resops-%s-%s", ev->source ? ev->source : "alert", ev->type);
}

char *notify_payload_pagerduty(const NotifyEvent *ev, const char *routing_key, const char *action)
{
    static const char *const pd_sev[] = {"info", "warning", "critical"};
    char dk[160], ts[40];
    dedup_key(ev, dk, sizeof dk);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "routing_key", routing_key);
    cJSON_AddStringToObject(o, "event_action", action);
    cJSON_AddStringToObject(o, "dedup_key", dk);
    if (strcmp(action, "trigger") == 0) {
        int sev = sev_rank(ev->severity);
        char summary[1024];
        snprintf(summary, sizeof summary, "%s%s%s: %s", ev->type, ev->service ? " on " : "",
                 ev->service ? ev->service : "", ev->message ? ev->message : "");
        iso_z(ev->ts, ts, sizeof ts);
        cJSON *p = cJSON_AddObjectToObject(o, "payload");
        cJSON_AddStringToObject(p, "summary", summary);
        cJSON_AddStringToObject(p, "source", ev->service ? ev->service : "resops");
        cJSON_AddStringToObject(p, "severity", pd_sev[sev < 0 ? 0 : sev]);
        cJSON_AddStringToObject(p, "timestamp", ts);
        cJSON_AddStringToObject(p, "class", ev->type);
        cJSON *d = cJSON_AddObjectToObject(p, "custom_details");
        cJSON_AddNumberToObject(d, "alert_id", (double)ev->id);
        if (ev->service_id)
            cJSON_AddNumberToObject(d, "service_id", (double)ev->service_id);
        if (ev->reminder > 0)     /* a re-trigger of the same dedup_key */
            cJSON_AddNumberToObject(d, "reminder", ev->reminder);
        if (ev->runbook_url) {
            cJSON *link = cJSON_CreateObject();
            cJSON_AddStringToObject(link, "href", ev->runbook_url);
            cJSON_AddStringToObject(link, "text", "Runbook");
            cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "links"), link);
        }
    }
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

/* RFC 5322 date in English whatever the locale: "Tue, 05 May 2026 ...". */
static void rfc5322_date(int64_t t, char *buf, size_t size)
{
    static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d +0000", wd[tm.tm_wday], tm.tm_mday,
             mo[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* A header value: as is when ASCII, else RFC 2047 encoded words of at
 * most 45 bytes each (75 characters), split on UTF-8 boundaries. */
static void append_header_text(StrBuf *b, const char *s)
{
    int ascii = 1;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        ascii &= *p < 0x80;
    if (ascii) {
        strbuf_append(b, s);
        return;
    }
    size_t len = strlen(s), off = 0;
    while (off < len) {
        size_t n = len - off > 45 ? 45 : len - off;
        while (off + n < len && n > 1 && ((unsigned char)s[off + n] & 0xC0) == 0x80)
            n--;
        char b64[sodium_base64_ENCODED_LEN(45, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(b64, sizeof b64, (const unsigned char *)s + off, n,
                          sodium_base64_VARIANT_ORIGINAL);
        strbuf_appendf(b, "%s=?UTF-8?B?%s?=", off ? "\r\n " : "", b64);
        off += n;
    }
}

/* Body text with every line ending as CRLF. */
static void append_crlf_text(StrBuf *b, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\r')
            continue;
        if (*s == '\n')
            strbuf_append(b, "\r\n");
        else {
            char c[2] = {*s, 0};
            strbuf_append(b, c);
        }
    }
    strbuf_append(b, "\r\n");
}

char *notify_payload_email(const NotifyEvent *ev, const NotifyConfig *cfg,
                           const char *message_key, int64_t now_s)
{
    int resolved = strcmp(ev->event, "resolved") == 0;
    char date[64], ts[40];
    rfc5322_date(now_s, date, sizeof date);
    iso_z(ev->ts, ts, sizeof ts);
    char *from = one_line(cfg->mail_from), *to = one_line(cfg->mail_to);
    char rem[32] = "";
    if (ev->reminder > 0)
        snprintf(rem, sizeof rem, "Reminder %d: ", ev->reminder);
    char *subject = xasprintf("[resops] %s%s: %s%s%s", rem, resolved ? "Resolved" :
                              ev->severity ? ev->severity : "Info", ev->type,
                              ev->service ? " on " : "", ev->service ? ev->service : "");
    char *subj1 = one_line(subject);
    StrBuf b = {0};
    strbuf_appendf(&b, "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: ", date, from, to);
    append_header_text(&b, subj1);
    strbuf_appendf(&b, "\r\nMessage-ID: <%s@%s>\r\n", message_key,
                   nonempty(cfg->hostname) ? cfg->hostname : "localhost");
    strbuf_append(&b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                      "Content-Transfer-Encoding: 8bit\r\n");
    strbuf_appendf(&b, "X-Resops-Event: %s\r\n\r\n", resolved ? "resolved" : "raised");
    append_crlf_text(&b, ev->message);
    strbuf_append(&b, "\r\n");
    if (ev->service)
        strbuf_appendf(&b, "Service:  %s (id %lld)\r\n", ev->service, (long long)ev->service_id);
    strbuf_appendf(&b, "Type:     %s\r\nSeverity: %s", ev->type,
                   ev->severity ? ev->severity : "Info");
    if (ev->previous_severity)
        strbuf_appendf(&b, " (was %s)", ev->previous_severity);
    strbuf_appendf(&b, "\r\nSeen at:  %s\r\nAlert id: %lld\r\n", ts, (long long)ev->id);
    if (ev->runbook_url)
        strbuf_appendf(&b, "Runbook:  %s\r\n", ev->runbook_url);
    free(from);
    free(to);
    free(subject);
    free(subj1);
    return b.s;
}

void notify_signature(const char *key, const char *body, size_t len, char *out, size_t size)
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char hex[2 * crypto_auth_hmacsha256_BYTES + 1];
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    snprintf(out, size, "sha256=%s", hex);
}

/* ---- writes -------------------------------------------------------------- */

int notify_enqueue(Store *st, const char *channel, const char *target, const char *payload_json,
                   const char *idempotency_key, int64_t now)
{
    return outbox_repo_enqueue(st, channel, target, payload_json, idempotency_key, now);
}

int notify_event(Store *st, const NotifyEvent *ev, int64_t now)
{
    if (!ev->event || !ev->type)
        return -EINVAL;
    unsigned char rnd[4];
    char hex[9], key[160];
    if (sodium_init() < 0) /* idempotent and thread-safe; seeds randombytes */
        return -EIO;
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    snprintf(key, sizeof key, "%s-%lld-%s-%s", ev->source ? ev->source : "alert",
             (long long)ev->id, ev->event, hex);
    char *payload = notify_payload_webhook(ev, now * 1000);
    OutboxNew n = {
        .channel = NOTIFY_CHANNEL_EVENT, .payload = payload, .idempotency_key = key,
        .service_id = ev->service_id, .created_ms = now * 1000, .due_ms = now * 1000,
    };
    int r = outbox_repo_insert(st, &n);
    free(payload);
    return r < 0 ? -EIO : 0;
}

int notify_service_event(Store *st, NotifyEvent *ev, int64_t now)
{
    char name[256], runbook[RUNBOOK_URL_MAX + 1];
    if (ev->service_id && !ev->service) {
        int r = service_repo_name(st, ev->service_id, name, sizeof name);
        if (r < 0)
            return -EIO;
        ev->service = r ? name : NULL;
    }
    if (ev->service_id && !ev->runbook_url) {
        if (oncall_repo_runbook_get(st, ev->service_id, runbook, sizeof runbook) < 0)
            return -EIO;
        ev->runbook_url = runbook[0] ? runbook : NULL;
    }
    int r = notify_event(st, ev, now);
    ev->service = ev->service == name ? NULL : ev->service;
    ev->runbook_url = ev->runbook_url == runbook ? NULL : ev->runbook_url;
    return r;
}

int notify_alert(Store *st, int64_t alert_id, int64_t service_id, const char *type,
                 const char *severity, const char *previous, const char *message,
                 const char *event, int64_t now)
{
    NotifyEvent ev = {
        .source = "alert", .id = alert_id, .event = event, .service_id = service_id,
        .type = type, .severity = severity, .previous_severity = previous, .message = message,
        .ts = now,
    };
    return notify_service_event(st, &ev, now);
}

static const char *json_str(const cJSON *o, const char *name)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(j) ? j->valuestring : NULL;
}

static double json_num(const cJSON *o, const char *name)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(j) ? j->valuedouble : 0;
}

/* An event payload parsed back; strings borrow from the cJSON tree. */
static int parse_event(const cJSON *o, NotifyEvent *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->type = json_str(o, "type");
    ev->event = json_str(o, "event");
    ev->source = json_str(o, "source");
    ev->service = json_str(o, "service");
    ev->severity = json_str(o, "severity");
    ev->previous_severity = json_str(o, "previous_severity");
    ev->message = json_str(o, "message");
    ev->id = (int64_t)json_num(o, "alert_id");
    ev->service_id = (int64_t)json_num(o, "service_id");
    ev->has_value = cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "value"));
    ev->value = json_num(o, "value");
    ev->reminder = (int)json_num(o, "reminder");
    ev->runbook_url = json_str(o, "runbook_url");
    ev->settled_status = json_str(o, "settled_status");
    const char *ts = json_str(o, "ts");
    if (!ts || util_parse_iso8601(ts, &ev->ts) < 0)
        ev->ts = 0;
    return ev->type && ev->event ? 0 : -EINVAL;
}

/* One channel of the fan-out: its targets for an event and the payload
 * for each. targets() fills up to 16 and returns how many (or -EIO). */
typedef struct Fanout {
    Store              *st;
    const NotifyConfig *cfg;
    const NotifyEvent  *ev;
    const OutboxRow    *event_row;
    int64_t             now_ms;
} Fanout;

typedef struct ChannelDef {
    const char *name;
    int   (*targets)(const Fanout *f, char **out, int max);      /* owned strings */
    char *(*payload)(const Fanout *f, const char *target, const char *key);
} ChannelDef;

static int one_target(const char *t, char **out)
{
    if (!nonempty(t))
        return 0;
    out[0] = xstrdup(t);
    return 1;
}

static int webhook_targets(const Fanout *f, char **out, int max)
{
    (void)max;
    return one_target(f->cfg->webhook_url, out);
}

static char *webhook_payload(const Fanout *f, const char *target, const char *key)
{
    (void)target; (void)key;
    return xstrdup(f->event_row->payload);
}

static int slack_targets(const Fanout *f, char **out, int max)
{
    if (!f->ev->service_id)
        return 0;
    char **urls;
    int n = outbox_repo_slack_urls(f->st, f->ev->service_id, &urls);
    if (n < 0)
        return -EIO;
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (k < max)
            out[k++] = urls[i];
        else
            free(urls[i]);
    }
    free(urls);
    return k;
}

static char *slack_payload(const Fanout *f, const char *target, const char *key)
{
    (void)target; (void)key;
    return notify_payload_slack(f->ev);
}

static int pagerduty_targets(const Fanout *f, char **out, int max)
{
    (void)max;
    if (!nonempty(f->cfg->pagerduty_key) || !notify_pagerduty_action(f->ev))
        return 0;
    return one_target(f->cfg->pagerduty_url, out);
}

static char *pagerduty_payload(const Fanout *f, const char *target, const char *key)
{
    (void)target; (void)key;
    return notify_payload_pagerduty(f->ev, f->cfg->pagerduty_key,
                                    notify_pagerduty_action(f->ev));
}

static int email_targets(const Fanout *f, char **out, int max)
{
    (void)max;
    if (!nonempty(f->cfg->smtp_host))
        return 0;
    return one_target(f->cfg->mail_to, out);
}

static char *email_payload(const Fanout *f, const char *target, const char *key)
{
    (void)target;
    return notify_payload_email(f->ev, f->cfg, key, f->now_ms / 1000);
}

/* What each channel sends to whom; how it is delivered is the row of the
 * same name in engine/notifier.c channel_ops[] (notify.h, CHANNELS). */
static const ChannelDef channel_defs[] = {
    {"webhook", webhook_targets, webhook_payload},
    {"slack", slack_targets, slack_payload},
    {"pagerduty", pagerduty_targets, pagerduty_payload},
    {"email", email_targets, email_payload},
};

#define MAX_TARGETS 16

/* Issue 11 (review item 7): a classification (the alert's kind, from the store:
 * migration 0011's generated column) is a property, not an event: it is
 * never paged. Its event is kept as done without channel rows and audited
 * "Notification Not Paged". 1 kept, 0 page it, -EIO. */
static int classification_kept(Store *st, const NotifyEvent *ev, int64_t now_s)
{
    AlertRow a;
    if ((ev->source && strcmp(ev->source, "alert")) || !ev->id)
        return 0;
    int r = alert_repo_get(st, ev->id, &a);
    if (r <= 0 || strcmp(a.kind, ALERT_KIND_CLASSIFICATION))
        return r < 0 ? -EIO : 0;
    char detail[160];
    snprintf(detail, sizeof detail, "alert %lld %s: a classification (%s), not paged",
             (long long)a.id, ev->event, a.type);
    return audit_repo_add_alert(st, "Notification Not Paged", a.id, a.service_id,
                                AUDIT_SYSTEM_USER, NULL, detail, now_s) < 0 ? -EIO : 1;
}

static int fan_one(Store *st, const NotifyConfig *cfg, const OutboxRow *row, int64_t now_ms)
{
    cJSON *o = cJSON_Parse(row->payload);
    NotifyEvent ev;
    if (!o || parse_event(o, &ev) < 0) {
        cJSON_Delete(o);
        return outbox_repo_mark_dead(st, row->id, row->attempts + 1, now_ms,
                                     "not an event document") < 0 ? -EIO : 0;
    }
    /* issue 11: classifications are not paged; then root cause first (and
     * its group_wait), domain/rootcause.h */
    int64_t due = 0;
    int fold = classification_kept(st, &ev, now_ms / 1000);
    if (fold != 0) {
        cJSON_Delete(o);
        return fold < 0 || outbox_repo_mark_delivered(st, row->id, row->attempts + 1,
                                                      now_ms) < 0 ? -EIO : 0;
    }
    fold = rootcause_fold_event(st, o, row, cfg->group_wait_s, now_ms, &due);
    if (fold != ROOTCAUSE_SEND) {
        cJSON_Delete(o);
        if (fold == ROOTCAUSE_WAIT)
            return outbox_repo_set_due(st, row->id, due) < 0 ? -EIO : 0;
        return fold < 0 || outbox_repo_mark_delivered(st, row->id, row->attempts + 1,
                                                      now_ms) < 0 ? -EIO : 0;
    }
    /* issue 11 item 4: a silenced event is kept back, not sent (silences.h) */
    int held = silences_hold(st, &ev, row->id, now_ms / 1000);
    if (held != 0) {
        cJSON_Delete(o);
        return held < 0 || outbox_repo_mark_delivered(st, row->id, row->attempts + 1,
                                                      now_ms) < 0 ? -EIO : 0;
    }
    char *doc = cJSON_PrintUnformatted(o);
    OutboxRow sent = *row;
    sent.payload = doc ? doc : row->payload;
    row = &sent;
    parse_event(o, &ev);
    Fanout f = {st, cfg, &ev, row, now_ms};
    int rc = 0;
    for (size_t c = 0; rc == 0 && c < sizeof channel_defs / sizeof channel_defs[0]; c++) {
        const ChannelDef *d = &channel_defs[c];
        char *targets[MAX_TARGETS];
        int n = d->targets(&f, targets, MAX_TARGETS);
        if (n < 0) {
            rc = -EIO;
            break;
        }
        for (int i = 0; i < n; i++) {
            char h[9], key[256], order[256];
            hash8(targets[i], h);
            snprintf(key, sizeof key, "%s.%s.%s", row->idempotency_key, d->name, h);
            snprintf(order, sizeof order, "%s|%s|%lld|%s|%s", d->name, h,
                     (long long)ev.service_id, ev.source ? ev.source : "alert", ev.type);
            if (rc == 0) {
                char *payload = d->payload(&f, targets[i], key);
                OutboxNew nr = {
                    .channel = d->name, .target = targets[i], .payload = payload,
                    .idempotency_key = key, .order_key = order, .service_id = ev.service_id,
                    .created_ms = row->created_ms ? row->created_ms : now_ms, .due_ms = now_ms,
                };
                if (outbox_repo_insert(st, &nr) < 0)
                    rc = -EIO;
                free(payload);
            }
            free(targets[i]);
        }
    }
    cJSON_Delete(o);
    free(doc);
    if (rc == 0 && outbox_repo_mark_delivered(st, row->id, row->attempts + 1, now_ms) < 0)
        rc = -EIO;
    return rc;
}

int notify_fanout(Store *st, const NotifyConfig *cfg, int64_t now_ms, int max)
{
    OutboxRow *rows;
    /* Read before taking the write lock: most scans find nothing. The
     * caller is the only fan-out (the engine's notifier). */
    int n = outbox_repo_due_channel(st, NOTIFY_CHANNEL_EVENT, now_ms, max, &rows);
    if (n <= 0)
        return n;
    if (store_begin(st) < 0) {
        outbox_rows_free(rows, n);
        return -EIO;
    }
    int rc = 0;
    for (int i = 0; rc == 0 && i < n; i++)
        rc = fan_one(st, cfg, &rows[i], now_ms);
    outbox_rows_free(rows, n);
    if (rc < 0 || store_commit(st) < 0) {
        store_rollback(st);
        return -EIO;
    }
    return n;
}

/* ---- outcomes -------------------------------------------------------------- */

static int raise_dead(Store *st, const OutboxRow *row, const char *error, int64_t now_s)
{
    char where[128];
    redact_target(row->target, where, sizeof where);
    const char *why = error ? error : "unknown error";
    char *detail = xasprintf("%s notification %s to %s undeliverable after %d attempt%s: %s",
                             row->channel, row->idempotency_key, where, row->attempts + 1,
                             row->attempts ? "s" : "", why);
    int r = audit_repo_add(st, "Notification Dead", "Notification", row->id, AUDIT_SYSTEM_USER,
                           detail, now_s) < 0 ? -EIO : 0;
    free(detail);
    if (r < 0 || !row->service_id)
        return r;
    int e = service_repo_exists(st, row->service_id);
    if (e <= 0)
        return e;
    char *msg = xasprintf("Notification undeliverable (%s to %s): %s", row->channel, where, why);
    if (strlen(msg) > 400)
        strcpy(msg + 397, "...");
    r = alerts_raise(st, row->service_id, ALERT_NOTIFICATION_DEAD, SEV_WARNING, msg, now_s,
                     NULL) < 0 ? -EIO : 0;
    free(msg);
    return r;
}

int notify_record(Store *st, const OutboxRow *row, NotifyOutcome o, const char *error,
                  const NotifyPolicy *p, int64_t now_ms)
{
    int attempts = row->attempts + 1;
    if (o == NOTIFY_DELIVERED)
        return outbox_repo_mark_delivered(st, row->id, attempts, now_ms) < 0 ? -EIO : (int)o;
    if (o == NOTIFY_RETRY && now_ms - row->created_ms < p->max_age_s * 1000)
        return outbox_repo_mark_retry(st, row->id, attempts,
                                      now_ms + notify_retry_delay_ms(p, attempts), error) < 0
                   ? -EIO : (int)o;
    char why[512];
    if (o == NOTIFY_RETRY)
        snprintf(why, sizeof why, "gave up after %lld s: %s",
                 (long long)((now_ms - row->created_ms) / 1000), error ? error : "unknown error");
    else
        strlcpy_(why, error ? error : "rejected", sizeof why);
    if (store_begin(st) < 0)
        return -EIO;
    if (outbox_repo_mark_dead(st, row->id, attempts, now_ms, why) < 0 ||
        raise_dead(st, row, why, now_ms / 1000) < 0 || store_commit(st) < 0) {
        store_rollback(st);
        return -EIO;
    }
    return NOTIFY_DEAD;
}

int notify_counts(Store *st, int *backlog, int *dead)
{
    int b, d;
    if (outbox_repo_counts(st, &b, &d) < 0)
        return -EIO;
    *backlog = b;
    *dead = d;
    return 0;
}
