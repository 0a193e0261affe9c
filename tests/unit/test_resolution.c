/* test_resolution — the kill switch's one write path
 * (resolution_set_kill_switch): seed 001's config row, the seed 000 style
 * audit entry and the seed 001 incident_audit entry are written together;
 * the default reason; the required actor; and the snapshot shows it. */
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
#include "domain/resolution.h"
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_activate_writes_all_three, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_reason_and_actor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_shows_it, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
