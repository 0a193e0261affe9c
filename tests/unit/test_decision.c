/* test_decision — seed 001's can_auto_resolve (src/domain/decision.c),
 * table-driven: every check, its order (first failure wins), its exact
 * reason text (../shared/seed-notes.md "Seed 001"), the threshold that
 * applies (category's when configured, else the global default; equal
 * passes), our concurrency check (waits, never refuses), the retry
 * backoff, and the playbook format (src/domain/playbook.c): parsing,
 * validation messages, the seed's default steps, ${name} placeholders.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/actions.h"
#include "domain/decision.h"
#include "domain/playbook.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const CategoryConfig db_enabled = {"database", 1, 0.95, 3, 1};
static const CategoryConfig db_disabled = {"database", 0, 0.95, 3, 1};
static const CategoryConfig db_low = {"database", 1, 0.80, 3, 1};

typedef struct Row {
    const char           *name;      /* the rule it pins */
    int                   global_enabled;
    const char           *status;
    const CategoryConfig *cat;
    double                default_threshold;
    double                confidence;
    int                   forced, running, max_concurrent;
    DecisionVerdict       verdict;
    DecisionCheck         check;
    const char           *reason;
} Row;

static const Row rows[] = {
    /* 1. kill switch */
    {"kill switch refuses", 0, "open", NULL, 0.90, 0.99, 0, 0, 10, DECISION_SKIP,
     CHECK_KILL_SWITCH, "Auto-resolution is globally disabled (kill switch active)"},
    {"kill switch wins over a closed status", 0, "closed", NULL, 0.90, 0.99, 0, 0, 10,
     DECISION_SKIP, CHECK_KILL_SWITCH,
     "Auto-resolution is globally disabled (kill switch active)"},
    {"kill switch wins over everything", 0, "auto_resolved", &db_disabled, 0.90, 0.10, 0, 10, 10,
     DECISION_SKIP, CHECK_KILL_SWITCH,
     "Auto-resolution is globally disabled (kill switch active)"},
    {"kill switch is not waived by a forced run", 0, "open", NULL, 0.90, 0.99, 1, 0, 10,
     DECISION_SKIP, CHECK_KILL_SWITCH,
     "Auto-resolution is globally disabled (kill switch active)"},
    /* 2. already resolved or closed */
    {"auto_resolved is closed", 1, "auto_resolved", NULL, 0.90, 0.99, 0, 0, 10, DECISION_SKIP,
     CHECK_STATUS, "Incident already in status: auto_resolved"},
    {"manually_resolved is closed", 1, "manually_resolved", NULL, 0.90, 0.99, 0, 0, 10,
     DECISION_SKIP, CHECK_STATUS, "Incident already in status: manually_resolved"},
    {"closed is closed", 1, "closed", NULL, 0.90, 0.99, 0, 0, 10, DECISION_SKIP, CHECK_STATUS,
     "Incident already in status: closed"},
    {"closed wins over a disabled category", 1, "closed", &db_disabled, 0.90, 0.10, 0, 0, 10,
     DECISION_SKIP, CHECK_STATUS, "Incident already in status: closed"},
    {"in_progress is not closed", 1, "in_progress", NULL, 0.90, 0.99, 0, 0, 10,
     DECISION_RESOLVE, CHECK_PASSED, "All checks passed"},
    /* 3. category */
    {"disabled category refuses", 1, "open", &db_disabled, 0.90, 0.99, 0, 0, 10, DECISION_SKIP,
     CHECK_CATEGORY, "Auto-resolution disabled for category: database"},
    {"disabled category wins over low confidence", 1, "open", &db_disabled, 0.90, 0.10, 0, 0, 10,
     DECISION_SKIP, CHECK_CATEGORY, "Auto-resolution disabled for category: database"},
    {"disabled category is not waived by a forced run", 1, "open", &db_disabled, 0.90, 0.99, 1, 0,
     10, DECISION_SKIP, CHECK_CATEGORY, "Auto-resolution disabled for category: database"},
    /* 4. confidence */
    {"below the global default", 1, "open", NULL, 0.90, 0.85, 0, 0, 10, DECISION_SKIP,
     CHECK_CONFIDENCE, "Confidence score 85.00% below threshold 90.00%"},
    {"equal to the global default passes", 1, "open", NULL, 0.90, 0.90, 0, 0, 10,
     DECISION_RESOLVE, CHECK_PASSED, "All checks passed"},
    {"a configured category's threshold applies", 1, "open", &db_enabled, 0.90, 0.92, 0, 0, 10,
     DECISION_SKIP, CHECK_CONFIDENCE, "Confidence score 92.00% below threshold 95.00%"},
    {"equal to the category's threshold passes", 1, "open", &db_enabled, 0.90, 0.95, 0, 0, 10,
     DECISION_RESOLVE, CHECK_PASSED, "All checks passed"},
    {"a lower category threshold beats the default", 1, "open", &db_low, 0.90, 0.85, 0, 0, 10,
     DECISION_RESOLVE, CHECK_PASSED, "All checks passed"},
    {"a changed global default applies", 1, "open", NULL, 0.75, 0.80, 0, 0, 10, DECISION_RESOLVE,
     CHECK_PASSED, "All checks passed"},
    {"percent with two decimals", 1, "open", NULL, 0.90, 0.8999, 0, 0, 10, DECISION_SKIP,
     CHECK_CONFIDENCE, "Confidence score 89.99% below threshold 90.00%"},
    {"zero confidence", 1, "open", NULL, 0.90, 0.0, 0, 0, 10, DECISION_SKIP, CHECK_CONFIDENCE,
     "Confidence score 0.00% below threshold 90.00%"},
    {"a forced run waives the threshold", 1, "open", NULL, 0.90, 0.10, 1, 0, 10,
     DECISION_RESOLVE, CHECK_PASSED, "All checks passed"},
    /* 5. concurrency (ours): waits */
    {"at the limit it waits", 1, "open", NULL, 0.90, 0.95, 0, 10, 10, DECISION_WAIT,
     CHECK_CONCURRENCY, "Maximum concurrent resolutions reached (10 running, limit 10)"},
    {"below the limit it runs", 1, "open", NULL, 0.90, 0.95, 0, 9, 10, DECISION_RESOLVE,
     CHECK_PASSED, "All checks passed"},
    {"low confidence is refused before the limit is looked at", 1, "open", NULL, 0.90, 0.50, 0,
     10, 10, DECISION_SKIP, CHECK_CONFIDENCE, "Confidence score 50.00% below threshold 90.00%"},
    {"no limit given: no concurrency check", 1, "open", NULL, 0.90, 0.95, 0, 500, 0,
     DECISION_RESOLVE, CHECK_PASSED, "All checks passed"},
    {"a limit of 1", 1, "open", NULL, 0.90, 0.95, 0, 1, 1, DECISION_WAIT, CHECK_CONCURRENCY,
     "Maximum concurrent resolutions reached (1 running, limit 1)"},
};

/* One cmocka test per row (so TAP names each rule). */
static void test_row(void **state)
{
    const Row *r = *state;
    DecisionInput in = {
        .global_enabled = r->global_enabled, .status = r->status, .category = "database",
        .category_config = r->cat, .default_threshold = r->default_threshold,
        .confidence = r->confidence, .forced = r->forced, .running = r->running,
        .max_concurrent = r->max_concurrent,
    };
    Decision d;
    decision_can_auto_resolve(&in, &d);
    assert_string_equal(d.reason, r->reason);
    assert_int_equal(d.verdict, r->verdict);
    assert_int_equal(d.check, r->check);
}

static void test_threshold_reported(void **state)
{
    (void)state;
    DecisionInput in = {.global_enabled = 1, .status = "open", .category = "database",
                        .category_config = &db_enabled, .default_threshold = 0.9,
                        .confidence = 0.99};
    Decision d;
    decision_can_auto_resolve(&in, &d);
    assert_true(d.threshold == 0.95);
    in.category_config = NULL;
    decision_can_auto_resolve(&in, &d);
    assert_true(d.threshold == 0.9);
}

static void test_category_defaults(void **state)
{
    (void)state;
    CategoryConfig c;
    category_config_default(&c, "network");
    assert_string_equal(c.category, "network");
    assert_int_equal(c.auto_resolution_enabled, 1);
    assert_true(c.confidence_threshold == 0.90);
    assert_int_equal(c.max_retry_attempts, 3);
    assert_int_equal(c.notification_required, 1);
}

static void test_vocabularies(void **state)
{
    (void)state;
    static const char *const cats[] = {"network", "database", "application", "security",
                                       "infrastructure", "user_access"};
    for (size_t i = 0; i < ARRAY_LEN(cats); i++)
        assert_true(decision_in(decision_categories, cats[i]));
    assert_false(decision_in(decision_categories, "Network"));   /* exact, like the enum */
    assert_false(decision_in(decision_categories, "storage"));
    assert_false(decision_in(decision_categories, NULL));
    assert_true(decision_in(decision_priorities, "critical"));
    assert_false(decision_in(decision_priorities, "urgent"));
    assert_true(decision_in(decision_statuses, "in_progress"));
    IncidentState s;
    assert_int_equal(incident_state_parse("skipped", &s), 0);
    assert_int_equal(s, INCIDENT_SKIPPED);
    assert_string_equal(incident_state_name(INCIDENT_RESOLVING), "resolving");
    assert_int_not_equal(incident_state_parse("done", &s), 0);
}

static void test_percent(void **state)
{
    (void)state;
    static const struct { double v; const char *want; } t[] = {
        {0.85, "85.00%"}, {0.9, "90.00%"}, {1.0, "100.00%"}, {0.0, "0.00%"},
        {0.12345, "12.35%"}, {0.5, "50.00%"},
    };
    char buf[32];
    for (size_t i = 0; i < ARRAY_LEN(t); i++) {
        decision_format_percent(t[i].v, buf, sizeof buf);
        assert_string_equal(buf, t[i].want);
    }
}

static void test_retry_delay(void **state)
{
    (void)state;
    assert_int_equal(decision_retry_delay_ms(1000, 1, 60000), 1000);
    assert_int_equal(decision_retry_delay_ms(1000, 2, 60000), 2000);
    assert_int_equal(decision_retry_delay_ms(1000, 3, 60000), 4000);
    assert_int_equal(decision_retry_delay_ms(1000, 7, 60000), 60000);   /* capped */
    assert_int_equal(decision_retry_delay_ms(1000, 200, 60000), 60000);
    assert_int_equal(decision_retry_delay_ms(0, 3, 60000), 0);          /* no backoff */
    assert_int_equal(decision_retry_delay_ms(100, 4, 0), 800);           /* no cap */
}

/* ---- playbooks ---------------------------------------------------------------- */

static void test_playbook_parse(void **state)
{
    (void)state;
    const char *json =
        "[{\"type\":\"command\",\"argv\":[\"systemctl\",\"restart\",\"${service}\"],"
        "\"action\":\"service_restart\",\"timeout_ms\":5000,\"expect_exit\":0},"
        "{\"type\":\"http\",\"url\":\"https://h.example/x\",\"method\":\"put\",\"body\":\"{}\","
        "\"headers\":{\"X-Key\":\"v\"},\"expect_status\":204},"
        "{\"type\":\"set_status\",\"status\":\"up\"},"
        "{\"type\":\"ack_alerts\",\"service_id\":7},"
        "{\"type\":\"noop\",\"description\":\"wait\"}]";
    Playbook p;
    char err[200] = "";
    assert_int_equal(playbook_parse(json, &p, err, sizeof err), 0);
    assert_int_equal(p.n, 5);
    assert_int_equal(p.steps[0].kind, STEP_COMMAND);
    assert_string_equal(p.steps[0].action, "service_restart");
    assert_string_equal(p.steps[0].description, "Run systemctl");
    assert_string_equal(p.steps[0].argv[2], "${service}");
    assert_null(p.steps[0].argv[3]);
    assert_int_equal(p.steps[0].timeout_ms, 5000);
    assert_int_equal(p.steps[1].kind, STEP_HTTP);
    assert_string_equal(p.steps[1].method, "PUT");
    assert_string_equal(p.steps[1].headers[0], "X-Key: v");
    assert_int_equal(p.steps[1].expect, 204);
    assert_string_equal(p.steps[1].action, "http");
    assert_int_equal(p.steps[2].kind, STEP_SET_STATUS);
    assert_int_equal(p.steps[2].status, STATUS_UP);
    assert_int_equal(p.steps[3].service_id, 7);
    assert_string_equal(p.steps[4].description, "wait");

    char *back = playbook_to_json(&p);   /* round trip */
    Playbook q;
    assert_int_equal(playbook_parse(back, &q, err, sizeof err), 0);
    assert_int_equal(q.n, 5);
    assert_string_equal(q.steps[1].headers[0], "X-Key: v");
    free(back);
    playbook_free(&q);
    playbook_free(&p);
}

static void test_playbook_errors(void **state)
{
    (void)state;
    static const struct { const char *json, *err; } t[] = {
        {"{}", "Playbook must be an array of at most 50 steps"},
        {"not json", "Playbook must be an array of at most 50 steps"},
        {"[1]", "Playbook step 1: must be an object"},
        {"[{}]",
         "Playbook step 1: 'type' must be command, http, action, set_status, ack_alerts or noop"},
        {"[{\"type\":\"shell\"}]",
         "Playbook step 1: 'type' must be command, http, action, set_status, ack_alerts or noop"},
        {"[{\"type\":\"action\"}]",
         "Playbook step 1: 'action' must name an action of the playbook file"},
        {"[{\"type\":\"noop\"},{\"type\":\"command\"}]",
         "Playbook step 2: 'argv' must be a non-empty array of strings"},
        {"[{\"type\":\"command\",\"argv\":[]}]",
         "Playbook step 1: 'argv' must be a non-empty array of strings"},
        {"[{\"type\":\"command\",\"argv\":[\"a\",1]}]",
         "Playbook step 1: 'argv' must be a non-empty array of strings"},
        {"[{\"type\":\"command\",\"argv\":[\"a\"],\"timeout_ms\":0}]",
         "Playbook step 1: 'timeout_ms' must be an integer in 1..3600000"},
        {"[{\"type\":\"http\",\"url\":\"ftp://x\"}]",
         "Playbook step 1: 'url' must be an http:// or https:// URL"},
        {"[{\"type\":\"http\",\"url\":\"http://x\",\"method\":\"BREW\"}]",
         "Playbook step 1: 'method' must be GET, POST, PUT, PATCH, DELETE or HEAD"},
        {"[{\"type\":\"http\",\"url\":\"http://x\",\"headers\":{\"A\":1}}]",
         "Playbook step 1: 'headers' must be an object of strings"},
        {"[{\"type\":\"set_status\",\"status\":\"Sideways\"}]",
         "Playbook step 1: 'status' must be Up, Degraded, Down or Unknown"},
        {"[{\"type\":\"ack_alerts\",\"service_id\":0}]",
         "Playbook step 1: 'service_id' must be an integer in 1..2147483647"},
    };
    for (size_t i = 0; i < ARRAY_LEN(t); i++) {
        Playbook p;
        char err[200] = "";
        if (playbook_parse(t[i].json, &p, err, sizeof err) != -22 || strcmp(err, t[i].err) != 0)
            fail_msg("%s: got \"%s\", want \"%s\"", t[i].json, err, t[i].err);
    }
}

/* Issue 9, D4: through the API a playbook names actions and uses internal
 * steps; any field that could carry a command line or a URL is refused by
 * name, whatever the type says. */
static void test_D4_api_playbook_refuses_commands(void **state)
{
    (void)state;
#define HINT " is not allowed through the API: commands and URLs are defined only in the " \
             "playbook file on the host (resolve.playbook_file); name one with {\"type\": " \
             "\"action\", \"action\": \"<name>\"}"
    static const struct { const char *json, *err; } t[] = {
        {"[{\"type\":\"command\",\"argv\":[\"id\"]}]", "Playbook step 1: field 'argv'" HINT},
        {"[{\"type\":\"command\"}]", "Playbook step 1: type 'command'" HINT},
        {"[{\"type\":\"http\"}]", "Playbook step 1: type 'http'" HINT},
        {"[{\"type\":\"noop\"},{\"type\":\"http\",\"url\":\"http://x\"}]",
         "Playbook step 2: field 'url'" HINT},
        {"[{\"type\":\"noop\",\"argv\":[\"sh\"]}]", "Playbook step 1: field 'argv'" HINT},
        {"[{\"type\":\"action\",\"action\":\"a\",\"shell\":\"id\"}]",
         "Playbook step 1: field 'shell'" HINT},
        {"[{\"type\":\"set_status\",\"status\":\"Up\",\"headers\":{}}]",
         "Playbook step 1: field 'headers'" HINT},
        {"[{\"type\":\"shell\"}]",
         "Playbook step 1: 'type' must be action, set_status, ack_alerts or noop"},
    };
    for (size_t i = 0; i < ARRAY_LEN(t); i++) {
        Playbook p;
        char err[600] = "";
        if (playbook_parse_api(t[i].json, &p, err, sizeof err) != -22 || strcmp(err, t[i].err) != 0)
            fail_msg("%s: got \"%s\", want \"%s\"", t[i].json, err, t[i].err);
    }
    Playbook p;
    char err[600] = "";
    assert_int_equal(playbook_parse_api("[{\"type\":\"action\",\"action\":\"restart-web\"},"
                                        "{\"type\":\"set_status\",\"status\":\"Up\"},"
                                        "{\"type\":\"ack_alerts\"},{\"type\":\"noop\"}]",
                                        &p, err, sizeof err), 0);
    assert_int_equal(p.steps[0].kind, STEP_ACTION);
    assert_string_equal(p.steps[0].action, "restart-web");
    playbook_free(&p);
#undef HINT
}

/* B7: only a playbook with a step that acts can resolve anything. */
static void test_B7_playbook_acts(void **state)
{
    (void)state;
    Playbook p;
    char err[200];
    playbook_default("database", &p);
    assert_int_equal(playbook_acts(&p), 0);
    playbook_free(&p);
    assert_int_equal(playbook_parse("[{\"type\":\"noop\"},{\"type\":\"noop\"}]", &p, err,
                                    sizeof err), 0);
    assert_int_equal(playbook_acts(&p), 0);
    playbook_free(&p);
    assert_int_equal(playbook_parse("[{\"type\":\"noop\"},{\"type\":\"ack_alerts\"}]", &p, err,
                                    sizeof err), 0);
    assert_int_equal(playbook_acts(&p), 1);
    playbook_free(&p);
}

/* D4: the host's catalog: named actions resolve to their command or
 * http step; an unknown name fails; a bad file merges nothing. */
static void test_D4_actions_catalog(void **state)
{
    (void)state;
    char err[600] = "";
    actions_clear();
    assert_int_equal(actions_load("{\"actions\": {\"restart-web\": {\"type\": \"command\", "
                                  "\"argv\": [\"systemctl\", \"restart\", \"web\"], "
                                  "\"description\": \"Restart web\"}}, \"network\": [{\"type\": "
                                  "\"action\", \"action\": \"restart-web\"}]}", "t", err, sizeof err),
                     0);
    assert_int_equal(actions_exists("restart-web"), 1);
    assert_int_equal(actions_exists("rm"), 0);
    Playbook p;
    assert_int_equal(actions_category("network", &p, err, sizeof err), 1);
    assert_int_equal(p.steps[0].kind, STEP_COMMAND);
    assert_string_equal(p.steps[0].argv[2], "web");
    assert_string_equal(p.steps[0].action, "restart-web");
    assert_string_equal(p.steps[0].description, "Restart web");
    playbook_free(&p);
    assert_int_equal(actions_category("database", &p, err, sizeof err), 0);
    assert_int_equal(playbook_parse_api("[{\"type\":\"action\",\"action\":\"rm\"}]", &p, err,
                                        sizeof err), 0);
    assert_int_equal(actions_resolve(&p, err, sizeof err), -22);
    assert_string_equal(err, "Unknown action 'rm': not defined in the playbook file");
    playbook_free(&p);
    /* an action must be a command or an http step, and a bad file changes nothing */
    assert_int_equal(actions_load("{\"actions\": {\"x\": {\"type\": \"noop\"}, \"y\": {\"type\": "
                                  "\"command\", \"argv\": [\"true\"]}}}", "t", err, sizeof err), -22);
    assert_string_equal(err, "actions.x: an action is a command or an http step");
    assert_int_equal(actions_exists("y"), 0);
    assert_int_equal(actions_load("{\"storage\": []}", "t", err, sizeof err), -22);
    assert_string_equal(err, "Invalid category: storage");
    actions_clear();
    assert_int_equal(actions_exists("restart-web"), 0);
}

static void test_playbook_defaults(void **state)
{
    (void)state;
    static const struct { const char *cat; int n; const char *actions[3]; } t[] = {
        {"network", 3, {"ping_check", "service_restart", "health_check"}},
        {"database", 3, {"connection_check", "pool_clear", "health_check"}},
        {"application", 3, {"log_check", "service_restart", "health_check"}},
        {"security", 1, {"health_check"}},
        {"user_access", 1, {"health_check"}},
    };
    for (size_t i = 0; i < ARRAY_LEN(t); i++) {
        Playbook p;
        playbook_default(t[i].cat, &p);
        assert_int_equal(p.n, t[i].n);
        for (int k = 0; k < p.n; k++) {
            assert_string_equal(p.steps[k].action, t[i].actions[k]);
            assert_int_equal(p.steps[k].kind, STEP_NOOP);
        }
        playbook_free(&p);
    }
}

static void test_playbook_expand(void **state)
{
    (void)state;
    PlaybookVars v = {.incident_id = "INC-1", .category = "network", .priority = "high",
                      .service = "web", .created_by = "ann", .service_id = 42};
    char *s = playbook_expand("restart ${service} (${service_id}) for ${incident_id} ${nope} $x ${",
                              &v);
    assert_string_equal(s, "restart web (42) for INC-1 ${nope} $x ${");
    free(s);
    PlaybookVars none = {0};
    s = playbook_expand("${service_id}${service}", &none);
    assert_string_equal(s, "");
    free(s);
    assert_null(playbook_expand(NULL, &v));
}

/* N8: a request's values are placed so they cannot change the shape the
 * operator wrote: one argv element (no path, option or dot entry), one
 * percent-encoded URL piece, a JSON string that stays inside its quotes. */
static void test_N8_placeholders_placed_safely(void **state)
{
    (void)state;
    static const struct {
        const char *id, *tmpl;
        ExpandMode  mode;
        const char *want;              /* NULL: refused */
    } cases[] = {
        {"INC-7", "/tmp/m-${incident_id}", EXPAND_ARG, "/tmp/m-INC-7"},
        {"Payments API", "${incident_id}", EXPAND_ARG, "Payments API"},
        {"../etc/x", "/tmp/m-${incident_id}", EXPAND_ARG, NULL},
        {"a\\b", "${incident_id}", EXPAND_ARG, NULL},
        {"-rf", "${incident_id}", EXPAND_ARG, NULL},
        {"..", "${incident_id}", EXPAND_ARG, NULL},
        {".", "${incident_id}", EXPAND_ARG, NULL},
        {"a.b..c", "${incident_id}", EXPAND_ARG, "a.b..c"},
        {"INC-7?admin=1#", "http://h/d/${incident_id}", EXPAND_URL, "http://h/d/INC-7%3Fadmin%3D1%23"},
        {"a b/c", "http://h/${incident_id}?x=1", EXPAND_URL, "http://h/a%20b%2Fc?x=1"},
        {"ok-1._~", "http://h/${incident_id}", EXPAND_URL, "http://h/ok-1._~"},
        {"x\", \"admin\": true, \"y", "{\"id\": \"${incident_id}\"}", EXPAND_JSON,
         "{\"id\": \"x\\\", \\\"admin\\\": true, \\\"y\"}"},
        {"a\\", "\"${incident_id}\"", EXPAND_JSON, "\"a\\\\\""},
        {"line\nX-Admin: 1", "Bearer ${incident_id}", EXPAND_HEADER, NULL},
        {"tab\there", "${incident_id}", EXPAND_URL, NULL},
        {"INC-9", "token ${incident_id}", EXPAND_HEADER, "token INC-9"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        PlaybookVars v = {.incident_id = cases[i].id};
        char err[200] = "";
        char *got = playbook_expand_as(cases[i].tmpl, &v, cases[i].mode, err, sizeof err);
        if (!cases[i].want) {
            if (got)
                fail_msg("case %zu (%s): placed as '%s', want refused", i, cases[i].id, got);
            assert_non_null(strstr(err, "${incident_id}"));
        } else {
            if (!got || strcmp(got, cases[i].want) != 0)
                fail_msg("case %zu (%s): got '%s' (%s), want '%s'", i, cases[i].id,
                         got ? got : "(refused)", err, cases[i].want);
        }
        free(got);
    }
}

/* The step kinds table (playbook.c step_kinds[]): every kind's name, who
 * runs it, and the audit's name for its outcome code. */
static void test_step_kinds_table(void **state)
{
    (void)state;
    static const struct {
        StepKind    kind;
        const char *name;
        StepRunsIn  runs_in;
        const char *code_field;
    } rows[] = {
        {STEP_NOOP, "noop", STEP_RUNS_IN_DOMAIN, NULL},
        {STEP_COMMAND, "command", STEP_RUNS_IN_ENGINE, "exit_code"},
        {STEP_HTTP, "http", STEP_RUNS_IN_ENGINE, "http_status"},
        {STEP_SET_STATUS, "set_status", STEP_RUNS_IN_DOMAIN, NULL},
        {STEP_ACK_ALERTS, "ack_alerts", STEP_RUNS_IN_DOMAIN, NULL},
        {STEP_ACTION, "action", STEP_RUNS_AS_ACTION, NULL},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        assert_string_equal(playbook_kind_name(rows[i].kind), rows[i].name);
        assert_int_equal(playbook_kind_runs_in(rows[i].kind), rows[i].runs_in);
        if (rows[i].code_field)
            assert_string_equal(playbook_kind_code_field(rows[i].kind), rows[i].code_field);
        else
            assert_null(playbook_kind_code_field(rows[i].kind));
    }
    /* every kind has a row of its own (a kind without one would be
     * named "noop" like STEP_NOOP) */
    for (int k = 0; k < STEP_KIND_COUNT; k++)
        for (int j = 0; j < k; j++)
            assert_string_not_equal(playbook_kind_name((StepKind)k),
                                    playbook_kind_name((StepKind)j));
}

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_N8_placeholders_placed_safely),
        cmocka_unit_test(test_threshold_reported),
        cmocka_unit_test(test_category_defaults),
        cmocka_unit_test(test_vocabularies),
        cmocka_unit_test(test_step_kinds_table),
        cmocka_unit_test(test_percent),
        cmocka_unit_test(test_retry_delay),
        cmocka_unit_test(test_playbook_parse),
        cmocka_unit_test(test_playbook_errors),
        cmocka_unit_test(test_playbook_defaults),
        cmocka_unit_test(test_D4_api_playbook_refuses_commands),
        cmocka_unit_test(test_B7_playbook_acts),
        cmocka_unit_test(test_D4_actions_catalog),
        cmocka_unit_test(test_playbook_expand),
    };
    size_t n = ARRAY_LEN(rows) + ARRAY_LEN(fixed);
    struct CMUnitTest *tests = calloc(n, sizeof *tests);
    char names[ARRAY_LEN(rows)][160];
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        snprintf(names[i], sizeof names[i], "can_auto_resolve: %s", rows[i].name);
        tests[i] = (struct CMUnitTest){.name = names[i], .test_func = test_row,
                                       .initial_state = (void *)&rows[i]};
    }
    memcpy(tests + ARRAY_LEN(rows), fixed, sizeof fixed);
    int rc = _cmocka_run_group_tests("decision", tests, n, NULL, NULL);
    free(tests);
    return rc;
}
