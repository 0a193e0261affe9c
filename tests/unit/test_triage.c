/* test_triage — issue 12: seed 003's triage S0 rules (domain/triage.h),
 * table-driven: severity bases, recency, neighbours' verdicts (TP raises,
 * FP lowers, confidence, age decay), routing at the threshold; the
 * grouping window; and the pipeline on a real SQLite file
 * (domain/secalerts.h): ingest, process, near-duplicates grouped under
 * the first alert, a verdict lowering the next similar alert, thresholds
 * validated and audited. */
#include "domain/secalerts.h"
#include "domain/triage.h"
#include "store/audit_repo.h"
#include "store/store.h"
#include "util.h"

#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define _XOPEN_SOURCE_EXTENDED 1
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#define DAY 86400
#define NB(score, verdict, conf, age) {(score), (verdict), (conf), (age), 0, 0}

typedef struct Case {
    const char     *name;
    int             severity_id;
    int             n;
    TriageNeighbour nb[5];
    int64_t         event_age_s;
    int             threshold;
    int             want_s0;
    const char     *want_route;
} Case;

static const Case cases[] = {
    {"high, no neighbours, fresh: the base (85), verdict at 79", 4, 0, {NB(0, TRIAGE_NONE, 0, 0)}, 0, 79, 85,
     "verdict"},
    {"critical: 95", 5, 0, {NB(0, TRIAGE_NONE, 0, 0)}, 60, 79, 95, "verdict"},
    {"medium: 60, routed to ml", 3, 0, {NB(0, TRIAGE_NONE, 0, 0)}, 0, 79, 60, "ml"},
    {"unknown severity id: 30", 0, 0, {NB(0, TRIAGE_NONE, 0, 0)}, 0, 79, 30, "ml"},
    {"info: 20", 1, 0, {NB(0, TRIAGE_NONE, 0, 0)}, 0, 79, 20, "ml"},
    {"fatal: 100", 6, 0, {NB(0, TRIAGE_NONE, 0, 0)}, 0, 79, 100, "verdict"},
    {"out of range severity id: as unknown", 9, 0, {NB(0, TRIAGE_NONE, 0, 0)}, 0, 79, 30, "ml"},
    {"similar neighbours without verdicts change nothing", 4, 2,
     {NB(0.9, TRIAGE_NONE, 0, 10), NB(0.8, TRIAGE_NONE, 0, 10)}, 0, 79, 85, "verdict"},
    {"one identical past TP of full confidence: +30", 3, 1, {NB(1.0, TRIAGE_TP, 1.0, 0)}, 0,
     79, 90, "verdict"},
    {"one identical past FP of full confidence: -30", 4, 1, {NB(1.0, TRIAGE_FP, 1.0, 0)}, 0,
     79, 55, "ml"},
    {"ESCALATE counts as TP", 3, 1, {NB(1.0, TRIAGE_ESCALATE, 1.0, 0)}, 0, 79, 90, "verdict"},
    {"half the confidence, half the push", 4, 1, {NB(1.0, TRIAGE_FP, 0.5, 0)}, 0, 79, 70, "ml"},
    {"weighted by similarity: 0.5 similar FP is -15", 4, 1, {NB(0.5, TRIAGE_FP, 1.0, 0)}, 0,
     79, 70, "ml"},
    {"a TP and an FP of equal weight cancel out", 4, 2,
     {NB(0.9, TRIAGE_TP, 1.0, 0), NB(0.9, TRIAGE_FP, 1.0, 0)}, 0, 79, 85, "verdict"},
    {"averaged over the k neighbours: 1 FP in 4", 4, 4,
     {NB(1.0, TRIAGE_FP, 1.0, 0), NB(1.0, TRIAGE_NONE, 0, 0), NB(1.0, TRIAGE_NONE, 0, 0),
      NB(1.0, TRIAGE_NONE, 0, 0)}, 0, 79, 78, "ml"},
    {"a 30-day-old verdict weighs half", 3, 1, {NB(1.0, TRIAGE_TP, 1.0, 30 * DAY)}, 0, 79, 75,
     "ml"},
    {"negative similarity counts as none", 4, 1, {NB(-0.7, TRIAGE_FP, 1.0, 0)}, 0, 79, 85,
     "verdict"},
    {"confidence above 1 is capped", 3, 1, {NB(1.0, TRIAGE_TP, 7.0, 0)}, 0, 79, 90, "verdict"},
    {"recency: a day old is still 1.0", 4, 0, {NB(0, TRIAGE_NONE, 0, 0)}, DAY, 79, 85, "verdict"},
    {"recency: 30 days old: x0.8", 4, 0, {NB(0, TRIAGE_NONE, 0, 0)}, 30 * DAY, 79, 68, "ml"},
    {"recency: a year old: x0.8 floor", 5, 0, {NB(0, TRIAGE_NONE, 0, 0)}, 365 * DAY, 79, 76, "ml"},
    {"a future event time counts as fresh", 4, 0, {NB(0, TRIAGE_NONE, 0, 0)}, -3600, 79, 85, "verdict"},
    {"clamped at 100", 6, 1, {NB(1.0, TRIAGE_TP, 1.0, 0)}, 0, 79, 100, "verdict"},
    {"clamped at 0", 1, 1, {NB(1.0, TRIAGE_FP, 1.0, 0)}, 0, 79, 0, "ml"},
    {"exactly at the threshold routes verdict", 3, 0, {NB(0, TRIAGE_NONE, 0, 0)}, 0, 60, 60, "verdict"},
    {"one below the threshold routes ml", 3, 0, {NB(0, TRIAGE_NONE, 0, 0)}, 0, 61, 60, "ml"},
};

static void test_score_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const Case *c = &cases[i];
        TriageResult r;
        triage_score(c->severity_id, c->nb, c->n, c->event_age_s, c->threshold, &r);
        if (r.s0 != c->want_s0 || strcmp(r.route, c->want_route) != 0)
            fail_msg("%s: s0 %d route %s, want %d %s", c->name, r.s0, r.route, c->want_s0,
                     c->want_route);
        assert_int_equal(r.s1, r.s0);
    }
}

static void test_reason_parts(void **state)
{
    (void)state;
    TriageNeighbour nb[] = {NB(0.8, TRIAGE_TP, 1.0, 0), NB(0.6, TRIAGE_FP, 0.5, 0),
                            NB(0.4, TRIAGE_NONE, 0, 0)};
    TriageResult r;
    triage_score(4, nb, 3, 0, 79, &r);
    assert_int_equal(r.severity_base, 85);
    assert_true(r.similarity_mean > 0.599 && r.similarity_mean < 0.601);
    assert_int_equal(r.tp_neighbours, 1);
    assert_int_equal(r.fp_neighbours, 1);
    /* (0.8 - 0.3) / 3 * 30 = 5 */
    assert_true(r.verdict_adjust > 4.99 && r.verdict_adjust < 5.01);
    assert_int_equal(r.s0, 90);
    assert_true(triage_recency(0) == 1.0);
    assert_true(triage_recency(15 * DAY + DAY / 2) < 1.0 && triage_recency(15 * DAY) > 0.8);
    assert_int_equal(triage_verdict_parse("TP"), TRIAGE_TP);
    assert_int_equal(triage_verdict_parse("tp"), TRIAGE_NONE);
    assert_int_equal(triage_verdict_parse(NULL), TRIAGE_NONE);
}

typedef struct GroupCase {
    const char     *name;
    int             n;
    TriageNeighbour nb[4];
    double          sim;
    int64_t         window;
    int64_t         want;
    int             want_which;
} GroupCase;

#define G(score, age, seq, group_of) {(score), TRIAGE_NONE, 0, (age), (seq), (group_of)}

static const GroupCase groups[] = {
    {"no neighbours: no group", 0, {G(0, 0, 0, 0)}, 0.97, 600, 0, -1},
    {"similar enough, inside the window: its group is the neighbour", 1, {G(0.99, 30, 7, 0)},
     0.97, 600, 7, 0},
    {"the neighbour is itself grouped: join its head", 1, {G(0.99, 30, 9, 7)}, 0.97, 600, 7, 0},
    {"at exactly the similarity level: grouped", 1, {G(0.97, 30, 7, 0)}, 0.97, 600, 7, 0},
    {"just below the level: not grouped", 1, {G(0.9699, 30, 7, 0)}, 0.97, 600, 0, -1},
    {"at exactly the window's edge: grouped", 1, {G(1.0, 600, 7, 0)}, 0.97, 600, 7, 0},
    {"one second past the window: not grouped", 1, {G(1.0, 601, 7, 0)}, 0.97, 600, 0, -1},
    {"window 0: only the same second groups", 2, {G(1.0, 1, 7, 0), G(1.0, 0, 8, 0)}, 0.97, 0,
     8, 1},
    {"the best score in the window wins", 3,
     {G(0.98, 10, 5, 0), G(0.995, 20, 6, 0), G(0.999, 900, 4, 0)}, 0.97, 600, 6, 1},
};

static void test_group_window(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
        const GroupCase *g = &groups[i];
        int which = -2;
        int64_t got = triage_group(g->nb, g->n, g->sim, g->window, &which);
        if (got != g->want || which != g->want_which)
            fail_msg("%s: group %lld (neighbour %d), want %lld (%d)", g->name, (long long)got,
                     which, (long long)g->want, g->want_which);
    }
}

/* ---- the pipeline on a real database ---------------------------------- */

typedef struct Fx {
    char   dir[64];
    char   path[PATH_MAX];
    Store *st;
} Fx;

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static int setup(void **state)
{
    Fx *fx = calloc(1, sizeof *fx);
    strcpy(fx->dir, "/tmp/resops-triage-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof fx->path, "%s/t.db", fx->dir);
    char err[256];
    assert_int_equal(store_open(fx->path, &fx->st, err, sizeof err), 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    Fx *fx = *state;
    store_close(fx->st);
    nftw(fx->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(fx);
    return 0;
}

static void ingest(Store *st, const char *id, const char *payload)
{
    SecIngest in = {.id = id, .source = "raw", .raw = payload, .raw_len = strlen(payload)};
    SecIngested out;
    char err[256];
    int rc = secalerts_ingest(st, &in, &out, err, sizeof err);
    if (rc != 0)
        fail_msg("ingest %s: %d %s", id, rc, err);
    assert_string_equal(out.id, id);
}

static SecAlert get(Store *st, const char *id)
{
    SecAlert a;
    assert_int_equal(secalerts_get(st, id, &a), 0);
    return a;
}

#define SSH "{\"message\": \"Failed SSH login for root from 203.0.113.9\", \"severity\": \"high\"}"
#define DISK "{\"message\": \"Disk quota exceeded on volume backup\", \"severity\": \"high\"}"

static void test_pipeline(void **state)
{
    Fx *fx = *state;
    Store *st = fx->st;
    char err[256];
    ingest(st, "ssh-1", SSH);
    ingest(st, "ssh-2", SSH);            /* a near-duplicate within the window */
    ingest(st, "disk-1", DISK);
    SecIngest dup = {.id = "ssh-1", .raw = SSH, .raw_len = strlen(SSH)};
    SecIngested out;
    assert_int_equal(secalerts_ingest(st, &dup, &out, err, sizeof err), -EEXIST);
    assert_string_equal(err, "Alert 'ssh-1' already exists");
    SecIngest bad = {.id = "a/b", .raw = SSH, .raw_len = strlen(SSH)};
    assert_int_equal(secalerts_ingest(st, &bad, &out, err, sizeof err), -EINVAL);
    SecIngest anon = {.raw = DISK, .raw_len = strlen(DISK)};
    assert_int_equal(secalerts_ingest(st, &anon, &out, err, sizeof err), 0);
    assert_memory_equal(out.id, "sec-", 4);
    assert_int_equal(strlen(out.id), 20);

    assert_int_equal(secalerts_process(st, 100, util_now()), 4);
    assert_int_equal(secalerts_process(st, 100, util_now()), 0);

    SecAlert a = get(st, "ssh-1"), b = get(st, "ssh-2"), d = get(st, "disk-1");
    assert_string_equal(a.stage, "triaged");
    assert_int_equal(a.severity_id, 4);
    assert_int_equal(a.s0, 85);
    assert_string_equal(a.route, "verdict");
    assert_int_equal(a.group_of, 0);
    assert_int_equal(a.group_count, 1);        /* ssh-2 joined it */
    assert_int_equal(b.group_of, a.seq);
    assert_non_null(strstr(b.reason, "\"grouped_under\":\"ssh-1\""));
    assert_int_equal(d.group_of, 0);
    assert_int_equal(d.group_count, 1);        /* the anonymous DISK alert joined it */
    assert_non_null(strstr(a.normalized, "\"normalized\":{"));
    secalerts_free(&a);
    secalerts_free(&b);
    secalerts_free(&d);

    /* heads only hides the duplicate; the list is newest first */
    SecAlert *v;
    int n;
    int64_t total;
    SecFilter f = {.min_severity_id = -1, .heads_only = 1};
    assert_int_equal(secalerts_list(st, &f, &v, &n, &total), 2);
    assert_int_equal(total, 2);
    assert_string_equal(v[1].id, "ssh-1");
    assert_string_equal(v[0].id, "disk-1");
    secalerts_free_list(v, n);

    /* an FP verdict on ssh-1 lowers a later similar alert (outside the
     * group window, so it is triaged on its own) */
    assert_int_equal(secalerts_verdict(st, "ssh-1", "FP", 1.0, "lab scanner", "alice",
                                       util_now(), err, sizeof err), 0);
    a = get(st, "ssh-1");
    assert_int_equal(audit_repo_count(st, "Security Verdict", a.seq), 1);
    assert_string_equal(a.verdict, "FP");
    secalerts_free(&a);
    assert_int_equal(secalerts_verdict(st, "ssh-1", "MAYBE", 1.0, NULL, "alice", util_now(),
                                       err, sizeof err), -EINVAL);
    assert_int_equal(secalerts_verdict(st, "ssh-1", "TP", 1.5, NULL, "alice", util_now(), err,
                                       sizeof err), -EINVAL);
    assert_int_equal(secalerts_verdict(st, "nope", "TP", 0.5, NULL, "alice", util_now(), err,
                                       sizeof err), -ENOENT);
    SecThresholds th;
    assert_int_equal(secalerts_thresholds_patch(st, "{\"group_window_s\": 0}", "admin",
                                                util_now(), &th, err, sizeof err), 0);
    assert_int_equal(th.group_window_s, 0);
    assert_int_equal(th.triage_threshold, 79);
    ingest(st, "ssh-3", SSH);
    SecTriage t;
    assert_int_equal(secalerts_triage_now(st, "ssh-3", NULL, "alice", util_now() + 5, &t,
                                          err, sizeof err), 0);
    assert_true(t.s0 < 85);
    assert_string_equal(t.route, "ml");
    assert_non_null(strstr(t.reason, "\"fp_neighbours\":1"));
    free(t.reason);
    SecVerdict *vs;
    assert_int_equal(secalerts_verdicts(st, "ssh-1", &vs, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(vs[0].classification, "FP");
    assert_string_equal(vs[0].actor, "alice");
    secalerts_verdicts_free(vs, n);
}

static void test_thresholds_patch(void **state)
{
    Fx *fx = *state;
    char err[256];
    SecThresholds th;
    assert_int_equal(secalerts_thresholds(fx->st, &th), 0);
    assert_int_equal(th.triage_threshold, 79);
    assert_int_equal(th.escalation_threshold, 90);
    assert_int_equal(th.k, 5);
    static const char *const bad[] = {
        "{\"triage_threshold\": 101}", "{\"triage_threshold\": 50.5}", "{\"k\": 0}",
        "{\"k\": 51}", "{\"group_similarity\": 1.2}", "{\"group_window_s\": -1}",
        "{\"colour\": 1}", "[]", "{\"escalation_threshold\": \"90\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (secalerts_thresholds_patch(fx->st, bad[i], "admin", 1, &th, err, sizeof err) !=
            -EINVAL)
            fail_msg("%s accepted", bad[i]);
    assert_int_equal(secalerts_thresholds_patch(fx->st,
                                                "{\"triage_threshold\": 70, \"k\": 10, "
                                                "\"group_similarity\": 0.5}",
                                                "admin", 1, &th, err, sizeof err),
                     0);
    assert_int_equal(secalerts_thresholds(fx->st, &th), 0);
    assert_int_equal(th.triage_threshold, 70);
    assert_int_equal(th.escalation_threshold, 90);
    assert_int_equal(th.k, 10);
    assert_true(th.group_similarity == 0.5);
    assert_int_equal(audit_repo_count(fx->st, "Security Thresholds Updated", 0), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_score_table),
        cmocka_unit_test(test_reason_parts),
        cmocka_unit_test(test_group_window),
        cmocka_unit_test_setup_teardown(test_pipeline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thresholds_patch, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
