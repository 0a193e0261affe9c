/* test_engine — the engine tick end to end against real loopback peers.
 *
 * A libmicrohttpd server and a plain TCP listener started here are the
 * probe targets; the engine runs synchronously (engine_new + engine_tick)
 * with an injected clock, so an hour of downtime takes no time and no
 * test sleeps. Each step asserts on the SQLite rows a person would check:
 * status, downtime, sla_breach, alert, audit_log.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <sqlite3.h>

#include "engine.h"
#include "snapshot.h"
#include "steps.h"
#include "util.h"
#include "domain/alerts.h"
#include "domain/incident_runs.h"
#include "domain/playbook.h"
#include "domain/services.h"
#include "store/db.h"

static int64_t fake_now;
static int64_t fake_clock(void) { return fake_now; }

typedef struct World {
    char             dir[64], db[96];
    Store           *st;        /* the test's own connection */
    Engine          *engine;
    SnapshotBox     *box;
    struct MHD_Daemon *http;
    int              http_port;
    int              tcp_fd, tcp_port;
} World;

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *size, void **ptr)
{
    (void)cls; (void)url; (void)method; (void)version; (void)data; (void)size; (void)ptr;
    struct MHD_Response *r = MHD_create_response_from_buffer(2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static void http_start(World *w)
{
    w->http = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, (uint16_t)w->http_port,
                               NULL, NULL, answer, NULL,
                               MHD_OPTION_LISTENING_ADDRESS_REUSE, 1U, MHD_OPTION_END);
    assert_non_null(w->http);
    w->http_port = MHD_get_daemon_info(w->http, MHD_DAEMON_INFO_BIND_PORT)->port;
}

static void http_stop(World *w)
{
    MHD_stop_daemon(w->http);
    w->http = NULL;
}

static void tcp_start(World *w)
{
    w->tcp_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(w->tcp_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)w->tcp_port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(w->tcp_fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(w->tcp_fd, 16), 0);
    socklen_t len = sizeof a;
    getsockname(w->tcp_fd, (struct sockaddr *)&a, &len);
    w->tcp_port = ntohs(a.sin_port);
}

static void tcp_stop(World *w)
{
    close(w->tcp_fd);
    w->tcp_fd = -1;
}

static int64_t q_int(World *w, const char *sql)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(store_db(w->st), sql, -1, &s, NULL), SQLITE_OK);
    int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    return v;
}

static char *q_text(World *w, const char *sql)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(store_db(w->st), sql, -1, &s, NULL), SQLITE_OK);
    char *v = NULL;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
        v = xstrdup((const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return v;
}

static void assert_q_text(World *w, const char *sql, const char *want)
{
    char *v = q_text(w, sql);
    assert_non_null(v);
    assert_string_equal(v, want);
    free(v);
}

static int64_t add_service(World *w, const char *name, int rto, int rpo)
{
    char err[160];
    int64_t id;
    ServiceInput in = {.name = name, .has_bia = 1, .criticality = "Low", .impact = "Low",
                       .has_rto = 1, .rto = rto, .has_rpo = 1, .rpo = rpo};
    assert_int_equal(services_create(w->st, &in, "test", 0, fake_now, &id, err, sizeof err), 0);
    return id;
}

static void set_probe(World *w, int64_t id, const char *kind, const char *target, int timeout)
{
    char err[160];
    assert_int_equal(services_set_probe(w->st, id, kind, target, timeout, 0, 0, fake_now, err,
                                        sizeof err), 0);
}

static int setup(void **state)
{
    World *w = xcalloc(1, sizeof *w);
    strcpy(w->dir, "/tmp/resops-engine-XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    snprintf(w->db, sizeof w->db, "%s/e.db", w->dir);
    char err[256];
    assert_int_equal(store_open(w->db, &w->st, err, sizeof err), 0);
    fake_now = 1700000000;
    w->box = snapshot_box_new();
    *state = w;
    return 0;
}

static void start_engine(World *w)
{
    EngineOpts o = {
        .db_path = w->db, .check_interval_s = 60, .probe_timeout_ms = 2000,
        .rules = {.down_after = 2, .degraded_window = 2, .slow_ms = 5000,
                  .heartbeat_degraded_s = 300, .heartbeat_down_s = 600},
        .clock = fake_clock,
    };
    char err[256];
    w->engine = engine_new(&o, w->box, err, sizeof err);
    assert_non_null(w->engine);
    assert_true(engine_is_primary(w->engine));
}

static int teardown(void **state)
{
    World *w = *state;
    engine_free(w->engine);
    if (w->http)
        http_stop(w);
    if (w->tcp_fd > 0)
        close(w->tcp_fd);
    store_close(w->st);
    snapshot_box_free(w->box);
    char *cmd = xasprintf("rm -rf %s", w->dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(w);
    return 0;
}

static void tick_at(World *w, int64_t t)
{
    fake_now = t;
    assert_int_equal(engine_tick(w->engine, t), 0);
}

/* Up → targets stop → Degraded → Down (downtime opened, alert once) →
 * an hour passes (RPO then RTO breach, each once) → targets back → the
 * downtime closes and the service is Up again. */
static void test_outage_lifecycle(void **state)
{
    World *w = *state;
    http_start(w);
    tcp_start(w);
    int64_t web = add_service(w, "web", 60, 30);
    int64_t db = add_service(w, "db", 60, 30);
    char url[64], hostport[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/health", w->http_port);
    snprintf(hostport, sizeof hostport, "127.0.0.1:%d", w->tcp_port);
    set_probe(w, web, "http", url, 1000);
    set_probe(w, db, "tcp", hostport, 1000);
    start_engine(w);

    int64_t t0 = fake_now;
    tick_at(w, t0);
    assert_q_text(w, "SELECT group_concat(status) FROM (SELECT status FROM status ORDER BY service_id)",
                  "Up,Up");

    http_stop(w);
    tcp_stop(w);
    tick_at(w, t0 + 60);
    assert_q_text(w, "SELECT group_concat(status) FROM (SELECT status FROM status ORDER BY service_id)",
                  "Degraded,Degraded");
    assert_int_equal(q_int(w, "SELECT count(*) FROM downtime"), 0);

    tick_at(w, t0 + 120);
    assert_q_text(w, "SELECT group_concat(status) FROM (SELECT status FROM status ORDER BY service_id)",
                  "Down,Down");
    assert_int_equal(q_int(w, "SELECT count(*) FROM downtime WHERE end_time IS NULL"), 2);
    assert_q_text(w, "SELECT reason FROM downtime WHERE service_id = 2",
                  "Probe failed: connection refused");
    assert_int_equal(q_int(w, "SELECT count(*) FROM alert WHERE type = 'StatusChange' AND "
                              "severity = 'Critical' AND message = 'Service web is Down'"), 1);
    /* Up (first), Degraded, Down: one entry per change */
    assert_int_equal(q_int(w, "SELECT count(*) FROM audit_log WHERE action = 'Status Updated' "
                              "AND entity = 'Status' AND entity_id = 1"), 3);

    /* 30 minutes down: exactly at RPO, nothing yet */
    tick_at(w, t0 + 120 + 30 * 60);
    assert_int_equal(q_int(w, "SELECT count(*) FROM sla_breach"), 0);
    /* 31 minutes: RPO breached for both, once */
    tick_at(w, t0 + 120 + 31 * 60);
    assert_int_equal(q_int(w, "SELECT count(*) FROM sla_breach WHERE type = 'RPO'"), 2);
    assert_int_equal(q_int(w, "SELECT count(*) FROM sla_breach WHERE type = 'RTO'"), 0);
    /* 60 minutes: exactly at RTO, no RTO breach */
    tick_at(w, t0 + 120 + 60 * 60);
    assert_int_equal(q_int(w, "SELECT count(*) FROM sla_breach WHERE type = 'RTO'"), 0);
    /* 61 minutes: RTO breached */
    tick_at(w, t0 + 120 + 61 * 60);
    tick_at(w, t0 + 120 + 62 * 60);
    assert_int_equal(q_int(w, "SELECT count(*) FROM sla_breach WHERE type = 'RTO'"), 2);
    assert_int_equal(q_int(w, "SELECT count(*) FROM sla_breach"), 4);
    assert_int_equal(q_int(w, "SELECT count(*) FROM alert WHERE type = 'SLA_RTO'"), 2);
    assert_int_equal(q_int(w, "SELECT count(*) FROM alert WHERE type = 'SLA_RPO'"), 2);
    assert_q_text(w, "SELECT message FROM alert WHERE type = 'SLA_RTO' AND service_id = 1",
                  "SLA Breach: RTO exceeded 60 minutes (Actual: 61 minutes)");
    assert_q_text(w, "SELECT reason FROM sla_breach WHERE type = 'RTO' AND service_id = 1",
                  "Downtime exceeded RTO of 60 minutes");
    assert_int_equal(q_int(w, "SELECT count(*) FROM audit_log WHERE action = 'SLA Breach (RTO)'"), 2);
    /* the Down alert was raised once through all these ticks */
    assert_int_equal(q_int(w, "SELECT count(*) FROM alert WHERE type = 'StatusChange' AND "
                              "severity = 'Critical'"), 2);

    /* On-call acknowledges everything: the next ticks must not raise the
     * same conditions again (an ack silences until the condition clears). */
    int64_t before = q_int(w, "SELECT count(*) FROM alert");
    char err[128];
    sqlite3_stmt *ids;
    assert_int_equal(sqlite3_prepare_v2(store_db(w->st), "SELECT id FROM alert WHERE "
                                        "resolved_at IS NULL", -1, &ids, NULL), SQLITE_OK);
    while (sqlite3_step(ids) == SQLITE_ROW)
        assert_int_equal(alerts_ack(w->st, sqlite3_column_int64(ids, 0), 1, 5, "oncall",
                                    fake_now, err, sizeof err), 0);
    sqlite3_finalize(ids);
    tick_at(w, t0 + 120 + 62 * 60 + 30);
    assert_int_equal(q_int(w, "SELECT count(*) FROM alert"), before);

    /* recovery: the same ports answer again */
    http_start(w);
    tcp_start(w);
    int64_t back = t0 + 120 + 63 * 60;
    tick_at(w, back);
    assert_q_text(w, "SELECT group_concat(status) FROM (SELECT status FROM status ORDER BY service_id)",
                  "Degraded,Degraded");
    assert_int_equal(q_int(w, "SELECT count(*) FROM downtime WHERE end_time IS NULL"), 0);
    char *end = q_text(w, "SELECT end_time FROM downtime WHERE service_id = 1");
    int64_t end_t;
    assert_int_equal(util_parse_iso8601(end, &end_t), 0);
    assert_int_equal(end_t, back);
    free(end);
    /* the outage is over: its SLA alerts are resolved */
    assert_int_equal(q_int(w, "SELECT count(*) FROM alert WHERE type LIKE 'SLA_%' AND "
                              "resolved_at IS NULL"), 0);
    /* the breach records the whole downtime once it ended */
    assert_int_equal(q_int(w, "SELECT downtime_minutes FROM sla_breach WHERE service_id = 1 "
                              "AND type = 'RTO'"), 63);
    tick_at(w, back + 60);
    tick_at(w, back + 120);
    assert_q_text(w, "SELECT group_concat(status) FROM (SELECT status FROM status ORDER BY service_id)",
                  "Up,Up");
    /* the Critical StatusChange alert is resolved by the recovery */
    assert_int_equal(q_int(w, "SELECT count(*) FROM alert WHERE type = 'StatusChange' AND "
                              "severity = 'Critical' AND resolved_at IS NULL"), 0);
    assert_int_equal(q_int(w, "SELECT count(*) FROM alert WHERE type = 'StatusChange' AND "
                              "message = 'Service web is Up' AND resolved_at IS NULL"), 1);
}

static void test_unresolvable_and_hanging_probes(void **state)
{
    World *w = *state;
    int64_t a = add_service(w, "ghost", 60, 60);
    int64_t b = add_service(w, "hang", 60, 60);
    set_probe(w, a, "http", "http://no-such-host.invalid/health", 2000);
    set_probe(w, b, "cmd", "sleep 30", 300);
    start_engine(w);
    int64_t t0 = util_mono_ms();
    tick_at(w, fake_now);
    int64_t took = util_mono_ms() - t0;
    /* the 30 s command was killed at its 300 ms timeout */
    assert_true(took < 5000);
    assert_q_text(w, "SELECT status FROM status WHERE service_id = 2", "Degraded");
    assert_q_text(w, "SELECT last_error FROM probe WHERE service_id = 2", "timed out after 300 ms");
    char *e = q_text(w, "SELECT last_error FROM probe WHERE service_id = 1");
    assert_non_null(e);
    assert_non_null(strstr(e, "resolve"));
    free(e);
    tick_at(w, fake_now + 60);
    assert_q_text(w, "SELECT status FROM status WHERE service_id = 1", "Down");
    assert_q_text(w, "SELECT status FROM status WHERE service_id = 2", "Down");
}

static void test_heartbeats(void **state)
{
    World *w = *state;
    char err[160];
    int64_t t0 = fake_now;
    int64_t hb = add_service(w, "batch", 600, 600);
    int64_t never = add_service(w, "silent", 600, 600);
    (void)never;
    /* the first report of a service is a change (none → Up) */
    assert_int_equal(services_set_status(w->st, hb, STATUS_UP, SET_BY_USER, 7, NULL, t0, err,
                                         sizeof err), 1);
    start_engine(w);
    tick_at(w, t0 + 300);
    assert_q_text(w, "SELECT status FROM status WHERE service_id = 1", "Up");
    assert_q_text(w, "SELECT status FROM status WHERE service_id = 2", "Unknown");
    tick_at(w, t0 + 301);
    assert_q_text(w, "SELECT status FROM status WHERE service_id = 1", "Degraded");
    tick_at(w, t0 + 601);
    assert_q_text(w, "SELECT status FROM status WHERE service_id = 1", "Down");
    assert_q_text(w, "SELECT reason FROM downtime WHERE service_id = 1", "No heartbeat for 10 minutes");
    /* a heartbeat brings it back and closes the downtime */
    assert_int_equal(services_set_status(w->st, hb, STATUS_UP, SET_BY_USER, 7, NULL, t0 + 700,
                                         err, sizeof err), 1);
    tick_at(w, t0 + 760);
    assert_q_text(w, "SELECT status FROM status WHERE service_id = 1", "Up");
    assert_int_equal(q_int(w, "SELECT count(*) FROM downtime WHERE end_time IS NULL"), 0);
    /* the user's report is audited with the user id */
    assert_int_equal(q_int(w, "SELECT count(*) FROM audit_log WHERE action = 'Status Updated' "
                              "AND user_id = 7"), 2);
}

static void test_snapshot_published(void **state)
{
    World *w = *state;
    add_service(w, "one", 60, 60);
    start_engine(w);
    uint64_t seq = snapshot_box_seq(w->box);
    tick_at(w, fake_now);
    assert_true(snapshot_box_seq(w->box) > seq);
    struct pollfd p = {.fd = snapshot_box_fd(w->box), .events = POLLIN};
    assert_int_equal(poll(&p, 1, 0), 1);
    snapshot_box_drain(w->box);
    assert_int_equal(poll(&p, 1, 0), 0);
    Snapshot *s = snapshot_box_acquire(w->box);
    assert_non_null(s);
    assert_int_equal(s->nservices, 1);
    assert_string_equal(s->services[0].name, "one");
    assert_int_equal(s->services[0].status, STATUS_UNKNOWN);
    assert_true(s->is_engine);
    assert_int_equal(s->tick_at, fake_now);
    snapshot_unref(s);
}

/* A reader's publish request is answered while the probes still run (a
 * tick lasts as long as its slowest probe): the console's own write shows
 * at once. The probe is a script that says when it started and then
 * hangs for longer than the test waits; the first snapshot must carry the
 * write and must not yet carry the hanging probe's result. */
static void test_publish_while_probes_run(void **state)
{
    World *w = *state;
    char err[160], script[300], started[300];
    snprintf(started, sizeof started, "%s/started", w->dir);
    snprintf(script, sizeof script, "%s/probe.sh", w->dir);
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    fprintf(f, "#!/bin/sh\ntouch %s\nexec sleep 30\n", started);
    fclose(f);
    assert_int_equal(chmod(script, 0755), 0);
    int64_t slow = add_service(w, "slow", 60, 60);
    int64_t other = add_service(w, "other", 60, 60);
    set_probe(w, slow, "cmd", script, 4000);
    EngineOpts o = {
        .db_path = w->db, .check_interval_s = 60, .probe_timeout_ms = 4000,
        .rules = {.down_after = 2, .degraded_window = 2, .slow_ms = 5000,
                  .heartbeat_degraded_s = 300, .heartbeat_down_s = 600},
        .clock = fake_clock,
    };
    Engine *e = engine_start(&o, w->box, err, sizeof err);
    assert_non_null(e);
    for (int i = 0; i < 500 && access(started, F_OK) != 0; i++)
        usleep(10000);
    assert_int_equal(access(started, F_OK), 0);             /* the tick is in its probes */
    assert_int_equal(services_set_status(w->st, other, STATUS_UP, SET_BY_USER, 7, NULL, fake_now,
                                         err, sizeof err), 1);
    engine_request_publish(e);
    struct pollfd p = {.fd = snapshot_box_fd(w->box), .events = POLLIN};
    assert_int_equal(poll(&p, 1, 3000), 1);   /* before the 4 s probe ends */
    Snapshot *snap = snapshot_box_acquire(w->box);
    assert_non_null(snap);
    assert_int_equal(snap->nservices, 2);
    for (int i = 0; i < snap->nservices; i++) {
        if (snap->services[i].id == other)
            assert_int_equal(snap->services[i].status, STATUS_UP);       /* the write */
        else
            assert_int_equal(snap->services[i].status, STATUS_UNKNOWN);  /* probe not back */
    }
    snapshot_unref(snap);
    engine_stop(e);
}

/* A second engine on the same file is a viewer, and a running viewer
 * takes over when the first one goes away (two_engines.sh does the same
 * with two processes). */
static void test_one_engine_per_database(void **state)
{
    World *w = *state;
    start_engine(w);
    EngineOpts o = {.db_path = w->db, .check_interval_s = 60, .rules = status_rules_default,
                    .clock = fake_clock};
    char err[256];
    Engine *second = engine_new(&o, NULL, err, sizeof err);
    assert_non_null(second);
    assert_false(engine_is_primary(second));
    engine_free(second);

    /* a running viewer takes over once the engine's lock is released */
    o.viewer_poll_ms = 20;
    SnapshotBox *box = snapshot_box_new();
    assert_non_null(box);
    Engine *viewer = engine_start(&o, box, err, sizeof err);
    assert_non_null(viewer);
    assert_false(engine_is_primary(viewer));
    engine_free(w->engine);
    w->engine = NULL;
    for (int i = 0; i < 500 && !engine_is_primary(viewer); i++)
        usleep(10 * 1000);             /* poll the condition, 5 s at most */
    assert_true(engine_is_primary(viewer));
    engine_stop(viewer);
    snapshot_box_free(box);
}

/* Every step kind has its executor where the step kinds table says it
 * runs: the domain's internal_execs[] (incident_runs.c) or the engine's
 * step_execs[] (steps.c); an action reference has none (it is resolved to
 * a file action before a run). */
static void test_step_kinds_have_executors(void **state)
{
    (void)state;
    for (int k = 0; k < STEP_KIND_COUNT; k++) {
        StepRunsIn in = playbook_kind_runs_in((StepKind)k);
        assert_int_equal(incident_runs_executes((StepKind)k), in == STEP_RUNS_IN_DOMAIN);
        assert_int_equal(steps_supports((StepKind)k), in == STEP_RUNS_IN_ENGINE);
    }
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_outage_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unresolvable_and_hanging_probes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_heartbeats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_published, setup, teardown),
        cmocka_unit_test_setup_teardown(test_publish_while_probes_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_engine_per_database, setup, teardown),
        cmocka_unit_test(test_step_kinds_have_executors),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
