/* test_store — the store and the domain write path against a real SQLite
 * file.
 *
 * Each test gets its own directory from mkdtemp(3) under /tmp (removed in
 * teardown) and a fresh database opened with store_open(). Writes go through
 * the production functions (store, alerts, services, cycle, seed); the
 * checks read the rows back with plain SQL on a second, independent
 * connection, so a test also proves the write was committed. Time is always
 * injected (T0 and offsets from it), never read from the clock.
 *
 * Rules checked: seed 000 and shared/seed-notes.md "Seed 000" (alert
 * dedup, status change alerts, SLA breaches, risk history on change), and
 * design.md ("one write path", "nothing is lost").
 */
#include "domain/alerts.h"
#include "domain/cycle.h"
#include "domain/reminders.h"
#include "domain/rules.h"
#include "domain/seed.h"
#include "domain/services.h"
#include "store/db.h"
#include "store/downtime_repo.h"
#include "store/migrations.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <sqlite3.h>

/* 2026-01-01T00:00:00Z: every test's "now". */
#define T0 ((int64_t)1767225600)
#define MIN 60

typedef struct Fx {
    char    dir[64];
    char    path[PATH_MAX];
    Store  *st;
    sqlite3 *check;   /* read-only verification connection */
} Fx;

/* ---- fixture ------------------------------------------------------------ */

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(p);
}

static void fx_mkdir(Fx *fx)
{
    strcpy(fx->dir, "/tmp/resops-test-store-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof fx->path, "%s/resops.db", fx->dir);
}

static void fx_open_check(Fx *fx)
{
    assert_int_equal(sqlite3_open_v2(fx->path, &fx->check, SQLITE_OPEN_READONLY, NULL),
                     SQLITE_OK);
    sqlite3_busy_timeout(fx->check, 5000);
}

/* Directory only: for the tests of store_open itself. */
static int setup_dir(void **state)
{
    Fx *fx = calloc(1, sizeof *fx);
    fx_mkdir(fx);
    *state = fx;
    return 0;
}

/* Directory + an opened store + the verification connection. */
static int setup_db(void **state)
{
    setup_dir(state);
    Fx *fx = *state;
    char err[256] = "";
    int r = store_open(fx->path, &fx->st, err, sizeof err);
    if (r < 0)
        fail_msg("store_open(%s): %d %s", fx->path, r, err);
    fx_open_check(fx);
    return 0;
}

static int teardown(void **state)
{
    Fx *fx = *state;
    if (fx->check)
        sqlite3_close(fx->check);
    store_close(fx->st);
    nftw(fx->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(fx);
    return 0;
}

/* ---- verification queries ------------------------------------------------ */

/* The single integer of a query (sqlite3_mprintf format: %lld, %Q);
 * fails the test when the query errors or returns no row. */
static int64_t q_int(sqlite3 *db, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(s) != SQLITE_ROW)
        fail_msg("no row: %s (%s)", sql, sqlite3_errmsg(db));
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_free(sql);
    return v;
}

/* The single text of a query into a static buffer; "<NULL>" for NULL,
 * "<NO ROW>" when there is no row. */
static const char *q_text(sqlite3 *db, const char *fmt, ...)
{
    static char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    char *sql = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(s, 0);
        snprintf(buf, sizeof buf, "%s", t ? t : "<NULL>");
    } else if (rc == SQLITE_DONE) {
        snprintf(buf, sizeof buf, "<NO ROW>");
    } else {
        fail_msg("step %s: %s", sql, sqlite3_errmsg(db));
    }
    sqlite3_finalize(s);
    sqlite3_free(sql);
    return buf;
}

/* SQL for the epoch seconds of an ISO text column, -1 for NULL: the
 * checks compare times without going through util_iso8601. */
#define EPOCH(col) "coalesce(CAST(strftime('%%s', " col ") AS INTEGER), -1)"

static int64_t count_rows(Fx *fx, const char *table)
{
    return q_int(fx->check, "SELECT count(*) FROM %s", table);
}

static int64_t audit_count(Fx *fx, const char *action)
{
    return q_int(fx->check, "SELECT count(*) FROM audit_log WHERE action = %Q", action);
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

/* ---- domain helpers -------------------------------------------------------- */

static int64_t make_service(Fx *fx, const char *name, const char *crit, const char *impact,
                            int rto, int rpo)
{
    ServiceInput in = {
        .name = name, .description = "test service",
        .has_bia = crit != NULL, .criticality = crit, .impact = impact,
        .has_rto = rto > 0, .rto = rto, .has_rpo = rpo > 0, .rpo = rpo,
    };
    int64_t id = 0;
    char err[256] = "";
    int r = services_create(fx->st, &in, "tester", 7, T0 - 3600, &id, err, sizeof err);
    if (r < 0)
        fail_msg("services_create(%s): %d %s", name, r, err);
    assert_true(id > 0);
    return id;
}

static int set_status(Fx *fx, int64_t sid, ServiceStatus s, StatusSource src,
                      const char *reason, int64_t now)
{
    char err[256] = "";
    int r = services_set_status(fx->st, sid, s, src, 7, reason, now, err, sizeof err);
    if (r < 0)
        fail_msg("services_set_status(%lld, %s): %d %s", (long long)sid, status_name(s), r, err);
    return r;
}

static CycleStats run_cycle(Fx *fx, int64_t now)
{
    CycleStats cs;
    memset(&cs, 0xff, sizeof cs);
    assert_int_equal(cycle_evaluate(fx->st, now, &cs), 0);
    return cs;
}

/* ---- 1. store_open ------------------------------------------------------- */

static void test_open_creates_wal_fk_version(void **state)
{
    Fx *fx = *state;
    char err[256] = "";
    struct stat sb;
    assert_int_not_equal(stat(fx->path, &sb), 0);

    assert_int_equal(store_open(fx->path, &fx->st, err, sizeof err), 0);
    assert_int_equal(stat(fx->path, &sb), 0);
    assert_true(S_ISREG(sb.st_mode));
    assert_string_equal(store_path(fx->st), fx->path);

    sqlite3 *db = store_db(fx->st);
    assert_string_equal(q_text(db, "PRAGMA journal_mode"), "wal");
    assert_int_equal(q_int(db, "PRAGMA foreign_keys"), 1);
    assert_int_equal(q_int(db, "PRAGMA user_version"), store_migration_count);
    assert_true(store_migration_count >= 1);

    /* WAL is a property of the file: an independent connection sees it. */
    fx_open_check(fx);
    assert_string_equal(q_text(fx->check, "PRAGMA journal_mode"), "wal");
    assert_int_equal(q_int(fx->check, "PRAGMA user_version"), store_migration_count);
    int64_t tables = q_int(fx->check, "SELECT count(*) FROM sqlite_master WHERE type = 'table'");
    assert_true(tables > 10);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM sqlite_master WHERE name = 'alert'"), 1);

    /* Foreign keys are enforced on the store's connection. */
    assert_int_not_equal(sqlite3_exec(db, "INSERT INTO alert (service_id, type, message, severity) "
                                          "VALUES (4242, 'X', 'm', 'Info')", NULL, NULL, NULL),
                         SQLITE_OK);

    /* Reopen: nothing re-applied, data kept, same settings. */
    int64_t sid = make_service(fx, "Kept", NULL, NULL, 0, 0);
    int64_t objects = q_int(fx->check, "SELECT count(*) FROM sqlite_master");
    store_close(fx->st);
    fx->st = NULL;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(store_open(fx->path, &fx->st, err, sizeof err), 0);
        db = store_db(fx->st);
        assert_string_equal(q_text(db, "PRAGMA journal_mode"), "wal");
        assert_int_equal(q_int(db, "PRAGMA foreign_keys"), 1);
        assert_int_equal(q_int(db, "PRAGMA user_version"), store_migration_count);
        assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master"), objects);
        assert_int_equal(q_int(db, "SELECT count(*) FROM service WHERE id = %lld AND name = 'Kept'",
                               (long long)sid), 1);
        assert_int_equal(count_rows(fx, "resolution_config"), 1);
        store_close(fx->st);
        fx->st = NULL;
    }

    /* Two connections at once (one per thread in resops) both open fine. */
    Store *a = NULL, *b = NULL;
    assert_int_equal(store_open(fx->path, &a, err, sizeof err), 0);
    assert_int_equal(store_open(fx->path, &b, err, sizeof err), 0);
    assert_int_equal(q_int(store_db(b), "SELECT count(*) FROM service"), 1);
    store_close(a);
    store_close(b);
}

/* ---- 2. newer schema ------------------------------------------------------- */

static void test_open_refuses_newer_schema(void **state)
{
    Fx *fx = *state;
    int newer = store_migration_count + 1;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    char *sql = sqlite3_mprintf("CREATE TABLE future_thing (x TEXT);"
                                "INSERT INTO future_thing VALUES ('from the future');"
                                "PRAGMA user_version = %d;", newer);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_free(sql);
    assert_string_equal(q_text(db, "PRAGMA journal_mode"), "delete");
    sqlite3_close(db);

    char err[512] = "";
    Store *st = NULL;
    assert_int_equal(store_open(fx->path, &st, err, sizeof err), -EPROTO);
    assert_null(st);
    assert_contains(err, "newer");
    assert_contains(err, fx->path);

    /* Left untouched: version, tables, data and even the journal mode. */
    fx_open_check(fx);
    assert_int_equal(q_int(fx->check, "PRAGMA user_version"), newer);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM sqlite_master"), 1);
    assert_string_equal(q_text(fx->check, "SELECT x FROM future_thing"), "from the future");
    assert_string_equal(q_text(fx->check, "PRAGMA journal_mode"), "delete");

    /* And refused again the second time, the same way. */
    assert_int_equal(store_open(fx->path, &st, err, sizeof err), -EPROTO);
    assert_null(st);
}

/* ---- 3. paths that cannot be a database ------------------------------------- */

static void test_open_unwritable_and_garbage(void **state)
{
    Fx *fx = *state;
    char err[512];
    Store *st = NULL;

    /* A path under a directory that cannot exist (works as root too). */
    const char *bad = "/proc/nonexistent/x.db";
    err[0] = '\0';
    int r = store_open(bad, &st, err, sizeof err);
    assert_int_equal(r, -ENOENT);
    assert_null(st);
    assert_contains(err, bad);

    /* A path that is a directory. */
    err[0] = '\0';
    r = store_open(fx->dir, &st, err, sizeof err);
    assert_true(r < 0);
    assert_null(st);
    assert_contains(err, fx->dir);

    /* A file that is not SQLite: refused with a message, left as it was. */
    static const char garbage[] =
        "this is not an SQLite database, just some text that is long enough "
        "to fill more than a header's worth of bytes: 0123456789abcdef\n";
    FILE *f = fopen(fx->path, "w");
    assert_non_null(f);
    for (int i = 0; i < 64; i++)
        fputs(garbage, f);
    fclose(f);
    struct stat before, after;
    assert_int_equal(stat(fx->path, &before), 0);

    err[0] = '\0';
    r = store_open(fx->path, &st, err, sizeof err);
    assert_true(r < 0);
    assert_null(st);
    assert_true(strlen(err) > 0);
    assert_contains(err, fx->path);
    assert_int_equal(stat(fx->path, &after), 0);
    assert_int_equal(before.st_size, after.st_size);
    f = fopen(fx->path, "r");
    char head[sizeof garbage];
    assert_int_equal(fread(head, 1, sizeof garbage - 1, f), sizeof garbage - 1);
    head[sizeof garbage - 1] = '\0';
    fclose(f);
    assert_string_equal(head, garbage);
}

/* ---- 4. alert dedup and acknowledgement -------------------------------- */

static void test_alerts_dedup_and_ack(void **state)
{
    Fx *fx = *state;
    int64_t sid = make_service(fx, "Payments API", NULL, NULL, 0, 0);
    const char *created = "Alert Created (HighRisk)";
    int64_t id1 = 0, id = 0;

    assert_int_equal(alerts_raise(fx->st, sid, ALERT_HIGH_RISK, SEV_CRITICAL, "score 85", T0, &id1),
                     ALERT_RAISED);
    assert_true(id1 > 0);
    assert_int_equal(audit_count(fx, created), 1);
    assert_string_equal(q_text(fx->check, "SELECT entity FROM audit_log WHERE action = %Q", created),
                        "Alert");
    assert_int_equal(q_int(fx->check, "SELECT entity_id FROM audit_log WHERE action = %Q", created),
                     sid);

    /* Same (service, type, severity): deduplicated, same row. */
    assert_int_equal(alerts_raise(fx->st, sid, ALERT_HIGH_RISK, SEV_CRITICAL, "score 85", T0 + 60, &id),
                     ALERT_DEDUPED);
    assert_int_equal(id, id1);
    assert_int_equal(count_rows(fx, "alert"), 1);
    assert_int_equal(audit_count(fx, created), 1);

    /* New message, same severity: still one row, message refreshed. */
    assert_int_equal(alerts_raise(fx->st, sid, ALERT_HIGH_RISK, SEV_CRITICAL, "score 90", T0 + 120, &id),
                     ALERT_DEDUPED);
    assert_int_equal(id, id1);
    assert_int_equal(count_rows(fx, "alert"), 1);
    assert_string_equal(q_text(fx->check, "SELECT message FROM alert WHERE id = %lld", (long long)id1),
                        "score 90");
    assert_int_equal(audit_count(fx, created), 1);

    /* Another type of the same service is its own alert. */
    assert_int_equal(alerts_raise(fx->st, sid, ALERT_CRITICAL, SEV_CRITICAL, "critical", T0, NULL),
                     ALERT_RAISED);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM alert WHERE type = 'HighRisk'"), 1);

    /* Different severity: the old one is resolved, a new one raised. */
    int64_t id2 = 0;
    assert_int_equal(alerts_raise(fx->st, sid, ALERT_HIGH_RISK, SEV_WARNING, "score 60", T0 + 180, &id2),
                     ALERT_RAISED);
    assert_true(id2 > id1);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM alert WHERE type = 'HighRisk'"), 2);
    assert_int_equal(q_int(fx->check, "SELECT " EPOCH("resolved_at") " FROM alert WHERE id = %lld", (long long)id1),
                     T0 + 180);
    assert_int_equal(q_int(fx->check, "SELECT " EPOCH("resolved_at") " FROM alert WHERE id = %lld", (long long)id2), -1);
    assert_string_equal(q_text(fx->check, "SELECT severity FROM alert WHERE id = %lld", (long long)id2),
                        "Warning");
    assert_int_equal(audit_count(fx, created), 2);

    /* Acknowledge the open one. */
    char err[128] = "";
    assert_int_equal(alerts_ack(fx->st, id2, 1, 31, "alice", T0 + 240, err, sizeof err), 0);
    assert_int_equal(q_int(fx->check, "SELECT acknowledged FROM alert WHERE id = %lld", (long long)id2), 1);
    assert_string_equal(q_text(fx->check, "SELECT acknowledged_by FROM alert WHERE id = %lld",
                               (long long)id2), "alice");
    assert_int_equal(audit_count(fx, "Alert Acknowledged"), 1);
    assert_string_equal(q_text(fx->check, "SELECT entity FROM audit_log WHERE action = "
                                          "'Alert Acknowledged'"), "Alert");
    assert_int_equal(q_int(fx->check, "SELECT entity_id FROM audit_log WHERE action = "
                                      "'Alert Acknowledged'"), sid);
    assert_int_equal(q_int(fx->check, "SELECT user_id FROM audit_log WHERE action = "
                                      "'Alert Acknowledged'"), 31);

    /* Acknowledged but unresolved still covers the condition: the same
     * severity is deduplicated, so an ack is not undone by the next tick. */
    int64_t same = 0;
    assert_int_equal(alerts_raise(fx->st, sid, ALERT_HIGH_RISK, SEV_WARNING, "score 61", T0 + 300, &same),
                     ALERT_DEDUPED);
    assert_int_equal(same, id2);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM alert WHERE type = 'HighRisk'"), 2);

    /* Once the condition clears (resolved), the next raise is a new alert. */
    assert_int_equal(alerts_resolve(fx->st, sid, ALERT_HIGH_RISK, T0 + 310), 1);
    int64_t id3 = 0;
    assert_int_equal(alerts_raise(fx->st, sid, ALERT_HIGH_RISK, SEV_WARNING, "score 60", T0 + 320, &id3),
                     ALERT_RAISED);
    assert_true(id3 > id2);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM alert WHERE type = 'HighRisk'"), 3);
    assert_int_equal(audit_count(fx, created), 3);
    assert_int_equal(q_int(fx->check, "SELECT acknowledged FROM alert WHERE id = %lld", (long long)id3), 0);

    /* Every raise wrote exactly one audit row: 3 HighRisk + 1 Critical. */
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM audit_log WHERE action LIKE 'Alert Created%%'"),
                     4);

    /* A missing id: -ENOENT, nothing written. */
    int64_t audits = count_rows(fx, "audit_log");
    err[0] = '\0';
    assert_int_equal(alerts_ack(fx->st, 999999, 1, 31, "alice", T0 + 360, err, sizeof err), -ENOENT);
    assert_string_equal(err, "Alert not found");
    assert_int_equal(count_rows(fx, "audit_log"), audits);
}

/* Issue 11 item 3: an ack with a note and an expiry. With the condition
 * still open when the expiry passes, the cycle reopens the alert, audits
 * it by system and notifies it again exactly once; an expired ack on a
 * resolved alert stays. The clock is injected (T0 and offsets). */
static int64_t alert_events(Fx *fx, int64_t id)
{
    return q_int(fx->check, "SELECT count(*) FROM outbox WHERE channel = 'event' AND "
                            "idempotency_key LIKE 'alert-%lld-%%'", (long long)id);
}

/* Issue 11 item 5: one reminder per interval for an open, unacknowledged
 * Critical condition; none for a classification, a Warning, an acked or a
 * resolved alert. */
static void test_reminders_once_per_interval(void **state)
{
    Fx *fx = *state;
    const int64_t H = 3600;
    int64_t sid = make_service(fx, "Broker", NULL, NULL, 0, 0);
    int64_t down = 0, cls = 0, warn = 0, gone = 0;
    assert_int_equal(alerts_raise(fx->st, sid, "StatusChange", SEV_CRITICAL, "down", T0, &down),
                     ALERT_RAISED);
    assert_int_equal(alerts_raise(fx->st, sid, ALERT_CRITICAL, SEV_CRITICAL, "critical service",
                                  T0, &cls), ALERT_RAISED);
    assert_int_equal(alerts_raise(fx->st, sid, "cpu", SEV_WARNING, "cpu high", T0, &warn),
                     ALERT_RAISED);
    assert_int_equal(alerts_raise(fx->st, sid, ALERT_SLA_RTO, SEV_CRITICAL, "rto", T0, &gone),
                     ALERT_RAISED);
    assert_int_equal(alerts_resolve(fx->st, sid, ALERT_SLA_RTO, T0 + 10), 1);

    assert_int_equal(reminders_run(fx->st, T0 + H - 1, H), 0);     /* not yet */
    assert_int_equal(reminders_run(fx->st, T0 + H, H), 1);         /* due: one */
    assert_int_equal(reminders_run(fx->st, T0 + H + 30, H), 0);    /* not twice */
    assert_int_equal(alert_events(fx, down), 2);                   /* raise + reminder 1 */
    assert_int_equal(alert_events(fx, cls), 1);                    /* classification: never */
    assert_int_equal(alert_events(fx, warn), 1);
    assert_int_equal(alert_events(fx, gone), 2);                   /* raise + resolve only */
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM outbox WHERE channel = 'event' AND "
                                      "payload LIKE '%%\"reminder\":1%%' AND idempotency_key "
                                      "LIKE 'alert-%lld-raised-%%'", (long long)down), 1);
    assert_int_equal(reminders_run(fx->st, T0 + 2 * H, H), 1);     /* the next interval */
    assert_int_equal(q_int(fx->check, "SELECT reminders FROM alert WHERE id = %lld",
                           (long long)down), 2);
    assert_int_equal(audit_count(fx, "Alert Reminder"), 2);
    assert_int_equal(reminders_run(fx->st, T0 + 10 * H, 0), 0);    /* interval 0: off */

    char err[128];
    assert_int_equal(alerts_ack(fx->st, down, 1, 0, "alice", T0 + 2 * H + 1, err, sizeof err), 0);
    assert_int_equal(reminders_run(fx->st, T0 + 5 * H, H), 0);     /* acked: none */
    assert_int_equal(alert_events(fx, down), 3);
}

static void test_ack_expiry_reopens_once(void **state)
{
    Fx *fx = *state;
    int64_t sid = make_service(fx, "Queue", NULL, NULL, 0, 0);
    set_status(fx, sid, STATUS_UP, SET_BY_USER, NULL, T0);
    set_status(fx, sid, STATUS_DOWN, SET_BY_USER, "broker gone", T0 + 60);
    int64_t id = q_int(fx->check, "SELECT id FROM alert WHERE service_id = %lld AND type = "
                                  "'StatusChange' AND resolved_at IS NULL", (long long)sid);
    assert_true(id > 0);
    int64_t events = alert_events(fx, id);
    assert_int_equal(events, 1);

    char err[256] = "";
    char longnote[520];
    memset(longnote, 'x', 501);
    longnote[501] = '\0';
    AlertAckOpts bad1 = {.note = longnote}, bad2 = {.expires_in_minutes = 10081};
    assert_int_equal(alerts_ack_ex(fx->st, id, 1, &bad1, 31, "alice", T0 + 90, err, sizeof err),
                     -EINVAL);
    assert_contains(err, "note");
    assert_int_equal(alerts_ack_ex(fx->st, id, 1, &bad2, 31, "alice", T0 + 90, err, sizeof err),
                     -EINVAL);
    assert_contains(err, "expires_in_minutes");
    assert_int_equal(q_int(fx->check, "SELECT acknowledged FROM alert WHERE id = %lld", (long long)id), 0);

    AlertAckOpts o = {.note = "restarting the broker", .expires_in_minutes = 30};
    assert_int_equal(alerts_ack_ex(fx->st, id, 1, &o, 31, "alice", T0 + 120, err, sizeof err), 0);
    assert_string_equal(q_text(fx->check, "SELECT ack_note FROM alert WHERE id = %lld", (long long)id),
                        "restarting the broker");
    assert_int_equal(q_int(fx->check, "SELECT " EPOCH("ack_expires_at") " FROM alert WHERE id = %lld",
                           (long long)id), T0 + 120 + 1800);

    /* Before the expiry: still acknowledged. */
    CycleStats cs = run_cycle(fx, T0 + 120 + 1799);
    assert_int_equal(cs.acks_expired, 0);
    assert_int_equal(q_int(fx->check, "SELECT acknowledged FROM alert WHERE id = %lld", (long long)id), 1);

    /* Past it: reopened, audited by system, notified once. */
    cs = run_cycle(fx, T0 + 120 + 1801);
    assert_int_equal(cs.acks_expired, 1);
    assert_int_equal(q_int(fx->check, "SELECT acknowledged FROM alert WHERE id = %lld", (long long)id), 0);
    assert_int_equal(q_int(fx->check, "SELECT ack_note IS NULL AND ack_expires_at IS NULL AND "
                                      "acknowledged_by IS NULL FROM alert WHERE id = %lld",
                           (long long)id), 1);
    assert_int_equal(audit_count(fx, "Alert Ack Expired"), 1);
    assert_int_equal(q_int(fx->check, "SELECT user_id FROM audit_log WHERE action = "
                                      "'Alert Ack Expired'"), 0);
    assert_int_equal(alert_events(fx, id), events + 1);

    /* Evaluate again: nothing more. */
    cs = run_cycle(fx, T0 + 120 + 1900);
    assert_int_equal(cs.acks_expired, 0);
    assert_int_equal(audit_count(fx, "Alert Ack Expired"), 1);
    assert_int_equal(alert_events(fx, id), events + 1);

    /* Ack with an expiry, then the condition clears: the ack stays. */
    AlertAckOpts o2 = {.note = NULL, .expires_in_minutes = 1};
    assert_int_equal(alerts_ack_ex(fx->st, id, 1, &o2, 31, "alice", T0 + 2000, err, sizeof err), 0);
    set_status(fx, sid, STATUS_UP, SET_BY_USER, NULL, T0 + 2010);
    assert_true(q_int(fx->check, "SELECT " EPOCH("resolved_at") " FROM alert WHERE id = %lld",
                      (long long)id) > 0);
    int64_t after = alert_events(fx, id);
    cs = run_cycle(fx, T0 + 2200);
    assert_int_equal(cs.acks_expired, 0);
    assert_int_equal(q_int(fx->check, "SELECT acknowledged FROM alert WHERE id = %lld", (long long)id), 1);
    assert_int_equal(audit_count(fx, "Alert Ack Expired"), 1);
    assert_int_equal(alert_events(fx, id), after);

    /* Un-ack clears owner, note and expiry, audited as its own action. */
    assert_int_equal(alerts_ack_ex(fx->st, id, 1, &o, 31, "alice", T0 + 2300, err, sizeof err), 0);
    assert_int_equal(alerts_ack(fx->st, id, 0, 31, "alice", T0 + 2310, err, sizeof err), 0);
    assert_int_equal(q_int(fx->check, "SELECT ack_note IS NULL AND ack_expires_at IS NULL AND "
                                      "acknowledged_by IS NULL AND acknowledged = 0 FROM alert "
                                      "WHERE id = %lld", (long long)id), 1);
    assert_int_equal(audit_count(fx, "Alert Unacknowledged"), 1);
}

/* ---- 5. services_create -------------------------------------------------- */

static void test_services_create(void **state)
{
    Fx *fx = *state;
    char err[256];
    int64_t id = -1;

    ServiceInput noname = {.name = NULL};
    err[0] = '\0';
    assert_int_equal(services_create(fx->st, &noname, "bob", 3, T0, &id, err, sizeof err), -EINVAL);
    assert_string_equal(err, "Service name is required");
    ServiceInput empty = {.name = ""};
    err[0] = '\0';
    assert_int_equal(services_create(fx->st, &empty, "bob", 3, T0, &id, err, sizeof err), -EINVAL);
    assert_string_equal(err, "Service name is required");
    assert_int_equal(id, -1);
    assert_int_equal(count_rows(fx, "service"), 0);
    assert_int_equal(count_rows(fx, "audit_log"), 0);

    int64_t base = make_service(fx, "Base", "High", "Severe", 30, 5);
    int64_t services = count_rows(fx, "service"), audits = count_rows(fx, "audit_log");
    int64_t bias = count_rows(fx, "bia");

    /* Invalid dependencies: the exact message and nothing written (the seed
     * commits the service before answering 400; we do not). */
    const int64_t bad[] = {98, 99};
    ServiceInput in = {.name = "Broken", .has_bia = 1, .criticality = "Low", .rto = 10,
                       .has_rto = 1, .deps = bad, .ndeps = 2, .has_deps = 1};
    err[0] = '\0';
    assert_int_equal(services_create(fx->st, &in, "bob", 3, T0, &id, err, sizeof err), -EINVAL);
    assert_string_equal(err, "Invalid dependency IDs: [98, 99]");
    assert_int_equal(id, -1);
    assert_int_equal(count_rows(fx, "service"), services);
    assert_int_equal(count_rows(fx, "bia"), bias);
    assert_int_equal(count_rows(fx, "service_dependencies"), 0);
    assert_int_equal(count_rows(fx, "audit_log"), audits);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM service WHERE name = 'Broken'"), 0);

    /* One good, one bad: only the bad one is named. */
    const int64_t mixed[] = {base, 98};
    in.deps = mixed;
    err[0] = '\0';
    assert_int_equal(services_create(fx->st, &in, "bob", 3, T0, &id, err, sizeof err), -EINVAL);
    assert_string_equal(err, "Invalid dependency IDs: [98]");
    assert_int_equal(count_rows(fx, "service"), services);

    /* Valid: the service, its BIA, its dependency and the audit entry. */
    const int64_t good[] = {base};
    in.name = "Frontend";
    in.deps = good;
    in.ndeps = 1;
    assert_int_equal(services_create(fx->st, &in, "bob", 3, T0, &id, err, sizeof err), 0);
    assert_true(id > base);
    assert_int_equal(count_rows(fx, "service"), services + 1);
    assert_string_equal(q_text(fx->check, "SELECT name FROM service WHERE id = %lld", (long long)id),
                        "Frontend");
    assert_string_equal(q_text(fx->check, "SELECT created_by FROM service WHERE id = %lld",
                               (long long)id), "bob");
    assert_int_equal(q_int(fx->check, "SELECT rto FROM bia WHERE service_id = %lld", (long long)id), 10);
    assert_string_equal(q_text(fx->check, "SELECT criticality FROM bia WHERE service_id = %lld",
                               (long long)id), "Low");
    assert_int_equal(q_int(fx->check, "SELECT dependency_id FROM service_dependencies "
                                      "WHERE service_id = %lld", (long long)id), base);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM audit_log WHERE action = 'Service Created' "
                                      "AND entity = 'Service' AND entity_id = %lld AND user_id = 3",
                           (long long)id), 1);
    assert_int_equal(count_rows(fx, "audit_log"), audits + 1);
}

/* ---- 6. services_set_status ----------------------------------------------- */

static int64_t status_alerts(Fx *fx, int64_t sid)
{
    return q_int(fx->check, "SELECT count(*) FROM alert WHERE service_id = %lld AND type = 'StatusChange'",
                 (long long)sid);
}

static void test_set_status_downtime_and_alerts(void **state)
{
    Fx *fx = *state;
    int64_t sid = make_service(fx, "Payments", "High", "Severe", 30, 5);
    long long S = (long long)sid;

    /* First status Up: a start, not a change: no alert, no downtime. */
    assert_int_equal(set_status(fx, sid, STATUS_UP, SET_BY_USER, NULL, T0), 1);
    assert_string_equal(q_text(fx->check, "SELECT status FROM status WHERE service_id = %lld", S), "Up");
    assert_int_equal(count_rows(fx, "alert"), 0);
    assert_int_equal(count_rows(fx, "downtime"), 0);
    assert_int_equal(audit_count(fx, "Status Updated"), 1);

    /* Up → Down: one open downtime with the reason, a Critical alert. */
    assert_int_equal(set_status(fx, sid, STATUS_DOWN, SET_BY_USER, "disk full", T0 + 60), 1);
    assert_int_equal(count_rows(fx, "downtime"), 1);
    assert_int_equal(q_int(fx->check, "SELECT " EPOCH("end_time") " FROM downtime WHERE service_id = %lld", S), -1);
    assert_int_equal(q_int(fx->check, "SELECT " EPOCH("start_time") " FROM downtime WHERE service_id = %lld", S),
                     T0 + 60);
    assert_string_equal(q_text(fx->check, "SELECT reason FROM downtime WHERE service_id = %lld", S),
                        "disk full");
    assert_int_equal(status_alerts(fx, sid), 1);
    assert_string_equal(q_text(fx->check, "SELECT message FROM alert WHERE type = 'StatusChange'"),
                        "Service Payments is Down");
    assert_string_equal(q_text(fx->check, "SELECT severity FROM alert WHERE type = 'StatusChange'"),
                        "Critical");
    assert_int_equal(audit_count(fx, "Alert Created (StatusChange)"), 1);
    assert_int_equal(audit_count(fx, "Status Updated"), 2);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM audit_log WHERE action = 'Status Updated' "
                                      "AND entity = 'Status' AND entity_id = %lld AND user_id = 7", S), 2);

    /* Down → Down from the engine: nothing new at all. */
    int64_t audits = count_rows(fx, "audit_log"), alerts = count_rows(fx, "alert");
    assert_int_equal(set_status(fx, sid, STATUS_DOWN, SET_BY_ENGINE, "probe failed", T0 + 120), 0);
    assert_int_equal(count_rows(fx, "audit_log"), audits);
    assert_int_equal(count_rows(fx, "alert"), alerts);
    assert_int_equal(count_rows(fx, "downtime"), 1);
    assert_int_equal(q_int(fx->check, "SELECT " EPOCH("last_updated") " FROM status WHERE service_id = %lld", S), T0 + 60);

    /* Down → Down from a user: a heartbeat (audited), still no new downtime
     * or alert. */
    assert_int_equal(set_status(fx, sid, STATUS_DOWN, SET_BY_USER, "still down", T0 + 150), 0);
    assert_int_equal(count_rows(fx, "audit_log"), audits + 1);
    assert_int_equal(count_rows(fx, "alert"), alerts);
    assert_int_equal(count_rows(fx, "downtime"), 1);
    assert_int_equal(q_int(fx->check, "SELECT " EPOCH("last_heartbeat") " FROM status WHERE service_id = %lld", S),
                     T0 + 150);

    /* Down → Up: downtime closed, Critical resolved, Info raised. */
    assert_int_equal(set_status(fx, sid, STATUS_UP, SET_BY_USER, NULL, T0 + 300), 1);
    assert_int_equal(count_rows(fx, "downtime"), 1);
    assert_int_equal(q_int(fx->check, "SELECT " EPOCH("end_time") " FROM downtime WHERE service_id = %lld", S), T0 + 300);
    assert_int_equal(status_alerts(fx, sid), 2);
    assert_int_equal(q_int(fx->check, "SELECT " EPOCH("resolved_at") " FROM alert WHERE type = 'StatusChange' "
                                        "AND severity = 'Critical'"), T0 + 300);
    assert_string_equal(q_text(fx->check, "SELECT message FROM alert WHERE type = 'StatusChange' "
                                          "AND resolved_at IS NULL AND acknowledged = 0"),
                        "Service Payments is Up");
    assert_string_equal(q_text(fx->check, "SELECT severity FROM alert WHERE type = 'StatusChange' "
                                          "AND resolved_at IS NULL"), "Info");
    assert_int_equal(audit_count(fx, "Alert Created (StatusChange)"), 2);

    /* Unknown service: -ENOENT, nothing written. */
    audits = count_rows(fx, "audit_log");
    char err[128] = "";
    assert_int_equal(services_set_status(fx->st, 424242, STATUS_DOWN, SET_BY_USER, 7, "x", T0 + 400,
                                         err, sizeof err), -ENOENT);
    assert_string_equal(err, "Service not found");
    assert_int_equal(count_rows(fx, "audit_log"), audits);
    assert_int_equal(count_rows(fx, "status"), 1);
    assert_int_equal(count_rows(fx, "downtime"), 1);

    /* A new service whose first status is Down does alert and open a
     * downtime with the default reason. */
    int64_t sid2 = make_service(fx, "Batch", NULL, NULL, 0, 0);
    assert_int_equal(set_status(fx, sid2, STATUS_DOWN, SET_BY_ENGINE, NULL, T0 + 500), 1);
    assert_int_equal(status_alerts(fx, sid2), 1);
    assert_string_equal(q_text(fx->check, "SELECT reason FROM downtime WHERE service_id = %lld",
                               (long long)sid2), "Service is Down");
}

/* ---- 7. SLA breaches ------------------------------------------------------ */

static int64_t sla_rows(Fx *fx, int64_t sid, const char *type)
{
    return q_int(fx->check, "SELECT count(*) FROM sla_breach WHERE service_id = %lld AND type = %Q",
                 (long long)sid, type);
}

static int64_t alert_rows(Fx *fx, int64_t sid, const char *type)
{
    return q_int(fx->check, "SELECT count(*) FROM alert WHERE service_id = %lld AND type = %Q",
                 (long long)sid, type);
}

static void test_cycle_sla_breaches(void **state)
{
    Fx *fx = *state;
    int64_t sid = make_service(fx, "Billing", "Low", "Low", 60, 30);
    set_status(fx, sid, STATUS_UP, SET_BY_USER, NULL, T0 - 7200);
    set_status(fx, sid, STATUS_DOWN, SET_BY_USER, "db crash", T0 - 60 * MIN);

    /* Exactly at RTO (60 min): no RTO breach; 60 > RPO 30: RPO breach. */
    CycleStats cs = run_cycle(fx, T0);
    assert_int_equal(cs.breaches, 1);
    assert_int_equal(sla_rows(fx, sid, "RTO"), 0);
    assert_int_equal(sla_rows(fx, sid, "RPO"), 1);
    assert_int_equal(alert_rows(fx, sid, "SLA_RTO"), 0);
    assert_int_equal(alert_rows(fx, sid, "SLA_RPO"), 1);
    assert_string_equal(q_text(fx->check, "SELECT reason FROM sla_breach WHERE type = 'RPO'"),
                        "Downtime exceeded RPO of 30 minutes");
    assert_int_equal(q_int(fx->check, "SELECT downtime_minutes FROM sla_breach WHERE type = 'RPO'"), 60);
    assert_int_equal(q_int(fx->check, "SELECT threshold_minutes FROM sla_breach WHERE type = 'RPO'"), 30);
    assert_int_equal(q_int(fx->check, "SELECT " EPOCH("start_time") " FROM sla_breach WHERE type = %Q", "RPO"),
                     T0 - 60 * MIN);
    assert_int_equal(q_int(fx->check, "SELECT " EPOCH("end_time") " FROM sla_breach WHERE type = %Q", "RPO"), -1);
    assert_string_equal(q_text(fx->check, "SELECT message FROM alert WHERE type = 'SLA_RPO'"),
                        "SLA Breach: RPO exceeded 30 minutes (Actual: 60 minutes)");

    /* One minute later: the RTO breach appears. */
    cs = run_cycle(fx, T0 + MIN);
    assert_int_equal(cs.breaches, 1);
    assert_int_equal(sla_rows(fx, sid, "RTO"), 1);
    assert_int_equal(sla_rows(fx, sid, "RPO"), 1);
    assert_string_equal(q_text(fx->check, "SELECT reason FROM sla_breach WHERE type = 'RTO'"),
                        "Downtime exceeded RTO of 60 minutes");
    assert_int_equal(q_int(fx->check, "SELECT downtime_minutes FROM sla_breach WHERE type = 'RTO'"), 61);
    assert_int_equal(alert_rows(fx, sid, "SLA_RTO"), 1);
    assert_string_equal(q_text(fx->check, "SELECT message FROM alert WHERE type = 'SLA_RTO'"),
                        "SLA Breach: RTO exceeded 60 minutes (Actual: 61 minutes)");
    assert_string_equal(q_text(fx->check, "SELECT severity FROM alert WHERE type = 'SLA_RTO'"),
                        "Critical");

    /* Again (same time and later): one breach per downtime and type. */
    cs = run_cycle(fx, T0 + MIN);
    assert_int_equal(cs.breaches, 0);
    cs = run_cycle(fx, T0 + 30 * MIN);
    assert_int_equal(cs.breaches, 0);
    assert_int_equal(sla_rows(fx, sid, "RTO"), 1);
    assert_int_equal(sla_rows(fx, sid, "RPO"), 1);
    assert_int_equal(alert_rows(fx, sid, "SLA_RTO"), 1);
    assert_int_equal(alert_rows(fx, sid, "SLA_RPO"), 1);
    assert_int_equal(audit_count(fx, "SLA Breach (RTO)"), 1);
    assert_int_equal(audit_count(fx, "SLA Breach (RPO)"), 1);
    assert_int_equal(audit_count(fx, "Alert Created (SLA_RTO)"), 1);
    assert_string_equal(q_text(fx->check, "SELECT entity FROM audit_log WHERE action = "
                                          "'SLA Breach (RTO)'"), "SLABreach");
    assert_int_equal(q_int(fx->check, "SELECT entity_id FROM audit_log WHERE action = "
                                      "'SLA Breach (RTO)'"), sid);

    /* The downtime ends: the breach keeps its end and final length. */
    set_status(fx, sid, STATUS_UP, SET_BY_USER, NULL, T0 + 40 * MIN);
    run_cycle(fx, T0 + 41 * MIN);
    assert_int_equal(sla_rows(fx, sid, "RTO"), 1);
    assert_int_equal(q_int(fx->check, "SELECT " EPOCH("end_time") " FROM sla_breach WHERE type = %Q", "RTO"),
                     T0 + 40 * MIN);
    assert_int_equal(q_int(fx->check, "SELECT downtime_minutes FROM sla_breach WHERE type = 'RTO'"), 100);

    /* A closed downtime that ended more than 24 h ago raises nothing; one
     * that ended within the last 24 h does. */
    int64_t old = make_service(fx, "Archive", "Low", "Low", 10, 5);
    assert_true(downtime_repo_insert(fx->st, old, T0 - 3 * 86400, T0 - 2 * 86400, "old") > 0);
    int64_t recent = make_service(fx, "Recent", "Low", "Low", 10, 5);
    assert_true(downtime_repo_insert(fx->st, recent, T0 - 86400, T0 - 23 * 3600, "recent") > 0);
    cs = run_cycle(fx, T0);
    assert_int_equal(sla_rows(fx, old, "RTO") + sla_rows(fx, old, "RPO"), 0);
    assert_int_equal(alert_rows(fx, old, "SLA_RTO") + alert_rows(fx, old, "SLA_RPO"), 0);
    assert_int_equal(sla_rows(fx, recent, "RTO"), 1);
    assert_int_equal(sla_rows(fx, recent, "RPO"), 1);
    assert_int_equal(q_int(fx->check, "SELECT downtime_minutes FROM sla_breach WHERE service_id = %lld "
                                      "AND type = 'RTO'", (long long)recent), 60);
    assert_int_equal(q_int(fx->check, "SELECT " EPOCH("end_time") " FROM sla_breach WHERE service_id = %lld "
                                        "AND type = 'RTO'", (long long)recent), T0 - 23 * 3600);
}

/* ---- 8. risk history and the HighRisk alert -------------------------- */

static int64_t risk_rows(Fx *fx, int64_t sid)
{
    return q_int(fx->check, "SELECT count(*) FROM risk WHERE service_id = %lld", (long long)sid);
}

static void test_cycle_risk_history(void **state)
{
    Fx *fx = *state;
    /* High/Severe, RTO 30, RPO 15: 15 + 10 + 10 + 5 = 40 (Low); Down: 80. */
    int64_t sid = make_service(fx, "Ledger", "High", "Severe", 30, 15);
    int64_t other = make_service(fx, "Wiki", NULL, NULL, 0, 0);
    long long S = (long long)sid;
    set_status(fx, sid, STATUS_UP, SET_BY_USER, NULL, T0 - 600);
    set_status(fx, other, STATUS_UP, SET_BY_USER, NULL, T0 - 600);

    /* Scored when created (S3: cycle_rescore_one), so the first cycle
     * finds nothing new to append. */
    CycleStats cs = run_cycle(fx, T0);
    assert_int_equal(cs.services, 2);
    assert_int_equal(cs.risk_changed, 0);
    assert_int_equal(risk_rows(fx, sid), 1);
    assert_int_equal(risk_rows(fx, other), 1);
    assert_int_equal(q_int(fx->check, "SELECT risk_score FROM risk_current WHERE service_id = %lld", S), 40);
    assert_string_equal(q_text(fx->check, "SELECT risk_level FROM risk_current WHERE service_id = %lld", S),
                        "Low");
    assert_string_equal(q_text(fx->check, "SELECT source FROM risk WHERE service_id = %lld", S),
                        "automated");
    assert_string_equal(q_text(fx->check, "SELECT reason FROM risk_current WHERE service_id = %lld",
                               (long long)other), "No risks identified");
    assert_int_equal(alert_rows(fx, sid, "HighRisk"), 0);

    /* No change: no new history. */
    cs = run_cycle(fx, T0);
    assert_int_equal(cs.risk_changed, 0);
    cs = run_cycle(fx, T0 + 5 * MIN);
    assert_int_equal(cs.risk_changed, 0);
    assert_int_equal(risk_rows(fx, sid), 1);
    assert_int_equal(risk_rows(fx, other), 1);

    /* Down: +40 → 80, High; one more row and the HighRisk alert. */
    set_status(fx, sid, STATUS_DOWN, SET_BY_USER, "outage", T0 + 6 * MIN);
    cs = run_cycle(fx, T0 + 6 * MIN);
    assert_int_equal(cs.risk_changed, 1);
    assert_int_equal(risk_rows(fx, sid), 2);
    assert_int_equal(risk_rows(fx, other), 1);
    assert_int_equal(q_int(fx->check, "SELECT risk_score FROM risk_current WHERE service_id = %lld", S), 80);
    assert_string_equal(q_text(fx->check, "SELECT risk_level FROM risk_current WHERE service_id = %lld", S),
                        "High");
    assert_int_equal(q_int(fx->check, "SELECT risk_score FROM risk WHERE service_id = %lld "
                                      "ORDER BY id DESC LIMIT 1", S), 80);
    assert_int_equal(alert_rows(fx, sid, "HighRisk"), 1);
    const char *msg = q_text(fx->check, "SELECT message FROM alert WHERE type = 'HighRisk'");
    assert_contains(msg, "High risk score: 80. Reason: Service is currently down");
    assert_string_equal(q_text(fx->check, "SELECT severity FROM alert WHERE type = 'HighRisk'"),
                        "Critical");

    /* Still Down, a few minutes on: no new history, the alert deduplicated. */
    cs = run_cycle(fx, T0 + 10 * MIN);
    assert_int_equal(cs.risk_changed, 0);
    assert_int_equal(risk_rows(fx, sid), 2);
    assert_int_equal(alert_rows(fx, sid, "HighRisk"), 1);
    assert_int_equal(audit_count(fx, "Alert Created (HighRisk)"), 1);

    /* Up again: back to 40, the HighRisk alert resolved. */
    set_status(fx, sid, STATUS_UP, SET_BY_USER, NULL, T0 + 20 * MIN);
    cs = run_cycle(fx, T0 + 20 * MIN);
    assert_int_equal(cs.risk_changed, 1);
    assert_int_equal(risk_rows(fx, sid), 3);
    assert_int_equal(q_int(fx->check, "SELECT risk_score FROM risk_current WHERE service_id = %lld", S), 40);
    assert_string_equal(q_text(fx->check, "SELECT risk_level FROM risk_current WHERE service_id = %lld", S),
                        "Low");
    assert_int_equal(alert_rows(fx, sid, "HighRisk"), 1);
    assert_int_equal(q_int(fx->check, "SELECT " EPOCH("resolved_at") " FROM alert WHERE type = %Q", "HighRisk"),
                     T0 + 20 * MIN);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM risk_current"), 2);
}

/* assert_contains for the tests below; not inlined, because GCC 12 with
 * -fsanitize=undefined reports a null %s argument through the inlined copy. */
__attribute__((noinline)) static void expect_in(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

/* Survivor M42b (tests-2026-12.md): an open HighRisk or Critical alert is
 * refreshed, not left stale, when the risk changes while the level stays
 * High. Ledger Down scores 80; its dependency going Down too adds 20. The
 * open alerts keep their rows (deduplicated) and say 100 and the
 * dependency. */
static void test_cycle_high_risk_message_refreshed(void **state)
{
    Fx *fx = *state;
    int64_t dep = make_service(fx, "Queue", NULL, NULL, 0, 0);
    ServiceInput in = {
        .name = "Ledger", .description = "test service", .has_bia = 1,
        .criticality = "High", .impact = "Severe", .has_rto = 1, .rto = 30,
        .has_rpo = 1, .rpo = 15, .deps = &dep, .ndeps = 1, .has_deps = 1,
    };
    int64_t sid = 0;
    char err[256] = "";
    if (services_create(fx->st, &in, "tester", 7, T0 - 3600, &sid, err, sizeof err) < 0)
        fail_msg("services_create(Ledger): %s", err);
    long long S = (long long)sid;
    set_status(fx, dep, STATUS_UP, SET_BY_USER, NULL, T0 - 600);
    set_status(fx, sid, STATUS_DOWN, SET_BY_USER, "outage", T0 - 300);

    run_cycle(fx, T0);
    assert_int_equal(q_int(fx->check, "SELECT risk_score FROM risk_current WHERE service_id = %lld", S), 80);
    assert_int_equal(alert_rows(fx, sid, "HighRisk"), 1);
    const char *msg = q_text(fx->check, "SELECT message FROM alert WHERE service_id = %lld AND "
                                        "type = 'HighRisk' AND resolved_at IS NULL", S);
    expect_in(msg, "High risk score: 80. Reason: Service is currently down");

    /* The dependency goes Down as well: 100, still High. */
    set_status(fx, dep, STATUS_DOWN, SET_BY_USER, "broker crash", T0 + MIN);
    run_cycle(fx, T0 + 2 * MIN);
    assert_int_equal(q_int(fx->check, "SELECT risk_score FROM risk_current WHERE service_id = %lld", S), 100);
    assert_string_equal(q_text(fx->check, "SELECT risk_level FROM risk_current WHERE service_id = %lld", S),
                        "High");
    assert_int_equal(alert_rows(fx, sid, "HighRisk"), 1);          /* refreshed, not a new row */
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM alert WHERE service_id = %lld AND "
                                      "type = 'HighRisk' AND resolved_at IS NULL", S), 1);
    msg = q_text(fx->check, "SELECT message FROM alert WHERE service_id = %lld AND "
                            "type = 'HighRisk' AND resolved_at IS NULL", S);
    expect_in(msg, "High risk score: 100. Reason: Service is currently down");
    expect_in(msg, "Dependencies down: Queue");
    assert_int_equal(alert_rows(fx, sid, "Critical"), 1);
    msg = q_text(fx->check, "SELECT message FROM alert WHERE service_id = %lld AND "
                            "type = 'Critical' AND resolved_at IS NULL", S);
    expect_in(msg, "Service Ledger is critical: ");
    expect_in(msg, "Dependencies down: Queue");
    assert_int_equal(audit_count(fx, "Alert Created (HighRisk)"), 1);
}

/* Survivor M09 (tests-2026-12.md): seed 000's +20 counts downtimes that
 * started within the last 7 days (summed, over 120 minutes). A 3-hour
 * downtime 8 or 10 days old must not score; one 6 days old must. */
static void test_cycle_risk_window_is_seven_days(void **state)
{
    Fx *fx = *state;
    static const struct {
        const char *name;
        int         days_ago, score;
        const char *reason;
    } cases[] = {
        {"TenDaysAgo", 10, 0, "No risks identified"},
        {"EightDaysAgo", 8, 0, "No risks identified"},
        {"SixDaysAgo", 6, 20, "Frequent or prolonged downtimes in the last 7 days"},
    };
    enum { N = sizeof cases / sizeof cases[0] };
    int64_t sid[N];
    for (int i = 0; i < N; i++) {
        sid[i] = make_service(fx, cases[i].name, NULL, NULL, 0, 0);
        set_status(fx, sid[i], STATUS_UP, SET_BY_USER, NULL, T0 - 600);
        int64_t start = T0 - (int64_t)cases[i].days_ago * 86400;
        assert_true(downtime_repo_insert(fx->st, sid[i], start, start + 180 * MIN, "outage") > 0);
    }
    run_cycle(fx, T0);
    int bad = 0;
    for (int i = 0; i < N; i++) {
        long long S = (long long)sid[i];
        int64_t score = q_int(fx->check, "SELECT risk_score FROM risk_current WHERE service_id = %lld", S);
        char reason[256];
        snprintf(reason, sizeof reason, "%s",
                 q_text(fx->check, "SELECT reason FROM risk_current WHERE service_id = %lld", S));
        if (score != cases[i].score || strcmp(reason, cases[i].reason) != 0) {
            print_error("%s: 3-hour downtime %d days ago: got %lld \"%s\", want %d \"%s\"\n",
                        cases[i].name, cases[i].days_ago, (long long)score, reason,
                        cases[i].score, cases[i].reason);
            bad++;
        }
    }
    if (bad)
        fail_msg("%d of %d downtime ages scored wrong", bad, (int)N);
}

/* ---- 9. seeding ---------------------------------------------------------- */

static void test_seed(void **state)
{
    Fx *fx = *state;
    char err[256] = "";
    assert_int_equal(seed_demo(fx->st, T0, err, sizeof err), 0);
    assert_int_equal(count_rows(fx, "service"), 12);
    assert_int_equal(count_rows(fx, "bia"), 12);
    assert_true(count_rows(fx, "service_dependencies") > 0);
    assert_int_equal(audit_count(fx, "Service Created"), 12);

    assert_int_equal(seed_services(fx->st, 1000, T0, err, sizeof err), 0);
    assert_int_equal(count_rows(fx, "service"), 1012);
    assert_int_equal(count_rows(fx, "bia"), 1012);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM service s JOIN bia b ON b.service_id = s.id "
                                      "WHERE s.name LIKE 'svc-%%' AND b.rto IS NOT NULL "
                                      "AND b.rpo IS NOT NULL"), 1000);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM service WHERE name = 'svc-000013'"), 1);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM service WHERE name = 'svc-001012'"), 1);

    assert_int_equal(seed_services(fx->st, 0, T0, err, sizeof err), -EINVAL);
    assert_int_equal(count_rows(fx, "service"), 1012);

    /* The whole set evaluates in one cycle. */
    CycleStats cs = run_cycle(fx, T0);
    assert_int_equal(cs.services, 1012);
    assert_int_equal(count_rows(fx, "risk_current"), 1012);
}

/* ---- 9. nested transactions (review 2026-12, §2.7) ---------------------- */

/* The engine's run_probes() shape: one outer transaction, a service that
 * vanished mid-batch. The missing one fails alone; the writes before and
 * after it are kept and the outer commit succeeds. (Before savepoints the
 * inner rollback undid A, B committed on its own and the outer commit
 * failed with -EINVAL.) */
static void test_nested_engine_batch(void **state)
{
    Fx *fx = *state;
    int64_t a = make_service(fx, "A", NULL, NULL, 0, 0);
    int64_t b = make_service(fx, "B", NULL, NULL, 0, 0);
    char err[256] = "";

    assert_int_equal(store_begin(fx->st), 0);
    assert_int_equal(services_set_status(fx->st, a, STATUS_DOWN, SET_BY_ENGINE, 0, "x", T0, err,
                                         sizeof err), 1);
    assert_int_equal(services_set_status(fx->st, 999, STATUS_DOWN, SET_BY_ENGINE, 0, "x", T0,
                                         err, sizeof err), -ENOENT);
    assert_string_equal(err, "Service not found");
    assert_int_equal(store_depth(fx->st), 1);
    /* nothing is visible to another connection before the outer commit */
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM status"), 0);
    assert_int_equal(services_set_status(fx->st, b, STATUS_DOWN, SET_BY_ENGINE, 0, "x", T0, err,
                                         sizeof err), 1);
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(store_depth(fx->st), 0);

    for (int i = 0; i < 2; i++) {
        int64_t sid = i ? b : a;
        assert_string_equal(q_text(fx->check, "SELECT status FROM status WHERE service_id = %lld",
                                   (long long)sid), "Down");
        assert_int_equal(q_int(fx->check, "SELECT count(*) FROM downtime WHERE service_id = %lld "
                                          "AND end_time IS NULL", (long long)sid), 1);
        assert_int_equal(status_alerts(fx, sid), 1);
    }
}

/* The Alerts pane's "A" (ack all) shape, now alerts_ack_many(): a missing
 * id in the middle fails alone, the first and the last are acknowledged
 * and audited, and the counts say so. (Before: the first was lost, the
 * last kept, and the console said "0 acknowledged, 3 failed".) */
static void test_nested_ack_all(void **state)
{
    Fx *fx = *state;
    int64_t a = make_service(fx, "A", NULL, NULL, 0, 0);
    int64_t b = make_service(fx, "B", NULL, NULL, 0, 0);
    int64_t al[2];
    assert_int_equal(alerts_raise(fx->st, a, "X1", SEV_WARNING, "m1", T0, &al[0]), ALERT_RAISED);
    assert_int_equal(alerts_raise(fx->st, b, "X2", SEV_WARNING, "m2", T0, &al[1]), ALERT_RAISED);
    int64_t acks = audit_count(fx, "Alert Acknowledged");

    const int64_t ids[] = {al[0], 4242, al[1]};
    int rc[3] = {99, 99, 99};
    assert_int_equal(alerts_ack_many(fx->st, ids, 3, 5, "me", T0 + MIN, rc), 2);
    assert_int_equal(rc[0], 0);
    assert_int_equal(rc[1], -ENOENT);
    assert_int_equal(rc[2], 0);
    assert_int_equal(store_depth(fx->st), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(q_int(fx->check, "SELECT acknowledged FROM alert WHERE id = %lld",
                               (long long)al[i]), 1);
        assert_string_equal(q_text(fx->check, "SELECT acknowledged_by FROM alert WHERE id = %lld",
                                   (long long)al[i]), "me");
        assert_int_equal(q_int(fx->check, "SELECT count(*) FROM audit_log WHERE action = "
                                          "'Alert Acknowledged' AND alert_id = %lld AND user_id = 5",
                               (long long)al[i]), 1);
    }
    assert_int_equal(audit_count(fx, "Alert Acknowledged"), acks + 2);

    /* the same through a caller's transaction: its fate decides */
    assert_int_equal(store_begin(fx->st), 0);
    assert_int_equal(alerts_ack_many(fx->st, ids, 3, 5, "me", T0 + 2 * MIN, NULL), 2);
    store_rollback(fx->st);
    assert_int_equal(audit_count(fx, "Alert Acknowledged"), acks + 2);

    /* nothing to do is not a failure */
    assert_int_equal(alerts_ack_many(fx->st, ids, 0, 5, "me", T0, NULL), 0);
}

static void scratch_put(Fx *fx, const char *v)
{
    char sql[128];
    snprintf(sql, sizeof sql, "INSERT INTO scratch (v) VALUES ('%s')", v);
    assert_int_equal(store_exec(fx->st, sql), 0);
}

static int64_t scratch_has(Fx *fx, const char *v)
{
    return q_int(fx->check, "SELECT count(*) FROM scratch WHERE v = %Q", v);
}

/* Three levels: rolling back the innermost undoes only its own writes;
 * the middle level goes on, commits into the outer one, and only the
 * outermost commit makes it all visible. Then a middle level rolled back
 * after its inner level committed takes that inner level with it. */
static void test_savepoints_three_levels(void **state)
{
    Fx *fx = *state;
    assert_int_equal(store_exec(fx->st, "CREATE TABLE scratch (v TEXT)"), 0);

    assert_int_equal(store_begin(fx->st), 0);
    scratch_put(fx, "outer");
    assert_int_equal(store_begin(fx->st), 0);
    scratch_put(fx, "middle");
    assert_int_equal(store_begin(fx->st), 0);
    assert_int_equal(store_depth(fx->st), 3);
    scratch_put(fx, "inner");
    store_rollback(fx->st);
    assert_int_equal(store_depth(fx->st), 2);
    scratch_put(fx, "middle-after");
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(store_depth(fx->st), 1);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM scratch"), 0);
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(store_depth(fx->st), 0);
    assert_int_equal(scratch_has(fx, "outer"), 1);
    assert_int_equal(scratch_has(fx, "middle"), 1);
    assert_int_equal(scratch_has(fx, "inner"), 0);
    assert_int_equal(scratch_has(fx, "middle-after"), 1);

    assert_int_equal(store_begin(fx->st), 0);
    scratch_put(fx, "outer2");
    assert_int_equal(store_begin(fx->st), 0);
    scratch_put(fx, "middle2");
    assert_int_equal(store_begin(fx->st), 0);
    scratch_put(fx, "inner2");
    assert_int_equal(store_commit(fx->st), 0);
    store_rollback(fx->st);
    scratch_put(fx, "outer2-after");
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(scratch_has(fx, "outer2"), 1);
    assert_int_equal(scratch_has(fx, "middle2"), 0);
    assert_int_equal(scratch_has(fx, "inner2"), 0);
    assert_int_equal(scratch_has(fx, "outer2-after"), 1);

    /* ending a level that is not open */
    assert_int_equal(store_commit(fx->st), -EINVAL);
    store_rollback(fx->st);
    assert_int_equal(store_depth(fx->st), 0);
}

/* A read transaction (the snapshot's) nests like a write one, inside or
 * around nothing; and when the database ends the transaction behind the
 * levels' backs, inner levels fail instead of starting a new one, and
 * the counts come back to zero. */
static void test_read_levels_and_lost_transaction(void **state)
{
    Fx *fx = *state;
    assert_int_equal(store_exec(fx->st, "CREATE TABLE scratch (v TEXT)"), 0);

    assert_int_equal(store_begin_read(fx->st), 0);
    assert_int_equal(store_end_read(fx->st), 0);
    assert_int_equal(store_begin(fx->st), 0);
    scratch_put(fx, "w");
    assert_int_equal(store_begin_read(fx->st), 0);
    assert_int_equal(store_depth(fx->st), 2);
    assert_int_equal(store_end_read(fx->st), 0);
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(scratch_has(fx, "w"), 1);

    assert_int_equal(store_begin(fx->st), 0);
    assert_int_equal(store_begin(fx->st), 0);
    scratch_put(fx, "lost");
    assert_int_equal(store_exec(fx->st, "ROLLBACK"), 0);   /* as SQLite does on a full disk */
    assert_int_equal(store_begin(fx->st), -EIO);            /* no new transaction behind it */
    assert_int_equal(store_depth(fx->st), 2);
    assert_int_equal(store_commit(fx->st), -EIO);
    assert_int_equal(store_commit(fx->st), -EIO);
    assert_int_equal(store_depth(fx->st), 0);
    assert_int_equal(scratch_has(fx, "lost"), 0);
    /* and the connection is usable again */
    assert_int_equal(store_begin(fx->st), 0);
    scratch_put(fx, "again");
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(scratch_has(fx, "again"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_creates_wal_fk_version, setup_dir, teardown),
        cmocka_unit_test_setup_teardown(test_open_refuses_newer_schema, setup_dir, teardown),
        cmocka_unit_test_setup_teardown(test_open_unwritable_and_garbage, setup_dir, teardown),
        cmocka_unit_test_setup_teardown(test_alerts_dedup_and_ack, setup_db, teardown),
        cmocka_unit_test_setup_teardown(test_services_create, setup_db, teardown),
        cmocka_unit_test_setup_teardown(test_set_status_downtime_and_alerts, setup_db, teardown),
        cmocka_unit_test_setup_teardown(test_cycle_sla_breaches, setup_db, teardown),
        cmocka_unit_test_setup_teardown(test_cycle_risk_history, setup_db, teardown),
        cmocka_unit_test_setup_teardown(test_cycle_high_risk_message_refreshed, setup_db, teardown),
        cmocka_unit_test_setup_teardown(test_cycle_risk_window_is_seven_days, setup_db, teardown),
        cmocka_unit_test_setup_teardown(test_seed, setup_db, teardown),
        cmocka_unit_test_setup_teardown(test_nested_engine_batch, setup_db, teardown),
        cmocka_unit_test_setup_teardown(test_nested_ack_all, setup_db, teardown),
        cmocka_unit_test_setup_teardown(test_ack_expiry_reopens_once, setup_db, teardown),
        cmocka_unit_test_setup_teardown(test_reminders_once_per_interval, setup_db, teardown),
        cmocka_unit_test_setup_teardown(test_savepoints_three_levels, setup_db, teardown),
        cmocka_unit_test_setup_teardown(test_read_levels_and_lost_transaction, setup_db, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
