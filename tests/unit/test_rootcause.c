/* test_rootcause — issue 11 item 2: the root cause computation
 * (domain/rootcause.h), table-driven on small graphs: chains, diamonds,
 * several Down ancestors, Down before Degraded, cycles, unknown ids. */
#include "domain/rootcause.h"

#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include <cmocka.h>

#define MAXN 16

typedef struct Case {
    const char *name;
    int         n;
    int         impaired[MAXN];       /* by index; ids are index + 1 */
    int         nedges;
    int64_t     from[32], to[32];     /* from depends on to */
    int64_t     want_root[MAXN];      /* by index */
    int         want_dependents[MAXN];
} Case;

enum { OK = RC_OK, DG = RC_DEGRADED, DN = RC_DOWN };

static const Case cases[] = {
    {"nothing impaired: no root cause", 3, {OK, OK, OK}, 2, {2, 3}, {1, 2},
     {0, 0, 0}, {0, 0, 0}},
    {"three-level chain, root Down: mid and leaf blocked by it", 3, {DN, OK, DN}, 2, {2, 3},
     {1, 2}, {0, 1, 1}, {2, 0, 0}},
    {"chain with mid Down too: the upstream-most Down one is the root", 3, {DN, DN, DN}, 2,
     {2, 3}, {1, 2}, {0, 1, 1}, {2, 0, 0}},
    {"only mid impaired: the leaf is blocked by mid, the root by nothing", 3, {OK, DG, DN}, 2,
     {2, 3}, {1, 2}, {0, 0, 2}, {0, 1, 0}},
    {"a service is never its own root cause", 1, {DN}, 0, {0}, {0}, {0}, {0}},
    {"two roots: Down wins over Degraded", 3, {DG, DN, OK}, 2, {3, 3}, {1, 2},
     {0, 0, 2}, {0, 1, 0}},
    {"two Down roots: the farther upstream wins", 4, {DN, OK, DN, OK}, 3, {2, 4, 4},
     {1, 2, 3}, {0, 1, 0, 1}, {2, 0, 0, 0}},
    {"equal distance and status: the lower id", 3, {DN, DN, OK}, 2, {3, 3}, {2, 1},
     {0, 0, 1}, {1, 0, 0}},
    {"diamond: one root for both paths", 4, {DN, OK, OK, OK}, 4, {2, 3, 4, 4}, {1, 1, 2, 3},
     {0, 1, 1, 1}, {3, 0, 0, 0}},
    {"a cycle of impaired services has no root; its dependents stay unfolded", 3,
     {DN, DN, DN}, 3, {1, 2, 3}, {2, 1, 1}, {0, 0, 0}, {0, 0, 0}},
    {"edges to unknown ids are ignored", 2, {DN, OK}, 2, {2, 2}, {1, 99}, {0, 1}, {1, 0}},
};

static void test_cases(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const Case *k = &cases[c];
        int64_t ids[MAXN], root[MAXN];
        int deps[MAXN];
        for (int i = 0; i < k->n; i++)
            ids[i] = i + 1;
        RcGraph g = {ids, k->impaired, k->n, k->from, k->to, k->nedges, NULL};
        int blocked = rootcause_compute(&g, root, deps);
        int want_blocked = 0;
        for (int i = 0; i < k->n; i++) {
            want_blocked += k->want_root[i] != 0;
            if (root[i] != k->want_root[i] || deps[i] != k->want_dependents[i])
                fail_msg("%s: service %d: root %lld (want %lld), dependents %d (want %d)",
                         k->name, i + 1, (long long)root[i], (long long)k->want_root[i],
                         deps[i], k->want_dependents[i]);
        }
        assert_int_equal(blocked, want_blocked);
    }
}

static void test_impairment_and_folding(void **state)
{
    (void)state;
    assert_int_equal(rootcause_impairment("Down"), RC_DOWN);
    assert_int_equal(rootcause_impairment("Degraded"), RC_DEGRADED);
    assert_int_equal(rootcause_impairment("Up"), RC_OK);
    assert_int_equal(rootcause_impairment("Unknown"), RC_OK);
    assert_int_equal(rootcause_impairment(NULL), RC_OK);
    assert_true(rootcause_folds("condition", 0));
    assert_false(rootcause_folds("condition", 1));        /* resolved: history */
    assert_false(rootcause_folds("classification", 0));   /* a property, not an event */
    assert_false(rootcause_folds(NULL, 0));
}

/* Review item 9: only affected dependents (impaired, or with an open
 * condition) count among a root's dependents; the root cause itself is
 * still known for every service (a late raise folds under it). */
static void test_affected_dependents(void **state)
{
    (void)state;
    /* 1 Message Queue Degraded; 2..5 depend on it: 2 Up with an open
     * condition, 3 and 4 Up and quiet, 5 Down */
    int64_t ids[] = {1, 2, 3, 4, 5}, from[] = {2, 3, 4, 5}, to[] = {1, 1, 1, 1}, root[5];
    int imp[] = {DG, OK, OK, OK, DN}, deps[5];
    const char affected[] = {1, 1, 0, 0, 1};
    RcGraph g = {ids, imp, 5, from, to, 4, affected};
    assert_int_equal(rootcause_compute(&g, root, deps), 4);
    assert_int_equal(deps[0], 2);                 /* "2 dependents affected", not 4 */
    for (int i = 1; i < 5; i++)
        assert_int_equal(root[i], 1);
    g.affected = NULL;                            /* NULL: every service counts */
    rootcause_compute(&g, root, deps);
    assert_int_equal(deps[0], 4);
}

/* A long chain: linear work, the deepest root for everyone. */
static void test_long_chain(void **state)
{
    (void)state;
    enum { N = 2000 };
    static int64_t ids[N], from[N], to[N], root[N];
    static int imp[N], deps[N];
    for (int i = 0; i < N; i++) {
        ids[i] = i + 1;
        imp[i] = i % 3 == 0 ? RC_DOWN : RC_OK;
        from[i] = i + 2;
        to[i] = i + 1;
    }
    RcGraph g = {ids, imp, N, from, to, N - 1, NULL};
    assert_int_equal(rootcause_compute(&g, root, deps), N - 1);
    assert_int_equal(root[0], 0);
    assert_int_equal(root[N - 1], 1);
    assert_int_equal(deps[0], N - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_impairment_and_folding),
        cmocka_unit_test(test_long_chain),
        cmocka_unit_test(test_affected_dependents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
