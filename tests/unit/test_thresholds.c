/* test_thresholds — the pure threshold rules (src/domain/thresholds.c),
 * table-driven: each case feeds a value sequence to one threshold and
 * names the edge every sample must cause ('.' none, 'F' fire, 'C' clear).
 *
 * The rules (seed 004 + design.md "Metrics"): an alert fires only after
 * N consecutive samples strictly over the threshold; it clears only after
 * M consecutive samples under threshold * (1 - hysteresis%); 0 is off. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "domain/thresholds.h"

#define X NAN   /* a missing sample */

typedef struct Case {
    const char *rule;
    double      threshold;
    int         n, m;          /* fire_after, clear_after */
    double      hyst;          /* percent */
    double      v[16];
    int         nv;
    const char *edges;
} Case;

static const Case cases[] = {
    {"fires only after N consecutive samples over", 80, 3, 3, 5,
     {85, 85, 85}, 3, "..F"},
    {"a sample under the threshold restarts the count", 80, 3, 3, 5,
     {85, 85, 79, 85, 85, 85}, 6, ".....F"},
    {"equal to the threshold is not over", 80, 3, 3, 5,
     {80, 80, 80, 80}, 4, "...."},
    {"clears only after M samples under the clear level", 80, 3, 3, 5,
     {90, 90, 90, 70, 70, 70}, 6, "..F..C"},
    {"between the clear level (76) and the threshold never clears", 80, 3, 3, 5,
     {90, 90, 90, 78, 78, 78, 78, 78}, 8, "..F....."},
    {"exactly the clear level is not under it", 80, 1, 1, 5,
     {90, 76, 75.9}, 3, "F.C"},
    {"the hysteresis band restarts the clear count", 80, 1, 3, 5,
     {90, 70, 70, 77, 70, 70, 70}, 7, "F.....C"},
    {"over again while firing does not fire twice", 80, 1, 1, 5,
     {90, 95, 99, 100}, 4, "F..."},
    {"a value flapping around the threshold never fires", 80, 3, 3, 5,
     {81, 79, 81, 79, 81, 79, 81, 79}, 8, "........"},
    {"a value flapping across the threshold while firing never clears", 80, 1, 2, 5,
     {90, 75, 81, 75, 81, 75, 81}, 7, "F......"},
    {"N = 1 fires at the first sample over", 80, 1, 1, 5,
     {81}, 1, "F"},
    {"N < 1 counts as 1", 80, 0, 0, 5,
     {81, 10}, 2, "FC"},
    {"fire, clear, fire again", 80, 2, 2, 5,
     {90, 90, 10, 10, 90, 90}, 6, ".F.C.F"},
    {"a missing sample changes nothing", 80, 3, 3, 5,
     {85, 85, X, 85}, 4, "...F"},
    {"a missing sample does not clear", 80, 1, 2, 5,
     {90, 10, X, 10}, 4, "F..C"},
    {"hysteresis 0: clears under the threshold itself", 80, 1, 1, 0,
     {90, 79.9}, 2, "FC"},
    {"threshold 0 is off: nothing fires", 0, 1, 1, 5,
     {100, 100, 100}, 3, "..."},
    {"load: an absolute threshold (clear under 3.8)", 4, 3, 3, 5,
     {5, 5, 5, 3.9, 3.7, 3.7, 3.7}, 7, "..F...C"},
    {"memory at the seed's default 75", 75, 3, 3, 5,
     {76, 76, 76, 71, 71, 71}, 6, "..F..C"},
};

/* One case of the table: cmocka runs each as its own test named after its
 * rule (main builds the list), so one failure does not hide the others. */
static void test_case(void **state)
{
    const Case *c = *state;
    ThresholdPolicy p = {.fire_after = c->n, .clear_after = c->m, .hysteresis_pct = c->hyst};
    ThresholdState s = {0};
    char got[17] = {0};
    for (int k = 0; k < c->nv; k++) {
        ThresholdEdge e = threshold_step(&s, c->threshold, &p, c->v[k]);
        got[k] = e == THRESH_FIRE ? 'F' : e == THRESH_CLEAR ? 'C' : '.';
    }
    if (strcmp(got, c->edges) != 0)
        fail_msg("%s: edges %s, want %s", c->rule, got, c->edges);
}

static void test_turned_off_while_firing(void **state)
{
    (void)state;
    ThresholdPolicy p = {.fire_after = 1, .clear_after = 3, .hysteresis_pct = 5};
    ThresholdState s = {0};
    assert_int_equal(threshold_step(&s, 80, &p, 90), THRESH_FIRE);
    /* turned off: clears at once, whatever the value */
    assert_int_equal(threshold_step(&s, 0, &p, 99), THRESH_CLEAR);
    assert_false(s.firing);
    assert_int_equal(threshold_step(&s, 0, &p, 99), THRESH_STEADY);
    /* raised while firing: clears by the new level's rules */
    assert_int_equal(threshold_step(&s, 80, &p, 90), THRESH_FIRE);
    assert_int_equal(threshold_step(&s, 95, &p, 90), THRESH_STEADY);   /* 90 < 90.25 */
    assert_int_equal(threshold_step(&s, 95, &p, 90), THRESH_STEADY);
    assert_int_equal(threshold_step(&s, 95, &p, 90), THRESH_CLEAR);
}

static void test_clear_level(void **state)
{
    (void)state;
    ThresholdPolicy p = {.hysteresis_pct = 5};
    assert_true(fabs(threshold_clear_level(80, &p) - 76) < 1e-9);
    p.hysteresis_pct = 0;
    assert_true(threshold_clear_level(80, &p) == 80);
    p.hysteresis_pct = -3;           /* nonsense counts as none */
    assert_true(threshold_clear_level(80, &p) == 80);
    p.hysteresis_pct = 500;          /* capped at 100 % */
    assert_true(threshold_clear_level(80, &p) == 0);
}

static void test_names(void **state)
{
    (void)state;
    static const struct { const char *in; int ok; ThresholdId id; } names[] = {
        {"cpu", 1, THRESH_CPU},          {"CPU", 1, THRESH_CPU},
        {"cpu_threshold", 1, THRESH_CPU}, {"memory", 1, THRESH_MEMORY},
        {"mem", 1, THRESH_MEMORY},       {"memory_threshold", 1, THRESH_MEMORY},
        {"swap", 1, THRESH_SWAP},        {"disk", 1, THRESH_DISK},
        {"fs", 1, THRESH_DISK},          {"load", 1, THRESH_LOAD},
        {"load1", 1, THRESH_LOAD},       {"load_threshold", 1, THRESH_LOAD},
        {"gpu", 0, 0},                   {"", 0, 0},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        ThresholdId id = THRESH_COUNT;
        int r = threshold_parse(names[i].in, &id);
        if ((r == 0) != names[i].ok || (names[i].ok && id != names[i].id))
            fail_msg("threshold_parse(%s)", names[i].in);
    }
    assert_int_equal(threshold_parse(NULL, &(ThresholdId){0}), -EINVAL);
    /* seed 004's defaults, then ours */
    assert_true(threshold_default(THRESH_CPU) == 80);
    assert_true(threshold_default(THRESH_MEMORY) == 75);
    assert_true(threshold_default(THRESH_SWAP) == 80);
    assert_true(threshold_default(THRESH_DISK) == 90);
    assert_true(threshold_default(THRESH_LOAD) == 0);
    assert_string_equal(threshold_key(THRESH_MEMORY), "memory_threshold");
    assert_string_equal(threshold_name(THRESH_DISK), "disk");
}

static void test_validate(void **state)
{
    (void)state;
    static const struct { ThresholdId id; double v; int ok; } vals[] = {
        {THRESH_CPU, 0, 1},      {THRESH_CPU, 85.5, 1},   {THRESH_CPU, 100, 1},
        {THRESH_CPU, 100.01, 0}, {THRESH_CPU, -1, 0},     {THRESH_MEMORY, 101, 0},
        {THRESH_LOAD, 64, 1},    {THRESH_LOAD, 1000000, 1}, {THRESH_LOAD, 1e7, 0},
        {THRESH_CPU, NAN, 0},    {THRESH_CPU, INFINITY, 0}, {THRESH_LOAD, -0.5, 0},
    };
    char err[128];
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        int r = threshold_validate(vals[i].id, vals[i].v, err, sizeof err);
        if ((r == 0) != vals[i].ok)
            fail_msg("validate %s %g", threshold_key(vals[i].id), vals[i].v);
    }
    assert_int_equal(threshold_validate(THRESH_CPU, 101, err, sizeof err), -EINVAL);
    assert_string_equal(err, "cpu_threshold must be a number from 0 (off) to 100");
}

#define NCASES (sizeof cases / sizeof cases[0])

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_turned_off_while_firing),
        cmocka_unit_test(test_clear_level),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_validate),
    };
    struct CMUnitTest tests[NCASES + sizeof fixed / sizeof fixed[0]];
    size_t n = 0;
    for (size_t i = 0; i < NCASES; i++)
        tests[n++] = (struct CMUnitTest){.name = cases[i].rule, .test_func = test_case,
                                         .initial_state = (void *)&cases[i]};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        tests[n++] = fixed[i];
    return _cmocka_run_group_tests("test_thresholds", tests, n, NULL, NULL);
}
