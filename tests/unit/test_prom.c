/* test_prom — issue 12 item 8: the pieces of the Prometheus exposition.
 * The histogram's buckets (upper bounds inclusive, as Prometheus's "le"),
 * its text (cumulative buckets, _count = +Inf), label escaping, the
 * lock-free per-route counters under concurrent threads (one line per
 * code, nothing lost), the slot of an unmatched request, and the database
 * counts of prom_repo on a real SQLite file. */
#include "api/prom.h"
#include "api/router.h"
#include "store/db.h"
#include "store/prom_repo.h"
#include "store/store.h"
#include "counters.h"
#include "util.h"

#include <limits.h>
#include <pthread.h>
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* The value of the exposition line that starts with prefix (-1: none). */
static long long value_of(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, prefix, n) == 0 && p[n] == ' ')
            return atoll(p + n + 1);
    return -1;
}

static int count_lines(const char *text, const char *prefix)
{
    int n = 0;
    size_t len = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        n += strncmp(p, prefix, len) == 0;
    return n;
}

static void hist_buckets(void **state)
{
    (void)state;
    static const struct {
        int64_t ns;
        int     bucket;     /* index in Hist.bucket */
    } rows[] = {
        {-5, 0}, {0, 0}, {1000000, 0},               /* le="0.001" includes 1 ms */
        {1000001, 1}, {2500000, 1}, {7000000, 3},
        {10000000000, 12}, {10000000001, 13},        /* over 10 s: +Inf only */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        Hist h = {0}, r;
        hist_observe(&h, rows[i].ns);
        hist_read(&h, &r);
        for (int b = 0; b <= HIST_BOUNDS; b++)
            assert_int_equal(r.bucket[b], b == rows[i].bucket);
        assert_int_equal(hist_count(&r), 1);
    }
}

static void hist_text(void **state)
{
    (void)state;
    Hist h = {0};
    hist_observe(&h, 500000);          /* 0.5 ms */
    hist_observe(&h, 3000000);         /* 3 ms */
    hist_observe(&h, 3000000);
    hist_observe(&h, 20000000000);     /* 20 s */
    StrBuf b = {0};
    prom_hist(&b, "x_seconds", "route=\"/a\"", &h);
    assert_int_equal(value_of(b.s, "x_seconds_bucket{route=\"/a\",le=\"0.001\"}"), 1);
    assert_int_equal(value_of(b.s, "x_seconds_bucket{route=\"/a\",le=\"0.0025\"}"), 1);
    assert_int_equal(value_of(b.s, "x_seconds_bucket{route=\"/a\",le=\"0.005\"}"), 3);
    assert_int_equal(value_of(b.s, "x_seconds_bucket{route=\"/a\",le=\"10\"}"), 3);
    assert_int_equal(value_of(b.s, "x_seconds_bucket{route=\"/a\",le=\"+Inf\"}"), 4);
    assert_int_equal(value_of(b.s, "x_seconds_count{route=\"/a\"}"), 4);
    assert_non_null(strstr(b.s, "x_seconds_sum{route=\"/a\"} 20.006500000\n"));
    assert_int_equal(count_lines(b.s, "x_seconds_bucket{"), HIST_BOUNDS + 1);
    strbuf_free(&b);
    Hist none = {0};
    prom_hist(&b, "y", "", &none);     /* no labels: no braces on _sum/_count */
    assert_non_null(strstr(b.s, "y_bucket{le=\"+Inf\"} 0\ny_sum 0.000000000\ny_count 0\n"));
    strbuf_free(&b);
}

static void escaping(void **state)
{
    (void)state;
    char out[64];
    prom_escape("a\"b\\c\nd", out, sizeof out);
    assert_string_equal(out, "a\\\"b\\\\c\\nd");
    prom_escape("0123456789", out, 6);  /* truncated, terminated */
    assert_true(strlen(out) < 6);
}

typedef struct Worker {
    const ApiRoute *r;
    int             n;
} Worker;

static void *worker(void *arg)
{
    Worker *w = arg;
    for (int i = 0; i < w->n; i++)
        prom_observe(w->r, "GET", i % 3 == 0 ? 404 : 200, 2000000);
    return NULL;
}

/* 4 threads on one route: every request counted once, each code on one
 * line, the histogram's count the same total. */
static void concurrent_routes(void **state)
{
    (void)state;
    size_t n;
    const ApiRoute *all = api_routes(&n);
    assert_true(n <= PROM_MAX_ROUTES);
    int64_t id;
    int known;
    char allow[64];
    const ApiRoute *r = api_route_match("GET", "/api/alerts/sla_breaches", &id, &known, allow,
                                        sizeof allow);
    assert_non_null(r);
    assert_true(r >= all && r < all + n);
    enum { THREADS = 4, EACH = 30000 };
    pthread_t t[THREADS];
    Worker w = {.r = r, .n = EACH};
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker, &w), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    prom_observe(NULL, "BREW", 405, 1000);      /* an unknown method: slot OTHER */
    StrBuf b = {0};
    prom_write_http(&b);
    const char *base = "resops_http_requests_total{route=\"/api/alerts/sla_breaches\",method=\"GET\",";
    char k200[200], k404[200];
    snprintf(k200, sizeof k200, "%scode=\"200\"}", base);
    snprintf(k404, sizeof k404, "%scode=\"404\"}", base);
    assert_int_equal(value_of(b.s, k404), THREADS * (EACH / 3));
    assert_int_equal(value_of(b.s, k200), THREADS * (EACH - EACH / 3));
    assert_int_equal(count_lines(b.s, base), 2);
    assert_int_equal(value_of(b.s, "resops_http_request_duration_seconds_count{route=\"/api/alerts/"
                                   "sla_breaches\",method=\"GET\"}"), THREADS * EACH);
    assert_int_equal(value_of(b.s, "resops_http_request_duration_seconds_bucket{route=\"/api/alerts/"
                                   "sla_breaches\",method=\"GET\",le=\"0.001\"}"), 0);
    assert_int_equal(value_of(b.s, "resops_http_request_duration_seconds_bucket{route=\"/api/alerts/"
                                   "sla_breaches\",method=\"GET\",le=\"0.0025\"}"), THREADS * EACH);
    assert_int_equal(value_of(b.s, "resops_http_requests_total{route=\"(unmatched)\","
                                   "method=\"OTHER\",code=\"405\"}"), 1);
    /* a route never requested has no line */
    assert_null(strstr(b.s, "route=\"/api/silences\""));
    strbuf_free(&b);
}

static void process_families(void **state)
{
    (void)state;
    StrBuf b = {0};
    prom_write_process(&b);
    assert_true(value_of(b.s, "process_resident_memory_bytes") > 0);
    assert_true(value_of(b.s, "process_open_fds") >= 3);
    assert_true(value_of(b.s, "process_threads") >= 1);
    assert_non_null(strstr(b.s, "# TYPE process_cpu_seconds_total counter\n"));
    strbuf_free(&b);
}

static void repo_counts(void **state)
{
    (void)state;
    char dir[] = "/tmp/resops-prom-XXXXXX", path[PATH_MAX], err[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/p.db", dir);
    Store *st;
    assert_int_equal(store_open(path, &st, err, sizeof err), 0);
    assert_int_equal(store_exec(st,
        "INSERT INTO alert (type, message, severity, acknowledged, resolved_at) VALUES "
        "('t','m','Critical',0,NULL), ('t','m','Critical',0,NULL), ('t','m','Critical',1,NULL),"
        "('t','m','Warning',1,'2026-01-01T00:00:00'), ('t','m','Warning',0,'2026-01-01T00:00:00');"
        "INSERT INTO sec_alert (seq, id, source, raw, received_at, stage, route, group_of, closed_at)"
        " VALUES (1,'a1','raw','{}','2026-01-01T00:00:00','triaged','verdict',NULL,NULL),"
        "(2,'a2','raw','{}','2026-01-01T00:00:00','triaged','ml',1,'2026-01-01T00:00:01'),"
        "(3,'a3','raw','{}','2026-01-01T00:00:00','received',NULL,NULL,NULL),"
        "(4,'a4','raw','{}','2026-01-01T00:00:00','failed',NULL,NULL,NULL);"
        "INSERT INTO sec_verdict (alert_seq, classification, confidence, created_at) VALUES "
        "(1,'TP',0.9,'2026-01-01T00:00:00'), (2,'FP',0.5,'2026-01-01T00:00:00'),"
        "(2,'FP',0.6,'2026-01-01T00:00:00');"
        "INSERT INTO sec_embedding (alert_seq, dimension, vector, encoder, created_at) VALUES "
        "(1, 1, x'0000803f', 'builtin-hash-v1', '2026-01-01T00:00:00');"
        "INSERT INTO sec_task (title, state, created_at, updated_at) VALUES "
        "('x','open','2026-01-01T00:00:00','2026-01-01T00:00:00');"), 0);
    PromCounts *c = xmalloc(sizeof *c);
    assert_int_equal(prom_repo_counts(st, c), 0);
    static const struct {
        const char *sev, *state;
        int64_t     n;
    } want[] = {
        {"Critical", "acknowledged", 1}, {"Critical", "open", 2}, {"Warning", "resolved", 2},
    };
    assert_int_equal(c->nalerts, 3);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(c->alerts[i].severity, want[i].sev);
        assert_string_equal(c->alerts[i].state, want[i].state);
        assert_int_equal(c->alerts[i].n, want[i].n);
    }
    assert_int_equal(c->sec_ingested, 4);
    assert_int_equal(c->sec_received, 1);
    assert_int_equal(c->verdict[0], 1);
    assert_int_equal(c->verdict[1], 2);
    assert_int_equal(c->verdict[2], 0);
    assert_int_equal(c->task[0], 1);
    assert_int_equal(c->outbox_pending, 0);
    PromScan sc;
    assert_int_equal(prom_repo_scan(st, &sc), 0);
    assert_int_equal(sc.stage[0], 1);      /* received */
    assert_int_equal(sc.stage[1], 0);
    assert_int_equal(sc.stage[2], 2);      /* triaged */
    assert_int_equal(sc.stage[3], 1);      /* failed */
    assert_int_equal(sc.route[0], 1);
    assert_int_equal(sc.route[1], 1);
    assert_int_equal(sc.grouped, 1);
    assert_int_equal(sc.closed, 1);
    assert_int_equal(sc.embeddings, 1);
    /* a piece of the scan: seq 2 and 3 only (triaged ml grouped closed,
     * received), added to what the accumulator holds */
    PromScan part = {.stage = {10}};
    assert_int_equal(prom_repo_scan_range(st, 1, 3, &part), 0);
    assert_int_equal(part.stage[0], 11);
    assert_int_equal(part.stage[2], 1);
    assert_int_equal(part.stage[3], 0);
    assert_int_equal(part.route[0], 0);
    assert_int_equal(part.route[1], 1);
    assert_int_equal(part.grouped, 1);
    assert_int_equal(part.closed, 1);
    assert_int_equal(part.embeddings, 0);
    free(c);
    store_close(st);
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hist_buckets),      cmocka_unit_test(hist_text),
        cmocka_unit_test(escaping),          cmocka_unit_test(concurrent_routes),
        cmocka_unit_test(process_families),  cmocka_unit_test(repo_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
