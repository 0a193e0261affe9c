/* test_config — the setting table (names, env vars, defaults), the INI
 * parser and its error messages, precedence of file < env < flags, and the
 * committed example file.
 *
 * The expected table below is written from the spec, not from config.c, so
 * a renamed variable or a changed default fails here. Files live in a
 * temporary directory made by the group setup; the environment variables of
 * every setting are unset first so the caller's environment cannot leak in.
 */
#include <errno.h>
#include <locale.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "domain/notify.h"
#include "util.h"

#ifndef SOURCE_ROOT
#error "build with -DSOURCE_ROOT=\"<source dir>\" to locate data/resops.conf.example"
#endif

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

typedef enum { STR, INT, DBL, BOOL } Kind;

typedef struct Row {
    const char *name, *env;
    Kind        kind;
    const char *def; /* the spec's default */
    const char *alt; /* another valid value */
} Row;

static const Row rows[] = {
    {"general.db", "RESOPS_DB", STR, "", "/var/lib/resops/resops.db"},
    {"general.log_level", "LOG_LEVEL", STR, "info", "debug"},
    {"general.log_file", "RESOPS_LOG_FILE", STR, "", "/tmp/resops.log"},
    {"engine.check_interval", "CHECK_INTERVAL", INT, "300", "60"},
    {"engine.probe_timeout_ms", "PROBE_TIMEOUT_MS", INT, "10000", "50"},
    {"engine.down_after", "RESOPS_DOWN_AFTER", INT, "3", "5"},
    {"engine.degraded_window", "RESOPS_DEGRADED_WINDOW", INT, "5", "64"},
    {"engine.slow_ms", "RESOPS_SLOW_MS", INT, "2000", "1"},
    {"engine.heartbeat_degraded_s", "RESOPS_HEARTBEAT_DEGRADED_S", INT, "300", "1000000"},
    {"engine.heartbeat_down_s", "RESOPS_HEARTBEAT_DOWN_S", INT, "600", "7200"},
    {"engine.metrics_interval", "METRICS_INTERVAL", INT, "5", "3600"},
    {"metrics.alert_after", "RESOPS_ALERT_AFTER", INT, "3", "1"},
    {"metrics.clear_after", "RESOPS_CLEAR_AFTER", INT, "3", "1000"},
    {"metrics.hysteresis_pct", "RESOPS_HYSTERESIS_PCT", DBL, "5", "12.5"},
    {"metrics.raw_retention_s", "RESOPS_METRICS_RAW_RETENTION_S", INT, "86400", "60"},
    {"metrics.minute_retention_s", "RESOPS_METRICS_MINUTE_RETENTION_S", INT, "2592000", "0"},
    {"api.listen", "RESOPS_LISTEN", STR, "", "127.0.0.1:8080"},
    {"api.jwt_secret_key", "JWT_SECRET_KEY", STR, "", "s3cret"},
    {"api.open_signup", "RESOPS_OPEN_SIGNUP", BOOL, "false", "true"},
    {"api.admin_token", "ADMIN_TOKEN", STR, "", "tok"},
    {"api.cors_origins", "CORS_ORIGINS", STR, "", "https://a.example,https://b.example"},
    {"api.tls_cert", "RESOPS_TLS_CERT", STR, "", "/etc/resops/cert.pem"},
    {"api.tls_key", "RESOPS_TLS_KEY", STR, "", "/etc/resops/key.pem"},
    {"api.password_hash_limits", "RESOPS_PASSWORD_LIMITS", STR, "interactive", "min"},
    {"api.header_timeout_s", "RESOPS_HEADER_TIMEOUT_S", INT, "10", "2"},
    {"api.body_timeout_s", "RESOPS_BODY_TIMEOUT_S", INT, "30", "4"},
    {"api.max_connections", "RESOPS_MAX_CONNECTIONS", INT, "0", "1000"},
    {"api.max_connections_per_ip", "RESOPS_MAX_CONNECTIONS_PER_IP", INT, "512", "4"},
    {"api.max_waiting_resolves", "RESOPS_MAX_WAITING_RESOLVES", INT, "64", "3"},
    {"api.max_waiting_resolves_per_user", "RESOPS_MAX_WAITING_RESOLVES_PER_USER", INT, "32", "2"},
    {"api.docs_dir", "RESOPS_DOCS_DIR", STR, "/usr/lib/python3/dist-packages/flasgger/ui3/static",
     "/usr/share/resops/swagger-ui"},
    {"notify.alert_webhook_url", "ALERT_WEBHOOK_URL", STR, "", "https://hooks.example/x"},
    {"notify.alert_webhook_secret", "ALERT_WEBHOOK_SECRET", STR, "", "whsec"},
    {"notify.alert_webhook_retries", "ALERT_WEBHOOK_RETRIES", INT, "3", "0"},
    {"notify.alert_webhook_backoff", "ALERT_WEBHOOK_BACKOFF", DBL, "1.0", "2.5"},
    {"notify.smtp_host", "ALERT_SMTP_HOST", STR, "", "smtp.example"},
    {"notify.smtp_port", "ALERT_SMTP_PORT", INT, "587", "465"},
    {"notify.smtp_user", "ALERT_SMTP_USER", STR, "", "ops"},
    {"notify.smtp_pass", "ALERT_SMTP_PASS", STR, "", "pw"},
    {"notify.alert_from", "ALERT_FROM", STR, "", "resops@example.com"},
    {"notify.alert_to", "ALERT_TO", STR, "", "oncall@example.com"},
    {"notify.pagerduty_routing_key", "PAGERDUTY_ROUTING_KEY", STR, "", "R0UT1NG"},
    {"notify.pagerduty_url", "PAGERDUTY_URL", STR, "https://events.pagerduty.com/v2/enqueue",
     "http://127.0.0.1:9/enqueue"},
    {"notify.max_age_s", "RESOPS_NOTIFY_MAX_AGE_S", INT, "86400", "60"},
    {"notify.group_wait_s", "RESOPS_NOTIFY_GROUP_WAIT_S", INT, "30", "0"},
    {"notify.slack_webhook_prefixes", "RESOPS_SLACK_WEBHOOK_PREFIXES", STR,
     "https://hooks.slack.com/", "http://127.0.0.1:9/,https://hooks.slack.com/services/T1/"},
    {"notify.repeat_interval", "RESOPS_NOTIFY_REPEAT_INTERVAL", INT, "1h", "90"},
    {"notify.silence_max_minutes", "RESOPS_SILENCE_MAX_MINUTES", INT, "10080", "60"},
    {"flapping.changes", "RESOPS_FLAPPING_CHANGES", INT, "5", "2"},
    {"flapping.window", "RESOPS_FLAPPING_WINDOW", INT, "30m", "600"},
    {"resolve.default_confidence_threshold", "RESOPS_CONFIDENCE_THRESHOLD", DBL, "0.90", "0.5"},
    {"resolve.max_concurrent_resolutions", "RESOPS_MAX_CONCURRENT", INT, "10", "1"},
    {"resolve.retry_backoff_ms", "RESOPS_RETRY_BACKOFF_MS", INT, "1000", "0"},
    {"resolve.step_timeout_ms", "RESOPS_STEP_TIMEOUT_MS", INT, "30000", "100"},
    {"resolve.playbook_file", "RESOPS_PLAYBOOK_FILE", STR, "", "/etc/resops/playbooks.json"},
    /* issue 12: durable ingestion */
    {"api.threads", "RESOPS_API_THREADS", INT, "64", "4"},
    {"security.upload_max_bytes", "RESOPS_UPLOAD_MAX_BYTES", INT, "16777216", "1048576"},
    /* issue 12 (wt-norm): the syslog listener, the generic JSON mapping */
    {"security.syslog_listen", "RESOPS_SYSLOG_LISTEN", STR, "", "127.0.0.1:5514"},
    {"security.syslog_max_connections", "RESOPS_SYSLOG_MAX_CONNECTIONS", INT, "64", "8"},
    {"security.syslog_idle_timeout", "RESOPS_SYSLOG_IDLE_TIMEOUT", INT, "5m", "30"},
    {"security.map.severity", "RESOPS_MAP_SEVERITY", STR, "", "event.severity"},
    {"security.map.timestamp", "RESOPS_MAP_TIMESTAMP", STR, "", "event.created"},
    {"security.map.title", "RESOPS_MAP_TITLE", STR, "", "rule.name"},
    {"security.map.description", "RESOPS_MAP_DESCRIPTION", STR, "", "message"},
    {"security.map.host", "RESOPS_MAP_HOST", STR, "", "host.name"},
    {"security.map.user", "RESOPS_MAP_USER", STR, "", "user.name"},
    {"security.map.ip", "RESOPS_MAP_IP", STR, "", "source.ip"},
    /* issue 12: response actions (wt-resp) */
    {"security.actions", "RESOPS_SECURITY_ACTIONS", STR, "", "{}"},
    {"security.actions_dir", "RESOPS_SECURITY_ACTIONS_DIR", STR,
     "/usr/local/libexec/resops/actions/", "/opt/acts"},
    {"security.webhook_url", "RESOPS_SECURITY_WEBHOOK_URL", STR, "", "http://127.0.0.1:9/h"},
    {"security.escalation_action", "RESOPS_SECURITY_ESCALATION_ACTION", STR, "", "block_ip"},
    /* issue 12 (vec) */
    {"security.embedding_dim", "RESOPS_EMBEDDING_DIM", INT, "384", "64"},
    {"security.hnsw_ef", "RESOPS_HNSW_EF", INT, "200", "64"},
};

static char tmpdir[64];
static char conf_path[128]; /* tmpdir/resops.conf */

/* ---- helpers ---------------------------------------------------------- */

/* An integer setting's text in seconds: "1h" is 3600 (duration settings). */
static long int_seconds(const char *text)
{
    char *end;
    long v = strtol(text, &end, 10);
    return *end == 'h' ? v * 3600 : *end == 'm' ? v * 60 : *end == 'd' ? v * 86400 : v;
}

static void assert_value(const Config *c, const Row *r, const char *text)
{
    switch (r->kind) {
    case STR:
        assert_string_equal(config_str(c, r->name), text);
        break;
    case INT:
        assert_int_equal(config_int(c, r->name), int_seconds(text));
        break;
    case DBL:
        assert_true(config_double(c, r->name) == strtod(text, NULL));
        break;
    case BOOL:
        assert_int_equal(config_bool(c, r->name), strcmp(text, "true") == 0);
        break;
    }
}

static void assert_defaults(const Config *c)
{
    for (size_t i = 0; i < ARRAY_LEN(rows); i++)
        assert_value(c, &rows[i], rows[i].def);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* Write text to conf_path and load it into c. */
static int load_text(Config *c, const char *text, char *err, size_t errsz)
{
    write_file(conf_path, text);
    return config_load_file(c, conf_path, err, errsz);
}

/* The example as config_write_example prints it; caller frees. */
static char *example_text(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    config_write_example(f);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    int ch;
    while ((ch = fgetc(f)) != EOF)
        fputc(ch, out);
    fclose(f);
    fclose(out);
    return buf;
}

static int group_setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(rows); i++)
        unsetenv(rows[i].env);
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/resops-config-XXXXXX",
             base && *base && strlen(base) < 32 ? base : "/tmp");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(conf_path, sizeof conf_path, "%s/resops.conf", tmpdir);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    unlink(conf_path);
    return rmdir(tmpdir);
}

/* ---- defaults and the table ------------------------------------------- */

static void test_defaults(void **state)
{
    (void)state;
    Config *c = config_new();
    assert_defaults(c);
    config_free(c);
    config_free(NULL);
}

/* Every setting is reachable by its env variable and by config_set. */
static void test_each_setting_env_and_set(void **state)
{
    (void)state;
    char err[256];
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        const Row *r = &rows[i];
        Config *c = config_new();
        assert_int_equal(setenv(r->env, r->alt, 1), 0);
        assert_int_equal(config_load_env(c, err, sizeof err), 0);
        assert_value(c, r, r->alt);
        unsetenv(r->env);
        config_free(c);

        c = config_new();
        assert_int_equal(config_set(c, r->name, r->alt, err, sizeof err), 0);
        assert_value(c, r, r->alt);
        config_free(c);
    }
}

/* ---- the file --------------------------------------------------------- */

static void test_good_file(void **state)
{
    (void)state;
    static const char text[] =
        "\xEF\xBB\xBF# resops.conf\n"
        "; semicolon comment\n"
        "\n"
        "[general]\n"
        "db = /var/lib/resops/resops.db\n"
        "log_level = WARN\r\n"
        "\n"
        "  [ engine ]   # spaces inside the brackets are fine\n"
        "check_interval=60\n"
        "\tdown_after =   5   # inline comment\n"
        "[api]\n"
        "listen = \"[::1]:8080\"\n"
        "open_signup = yes\n"
        "jwt_secret_key = \"pa ss # word\"\n"
        "[notify]\n"
        "alert_webhook_backoff = 0.25\n"
        "smtp_port = 2525\n"
        "[engine]\n"
        "check_interval = 120  # a later line wins\n"
        "[resolve]\n"
        "default_confidence_threshold = 1\n";
    char err[256] = "";
    Config *c = config_new();
    assert_int_equal(load_text(c, text, err, sizeof err), 0);
    assert_string_equal(config_str(c, "general.db"), "/var/lib/resops/resops.db");
    assert_string_equal(config_str(c, "general.log_level"), "warn"); /* canonical spelling */
    assert_int_equal(config_int(c, "engine.check_interval"), 120);
    assert_int_equal(config_int(c, "engine.down_after"), 5);
    assert_string_equal(config_str(c, "api.listen"), "[::1]:8080");
    assert_true(config_bool(c, "api.open_signup"));
    assert_string_equal(config_str(c, "api.jwt_secret_key"), "pa ss # word");
    assert_true(config_double(c, "notify.alert_webhook_backoff") == 0.25);
    assert_int_equal(config_int(c, "notify.smtp_port"), 2525);
    assert_true(config_double(c, "resolve.default_confidence_threshold") == 1.0);
    /* untouched settings keep their defaults */
    assert_int_equal(config_int(c, "engine.slow_ms"), 2000);
    assert_string_equal(config_str(c, "notify.pagerduty_url"),
                        "https://events.pagerduty.com/v2/enqueue");
    config_free(c);
}

static void test_quotes_and_comments(void **state)
{
    (void)state;
    static const struct {
        const char *line, *want;
    } cases[] = {
        {"db = plain", "plain"},
        {"db =   spaced out   ", "spaced out"},
        {"db = \"/a b/c.db\"", "/a b/c.db"},
        {"db = \"  keep spaces  \"", "  keep spaces  "},
        {"db = \"# not a comment\"", "# not a comment"},
        {"db = \"quoted\"   # comment after quotes", "quoted"},
        {"db = \"quoted\"# comment right after quotes", "quoted"},
        {"db = /x # comment", "/x"},
        {"db = /x\t# tab before the comment", "/x"},
        {"db = a#b", "a#b"},
        {"db = a;b", "a;b"},
        {"db = a = b", "a = b"},
        {"db = # only a comment", ""},
        {"db =", ""},
        {"db = \"\"", ""},
    };
    char text[256], err[256];
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        Config *c = config_new();
        snprintf(text, sizeof text, "[general]\n%s\n", cases[i].line);
        assert_int_equal(load_text(c, text, err, sizeof err), 0);
        assert_string_equal(config_str(c, "general.db"), cases[i].want);
        config_free(c);
    }
}

static void test_bool_spellings(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int         ok, want;
    } cases[] = {
        {"true", 1, 1}, {"TRUE", 1, 1}, {"yes", 1, 1},  {"Yes", 1, 1},  {"on", 1, 1},
        {"ON", 1, 1},   {"1", 1, 1},    {"false", 1, 0}, {"False", 1, 0}, {"no", 1, 0},
        {"NO", 1, 0},   {"off", 1, 0},  {"Off", 1, 0},  {"0", 1, 0},    {"maybe", 0, 0},
        {"2", 0, 0},    {"", 0, 0},     {"yes!", 0, 0}, {" true", 0, 0},
    };
    char err[256];
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        Config *c = config_new();
        assert_int_equal(config_set(c, "api.open_signup", "true", err, sizeof err), 0);
        int r = config_set(c, "api.open_signup", cases[i].text, err, sizeof err);
        if (cases[i].ok) {
            assert_int_equal(r, 0);
            assert_int_equal(config_bool(c, "api.open_signup"), cases[i].want);
        } else {
            char want[256];
            snprintf(want, sizeof want,
                     "api.open_signup: not a boolean (true/false, yes/no, on/off, 1/0): '%s'",
                     cases[i].text);
            assert_int_equal(r, -EINVAL);
            assert_string_equal(err, want);
            assert_true(config_bool(c, "api.open_signup")); /* unchanged */
        }
        config_free(c);
    }
}

/* Each kind of file error, with its exact "FILE:LINE: " prefix. */
static void test_file_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want; /* want follows "PATH:" */
    } cases[] = {
        {"[engine]\n\nfoo = 1\n", "3: unknown key 'foo' in section [engine]"},
        {"[engine]\ndb = x\n", "2: unknown key 'db' in section [engine]"},
        {"# c\n[nope]\n", "2: unknown section [nope]"},
        {"[]\n", "1: unknown section []"},
        {"[engine\n", "1: unterminated section header"},
        {"[engine] x\n", "1: unexpected text after section header: 'x'"},
        {"db = x\n", "1: key 'db' outside a section"},
        {"[general]\njust words\n", "2: expected 'key = value'"},
        {"[general]\n = x\n", "2: expected 'key = value'"},
        {"[general]\ndb = \"abc\n", "2: unterminated quoted value"},
        {"[general]\ndb = \"abc\" def\n", "2: unexpected text after quoted value: 'def'"},
        {"[engine]\ncheck_interval = abc\n", "2: engine.check_interval: not an integer: 'abc'"},
        {"[engine]\ncheck_interval =\n", "2: engine.check_interval: not an integer: ''"},
        {"[engine]\ncheck_interval = 5s\n", "2: engine.check_interval: not an integer: '5s'"},
        {"[engine]\ncheck_interval = 1.5\n", "2: engine.check_interval: not an integer: '1.5'"},
        {"[engine]\ncheck_interval = 0\n", "2: engine.check_interval: must be between 1 and 86400"},
        {"[engine]\ncheck_interval = 86401\n",
         "2: engine.check_interval: must be between 1 and 86400"},
        {"[engine]\ncheck_interval = 99999999999999999999999\n",
         "2: engine.check_interval: must be between 1 and 86400"},
        {"[engine]\nheartbeat_down_s = 0\n", "2: engine.heartbeat_down_s: must be at least 1"},
        {"[notify]\nmax_age_s = 59\n", "2: notify.max_age_s: must be at least 60"},
        {"[notify]\nalert_webhook_backoff = soon\n",
         "2: notify.alert_webhook_backoff: not a number: 'soon'"},
        {"[resolve]\ndefault_confidence_threshold = 0.4\n",
         "2: resolve.default_confidence_threshold: must be between 0.5 and 1"},
        {"[resolve]\ndefault_confidence_threshold = nan\n",
         "2: resolve.default_confidence_threshold: not a number: 'nan'"},
        {"[api]\nopen_signup = maybe\n",
         "2: api.open_signup: not a boolean (true/false, yes/no, on/off, 1/0): 'maybe'"},
        {"[general]\nlog_level = loud\n",
         "2: general.log_level: must be one of debug, info, warn, error: 'loud'"},
        {"[api]\npassword_hash_limits = max\n",
         "2: api.password_hash_limits: must be one of interactive, moderate, min: 'max'"},
        {"[api]\nlisten = localhost\n",
         "2: api.listen: expected HOST:PORT with port 0..65535: 'localhost'"},
    };
    char err[512], want[512];
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        Config *c = config_new();
        assert_int_equal(load_text(c, cases[i].text, err, sizeof err), -EINVAL);
        snprintf(want, sizeof want, "%s:%s", conf_path, cases[i].want);
        assert_string_equal(err, want);
        config_free(c);
    }
}

static void test_failed_load_changes_nothing(void **state)
{
    (void)state;
    char err[256];
    Config *c = config_new();
    assert_int_equal(load_text(c, "[engine]\ncheck_interval = 10\n[general]\ndb = /x\nfoo = 1\n",
                             err, sizeof err),
                     -EINVAL);
    assert_defaults(c);
    config_free(c);
}

static void test_err_buffer(void **state)
{
    (void)state;
    Config *c = config_new();
    assert_int_equal(load_text(c, "[engine]\nfoo = 1\n", NULL, 0), -EINVAL);
    char small[8];
    memset(small, 'x', sizeof small);
    assert_int_equal(load_text(c, "[engine]\nfoo = 1\n", small, sizeof small), -EINVAL);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_int_equal(config_set(c, "engine.check_interval", "x", NULL, 0), -EINVAL);
    config_free(c);
}

static void test_missing_file(void **state)
{
    (void)state;
    char path[192], want[256], err[256];
    snprintf(path, sizeof path, "%s/does-not-exist.conf", tmpdir);
    snprintf(want, sizeof want, "%s: No such file or directory", path);
    Config *c = config_new();
    assert_int_equal(config_load_file(c, path, err, sizeof err), -ENOENT);
    assert_string_equal(err, want);

    /* a directory opens but cannot be read */
    assert_true(config_load_file(c, tmpdir, err, sizeof err) < 0);
    snprintf(want, sizeof want, "%s: Is a directory", tmpdir);
    assert_string_equal(err, want);
    assert_defaults(c);
    config_free(c);
}

/* ---- values through config_set ---------------------------------------- */

static void test_validation(void **state)
{
    (void)state;
    static const struct {
        const char *name, *value, *want; /* want NULL = accepted */
    } cases[] = {
        {"engine.check_interval", "1", NULL},
        {"engine.check_interval", "86400", NULL},
        {"engine.check_interval", "+7", NULL},
        {"engine.check_interval", "-1", "engine.check_interval: must be between 1 and 86400"},
        {"engine.check_interval", "0x10", "engine.check_interval: not an integer: '0x10'"},
        {"engine.probe_timeout_ms", "49", "engine.probe_timeout_ms: must be between 50 and 600000"},
        {"engine.probe_timeout_ms", "600000", NULL},
        {"engine.degraded_window", "65", "engine.degraded_window: must be between 1 and 64"},
        {"engine.heartbeat_degraded_s", "9223372036854775807", NULL},
        {"notify.alert_webhook_retries", "0", NULL},
        {"notify.alert_webhook_retries", "101",
         "notify.alert_webhook_retries: must be between 0 and 100"},
        {"notify.smtp_port", "65536", "notify.smtp_port: must be between 1 and 65535"},
        {"notify.alert_webhook_backoff", "0", NULL},
        {"notify.alert_webhook_backoff", "3600", NULL},
        {"notify.alert_webhook_backoff", "3600.5",
         "notify.alert_webhook_backoff: must be between 0 and 3600"},
        {"notify.alert_webhook_backoff", "-0.1",
         "notify.alert_webhook_backoff: must be between 0 and 3600"},
        {"notify.alert_webhook_backoff", "inf",
         "notify.alert_webhook_backoff: must be between 0 and 3600"},
        {"notify.alert_webhook_backoff", "", "notify.alert_webhook_backoff: not a number: ''"},
        {"resolve.default_confidence_threshold", "0.5", NULL},
        {"resolve.default_confidence_threshold", "1.01",
         "resolve.default_confidence_threshold: must be between 0.5 and 1"},
        {"general.log_level", "error", NULL},
        {"general.log_level", "Debug", NULL},
        {"general.log_level", "", "general.log_level: must be one of debug, info, warn, error: ''"},
        {"api.password_hash_limits", "moderate", NULL},
        {"api.listen", "", NULL},
        {"api.listen", "0.0.0.0:0", NULL},
        {"api.listen", "localhost:65535", NULL},
        {"api.listen", "[::]:443", NULL},
        {"api.listen", "host:65536", "api.listen: expected HOST:PORT with port 0..65535: 'host:65536'"},
        {"api.listen", "host:", "api.listen: expected HOST:PORT with port 0..65535: 'host:'"},
        {"api.listen", ":8080", "api.listen: expected HOST:PORT with port 0..65535: ':8080'"},
        {"api.listen", "host:80a", "api.listen: expected HOST:PORT with port 0..65535: 'host:80a'"},
        {"api.listen", "::1:80", "api.listen: expected HOST:PORT with port 0..65535: '::1:80'"},
        {"api.listen", "[]:80", "api.listen: expected HOST:PORT with port 0..65535: '[]:80'"},
        {"api.listen", "a b:80", "api.listen: expected HOST:PORT with port 0..65535: 'a b:80'"},
        {"notify.repeat_interval", "30m", NULL},
        {"notify.repeat_interval", "90s", NULL},
        {"notify.repeat_interval", "0", NULL},
        {"notify.repeat_interval", "8d",
         "notify.repeat_interval: must be between 0 and 604800"},
        {"notify.repeat_interval", "1w",
         "notify.repeat_interval: not a duration (seconds, or 90s, 30m, 1h, 1d): '1w'"},
        {"notify.repeat_interval", "h",
         "notify.repeat_interval: not a duration (seconds, or 90s, 30m, 1h, 1d): 'h'"},
        {"flapping.window", "59s", "flapping.window: must be between 60 and 86400"},
        {"flapping.changes", "1", "flapping.changes: must be between 2 and 1000"},
        {"notify.slack_webhook_prefixes", "", NULL},
        {"notify.slack_webhook_prefixes", "https://hooks.slack.com/services/, http://127.0.0.1:9/",
         NULL},
        {"notify.slack_webhook_prefixes", "https://hooks.slack.com",
         "notify.slack_webhook_prefixes: expected comma-separated URL prefixes, each "
         "http(s)://HOST/ or longer: 'https://hooks.slack.com'"},
        {"notify.slack_webhook_prefixes", "hooks.slack.com/",
         "notify.slack_webhook_prefixes: expected comma-separated URL prefixes, each "
         "http(s)://HOST/ or longer: 'hooks.slack.com/'"},
        {"notify.slack_webhook_prefixes", "https:///x",
         "notify.slack_webhook_prefixes: expected comma-separated URL prefixes, each "
         "http(s)://HOST/ or longer: 'https:///x'"},
        {"no.such", "1", "unknown setting 'no.such'"},
        {"check_interval", "1", "unknown setting 'check_interval'"},
    };
    char err[256];
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        Config *c = config_new();
        int r = config_set(c, cases[i].name, cases[i].value, err, sizeof err);
        if (!cases[i].want) {
            assert_int_equal(r, 0);
        } else {
            assert_int_equal(r, -EINVAL);
            assert_string_equal(err, cases[i].want);
        }
        config_free(c);
    }
}

/* Choices are stored in their canonical spelling, whatever the input. */
static void test_choice_canonical(void **state)
{
    (void)state;
    char err[128];
    Config *c = config_new();
    assert_int_equal(config_set(c, "general.log_level", "ERROR", err, sizeof err), 0);
    assert_string_equal(config_str(c, "general.log_level"), "error");
    assert_int_equal(config_set(c, "api.password_hash_limits", "Moderate", err, sizeof err), 0);
    assert_string_equal(config_str(c, "api.password_hash_limits"), "moderate");
    config_free(c);
}

/* ---- precedence ------------------------------------------------------- */

static void test_env_overrides_file(void **state)
{
    (void)state;
    char err[256];
    Config *c = config_new();
    assert_int_equal(load_text(c, "[engine]\ncheck_interval = 60\nslow_ms = 500\n"
                                  "[api]\njwt_secret_key = from-file\n",
                             err, sizeof err),
                     0);
    setenv("CHECK_INTERVAL", "30", 1);
    setenv("JWT_SECRET_KEY", "from-env", 1);
    assert_int_equal(config_load_env(c, err, sizeof err), 0);
    unsetenv("CHECK_INTERVAL");
    unsetenv("JWT_SECRET_KEY");
    assert_int_equal(config_int(c, "engine.check_interval"), 30);
    assert_string_equal(config_str(c, "api.jwt_secret_key"), "from-env");
    assert_int_equal(config_int(c, "engine.slow_ms"), 500); /* file, not in env */
    assert_int_equal(config_int(c, "engine.down_after"), 3); /* default */
    config_free(c);
}

static void test_set_overrides_env(void **state)
{
    (void)state;
    char err[256];
    Config *c = config_new();
    setenv("CHECK_INTERVAL", "30", 1);
    assert_int_equal(config_load_env(c, err, sizeof err), 0);
    unsetenv("CHECK_INTERVAL");
    assert_int_equal(config_set(c, "engine.check_interval", "15", err, sizeof err), 0);
    assert_int_equal(config_int(c, "engine.check_interval"), 15);
    config_free(c);
}

/* S1: the Slack allow-list a load sets is the one services.c and the
 * notifier check (notify_slack_url_allowed), default included. */
static void test_S1_slack_prefixes_reach_the_url_check(void **state)
{
    (void)state;
    char err[256];
    notify_set_slack_prefixes(NULL);
    assert_true(notify_slack_url_allowed("https://hooks.slack.com/services/T/B/x"));
    assert_false(notify_slack_url_allowed("http://127.0.0.1:5999/x"));
    Config *c = config_new();
    setenv("RESOPS_SLACK_WEBHOOK_PREFIXES", "http://127.0.0.1:5999/", 1);
    assert_int_equal(config_load_env(c, err, sizeof err), 0);
    unsetenv("RESOPS_SLACK_WEBHOOK_PREFIXES");
    notify_set_slack_prefixes(config_str(c, "notify.slack_webhook_prefixes")); /* as main does */
    assert_true(notify_slack_url_allowed("http://127.0.0.1:5999/x"));
    assert_false(notify_slack_url_allowed("https://hooks.slack.com/services/T/B/x"));
    assert_int_equal(config_set(c, "notify.slack_webhook_prefixes", "", err, sizeof err), 0);
    notify_set_slack_prefixes(config_str(c, "notify.slack_webhook_prefixes"));
    assert_false(notify_slack_url_allowed("http://127.0.0.1:5999/x"));
    config_free(c);
    notify_set_slack_prefixes(NULL);
}

static void test_env_errors(void **state)
{
    (void)state;
    static const struct {
        const char *var, *value, *want;
    } cases[] = {
        {"CHECK_INTERVAL", "x", "CHECK_INTERVAL: not an integer: 'x'"},
        {"CHECK_INTERVAL", "0", "CHECK_INTERVAL: must be between 1 and 86400"},
        {"RESOPS_OPEN_SIGNUP", "maybe",
         "RESOPS_OPEN_SIGNUP: not a boolean (true/false, yes/no, on/off, 1/0): 'maybe'"},
        {"RESOPS_CONFIDENCE_THRESHOLD", "0,9", "RESOPS_CONFIDENCE_THRESHOLD: not a number: '0,9'"},
        {"LOG_LEVEL", "verbose", "LOG_LEVEL: must be one of debug, info, warn, error: 'verbose'"},
        {"RESOPS_LISTEN", "8080", "RESOPS_LISTEN: expected HOST:PORT with port 0..65535: '8080'"},
    };
    char err[256];
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        Config *c = config_new();
        setenv("RESOPS_DB", "/from/env.db", 1); /* valid, but must not be applied */
        setenv(cases[i].var, cases[i].value, 1);
        assert_int_equal(config_load_env(c, err, sizeof err), -EINVAL);
        unsetenv(cases[i].var);
        unsetenv("RESOPS_DB");
        assert_string_equal(err, cases[i].want);
        assert_defaults(c);
        config_free(c);
    }
}

static void test_env_empty_is_ignored(void **state)
{
    (void)state;
    char err[256];
    Config *c = config_new();
    setenv("CHECK_INTERVAL", "", 1);
    setenv("RESOPS_DB", "", 1);
    assert_int_equal(config_load_env(c, err, sizeof err), 0);
    unsetenv("CHECK_INTERVAL");
    unsetenv("RESOPS_DB");
    assert_defaults(c);
    config_free(c);
}

/* ---- the example file ------------------------------------------------- */

static void test_example_round_trip(void **state)
{
    (void)state;
    char err[256] = "";
    char *text = example_text();

    /* As written: everything commented out, loads to the defaults. */
    Config *c = config_new();
    assert_int_equal(load_text(c, text, err, sizeof err), 0);
    assert_defaults(c);
    config_free(c);

    /* Uncommented: every "#key = default" line parses back to the default. */
    StrBuf b = {0};
    size_t keys = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#' && line[1] >= 'a' && line[1] <= 'z') {
            line++;
            keys++;
        }
        strbuf_append(&b, line);
        strbuf_append(&b, "\n");
    }
    assert_int_equal(keys, ARRAY_LEN(rows));
    c = config_new();
    assert_int_equal(load_text(c, b.s, err, sizeof err), 0);
    assert_defaults(c);
    config_free(c);
    strbuf_free(&b);
    free(text);
}

static void test_committed_example(void **state)
{
    (void)state;
    const char *path = SOURCE_ROOT "/data/resops.conf.example";
    char err[256] = "";
    Config *c = config_new();
    assert_int_equal(config_load_file(c, path, err, sizeof err), 0);
    assert_defaults(c);
    config_free(c);

    char *committed = read_all(path);
    char *fresh = example_text();
    int same = committed && strcmp(committed, fresh) == 0;
    free(committed);
    free(fresh);
    if (!same)
        print_error("%s is stale: regenerate it with config_write_example()\n", path);
    assert_true(same);
}

/* ---- programmer errors and locale ------------------------------------- */

static void get_unknown(const Config *c) { (void)config_int(c, "engine.nope"); }
static void get_str_as_int(const Config *c) { (void)config_int(c, "general.db"); }
static void get_int_as_str(const Config *c) { (void)config_str(c, "engine.check_interval"); }
static void get_int_as_double(const Config *c) { (void)config_double(c, "engine.slow_ms"); }
static void get_double_as_bool(const Config *c)
{
    (void)config_bool(c, "resolve.default_confidence_threshold");
}

/* A getter with an unknown name or the wrong type aborts (in a child),
 * with or without NDEBUG. */
static void test_getter_asserts(void **state)
{
    (void)state;
    void (*const cases[])(const Config *) = {
        get_unknown, get_str_as_int, get_int_as_str, get_int_as_double, get_double_as_bool,
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            if (!freopen("/dev/null", "w", stderr))
                _exit(2);
            Config *c = config_new();
            cases[i](c);
            _exit(0);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), SIGABRT);
    }
}

/* "0.9" is read the same under a locale whose decimal point is ','
 * (util_format_c / util_strtod_c, and config through them). */
static void test_numbers_ignore_locale(void **state)
{
    (void)state;
    static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8"};
    const char *set = NULL;
    for (size_t i = 0; i < ARRAY_LEN(names) && !set; i++)
        set = setlocale(LC_NUMERIC, names[i]);
    char locdir[] = "/tmp/resops-locale-XXXXXX";
    int made = 0;
    if (!set) {
        /* No such locale installed: compile one (glibc's localedef) into a
         * private LOCPATH, so the check runs on a bare machine too. */
        assert_non_null(mkdtemp(locdir));
        char *cmd = xasprintf("localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8 >/dev/null 2>&1", locdir);
        int rc = system(cmd);
        free(cmd);
        made = 1;
        setenv("LOCPATH", locdir, 1);
        if (rc == 0)
            set = setlocale(LC_NUMERIC, "de_DE.UTF-8");
    }
    assert_non_null(set);
    assert_string_equal(localeconv()->decimal_point, ",");
    char err[256];
    Config *c = config_new();
    int r1 = config_set(c, "notify.alert_webhook_backoff", "2.5", err, sizeof err);
    int r2 = config_set(c, "resolve.default_confidence_threshold", "0.4", err, sizeof err);
    /* the two helpers under it (util.h): what config and metrics use */
    char num[32], *end;
    util_format_c(num, sizeof num, "%g|%.1f", 0.5, 85.25);
    double d = util_strtod_c("2.5x", &end);
    setlocale(LC_NUMERIC, "C");
    if (made) {
        char *cmd = xasprintf("rm -rf %s", locdir);
        assert_int_equal(system(cmd), 0);
        free(cmd);
        unsetenv("LOCPATH");
    }
    assert_string_equal(num, "0.5|85.2");
    assert_true(d == 2.5 && strcmp(end, "x") == 0);
    assert_int_equal(r1, 0);
    assert_true(config_double(c, "notify.alert_webhook_backoff") == 2.5);
    assert_int_equal(r2, -EINVAL);
    assert_string_equal(err, "resolve.default_confidence_threshold: must be between 0.5 and 1");
    config_free(c);
}

/* ---- reloading (SIGHUP, issue 13) ------------------------------------- */

typedef struct Changes {
    char text[1024];
    int  n;
} Changes;

static void collect(void *ctx, const char *name, const char *old_text, const char *new_text,
                    int reloads)
{
    Changes *ch = ctx;
    size_t len = strlen(ch->text);
    snprintf(ch->text + len, sizeof ch->text - len, "%s%s %s->%s %s", ch->n ? "|" : "", name,
             old_text, new_text, reloads ? "reload" : "restart");
    ch->n++;
}

/* config_diff names each changed setting in table order, as the file
 * writes it, a secret as (hidden), with the table's reload mark. */
static void test_diff_names_changes(void **state)
{
    (void)state;
    Config *a = config_new(), *b = config_new();
    char err[256];
    assert_int_equal(config_set(b, "engine.check_interval", "60", err, sizeof err), 0);
    assert_int_equal(config_set(b, "general.log_level", "debug", err, sizeof err), 0);
    assert_int_equal(config_set(b, "api.listen", "127.0.0.1:9", err, sizeof err), 0);
    assert_int_equal(config_set(b, "notify.smtp_pass", "hunter2", err, sizeof err), 0);
    assert_int_equal(config_set(b, "notify.alert_webhook_backoff", "2.5", err, sizeof err), 0);
    assert_int_equal(config_set(b, "api.open_signup", "yes", err, sizeof err), 0);
    Changes ch = {"", 0};
    assert_int_equal(config_diff(a, b, collect, &ch), 6);
    assert_string_equal(ch.text,
                        "general.log_level \"info\"->\"debug\" reload"
                        "|engine.check_interval 300->60 reload"
                        "|api.listen \"\"->\"127.0.0.1:9\" restart"
                        "|api.open_signup false->true restart"
                        "|notify.alert_webhook_backoff 1->2.5 reload"
                        "|notify.smtp_pass (hidden)->(hidden) reload");
    Changes none = {"", 0};
    assert_int_equal(config_diff(a, a, collect, &none), 0);
    assert_true(config_reloads("engine.check_interval"));
    assert_false(config_reloads("general.db"));
    config_free(a);
    config_free(b);
}

/* config_keep_running: a restart-only setting keeps the running value and
 * origin, a reloadable one takes the new. */
static void test_keep_running(void **state)
{
    (void)state;
    Config *run = config_new(), *next = config_new();
    char err[256];
    assert_int_equal(config_set(run, "api.max_connections_per_ip", "7", err, sizeof err), 0);
    assert_int_equal(config_set(next, "api.max_connections_per_ip", "100", err, sizeof err), 0);
    assert_int_equal(config_set(next, "engine.check_interval", "5", err, sizeof err), 0);
    assert_int_equal(config_set(next, "general.db", "/x.db", err, sizeof err), 0);
    config_keep_running(next, run);
    assert_int_equal(config_int(next, "api.max_connections_per_ip"), 7);
    assert_string_equal(config_origin(next, "api.max_connections_per_ip"),
                        "api.max_connections_per_ip");
    assert_string_equal(config_str(next, "general.db"), "");
    assert_int_equal(config_int(next, "engine.check_interval"), 5);
    Changes ch = {"", 0};
    assert_int_equal(config_diff(run, next, collect, &ch), 1);   /* what runs differs only here */
    assert_string_equal(ch.text, "engine.check_interval 300->5 reload");
    config_free(run);
    config_free(next);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_each_setting_env_and_set),
        cmocka_unit_test(test_good_file),
        cmocka_unit_test(test_quotes_and_comments),
        cmocka_unit_test(test_bool_spellings),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_failed_load_changes_nothing),
        cmocka_unit_test(test_err_buffer),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_choice_canonical),
        cmocka_unit_test(test_env_overrides_file),
        cmocka_unit_test(test_set_overrides_env),
        cmocka_unit_test(test_S1_slack_prefixes_reach_the_url_check),
        cmocka_unit_test(test_env_errors),
        cmocka_unit_test(test_env_empty_is_ignored),
        cmocka_unit_test(test_example_round_trip),
        cmocka_unit_test(test_committed_example),
        cmocka_unit_test(test_getter_asserts),
        cmocka_unit_test(test_numbers_ignore_locale),
        cmocka_unit_test(test_diff_names_changes),
        cmocka_unit_test(test_keep_running),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
