/* test_silences — issue 11 item 4: silences and maintenance windows.
 *
 * Pure rules (table-driven): matching (every given matcher must match:
 * service, type, severity, category), duration words for `:silence`,
 * RRULE and timezone checks through libical, the occurrences of a weekly
 * window in Europe/Berlin across both DST changes (02:00 / 04:00 local
 * stays local), a rule's COUNT and a silence's ends_at ending it, and the
 * one-off states. Then a temporary database: a silenced alert's
 * notification is kept back at fan-out, released once when the window
 * closes while the condition is open, and dropped when it resolved.
 */
#include "domain/alerts.h"
#include "domain/notify.h"
#include "domain/services.h"
#include "domain/silences.h"
#include "store/db.h"
#include "util.h"

#include <ftw.h>
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static int64_t utc(const char *iso)
{
    int64_t t;
    assert_int_equal(util_parse_iso8601(iso, &t), 0);
    return t;
}

static SilenceRow weekly(const char *rrule, const char *tz, const char *from, int minutes)
{
    SilenceRow r;
    memset(&r, 0, sizeof r);
    strcpy(r.rrule, rrule);
    strcpy(r.timezone, tz);
    r.starts_at = utc(from);
    r.duration_minutes = minutes;
    r.type[0] = 'x';
    return r;
}

static void test_match_every_given_matcher(void **state)
{
    (void)state;
    static const struct {
        int64_t     sid;
        const char *type, *sev, *cat;
        int64_t     a_sid;
        const char *a_type, *a_sev, *a_cat;
        int         want;
    } cases[] = {
        {7, "", "", "", 7, "StatusChange", "Critical", "", 1},
        {7, "", "", "", 8, "StatusChange", "Critical", "", 0},
        {7, "StatusChange", "", "", 7, "StatusChange", "Critical", "", 1},
        {7, "StatusChange", "", "", 7, "HighRisk", "Critical", "", 0},
        {0, "", "Critical", "", 3, "HighRisk", "Critical", "", 1},
        {0, "", "Critical", "", 3, "HighRisk", "Warning", "", 0},
        {0, "", "", "database", 3, "StatusChange", "Warning", "database", 1},
        {0, "", "", "database", 3, "StatusChange", "Warning", "network", 0},
        {0, "", "", "database", 3, "StatusChange", "Warning", "", 0},
        {4, "StatusChange", "Critical", "network", 4, "StatusChange", "Critical", "network", 1},
        {4, "StatusChange", "Critical", "network", 4, "StatusChange", "Info", "network", 0},
        /* review item 4: matchers compare without case */
        {0, "statuschange", "critical", "", 3, "StatusChange", "Critical", "", 1},
        {0, "STATUSCHANGE", "", "Database", 3, "StatusChange", "Warning", "database", 1},
        {0, "statuschange", "", "", 3, "HighRisk", "Critical", "", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        SilenceRow s;
        memset(&s, 0, sizeof s);
        s.service_id = cases[i].sid;
        strcpy(s.type, cases[i].type);
        strcpy(s.severity, cases[i].sev);
        strcpy(s.category, cases[i].cat);
        int got = silences_match(&s, cases[i].a_sid, cases[i].a_type, cases[i].a_sev,
                                 cases[i].a_cat);
        if (got != cases[i].want)
            fail_msg("case %zu: got %d", i, got);
    }
}

static void test_durations(void **state)
{
    (void)state;
    static const struct { const char *s; int ok; int64_t min; } cases[] = {
        {"30m", 1, 30}, {"2h", 1, 120}, {"1d", 1, 1440}, {"45", 1, 45}, {"0m", 0, 0},
        {"h", 0, 0}, {"2x", 0, 0}, {"2hh", 0, 0}, {"-1h", 0, 0}, {"", 0, 0},
        {"99999999999h", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t m = -1;
        int r = silences_parse_duration(cases[i].s, &m);
        if ((r == 0) != cases[i].ok || (cases[i].ok && m != cases[i].min))
            fail_msg("%s: r %d m %lld", cases[i].s, r, (long long)m);
    }
}

static void test_rrule_check_uses_libical(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(silences_rrule_check("FREQ=WEEKLY;BYDAY=SU;BYHOUR=2", "Europe/Berlin", err,
                                          sizeof err), 0);
    assert_int_equal(silences_rrule_check("FREQ=DAILY;BYHOUR=3;COUNT=4", NULL, err, sizeof err), 0);
    const char *bad[] = {"FREQ=SOMETIMES", "BYDAY=SU", "FREQ=DAILY;BYHOUR=25", "garbage", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(silences_rrule_check(bad[i], NULL, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "'rrule'"));
    }
    assert_int_equal(silences_rrule_check("FREQ=DAILY", "Mars/Olympus", err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "'timezone'"));
}

/* 02:00 Europe/Berlin every Sunday: 00:00 UTC in summer time (CEST),
 * 01:00 UTC after the change of 25 October 2026. */
static void test_weekly_window_keeps_local_time_in_autumn(void **state)
{
    (void)state;
    SilenceRow r = weekly("FREQ=WEEKLY;BYDAY=SU;BYHOUR=2", "Europe/Berlin",
                          "2026-10-10T12:00:00", 120);
    int64_t o[4];
    assert_int_equal(silences_occurrences(&r, r.starts_at, o, 4), 4);
    assert_int_equal(o[0], utc("2026-10-11T00:00:00"));
    assert_int_equal(o[1], utc("2026-10-18T00:00:00"));
    /* 02:00 happens twice on the 25th: either reading is 02:00 local */
    assert_true(o[2] == utc("2026-10-25T00:00:00") || o[2] == utc("2026-10-25T01:00:00"));
    assert_int_equal(o[3], utc("2026-11-01T01:00:00"));
    /* states by the clock */
    silences_state_at(&r, utc("2026-11-01T00:30:00"));
    assert_int_equal(r.state, SILENCE_PENDING);
    assert_int_equal(r.window_start, utc("2026-11-01T01:00:00"));
    silences_state_at(&r, utc("2026-11-01T02:59:59"));
    assert_int_equal(r.state, SILENCE_ACTIVE);
    assert_int_equal(r.window_end, utc("2026-11-01T03:00:00"));
    silences_state_at(&r, utc("2026-11-01T03:00:00"));
    assert_int_equal(r.state, SILENCE_PENDING);
    assert_int_equal(r.window_start, utc("2026-11-08T01:00:00"));
    /* UTC when no zone: 02:00 UTC all year */
    SilenceRow u = weekly("FREQ=WEEKLY;BYDAY=SU;BYHOUR=2", "", "2026-10-10T12:00:00", 60);
    assert_int_equal(silences_occurrences(&u, utc("2026-10-26T00:00:00"), o, 1), 1);
    assert_int_equal(o[0], utc("2026-11-01T02:00:00"));
}

static void test_weekly_window_keeps_local_time_in_spring(void **state)
{
    (void)state;
    SilenceRow r = weekly("FREQ=WEEKLY;BYDAY=SU;BYHOUR=4", "Europe/Berlin",
                          "2026-12-01T11:00:00", 60);
    int64_t o[2];
    /* far from starts_at: the iterator skips ahead */
    assert_int_equal(silences_occurrences(&r, utc("2027-03-20T00:00:00"), o, 2), 2);
    assert_int_equal(o[0], utc("2027-03-21T03:00:00"));     /* CET */
    assert_int_equal(o[1], utc("2027-03-28T02:00:00"));     /* CEST */
}

/* Review item 14: 02:00 Europe/Berlin on 28 March 2027 does not exist
 * (02:00 CET -> 03:00 CEST). RFC 5545 §3.3.5 reads it with the offset
 * before the gap: 03:00 CEST = 01:00 UTC, not 01:00 CET = 00:00 UTC. */
static void test_window_in_the_spring_gap_starts_after_it(void **state)
{
    (void)state;
    SilenceRow r = weekly("FREQ=WEEKLY;BYDAY=SU;BYHOUR=2", "Europe/Berlin",
                          "2027-03-22T00:00:00", 60);
    int64_t o[3];
    assert_int_equal(silences_occurrences(&r, r.starts_at, o, 3), 3);
    assert_int_equal(o[0], utc("2027-03-28T01:00:00"));     /* 03:00 CEST */
    assert_int_equal(o[1], utc("2027-04-04T00:00:00"));     /* 02:00 CEST */
    assert_int_equal(o[2], utc("2027-04-11T00:00:00"));
    silences_state_at(&r, utc("2027-03-28T00:30:00"));      /* 01:30 CET: not yet */
    assert_int_equal(r.state, SILENCE_PENDING);
    assert_int_equal(r.window_start, utc("2027-03-28T01:00:00"));
    assert_int_equal(r.window_end, utc("2027-03-28T02:00:00"));
    /* 02:30 moves forward by the gap too: 03:30 CEST */
    SilenceRow h = weekly("FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=30", "Europe/Berlin",
                          "2027-03-22T00:00:00", 60);
    assert_int_equal(silences_occurrences(&h, h.starts_at, o, 2), 2);
    assert_int_equal(o[0], utc("2027-03-28T01:30:00"));
    assert_int_equal(o[1], utc("2027-04-04T00:30:00"));
}

static void test_count_and_ends_at_end_a_recurring_silence(void **state)
{
    (void)state;
    SilenceRow r = weekly("FREQ=DAILY;BYHOUR=3;COUNT=2", "", "2026-12-01T00:00:00", 30);
    silences_state_at(&r, utc("2026-12-02T03:10:00"));
    assert_int_equal(r.state, SILENCE_ACTIVE);
    silences_state_at(&r, utc("2026-12-02T03:31:00"));
    assert_int_equal(r.state, SILENCE_EXPIRED);
    SilenceRow e = weekly("FREQ=DAILY;BYHOUR=3", "", "2026-12-01T00:00:00", 60);
    e.ends_at = utc("2026-12-03T03:20:00");
    silences_state_at(&e, utc("2026-12-03T03:10:00"));
    assert_int_equal(e.state, SILENCE_ACTIVE);
    assert_int_equal(e.window_end, e.ends_at);               /* clipped */
    silences_state_at(&e, utc("2026-12-03T03:25:00"));
    assert_int_equal(e.state, SILENCE_EXPIRED);
    e.ends_at = 0;
    e.expired_at = utc("2026-12-03T03:15:00");               /* DELETE */
    silences_state_at(&e, utc("2026-12-03T03:16:00"));
    assert_int_equal(e.state, SILENCE_EXPIRED);
}

static void test_one_off_states(void **state)
{
    (void)state;
    SilenceRow r;
    memset(&r, 0, sizeof r);
    r.starts_at = 1000;
    r.ends_at = 2000;
    silences_state_at(&r, 999);
    assert_int_equal(r.state, SILENCE_PENDING);
    silences_state_at(&r, 1000);
    assert_int_equal(r.state, SILENCE_ACTIVE);
    assert_int_equal(r.window_end, 2000);
    silences_state_at(&r, 2000);
    assert_int_equal(r.state, SILENCE_EXPIRED);
    r.expired_at = 1500;
    silences_state_at(&r, 1600);
    assert_int_equal(r.state, SILENCE_EXPIRED);
    assert_string_equal(silences_state_name(SILENCE_ACTIVE), "active");
    SilenceState s;
    assert_int_equal(silences_state_parse("pending", &s), 0);
    assert_int_equal(s, SILENCE_PENDING);
    assert_int_equal(silences_state_parse("Pending", &s), -EINVAL);
}

/* ---- with a database ------------------------------------------------------ */

#define T0 ((int64_t)1793000000)

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(p);
}

static int q_int(Store *st, const char *sql)
{
    sqlite3_stmt *s = store_stmt(st, sql);
    assert_non_null(s);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int v = sqlite3_column_int(s, 0);
    sqlite3_reset(s);
    return v;
}

static int64_t mk_service(Store *st, const char *name)
{
    ServiceInput in = {.name = name};
    int64_t id;
    char err[160];
    assert_int_equal(services_create(st, &in, "t", 0, T0 - 100, &id, err, sizeof err), 0);
    return id;
}

static void test_kept_back_then_notified_once(void **state)
{
    (void)state;
    char dir[] = "/tmp/resops-silences-XXXXXX", path[PATH_MAX], err[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/s.db", dir);
    Store *st;
    assert_int_equal(store_open(path, &st, err, sizeof err), 0);
    int64_t a = mk_service(st, "Alpha"), b = mk_service(st, "Bravo");
    SilenceSpec sp = {.service_id = a, .duration_minutes = 60, .comment = "deploy"};
    SilenceRow out;
    assert_int_equal(silences_create(st, &sp, 0, "ana", T0, &out, err, sizeof err), 0);
    assert_int_equal(out.state, SILENCE_ACTIVE);
    SilenceSpec sb = {.service = "Bravo", .duration_minutes = 60, .comment = "deploy"};
    assert_int_equal(silences_create(st, &sb, 0, "ana", T0, NULL, err, sizeof err), 0);
    int64_t id_a, id_b;
    assert_int_equal(alerts_raise(st, a, ALERT_STATUS_CHANGE, SEV_CRITICAL, "Alpha is Down",
                                  T0 + 10, &id_a), ALERT_RAISED);
    assert_int_equal(alerts_raise(st, b, ALERT_STATUS_CHANGE, SEV_CRITICAL, "Bravo is Down",
                                  T0 + 10, &id_b), ALERT_RAISED);
    assert_int_equal(q_int(st, "SELECT count(*) FROM alert_silence"), 2);
    NotifyConfig cfg = {.webhook_url = "http://127.0.0.1:9/ok"};
    assert_int_equal(notify_fanout(st, &cfg, (T0 + 11) * 1000, 10), 2);
    assert_int_equal(q_int(st, "SELECT count(*) FROM outbox WHERE channel = 'webhook'"), 0);
    assert_int_equal(q_int(st, "SELECT count(*) FROM silence_suppressed"), 2);
    /* Bravo recovers while silenced: its resolve is kept back too */
    assert_int_equal(alerts_resolve(st, b, ALERT_STATUS_CHANGE, T0 + 20), 1);
    assert_int_equal(notify_fanout(st, &cfg, (T0 + 21) * 1000, 10), 1);
    assert_int_equal(q_int(st, "SELECT count(*) FROM outbox WHERE channel = 'webhook'"), 0);
    assert_int_equal(silences_tick(st, T0 + 30 * 60), 0);          /* still silenced */
    /* the notifier's step: the next boundary, at most a minute on */
    int64_t next = 0;
    assert_int_equal(silences_tick_due(st, T0 + 100, &next), 0);
    assert_int_equal(next, T0 + 160);
    next = 0;
    assert_int_equal(silences_tick_due(st, T0 + 3590, &next), 0);
    assert_int_equal(next, T0 + 3600);                             /* both windows end */
    /* Bravo's rows are settled (it resolved: nothing to send); Alpha's waits */
    assert_int_equal(q_int(st, "SELECT count(*) FROM silence_suppressed WHERE released_at "
                               "IS NULL"), 1);
    assert_int_equal(silences_tick(st, T0 + 61 * 60), 1);          /* ended: Alpha once */
    assert_int_equal(silences_tick(st, T0 + 62 * 60), 0);
    assert_int_equal(notify_fanout(st, &cfg, (T0 + 62 * 60) * 1000, 10), 1);
    assert_int_equal(q_int(st, "SELECT count(*) FROM outbox WHERE channel = 'webhook'"), 1);
    assert_int_equal(q_int(st, "SELECT count(*) FROM silence_suppressed WHERE outcome = "
                               "'notified'"), 1);
    assert_int_equal(q_int(st, "SELECT count(*) FROM silence_suppressed WHERE outcome = "
                               "'cleared'"), 2);
    assert_int_equal(q_int(st, "SELECT count(*) FROM alert_silence"), 0);
    /* a missing comment and a too long one-off are refused, nothing stored */
    SilenceSpec bad = {.service_id = a, .duration_minutes = 60};
    assert_int_equal(silences_create(st, &bad, 0, "ana", T0, NULL, err, sizeof err), -EINVAL);
    SilenceSpec lng = {.service_id = a, .duration_minutes = 10081, .comment = "x"};
    assert_int_equal(silences_create(st, &lng, 0, "ana", T0, NULL, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "10080"));
    assert_int_equal(q_int(st, "SELECT count(*) FROM silence"), 2);
    store_close(st);
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_every_given_matcher),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_rrule_check_uses_libical),
        cmocka_unit_test(test_weekly_window_keeps_local_time_in_autumn),
        cmocka_unit_test(test_weekly_window_keeps_local_time_in_spring),
        cmocka_unit_test(test_window_in_the_spring_gap_starts_after_it),
        cmocka_unit_test(test_count_and_ends_at_end_a_recurring_silence),
        cmocka_unit_test(test_one_off_states),
        cmocka_unit_test(test_kept_back_then_notified_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
