/* test_metrics — the write path of seed 004's metrics (src/domain/
 * metrics.c) on a temporary database with an injected clock:
 *  - global thresholds: defaults, validation (all or nothing), audit;
 *  - per-user thresholds: the global values until the user sets one;
 *  - ingest: samples stored; an alert fires after N samples over with a
 *    metric_alert row, an outbox event in seed 004's webhook shape and an
 *    audit entry; it clears with hysteresis and a "resolved" event; a
 *    restarted alerter continues the open alert;
 *  - retention: minute averages, raw kept a day, minutes a month, a
 *    rollup that never averages twice and never loses a minute. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/metrics.h"
#include "domain/metrics_history.h"
#include "store/audit_repo.h"
#include "store/db.h"
#include "store/metric_repo.h"
#include "util.h"

typedef struct Fx {
    char   dir[64], db[128];
    Store *st;
} Fx;

static int setup(void **state)
{
    Fx *fx = calloc(1, sizeof *fx);
    strcpy(fx->dir, "/tmp/resops-metrics-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->db, sizeof fx->db, "%s/t.db", fx->dir);
    char err[256];
    assert_int_equal(store_open(fx->db, &fx->st, err, sizeof err), 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    Fx *fx = *state;
    store_close(fx->st);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

static int64_t q(Fx *fx, const char *sql)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(store_db(fx->st), sql, -1, &s, NULL), SQLITE_OK);
    int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    return v;
}

static double qd(Fx *fx, const char *sql)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(store_db(fx->st), sql, -1, &s, NULL), SQLITE_OK);
    double v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_double(s, 0) : NAN;
    sqlite3_finalize(s);
    return v;
}

static void qs(Fx *fx, const char *sql, char *out, size_t size)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(store_db(fx->st), sql, -1, &s, NULL), SQLITE_OK);
    out[0] = '\0';
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
        strlcpy_(out, (const char *)sqlite3_column_text(s, 0), size);
    sqlite3_finalize(s);
}

static double nan_all[THRESH_COUNT] = {NAN, NAN, NAN, NAN, NAN};

/* ---- thresholds ------------------------------------------------------------- */

static void test_threshold_defaults(void **state)
{
    Fx *fx = *state;
    double t[THRESH_COUNT];
    assert_int_equal(metrics_thresholds(fx->st, t), 0);
    assert_true(t[THRESH_CPU] == 80 && t[THRESH_MEMORY] == 75);   /* seed 004 */
    assert_true(t[THRESH_SWAP] == 80 && t[THRESH_DISK] == 90 && t[THRESH_LOAD] == 0);
    /* garbage in the table reads as the default */
    assert_int_equal(store_exec(fx->st, "UPDATE config SET value = 'x' WHERE key = 'cpu_threshold'"),
                     0);
    assert_int_equal(store_exec(fx->st, "DELETE FROM config WHERE key = 'disk_threshold'"), 0);
    assert_int_equal(metrics_thresholds(fx->st, t), 0);
    assert_true(t[THRESH_CPU] == 80 && t[THRESH_DISK] == 90);
}

static void test_set_thresholds(void **state)
{
    Fx *fx = *state;
    char err[256];
    double v[THRESH_COUNT];
    memcpy(v, nan_all, sizeof v);
    v[THRESH_CPU] = 85.5;
    v[THRESH_LOAD] = 8;
    assert_int_equal(metrics_set_thresholds(fx->st, v, 7, "alice", 1000, err, sizeof err), 2);
    double t[THRESH_COUNT];
    assert_int_equal(metrics_thresholds(fx->st, t), 0);
    assert_true(t[THRESH_CPU] == 85.5 && t[THRESH_LOAD] == 8 && t[THRESH_MEMORY] == 75);
    char detail[256];
    qs(fx, "SELECT detail FROM audit_log WHERE action = 'Threshold Updated' AND user_id = 7",
       detail, sizeof detail);
    assert_string_equal(detail, "cpu_threshold 80 -> 85.5, load_threshold 0 -> 8 by alice");
    /* all or nothing: one bad value writes none */
    memcpy(v, nan_all, sizeof v);
    v[THRESH_CPU] = 50;
    v[THRESH_MEMORY] = 120;
    assert_int_equal(metrics_set_thresholds(fx->st, v, 7, "alice", 1001, err, sizeof err), -EINVAL);
    assert_string_equal(err, "memory_threshold must be a number from 0 (off) to 100");
    assert_int_equal(metrics_thresholds(fx->st, t), 0);
    assert_true(t[THRESH_CPU] == 85.5);
    assert_int_equal(q(fx, "SELECT count(*) FROM audit_log WHERE action = 'Threshold Updated'"), 1);
    /* the TUI's form: by name or alias */
    assert_int_equal(metrics_set_threshold(fx->st, "mem", 60, 0, "console", 1002, err, sizeof err),
                     1);
    assert_int_equal(metrics_thresholds(fx->st, t), 0);
    assert_true(t[THRESH_MEMORY] == 60);
    assert_int_equal(metrics_set_threshold(fx->st, "gpu", 60, 0, "console", 1002, err, sizeof err),
                     -EINVAL);
    assert_string_equal(err, "Unknown threshold \"gpu\" (cpu, memory, swap, disk or load)");
    assert_int_equal(metrics_set_threshold(fx->st, "cpu", -1, 0, "console", 1002, err, sizeof err),
                     -EINVAL);
    assert_int_equal(metrics_set_threshold(fx->st, "cpu", NAN, 0, "console", 1002, err,
                                           sizeof err), -EINVAL);
    /* numbers are C-locale in the table */
    char raw[64];
    qs(fx, "SELECT value FROM config WHERE key = 'cpu_threshold'", raw, sizeof raw);
    assert_string_equal(raw, "85.5");
}

static void test_parse_number(void **state)
{
    (void)state;
    double v;
    assert_int_equal(metrics_parse_number("85", &v), 0);
    assert_true(v == 85);
    assert_int_equal(metrics_parse_number(" 85.5% ", &v), 0);
    assert_true(v == 85.5);
    assert_int_equal(metrics_parse_number("85,5", &v), -EINVAL);
    assert_int_equal(metrics_parse_number("abc", &v), -EINVAL);
    assert_int_equal(metrics_parse_number("", &v), -EINVAL);
    assert_int_equal(metrics_parse_number("inf", &v), -EINVAL);
    assert_int_equal(metrics_parse_number(NULL, &v), -EINVAL);
}

static void test_user_thresholds(void **state)
{
    Fx *fx = *state;
    char err[256];
    assert_int_equal(store_exec(fx->st, "INSERT INTO user (id, username, password) VALUES "
                                        "(5, 'bob', 'x')"), 0);
    double cpu, mem;
    int custom;
    assert_int_equal(metrics_user_thresholds(fx->st, 5, &cpu, &mem, &custom), 0);
    assert_true(cpu == 80 && mem == 75 && !custom);          /* the global ones */
    assert_int_equal(metrics_set_user_thresholds(fx->st, 5, 60, NAN, "bob", 1000, err,
                                                 sizeof err), 0);
    assert_int_equal(metrics_user_thresholds(fx->st, 5, &cpu, &mem, &custom), 0);
    assert_true(cpu == 60 && mem == 75 && custom);           /* memory still global */
    assert_int_equal(metrics_set_threshold(fx->st, "memory", 70, 0, "root", 1001, err,
                                           sizeof err), 1);
    assert_int_equal(metrics_user_thresholds(fx->st, 5, &cpu, &mem, NULL), 0);
    assert_true(cpu == 60 && mem == 70);
    assert_int_equal(metrics_set_user_thresholds(fx->st, 5, NAN, 65, "bob", 1002, err,
                                                 sizeof err), 0);
    assert_int_equal(metrics_user_thresholds(fx->st, 5, &cpu, &mem, NULL), 0);
    assert_true(cpu == 60 && mem == 65);                     /* cpu kept */
    assert_int_equal(metrics_set_user_thresholds(fx->st, 5, 150, NAN, "bob", 1003, err,
                                                 sizeof err), -EINVAL);
    assert_int_equal(q(fx, "SELECT count(*) FROM audit_log WHERE action = "
                           "'User Threshold Updated' AND entity_id = 5"), 2);
}

/* ---- ingest and alerts --------------------------------------------------------- */

static MetricSample sample(int64_t ts, double cpu, double mem)
{
    MetricSample s;
    metrics_sample_init(&s, ts);
    s.v[MET_CPU] = cpu;
    s.v[MET_MEMORY] = mem;
    s.v[MET_LOAD1] = 0.5;
    s.ncores = 2;
    s.cores[0] = cpu;
    s.cores[1] = cpu;
    s.nmounts = 1;
    strcpy(s.mounts[0].path, "/");
    s.mounts[0].used_pct = 40;
    s.disk_mount = 0;
    s.v[MET_DISK] = 40;
    return s;
}

static void test_ingest_alerts(void **state)
{
    Fx *fx = *state;
    ThresholdPolicy p = {.fire_after = 3, .clear_after = 2, .hysteresis_pct = 5};
    MetricsAlerter a;
    assert_int_equal(metrics_alerter_load(fx->st, &a), 0);
    int64_t t = 1700000000;
    for (int i = 0; i < 2; i++) {
        MetricSample s = sample(t++, 92.5, 50);
        assert_int_equal(metrics_ingest(fx->st, &s, &a, &p), 0);
    }
    assert_int_equal(q(fx, "SELECT count(*) FROM metric_alert"), 0);
    /* scalars (cpu, memory, load1, disk), 2 cores, 1 mount per sample */
    assert_int_equal(q(fx, "SELECT count(*) FROM metric_sample"), 2 * 7);
    MetricSample s = sample(t++, 92.5, 50);
    assert_int_equal(metrics_ingest(fx->st, &s, &a, &p), 1);        /* the 3rd: fires */
    assert_int_equal(q(fx, "SELECT count(*) FROM metric_alert WHERE type = 'cpu' AND "
                           "value = 92.5 AND threshold = 80 AND cleared_at IS NULL"), 1);
    char buf[1024];
    qs(fx, "SELECT message FROM metric_alert", buf, sizeof buf);
    assert_string_equal(buf, "CPU usage 92.5% is over the 80% threshold (3 samples)");
    qs(fx, "SELECT payload FROM outbox WHERE channel = 'event'", buf, sizeof buf);
    /* seed 004's webhook document first, then ours */
    assert_non_null(strstr(buf, "{\"type\":\"cpu\",\"value\":92.5,\"ts\":\"2023-11-14T22:13:22Z\","
                                "\"generated_at\":\"2023-11-14T22:13:22Z\",\"event\":\"raised\","
                                "\"source\":\"metric\""));
    assert_int_equal(q(fx, "SELECT count(*) FROM audit_log WHERE action = 'Metric Alert (cpu)'"),
                     1);
    /* more samples over: no second alert */
    s = sample(t++, 99, 50);
    assert_int_equal(metrics_ingest(fx->st, &s, &a, &p), 0);
    /* 77 is under 80 but not under 76 (5 % hysteresis): still firing */
    s = sample(t++, 77, 50);
    assert_int_equal(metrics_ingest(fx->st, &s, &a, &p), 0);
    s = sample(t++, 77, 50);
    assert_int_equal(metrics_ingest(fx->st, &s, &a, &p), 0);
    /* a restart: the alerter picks the open alert up */
    assert_int_equal(metrics_alerter_load(fx->st, &a), 0);
    assert_true(a.state[THRESH_CPU].firing && a.alert_id[THRESH_CPU] > 0);
    s = sample(t++, 40, 50);
    assert_int_equal(metrics_ingest(fx->st, &s, &a, &p), 0);
    s = sample(t++, 40, 50);
    assert_int_equal(metrics_ingest(fx->st, &s, &a, &p), 1);        /* 2nd under: clears */
    assert_int_equal(q(fx, "SELECT count(*) FROM metric_alert WHERE cleared_at IS NOT NULL"), 1);
    qs(fx, "SELECT payload FROM outbox WHERE channel = 'event' ORDER BY id DESC", buf, sizeof buf);
    assert_non_null(strstr(buf, "\"type\":\"cpu\",\"value\":40,"));
    assert_non_null(strstr(buf, "\"event\":\"resolved\""));
    assert_non_null(strstr(buf, "CPU usage back to 40.0%, under 76% (2 samples)"));
    assert_int_equal(q(fx, "SELECT count(*) FROM metric_alert"), 1);
    assert_int_equal(q(fx, "SELECT count(*) FROM outbox"), 2);
    /* a threshold turned off clears its firing alert at once */
    for (int i = 0; i < 3; i++) {             /* memory 90 over 75: fires at the 3rd */
        s = sample(t++, 50, 90);
        assert_int_equal(metrics_ingest(fx->st, &s, &a, &p), i == 2 ? 1 : 0);
    }
    assert_int_equal(q(fx, "SELECT count(*) FROM metric_alert WHERE type = 'memory' AND "
                           "cleared_at IS NULL"), 1);
    char err[128];
    assert_int_equal(metrics_set_threshold(fx->st, "memory", 0, 0, "t", t, err, sizeof err), 1);
    s = sample(t++, 50, 90);
    assert_int_equal(metrics_ingest(fx->st, &s, &a, &p), 1);
    assert_int_equal(q(fx, "SELECT count(*) FROM metric_alert WHERE cleared_at IS NULL"), 0);
    int firing[THRESH_COUNT];
    assert_int_equal(metrics_open_alerts(fx->st, firing), 0);
    assert_false(firing[THRESH_CPU] || firing[THRESH_MEMORY]);
}

static void test_disk_alert_names_the_mount(void **state)
{
    Fx *fx = *state;
    ThresholdPolicy p = {.fire_after = 1, .clear_after = 1, .hysteresis_pct = 5};
    MetricsAlerter a;
    assert_int_equal(metrics_alerter_load(fx->st, &a), 0);
    MetricSample s = sample(1700000000, 10, 10);
    s.nmounts = 2;
    strcpy(s.mounts[1].path, "/var");
    s.mounts[1].used_pct = 95.25;
    s.disk_mount = 1;
    s.v[MET_DISK] = 95.25;
    assert_int_equal(metrics_ingest(fx->st, &s, &a, &p), 1);
    char buf[256];
    qs(fx, "SELECT message FROM metric_alert WHERE type = 'disk'", buf, sizeof buf);
    assert_string_equal(buf, "Disk usage 95.2% on /var is over the 90% threshold (1 sample)");
    assert_int_equal(q(fx, "SELECT count(*) FROM metric_sample WHERE name = 'disk:/var'"), 1);
}

/* ---- retention ------------------------------------------------------------------ */

static void add_raw(Fx *fx, int64_t ts, const char *name, double v)
{
    assert_int_equal(metric_repo_insert(fx->st, ts, name, v, METRIC_RES_RAW), 0);
}

static void test_rollup_and_retention(void **state)
{
    Fx *fx = *state;
    MetricsRetention r = {.raw_s = 86400, .minute_s = 2 * 86400};
    const int64_t day = 86400, t0 = 1700000000 - 1700000000 % 60;   /* a minute start */
    /* three days of samples: two per minute, every 10 minutes */
    for (int64_t t = t0; t < t0 + 3 * day; t += 600) {
        add_raw(fx, t + 5, "cpu", 10);
        add_raw(fx, t + 35, "cpu", 30);
        add_raw(fx, t + 5, "memory", 50);
    }
    int64_t now = t0 + 3 * day;
    assert_true(metrics_maintain(fx->st, now, &r) > 0);
    /* raw: only the last day is left */
    char cut[32], q1[256];
    util_iso8601(now - day, cut, sizeof cut);
    snprintf(q1, sizeof q1, "SELECT count(*) FROM metric_sample WHERE resolution = 0 AND ts < '%s'",
             cut);
    assert_int_equal(q(fx, q1), 0);
    assert_int_equal(q(fx, "SELECT count(*) FROM metric_sample WHERE resolution = 0 AND "
                           "name = 'cpu'"), 2 * 144);
    /* minutes: the last two days, each the average of its samples */
    assert_int_equal(q(fx, "SELECT count(*) FROM metric_sample WHERE resolution = 60 AND "
                           "name = 'cpu'"), 2 * 144);
    assert_true(qd(fx, "SELECT min(value) FROM metric_sample WHERE resolution = 60 AND "
                       "name = 'cpu'") == 20);
    assert_true(qd(fx, "SELECT max(value) FROM metric_sample WHERE resolution = 60 AND "
                       "name = 'cpu'") == 20);
    assert_int_equal(q(fx, "SELECT count(*) FROM metric_sample WHERE resolution = 60 AND "
                           "substr(ts, 18, 2) <> '00'"), 0);          /* on the minute */
    util_iso8601(now - 2 * day, cut, sizeof cut);
    snprintf(q1, sizeof q1, "SELECT count(*) FROM metric_sample WHERE resolution = 60 AND "
                            "ts < '%s'", cut);
    assert_int_equal(q(fx, q1), 0);
    /* again at the same time: nothing to do, nothing doubled */
    int64_t before = q(fx, "SELECT count(*) FROM metric_sample");
    assert_int_equal(metrics_maintain(fx->st, now, &r), 0);
    assert_int_equal(q(fx, "SELECT count(*) FROM metric_sample"), before);
    /* later samples: only the new minutes are averaged; the current
     * minute waits until it is complete */
    add_raw(fx, now + 10, "cpu", 70);
    add_raw(fx, now + 70, "cpu", 90);
    add_raw(fx, now + 75, "cpu", 100);
    assert_int_equal(metrics_maintain(fx->st, now + 90, &r) >= 1, 1);
    char ts[32], q2[256];
    util_iso8601(now, ts, sizeof ts);
    snprintf(q2, sizeof q2, "SELECT value FROM metric_sample WHERE resolution = 60 AND "
                            "name = 'cpu' AND ts = '%s'", ts);
    assert_true(qd(fx, q2) == 70);
    util_iso8601(now + 60, ts, sizeof ts);
    snprintf(q2, sizeof q2, "SELECT count(*) FROM metric_sample WHERE resolution = 60 AND "
                            "ts = '%s'", ts);
    assert_int_equal(q(fx, q2), 0);                  /* not complete yet */
    assert_int_equal(metrics_maintain(fx->st, now + 125, &r) >= 1, 1);
    snprintf(q2, sizeof q2, "SELECT value FROM metric_sample WHERE resolution = 60 AND "
                            "name = 'cpu' AND ts = '%s'", ts);
    assert_true(qd(fx, q2) == 95);
}

static void test_raw_kept_until_rolled(void **state)
{
    Fx *fx = *state;
    /* a collector that was down for a week comes back: its old raw rows
     * are averaged before they go */
    MetricsRetention r = {.raw_s = 3600, .minute_s = 30 * 86400};
    int64_t t0 = 1700000000 - 1700000000 % 60;
    add_raw(fx, t0 + 1, "cpu", 42);
    assert_int_equal(metrics_maintain(fx->st, t0 + 7 * 86400, &r), 2);   /* 1 in, 1 out */
    assert_int_equal(q(fx, "SELECT count(*) FROM metric_sample WHERE resolution = 0"), 0);
    assert_true(qd(fx, "SELECT value FROM metric_sample WHERE resolution = 60") == 42);
    /* minute_s = 0: no averages kept at all */
    MetricsRetention none = {.raw_s = 3600, .minute_s = 0};
    add_raw(fx, t0 + 7 * 86400 + 1, "cpu", 1);
    assert_true(metrics_maintain(fx->st, t0 + 7 * 86400 + 120, &none) >= 1);
    assert_int_equal(q(fx, "SELECT count(*) FROM metric_sample WHERE resolution = 60"), 0);
}

static void test_repo_reads(void **state)
{
    Fx *fx = *state;
    int64_t t0 = 1700000000;
    for (int i = 0; i < 12; i++) {
        add_raw(fx, t0 + i, "cpu", i);
        add_raw(fx, t0 + i, "memory", 100 - i);
    }
    double avg;
    assert_int_equal(metric_repo_avg_recent(fx->st, "cpu", 10, &avg), 10);
    assert_true(fabs(avg - 6.5) < 1e-9);            /* 2..11 */
    assert_int_equal(metric_repo_avg_recent(fx->st, "swap", 10, &avg), 0);
    assert_true(avg == 0);
    int64_t ts;
    assert_int_equal(metric_repo_nth_newest(fx->st, 3, &ts), 1);
    assert_int_equal(ts, t0 + 9);
    assert_int_equal(metric_repo_nth_newest(fx->st, 13, &ts), 0);
    assert_int_equal(metric_repo_bound(fx->st, METRIC_RES_RAW, 0), t0);
    assert_int_equal(metric_repo_bound(fx->st, METRIC_RES_RAW, 1), t0 + 11);
    assert_int_equal(metric_repo_bound(fx->st, METRIC_RES_MINUTE, 1), 0);
}

/* The stored history the console's Metrics pane shows (issue 11 item 8):
 * minute averages before the oldest raw sample, raw after; the scalar
 * metrics averaged into equal buckets; empty buckets left out; per-core
 * rows ignored; rows outside [from, to) not counted. */
static void test_history_series(void **state)
{
    Fx *fx = *state;
    int64_t t0 = 1700000000 - 1700000000 % 3600;      /* an hour boundary */
    /* minute averages over the first 30 minutes, raw every 10 s after */
    for (int m = 0; m < 30; m++) {
        assert_int_equal(metric_repo_insert(fx->st, t0 + m * 60, "cpu", 10, METRIC_RES_MINUTE), 0);
        assert_int_equal(metric_repo_insert(fx->st, t0 + m * 60, "cpu0", 99, METRIC_RES_MINUTE),
                         0);
    }
    for (int64_t t = t0 + 1800; t < t0 + 2400; t += 10)   /* 30..40 min: raw */
        add_raw(fx, t, "cpu", 30);
    /* a raw row the minute averages also cover must not count twice */
    assert_int_equal(metric_repo_insert(fx->st, t0 + 1800, "memory", 50, METRIC_RES_MINUTE), 0);
    MetricSeries *s = calloc(1, sizeof *s);
    assert_int_equal(metrics_history_series(fx->st, t0, t0 + 3600, 6, s), 0);
    /* buckets of 10 min: 0-2 minute rows (10), 3 raw (30), 4-5 empty */
    assert_int_equal(s->n, 4);
    for (int b = 0; b < 3; b++) {
        assert_int_equal(s->at[b], t0 + b * 600);
        assert_true(fabs(s->v[MET_CPU][b] - 10) < 1e-9);
    }
    assert_int_equal(s->at[3], t0 + 1800);
    assert_true(fabs(s->v[MET_CPU][3] - 30) < 1e-9);
    assert_true(s->v[MET_MEMORY][3] == 0);            /* the minute row after raw began */
    assert_int_equal(s->minute_rows, 30);
    assert_int_equal(s->raw_rows, 60);
    assert_int_equal(s->last, t0 + 2390);
    /* a range that holds nothing; a bad range; the bucket cap */
    assert_int_equal(metrics_history_series(fx->st, t0 + 7200, t0 + 9000, 6, s), 0);
    assert_int_equal(s->n, 0);
    assert_int_equal(s->last, 0);
    assert_int_equal(metrics_history_series(fx->st, t0 + 10, t0, 6, s), 0);
    assert_int_equal(s->n, 0);
    assert_int_equal(metrics_history_series(fx->st, t0, t0 + 3600, 100000, s), 0);
    assert_true(s->n <= METRIC_SERIES_MAX);
    assert_int_equal(s->minute_rows + s->raw_rows, 90);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_threshold_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_thresholds, setup, teardown),
        cmocka_unit_test(test_parse_number),
        cmocka_unit_test_setup_teardown(test_user_thresholds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ingest_alerts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_alert_names_the_mount, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollup_and_retention, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raw_kept_until_rolled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repo_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history_series, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
