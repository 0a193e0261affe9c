/* config — see config.h.
 *
 * DESIGN
 * One const table, settings[], says everything about a setting: its
 * "section.key" name, environment variable, type, default (written in file
 * syntax), range or allowed values, and a one-line doc. A Config is only an
 * array of parsed values parallel to that table, so adding a setting is
 * adding a row. The defaults go through the same parser as user input
 * (config_new asserts that they parse) and config_write_example prints the
 * table, so defaults, validation and the example file cannot drift apart.
 * The same rows write resops(1)'s CONFIGURATION section at build time
 * (config_write_man, run by tools/config_doc.c), and say whether SIGHUP
 * reloads a setting (.reload: main.c's app_reload hands those to the
 * threads; the rest keep their running value until a restart).
 *
 * Every source (file line, environment variable, flag) ends in
 * parse_value(), which says only *what* is wrong ("not an integer: 'abc'");
 * the caller says *where* ("resops.conf:9: engine.check_interval: ",
 * "CHECK_INTERVAL: "). File and environment loads work on a copy of the
 * values and commit it only on success, so a failed load changes nothing.
 *
 * Numbers are read and printed in the C locale (util_format_c,
 * util_strtod_c): the TUI calls setlocale(LC_ALL, ""), and "0.9" in a file
 * must not depend on LC_NUMERIC.
 */
#include "config.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

typedef enum { T_STR, T_INT, T_DOUBLE, T_BOOL } SettingType;

typedef struct Setting {
    const char *name;                    /* "section.key"; a section's rows are adjacent */
    const char *env;                     /* environment variable */
    SettingType type;
    const char *def;                     /* default, in file syntax, unquoted */
    long        imin, imax;              /* T_INT range; imax NO_MAX = no upper bound */
    double      dmin, dmax;              /* T_DOUBLE range */
    const char *const *choices;          /* T_STR: allowed values, NULL-terminated */
    const char *(*check)(const char *v); /* T_STR: NULL if v is fine, else what is expected */
    const char *form;                    /* T_STR with check: the form, for the example */
    const char *doc;                     /* one line, for the example file */
    bool        duration;                /* T_INT in seconds: also 90s, 30m, 1h, 1d */
    bool        reload;                  /* SIGHUP applies it to the running process */
    bool        secret;                  /* its value is never logged (a reload says "(hidden)") */
} Setting;

#define NO_MAX LONG_MAX

static const char *const log_levels[] = {"debug", "info", "warn", "error", NULL};
static const char *const hash_limits[] = {"interactive", "moderate", "min", NULL};

static const char *check_listen(const char *v);
static const char *check_url_prefixes(const char *v);

static const Setting settings[] = {
    /* [general] */
    {.name = "general.db", .env = "RESOPS_DB", .type = T_STR, .def = "",
     .doc = "SQLite database path (\"\" = $XDG_DATA_HOME/resops/resops.db)."},
    {.name = "general.log_level", .env = "LOG_LEVEL", .type = T_STR, .def = "info",
     .choices = log_levels,
     .reload = true,
     .doc = "Least severe log level that is written."},
    {.name = "general.log_file", .env = "RESOPS_LOG_FILE", .type = T_STR, .def = "",
     .doc = "Log file in TUI mode (\"\" = resops.log next to the database)."},

    /* [engine] */
    {.name = "engine.check_interval", .env = "CHECK_INTERVAL", .type = T_INT, .def = "300",
     .imin = 1, .imax = 86400,
     .reload = true,
     .doc = "Seconds between health-check cycles (seed 000: 5 minutes)."},
    {.name = "engine.probe_timeout_ms", .env = "PROBE_TIMEOUT_MS", .type = T_INT, .def = "10000",
     .imin = 50, .imax = 600000,
     .reload = true,
     .doc = "Milliseconds before a single probe gives up."},
    {.name = "engine.down_after", .env = "RESOPS_DOWN_AFTER", .type = T_INT, .def = "3",
     .imin = 1, .imax = 100,
     .reload = true,
     .doc = "Consecutive probe failures that mark a service Down."},
    {.name = "engine.degraded_window", .env = "RESOPS_DEGRADED_WINDOW", .type = T_INT, .def = "5",
     .imin = 1, .imax = 64,
     .reload = true,
     .doc = "A failure among the last N probes marks a service Degraded."},
    {.name = "engine.slow_ms", .env = "RESOPS_SLOW_MS", .type = T_INT, .def = "2000",
     .imin = 1, .imax = 600000,
     .reload = true,
     .doc = "A probe slower than this many milliseconds marks a service Degraded."},
    {.name = "engine.heartbeat_degraded_s", .env = "RESOPS_HEARTBEAT_DEGRADED_S", .type = T_INT,
     .def = "300", .imin = 1, .imax = NO_MAX,
     .reload = true,
     .doc = "Seconds without a heartbeat before a heartbeat service is Degraded."},
    {.name = "engine.heartbeat_down_s", .env = "RESOPS_HEARTBEAT_DOWN_S", .type = T_INT,
     .def = "600", .imin = 1, .imax = NO_MAX,
     .reload = true,
     .doc = "Seconds without a heartbeat before a heartbeat service is Down."},
    {.name = "engine.metrics_interval", .env = "METRICS_INTERVAL", .type = T_INT, .def = "5",
     .imin = 1, .imax = 3600,
     .doc = "Seconds between metrics samples."},

    /* [metrics] */
    {.name = "metrics.alert_after", .env = "RESOPS_ALERT_AFTER", .type = T_INT, .def = "3",
     .imin = 1, .imax = 1000,
     .doc = "Consecutive samples over a threshold before its alert fires."},
    {.name = "metrics.clear_after", .env = "RESOPS_CLEAR_AFTER", .type = T_INT, .def = "3",
     .imin = 1, .imax = 1000,
     .doc = "Consecutive samples under the clear level before a firing alert clears."},
    {.name = "metrics.hysteresis_pct", .env = "RESOPS_HYSTERESIS_PCT", .type = T_DOUBLE,
     .def = "5", .dmin = 0, .dmax = 50,
     .doc = "Clear level: this many percent (of the threshold) under the threshold."},
    {.name = "metrics.raw_retention_s", .env = "RESOPS_METRICS_RAW_RETENTION_S", .type = T_INT,
     .def = "86400", .imin = 60, .imax = NO_MAX,
     .doc = "Seconds raw samples are kept (then only minute averages)."},
    {.name = "metrics.minute_retention_s", .env = "RESOPS_METRICS_MINUTE_RETENTION_S",
     .type = T_INT, .def = "2592000", .imin = 0, .imax = NO_MAX,
     .doc = "Seconds minute averages are kept (0 = none)."},

    /* [api] */
    {.name = "api.listen", .env = "RESOPS_LISTEN", .type = T_STR, .def = "",
     .check = check_listen, .form = "HOST:PORT, [IPV6]:PORT or \"\"",
     .doc = "Address the HTTP API listens on, e.g. 127.0.0.1:8080 (\"\" = no API)."},
    {.name = "api.jwt_secret_key", .env = "JWT_SECRET_KEY", .type = T_STR, .def = "",
     .secret = true,
     .doc = "Secret that signs API session tokens (JWT); keep it private."},
    {.name = "api.open_signup", .env = "RESOPS_OPEN_SIGNUP", .type = T_BOOL, .def = "false",
     .doc = "Let anyone create an account through the API."},
    {.name = "api.admin_token", .env = "ADMIN_TOKEN", .type = T_STR, .def = "",
     .secret = true,
     .doc = "Token that grants admin rights on the API (\"\" = none)."},
    {.name = "api.cors_origins", .env = "CORS_ORIGINS", .type = T_STR, .def = "",
     .doc = "Origins allowed by CORS, comma-separated (\"\" = none)."},
    {.name = "api.tls_cert", .env = "RESOPS_TLS_CERT", .type = T_STR, .def = "",
     .doc = "TLS certificate (PEM) for the API; set with tls_key to serve HTTPS."},
    {.name = "api.tls_key", .env = "RESOPS_TLS_KEY", .type = T_STR, .def = "",
     .doc = "TLS private key (PEM) for the API."},
    {.name = "api.password_hash_limits", .env = "RESOPS_PASSWORD_LIMITS", .type = T_STR,
     .def = "interactive", .choices = hash_limits,
     .doc = "Password hashing cost (min is for tests only)."},
    {.name = "api.header_timeout_s", .env = "RESOPS_HEADER_TIMEOUT_S", .type = T_INT,
     .def = "10", .imin = 1, .imax = 3600,
     .doc = "Seconds a request may take to send its headers (then the connection is closed)."},
    {.name = "api.body_timeout_s", .env = "RESOPS_BODY_TIMEOUT_S", .type = T_INT,
     .def = "30", .imin = 1, .imax = 3600,
     .doc = "Seconds a request may take to send its headers and whole body."},
    {.name = "api.max_connections", .env = "RESOPS_MAX_CONNECTIONS", .type = T_INT,
     .def = "0", .imin = 0, .imax = 1000000,
     .doc = "Open connections at most (0 = from the file limit, at most 4096)."},
    {.name = "api.max_connections_per_ip", .env = "RESOPS_MAX_CONNECTIONS_PER_IP", .type = T_INT,
     .def = "512", .imin = 1, .imax = 1000000,
     .doc = "Open connections from one client address at most."},
    {.name = "api.max_waiting_resolves", .env = "RESOPS_MAX_WAITING_RESOLVES", .type = T_INT,
     .def = "64", .imin = 1, .imax = 1024,
     .doc = "Auto-resolve requests waiting for their run at once (503 beyond)."},
    {.name = "api.max_waiting_resolves_per_user", .env = "RESOPS_MAX_WAITING_RESOLVES_PER_USER",
     .type = T_INT, .def = "32", .imin = 1, .imax = 1024,
     .doc = "Auto-resolve requests one user may have waiting at once (429 beyond)."},
    /* issue 12: Swagger UI (GET /api/docs/ui); = API_DOCS_DIR_DEFAULT */
    {.name = "api.docs_dir", .env = "RESOPS_DOCS_DIR", .type = T_STR,
     .def = "/usr/lib/python3/dist-packages/flasgger/ui3/static",
     .doc = "Folder of the packaged Swagger UI files served at /api/docs/ui (Debian's python3-flasgger)."},
    /* issue 12: durable ingestion (group commit) */
    {.name = "api.threads", .env = "RESOPS_API_THREADS", .type = T_INT,
     .def = "64", .imin = 1, .imax = 1024,
     .doc = "Worker threads of the HTTP listener; an ingestion request waits on its thread for the group commit, so this many can share one fsync."},

    /* [notify] */
    {.name = "notify.alert_webhook_url", .env = "ALERT_WEBHOOK_URL", .type = T_STR, .def = "",
     .reload = true,
     .doc = "URL that alerts are POSTed to (\"\" = no webhook)."},
    {.name = "notify.alert_webhook_secret", .env = "ALERT_WEBHOOK_SECRET", .type = T_STR,
     .def = "",
     .reload = true, .secret = true,
     .doc = "Shared secret used to sign webhook requests."},
    {.name = "notify.alert_webhook_retries", .env = "ALERT_WEBHOOK_RETRIES", .type = T_INT,
     .def = "3", .imin = 0, .imax = 100,
     .reload = true,
     .doc = "Retries of a failed webhook delivery."},
    {.name = "notify.alert_webhook_backoff", .env = "ALERT_WEBHOOK_BACKOFF", .type = T_DOUBLE,
     .def = "1.0", .dmin = 0, .dmax = 3600,
     .reload = true,
     .doc = "Seconds to wait before retrying a failed webhook delivery."},
    {.name = "notify.smtp_host", .env = "ALERT_SMTP_HOST", .type = T_STR, .def = "",
     .reload = true,
     .doc = "SMTP server for alert e-mail (\"\" = no e-mail)."},
    {.name = "notify.smtp_port", .env = "ALERT_SMTP_PORT", .type = T_INT, .def = "587",
     .imin = 1, .imax = 65535,
     .reload = true,
     .doc = "SMTP server port."},
    {.name = "notify.smtp_user", .env = "ALERT_SMTP_USER", .type = T_STR, .def = "",
     .reload = true,
     .doc = "SMTP user name (\"\" = no authentication)."},
    {.name = "notify.smtp_pass", .env = "ALERT_SMTP_PASS", .type = T_STR, .def = "",
     .reload = true, .secret = true,
     .doc = "SMTP password."},
    {.name = "notify.alert_from", .env = "ALERT_FROM", .type = T_STR, .def = "",
     .reload = true,
     .doc = "Sender address of alert e-mail."},
    {.name = "notify.alert_to", .env = "ALERT_TO", .type = T_STR, .def = "",
     .reload = true,
     .doc = "Recipient address of alert e-mail."},
    {.name = "notify.pagerduty_routing_key", .env = "PAGERDUTY_ROUTING_KEY", .type = T_STR,
     .def = "",
     .reload = true, .secret = true,
     .doc = "PagerDuty Events v2 routing key (\"\" = no PagerDuty)."},
    {.name = "notify.pagerduty_url", .env = "PAGERDUTY_URL", .type = T_STR,
     .def = "https://events.pagerduty.com/v2/enqueue",
     .reload = true,
     .doc = "PagerDuty Events API endpoint."},
    {.name = "notify.max_age_s", .env = "RESOPS_NOTIFY_MAX_AGE_S", .type = T_INT, .def = "86400",
     .imin = 60, .imax = NO_MAX,
     .reload = true,
     .doc = "A notification not delivered within this many seconds is dropped."},
    {.name = "notify.group_wait_s", .env = "RESOPS_NOTIFY_GROUP_WAIT_S", .type = T_INT,
     .def = "30", .imin = 0, .imax = 3600,
     .reload = true,
     .doc = "Seconds a service's first alert notification waits for its dependencies' (root cause first: a dependent of a Down service is folded into the root's page)."},
    {.name = "notify.slack_webhook_prefixes", .env = "RESOPS_SLACK_WEBHOOK_PREFIXES",
     .type = T_STR, .def = "https://hooks.slack.com/", .check = check_url_prefixes,   /* = NOTIFY_SLACK_PREFIXES_DEFAULT */
     .form = "comma-separated http(s)://HOST/... prefixes",
     .reload = true,
     .doc = "A Slack integration's webhook_url must start with one of these, when it is added and at each delivery (\"\" = no Slack webhooks)."},
    {.name = "notify.repeat_interval", .env = "RESOPS_NOTIFY_REPEAT_INTERVAL", .type = T_INT,
     .def = "1h", .imin = 0, .imax = 604800, .duration = true,
     .reload = true,
     .doc = "An open, unacknowledged Critical condition is notified again this often (0 = never)."},
    {.name = "notify.silence_max_minutes", .env = "RESOPS_SILENCE_MAX_MINUTES", .type = T_INT,
     .def = "10080", .imin = 1, .imax = 525600,   /* = SILENCE_MAX_MINUTES_DEFAULT */
     .reload = true,
     .doc = "Longest silence (or recurring window) in minutes; longer ones are refused (issue 11)."},

    /* [flapping] */
    {.name = "flapping.changes", .env = "RESOPS_FLAPPING_CHANGES", .type = T_INT, .def = "5",
     .imin = 2, .imax = 1000,
     .reload = true,
     .doc = "A service whose status changes more than this many times within flapping.window is flapping."},
    {.name = "flapping.window", .env = "RESOPS_FLAPPING_WINDOW", .type = T_INT, .def = "30m",
     .imin = 60, .imax = 86400, .duration = true,
     .reload = true,
     .doc = "The window over which status changes are counted (seconds, or 90s, 30m, 1h)."},

    /* [resolve] */
    {.name = "resolve.default_confidence_threshold", .env = "RESOPS_CONFIDENCE_THRESHOLD",
     .type = T_DOUBLE, .def = "0.90", .dmin = 0.5, .dmax = 1.0,
     .doc = "Default confidence a resolution needs before it is applied."},
    {.name = "resolve.max_concurrent_resolutions", .env = "RESOPS_MAX_CONCURRENT", .type = T_INT,
     .def = "10", .imin = 1, .imax = 100,
     .doc = "Resolutions that may run at the same time."},
    {.name = "resolve.retry_backoff_ms", .env = "RESOPS_RETRY_BACKOFF_MS", .type = T_INT,
     .def = "1000", .imin = 0, .imax = 600000,
     .doc = "Milliseconds before the first retry of a failed playbook step; doubles each retry."},
    {.name = "resolve.step_timeout_ms", .env = "RESOPS_STEP_TIMEOUT_MS", .type = T_INT,
     .def = "30000", .imin = 100, .imax = 3600000,
     .doc = "Milliseconds a playbook step may run when it sets no timeout_ms."},
    {.name = "resolve.playbook_file", .env = "RESOPS_PLAYBOOK_FILE", .type = T_STR, .def = "",
     .doc = "JSON file of the host's actions and playbooks, {\"actions\": {\"<name>\": step}, \"<category>\": [steps]}, loaded at start; the API can only name these actions (\"\" = none)."},

    /* [security] issue 12 (wt-norm): the syslog listener and the generic
     * JSON mapping (dotted paths into each alert; "" = the usual names) */
    {.name = "security.syslog_listen", .env = "RESOPS_SYSLOG_LISTEN", .type = T_STR, .def = "",
     .check = check_listen, .form = "HOST:PORT, [IPV6]:PORT or \"\"",
     .doc = "Syslog listener (UDP and TCP, RFC 5424/3164, RFC 6587 framing), e.g. 127.0.0.1:5514 (\"\" = off); --syslog sets it."},
    {.name = "security.syslog_max_connections", .env = "RESOPS_SYSLOG_MAX_CONNECTIONS",
     .type = T_INT, .def = "64", .imin = 1, .imax = 1024,
     .doc = "TCP connections the syslog listener keeps open at once; more are closed at once."},
    {.name = "security.syslog_idle_timeout", .env = "RESOPS_SYSLOG_IDLE_TIMEOUT", .type = T_INT,
     .def = "5m", .imin = 1, .imax = 86400, .duration = true,
     .doc = "A syslog TCP connection silent this long is closed (seconds, or 90s, 30m, 1h)."},
    {.name = "security.map.severity", .env = "RESOPS_MAP_SEVERITY", .type = T_STR, .def = "",
     .doc = "Generic JSON alerts: dotted path of the severity (a word, or an OCSF number 0..6)."},
    {.name = "security.map.timestamp", .env = "RESOPS_MAP_TIMESTAMP", .type = T_STR, .def = "",
     .doc = "Generic JSON alerts: dotted path of the time (RFC 3339, or epoch seconds/ms)."},
    {.name = "security.map.title", .env = "RESOPS_MAP_TITLE", .type = T_STR, .def = "",
     .doc = "Generic JSON alerts: dotted path of the title."},
    {.name = "security.map.description", .env = "RESOPS_MAP_DESCRIPTION", .type = T_STR,
     .def = "", .doc = "Generic JSON alerts: dotted path of the description."},
    {.name = "security.map.host", .env = "RESOPS_MAP_HOST", .type = T_STR, .def = "",
     .doc = "Generic JSON alerts: dotted path of the host (an observable)."},
    {.name = "security.map.user", .env = "RESOPS_MAP_USER", .type = T_STR, .def = "",
     .doc = "Generic JSON alerts: dotted path of the user (an observable)."},
    {.name = "security.map.ip", .env = "RESOPS_MAP_IP", .type = T_STR, .def = "",
     .doc = "Generic JSON alerts: dotted path of the IP address (an observable)."},
    /* [security] response actions (issue 12, wt-resp) */
    {.name = "security.actions", .env = "RESOPS_SECURITY_ACTIONS", .type = T_STR, .def = "",
     .doc = "Response actions as one JSON object, {\"<name>\": {\"kind\": \"command\", \"argv\": [\"/path\", \"${target.ip}\"], \"timeout_s\": 10} or {\"kind\": \"http\", \"url\": ...}}, checked at start (\"\" = block_ip, disable_user, isolate_host under security.actions_dir, and webhook when security.webhook_url is set)."},
    {.name = "security.actions_dir", .env = "RESOPS_SECURITY_ACTIONS_DIR", .type = T_STR,
     .def = "/usr/local/libexec/resops/actions/",
     .doc = "Directory of the default actions' commands (block_ip, disable_user, isolate_host)."},
    {.name = "security.webhook_url", .env = "RESOPS_SECURITY_WEBHOOK_URL", .type = T_STR,
     .def = "", .doc = "URL the default webhook action POSTs to (\"\" = no webhook action)."},
    {.name = "security.escalation_action", .env = "RESOPS_SECURITY_ESCALATION_ACTION",
     .type = T_STR, .def = "",
     .doc = "Action an escalated security alert's incident runs on the alert's observables (e.g. block_ip; \"\" = the security category's playbook)."},
    /* [security] issue 12 (vec): embeddings and similarity */
    {.name = "security.embedding_dim", .env = "RESOPS_EMBEDDING_DIM", .type = T_INT,
     .def = "384", .imin = 1, .imax = 4096,   /* = SIMILARITY_DIM_DEFAULT */
     .doc = "Dimension of every alert vector and of the similarity index (the built-in text embedding uses it too); vectors of another dimension are refused."},
    {.name = "security.hnsw_ef", .env = "RESOPS_HNSW_EF", .type = T_INT,
     .def = "200", .imin = 10, .imax = 4096,   /* = SIMILARITY_EF_DEFAULT */
     .doc = "Search breadth of the HNSW similarity index (hnswlib's ef): higher finds more of the true nearest alerts and costs more per search."},
    /* [security] issue 12: durable ingestion (wt-ingest) */
    {.name = "security.upload_max_bytes", .env = "RESOPS_UPLOAD_MAX_BYTES", .type = T_INT,
     .def = "16777216", .imin = 1024, .imax = 1073741824,
     .doc = "Largest body of the upload URL (GET /api/ingestion/raw-url) and the /api/ingest/* endpoints, in bytes; other requests stay limited to 1 MiB."},
};

#define N_SETTINGS (sizeof settings / sizeof settings[0])

typedef union Value {
    char  *s; /* T_STR, owned */
    long   i;
    double d;
    bool   b;
} Value;

struct Config {
    Value v[N_SETTINGS];      /* parallel to settings[] */
    char *origin[N_SETTINGS]; /* where each value came from; NULL = default */
};

/* ---- helpers ---------------------------------------------------------- */

static void set_err(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errsz, const char *fmt, ...)
{
    if (!err || !errsz)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errsz, fmt, ap);
    va_end(ap);
}

static const Setting *find(const char *name)
{
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (strcmp(settings[i].name, name) == 0)
            return &settings[i];
    return NULL;
}

static size_t section_len(const Setting *s) { return (size_t)(strchr(s->name, '.') - s->name); }

static bool section_known(const char *sec, size_t len)
{
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (section_len(&settings[i]) == len && strncmp(settings[i].name, sec, len) == 0)
            return true;
    return false;
}

static void value_done(const Setting *s, Value *v)
{
    if (s->type == T_STR)
        free(v->s);
}

static void values_done(Value *v)
{
    for (size_t i = 0; i < N_SETTINGS; i++)
        value_done(&settings[i], &v[i]);
}

static void values_copy(Value *dst, const Value *src)
{
    for (size_t i = 0; i < N_SETTINGS; i++) {
        dst[i] = src[i];
        if (settings[i].type == T_STR)
            dst[i].s = xstrdup(src[i].s);
    }
}

/* "debug, info, warn, error" into buf. */
static void join_choices(const char *const *choices, const char *sep, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; choices[i] && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? sep : "", choices[i]);
}

/* ---- parsing one value ------------------------------------------------ */

static const char *check_listen(const char *v)
{
    static const char want[] = "expected HOST:PORT with port 0..65535";
    if (!*v)
        return NULL;
    const char *colon = strrchr(v, ':');
    if (!colon || colon == v)
        return want;
    size_t hostlen = (size_t)(colon - v);
    if (v[0] == '[') {
        if (hostlen < 3 || colon[-1] != ']')
            return want;
    } else {
        for (size_t i = 0; i < hostlen; i++)
            if (v[i] == ':' || v[i] == '[' || v[i] == ']' || isspace((unsigned char)v[i]))
                return want;
    }
    const char *port = colon + 1;
    size_t plen = strlen(port);
    if (plen == 0 || plen > 5)
        return want;
    for (size_t i = 0; i < plen; i++)
        if (!isdigit((unsigned char)port[i]))
            return want;
    if (atol(port) > 65535)
        return want;
    return NULL;
}

/* Each entry "http://HOST/..." or "https://HOST/...": the '/' after the
 * host is required, so "https://hooks.slack.com" cannot also admit
 * "https://hooks.slack.com.evil.example/". */
static const char *check_url_prefixes(const char *v)
{
    static const char want[] = "expected comma-separated URL prefixes, each "
                               "http(s)://HOST/ or longer";
    const char *p = v, *b, *e;
    while (util_csv_next(&p, &b, &e)) {
        if (e > b) {
            size_t skip = strncmp(b, "https://", 8) == 0 ? 8
                          : strncmp(b, "http://", 7) == 0 ? 7 : 0;
            const char *host = b + skip, *slash = host;
            while (slash < e && *slash != '/')
                slash++;
            if (!skip || slash == host || slash == e)
                return want;
            for (const char *q = b; q < e; q++)
                if (isspace((unsigned char)*q) || (unsigned char)*q < 0x20)
                    return want;
        }
    }
    return NULL;
}

static int parse_bool(const char *t, bool *out)
{
    static const struct {
        const char *word;
        bool        value;
    } words[] = {
        {"true", true}, {"false", false}, {"yes", true}, {"no", false},
        {"on", true},   {"off", false},   {"1", true},   {"0", false},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcasecmp(t, words[i].word) == 0) {
            *out = words[i].value;
            return 0;
        }
    return -EINVAL;
}

/* Parse text as setting s into *out (a new string for T_STR). On error,
 * why says what is wrong, without naming the setting. */
static int parse_value(const Setting *s, const char *text, Value *out, char *why, size_t whysz)
{
    char *end;
    switch (s->type) {
    case T_STR:
        if (s->choices) {
            for (size_t i = 0; s->choices[i]; i++)
                if (strcasecmp(text, s->choices[i]) == 0) {
                    out->s = xstrdup(s->choices[i]);
                    return 0;
                }
            char list[256];
            join_choices(s->choices, ", ", list, sizeof list);
            set_err(why, whysz, "must be one of %s: '%s'", list, text);
            return -EINVAL;
        }
        if (s->check) {
            const char *want = s->check(text);
            if (want) {
                set_err(why, whysz, "%s: '%s'", want, text);
                return -EINVAL;
            }
        }
        out->s = xstrdup(text);
        return 0;

    case T_INT: {
        errno = 0;
        long v = strtol(text, &end, 10);
        if (s->duration && end != text && *end && !end[1] && strchr("smhd", *end) && v >= 0 &&
            v <= LONG_MAX / 86400) {
            v *= *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600 : 86400;
            end++;
        }
        if (end == text || *end) {
            set_err(why, whysz, s->duration ? "not a duration (seconds, or 90s, 30m, 1h, 1d): '%s'"
                                            : "not an integer: '%s'", text);
            return -EINVAL;
        }
        if (errno == ERANGE || v < s->imin || v > s->imax) {
            if (s->imax == NO_MAX)
                set_err(why, whysz, "must be at least %ld", s->imin);
            else
                set_err(why, whysz, "must be between %ld and %ld", s->imin, s->imax);
            return -EINVAL;
        }
        out->i = v;
        return 0;
    }

    case T_DOUBLE: {
        double v = util_strtod_c(text, &end);
        if (end == text || *end || isnan(v)) {
            set_err(why, whysz, "not a number: '%s'", text);
            return -EINVAL;
        }
        if (!(v >= s->dmin && v <= s->dmax)) {
            util_format_c(why, whysz, "must be between %g and %g", s->dmin, s->dmax);
            return -EINVAL;
        }
        out->d = v;
        return 0;
    }

    case T_BOOL:
        if (parse_bool(text, &out->b) < 0) {
            set_err(why, whysz, "not a boolean (true/false, yes/no, on/off, 1/0): '%s'", text);
            return -EINVAL;
        }
        return 0;
    }
    assert(!"bad setting type");
    return -EINVAL;
}

/* Parse and store into vals; on error why = "section.key: what is wrong". */
static int apply(Value *vals, const Setting *s, const char *text, char *why, size_t whysz)
{
    char what[512];
    Value nv;
    if (parse_value(s, text, &nv, what, sizeof what) < 0) {
        set_err(why, whysz, "%s: %s", s->name, what);
        return -EINVAL;
    }
    Value *slot = &vals[s - settings];
    value_done(s, slot);
    *slot = nv;
    return 0;
}

/* ---- the file --------------------------------------------------------- */

static char *skip_ws(char *p)
{
    while (isspace((unsigned char)*p))
        p++;
    return p;
}

static void rtrim(char *p)
{
    size_t n = strlen(p);
    while (n && isspace((unsigned char)p[n - 1]))
        p[--n] = '\0';
}

/* The value part of "key = value", in place: quotes stripped, or an inline
 * comment and surrounding whitespace removed. */
static int split_value(char *v, char **out, char *why, size_t whysz)
{
    v = skip_ws(v);
    if (*v == '"') {
        char *close = strchr(v + 1, '"');
        if (!close) {
            set_err(why, whysz, "unterminated quoted value");
            return -EINVAL;
        }
        char *rest = skip_ws(close + 1);
        if (*rest && *rest != '#') {
            set_err(why, whysz, "unexpected text after quoted value: '%s'", rest);
            return -EINVAL;
        }
        *close = '\0';
        *out = v + 1;
        return 0;
    }
    for (char *q = v; *q; q++)
        if (*q == '#' && (q == v || isspace((unsigned char)q[-1]))) {
            *q = '\0';
            break;
        }
    rtrim(v);
    *out = v;
    return 0;
}

/* One line, modified in place. *section is the current section (owned,
 * NULL before the first header). */
static int parse_line(Value *vals, char *line, char **section, const Setting **out_s,
                      char *why, size_t whysz)
{
    rtrim(line);
    char *p = skip_ws(line);
    if (!*p || *p == '#' || *p == ';')
        return 0;

    if (*p == '[') {
        char *close = strchr(p, ']');
        if (!close) {
            set_err(why, whysz, "unterminated section header");
            return -EINVAL;
        }
        char *rest = skip_ws(close + 1);
        if (*rest && *rest != '#') {
            set_err(why, whysz, "unexpected text after section header: '%s'", rest);
            return -EINVAL;
        }
        *close = '\0';
        char *name = skip_ws(p + 1);
        rtrim(name);
        if (!section_known(name, strlen(name))) {
            set_err(why, whysz, "unknown section [%s]", name);
            return -EINVAL;
        }
        free(*section);
        *section = xstrdup(name);
        return 0;
    }

    char *eq = strchr(p, '=');
    if (!eq || eq == p) {
        set_err(why, whysz, "expected 'key = value'");
        return -EINVAL;
    }
    *eq = '\0';
    rtrim(p);
    if (!*section) {
        set_err(why, whysz, "key '%s' outside a section", p);
        return -EINVAL;
    }
    char *value;
    if (split_value(eq + 1, &value, why, whysz) < 0)
        return -EINVAL;

    char *name = xasprintf("%s.%s", *section, p);
    const Setting *s = find(name);
    free(name);
    if (!s) {
        set_err(why, whysz, "unknown key '%s' in section [%s]", p, *section);
        return -EINVAL;
    }
    *out_s = s;
    return apply(vals, s, value, why, whysz);
}

int config_load_file(Config *c, const char *path, char *err, size_t errsz)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        int e = errno;
        set_err(err, errsz, "%s: %s", path, strerror(e));
        return -e;
    }

    Value tmp[N_SETTINGS];
    values_copy(tmp, c->v);
    char *where[N_SETTINGS] = {0}; /* "FILE:LINE" of the settings this file sets */
    char *line = NULL, *section = NULL;
    size_t cap = 0;
    long lineno = 0;
    int r = 0;
    char why[1024];

    while (getline(&line, &cap, f) != -1) {
        lineno++;
        char *p = line;
        if (lineno == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0)
            p += 3; /* UTF-8 byte order mark, as some editors write */
        const Setting *set = NULL;
        r = parse_line(tmp, p, &section, &set, why, sizeof why);
        if (r < 0) {
            set_err(err, errsz, "%s:%ld: %s", path, lineno, why);
            goto out;
        }
        if (set) {
            free(where[set - settings]);
            where[set - settings] = xasprintf("%s:%ld", path, lineno);
        }
    }
    if (ferror(f)) {
        int e = errno ? errno : EIO;
        set_err(err, errsz, "%s: %s", path, strerror(e));
        r = -e;
    }

out:
    free(line);
    free(section);
    fclose(f);
    if (r == 0) {
        values_done(c->v);
        memcpy(c->v, tmp, sizeof tmp);
    } else {
        values_done(tmp);
    }
    for (size_t i = 0; i < N_SETTINGS; i++) {
        if (r == 0 && where[i]) {
            free(c->origin[i]);
            c->origin[i] = where[i];
        } else {
            free(where[i]);
        }
    }
    return r;
}

/* ---- environment, flags ----------------------------------------------- */

int config_load_env(Config *c, char *err, size_t errsz)
{
    Value tmp[N_SETTINGS];
    values_copy(tmp, c->v);
    for (size_t i = 0; i < N_SETTINGS; i++) {
        const Setting *s = &settings[i];
        const char *v = getenv(s->env);
        if (!v || !*v)
            continue;
        char what[512];
        Value nv;
        if (parse_value(s, v, &nv, what, sizeof what) < 0) {
            set_err(err, errsz, "%s: %s", s->env, what);
            values_done(tmp);
            return -EINVAL;
        }
        value_done(s, &tmp[i]);
        tmp[i] = nv;
    }
    values_done(c->v);
    memcpy(c->v, tmp, sizeof tmp);
    for (size_t i = 0; i < N_SETTINGS; i++) {
        const char *v = getenv(settings[i].env);
        if (v && *v) {
            free(c->origin[i]);
            c->origin[i] = xstrdup(settings[i].env);
        }
    }
    return 0;
}

int config_set(Config *c, const char *name, const char *value, char *err, size_t errsz)
{
    assert(name && value);
    const Setting *s = find(name);
    if (!s) {
        set_err(err, errsz, "unknown setting '%s'", name);
        return -EINVAL;
    }
    int r = apply(c->v, s, value, err, errsz);
    if (r == 0) {
        free(c->origin[s - settings]);
        c->origin[s - settings] = xstrdup(name);
    }
    return r;
}

const char *config_origin(const Config *c, const char *name)
{
    const Setting *s = find(name);
    assert(s && "unknown setting");
    return c->origin[s - settings] ? c->origin[s - settings] : name;
}

/* ---- lifetime, getters ------------------------------------------------ */

Config *config_new(void)
{
    Config *c = xcalloc(1, sizeof *c);
    for (size_t i = 0; i < N_SETTINGS; i++) {
        int r = parse_value(&settings[i], settings[i].def, &c->v[i], NULL, 0);
        assert(r == 0 && "a default in settings[] does not pass its own validation");
        (void)r;
    }
    return c;
}

void config_free(Config *c)
{
    if (!c)
        return;
    values_done(c->v);
    for (size_t i = 0; i < N_SETTINGS; i++)
        free(c->origin[i]);
    free(c);
}

static const Value *get(const Config *c, const char *name, SettingType type)
{
    const Setting *s = find(name);
    assert(s && "config: unknown setting name");
    assert(s->type == type && "config: getter does not match the setting's type");
    if (!s || s->type != type)
        abort(); /* with NDEBUG too: never read the wrong union member */
    return &c->v[s - settings];
}

const char *config_str(const Config *c, const char *name) { return get(c, name, T_STR)->s; }
long config_int(const Config *c, const char *name) { return get(c, name, T_INT)->i; }
double config_double(const Config *c, const char *name) { return get(c, name, T_DOUBLE)->d; }
int config_bool(const Config *c, const char *name) { return get(c, name, T_BOOL)->b; }

/* ---- the example file ------------------------------------------------- */

static const char example_header[] =
    "# resops configuration (example: every setting, at its default).\n"
    "#\n"
    "# Each source overrides the one before it:\n"
    "#   built-in defaults < this file < environment variables < command-line flags\n"
    "# Every setting names its environment variable (\"env:\"); an empty\n"
    "# variable is ignored.\n"
    "#\n"
    "# Syntax: [section] headers and \"key = value\" lines; a line that starts\n"
    "# with '#' or ';' is a comment. A value may be wrapped in double quotes\n"
    "# (no escapes); otherwise a '#' that starts it or follows whitespace begins\n"
    "# a comment. Booleans: true/false, yes/no, on/off, 1/0. To change a\n"
    "# setting, remove the '#' in front of its key.\n"
    "#\n"
    "# Generated from the setting table in src/config/config.c (config_write_example).\n";

/* "integer 1..86400", "one of debug|info|warn|error", ... into buf. */
static void describe(const Setting *s, char *buf, size_t n)
{
    switch (s->type) {
    case T_STR:
        if (s->choices) {
            static const char one_of[] = "one of ";
            assert(n > sizeof one_of);
            memcpy(buf, one_of, sizeof one_of);
            join_choices(s->choices, "|", buf + sizeof one_of - 1, n - sizeof one_of + 1);
        } else {
            snprintf(buf, n, "%s", s->form ? s->form : "string");
        }
        return;
    case T_INT:
        if (s->duration)
            snprintf(buf, n, "duration %lds..%lds (90s, 30m, 1h)", s->imin, s->imax);
        else if (s->imax == NO_MAX)
            snprintf(buf, n, "integer >= %ld", s->imin);
        else
            snprintf(buf, n, "integer %ld..%ld", s->imin, s->imax);
        return;
    case T_DOUBLE:
        util_format_c(buf, n, "number %g..%g", s->dmin, s->dmax);
        return;
    case T_BOOL:
        snprintf(buf, n, "boolean");
        return;
    }
}

void config_write_example(FILE *f)
{
    fputs(example_header, f);
    const Setting *prev = NULL;
    for (size_t i = 0; i < N_SETTINGS; i++) {
        const Setting *s = &settings[i];
        size_t sl = section_len(s);
        if (!prev || section_len(prev) != sl || strncmp(prev->name, s->name, sl) != 0)
            fprintf(f, "\n[%.*s]\n", (int)sl, s->name);
        prev = s;

        char type[256];
        describe(s, type, sizeof type);
        const char *q = s->type == T_STR ? "\"" : "";
        fprintf(f, "\n# %s\n# %s; env: %s\n#%s = %s%s%s\n", s->doc, type, s->env,
                s->name + sl + 1, q, s->def, q);
    }
}

/* ---- reloading (SIGHUP) ----------------------------------------------- */

/* v as the file would say it, into buf. */
static void value_text(const Setting *s, const Value *v, char *buf, size_t n)
{
    switch (s->type) {
    case T_STR: snprintf(buf, n, "\"%s\"", v->s); return;
    case T_INT: snprintf(buf, n, "%ld", v->i); return;
    case T_DOUBLE: util_format_c(buf, n, "%g", v->d); return;
    case T_BOOL: snprintf(buf, n, "%s", v->b ? "true" : "false"); return;
    }
}

static bool value_same(const Setting *s, const Value *a, const Value *b)
{
    switch (s->type) {
    case T_STR: return strcmp(a->s, b->s) == 0;
    case T_INT: return a->i == b->i;
    case T_DOUBLE: return a->d == b->d;
    case T_BOOL: return a->b == b->b;
    }
    return false;
}

int config_reloads(const char *name)
{
    const Setting *s = find(name);
    assert(s && "config: unknown setting name");
    return s && s->reload;
}

int config_diff(const Config *old, const Config *cur, ConfigChangeFn fn, void *ctx)
{
    int n = 0;
    for (size_t i = 0; i < N_SETTINGS; i++) {
        const Setting *s = &settings[i];
        if (value_same(s, &old->v[i], &cur->v[i]))
            continue;
        char a[256] = "(hidden)", b[256] = "(hidden)";
        if (!s->secret) {
            value_text(s, &old->v[i], a, sizeof a);
            value_text(s, &cur->v[i], b, sizeof b);
        }
        fn(ctx, s->name, a, b, s->reload);
        n++;
    }
    return n;
}

/* ---- the man page's CONFIGURATION section ------------------------------- */

/* s as roff text: a leading '.' or '\'' escaped, '\\' and '-' escaped. */
static void roff_text(FILE *f, const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", f);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", f);
        else if (*s == '-')
            fputs("\\-", f);
        else
            fputc(*s, f);
    }
}

void config_write_man(FILE *f)
{
    const Setting *prev = NULL;
    for (size_t i = 0; i < N_SETTINGS; i++) {
        const Setting *s = &settings[i];
        assert(!strpbrk(s->def, " \"") && "a default the man page cannot write bare");
        size_t sl = section_len(s);
        if (!prev || section_len(prev) != sl || strncmp(prev->name, s->name, sl) != 0)
            fprintf(f, ".SS [%.*s]\n", (int)sl, s->name);
        prev = s;
        char type[256];
        describe(s, type, sizeof type);
        fputs(".TP\n.B ", f);
        roff_text(f, s->name);
        fputs("\n", f);
        roff_text(f, s->doc);
        fputs("\n.br\n", f);
        roff_text(f, type);
        fputs("; default\n.BR ", f);
        if (*s->def)
            roff_text(f, s->def);   /* a bare word: no default holds a space or a quote */
        else
            fputs("\\(dq\\(dq", f);
        fputs(" ;\nenvironment\n.BR ", f);
        roff_text(f, s->env);
        fputs(" ;\n", f);
        fputs(s->reload ? ".B SIGHUP\nreloads it.\n" : "a restart applies it.\n", f);
    }
}

void config_keep_running(Config *next, const Config *running)
{
    for (size_t i = 0; i < N_SETTINGS; i++) {
        const Setting *s = &settings[i];
        if (s->reload)
            continue;
        value_done(s, &next->v[i]);
        next->v[i] = running->v[i];
        if (s->type == T_STR)
            next->v[i].s = xstrdup(running->v[i].s);
        free(next->origin[i]);
        next->origin[i] = running->origin[i] ? xstrdup(running->origin[i]) : NULL;
    }
}
