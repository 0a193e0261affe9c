/* notifier — see notifier.h.
 *
 * DESIGN
 * One loop, one libcurl multi handle. Each turn waits in curl_multi_poll()
 * on the transfers and on a control pipe ('k' = look now, 'q' = stop),
 * with a timeout to the next due row or the periodic scan, whichever is
 * first. Then it
 *   1. lets curl progress and collects finished transfers; their outcomes
 *      are written in one transaction (notify_record applies the policy);
 *   2. when asked, when another connection committed (PRAGMA data_version
 *      moved: an enqueue by the engine thread, the API or another
 *      process), when a row fell due, or when a transfer finished, it fans
 *      out new events and claims due rows for the free slots.
 * Claiming leases a row: its next_attempt_at moves to now + timeout + 5 s
 * in the same transaction, so it is not claimed twice while in flight and
 * a crash mid-send only delays it (at-least-once; the receiver dedups by
 * Idempotency-Key). A finished transfer overwrites the lease.
 *
 * Channels: channel_ops[] says how each channel of notify.c's
 * channel_defs[] is delivered, joined by name (recipe: notify.h).
 *
 * Fairness: at most max_inflight transfers, and one target (URL or
 * recipient list) gets at most half of them, so a receiver that hangs
 * until the request timeout cannot hold every slot.
 */
#include "notifier.h"
#include "ctlpipe.h"
#include "log.h"
#include "util.h"
#include "store/store.h"
#include "store/outbox_repo.h"
#include "domain/alerts.h"
#include "domain/silences.h"

#include <assert.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef RESOPS_VERSION
#define RESOPS_VERSION "dev"
#endif

#define LEASE_EXTRA_MS 5000
#define STOP_GRACE_MS  2000
#define BODY_KEEP      200

typedef struct Xfer {
    OutboxRow          row;
    const struct ChannelOps *ops;
    CURL              *easy;
    struct curl_slist *hdrs, *rcpt;
    char              *url, *mail_from;
    const char        *why;             /* setup refused: the reason (static) */
    size_t             off;             /* SMTP upload position */
    char               body[BODY_KEEP + 1];
    size_t             body_len;
    char               errbuf[CURL_ERROR_SIZE];
} Xfer;

struct Notifier {
    NotifierOpts  o;                    /* strings point into owned copies */
    char         *owned[16];
    int           nowned;
    Store        *st;
    CURLM        *multi;
    CtlPipe       ctl;                  /* 'k' look now, 'q' stop */
    pthread_t     thread;
    int           running;
    Xfer        **inflight;
    int           ninflight;
    NotifierStats stats;                /* updated with __atomic ops */
    int64_t       silences_next;        /* next silence window boundary (epoch s) */
    /* SIGHUP (notifier_reconfigure): taken by the thread at its next turn */
    pthread_mutex_t cfg_mu;
    NotifyConfig  cfg_next;             /* under cfg_mu; strings borrowed (the caller's) */
    NotifyPolicy  policy_next;
    int           cfg_pending;          /* atomic */
};

/* How a channel delivers: one row per channel of notify.c's
 * channel_defs[] (what it sends to whom), joined by name (notify.h). */
typedef struct ChannelOps {
    const char *name;
    NotifyProto proto;
    int         sign;                   /* X-Resops-Signature when a secret is set */
    /* the address of a row queued without one ("the configured one");
     * NULL: such a row has none */
    const char *(*fallback)(const NotifyConfig *c);
    /* why target must not be contacted (the row is dead at once), NULL
     * when it may; NULL: every target may */
    const char *(*refuse)(const char *target);
    int       (*setup)(Notifier *n, Xfer *x, const char *target);
} ChannelOps;

static int setup_http(Notifier *n, Xfer *x, const char *url);
static int setup_smtp(Notifier *n, Xfer *x, const char *to);

static const char *webhook_fallback(const NotifyConfig *c) { return c->webhook_url; }
static const char *pagerduty_fallback(const NotifyConfig *c) { return c->pagerduty_url; }
static const char *email_fallback(const NotifyConfig *c) { return c->mail_to; }

/* A Slack URL came from a user: contacted only while it is on the
 * operator's list (S1), checked here too so that narrowing the list stops
 * integrations added before. */
static const char *slack_refuse(const char *url)
{
    return notify_slack_url_allowed(url) ? NULL
                                         : "webhook URL refused: it does not start with a prefix "
                                           "of notify.slack_webhook_prefixes (not contacted)";
}

static const ChannelOps channel_ops[] = {
    {"webhook", NOTIFY_PROTO_HTTP, 1, webhook_fallback, NULL, setup_http},
    {"slack", NOTIFY_PROTO_HTTP, 0, NULL, slack_refuse, setup_http},
    {"pagerduty", NOTIFY_PROTO_HTTP, 0, pagerduty_fallback, NULL, setup_http},
    {"email", NOTIFY_PROTO_SMTP, 0, email_fallback, NULL, setup_smtp},
};

static const ChannelOps *channel_find(const char *name)
{
    for (size_t i = 0; i < sizeof channel_ops / sizeof channel_ops[0]; i++)
        if (strcmp(channel_ops[i].name, name) == 0)
            return &channel_ops[i];
    return NULL;
}

static int64_t wall_ms(void) { return util_now_ms(); }

static void stat_add(long *field, long v) { __atomic_add_fetch(field, v, __ATOMIC_RELAXED); }

static int primary(const Notifier *n)
{
    return !n->o.engine || engine_is_primary(n->o.engine);
}

static const char *own(Notifier *n, const char *s)
{
    if (!s)
        return NULL;
    assert(n->nowned < (int)(sizeof n->owned / sizeof n->owned[0]));
    return n->owned[n->nowned++] = xstrdup(s);
}

/* ---- transfers ------------------------------------------------------------ */

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    Xfer *x = arg;
    size_t len = size * nmemb, room = BODY_KEEP - x->body_len;
    size_t k = len < room ? len : room;
    memcpy(x->body + x->body_len, data, k);
    x->body_len += k;
    x->body[x->body_len] = '\0';
    return len;
}

static size_t on_upload(char *buf, size_t size, size_t nmemb, void *arg)
{
    Xfer *x = arg;
    size_t left = strlen(x->row.payload) - x->off, k = size * nmemb;
    if (k > left)
        k = left;
    memcpy(buf, x->row.payload + x->off, k);
    x->off += k;
    return k;
}

static void common_opts(Notifier *n, Xfer *x)
{
    int t = n->o.timeout_ms;
    curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
    curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, (long)t);
    curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)(t < 5000 ? t : 5000));
    curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
}

static int setup_http(Notifier *n, Xfer *x, const char *url)
{
    const NotifyConfig *c = &n->o.cfg;
    x->url = xstrdup(url);
    common_opts(n, x);
    curl_easy_setopt(x->easy, CURLOPT_URL, x->url);
    curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(x->easy, CURLOPT_POST, 1L);
    curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->row.payload);
    curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(x->row.payload));
    char line[256];
    x->hdrs = curl_slist_append(x->hdrs, "Content-Type: application/json");
    x->hdrs = curl_slist_append(x->hdrs, "Expect:");
    x->hdrs = curl_slist_append(x->hdrs, "User-Agent: resops/" RESOPS_VERSION);
    snprintf(line, sizeof line, "Idempotency-Key: %s", x->row.idempotency_key);
    x->hdrs = curl_slist_append(x->hdrs, line);
    if (x->ops->sign && c->webhook_secret && *c->webhook_secret) {
        char sig[80];
        notify_signature(c->webhook_secret, x->row.payload, strlen(x->row.payload), sig,
                         sizeof sig);
        snprintf(line, sizeof line, "X-Resops-Signature: %s", sig);
        x->hdrs = curl_slist_append(x->hdrs, line);
    }
    curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->hdrs);
    return 0;
}

/* "Ops <ops@x>" or "ops@x" -> "<ops@x>". */
static char *envelope_addr(const char *s, size_t len)
{
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    const char *lt = memchr(s, '<', len);
    const char *gt = lt ? memchr(lt, '>', len - (size_t)(lt - s)) : NULL;
    if (lt && gt)
        return xasprintf("%.*s", (int)(gt - lt + 1), lt);
    return xasprintf("<%.*s>", (int)len, s);
}

static int setup_smtp(Notifier *n, Xfer *x, const char *to)
{
    const NotifyConfig *c = &n->o.cfg;
    if (!c->smtp_host || !*c->smtp_host)
        return -EINVAL;
    int port = c->smtp_port > 0 ? c->smtp_port : 587;
    int v6 = strchr(c->smtp_host, ':') != NULL;
    x->url = xasprintf("%s://%s%s%s:%d", port == 465 ? "smtps" : "smtp", v6 ? "[" : "",
                       c->smtp_host, v6 ? "]" : "", port);
    for (const char *p = to; *p;) {
        size_t len = strcspn(p, ",");
        char *a = envelope_addr(p, len);
        if (strcmp(a, "<>") != 0)
            x->rcpt = curl_slist_append(x->rcpt, a);
        free(a);
        p += len + (p[len] == ',');
    }
    if (!x->rcpt)
        return -EINVAL;
    const char *from = c->mail_from && *c->mail_from ? c->mail_from : "resops@localhost";
    x->mail_from = envelope_addr(from, strlen(from));
    common_opts(n, x);
    curl_easy_setopt(x->easy, CURLOPT_URL, x->url);
    curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(x->easy, CURLOPT_MAIL_FROM, x->mail_from);
    curl_easy_setopt(x->easy, CURLOPT_MAIL_RCPT, x->rcpt);
    curl_easy_setopt(x->easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(x->easy, CURLOPT_READFUNCTION, on_upload);
    curl_easy_setopt(x->easy, CURLOPT_READDATA, x);
    curl_easy_setopt(x->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)strlen(x->row.payload));
    /* With credentials, never send them in clear: require STARTTLS. */
    int auth = c->smtp_user && *c->smtp_user;
    curl_easy_setopt(x->easy, CURLOPT_USE_SSL, auth ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
    if (auth) {
        curl_easy_setopt(x->easy, CURLOPT_USERNAME, c->smtp_user);
        curl_easy_setopt(x->easy, CURLOPT_PASSWORD, c->smtp_pass ? c->smtp_pass : "");
    }
    return 0;
}

static void xfer_free(Xfer *x)
{
    if (!x)
        return;
    if (x->easy)
        curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->hdrs);
    curl_slist_free_all(x->rcpt);
    free(x->url);
    free(x->mail_from);
    free(x->row.channel);
    free(x->row.target);
    free(x->row.payload);
    free(x->row.idempotency_key);
    free(x->row.order_key);
    free(x);
}

/* ---- outcomes ----------------------------------------------------------- */

typedef struct Done {
    Xfer         *x;
    NotifyOutcome outcome;
    char          error[320];
} Done;

static void one_line(char *s)
{
    for (; *s; s++)
        if (*s == '\r' || *s == '\n' || *s == '\t')
            *s = ' ';
}

static void judge(Xfer *x, CURLcode cc, Done *d)
{
    long code = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
    NotifyTransport t = NOTIFY_NET_OK;
    if (cc != CURLE_OK)
        t = cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_URL_MALFORMAT
                ? NOTIFY_NET_PERMANENT : NOTIFY_NET_TRANSIENT;
    d->x = x;
    d->outcome = notify_classify(x->ops->proto, t, code);
    d->error[0] = '\0';
    if (d->outcome == NOTIFY_DELIVERED)
        return;
    const char *what = x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc);
    if (x->ops->proto == NOTIFY_PROTO_HTTP && cc == CURLE_OK)
        snprintf(d->error, sizeof d->error, "HTTP %ld: %s", code, x->body);
    else if (x->ops->proto == NOTIFY_PROTO_SMTP && code)
        snprintf(d->error, sizeof d->error, "SMTP %ld: %s", code, what);
    else
        snprintf(d->error, sizeof d->error, "%s", what);
    one_line(d->error);
}

static void record(Notifier *n, Done *done, int nd)
{
    int64_t now = wall_ms();
    if (store_begin(n->st) < 0) {
        log_error("notifier: cannot record %d outcomes: %s", nd, store_errmsg(n->st));
        return;
    }
    int ok = 1;
    for (int i = 0; ok && i < nd; i++) {
        Xfer *x = done[i].x;
        int r = notify_record(n->st, &x->row, done[i].outcome, done[i].error, &n->o.policy, now);
        if (r < 0) {
            ok = 0;
            break;
        }
        stat_add(r == NOTIFY_DELIVERED ? &n->stats.delivered
                 : r == NOTIFY_RETRY ? &n->stats.retried : &n->stats.dead, 1);
        if (r == NOTIFY_RETRY)
            log_debug("notifier: %s %s: %s; retrying", x->row.channel, x->row.idempotency_key,
                      done[i].error);
        else if (r == NOTIFY_DEAD)
            log_error("notifier: %s %s is dead after %d attempt%s: %s", x->row.channel,
                      x->row.idempotency_key, x->row.attempts + 1, x->row.attempts ? "s" : "",
                      done[i].error);
    }
    if (!ok || store_commit(n->st) < 0) {
        store_rollback(n->st);
        log_error("notifier: recording outcomes failed (%s); the rows retry after their lease",
                  store_errmsg(n->st));
    }
}

/* Collect finished transfers and record them. Returns how many. */
static int harvest(Notifier *n)
{
    Done *done = NULL;
    int nd = 0, q;
    CURLMsg *m;
    while ((m = curl_multi_info_read(n->multi, &q))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        char *priv;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
        Xfer *x = (Xfer *)priv;
        CURLcode cc = m->data.result;
        curl_multi_remove_handle(n->multi, x->easy);
        done = xrealloc(done, (size_t)(nd + 1) * sizeof *done);
        judge(x, cc, &done[nd++]);
        for (int i = 0; i < n->ninflight; i++)
            if (n->inflight[i] == x) {
                n->inflight[i] = n->inflight[--n->ninflight];
                break;
            }
    }
    if (nd)
        record(n, done, nd);
    for (int i = 0; i < nd; i++)
        xfer_free(done[i].x);
    free(done);
    return nd;
}

/* ---- claiming ------------------------------------------------------------- */

static int same_target(const OutboxRow *a, const OutboxRow *b)
{
    return strcmp(a->channel, b->channel) == 0 &&
           strcmp(a->target ? a->target : "", b->target ? b->target : "") == 0;
}

static int target_load(const Notifier *n, const OutboxRow *r, Xfer **picked, int npicked)
{
    int k = 0;
    for (int i = 0; i < n->ninflight; i++)
        k += same_target(&n->inflight[i]->row, r);
    for (int i = 0; i < npicked; i++)
        k += same_target(&picked[i]->row, r);
    return k;
}

/* A row whose transfer cannot even be set up (no address): dead now. */
static void reject(Notifier *n, Xfer *x, const char *why)
{
    Done d = {.x = x, .outcome = NOTIFY_DEAD};
    snprintf(d.error, sizeof d.error, "%s", why);
    record(n, &d, 1);
}

/* The row's address (or its channel's configured one), its channel's
 * refusal, then the channel's setup. 0, or < 0 with x->why (may be NULL:
 * "no address"). */
static int start_xfer(Notifier *n, Xfer *x)
{
    const char *target = x->row.target;
    if ((!target || !*target) && x->ops->fallback)  /* queued for "the configured address" */
        target = x->ops->fallback(&n->o.cfg);
    if (!target || !*target)
        return -EINVAL;
    if (x->ops->refuse && (x->why = x->ops->refuse(target)) != NULL)
        return -EPERM;
    return x->ops->setup(n, x, target);
}

static void claim(Notifier *n)
{
    int slots = n->o.max_inflight - n->ninflight;
    if (slots <= 0)
        return;
    int per_target = n->o.max_inflight / 2 > 0 ? n->o.max_inflight / 2 : 1;
    int64_t now = wall_ms();
    OutboxRow *rows;
    /* Read first, lock only when there is something to lease: this
     * thread is the only one that claims, so the rows cannot go away. */
    int nr = outbox_repo_due_deliveries(n->st, now, slots * 4, &rows);
    if (nr <= 0)
        return;
    if (store_begin(n->st) < 0) {
        outbox_rows_free(rows, nr);
        return;
    }
    Xfer **picked = xcalloc((size_t)slots, sizeof *picked);
    int np = 0, ok = 1;
    for (int i = 0; i < nr && np < slots; i++) {
        if (target_load(n, &rows[i], picked, np) >= per_target)
            continue;
        Xfer *x = xcalloc(1, sizeof *x);
        x->row = rows[i];
        memset(&rows[i], 0, sizeof rows[i]); /* ownership moves to x */
        x->ops = channel_find(x->row.channel);
        picked[np++] = x;
        if (outbox_repo_set_due(n->st, x->row.id, now + n->o.timeout_ms + LEASE_EXTRA_MS) < 0) {
            ok = 0;
            break;
        }
    }
    outbox_rows_free(rows, nr);
    if (!ok || store_commit(n->st) < 0) {
        store_rollback(n->st);
        log_error("notifier: cannot claim rows: %s", store_errmsg(n->st));
        for (int i = 0; i < np; i++)
            xfer_free(picked[i]);
        free(picked);
        return;
    }
    for (int i = 0; i < np; i++) {
        Xfer *x = picked[i];
        x->easy = curl_easy_init();
        if (!x->easy || !x->ops || start_xfer(n, x) < 0) {
            reject(n, x, !x->easy ? "curl_easy_init failed"
                         : x->why    ? x->why
                                     : "no address to deliver to");
            xfer_free(x);
            continue;
        }
        curl_multi_add_handle(n->multi, x->easy);
        n->inflight[n->ninflight++] = x;
        stat_add(&n->stats.sent, 1);
    }
    free(picked);
}

/* Fan out events, then fill free slots. */
static void scan(Notifier *n)
{
    /* issue 11: a silence that ended releases what it kept back now */
    if (silences_tick_due(n->st, wall_ms() / 1000, &n->silences_next) < 0)
        log_error("notifier: silences: %s", store_errmsg(n->st));
    /* and an ack that expired reopens now (its page goes out in this scan) */
    if (alerts_reopen_due(n->st, wall_ms() / 1000) < 0)
        log_error("notifier: expired acks: %s", store_errmsg(n->st));
    int f = notify_fanout(n->st, &n->o.cfg, wall_ms(), 256);
    if (f < 0)
        log_error("notifier: fan-out failed: %s", store_errmsg(n->st));
    else if (f > 0)
        stat_add(&n->stats.fanned_out, f);
    claim(n);
}

/* Give back rows still in flight: due again now. */
static void release_inflight(Notifier *n)
{
    if (!n->ninflight)
        return;
    int64_t now = wall_ms();
    if (store_begin(n->st) == 0) {
        for (int i = 0; i < n->ninflight; i++)
            outbox_repo_set_due(n->st, n->inflight[i]->row.id, now);
        if (store_commit(n->st) < 0)
            store_rollback(n->st);
    }
    log_info("notifier: %d notifications in flight at stop; they will be resent", n->ninflight);
    for (int i = 0; i < n->ninflight; i++) {
        curl_multi_remove_handle(n->multi, n->inflight[i]->easy);
        xfer_free(n->inflight[i]);
    }
    n->ninflight = 0;
}

/* ---- the loop -------------------------------------------------------------- */

/* Notifier thread: the settings notifier_reconfigure left. The hostname
 * stays this notifier's own; transfers in flight keep their copies. */
static void take_settings(Notifier *n)
{
    pthread_mutex_lock(&n->cfg_mu);
    const char *host = n->o.cfg.hostname;
    n->o.cfg = n->cfg_next;
    n->o.cfg.hostname = host;
    n->o.policy = n->policy_next;
    if (n->o.policy.max_age_s <= 0)
        n->o.policy.max_age_s = 86400;
    __atomic_store_n(&n->cfg_pending, 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&n->cfg_mu);
    log_info("notifier: settings reloaded");
}

static void *notifier_main(void *arg)
{
    Notifier *n = arg;
    int was_primary = 0, scan_now = 1, stopping = 0;
    int64_t next_scan = 0, next_due = INT64_MAX, stop_deadline = 0, data_version = -1;
    for (;;) {
        int64_t mono = util_mono_ms(), wall = wall_ms();
        int64_t wait = n->o.scan_ms;
        if (was_primary && !stopping) {
            if (scan_now)
                wait = 0;
            if (next_scan - mono < wait)
                wait = next_scan - mono;
            if (next_due != INT64_MAX && next_due - wall < wait)
                wait = next_due - wall;
        }
        if (stopping && stop_deadline - mono < wait)
            wait = stop_deadline - mono;
        struct curl_waitfd wfd = {.fd = n->ctl.rd, .events = CURL_WAIT_POLLIN};
        curl_multi_poll(n->multi, &wfd, 1, wait > 0 ? (int)wait : 0, NULL);
        if (__atomic_load_n(&n->cfg_pending, __ATOMIC_ACQUIRE))
            take_settings(n);
        if (wfd.revents) {
            char buf[32];
            int k = ctl_pipe_drain(&n->ctl, buf, sizeof buf);
            for (int i = 0; i < k; i++) {
                if (buf[i] == 'q' && !stopping) {
                    stopping = 1;
                    stop_deadline = util_mono_ms() +
                                    (n->o.timeout_ms < STOP_GRACE_MS ? n->o.timeout_ms
                                                                     : STOP_GRACE_MS);
                }
                scan_now |= buf[i] == 'k';
            }
        }
        int running;
        curl_multi_perform(n->multi, &running);
        if (harvest(n) > 0)
            scan_now = 1;   /* slots are free, successors may be unblocked */
        if (stopping) {
            if (n->ninflight == 0 || util_mono_ms() >= stop_deadline)
                break;
            continue;
        }
        if (!primary(n)) {
            was_primary = 0;
            continue;
        }
        if (!was_primary) {
            /* New engine (start or take-over): whatever is pending is due now. */
            was_primary = 1;
            int k = outbox_repo_all_due(n->st, wall_ms());
            if (k > 0)
                log_info("notifier: %d pending notifications are due now", k);
            scan_now = 1;
        }
        int64_t dv = store_data_version(n->st);
        if (dv != data_version) {
            data_version = dv;
            scan_now = 1;
        }
        mono = util_mono_ms();
        wall = wall_ms();
        if (scan_now || mono >= next_scan || (next_due != INT64_MAX && wall >= next_due)) {
            scan(n);
            scan_now = 0;
            next_scan = util_mono_ms() + n->o.scan_ms;
            int64_t d;
            int r = outbox_repo_next_due(n->st, wall_ms(), &d);
            next_due = r == 1 ? d : INT64_MAX;
        }
    }
    release_inflight(n);
    return NULL;
}

Notifier *notifier_start(const NotifierOpts *opts, char *err, size_t errsz)
{
    Notifier *n = xcalloc(1, sizeof *n);
    ctl_pipe_init(&n->ctl);
    pthread_mutex_init(&n->cfg_mu, NULL);
    n->o = *opts;
    NotifyConfig *c = &n->o.cfg;
    n->o.db_path = own(n, opts->db_path);
    c->webhook_url = own(n, c->webhook_url);
    c->webhook_secret = own(n, c->webhook_secret);
    c->pagerduty_key = own(n, c->pagerduty_key);
    c->pagerduty_url = own(n, c->pagerduty_url);
    c->smtp_host = own(n, c->smtp_host);
    c->smtp_user = own(n, c->smtp_user);
    c->smtp_pass = own(n, c->smtp_pass);
    c->mail_from = own(n, c->mail_from);
    c->mail_to = own(n, c->mail_to);
    char host[256] = "localhost";
    if (!c->hostname || !*c->hostname) {
        if (gethostname(host, sizeof host - 1) < 0 || !*host)
            strcpy(host, "localhost");
        c->hostname = host;
    }
    c->hostname = own(n, c->hostname);
    if (n->o.timeout_ms <= 0)
        n->o.timeout_ms = 10000;
    if (n->o.max_inflight <= 0)
        n->o.max_inflight = 64;
    if (n->o.scan_ms <= 0)
        n->o.scan_ms = 250;
    if (n->o.scan_ms > 1000)
        n->o.scan_ms = 1000;
    if (n->o.policy.max_age_s <= 0)
        n->o.policy.max_age_s = 86400;
    n->inflight = xcalloc((size_t)n->o.max_inflight, sizeof *n->inflight);
    if (store_open(n->o.db_path, &n->st, err, errsz) < 0)
        goto fail;
    n->multi = curl_multi_init();
    if (!n->multi || ctl_pipe_open(&n->ctl) < 0) {
        snprintf(err, errsz, "notifier: cannot set up: %s", strerror(errno));
        goto fail;
    }
    if (pthread_create(&n->thread, NULL, notifier_main, n) != 0) {
        snprintf(err, errsz, "notifier: cannot start thread");
        goto fail;
    }
    n->running = 1;
    return n;
fail:
    notifier_stop(n);
    return NULL;
}

void notifier_reconfigure(Notifier *n, const NotifyConfig *cfg, const NotifyPolicy *policy)
{
    if (!n)
        return;
    pthread_mutex_lock(&n->cfg_mu);
    n->cfg_next = *cfg;
    n->policy_next = *policy;
    __atomic_store_n(&n->cfg_pending, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&n->cfg_mu);
    ctl_pipe_send(&n->ctl, 'k');   /* wakes the loop, and looks for due rows */
}

void notifier_kick(Notifier *n)
{
    if (n)
        ctl_pipe_send(&n->ctl, 'k');
}

void notifier_stop(Notifier *n)
{
    if (!n)
        return;
    if (n->running) {
        ctl_pipe_send(&n->ctl, 'q');
        pthread_join(n->thread, NULL);
        log_info("notifier: stopped (%ld sent, %ld delivered, %ld retried, %ld dead)",
                 n->stats.sent, n->stats.delivered, n->stats.retried, n->stats.dead);
    }
    if (n->multi)
        curl_multi_cleanup(n->multi);
    store_close(n->st);
    ctl_pipe_close(&n->ctl);
    for (int i = 0; i < n->nowned; i++)
        free(n->owned[i]);
    free(n->inflight);
    pthread_mutex_destroy(&n->cfg_mu);
    free(n);
}

void notifier_stats(Notifier *n, NotifierStats *out)
{
    out->sent = __atomic_load_n(&n->stats.sent, __ATOMIC_RELAXED);
    out->delivered = __atomic_load_n(&n->stats.delivered, __ATOMIC_RELAXED);
    out->retried = __atomic_load_n(&n->stats.retried, __ATOMIC_RELAXED);
    out->dead = __atomic_load_n(&n->stats.dead, __ATOMIC_RELAXED);
    out->fanned_out = __atomic_load_n(&n->stats.fanned_out, __ATOMIC_RELAXED);
}
