/* test_audit — who the audit log names (issue 9, newcomer review B4).
 *
 * A temporary database per test. Rules checked: every row names its actor
 * (explicit name, else the user's name for a user id, else the
 * connection's session actor, else "system"); the session actor belongs to
 * one connection (the console's) and never leaks into another's rows
 * (the engine's, the API's); alert rows keep seed 000's entity_id (the
 * service) and carry the alert's own id; alerts_ack records the console's
 * login name and the alert id.
 */
#include "domain/alerts.h"
#include "domain/services.h"
#include "store/audit_repo.h"
#include "store/db.h"
#include "store/user_repo.h"

#include <ftw.h>
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define T0 ((int64_t)1767225600)

typedef struct Fx {
    char   dir[64];
    char   path[PATH_MAX];
    Store *console, *engine;   /* two connections to one file */
} Fx;

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(p);
}

static int setup(void **state)
{
    Fx *fx = calloc(1, sizeof *fx);
    strcpy(fx->dir, "/tmp/resops-audit-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof fx->path, "%s/a.db", fx->dir);
    char err[256];
    assert_int_equal(store_open(fx->path, &fx->console, err, sizeof err), 0);
    assert_int_equal(store_open(fx->path, &fx->engine, err, sizeof err), 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    Fx *fx = *state;
    store_close(fx->console);
    store_close(fx->engine);
    nftw(fx->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(fx);
    return 0;
}

/* The newest row as the pane and the API read it. */
static AuditRow newest(Store *st)
{
    AuditRow r;
    memset(&r, 0, sizeof r);
    assert_int_equal(audit_repo_list(st, NULL, &r, 1), 1);
    return r;
}

static void test_actor_of_each_kind_b4(void **state)
{
    Fx *fx = *state;
    int64_t olga = user_repo_insert(fx->engine, "olga", "x", "Ops Analyst", T0);
    assert_true(olga > 0);
    /* the engine: no user, no session actor */
    assert_int_equal(audit_repo_add(fx->engine, "Status Updated", "Status", 1, 0, "Down", T0), 0);
    assert_string_equal(newest(fx->engine).actor, "system");
    /* an API user: the user's name, from the id */
    assert_int_equal(audit_repo_add(fx->engine, "Service Created", "Service", 2, olga, "x", T0 + 1), 0);
    assert_string_equal(newest(fx->engine).actor, "olga");
    /* a name given wins */
    assert_int_equal(audit_repo_add_as(fx->engine, "Kill Switch Activated", "Config", 1, olga,
                                       "admin", NULL, T0 + 2), 0);
    assert_string_equal(newest(fx->engine).actor, "admin");
}

static void test_session_actor_is_the_consoles_only_b4(void **state)
{
    Fx *fx = *state;
    assert_int_equal(audit_repo_set_session_actor(fx->console, "root"), 0);
    /* a console write with no user (":status", a threshold, the kill switch) */
    assert_int_equal(audit_repo_add(fx->console, "Status Updated", "Status", 3, 0, "Down", T0), 0);
    AuditRow r = newest(fx->engine);
    assert_string_equal(r.action, "Status Updated");
    assert_string_equal(r.actor, "root");
    /* the engine's connection is not the console's */
    assert_int_equal(audit_repo_add(fx->engine, "Status Updated", "Status", 3, 0, "Up", T0 + 1), 0);
    assert_string_equal(newest(fx->console).actor, "system");
    /* set again: the new name (one row in the session table) */
    assert_int_equal(audit_repo_set_session_actor(fx->console, "alice"), 0);
    assert_int_equal(audit_repo_add(fx->console, "Threshold Updated", "Config", 0, 0, NULL, T0 + 2), 0);
    assert_string_equal(newest(fx->engine).actor, "alice");
    /* a search finds rows by actor */
    AuditRow rows[4];
    assert_int_equal(audit_repo_list(fx->engine, "alice", rows, 4), 1);
}

static void test_alert_rows_carry_the_alert_id_b4(void **state)
{
    Fx *fx = *state;
    char err[160];
    int64_t sid;
    ServiceInput in = {.name = "Payments API"};
    assert_int_equal(services_create(fx->engine, &in, "t", 0, T0, &sid, err, sizeof err), 0);
    int64_t aid = 0;
    assert_int_equal(alerts_raise(fx->engine, sid, "StatusChange", SEV_WARNING, "is Degraded",
                                  T0 + 1, &aid), ALERT_RAISED);
    AuditRow r = newest(fx->engine);
    assert_string_equal(r.entity, "Alert");
    assert_int_equal(r.entity_id, sid);     /* seed 000: the alert's service */
    assert_int_equal(r.alert_id, aid);
    assert_string_equal(r.actor, "system");
    /* the console acknowledges: its login name and the alert's id */
    assert_int_equal(audit_repo_set_session_actor(fx->console, "root"), 0);
    assert_int_equal(alerts_ack(fx->console, aid, 1, 0, "root", T0 + 2, err, sizeof err), 0);
    r = newest(fx->engine);
    assert_string_equal(r.action, "Alert Acknowledged");
    assert_int_equal(r.entity_id, sid);
    assert_int_equal(r.alert_id, aid);
    assert_string_equal(r.actor, "root");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_actor_of_each_kind_b4, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_actor_is_the_consoles_only_b4, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_rows_carry_the_alert_id_b4, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
