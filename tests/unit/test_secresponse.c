/* test_secresponse — issue 12's response actions (domain/secresponse.c):
 * the security.actions catalog and its validation, the placing of target
 * and parameter values into the action's argv (playbook_expand_as: one
 * inert argv element each, an IP must parse), refusal under the kill
 * switch (recorded), the runner's side (the claimed run's step, the row
 * following the run), escalation, reports, ML outputs and tasks. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "domain/incident_runs.h"
#include "domain/incidents.h"
#include "domain/playbook.h"
#include "domain/resolution.h"
#include "domain/secresponse.h"
#include "store/db.h"
#include "steps.h"

#define ACTIONS                                                                              \
    "{\"block_ip\": {\"kind\": \"command\", \"argv\": [\"/bin/true\", \"${target.ip}\", " \
    "\"${param.duration_minutes}\", \"${alert.id}\"], \"timeout_s\": 5, "                      \
    "\"defaults\": {\"duration_minutes\": 60}},"                                               \
    " \"disable_user\": {\"kind\": \"command\", \"argv\": [\"/bin/echo\", "             \
    "\"--user=${target.user}\"]},"                                                             \
    " \"notify\": {\"kind\": \"http\", \"url\": \"http://127.0.0.1:9/hook/${target.ip}\", "    \
    "\"method\": \"POST\", \"body\": \"{\\\"who\\\": \\\"${target.user}\\\"}\"}}"

typedef struct Fx {
    char   dir[64];
    char   path[96];
    Store *st;
} Fx;

static void exec_sql(Store *st, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(store_db(st), sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
}

static char *query_text(Store *st, const char *sql)
{
    sqlite3_stmt *s;
    char *v = NULL;
    assert_int_equal(sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
        v = strdup((const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return v;
}

static void assert_query(Store *st, const char *sql, const char *want)
{
    char *v = query_text(st, sql);
    if (!want)
        assert_null(v);
    else {
        assert_non_null(v);
        assert_string_equal(v, want);
    }
    free(v);
}

static int setup(void **state)
{
    Fx *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/resops-test-sresp-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    char err[256];
    if (store_open(f->path, &f->st, err, sizeof err) < 0)
        return -1;
    exec_sql(f->st,
             "INSERT INTO sec_alert (id, source, raw, received_at, stage, title, severity, s0, "
             "normalized) VALUES ('alert-1', 'raw', '{}', '2026-01-01T00:00:00Z', 'triaged', "
             "'Failed SSH', 'high', 95, '{\"normalized\": {\"observables\": [{\"type\": \"ip\", "
             "\"value\": \"10.0.0.9\"}, {\"type\": \"user\", \"value\": \"alice\"}]}}')");
    if (secresponse_configure(ACTIONS, NULL, NULL, "block_ip", err, sizeof err) < 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fx *f = *state;
    store_close(f->st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void test_configure_validates(void **state)
{
    (void)state;
    char err[400];
    assert_int_equal(secresponse_configure("[1]", NULL, NULL, NULL, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "must be a JSON object"));
    assert_int_equal(secresponse_configure("{\"x\": {\"kind\": \"command\", \"argv\": [\"/b\", "
                                           "\"${target.ip}\"]}, \"y\": {\"kind\": \"command\","
                                           " \"argv\": [\"/b\", \"${secret}\"]}}",
                                           NULL, NULL, NULL, err, sizeof err),
                     -EINVAL);
    assert_non_null(strstr(err, "security.actions.y: unknown placeholder ${secret}"));
    assert_int_equal(secresponse_configure("{\"n\": {\"kind\": \"noop\"}}", NULL, NULL, NULL, err,
                                           sizeof err),
                     -EINVAL);
    assert_non_null(strstr(err, "security.actions.n"));
    assert_int_equal(secresponse_configure("{\"c\": {\"kind\": \"command\"}}", NULL, NULL, NULL,
                                           err, sizeof err),
                     -EINVAL);
    assert_non_null(strstr(err, "argv"));
    assert_int_equal(secresponse_configure(ACTIONS, NULL, NULL, "nope", err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "security.escalation_action"));
    /* a failed configure left the catalog as it was */
    assert_true(secresponse_action_exists("notify"));

    /* the default set: commands under the directory, webhook only with a URL */
    assert_int_equal(secresponse_configure("", "/srv/acts", NULL, NULL, err, sizeof err), 0);
    const char *const *names = secresponse_actions();
    assert_string_equal(names[0], "block_ip");
    assert_string_equal(names[1], "disable_user");
    assert_string_equal(names[2], "isolate_host");
    assert_null(names[3]);
    assert_int_equal(secresponse_configure(NULL, NULL, "http://127.0.0.1:1/h", NULL, err,
                                           sizeof err),
                     0);
    assert_true(secresponse_action_exists("webhook"));
    char buf[200];
    secresponse_action_names(buf, sizeof buf);
    assert_string_equal(buf, "block_ip, disable_user, isolate_host, webhook");
    assert_int_equal(secresponse_configure(ACTIONS, NULL, NULL, "block_ip", err, sizeof err), 0);
}

static void test_run_validates_values(void **state)
{
    Fx *f = *state;
    SecResponseOut out;
    char err[400];
    assert_int_equal(secresponse_run(f->st, "alert-1", "block_ip",
                                     "{\"ip\": \"1.2.3.4; rm -rf /\"}", NULL, "ann", 1000, &out,
                                     err, sizeof err),
                     -EINVAL);
    assert_non_null(strstr(err, "target.ip must be an IPv4 or IPv6 address"));
    assert_int_equal(secresponse_run(f->st, "alert-1", "block_ip", "{}", NULL, "ann", 1000, &out,
                                     err, sizeof err),
                     -EINVAL);
    assert_string_equal(err, "Action 'block_ip' needs target.ip");
    assert_int_equal(secresponse_run(f->st, "alert-1", "rm_rf", "{}", NULL, "ann", 1000, &out,
                                     err, sizeof err),
                     -EINVAL);
    assert_string_equal(err, "Unknown action 'rm_rf'; known actions: block_ip, disable_user, "
                             "notify");
    /* a user with a space or a leading '-' is refused, never passed on */
    assert_int_equal(secresponse_run(f->st, "alert-1", "disable_user",
                                     "{\"user\": \"bob -rf\"}", NULL, "ann", 1000, &out, err,
                                     sizeof err),
                     -EINVAL);
    assert_non_null(strstr(err, "target.user holds ' '"));
    assert_int_equal(secresponse_run(f->st, "alert-1", "block_ip", "{\"ip\": \"10.0.0.1\"}",
                                     "{\"duration_minutes\": \"$(reboot)\"}", "ann", 1000, &out,
                                     err, sizeof err),
                     -EINVAL);
    assert_int_equal(secresponse_run(f->st, "nope", "block_ip", "{\"ip\": \"10.0.0.1\"}", NULL,
                                     "ann", 1000, &out, err, sizeof err),
                     -ENOENT);
    assert_string_equal(err, "Alert 'nope' not found");
    /* nothing was recorded for a request that was refused as bad */
    assert_query(f->st, "SELECT COUNT(*) FROM sec_response", "0");
}

/* The run through the runner's ledger: claim -> the placed step; the row
 * follows the run. */
static void test_run_queues_and_follows_the_run(void **state)
{
    Fx *f = *state;
    SecResponseOut out;
    char err[400];
    assert_int_equal(secresponse_run(f->st, "alert-1", "block_ip", "{\"ip\": \"2001:db8::1\"}",
                                     NULL, "ann", 1000, &out, err, sizeof err),
                     0);
    assert_string_equal(out.state, "queued");
    assert_string_equal(out.incident_id, "SECRESP-1");
    assert_query(f->st, "SELECT state || ' ' || incident_id || ' ' || actor FROM sec_response",
                 "queued SECRESP-1 ann");
    assert_query(f->st, "SELECT category || ' ' || state FROM incident", "security open");

    RunPlan p;
    assert_int_equal(incident_runs_claim(f->st, 0, 1001, &p), 1);
    assert_int_equal(p.pb.n, 1);
    assert_int_equal(p.pb.steps[0].kind, STEP_COMMAND);
    char **argv = p.pb.steps[0].argv;
    assert_string_equal(argv[0], "/bin/true");
    assert_string_equal(argv[1], "2001:db8::1");
    assert_string_equal(argv[2], "60");                       /* the action's default */
    assert_string_equal(argv[3], "alert-1");
    assert_null(argv[4]);
    assert_int_equal(p.pb.steps[0].timeout_ms, 5000);
    assert_query(f->st, "SELECT state FROM sec_response", "running");

    StepOutcome o = {.ok = 1, .code = 0, .output = strdup("blocked")};
    assert_int_equal(incident_runs_record_step(f->st, &p, 0, "step-1", 1, 1002, &o, 1002), 0);
    free(o.output);
    assert_int_equal(incident_runs_finish_resolved(f->st, &p, 1003), 0);
    incident_runs_plan_free(&p);
    assert_query(f->st, "SELECT state || ' ' || finished_at FROM sec_response",
                 "success 1970-01-01T00:16:43");
    char *det = query_text(f->st, "SELECT details FROM sec_response");
    assert_non_null(strstr(det, "\"output\":\"blocked\""));
    free(det);

    /* parameters given win over the defaults; the http step's values are
     * percent-encoded in the URL and escaped in the body */
    assert_int_equal(secresponse_run(f->st, "alert-1", "block_ip", "{\"ip\": \"10.1.2.3\"}",
                                     "{\"duration_minutes\": 5}", "ann", 1100, &out, err,
                                     sizeof err),
                     0);
    assert_int_equal(secresponse_run(f->st, "alert-1", "notify",
                                     "{\"ip\": \"::1\", \"user\": \"a.b@c\"}", NULL, "ann", 1100,
                                     &out, err, sizeof err),
                     0);
    Playbook pb = {0};
    assert_int_equal(secresponse_plan(f->st, "SECRESP-2", &pb, err, sizeof err), 1);
    assert_string_equal(pb.steps[0].argv[2], "5");
    playbook_free(&pb);
    assert_int_equal(secresponse_plan(f->st, "SECRESP-3", &pb, err, sizeof err), 1);
    assert_string_equal(pb.steps[0].url, "http://127.0.0.1:9/hook/%3A%3A1");
    assert_string_equal(pb.steps[0].body, "{\"who\": \"a.b@c\"}");
    playbook_free(&pb);
    assert_int_equal(secresponse_plan(f->st, "not-a-response", &pb, err, sizeof err), 0);

    /* a failed run: the row says failed, with the reason */
    assert_int_equal(incident_runs_claim(f->st, 0, 1200, &p), 1);
    assert_int_equal(incident_runs_finish_failed(f->st, &p, "exit 3", 1201), 0);
    incident_runs_plan_free(&p);
    assert_query(f->st, "SELECT state FROM sec_response WHERE id = 2", "failed");
    det = query_text(f->st, "SELECT details FROM sec_response WHERE id = 2");
    assert_non_null(strstr(det, "\"reason\":\"exit 3\""));
    free(det);
}

static void test_kill_switch_refuses_and_records(void **state)
{
    Fx *f = *state;
    char err[400];
    assert_int_equal(resolution_set_kill_switch(f->st, 1, "ann", "drill", 900, err, sizeof err),
                     0);
    SecResponseOut out;
    assert_int_equal(secresponse_run(f->st, "alert-1", "block_ip", "{\"ip\": \"10.0.0.1\"}", NULL,
                                     "ann", 1000, &out, err, sizeof err),
                     -EAGAIN);
    assert_string_equal(err, "Auto-resolution is stopped (kill switch): response 'block_ip' not "
                             "run");
    assert_string_equal(out.state, "refused");
    assert_true(out.id > 0);
    assert_query(f->st, "SELECT state FROM sec_response", "refused");
    char *det = query_text(f->st, "SELECT details FROM sec_response");
    assert_non_null(strstr(det, "kill switch"));
    free(det);
    RunPlan p;
    assert_int_equal(incident_runs_claim(f->st, 0, 1001, &p), 0);   /* nothing to run */
    assert_query(f->st, "SELECT COUNT(*) FROM audit_log WHERE action = "
                        "'Security Response Refused'", "1");

    /* a kill switch that comes after the queueing stops the run before
     * its step: the row is refused */
    assert_int_equal(resolution_set_kill_switch(f->st, 0, "ann", NULL, 1002, err, sizeof err), 0);
    assert_int_equal(secresponse_run(f->st, "alert-1", "block_ip", "{\"ip\": \"10.0.0.1\"}", NULL,
                                     "ann", 1003, &out, err, sizeof err),
                     0);
    assert_int_equal(incident_runs_claim(f->st, 0, 1004, &p), 1);
    assert_int_equal(resolution_set_kill_switch(f->st, 1, "ann", "stop", 1005, err, sizeof err),
                     0);
    char reason[300];
    assert_int_equal(incident_runs_gate(f->st, "security", reason, sizeof reason), 1);
    assert_int_equal(incident_runs_finish_stopped(f->st, &p, 1, reason, 1006), 0);
    incident_runs_plan_free(&p);
    assert_query(f->st, "SELECT state FROM sec_response WHERE id = 2", "refused");
}

static void test_escalate(void **state)
{
    Fx *f = *state;
    char inc[64];
    /* S0 95 >= the default threshold 0.90: queued; the escalation action
     * gets the first IP observable */
    assert_int_equal(secresponse_escalate(f->st, "alert-1", 95, "triage", 1000, inc, sizeof inc),
                     0);
    assert_string_equal(inc, "SECALERT-1");
    assert_query(f->st, "SELECT incident_id FROM sec_alert", "SECALERT-1");
    assert_query(f->st, "SELECT category || ' ' || priority || ' ' || state FROM incident",
                 "security critical open");
    assert_query(f->st, "SELECT action || ' ' || target || ' ' || state FROM sec_response",
                 "block_ip {\"ip\":\"10.0.0.9\",\"user\":\"alice\"} queued");
    assert_int_equal(secresponse_escalate(f->st, "alert-1", 95, "triage", 1001, inc, sizeof inc),
                     -EEXIST);
    assert_string_equal(inc, "SECALERT-1");
    assert_int_equal(secresponse_escalate(f->st, "nope", 95, "triage", 1001, inc, sizeof inc),
                     -ENOENT);
    Playbook pb = {0};
    char err[200];
    assert_int_equal(secresponse_plan(f->st, "SECALERT-1", &pb, err, sizeof err), 1);
    assert_string_equal(pb.steps[0].argv[1], "10.0.0.9");
    playbook_free(&pb);
    assert_query(f->st, "SELECT COUNT(*) FROM audit_log WHERE action = 'Security Escalation'",
                 "1");
}

static void test_report_ml_tasks_export(void **state)
{
    Fx *f = *state;
    char err[300];
    SecResponseRow r;
    assert_int_equal(secresponse_report(f->st, "alert-1", "success",
                                        "{\"action_id\": \"act-456\"}", "soar", 1000, &r, err,
                                        sizeof err),
                     0);
    assert_string_equal(r.state, "reported");
    assert_string_equal(r.action, "result");
    assert_non_null(strstr(r.details, "\"status\":\"success\""));
    secresp_response_free(&r);
    assert_int_equal(secresponse_report(f->st, "alert-1", "", NULL, "soar", 1000, &r, err,
                                        sizeof err),
                     -EINVAL);
    assert_int_equal(secresponse_report(f->st, "x", "ok", NULL, "soar", 1000, &r, err,
                                        sizeof err),
                     -ENOENT);

    int64_t id;
    assert_int_equal(secresponse_ml_output(f->st, "alert-1", "agent", "anomaly", 1, 0.72,
                                           "{\"agent\":\"anomaly\"}", "ml", 1000, &id, err,
                                           sizeof err),
                     0);
    assert_int_equal(secresponse_ml_output(f->st, "alert-1", "llm", NULL, 0, 0, "{}", "ml", 1000,
                                           &id, err, sizeof err),
                     0);
    assert_query(f->st, "SELECT group_concat(kind || ':' || IFNULL(score, 'null')) FROM "
                        "sec_ml_output", "agent:0.72,llm:null");

    SecTaskRow t;
    assert_int_equal(secresponse_task_create(f->st, "Investigate", "alice", "alert-1", NULL,
                                             "ann", 1000, &t, err, sizeof err),
                     0);
    assert_string_equal(t.state, "open");
    int64_t tid = t.id;
    secresp_task_free(&t);
    assert_int_equal(secresponse_task_create(f->st, "", NULL, NULL, NULL, "ann", 1000, &t, err,
                                             sizeof err),
                     -EINVAL);
    assert_int_equal(secresponse_task_create(f->st, "x", NULL, "nope", NULL, "ann", 1000, &t,
                                             err, sizeof err),
                     -ENOENT);
    assert_int_equal(secresponse_task_update(f->st, tid, "done", 1, NULL, "ann", 1001, &t, err,
                                             sizeof err),
                     0);
    assert_string_equal(t.state, "done");
    assert_null(t.assignee);
    secresp_task_free(&t);
    assert_int_equal(secresponse_task_update(f->st, tid, "closed", 0, NULL, "ann", 1001, &t, err,
                                             sizeof err),
                     -EINVAL);
    assert_int_equal(secresponse_task_update(f->st, 999, "done", 0, NULL, "ann", 1001, &t, err,
                                             sizeof err),
                     -ENOENT);

    assert_int_equal(secresponse_export_ready(f->st, "alert-1", "admin", 1000), 0);
    assert_query(f->st, "SELECT export_ready_at FROM sec_alert", "1970-01-01T00:16:40");
    assert_int_equal(secresponse_export_ready(f->st, "nope", "admin", 1000), -ENOENT);
}

/* playbook_expand's extra names (issue 12): placed like the fixed ones. */
/* A command action whose program is not there (or not executable) is
 * refused at the request (-EAGAIN: the API's 409), recorded as refused,
 * nothing queued; once installed it runs. Checked at each request. */
static void test_missing_program_refused(void **state)
{
    Fx *f = *state;
    char prog[128], actions[400], want[400], err[400];
    snprintf(prog, sizeof prog, "%s/blk", f->dir);
    snprintf(actions, sizeof actions, "{\"blk\": {\"kind\": \"command\", \"argv\": "
             "[\"%s\", \"${target.ip}\"]}}", prog);
    /* not fatal at start: an operator may install it later */
    assert_int_equal(secresponse_configure(actions, NULL, NULL, "blk", err, sizeof err), 0);
    SecResponseOut out;
    assert_int_equal(secresponse_run(f->st, "alert-1", "blk", "{\"ip\": \"10.0.0.1\"}", NULL,
                                     "ann", 1000, &out, err, sizeof err),
                     -EAGAIN);
    snprintf(want, sizeof want, "Response action 'blk' is not installed: %s does not exist",
             prog);
    assert_string_equal(err, want);
    assert_string_equal(out.state, "refused");
    assert_true(out.id > 0);
    assert_query(f->st, "SELECT state || ' ' || COALESCE(incident_id, '-') || ' ' || "
                        "(finished_at IS NOT NULL) FROM sec_response", "refused - 1");
    char *det = query_text(f->st, "SELECT details FROM sec_response");
    assert_non_null(strstr(det, "does not exist"));
    free(det);
    assert_query(f->st, "SELECT COUNT(*) FROM incident", "0");
    assert_query(f->st, "SELECT COUNT(*) FROM audit_log WHERE action = "
                        "'Security Response Refused'", "1");

    /* escalation: the action's row is refused, outside the incident */
    char inc[64];
    assert_int_equal(secresponse_escalate(f->st, "alert-1", 95, "triage", 1001, inc, sizeof inc),
                     0);
    assert_query(f->st, "SELECT state || ' ' || COALESCE(incident_id, '-') FROM sec_response "
                        "WHERE id = 2", "refused -");
    Playbook pb = {0};
    assert_int_equal(secresponse_plan(f->st, inc, &pb, err, sizeof err), 0);

    /* there but not executable */
    FILE *fp = fopen(prog, "w");
    assert_non_null(fp);
    fputs("#!/bin/sh\nexit 0\n", fp);
    fclose(fp);
    chmod(prog, 0644);
    assert_int_equal(secresponse_run(f->st, "alert-1", "blk", "{\"ip\": \"10.0.0.1\"}", NULL,
                                     "ann", 1002, &out, err, sizeof err),
                     -EAGAIN);
    snprintf(want, sizeof want, "Response action 'blk' is not installed: %s is not executable",
             prog);
    assert_string_equal(err, want);
    /* installed: queued */
    chmod(prog, 0755);
    assert_int_equal(secresponse_run(f->st, "alert-1", "blk", "{\"ip\": \"10.0.0.1\"}", NULL,
                                     "ann", 1003, &out, err, sizeof err),
                     0);
    assert_string_equal(out.state, "queued");

    /* the default set under a directory that does not hold them */
    assert_int_equal(secresponse_configure("", "/nonexistent-resops/acts", NULL, NULL, err,
                                           sizeof err),
                     0);
    assert_int_equal(secresponse_run(f->st, "alert-1", "block_ip", "{\"ip\": \"10.0.0.1\"}",
                                     NULL, "ann", 1004, &out, err, sizeof err),
                     -EAGAIN);
    assert_string_equal(err, "Response action 'block_ip' is not installed: "
                             "/nonexistent-resops/acts/block_ip does not exist");
}

/* The runner's rule: a program that cannot be executed at all fails for
 * good (no retry can help); an ordinary non-zero exit may be retried. */
static void test_exec_failure_is_permanent(void **state)
{
    Fx *f = *state;
    StepOutcome o;
    char *const missing[] = {"/nonexistent-resops/tool", NULL};
    steps_run_command(missing, NULL, 5000, 0, -1, &o);
    assert_false(o.ok);
    assert_true(o.permanent);
    assert_string_equal(o.error, "cannot run /nonexistent-resops/tool: No such file or directory");
    free(o.output);

    char prog[128];
    snprintf(prog, sizeof prog, "%s/noexec", f->dir);
    FILE *fp = fopen(prog, "w");
    assert_non_null(fp);
    fputs("#!/bin/sh\nexit 0\n", fp);
    fclose(fp);
    chmod(prog, 0644);
    char *const noexec[] = {prog, NULL};
    steps_run_command(noexec, NULL, 5000, 0, -1, &o);
    assert_false(o.ok);
    assert_true(o.permanent);
    assert_non_null(strstr(o.error, "Permission denied"));
    free(o.output);

    char *const fails[] = {"/bin/sh", "-c", "exit 3", NULL};
    steps_run_command(fails, NULL, 5000, 0, -1, &o);
    assert_false(o.ok);
    assert_false(o.permanent);
    assert_int_equal(o.code, 3);
    assert_string_equal(o.error, "exit status 3");
    free(o.output);
}

static void test_expand_extra(void **state)
{
    (void)state;
    const char *const extra[] = {"target.ip", "10.0.0.1", "param.x", "a/b", NULL};
    PlaybookVars v = {.incident_id = "I-1", .extra = extra};
    char err[200];
    char *s = playbook_expand_as("${target.ip}-${incident_id}-${param.y}", &v, EXPAND_ARG, err,
                                 sizeof err);
    assert_string_equal(s, "10.0.0.1-I-1-${param.y}");
    free(s);
    assert_null(playbook_expand_as("${param.x}", &v, EXPAND_ARG, err, sizeof err));
    assert_non_null(strstr(err, "${param.x}"));
    s = playbook_expand("${param.x}", &v);
    assert_string_equal(s, "a/b");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_configure_validates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_validates_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_queues_and_follows_the_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill_switch_refuses_and_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escalate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_ml_tasks_export, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_program_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_failure_is_permanent, setup, teardown),
        cmocka_unit_test(test_expand_extra),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
