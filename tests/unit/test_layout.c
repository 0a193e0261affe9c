/* test_layout — the console's parts that need no terminal:
 *  - the pure layout helpers (ui/layout.c): text width and truncation
 *    with an ellipsis, fitting table columns, sparkline scaling,
 *    scrolling, the wide split, durations and rates, wrapping;
 *  - the pane list and the key tables (issue 10): one row per pane and
 *    key, pane keys never shadow the global actions, the help overlay
 *    is the global table merged with the current pane's;
 *  - which snapshot the console takes (snapshot_newer) and the version a
 *    snapshot carries (issue 10: one publisher, versioned by the data).
 * Keys are dispatched on a Ui without curses: nothing here draws. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "layout.h"
#include "tui_priv.h"
#include "util.h"
#include "domain/notify.h"
#include "domain/secnorm.h"

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
    const LayoutCol cols[] = {{10, 30, 3, 0, 0, 0}, {8, 8, 0, 0, 0, 0}, {10, 0, 1, 1, 0, 0}};
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
    const LayoutCol cols[] = {{10, 0, 1, 0, 0, 0}, {8, 8, 0, 2, 0, 0}, {8, 8, 0, 1, 0, 0}, {6, 6, 0, 0, 0, 0}};
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
    const LayoutCol cols[] = {{4, 6, 1, 0, 0, 0}, {4, 6, 1, 0, 0, 0}};
    int w[2];
    int used = layout_fit_columns(cols, 2, 80, 1, w);
    assert_int_equal(w[0], 6);
    assert_int_equal(w[1], 6);
    assert_int_equal(used, 13);                    /* spare space stays unused */
}

/* Issue 11 item 8, the 80-column policy: a name column wants its width
 * before others keep theirs; a column with a narrow form shrinks first,
 * then the least important column goes; a shrunk column gets its width
 * back whole when the room allows, never half. */
static void test_fit_columns_want_narrow(void **state)
{
    (void)state;
    /* Name 12..26 wants 20; Status 8; Criticality 11 (narrow 4); Description prio 4 */
    const LayoutCol cols[] = {{12, 26, 3, 0, 20, 0}, {8, 8, 0, 0, 0, 0},
                              {11, 11, 0, 2, 0, 4}, {10, 0, 2, 4, 0, 0}};
    int w[4];
    /* roomy: everything at its min and more, the name at least 20 */
    layout_fit_columns(cols, 4, 100, 1, w);
    assert_true(w[0] >= 20);
    assert_int_equal(w[2], 11);
    assert_true(w[3] >= 10);
    /* 44: the mins fit (12+8+11+10+3 = 44) but the name wants 8 more:
     * Criticality shrinks to 4 (7), not enough, so Description goes;
     * then Criticality gets its 11 back whole and the name the rest */
    layout_fit_columns(cols, 4, 44, 1, w);
    assert_int_equal(w[3], 0);
    assert_int_equal(w[2], 11);
    assert_int_equal(w[0], 44 - 8 - 11 - 2);
    assert_true(w[0] >= 20);
    /* 35: no Description; the name keeps 20, Criticality shrinks to its
     * narrow form (20+8+4+2 = 34) and stays there (7 more do not fit) */
    int used = layout_fit_columns(cols, 4, 35, 1, w);
    assert_int_equal(w[3], 0);
    assert_int_equal(w[2], 4);
    assert_int_equal(w[0], 21);
    assert_int_equal(used, 35);
    /* without want/narrow the old rule: the name stays at its min */
    const LayoutCol plain[] = {{12, 26, 3, 0, 0, 0}, {8, 8, 0, 0, 0, 0},
                               {11, 11, 0, 2, 0, 0}, {10, 0, 2, 4, 0, 0}};
    layout_fit_columns(plain, 4, 44, 1, w);
    assert_int_equal(w[0], 12);
    assert_int_equal(w[3], 10);
}

/* The status bar at 80 columns: the clock goes first, labels shorten by
 * rank, the role and the unacked counts keep a readable form. */
static void test_fit_segments(void **state)
{
    (void)state;
    /* role, unacked (long 33 / short 22), notify (18/10), api (9, drop),
     * tick (14/10), clock (10, drop first) */
    const LayoutSeg seg[] = {{8, 0, 0, 0}, {33, 22, 7, 0}, {18, 10, 6, 10},
                             {9, 9, 3, 5}, {14, 10, 2, 9}, {10, 0, 0, 1}};
    int sh[6], on[6];
    int used = layout_fit_segments(seg, 6, 200, 1, sh, on);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(on[i], 1);
        assert_int_equal(sh[i], 0);
    }
    assert_int_equal(used, 8 + 33 + 18 + 9 + 14 + 10 + 6);
    /* 80: clock gone, tick short, api gone; unacked and notify long */
    used = layout_fit_segments(seg, 6, 80, 1, sh, on);
    assert_int_equal(on[5], 0);
    assert_int_equal(sh[4], 1);
    assert_int_equal(on[3], 0);
    assert_int_equal(sh[2], 0);
    assert_int_equal(on[1], 1);
    assert_int_equal(sh[1], 0);
    assert_int_equal(used, 9 + 34 + 19 + 11);
    /* 70: notify shortens next, the unacked label still long */
    used = layout_fit_segments(seg, 6, 70, 1, sh, on);
    assert_int_equal(sh[2], 1);
    assert_int_equal(sh[1], 0);
    assert_int_equal(used, 9 + 34 + 11 + 11);
    /* 40: only rank-0 drops stay: the role and the unacked counts */
    used = layout_fit_segments(seg, 6, 40, 1, sh, on);
    assert_int_equal(on[0] + on[1], 2);
    assert_int_equal(sh[1], 1);
    assert_int_equal(on[2] + on[3] + on[4] + on[5], 0);
    assert_int_equal(used, 9 + 23);
    /* narrower than what can never go: everything left, over width */
    used = layout_fit_segments(seg, 6, 10, 1, sh, on);
    assert_int_equal(used, 9 + 23);
}

/* The tab bar: titles when they fit, tab names, tighter, then the other
 * tabs abbreviated, then numbers; never a cut label ("8 Au…"). */
static void test_tabs(void **state)
{
    (void)state;
    const LayoutTab t[] = {{'1', "Services", "Services", 0}, {'2', "Dependencies", "Deps", 0},
                           {'3', "Health", "Health", 0}, {'4', "Alerts", "Alerts", 3},
                           {'5', "SLA Breaches", "SLA", 0}, {'6', "Incidents", "Incidents", 0},
                           {'7', "Metrics", "Metrics", 0}, {'8', "Audit Log", "Audit", 0},
                           {'9', "Silences", "Silences", 2}};
    char out[9][LAYOUT_TAB_LABEL];
    assert_int_equal(layout_tabs(t, 8, 0, 200, 0, out), 0);
    assert_string_equal(out[1], " 2 Dependencies ");
    assert_int_equal(layout_tabs(t, 8, 0, 200, 1, out), 1);
    assert_string_equal(out[1], " 2 Deps ");
    /* 80 columns, eight panes: the one-space form, every name whole */
    assert_int_equal(layout_tabs(t, 8, 0, 80, 1, out), 2);
    assert_string_equal(out[7], "8 Audit ");
    /* nine panes at 80: the others abbreviated, the current one whole */
    assert_int_equal(layout_tabs(t, 9, 5, 80, 1, out), 3);
    assert_string_equal(out[5], "6 Incidents ");
    assert_string_equal(out[0], "1 Serv ");
    assert_string_equal(out[4], "5 SLA ");
    int total = 0;
    for (int i = 0; i < 9; i++)
        total += layout_width(out[i]) + (t[i].badge_w ? t[i].badge_w + 1 : 0);
    assert_true(total <= 80);
    /* very narrow: numbers, the current one named */
    assert_int_equal(layout_tabs(t, 9, 3, 30, 1, out), 4);
    assert_string_equal(out[0], "1 ");
    assert_string_equal(out[3], "4 Alerts ");
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

/* ---- the pane list and the key tables ------------------------------------ */

/* A Ui with one pane of each row of the pane list, showing pane cur. */
static Ui *ui_with_panes(int cur)
{
    Ui *ui = xcalloc(1, sizeof *ui);
    ui->npanes = panes_count();
    ui->panes = xcalloc((size_t)ui->npanes, sizeof *ui->panes);
    for (int i = 0; i < ui->npanes; i++)
        ui->panes[i] = panes_def(i)->make(ui);
    ui->cur = cur;
    return ui;
}

static void ui_free_panes(Ui *ui)
{
    prompt_cancel(ui);
    for (int i = 0; i < ui->npanes; i++)
        pane_free(ui->panes[i]);
    free(ui->panes);
    free(ui);
}

/* The pane list: keys 1..9 (9: Security, issue 12) then 0 (Silences) in tab order, each pane
 * made with its title, tab label and draw; Metrics alone asks for the metrics history. */
static void test_pane_list(void **state)
{
    (void)state;
    static const char *const titles[] = {"Services", "Dependencies", "Health", "Alerts",
                                         "SLA Breaches", "Incidents", "Metrics", "Audit Log",
                                         "Security", "Silences"};
    assert_int_equal(panes_count(), 10);
    assert_null(panes_def(panes_count()));
    assert_null(panes_def(-1));
    Ui *ui = ui_with_panes(0);
    for (int i = 0; i < panes_count(); i++) {
        int key = strcmp(titles[i], "Silences") ? '1' + i : '0';
        assert_int_equal(panes_def(i)->key, key);
        assert_int_equal(panes_find_key(key), i);
        const PaneOps *ops = ui->panes[i]->ops;
        assert_string_equal(ops->title, titles[i]);
        assert_non_null(ops->tab);
        assert_non_null(ops->draw);
        assert_int_equal(!!(ops->flags & PANE_WANTS_METRICS), !strcmp(ops->title, "Metrics"));
    }
    assert_int_equal(panes_find_key('9'), 8);
    char keys[24];
    panes_keys_label(0, panes_count() - 1, keys, sizeof keys);
    assert_string_equal(keys, "1-9,0");
    ui_free_panes(ui);
}

/* Each pane key is declared once, in its pane's table: no key twice in a
 * table, none a number key, and pane_key_find finds every one. */
static void test_pane_keys_declared_once(void **state)
{
    (void)state;
    Ui *ui = ui_with_panes(0);
    int with_keys = 0;
    for (int i = 0; i < ui->npanes; i++) {
        const PaneOps *ops = ui->panes[i]->ops;
        for (const PaneKey *k = ops->keys; k && k->label; k++) {
            assert_non_null(k->help);
            assert_non_null(k->action);
            for (int j = 0; j < 4 && k->keys[j]; j++) {
                assert_ptr_equal(pane_key_find(ops, k->keys[j]), k);
                assert_int_equal(panes_find_key(k->keys[j]), -1);
            }
            with_keys++;
        }
    }
    /* s; /, Enter, Bksp; a, A, u, Enter (groups), f; x, t, m; x (Silences); h (Metrics' range);
     * T F E, R, Space (Security) */
    assert_int_equal(with_keys, 17);
    ui_free_panes(ui);
}

static int always_engine(void *ctx) { (void)ctx; return 1; }

/* q in the ENGINE console asks y/N: n (or any key but y) keeps it running, y quits;
 * an open detail view goes back instead; :q does the same as q. */
static void test_quit_engine_asks(void **state)
{
    (void)state;
    Ui *ui = ui_with_panes(0);
    ui->opts.is_primary = always_engine;
    keys_dispatch(ui, 'q');
    assert_int_equal(ui->prompt, PROMPT_CONFIRM);
    assert_non_null(strstr(ui->prompt_label, "ENGINE"));
    prompt_key(ui, 'n');
    assert_false(ui->quit);
    assert_int_equal(ui->prompt, PROMPT_NONE);
    assert_non_null(strstr(ui->msg, "Not quitting"));
    keys_dispatch(ui, 'q');
    prompt_key(ui, 'x');                 /* [y/N]: any key but y answers no */
    assert_false(ui->quit);
    assert_int_equal(ui->prompt, PROMPT_NONE);
    ui->panes[0]->detail = 1;
    keys_dispatch(ui, 'q');
    assert_false(ui->quit);
    assert_int_equal(ui->prompt, PROMPT_NONE);
    assert_int_equal(ui->panes[0]->detail, 0);
    actions_command(ui, "q");
    assert_int_equal(ui->prompt, PROMPT_CONFIRM);
    prompt_key(ui, 'y');
    assert_true(ui->quit);
    ui_free_panes(ui);
}

/* Whichever pane shows, the global keys keep their meaning: no pane
 * table shadows q, ?, :, K, Tab or the number keys. */
static void test_pane_keys_never_shadow_global_actions(void **state)
{
    (void)state;
    for (int cur = 0; cur < panes_count(); cur++) {
        Ui *ui = ui_with_panes(cur);
        keys_dispatch(ui, 'q');
        assert_true(ui->quit);
        keys_dispatch(ui, '?');
        assert_true(ui->help);
        ui->help = 0;
        keys_dispatch(ui, ':');
        assert_int_equal(ui->prompt, PROMPT_TEXT);
        prompt_cancel(ui);
        keys_dispatch(ui, 'K');
        assert_int_equal(ui->prompt, PROMPT_KEY);
        prompt_cancel(ui);
        keys_dispatch(ui, '\t');
        assert_int_equal(ui->cur, (cur + 1) % panes_count());
        keys_dispatch(ui, panes_def(cur)->key);
        assert_int_equal(ui->cur, cur);
        ui_free_panes(ui);
    }
}

/* Fix round item 14: both panes name an OCSF severity_id with the same
 * word, secnorm's capitalized; 0 is "Unknown" (the Alerts pane said
 * "Info"), 5 and 6 stay apart (it said "Critical" for 4 to 6). */
static void test_security_severity_words(void **state)
{
    (void)state;
    static const char *const want[] = {"Unknown", "Info", "Low", "Medium", "High", "Critical",
                                       "Fatal"};
    for (int id = 0; id <= 6; id++) {
        assert_string_equal(pane_security_severity_word(id), want[id]);
        assert_int_equal(strcasecmp(pane_security_severity_word(id), secnorm_severity_word(id)), 0);
    }
    assert_string_equal(pane_security_severity_word(-1), "-");       /* before normalization */
    assert_string_equal(pane_security_severity_word(7), "Unknown");
}

/* The Security pane (issue 12): a verdict's confidence as typed ("" is
 * 0.9, else a number in 0..1), and T/R with no alert selected say so
 * without asking anything. */
static void test_security_confidence_and_empty_keys(void **state)
{
    (void)state;
    static const struct { const char *in; int ok; double v; } cases[] = {
        {"", 1, 0.9}, {"  ", 1, 0.9}, {"0", 1, 0.0}, {"1", 1, 1.0}, {" 0.75 ", 1, 0.75},
        {"1.01", 0, 0}, {"-0.1", 0, 0}, {"2", 0, 0}, {"x", 0, 0}, {"0.5x", 0, 0},
        {"nan", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double v = -1;
        int rc = pane_security_parse_confidence(cases[i].in, &v);
        assert_int_equal(rc == 0, cases[i].ok);
        if (cases[i].ok)
            assert_true(v > cases[i].v - 1e-9 && v < cases[i].v + 1e-9);
    }
    Ui *ui = ui_with_panes(panes_find_key('9'));
    assert_string_equal(ui->panes[ui->cur]->ops->title, "Security");
    keys_dispatch(ui, 'T');
    assert_int_equal(ui->prompt, PROMPT_NONE);
    assert_non_null(strstr(ui->msg, "No security alert selected"));
    keys_dispatch(ui, 'R');
    assert_int_equal(ui->prompt, PROMPT_NONE);
    ui_free_panes(ui);
}

/* A key that another pane owns says "not here", an unknown one "unknown". */
static void test_key_of_another_pane(void **state)
{
    (void)state;
    Ui *ui = ui_with_panes(0);                 /* Services: `a` is Alerts' */
    keys_dispatch(ui, 'a');
    assert_non_null(strstr(ui->msg, "Nothing to do for that key here"));
    keys_dispatch(ui, 'Z');
    assert_non_null(strstr(ui->msg, "Unknown key"));
    ui_free_panes(ui);
}

static int help_find(const HelpLine *l, int n, int heading, const char *key)
{
    for (int i = 0; i < n; i++)
        if (l[i].heading == heading && !strcmp(l[i].key, key))
            return i;
    return -1;
}

/* The help overlay merges the global table with the current pane's: the
 * pane list, that pane's section with each of its rows (and no other
 * pane's), the global actions and the `:` commands; at 120x40 (35 help
 * lines) it shows down to the first command on every pane. */
static void test_help_merges_global_and_pane_keys(void **state)
{
    (void)state;
    Ui *ui = ui_with_panes(0);
    HelpLine lines[KEYS_HELP_MAX];
    for (int cur = 0; cur < ui->npanes; cur++) {
        int n = keys_help_lines(ui->panes, ui->npanes, cur, lines, KEYS_HELP_MAX);
        assert_int_equal(help_find(lines, n, 1, "Panes"), 0);
        int r = help_find(lines, n, 0, "1-4");
        assert_true(r > 0);
        assert_string_equal(lines[r].text, "Services, Dependencies, Health, Alerts");
        r = help_find(lines, n, 0, "5-8");
        assert_true(r > 0);
        assert_string_equal(lines[r].text, "SLA Breaches, Incidents, Metrics, Audit Log");
        r = help_find(lines, n, 0, "9,0");     /* Security (issue 12) and Silences */
        assert_true(r > 0);
        assert_string_equal(lines[r].text, "Security, Silences");
        for (int i = 0; i < ui->npanes; i++) {
            const PaneOps *ops = ui->panes[i]->ops;
            char heading[64];
            snprintf(heading, sizeof heading, "%s pane", ops->title);
            int h = help_find(lines, n, 1, heading);
            assert_int_equal(h >= 0, i == cur && ops->keys != NULL);
            for (int k = 0; h >= 0 && ops->keys[k].label; k++) {
                assert_string_equal(lines[h + 1 + k].key, ops->keys[k].label);
                assert_string_equal(lines[h + 1 + k].text, ops->keys[k].help);
            }
        }
        assert_true(help_find(lines, n, 0, "K") > 0);
        int cmds = help_find(lines, n, 1, "Commands (:)");
        assert_true(cmds > 0);
        assert_true(help_find(lines, n, 0, ":ack ID") < 35);
        assert_true(n < KEYS_HELP_MAX);                       /* nothing cut off */
        /* a key the pane takes is explained once: the global meaning of
         * the same key does not apply on this pane, so it is not listed */
        const PaneOps *own = ui->panes[cur]->ops;
        for (int k = 0; own->keys && own->keys[k].label; k++) {
            int seen = 0;
            for (int i = 0; i < cmds; i++)
                seen += !lines[i].heading && !strcmp(lines[i].key, own->keys[k].label);
            assert_int_equal(seen, 1);
        }
        /* every other pane's keys follow the commands, so ? lists every key */
        for (int i = 0; i < ui->npanes; i++) {
            const PaneOps *ops = ui->panes[i]->ops;
            char heading[64];
            snprintf(heading, sizeof heading, "%s pane (%d)", ops->title, i + 1);
            int h = help_find(lines, n, 1, heading);
            assert_int_equal(h > cmds, i != cur && ops->keys != NULL);
            for (int k = 0; h > cmds && ops->keys[k].label; k++)
                assert_string_equal(lines[h + 1 + k].key, ops->keys[k].label);
        }
    }
    ui_free_panes(ui);
}

/* The `:` line (issue 11 item 8): the history is most recent first with
 * no repeats, Up/Down walk it and give back the draft; Tab completes a
 * command name, a service name for a command that takes one (common
 * prefix first, the next Tab lists them), and nothing elsewhere. */
static void test_cmdline_history_and_tab(void **state)
{
    (void)state;
    Ui *ui = ui_with_panes(0);              /* hist_file "": memory only */
    cmdline_remember(ui, "info");
    cmdline_remember(ui, "  ack 3");
    cmdline_remember(ui, "info");
    cmdline_remember(ui, "   ");
    assert_int_equal(ui->nhist, 2);
    assert_string_equal(ui->hist[0], "info");
    assert_string_equal(ui->hist[1], "ack 3");
    keys_dispatch(ui, ':');
    assert_true(ui->prompt_cmd);
    strcpy(ui->input, "dra");
    prompt_key(ui, UI_KEY_FN | KEY_UP);
    assert_string_equal(ui->input, "info");
    prompt_key(ui, UI_KEY_FN | KEY_UP);
    assert_string_equal(ui->input, "ack 3");
    prompt_key(ui, UI_KEY_FN | KEY_UP);                     /* the oldest: stays */
    assert_string_equal(ui->input, "ack 3");
    prompt_key(ui, UI_KEY_FN | KEY_DOWN);
    prompt_key(ui, UI_KEY_FN | KEY_DOWN);
    assert_string_equal(ui->input, "dra");                  /* the draft back */
    strcpy(ui->input, "sn");
    prompt_key(ui, '\t');
    assert_string_equal(ui->input, "snooze ");
    SnapService sv[3] = {{.id = 1, .name = "Order Service"}, {.id = 2, .name = "order DB"},
                         {.id = 3, .name = "Auth"}};
    Snapshot snap = {.services = sv, .nservices = 3};
    ui->snap = &snap;
    strcpy(ui->input, "status Or");
    prompt_key(ui, '\t');
    assert_string_equal(ui->input, "status Order ");         /* the common prefix */
    prompt_key(ui, '\t');
    assert_string_equal(ui->prompt_note, "Order Service, order DB");
    strcpy(ui->input, "status order s");
    prompt_key(ui, '\t');
    assert_string_equal(ui->input, "status Order Service ");
    strcpy(ui->input, "status Zed");
    prompt_key(ui, '\t');
    assert_string_equal(ui->input, "status Zed");
    assert_non_null(strstr(ui->prompt_note, "no completion"));
    strcpy(ui->input, "ack 1");
    prompt_key(ui, '\t');
    assert_string_equal(ui->input, "ack 1");
    assert_non_null(strstr(ui->prompt_note, "nothing to complete"));
    assert_true(actions_command_takes_service("status", 6));
    assert_false(actions_command_takes_service("ack", 3));
    assert_false(actions_command_takes_service("stat", 4));
    ui->snap = NULL;
    ui_free_panes(ui);
}

/* ---- snapshots: which one the console takes, and their versions ---------- */

/* snapshot_newer (issue 10): by the data's version, then the publish
 * number; the console's own first snapshot (seq 0) gives way to any
 * published one and never replaces one; never by clock. */
static void test_snapshot_newer(void **state)
{
    (void)state;
    static const struct {
        const char *rule;
        int64_t     cur_version;
        uint64_t    cur_seq;
        int64_t     s_version;
        uint64_t    s_seq;
        int         take;
    } cases[] = {
        {"newer data", 10, 3, 11, 4, 1},
        {"older data published later (another publisher's clock): kept", 10, 3, 9, 4, 0},
        {"same data published again (new role, new tick)", 10, 3, 10, 4, 1},
        {"same data, an earlier publish", 10, 4, 10, 3, 0},
        {"the console's own first frame gives way to a published one", 50, 0, 7, 1, 1},
        {"an unpublished one never replaces a published one", 7, 1, 50, 0, 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        Snapshot cur = {.version = cases[i].cur_version, .seq = cases[i].cur_seq,
                        .built_at = 2000};
        Snapshot s = {.version = cases[i].s_version, .seq = cases[i].s_seq, .built_at = 1000};
        if (snapshot_newer(&s, &cur) != cases[i].take)
            fail_msg("%s: got %d", cases[i].rule, !cases[i].take);
    }
    Snapshot s = {.version = 1, .seq = 1};
    assert_true(snapshot_newer(&s, NULL));     /* nothing shown yet */
    assert_false(snapshot_newer(&s, &s));      /* the same one */
    assert_false(snapshot_newer(NULL, &s));
}

/* A snapshot's version is its connection's change counter read in its
 * read transaction; a commit by another connection (or its own) moves
 * the counter, which is when the engine builds again; the outbox counts
 * ride in the snapshot (the status bar reads nothing while drawing). */
static void test_snapshot_version_follows_commits(void **state)
{
    (void)state;
    char dir[] = "/tmp/resops-layout-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *path = xasprintf("%s/v.db", dir), err[256];
    Store *a, *b;
    assert_int_equal(store_open(path, &a, err, sizeof err), 0);
    assert_int_equal(store_open(path, &b, err, sizeof err), 0);
    Snapshot *s1 = snapshot_build(a, 1, 0);
    assert_non_null(s1);
    assert_true(s1->version >= 0);
    assert_int_equal(snapshot_store_version(a), s1->version);   /* nothing committed since */
    assert_true(s1->outbox_known);
    assert_int_equal(s1->outbox_queued, 0);
    assert_int_equal(notify_enqueue(b, "webhook", "http://127.0.0.1:9/", "{}", "k1", 1000), 1);
    assert_true(snapshot_store_version(a) > s1->version);      /* another's commit */
    Snapshot *s2 = snapshot_build(a, 1, 0);
    assert_non_null(s2);
    assert_true(s2->version > s1->version);
    assert_int_equal(s2->outbox_queued, 1);
    assert_int_equal(notify_enqueue(a, "webhook", "http://127.0.0.1:9/", "{}", "k2", 1000), 1);
    assert_true(snapshot_store_version(a) > s2->version);      /* its own commit */
    snapshot_unref(s1);
    snapshot_unref(s2);
    store_close(a);
    store_close(b);
    char *cmd = xasprintf("rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(path);
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
        cmocka_unit_test(test_pane_list),
        cmocka_unit_test(test_security_confidence_and_empty_keys),
        cmocka_unit_test(test_security_severity_words),
        cmocka_unit_test(test_pane_keys_declared_once),
        cmocka_unit_test(test_pane_keys_never_shadow_global_actions),
        cmocka_unit_test(test_quit_engine_asks),
        cmocka_unit_test(test_key_of_another_pane),
        cmocka_unit_test(test_help_merges_global_and_pane_keys),
        cmocka_unit_test(test_fit_columns_want_narrow),
        cmocka_unit_test(test_fit_segments),
        cmocka_unit_test(test_tabs),
        cmocka_unit_test(test_cmdline_history_and_tab),
        cmocka_unit_test(test_snapshot_newer),
        cmocka_unit_test(test_snapshot_version_follows_commits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
