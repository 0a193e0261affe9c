/* test_notifier — the outbox and its delivery against real peers.
 *
 * The receivers are separate programs started here on loopback: a
 * Python http.server that answers by path and records every request
 * (headers, body, and its own HMAC check of the signature with Python's
 * hmac module), and an aiosmtpd SMTP sink that records every message.
 * Alerts are raised through the real write path (alerts_raise /
 * alerts_resolve), so the rows the notifier sends are the ones the engine
 * would write. Nothing sleeps for a fixed time: every step waits for a
 * condition (a row delivered, a request recorded) with a deadline.
 *
 * The pure rules (classification, backoff, PagerDuty action, payloads,
 * signature) are table-driven at the top.
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <cJSON.h>
#include <curl/curl.h>
#include <sqlite3.h>

#include "engine.h"
#include "notifier.h"
#include "util.h"
#include "domain/alerts.h"
#include "domain/notify.h"
#include "store/db.h"
#include "store/integration_repo.h"
#include "store/outbox_repo.h"
#include "store/service_repo.h"

#ifndef SOURCE_ROOT
#define SOURCE_ROOT "."
#endif

extern char **environ;

/* ---- peers ---------------------------------------------------------------- */

typedef struct Peer {
    pid_t pid;
    int   port;
    char  log[128];
} Peer;

/* Start a receiver script; it prints "PORT n" once it listens. */
static void peer_start(Peer *p, const char *dir, const char *script, const char *name, int port,
                       const char *secret)
{
    snprintf(p->log, sizeof p->log, "%s/%s.log", dir, name);
    char path[512], portarg[16];
    snprintf(path, sizeof path, "%s/tests/integration/%s", SOURCE_ROOT, script);
    snprintf(portarg, sizeof portarg, "%d", port);
    char *argv[8] = {"/usr/bin/python3", path, p->log, "--port", portarg, NULL, NULL, NULL};
    if (secret) {
        argv[5] = "--secret";
        argv[6] = (char *)secret;
    }
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    assert_int_equal(posix_spawn(&p->pid, argv[0], &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    char line[64] = "";
    assert_non_null(fgets(line, sizeof line, f));  /* blocks until it listens */
    fclose(f);
    assert_int_equal(sscanf(line, "PORT %d", &p->port), 1);
}

static void peer_stop(Peer *p)
{
    if (p->pid > 0) {
        kill(p->pid, SIGTERM);
        waitpid(p->pid, NULL, 0);
        p->pid = 0;
    }
}

/* Every JSON line of a peer's log, as a cJSON array (caller deletes). */
static cJSON *peer_records(const Peer *p)
{
    cJSON *arr = cJSON_CreateArray();
    FILE *f = fopen(p->log, "r");
    if (!f)
        return arr;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        cJSON *o = cJSON_Parse(line);
        if (o)
            cJSON_AddItemToArray(arr, o);
    }
    free(line);
    fclose(f);
    return arr;
}

static int peer_count(const Peer *p)
{
    cJSON *a = peer_records(p);
    int n = cJSON_GetArraySize(a);
    cJSON_Delete(a);
    return n;
}

static const char *rec_str(const cJSON *rec, const char *name)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(rec, name);
    return cJSON_IsString(j) ? j->valuestring : NULL;
}

static const char *rec_header(const cJSON *rec, const char *name)
{
    return rec_str(cJSON_GetObjectItemCaseSensitive(rec, "headers"), name);
}

static double rec_t(const cJSON *rec)
{
    return cJSON_GetObjectItemCaseSensitive(rec, "t")->valuedouble;
}

/* A loopback port with nothing listening (bound, read, closed). */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

/* ---- world ---------------------------------------------------------------- */

typedef struct World {
    char      dir[64], db[96];
    Store    *st;               /* the test's own connection */
    Notifier *nt;
    Peer      http, smtp;
    int64_t   svc;
} World;

static int setup(void **state)
{
    World *w = xcalloc(1, sizeof *w);
    strcpy(w->dir, "/tmp/resops-notify-XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    snprintf(w->db, sizeof w->db, "%s/n.db", w->dir);
    char err[256];
    assert_int_equal(store_open(w->db, &w->st, err, sizeof err), 0);
    w->svc = service_repo_insert(w->st, "payments", "card payments", "test");
    assert_true(w->svc > 0);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    World *w = *state;
    notifier_stop(w->nt);
    notify_set_slack_prefixes(NULL);
    peer_stop(&w->http);
    peer_stop(&w->smtp);
    store_close(w->st);
    char *cmd = xasprintf("rm -rf %s", w->dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(w);
    return 0;
}

static NotifierOpts base_opts(World *w)
{
    return (NotifierOpts){
        .db_path = w->db,
        .policy = {.retries = 3, .backoff_s = 0.1, .cap_s = 0.5, .max_age_s = 3600},
        .timeout_ms = 5000,
        .scan_ms = 50,
    };
}

static void start(World *w, const NotifierOpts *o)
{
    char err[256];
    w->nt = notifier_start(o, err, sizeof err);
    assert_non_null(w->nt);
}

static int64_t q_int(World *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(store_db(w->st), sql, -1, &s, NULL), SQLITE_OK);
    int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    sqlite3_free(sql);
    return v;
}

/* The text of a one-value query (caller frees), NULL for NULL. */
static char *q_text(World *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(store_db(w->st), sql, -1, &s, NULL), SQLITE_OK);
    char *v = NULL;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
        v = xstrdup((const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_free(sql);
    return v;
}

/* Wait (polling every 10 ms) until the query's integer is at least want. */
static int wait_q(World *w, int64_t want, int ms, const char *sql)
{
    int64_t deadline = util_mono_ms() + ms;
    while (q_int(w, "%s", sql) < want) {
        if (util_mono_ms() > deadline)
            return 0;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return 1;
}

static int wait_peer(const Peer *p, int want, int ms)
{
    int64_t deadline = util_mono_ms() + ms;
    while (peer_count(p) < want) {
        if (util_mono_ms() > deadline)
            return 0;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return 1;
}

static int64_t raise_down(World *w, int64_t svc)
{
    int64_t id;
    char msg[80];
    char name[64];
    assert_int_equal(service_repo_name(w->st, svc, name, sizeof name), 1);
    snprintf(msg, sizeof msg, "Service %s is Down", name);
    assert_int_equal(alerts_raise(w->st, svc, ALERT_STATUS_CHANGE, SEV_CRITICAL, msg, util_now(),
                                  &id), ALERT_RAISED);
    return id;
}

static char *url(const Peer *p, const char *path)
{
    return xasprintf("http://127.0.0.1:%d%s", p->port, path);
}

#define DELIVERED(ch) "SELECT count(*) FROM outbox WHERE channel = '" ch "' AND delivered_at IS NOT NULL"
#define DEAD(ch)      "SELECT count(*) FROM outbox WHERE channel = '" ch "' AND dead_at IS NOT NULL"

/* ---- pure rules ------------------------------------------------------------- */

static void test_classify_table(void **state)
{
    (void)state;
    static const struct { NotifyProto p; NotifyTransport t; long code; NotifyOutcome want; } rows[] = {
        {NOTIFY_PROTO_HTTP, NOTIFY_NET_OK, 200, NOTIFY_DELIVERED},
        {NOTIFY_PROTO_HTTP, NOTIFY_NET_OK, 202, NOTIFY_DELIVERED},   /* PagerDuty */
        {NOTIFY_PROTO_HTTP, NOTIFY_NET_OK, 204, NOTIFY_DELIVERED},
        {NOTIFY_PROTO_HTTP, NOTIFY_NET_OK, 500, NOTIFY_RETRY},
        {NOTIFY_PROTO_HTTP, NOTIFY_NET_OK, 503, NOTIFY_RETRY},
        {NOTIFY_PROTO_HTTP, NOTIFY_NET_OK, 429, NOTIFY_RETRY},
        {NOTIFY_PROTO_HTTP, NOTIFY_NET_OK, 408, NOTIFY_RETRY},
        {NOTIFY_PROTO_HTTP, NOTIFY_NET_OK, 400, NOTIFY_DEAD},        /* other 4xx: not retried */
        {NOTIFY_PROTO_HTTP, NOTIFY_NET_OK, 403, NOTIFY_DEAD},
        {NOTIFY_PROTO_HTTP, NOTIFY_NET_OK, 404, NOTIFY_DEAD},
        {NOTIFY_PROTO_HTTP, NOTIFY_NET_OK, 410, NOTIFY_DEAD},
        {NOTIFY_PROTO_HTTP, NOTIFY_NET_OK, 301, NOTIFY_DEAD},
        {NOTIFY_PROTO_HTTP, NOTIFY_NET_TRANSIENT, 0, NOTIFY_RETRY},  /* refused, timeout */
        {NOTIFY_PROTO_HTTP, NOTIFY_NET_PERMANENT, 0, NOTIFY_DEAD},   /* bad URL */
        {NOTIFY_PROTO_SMTP, NOTIFY_NET_OK, 250, NOTIFY_DELIVERED},
        {NOTIFY_PROTO_SMTP, NOTIFY_NET_TRANSIENT, 550, NOTIFY_DEAD},
        {NOTIFY_PROTO_SMTP, NOTIFY_NET_TRANSIENT, 535, NOTIFY_DEAD},
        {NOTIFY_PROTO_SMTP, NOTIFY_NET_TRANSIENT, 451, NOTIFY_RETRY},
        {NOTIFY_PROTO_SMTP, NOTIFY_NET_TRANSIENT, 0, NOTIFY_RETRY},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_int_equal(notify_classify(rows[i].p, rows[i].t, rows[i].code), rows[i].want);
}

static void test_retry_delay_table(void **state)
{
    (void)state;
    NotifyPolicy seed = {.retries = 3, .backoff_s = 1.0, .cap_s = 300, .max_age_s = 86400};
    NotifyPolicy big = {.retries = 10, .backoff_s = 60, .cap_s = 0, .max_age_s = 86400};
    static const struct { int which, attempts; int64_t want_ms; } rows[] = {
        {0, 1, 1000}, {0, 2, 2000}, {0, 3, 4000},   /* ALERT_WEBHOOK_BACKOFF * 2^(k-1) */
        {0, 4, 300000}, {0, 50, 300000},            /* then the capped interval */
        {1, 1, 60000}, {1, 3, 240000}, {1, 4, 300000}, {1, 9, 300000}, /* cap 0 = 300 s */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_int_equal(notify_retry_delay_ms(rows[i].which ? &big : &seed, rows[i].attempts),
                         rows[i].want_ms);
}

static void test_pagerduty_action_table(void **state)
{
    (void)state;
    static const struct { const char *event, *sev, *prev, *want; } rows[] = {
        {"raised", "Critical", NULL, "trigger"},
        {"raised", "Warning", NULL, "trigger"},
        {"raised", "Info", NULL, NULL},              /* nothing to page about */
        {"raised", "Info", "Critical", "resolve"},   /* Down -> Up is recovery */
        {"raised", "Critical", "Warning", "trigger"},
        {"resolved", "Critical", NULL, "resolve"},
        {"resolved", "Info", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        NotifyEvent ev = {.event = rows[i].event, .type = "StatusChange", .severity = rows[i].sev,
                          .previous_severity = rows[i].prev};
        const char *got = notify_pagerduty_action(&ev);
        if (rows[i].want)
            assert_string_equal(got, rows[i].want);
        else
            assert_null(got);
    }
}

static void test_signature_rfc4231(void **state)
{
    (void)state;
    char sig[80];
    const char *data = "what do ya want for nothing?";
    notify_signature("Jefe", data, strlen(data), sig, sizeof sig); /* RFC 4231 case 2 */
    assert_string_equal(sig, "sha256=5bdcc146bf60754e6a042426089575c7"
                             "5a003f089d2739839dec58b964ec3843");
}

/* S1: which URLs an allow-list of prefixes admits. */
static void test_S1_url_prefix_table(void **state)
{
    (void)state;
    static const struct {
        const char *csv, *url;
        int         ok;
    } cases[] = {
        {"https://hooks.slack.com/", "https://hooks.slack.com/services/T/B/x", 1},
        {"https://hooks.slack.com/", "https://hooks.slack.com.evil.example/x", 0},
        {"https://hooks.slack.com/", "http://hooks.slack.com/services/x", 0},
        {"https://hooks.slack.com/", "http://127.0.0.1:5999/x", 0},
        {"https://hooks.slack.com/", "HTTPS://HOOKS.SLACK.COM/x", 0},
        {"https://a.example/, http://127.0.0.1:9/", "http://127.0.0.1:9/hook", 1},
        {"https://a.example/, http://127.0.0.1:9/", "http://127.0.0.1:99/hook", 0},
        {" , https://a.example/ ,", "https://a.example/x", 1},
        {"", "https://hooks.slack.com/services/x", 0},
        {",,", "https://hooks.slack.com/services/x", 0},
        {NULL, "https://hooks.slack.com/services/x", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (notify_url_prefixed(cases[i].csv, cases[i].url) != cases[i].ok)
            fail_msg("notify_url_prefixed(\"%s\", \"%s\") != %d", cases[i].csv ? cases[i].csv : "NULL",
                     cases[i].url, cases[i].ok);
}

/* Issue 11: a reminder and a runbook in every channel's payload; the
 * webhook document round-trips through the fan-out's parse. */
static void test_payload_reminder_and_runbook(void **state)
{
    (void)state;
    NotifyEvent ev = {.id = 9, .event = "raised", .service_id = 4, .service = "db",
                      .type = "StatusChange", .severity = "Critical", .message = "Service db is Down",
                      .ts = 1761350400, .reminder = 2,
                      .runbook_url = "https://wiki.example/rb?a=1&b=2"};
    char *s = notify_payload_webhook(&ev, 0);
    cJSON *o = cJSON_Parse(s);
    assert_int_equal(cJSON_GetObjectItem(o, "reminder")->valueint, 2);
    assert_string_equal(cJSON_GetObjectItem(o, "runbook_url")->valuestring,
                        "https://wiki.example/rb?a=1&b=2");
    assert_null(cJSON_GetObjectItem(o, "settled_status"));
    cJSON_Delete(o);
    free(s);
    s = notify_payload_slack(&ev);
    o = cJSON_Parse(s);
    const char *text = cJSON_GetObjectItem(o, "text")->valuestring;
    assert_non_null(strstr(text, "Reminder 2:"));
    assert_non_null(strstr(text, "<https://wiki.example/rb?a=1&amp;b=2|Runbook>"));
    cJSON_Delete(o);
    free(s);
    /* PagerDuty: a re-trigger of the same dedup_key, with the runbook link */
    s = notify_payload_pagerduty(&ev, "RK", notify_pagerduty_action(&ev));
    o = cJSON_Parse(s);
    assert_string_equal(cJSON_GetObjectItem(o, "event_action")->valuestring, "trigger");
    assert_string_equal(cJSON_GetObjectItem(o, "dedup_key")->valuestring, "resops-4-StatusChange");
    cJSON *links = cJSON_GetObjectItem(o, "links");
    assert_int_equal(cJSON_GetArraySize(links), 1);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(links, 0), "href")->valuestring,
                        "https://wiki.example/rb?a=1&b=2");
    cJSON *d = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "payload"), "custom_details");
    assert_int_equal(cJSON_GetObjectItem(d, "reminder")->valueint, 2);
    cJSON_Delete(o);
    free(s);
    NotifyConfig cfg = {.mail_from = "a@example.test", .mail_to = "b@example.test"};
    s = notify_payload_email(&ev, &cfg, "k", 1761350400);
    assert_non_null(strstr(s, "Subject: [resops] Reminder 2: Critical: StatusChange on db\r\n"));
    assert_non_null(strstr(s, "Runbook:  https://wiki.example/rb?a=1&b=2\r\n"));
    free(s);
    /* without them: runbook_url null, no reminder field, no links */
    ev.reminder = 0;
    ev.runbook_url = NULL;
    s = notify_payload_webhook(&ev, 0);
    o = cJSON_Parse(s);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "runbook_url")));
    assert_null(cJSON_GetObjectItem(o, "reminder"));
    cJSON_Delete(o);
    free(s);
    s = notify_payload_pagerduty(&ev, "RK", "trigger");
    assert_null(strstr(s, "links"));
    free(s);
}

static void test_payload_shapes(void **state)
{
    (void)state;
    NotifyEvent ev = {.id = 7, .event = "raised", .service_id = 3, .service = "pay<ments>",
                      .type = "cpu", .severity = "Warning", .message = "CPU 92.5% > 80%",
                      .has_value = 1, .value = 92.5, .ts = 1761350400};
    /* seed 004's webhook shape, extended */
    char *s = notify_payload_webhook(&ev, 1761350401000LL);
    cJSON *o = cJSON_Parse(s);
    assert_string_equal(cJSON_GetObjectItem(o, "type")->valuestring, "cpu");
    assert_true(cJSON_GetObjectItem(o, "value")->valuedouble == 92.5);
    assert_string_equal(cJSON_GetObjectItem(o, "ts")->valuestring, "2025-10-25T00:00:00Z");
    assert_string_equal(cJSON_GetObjectItem(o, "generated_at")->valuestring,
                        "2025-10-25T00:00:01Z");
    assert_string_equal(cJSON_GetObjectItem(o, "event")->valuestring, "raised");
    assert_int_equal(cJSON_GetObjectItem(o, "alert_id")->valueint, 7);
    assert_int_equal(cJSON_GetObjectItem(o, "service_id")->valueint, 3);
    assert_string_equal(cJSON_GetObjectItem(o, "severity")->valuestring, "Warning");
    cJSON_Delete(o);
    free(s);
    ev.has_value = 0;
    s = notify_payload_webhook(&ev, 0);
    o = cJSON_Parse(s);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "value")));
    cJSON_Delete(o);
    free(s);
    /* Slack: mrkdwn control characters escaped */
    s = notify_payload_slack(&ev);
    o = cJSON_Parse(s);
    assert_non_null(strstr(cJSON_GetObjectItem(o, "text")->valuestring, "*pay&lt;ments&gt;*"));
    cJSON_Delete(o);
    free(s);
    /* PagerDuty trigger */
    s = notify_payload_pagerduty(&ev, "RK", "trigger");
    o = cJSON_Parse(s);
    assert_string_equal(cJSON_GetObjectItem(o, "routing_key")->valuestring, "RK");
    assert_string_equal(cJSON_GetObjectItem(o, "event_action")->valuestring, "trigger");
    assert_string_equal(cJSON_GetObjectItem(o, "dedup_key")->valuestring, "resops-3-cpu");
    cJSON *p = cJSON_GetObjectItem(o, "payload");
    assert_string_equal(cJSON_GetObjectItem(p, "severity")->valuestring, "warning");
    assert_string_equal(cJSON_GetObjectItem(p, "source")->valuestring, "pay<ments>");
    assert_non_null(strstr(cJSON_GetObjectItem(p, "summary")->valuestring, "CPU 92.5%"));
    cJSON_Delete(o);
    free(s);
    /* e-mail: RFC 5322 headers, CRLF, header injection stripped, UTF-8 subject encoded */
    NotifyConfig cfg = {.mail_from = "resops@example.test",
                        .mail_to = "ops@example.test\r\nBcc: evil@example.test",
                        .hostname = "host.test"};
    ev.service = "caf\xc3\xa9";
    s = notify_payload_email(&ev, &cfg, "alert-7-raised-00000000.email.1234abcd", 1761350400);
    assert_non_null(strstr(s, "Date: Sat, 25 Oct 2025 00:00:00 +0000\r\n"));
    assert_non_null(strstr(s, "From: resops@example.test\r\n"));
    assert_non_null(strstr(s, "To: ops@example.test  Bcc: evil@example.test\r\n"));
    assert_null(strstr(s, "\r\nBcc:"));
    assert_non_null(strstr(s, "Subject: =?UTF-8?B?"));
    assert_non_null(strstr(s, "Message-ID: <alert-7-raised-00000000.email.1234abcd@host.test>\r\n"));
    assert_non_null(strstr(s, "\r\n\r\nCPU 92.5% > 80%\r\n"));
    for (const char *c = s; *c; c++)
        if (*c == '\n')
            assert_true(c > s && c[-1] == '\r');
    free(s);
}

/* ---- fan-out -------------------------------------------------------------- */

static void test_fanout_rows_per_channel(void **state)
{
    World *w = *state;
    int64_t now = util_now();
    assert_true(integration_repo_insert(w->st, w->svc, "Slack",
                                        "{\"webhook_url\": \"https://hooks.example/T/B/x\"}",
                                        "t", now) > 0);
    assert_true(integration_repo_insert(w->st, w->svc, "slack",
                                        "{\"webhook_url\": \"https://hooks.example/T/B/y\"}",
                                        "t", now) > 0);
    assert_true(integration_repo_insert(w->st, w->svc, "Slack", "{\"channel\": \"#ops\"}", "t",
                                        now) > 0);
    assert_true(integration_repo_insert(w->st, w->svc, "Jira",
                                        "{\"webhook_url\": \"https://jira.example\"}", "t", now) > 0);
    NotifyConfig cfg = {.webhook_url = "https://hook.example/in", .pagerduty_key = "RK",
                        .pagerduty_url = "https://pd.example/v2/enqueue",
                        .smtp_host = "mail.example", .smtp_port = 25,
                        .mail_from = "resops@example.test", .mail_to = "ops@example.test"};
    int64_t id = raise_down(w, w->svc);
    /* the event row is written with the alert, in its transaction */
    assert_int_equal(q_int(w, "SELECT count(*) FROM outbox WHERE channel = 'event'"), 1);
    assert_int_equal(notify_fanout(w->st, &cfg, now * 1000 + 999, 100), 1);
    assert_int_equal(q_int(w, "SELECT count(*) FROM outbox WHERE channel = 'webhook'"), 1);
    assert_int_equal(q_int(w, "SELECT count(*) FROM outbox WHERE channel = 'slack'"), 2);
    assert_int_equal(q_int(w, "SELECT count(*) FROM outbox WHERE channel = 'pagerduty'"), 1);
    assert_int_equal(q_int(w, "SELECT count(*) FROM outbox WHERE channel = 'email'"), 1);
    assert_int_equal(q_int(w, "SELECT count(*) FROM outbox WHERE channel = 'event' "
                              "AND delivered_at IS NOT NULL"), 1);
    /* keys: "<event key>.<channel>.<target hash>", the event key names the alert */
    char *k = q_text(w, "SELECT idempotency_key FROM outbox WHERE channel = 'webhook'");
    char prefix[64];
    snprintf(prefix, sizeof prefix, "alert-%lld-raised-", (long long)id);
    assert_memory_equal(k, prefix, strlen(prefix));
    assert_non_null(strstr(k, ".webhook."));
    free(k);
    assert_int_equal(q_int(w, "SELECT count(DISTINCT idempotency_key) FROM outbox"), 6);
    /* a second fan-out finds nothing: each event is expanded once */
    assert_int_equal(notify_fanout(w->st, &cfg, now * 1000 + 999, 100), 0);
    /* resolve: the same order keys, so "resolved" queues behind "raised" */
    assert_int_equal(alerts_resolve(w->st, w->svc, ALERT_STATUS_CHANGE, now), 1);
    assert_int_equal(notify_fanout(w->st, &cfg, now * 1000 + 999, 100), 1);
    assert_int_equal(q_int(w, "SELECT count(*) FROM outbox WHERE channel = 'pagerduty'"), 2);
    char *pd = q_text(w, "SELECT payload FROM outbox WHERE channel = 'pagerduty' ORDER BY id DESC");
    cJSON *o = cJSON_Parse(pd);
    assert_string_equal(cJSON_GetObjectItem(o, "event_action")->valuestring, "resolve");
    char dk[64];
    snprintf(dk, sizeof dk, "resops-%lld-StatusChange", (long long)w->svc);
    assert_string_equal(cJSON_GetObjectItem(o, "dedup_key")->valuestring, dk);
    cJSON_Delete(o);
    free(pd);
    assert_int_equal(q_int(w, "SELECT count(DISTINCT order_key) FROM outbox WHERE channel <> 'event'"),
                     5);
    int backlog = -1, dead = -1;
    assert_int_equal(notify_counts(w->st, &backlog, &dead), 0);
    assert_int_equal(backlog, 10);   /* 5 delivery rows per event; events are done */
    assert_int_equal(dead, 0);
}

static void test_no_channel_configured(void **state)
{
    World *w = *state;
    NotifyConfig none = {0};
    raise_down(w, w->svc);
    assert_int_equal(notify_fanout(w->st, &none, util_now() * 1000 + 999, 100), 1);
    int backlog = -1, dead = -1;
    assert_int_equal(notify_counts(w->st, &backlog, &dead), 0);
    assert_int_equal(backlog, 0);
    assert_int_equal(dead, 0);
}

/* ---- delivery over the network --------------------------------------------- */

static void test_webhook_signed_delivery(void **state)
{
    World *w = *state;
    peer_start(&w->http, w->dir, "notify_receiver.py", "http", 0, "s3cret-key");
    NotifierOpts o = base_opts(w);
    char *u = url(&w->http, "/ok");
    o.cfg.webhook_url = u;
    o.cfg.webhook_secret = "s3cret-key";
    start(w, &o);
    int64_t id = raise_down(w, w->svc);
    assert_true(wait_q(w, 1, 10000, DELIVERED("webhook")));
    assert_true(wait_peer(&w->http, 1, 5000));
    cJSON *recs = peer_records(&w->http);
    assert_int_equal(cJSON_GetArraySize(recs), 1);
    cJSON *r = cJSON_GetArrayItem(recs, 0);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r, "sig_ok")));   /* Python's own HMAC */
    char *key = q_text(w, "SELECT idempotency_key FROM outbox WHERE channel = 'webhook'");
    assert_string_equal(rec_header(r, "idempotency-key"), key);
    assert_string_equal(rec_header(r, "content-type"), "application/json");
    cJSON *body = cJSON_Parse(rec_str(r, "body"));
    assert_string_equal(cJSON_GetObjectItem(body, "type")->valuestring, "StatusChange");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(body, "value")));
    assert_non_null(cJSON_GetObjectItem(body, "ts"));
    assert_non_null(cJSON_GetObjectItem(body, "generated_at"));
    assert_string_equal(cJSON_GetObjectItem(body, "service")->valuestring, "payments");
    assert_string_equal(cJSON_GetObjectItem(body, "severity")->valuestring, "Critical");
    assert_string_equal(cJSON_GetObjectItem(body, "event")->valuestring, "raised");
    assert_int_equal((int64_t)cJSON_GetObjectItem(body, "alert_id")->valuedouble, id);
    assert_int_equal(q_int(w, "SELECT attempts FROM outbox WHERE channel = 'webhook'"), 1);
    cJSON_Delete(body);
    cJSON_Delete(recs);
    free(key);
    free(u);
}

static void test_500_three_times_then_200(void **state)
{
    World *w = *state;
    peer_start(&w->http, w->dir, "notify_receiver.py", "http", 0, NULL);
    NotifierOpts o = base_opts(w);
    char *u = url(&w->http, "/flaky/3");
    o.cfg.webhook_url = u;
    start(w, &o);
    raise_down(w, w->svc);
    assert_true(wait_q(w, 1, 15000, DELIVERED("webhook")));
    cJSON *recs = peer_records(&w->http);
    assert_int_equal(cJSON_GetArraySize(recs), 4);
    const char *key = rec_header(cJSON_GetArrayItem(recs, 0), "idempotency-key");
    for (int i = 0; i < 4; i++) {
        cJSON *r = cJSON_GetArrayItem(recs, i);
        assert_string_equal(rec_header(r, "idempotency-key"), key);  /* the same message */
        assert_int_equal(cJSON_GetObjectItem(r, "status")->valueint, i < 3 ? 500 : 200);
    }
    /* backoff 0.1 s: gaps of at least 0.1, 0.2, 0.4 s, each longer than the last */
    double g[3];
    for (int i = 0; i < 3; i++)
        g[i] = rec_t(cJSON_GetArrayItem(recs, i + 1)) - rec_t(cJSON_GetArrayItem(recs, i));
    print_message("# retry gaps: %.3f %.3f %.3f s\n", g[0], g[1], g[2]);
    assert_true(g[0] >= 0.099);
    assert_true(g[1] >= 0.199);
    assert_true(g[2] >= 0.399);
    assert_true(g[1] > g[0] && g[2] > g[1]);
    assert_int_equal(q_int(w, "SELECT attempts FROM outbox WHERE channel = 'webhook'"), 4);
    assert_int_equal(q_int(w, DELIVERED("webhook")), 1);
    cJSON_Delete(recs);
    free(u);
}

static void test_receiver_down_restart_nothing_lost(void **state)
{
    World *w = *state;
    int port = free_port();
    NotifierOpts o = base_opts(w);
    char *u = xasprintf("http://127.0.0.1:%d/ok", port);
    o.cfg.webhook_url = u;
    int64_t svc2 = service_repo_insert(w->st, "ledger", "", "test");
    int64_t svc3 = service_repo_insert(w->st, "search", "", "test");
    start(w, &o);
    raise_down(w, w->svc);
    raise_down(w, svc2);
    raise_down(w, svc3);
    /* nobody listens: every row fails (connection refused) and is retried */
    assert_true(wait_q(w, 3, 10000, "SELECT count(*) FROM outbox WHERE channel = 'webhook' "
                                     "AND attempts >= 2"));
    notifier_stop(w->nt);
    w->nt = NULL;
    assert_int_equal(q_int(w, "SELECT count(*) FROM outbox WHERE channel = 'webhook' "
                              "AND delivered_at IS NULL AND dead_at IS NULL "
                              "AND last_error IS NOT NULL"), 3);
    /* the receiver comes up on that port, the notifier restarts */
    peer_start(&w->http, w->dir, "notify_receiver.py", "http", port, NULL);
    start(w, &o);
    assert_true(wait_q(w, 3, 10000, DELIVERED("webhook")));
    notifier_stop(w->nt);
    w->nt = NULL;
    cJSON *recs = peer_records(&w->http);
    assert_int_equal(cJSON_GetArraySize(recs), 3);       /* nothing lost, nothing twice */
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            assert_string_not_equal(rec_header(cJSON_GetArrayItem(recs, i), "idempotency-key"),
                                    rec_header(cJSON_GetArrayItem(recs, j), "idempotency-key"));
    for (int i = 0; i < 3; i++)
        assert_int_equal(q_int(w, "SELECT count(*) FROM outbox WHERE idempotency_key = %Q "
                                  "AND delivered_at IS NOT NULL",
                               rec_header(cJSON_GetArrayItem(recs, i), "idempotency-key")), 1);
    int backlog = -1, dead = -1;
    assert_int_equal(notify_counts(w->st, &backlog, &dead), 0);
    assert_int_equal(backlog, 0);
    assert_int_equal(dead, 0);
    cJSON_Delete(recs);
    free(u);
}

static void test_400_is_not_retried(void **state)
{
    World *w = *state;
    peer_start(&w->http, w->dir, "notify_receiver.py", "http", 0, NULL);
    NotifierOpts o = base_opts(w);
    char *u = url(&w->http, "/status/400");
    o.cfg.webhook_url = u;
    start(w, &o);
    int64_t id = raise_down(w, w->svc);
    char *sql = xasprintf("SELECT count(*) FROM outbox WHERE channel = 'webhook' AND "
                          "dead_at IS NOT NULL AND idempotency_key LIKE 'alert-%lld-%%'",
                          (long long)id);
    assert_true(wait_q(w, 1, 10000, sql));
    assert_int_equal(q_int(w, "SELECT attempts FROM outbox WHERE channel = 'webhook' "
                              "AND idempotency_key LIKE 'alert-%lld-%%'", (long long)id), 1);
    char *err = q_text(w, "SELECT last_error FROM outbox WHERE channel = 'webhook' "
                          "AND idempotency_key LIKE 'alert-%lld-%%'", (long long)id);
    assert_memory_equal(err, "HTTP 400", 8);
    /* a human hears about it: an alert on the service and an audit entry */
    assert_int_equal(q_int(w, "SELECT count(*) FROM alert WHERE service_id = %lld AND type = %Q",
                           (long long)w->svc, ALERT_NOTIFICATION_DEAD), 1);
    assert_true(q_int(w, "SELECT count(*) FROM audit_log WHERE action = 'Notification Dead'") >= 1);
    /* and the receiver saw that message exactly once */
    char *key = q_text(w, "SELECT idempotency_key FROM outbox WHERE channel = 'webhook' "
                          "AND idempotency_key LIKE 'alert-%lld-%%'", (long long)id);
    cJSON *recs = peer_records(&w->http);
    int seen = 0;
    for (int i = 0; i < cJSON_GetArraySize(recs); i++)
        seen += strcmp(rec_header(cJSON_GetArrayItem(recs, i), "idempotency-key"), key) == 0;
    assert_int_equal(seen, 1);
    cJSON_Delete(recs);
    free(key);
    free(err);
    free(sql);
    free(u);
}

static void test_too_old_is_dead(void **state)
{
    World *w = *state;
    int port = free_port();
    char *u = xasprintf("http://127.0.0.1:%d/ok", port);
    int64_t now_ms = util_now() * 1000;
    OutboxNew n = {.channel = "webhook", .target = u, .payload = "{}", .idempotency_key = "old-1",
                   .created_ms = now_ms - 7200 * 1000, .due_ms = now_ms};
    assert_int_equal(outbox_repo_insert(w->st, &n), 1);
    NotifierOpts o = base_opts(w);
    start(w, &o);
    assert_true(wait_q(w, 1, 10000, DEAD("webhook")));
    char *err = q_text(w, "SELECT last_error FROM outbox WHERE idempotency_key = 'old-1'");
    assert_non_null(strstr(err, "gave up after"));
    assert_int_equal(q_int(w, "SELECT attempts FROM outbox WHERE idempotency_key = 'old-1'"), 1);
    /* not about a service: audited, no alert */
    assert_int_equal(q_int(w, "SELECT count(*) FROM audit_log WHERE action = 'Notification Dead'"), 1);
    assert_int_equal(q_int(w, "SELECT count(*) FROM alert"), 0);
    free(err);
    free(u);
}

/* One slow receiver does not hold the others: the Slack message is
 * delivered while the webhook request is still waiting for its answer. */
static void test_slow_receiver_does_not_block(void **state)
{
    World *w = *state;
    peer_start(&w->http, w->dir, "notify_receiver.py", "http", 0, NULL);
    char *slow = url(&w->http, "/slow/2000");
    char *fast = url(&w->http, "/ok");
    char *cfg = xasprintf("{\"webhook_url\": \"%s\"}", fast);
    assert_true(integration_repo_insert(w->st, w->svc, "Slack", cfg, "t", util_now()) > 0);
    char *allowed = url(&w->http, "/");     /* the operator's list: this receiver (S1) */
    notify_set_slack_prefixes(allowed);
    free(allowed);
    NotifierOpts o = base_opts(w);
    o.cfg.webhook_url = slow;
    start(w, &o);
    raise_down(w, w->svc);
    assert_true(wait_q(w, 1, 10000, DELIVERED("slack")));
    assert_int_equal(q_int(w, DELIVERED("webhook")), 0);
    assert_true(wait_q(w, 1, 10000, DELIVERED("webhook")));
    cJSON *recs = peer_records(&w->http);
    assert_int_equal(cJSON_GetArraySize(recs), 2);
    cJSON_Delete(recs);
    free(cfg);
    free(fast);
    free(slow);
}

/* S1: a Slack URL that is not (or no longer) on the operator's list is
 * never contacted, though it is stored (added before the list changed):
 * its row is dead at once with a reason that names the setting, and the
 * receiver sees no request. A URL on the list is delivered as before. */
static void test_S1_slack_url_off_the_list_is_not_contacted(void **state)
{
    World *w = *state;
    peer_start(&w->http, w->dir, "notify_receiver.py", "http", 0, NULL);
    char *hook = url(&w->http, "/ok");
    char *cfg = xasprintf("{\"webhook_url\": \"%s\"}", hook);
    assert_true(integration_repo_insert(w->st, w->svc, "Slack", cfg, "t", util_now()) > 0);
    notify_set_slack_prefixes(NULL);        /* the default: https://hooks.slack.com/ only */
    NotifierOpts o = base_opts(w);
    start(w, &o);
    raise_down(w, w->svc);
    assert_true(wait_q(w, 1, 10000, DEAD("slack")));
    char *err = q_text(w, "SELECT last_error FROM outbox WHERE channel = 'slack' "
                          "AND dead_at IS NOT NULL ORDER BY id LIMIT 1");
    assert_non_null(err);
    assert_non_null(strstr(err, "notify.slack_webhook_prefixes"));
    assert_non_null(strstr(err, "not contacted"));
    assert_int_equal(q_int(w, DELIVERED("slack")), 0);
    assert_int_equal(peer_count(&w->http), 0);
    free(err);

    /* The operator adds the receiver to the list: the next alert goes out. */
    char *allowed = url(&w->http, "/");
    notify_set_slack_prefixes(allowed);
    free(allowed);
    int64_t other = service_repo_insert(w->st, "ledger", "books", "test");
    assert_true(other > 0);
    assert_true(integration_repo_insert(w->st, other, "Slack", cfg, "t", util_now()) > 0);
    raise_down(w, other);
    assert_true(wait_q(w, 1, 10000, DELIVERED("slack")));
    assert_true(wait_peer(&w->http, 1, 5000));
    free(cfg);
    free(hook);
}

/* PagerDuty: trigger then resolve with the same dedup_key; the resolve
 * waits for the trigger's answer (they share an order key). */
static void test_pagerduty_trigger_then_resolve_in_order(void **state)
{
    World *w = *state;
    peer_start(&w->http, w->dir, "notify_receiver.py", "http", 0, NULL);
    char *pd = url(&w->http, "/slow/300");
    NotifierOpts o = base_opts(w);
    o.cfg.pagerduty_key = "R0UTING";
    o.cfg.pagerduty_url = pd;
    start(w, &o);
    raise_down(w, w->svc);
    assert_int_equal(alerts_resolve(w->st, w->svc, ALERT_STATUS_CHANGE, util_now()), 1);
    assert_true(wait_q(w, 2, 10000, DELIVERED("pagerduty")));
    cJSON *recs = peer_records(&w->http);
    assert_int_equal(cJSON_GetArraySize(recs), 2);
    cJSON *a = cJSON_Parse(rec_str(cJSON_GetArrayItem(recs, 0), "body"));
    cJSON *b = cJSON_Parse(rec_str(cJSON_GetArrayItem(recs, 1), "body"));
    assert_string_equal(cJSON_GetObjectItem(a, "event_action")->valuestring, "trigger");
    assert_string_equal(cJSON_GetObjectItem(b, "event_action")->valuestring, "resolve");
    assert_string_equal(cJSON_GetObjectItem(a, "routing_key")->valuestring, "R0UTING");
    assert_string_equal(cJSON_GetObjectItem(a, "dedup_key")->valuestring,
                        cJSON_GetObjectItem(b, "dedup_key")->valuestring);
    cJSON *p = cJSON_GetObjectItem(a, "payload");
    assert_string_equal(cJSON_GetObjectItem(p, "severity")->valuestring, "critical");
    assert_string_equal(cJSON_GetObjectItem(p, "source")->valuestring, "payments");
    /* the resolve left only after the trigger's 300 ms answer */
    assert_true(rec_t(cJSON_GetArrayItem(recs, 1)) - rec_t(cJSON_GetArrayItem(recs, 0)) >= 0.3);
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(recs);
    free(pd);
}

/* A viewer sends nothing: two notifiers on one database, one bound to
 * the engine, one to a viewer; every message arrives once, from the
 * engine's. */
static void test_viewer_sends_nothing(void **state)
{
    World *w = *state;
    peer_start(&w->http, w->dir, "notify_receiver.py", "http", 0, NULL);
    EngineOpts eo = {.db_path = w->db, .check_interval_s = 60, .probe_timeout_ms = 1000,
                     .rules = status_rules_default};
    char err[256];
    Engine *ea = engine_new(&eo, NULL, err, sizeof err);
    Engine *eb = engine_new(&eo, NULL, err, sizeof err);
    assert_true(engine_is_primary(ea));
    assert_false(engine_is_primary(eb));
    char *u = url(&w->http, "/ok");
    NotifierOpts o = base_opts(w);
    o.cfg.webhook_url = u;
    o.engine = eb;
    Notifier *viewer = notifier_start(&o, err, sizeof err);
    assert_non_null(viewer);
    o.engine = ea;
    start(w, &o);
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "svc%d", i);
        raise_down(w, service_repo_insert(w->st, name, "", "test"));
    }
    assert_true(wait_q(w, 3, 10000, DELIVERED("webhook")));
    NotifierStats vs;
    notifier_stats(viewer, &vs);
    notifier_stop(viewer);
    notifier_stop(w->nt);
    w->nt = NULL;
    assert_int_equal(vs.sent, 0);
    assert_int_equal(vs.fanned_out, 0);
    assert_int_equal(peer_count(&w->http), 3);
    engine_free(eb);
    engine_free(ea);
    free(u);
}

/* ---- e-mail over SMTP -------------------------------------------------------- */

static void test_email_over_smtp(void **state)
{
    World *w = *state;
    peer_start(&w->smtp, w->dir, "notify_smtp_sink.py", "smtp", 0, NULL);
    NotifierOpts o = base_opts(w);
    o.cfg.smtp_host = "127.0.0.1";
    o.cfg.smtp_port = w->smtp.port;
    o.cfg.mail_from = "ResOps <resops@example.test>";
    o.cfg.mail_to = "oncall@example.test, Second Line <second@example.test>";
    o.cfg.hostname = "resops.test";
    start(w, &o);
    raise_down(w, w->svc);
    assert_true(wait_q(w, 1, 10000, DELIVERED("email")));
    assert_true(wait_peer(&w->smtp, 1, 5000));
    cJSON *recs = peer_records(&w->smtp);
    cJSON *m = cJSON_GetArrayItem(recs, 0);
    assert_string_equal(rec_str(m, "mail_from"), "resops@example.test");
    cJSON *rcpt = cJSON_GetObjectItem(m, "rcpt_tos");
    assert_int_equal(cJSON_GetArraySize(rcpt), 2);
    assert_string_equal(cJSON_GetArrayItem(rcpt, 0)->valuestring, "oncall@example.test");
    assert_string_equal(cJSON_GetArrayItem(rcpt, 1)->valuestring, "second@example.test");
    const char *data = rec_str(m, "data");
    assert_non_null(strstr(data, "From: ResOps <resops@example.test>\r\n"));
    assert_non_null(strstr(data, "To: oncall@example.test, Second Line <second@example.test>\r\n"));
    assert_non_null(strstr(data, "Subject: [resops] Critical: StatusChange on payments\r\n"));
    assert_non_null(strstr(data, "Date: "));
    assert_non_null(strstr(data, "@resops.test>\r\n"));
    assert_non_null(strstr(data, "Message-ID: <alert-"));
    assert_non_null(strstr(data, "Service payments is Down"));
    cJSON_Delete(recs);
}

static void test_email_550_is_dead(void **state)
{
    World *w = *state;
    peer_start(&w->smtp, w->dir, "notify_smtp_sink.py", "smtp", 0, NULL);
    NotifierOpts o = base_opts(w);
    o.cfg.smtp_host = "127.0.0.1";
    o.cfg.smtp_port = w->smtp.port;
    o.cfg.mail_from = "resops@example.test";
    o.cfg.mail_to = "bounce@example.test";
    start(w, &o);
    raise_down(w, w->svc);
    assert_true(wait_q(w, 1, 10000, DEAD("email")));
    char *err = q_text(w, "SELECT last_error FROM outbox WHERE channel = 'email' "
                          "AND dead_at IS NOT NULL ORDER BY id LIMIT 1");
    assert_memory_equal(err, "SMTP 550", 8);
    assert_int_equal(q_int(w, "SELECT attempts FROM outbox WHERE channel = 'email' "
                              "ORDER BY id LIMIT 1"), 1);
    free(err);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify_table),
        cmocka_unit_test(test_retry_delay_table),
        cmocka_unit_test(test_pagerduty_action_table),
        cmocka_unit_test(test_signature_rfc4231),
        cmocka_unit_test(test_payload_shapes),
        cmocka_unit_test(test_payload_reminder_and_runbook),
        cmocka_unit_test(test_S1_url_prefix_table),
        cmocka_unit_test_setup_teardown(test_fanout_rows_per_channel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_channel_configured, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhook_signed_delivery, setup, teardown),
        cmocka_unit_test_setup_teardown(test_500_three_times_then_200, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receiver_down_restart_nothing_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_400_is_not_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_old_is_dead, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_receiver_does_not_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_S1_slack_url_off_the_list_is_not_contacted, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pagerduty_trigger_then_resolve_in_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_viewer_sends_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_email_over_smtp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_email_550_is_dead, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
