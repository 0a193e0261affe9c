/* layout — the console's pure layout arithmetic: text width and
 * truncation with an ellipsis, fitting table columns into a width,
 * sparkline scaling, scrolling, the list/detail split and short
 * human-readable durations and rates.
 *
 * No curses, no I/O, no locale: strings are UTF-8, each code point is one
 * column (the data is names and messages, not CJK). Unit-tested in
 * tests/unit/test_layout.c. Thread: any.
 */
#ifndef RESOPS_UI_LAYOUT_H
#define RESOPS_UI_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#define LAYOUT_MIN_COLS 80
#define LAYOUT_MIN_ROWS 24
#define LAYOUT_WIDE_COLS 160        /* list + detail side by side from here */

/* Columns a UTF-8 string takes (code points; invalid bytes count 1). */
int layout_width(const char *s);

/* Fit s into width columns: copied whole when it fits, else cut at a code
 * point boundary and ended with ellipsis (itself counted by its width).
 * out is always NUL-terminated; returns the columns written. A width too
 * small for the ellipsis gets a plain cut. */
int layout_truncate(const char *s, int width, const char *ellipsis, char *out, size_t outsz);

/* A table column: at least min columns, at most max (0 = no limit); extra
 * space goes to columns by weight; when the width cannot hold every
 * column at its min, columns are dropped highest prio number first
 * (prio 0 is never dropped).
 *
 * The width policy at 80 columns (issue 11 item 8: names keep their width
 * before Criticality does): a column with want > min (a name) gets want
 * before anything else grows; to make room for it, columns with a narrow
 * form (narrow > 0, below min: "Crit" for "Criticality") shrink to it
 * first, then the least important columns are dropped (prio > 0, highest
 * first). Space left over goes first to the shrunk columns (back to their
 * min), then by weight. want = narrow = 0 is the plain rule above. */
typedef struct LayoutCol {
    int min, max, weight, prio;
    int want, narrow;
} LayoutCol;

/* Widths into out[n] (0 = hidden), separated by gap columns; returns the
 * total used (<= width unless even the prio-0 minimums do not fit). */
int layout_fit_columns(const LayoutCol *cols, int n, int width, int gap, int *out);

/* A bar of segments (the status bar, the hint line), most important
 * first: each has a long form and a short one (short_w = 0: none) and
 * may be dropped. While the whole does not fit in width (each segment
 * takes its width plus gap), steps are taken by rank, lowest first: a
 * segment whose short_rank is that rank takes its short form, one whose
 * drop_rank is that rank goes (rank 0: never). So the least useful parts
 * go first and the labels of the important ones stay readable (the
 * review's `C10 W2 I2   N0   no api   19s`). Fills use_short[] and
 * shown[]; returns the width used. */
typedef struct LayoutSeg {
    int long_w, short_w, short_rank, drop_rank;
} LayoutSeg;
int layout_fit_segments(const LayoutSeg *seg, int n, int width, int gap, int *use_short,
                        int *shown);

/* The tab bar's labels, the widest form from first on that fits: 0
 * " 1 Title ", 1 " 1 Tab ",
 * 2 "1 Tab " (one space), 3 the current tab whole and the others cut to
 * LAYOUT_TAB_ABBREV code points ("1 Inci "), 4 the others as their number
 * only. badge_w[i] (may be 0) is the width of the tab's note, drawn after
 * it with one space. Returns the form (4 when even that does not fit) and
 * writes each label into out[i] (LAYOUT_TAB_LABEL bytes each). */
#define LAYOUT_TAB_LABEL 64
#define LAYOUT_TAB_ABBREV 4
typedef struct LayoutTab {
    char        key;
    const char *title, *tab;
    int         badge_w;
} LayoutTab;
int layout_tabs(const LayoutTab *t, int n, int cur, int width, int first,
                char (*out)[LAYOUT_TAB_LABEL]);

/* Scale v[0..n) to levels 0..nlevels-1 between lo and hi (values outside
 * are clamped). hi <= lo: autoscale from the data's own maximum, with 0 as
 * the floor; all-zero data maps to level 0. */
void layout_spark_levels(const double *v, int n, double lo, double hi, int nlevels, int *out);

/* Keep cursor in [0, n) and top such that the cursor row is visible in a
 * page of `page` rows and no page is left half empty when it need not be. */
void layout_scroll(int n, int page, int *cursor, int *top);

/* 1 when the terminal is smaller than LAYOUT_MIN_COLS x LAYOUT_MIN_ROWS. */
int layout_too_small(int cols, int rows);

/* Side by side at LAYOUT_WIDE_COLS or more: 1 with the list and detail
 * widths (a separator column between them); else 0, *left = cols. */
int layout_split(int cols, int *left, int *right);

/* "42s", "12m", "3h05m", "2d04h"; negative as "0s". */
void layout_duration(int64_t secs, char *buf, size_t size);
/* "950 B/s", "12.3 KB/s", "1.2 MB/s" (powers of 1024). */
void layout_rate(double bytes_per_s, char *buf, size_t size);

/* Break text into lines of at most width columns, at spaces when it can.
 * Fills starts[]/lens[] (byte offsets) up to max lines; returns count. */
int layout_wrap(const char *text, int width, int *starts, int *lens, int max);
/* layout_wrap for a box of max lines that may be too small: when text is
 * left over, the last line is re-broken to leave `reserve` columns for an
 * ellipsis and *clipped is 1, so the caller shows "... last words…"
 * rather than silently dropping the end (B19). */
int layout_wrap_clip(const char *text, int width, int reserve, int *starts, int *lens, int max,
                     int *clipped);

/* Case-insensitive (ASCII) substring test; an empty needle matches. */
int layout_contains(const char *hay, const char *needle);

#endif
