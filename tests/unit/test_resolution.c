/* test_resolution — the kill switch's one write path
 * (resolution_set_kill_switch): seed 001's config row, the seed 000 style
 * audit entry and the seed 001 incident_audit entry are written together;
 * the default reason; the required actor; and the snapshot shows it.
 * Issue 9: PUT /api/v1/config's domain function is a partial update that
 * never lifts a stop (B1); a failed run without a service raises an
 * incident-level alert (B2); a run that acts on nothing ends no_action
 * (B7). The status write path's reaction: only a probe's Down opens an
 * incident for a service whose probe names a playbook. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "snapshot.h"
#include "domain/actions.h"
#include "domain/incident_runs.h"
#include "domain/incidents.h"
#include "domain/resolution.h"
#include "domain/services.h"
#include "domain/status_reactions.h"
#include "store/audit_repo.h"
#include "store/db.h"
#include "store/incident_audit_repo.h"
#include "store/resolution_repo.h"

typedef struct Fx {
    char   dir[64];
    char   path[96];
    Store *st;
} Fx;

static int setup(void **state)
{
    Fx *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/resops-test-res-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    char err[256];
    if (store_open(f->path, &f->st, err, sizeof err) < 0)
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

static int64_t global_enabled(Store *st)
{
    sqlite3_stmt *s;
    int64_t v = -1;
    sqlite3_prepare_v2(store_db(st), "SELECT global_enabled FROM resolution_config WHERE id = 1",
                       -1, &s, NULL);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static void test_activate_writes_all_three(void **state)
{
    Fx *f = *state;
    char err[128];
    assert_int_equal(global_enabled(f->st), 1);
    assert_int_equal(resolution_set_kill_switch(f->st, 1, "alice", "bad deploy", 1700000000, err,
                                                sizeof err), 0);
    assert_int_equal(global_enabled(f->st), 0);
    KillSwitchState ks;
    assert_int_equal(resolution_repo_get_kill(f->st, &ks), 0);
    assert_int_equal(ks.active, 1);
    assert_string_equal(ks.actor, "alice");
    assert_string_equal(ks.reason, "bad deploy");
    assert_int_equal(ks.at, 1700000000);
    assert_int_equal(audit_repo_count(f->st, "Kill Switch Activated", 1), 1);

    IncidentAuditRow rows[4];
    int n = incident_audit_repo_list(f->st, INCIDENT_AUDIT_SYSTEM, NULL, rows, 4, 0);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].action, "kill_switch_activated");
    assert_string_equal(rows[0].incident_id, "SYSTEM");
    assert_string_equal(rows[0].actor, "alice");
    assert_string_equal(rows[0].details, "{\"message\":\"Emergency kill switch activated - all "
                                        "auto-resolutions disabled\",\"reason\":\"bad deploy\"}");
    assert_int_equal(rows[0].success, 1);
    assert_int_equal(strlen(rows[0].audit_id), 36);
    assert_int_equal(rows[0].audit_id[14], '4');            /* UUID version 4 */

    assert_int_equal(resolution_set_kill_switch(f->st, 0, "bob", NULL, 1700000060, err,
                                                sizeof err), 0);
    assert_int_equal(global_enabled(f->st), 1);
    assert_int_equal(audit_repo_count(f->st, "Kill Switch Deactivated", 1), 1);
    n = incident_audit_repo_list(f->st, NULL, NULL, rows, 4, 0);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].action, "kill_switch_deactivated");   /* newest first */
    assert_string_equal(rows[0].actor, "bob");
    assert_string_equal(rows[0].details, "{\"message\":\"Emergency kill switch deactivated - "
                                        "auto-resolutions re-enabled\"}");
    n = incident_audit_repo_list(f->st, NULL, "kill_switch_activated", rows, 4, 0);
    assert_int_equal(n, 1);
}

static void test_default_reason_and_actor(void **state)
{
    Fx *f = *state;
    char err[128];
    assert_int_equal(resolution_set_kill_switch(f->st, 1, "", "x", 1700000000, err, sizeof err),
                     -EINVAL);
    assert_string_equal(err, "actor is required");
    assert_int_equal(resolution_set_kill_switch(f->st, 1, NULL, "x", 1700000000, err, sizeof err),
                     -EINVAL);
    assert_int_equal(global_enabled(f->st), 1);               /* nothing written */
    IncidentAuditRow rows[2];
    assert_int_equal(incident_audit_repo_list(f->st, NULL, NULL, rows, 2, 0), 0);

    assert_int_equal(resolution_set_kill_switch(f->st, 1, "ops", "", 1700000000, err, sizeof err), 0);
    KillSwitchState ks;
    resolution_repo_get_kill(f->st, &ks);
    assert_string_equal(ks.reason, RESOLUTION_DEFAULT_KILL_REASON);
    assert_int_equal(incident_audit_repo_list(f->st, NULL, NULL, rows, 2, 0), 1);
    assert_string_equal(rows[0].details, "{\"message\":\"Emergency kill switch activated - all "
                                        "auto-resolutions disabled\",\"reason\":\"Emergency "
                                        "activation\"}");
}

static void test_snapshot_shows_it(void **state)
{
    Fx *f = *state;
    char err[128];
    Snapshot *s = snapshot_build(f->st, 1, 0);
    assert_non_null(s);
    assert_int_equal(s->kill_switch, 0);
    snapshot_unref(s);
    assert_int_equal(resolution_set_kill_switch(f->st, 1, "carol", "storm", 1700000000, err,
                                                sizeof err), 0);
    s = snapshot_build(f->st, 1, 0);
    assert_non_null(s);
    assert_int_equal(s->kill_switch, 1);
    assert_string_equal(s->kill_reason, "storm");
    assert_string_equal(s->kill_actor, "carol");
    assert_int_equal(s->nincident_audit, 1);
    assert_int_equal(s->nincidents, 0);
    snapshot_unref(s);
}

static void test_B1_partial_config_keeps_fields(void **state)
{
    Fx *f = *state;
    char err[600];
    ResolutionUpdate u = {.has_category = 1, .has_threshold = 1, .has_retries = 1, .has_notify = 1};
    category_config_default(&u.category, "database");
    u.category.confidence_threshold = 0.6;
    u.category.max_retry_attempts = 1;
    u.category.notification_required = 0;
    assert_int_equal(resolution_config_update(f->st, &u, "ann", 1700000000, err, sizeof err), 0);
    assert_int_equal(resolution_kill_switch(f->st, 1, "database", "ann", "hands off", 1700000001,
                                            err, sizeof err), 0);
    /* the review's PUT: only a playbook */
    ResolutionUpdate p = {.has_category = 1, .has_playbook = 1,
                          .playbook_json = "[{\"type\": \"noop\", \"action\": \"y\"}]"};
    category_config_default(&p.category, "database");    /* defaults not flagged: ignored */
    assert_int_equal(resolution_config_update(f->st, &p, "ann", 1700000002, err, sizeof err), 0);
    ResolutionCategory c;
    assert_int_equal(resolution_category_get(f->st, "database", &c), 0);
    assert_int_equal(c.cfg.auto_resolution_enabled, 0);
    assert_true(c.cfg.confidence_threshold == 0.6);
    assert_int_equal(c.cfg.max_retry_attempts, 1);
    assert_int_equal(c.cfg.notification_required, 0);
    assert_non_null(strstr(c.playbook, "\"y\""));
    resolution_category_free(&c);
}

static void test_B1_put_never_lifts_a_stop(void **state)
{
    Fx *f = *state;
    char err[600];
    assert_int_equal(resolution_kill_switch(f->st, 1, "network", "ann", NULL, 1700000000, err,
                                            sizeof err), 0);
    ResolutionUpdate u = {.has_category = 1, .has_enabled = 1};
    category_config_default(&u.category, "network");
    u.category.auto_resolution_enabled = 1;
    assert_int_equal(resolution_config_update(f->st, &u, "ann", 1700000001, err, sizeof err),
                     -EPERM);
    assert_non_null(strstr(err, "kill-switch/deactivate?category=network"));
    ResolutionCategory c;
    assert_int_equal(resolution_category_get(f->st, "network", &c), 0);
    assert_int_equal(c.cfg.auto_resolution_enabled, 0);
    resolution_category_free(&c);

    assert_int_equal(resolution_set_kill_switch(f->st, 1, "ann", NULL, 1700000002, err, sizeof err),
                     0);
    ResolutionUpdate g = {.has_global_enabled = 1, .global_enabled = 1, .has_max_concurrent = 1,
                          .max_concurrent = 5};
    assert_int_equal(resolution_config_update(f->st, &g, "ann", 1700000003, err, sizeof err),
                     -EPERM);
    assert_int_equal(global_enabled(f->st), 0);
    /* only the kill switch lifts it, audited as such */
    assert_int_equal(resolution_set_kill_switch(f->st, 0, "ann", NULL, 1700000004, err, sizeof err),
                     0);
    assert_int_equal(global_enabled(f->st), 1);
    IncidentAuditRow rows[1];
    assert_int_equal(incident_audit_repo_list(f->st, NULL, NULL, rows, 1, 0), 1);
    assert_string_equal(rows[0].action, "kill_switch_deactivated");
}

/* A run to its end by hand (the runner's calls, no thread). */
static void run_to_end(Store *st, int acts, const char *id, int64_t service_id)
{
    char err[300];
    IncidentInput in = {.incident_id = id, .title = "t", .description = "d",
                        .category = acts ? "security" : "database", .priority = "low",
                        .created_by = "ann", .confidence = 0.99, .service_id = service_id};
    SubmitResult sr;
    assert_int_equal(incidents_submit(st, &in, "ann", 0, 1700000000, &sr, err, sizeof err), 0);
    assert_int_equal(sr.outcome, SUBMIT_QUEUED);
    RunPlan p;
    assert_int_equal(incident_runs_claim(st, 0, 1700000001, &p), 1);
    if (!playbook_acts(&p.pb))
        assert_int_equal(incident_runs_finish_no_action(st, &p, 1700000002), 0);
    else
        assert_int_equal(incident_runs_finish_failed(st, &p, "Step 1 (x) failed", 1700000002), 0);
    incident_runs_plan_free(&p);
}

static int64_t count(Store *st, const char *sql)
{
    sqlite3_stmt *s;
    int64_t v = -1;
    sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static void test_B7_noop_run_is_no_action(void **state)
{
    Fx *f = *state;
    run_to_end(f->st, 0, "INC-N", 0);            /* database: the seed's recording steps */
    IncidentResult r;
    assert_int_equal(incidents_result(f->st, "INC-N", 0, &r), 1);
    assert_string_equal(r.state, "no_action");
    assert_int_equal(r.success, 0);
    assert_string_equal(r.message, "No action taken: the database playbook has no step that acts");
    incidents_result_free(&r);
    assert_int_equal(count(f->st, "SELECT count(*) FROM incident WHERE status = 'open' AND "
                                  "auto_resolved = 0"), 1);
    assert_int_equal(incidents_playbook_acts(f->st, "database"), 0);   /* the console asks this */
}

static void test_B2_failed_without_service_alerts_a_human(void **state)
{
    Fx *f = *state;
    char err[300];
    assert_int_equal(actions_load("{\"actions\": {\"boom\": {\"type\": \"command\", "
                                  "\"argv\": [\"false\"]}}, \"security\": [{\"type\": "
                                  "\"action\", \"action\": \"boom\"}]}", "test", err, sizeof err),
                     0);
    assert_int_equal(incidents_playbook_acts(f->st, "security"), 1);
    run_to_end(f->st, 1, "INC-F2", 0);
    assert_int_equal(count(f->st, "SELECT count(*) FROM alert WHERE service_id IS NULL AND "
                                  "incident_id = 'INC-F2' AND type = 'AutoResolutionFailed' AND "
                                  "severity = 'Critical'"), 1);
    assert_int_equal(count(f->st, "SELECT count(*) FROM outbox WHERE payload LIKE "
                                  "'%AutoResolutionFailed%INC-F2%'"), 1);
    actions_clear();
}

/* status_reactions.h: a Down found by the probe opens an incident (with
 * the probe's category and confidence); the same Down from the heartbeat
 * judgement or from a person does not, as when the engine loop held the
 * rule. */
static void test_only_a_probes_down_opens_an_incident(void **state)
{
    Fx *f = *state;
    char err[300];
    const int64_t t = 1700000000;
    assert_int_equal(actions_load("{\"actions\": {\"fix\": {\"type\": \"command\", "
                                  "\"argv\": [\"true\"]}}, \"network\": [{\"type\": "
                                  "\"action\", \"action\": \"fix\"}]}", "test", err, sizeof err),
                     0);
    ServiceInput in = {.name = "Edge"};
    int64_t sid = 0;
    assert_int_equal(services_create(f->st, &in, "t", 0, t, &sid, err, sizeof err), 0);
    assert_int_equal(services_set_probe(f->st, sid, "cmd", "true", 0, 0, 0, t, err, sizeof err),
                     0);
    assert_int_equal(status_reactions_set_playbook(f->st, sid, "network", 0.97, 0, t, err,
                                                   sizeof err), 0);
    const StatusSource others[] = {SET_BY_USER, SET_BY_ENGINE};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(services_set_status(f->st, sid, STATUS_UP, SET_BY_USER, 0, NULL,
                                             t + 10 * i, err, sizeof err), 1);
        assert_int_equal(services_set_status(f->st, sid, STATUS_DOWN, others[i], 0, "down",
                                             t + 10 * i + 1, err, sizeof err), 1);
        assert_int_equal(count(f->st, "SELECT count(*) FROM incident"), 0);
    }
    assert_int_equal(services_set_status(f->st, sid, STATUS_UP, SET_BY_USER, 0, NULL, t + 30, err,
                                         sizeof err), 1);
    assert_int_equal(services_set_status(f->st, sid, STATUS_DOWN, SET_BY_PROBE, 0,
                                         "Probe failed: exit status 1", t + 31, err, sizeof err),
                     1);
    assert_int_equal(count(f->st, "SELECT count(*) FROM incident WHERE incident_id LIKE 'SVC-%' "
                                  "AND category = 'network' AND confidence_score = 0.97 AND "
                                  "description = 'Probe failed: exit status 1'"), 1);
    /* unchanged: a probe's Down again is no change, and opens nothing more */
    assert_int_equal(services_set_status(f->st, sid, STATUS_DOWN, SET_BY_PROBE, 0, "again",
                                         t + 40, err, sizeof err), 0);
    assert_int_equal(count(f->st, "SELECT count(*) FROM incident"), 1);
    actions_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_B1_partial_config_keeps_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_B1_put_never_lifts_a_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_B7_noop_run_is_no_action, setup, teardown),
        cmocka_unit_test_setup_teardown(test_B2_failed_without_service_alerts_a_human, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_only_a_probes_down_opens_an_incident, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_activate_writes_all_three, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_reason_and_actor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_shows_it, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
