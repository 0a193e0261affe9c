/* test_layout — the console's pure layout helpers (ui/layout.c): text
 * width and truncation with an ellipsis, fitting table columns, sparkline
 * scaling, scrolling, the wide split, durations and rates, wrapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "layout.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define ELL "\u2026"

static void test_width(void **state)
{
    (void)state;
    assert_int_equal(layout_width(""), 0);
    assert_int_equal(layout_width("abc"), 3);
    assert_int_equal(layout_width("caf\u00e9"), 4);          /* 2-byte sequence */
    assert_int_equal(layout_width("\u2502\u2500"), 2);       /* box drawing, 3 bytes */
    assert_int_equal(layout_width("a\xff" "b"), 3);          /* a stray byte counts 1 */
}

static void test_truncate(void **state)
{
    (void)state;
    static const struct {
        const char *in, *ell;
        int         width;
        const char *out;
        int         cols;
    } cases[] = {
        {"Payments API", ELL, 20, "Payments API", 12},   /* fits: unchanged */
        {"Payments API", ELL, 12, "Payments API", 12},   /* exactly */
        {"Payments API", ELL, 11, "Payments A" ELL, 11},
        {"Payments API", "~", 8, "Payment~", 8},          /* ASCII fallback */
        {"Payments API", "...", 8, "Payme...", 8},
        {"Payments API", ELL, 1, "P", 1},                /* no room for the ellipsis */
        {"Payments API", ELL, 0, "", 0},
        {"caf\u00e9 au lait", ELL, 5, "caf\u00e9" ELL, 5}, /* cut on a code point */
        {"\u2502\u2502\u2502\u2502", ELL, 3, "\u2502\u2502" ELL, 3},
        {"", ELL, 5, "", 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char out[64];
        int n = layout_truncate(cases[i].in, cases[i].width, cases[i].ell, out, sizeof out);
        assert_string_equal(out, cases[i].out);
        assert_int_equal(n, cases[i].cols);
        assert_true(layout_width(out) <= (cases[i].width > 0 ? cases[i].width : 0));
    }
    /* a small output buffer never overflows and stays terminated */
    char tiny[5];
    layout_truncate("abcdefghij", 8, ELL, tiny, sizeof tiny);
    assert_true(strlen(tiny) < sizeof tiny);
}

static int sum_widths(const int *w, int n, int gap)
{
    int t = 0, shown = 0;
    for (int i = 0; i < n; i++)
        if (w[i]) {
            t += w[i];
            shown++;
        }
    return t + (shown > 1 ? (shown - 1) * gap : 0);
}

static void test_fit_columns_grow(void **state)
{
    (void)state;
    /* name grows (weight), status fixed, description takes the rest */
    const LayoutCol cols[] = {{10, 30, 3, 0}, {8, 8, 0, 0}, {10, 0, 1, 1}};
    int w[3];
    int used = layout_fit_columns(cols, 3, 100, 1, w);
    assert_int_equal(used, 100);
    assert_int_equal(sum_widths(w, 3, 1), 100);
    assert_int_equal(w[1], 8);                     /* weight 0: stays at min */
    assert_int_equal(w[0], 30);                    /* capped at max */
    assert_int_equal(w[2], 100 - 30 - 8 - 2);      /* the uncapped one gets the rest */
}

static void test_fit_columns_drop(void **state)
{
    (void)state;
    /* at 30 columns the prio-2 then prio-1 columns go; prio 0 stays */
    const LayoutCol cols[] = {{10, 0, 1, 0}, {8, 8, 0, 2}, {8, 8, 0, 1}, {6, 6, 0, 0}};
    int w[4];
    layout_fit_columns(cols, 4, 30, 1, w);
    assert_int_equal(w[1], 0);
    assert_true(w[2] == 8);
    assert_int_equal(sum_widths(w, 4, 1), 30);
    layout_fit_columns(cols, 4, 20, 1, w);
    assert_int_equal(w[1], 0);
    assert_int_equal(w[2], 0);
    assert_int_equal(w[3], 6);
    assert_int_equal(w[0], 20 - 6 - 1);
    /* narrower than the prio-0 minimums: nothing more is dropped */
    int used = layout_fit_columns(cols, 4, 10, 1, w);
    assert_int_equal(w[0], 10);
    assert_int_equal(w[3], 6);
    assert_int_equal(used, 17);
}

static void test_fit_columns_all_capped(void **state)
{
    (void)state;
    const LayoutCol cols[] = {{4, 6, 1, 0}, {4, 6, 1, 0}};
    int w[2];
    int used = layout_fit_columns(cols, 2, 80, 1, w);
    assert_int_equal(w[0], 6);
    assert_int_equal(w[1], 6);
    assert_int_equal(used, 13);                    /* spare space stays unused */
}

static void test_spark_fixed_range(void **state)
{
    (void)state;
    const double v[] = {0, 50, 100, 150, -5, 12.5};
    int out[6];
    layout_spark_levels(v, 6, 0, 100, 8, out);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], 4);                   /* 0.5 * 7 = 3.5 rounds to 4 */
    assert_int_equal(out[2], 7);
    assert_int_equal(out[3], 7);                   /* clamped high */
    assert_int_equal(out[4], 0);                   /* clamped low */
    assert_int_equal(out[5], 1);                   /* small but above the floor */
}

static void test_spark_autoscale(void **state)
{
    (void)state;
    const double v[] = {0, 1000, 2000, 4000};
    int out[4];
    layout_spark_levels(v, 4, 0, 0, 8, out);       /* hi <= lo: scale to the peak */
    assert_int_equal(out[0], 0);
    assert_int_equal(out[3], 7);
    assert_int_equal(out[2], 4);
    const double zeros[] = {0, 0, 0};
    int z[3] = {9, 9, 9};
    layout_spark_levels(zeros, 3, 0, 0, 8, z);     /* all zero: the floor */
    assert_int_equal(z[0] + z[1] + z[2], 0);
    /* monotonic: a larger value never gets a lower level */
    double ramp[50];
    int lv[50];
    for (int i = 0; i < 50; i++)
        ramp[i] = i * 1.7;
    layout_spark_levels(ramp, 50, 0, 0, 8, lv);
    for (int i = 1; i < 50; i++)
        assert_true(lv[i] >= lv[i - 1]);
}

static void test_scroll(void **state)
{
    (void)state;
    static const struct {
        int n, page, cursor, top, want_cursor, want_top;
    } cases[] = {
        {100, 10, 0, 0, 0, 0},
        {100, 10, 15, 0, 15, 6},      /* cursor below the page: scroll down */
        {100, 10, 3, 8, 3, 3},        /* above: scroll up */
        {100, 10, 150, 0, 99, 90},    /* past the end: clamp */
        {100, 10, -4, 0, 0, 0},
        {5, 10, 4, 3, 4, 0},          /* short list: no half-empty page */
        {0, 10, 7, 7, 0, 0},          /* empty */
        {100, 10, 95, 95, 95, 90},    /* top too low for a full page */
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        int c = cases[i].cursor, t = cases[i].top;
        layout_scroll(cases[i].n, cases[i].page, &c, &t);
        assert_int_equal(c, cases[i].want_cursor);
        assert_int_equal(t, cases[i].want_top);
    }
}

static void test_sizes(void **state)
{
    (void)state;
    assert_false(layout_too_small(80, 24));
    assert_true(layout_too_small(79, 24));
    assert_true(layout_too_small(80, 23));
    assert_true(layout_too_small(60, 20));
    int l, r;
    assert_int_equal(layout_split(159, &l, &r), 0);
    assert_int_equal(l, 159);
    assert_int_equal(r, 0);
    assert_int_equal(layout_split(160, &l, &r), 1);
    assert_int_equal(l + 1 + r, 160);
    assert_true(l >= 80);                          /* the list keeps a usable width */
    assert_int_equal(layout_split(240, &l, &r), 1);
    assert_int_equal(l + 1 + r, 240);
}

static void test_duration_rate(void **state)
{
    (void)state;
    static const struct {
        int64_t     s;
        const char *want;
    } d[] = {{-3, "0s"}, {0, "0s"}, {59, "59s"}, {60, "1m"}, {3599, "59m"},
             {3600, "1h00m"}, {3725, "1h02m"}, {86400, "1d00h"}, {90061, "1d01h"}};
    for (size_t i = 0; i < ARRAY_LEN(d); i++) {
        char buf[32];
        layout_duration(d[i].s, buf, sizeof buf);
        assert_string_equal(buf, d[i].want);
    }
    char buf[32];
    layout_rate(950, buf, sizeof buf);
    assert_string_equal(buf, "950 B/s");
    layout_rate(12.5 * 1024, buf, sizeof buf);
    assert_string_equal(buf, "12.5 KB/s");
    layout_rate(1.25 * 1024 * 1024, buf, sizeof buf);
    assert_string_equal(buf, "1.2 MB/s");
}

static void test_wrap(void **state)
{
    (void)state;
    int st[8], ln[8];
    const char *t = "High criticality in BIA, High impact";
    int n = layout_wrap(t, 16, st, ln, 8);
    assert_int_equal(n, 3);
    assert_true(ln[0] <= 16 && ln[1] <= 16 && ln[2] <= 16);
    assert_memory_equal(t + st[0], "High", 4);
    /* a word longer than the width is cut, never lost */
    n = layout_wrap("abcdefghij", 4, st, ln, 8);
    assert_int_equal(n, 3);
    assert_int_equal(ln[0] + ln[1] + ln[2], 10);
    assert_int_equal(layout_wrap("", 10, st, ln, 8), 0);
    assert_int_equal(layout_wrap("a b c d e f g h i j k", 1, st, ln, 4), 4);  /* max lines */
}

/* B19 (newcomer review): at 200x50 a risk reason wrapped into a 3-line
 * box ended "... based on business" and "rules" was gone, with no mark.
 * A clipped box ends with room for an ellipsis; a box that fits keeps
 * every word. */
static void test_wrap_keeps_last_word_or_ellipsis_b19(void **state)
{
    (void)state;
    int st[8], ln[8], clipped;
    const char *t = "Risk 85: Service is currently down, High criticality in BIA, "
                    "dependencies down: Message Queue; scored on business rules";
    /* enough lines: the last word is there, nothing clipped */
    int n = layout_wrap_clip(t, 30, 2, st, ln, 8, &clipped);
    assert_int_equal(clipped, 0);
    assert_int_equal(st[n - 1] + ln[n - 1], (int)strlen(t));
    assert_memory_equal(t + st[n - 1] + ln[n - 1] - 5, "rules", 5);
    /* too few lines: clipped, and the last line leaves room for " ..." */
    n = layout_wrap_clip(t, 30, 2, st, ln, 3, &clipped);
    assert_int_equal(n, 3);
    assert_int_equal(clipped, 1);
    assert_true(ln[2] <= 28);
    assert_true(t[st[2] + ln[2] - 1] != ' ');
    /* exactly enough lines: not clipped */
    int need = layout_wrap(t, 30, st, ln, 8);
    n = layout_wrap_clip(t, 30, 2, st, ln, need, &clipped);
    assert_int_equal(clipped, 0);
    assert_int_equal(st[n - 1] + ln[n - 1], (int)strlen(t));
}

static void test_contains(void **state)
{
    (void)state;
    assert_true(layout_contains("Payments API", "pay"));
    assert_true(layout_contains("Payments API", "API"));
    assert_true(layout_contains("Payments API", ""));
    assert_false(layout_contains("Payments API", "redis"));
    assert_false(layout_contains(NULL, "x"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_width),
        cmocka_unit_test(test_truncate),
        cmocka_unit_test(test_fit_columns_grow),
        cmocka_unit_test(test_fit_columns_drop),
        cmocka_unit_test(test_fit_columns_all_capped),
        cmocka_unit_test(test_spark_fixed_range),
        cmocka_unit_test(test_spark_autoscale),
        cmocka_unit_test(test_scroll),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_duration_rate),
        cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_wrap_keeps_last_word_or_ellipsis_b19),
        cmocka_unit_test(test_contains),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
