/* layout — see layout.h. */
#include "layout.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Length in bytes of the UTF-8 sequence starting at s (1 for stray bytes). */
static int cp_len(const unsigned char *s)
{
    int n = *s < 0x80 ? 1 : (*s & 0xe0) == 0xc0 ? 2 : (*s & 0xf0) == 0xe0 ? 3
            : (*s & 0xf8) == 0xf0 ? 4 : 1;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 1;
    return n;
}

int layout_width(const char *s)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p += cp_len(p))
        w++;
    return w;
}

int layout_truncate(const char *s, int width, const char *ellipsis, char *out, size_t outsz)
{
    if (!outsz)
        return 0;
    out[0] = '\0';
    if (width <= 0 || !s)
        return 0;
    int total = layout_width(s);
    int ew = ellipsis ? layout_width(ellipsis) : 0;
    int keep = total <= width ? total : (ew < width ? width - ew : width);
    size_t o = 0;
    int w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p && w < keep) {
        int l = cp_len(p);
        if (o + (size_t)l >= outsz)
            break;
        memcpy(out + o, p, (size_t)l);
        o += (size_t)l;
        p += l;
        w++;
    }
    out[o] = '\0';
    if (total > width && ew < width && ellipsis) {
        size_t el = strlen(ellipsis);
        if (o + el < outsz) {
            memcpy(out + o, ellipsis, el + 1);
            w += ew;
        }
    }
    return w;
}

static int cols_used(const int *out, int n, int gap)
{
    int used = 0, shown = 0;
    for (int i = 0; i < n; i++)
        if (out[i] > 0) {
            used += out[i];
            shown++;
        }
    return used + (shown > 1 ? (shown - 1) * gap : 0);
}

/* drop every column of prio p */
static void cols_drop(const LayoutCol *cols, int n, int p, int *out)
{
    for (int i = 0; i < n; i++)
        if (cols[i].prio == p)
            out[i] = 0;
}

/* What the shown columns still want (want above their width). */
static int cols_deficit(const LayoutCol *cols, int n, const int *out)
{
    int d = 0;
    for (int i = 0; i < n; i++)
        if (out[i] > 0 && cols[i].want > out[i])
            d += cols[i].want - out[i];
    return d;
}

/* Room for the wants: narrow forms first, then drop prio levels. */
static void cols_make_room(const LayoutCol *cols, int n, int width, int gap, int maxprio,
                           int *out)
{
    if (width - cols_used(out, n, gap) >= cols_deficit(cols, n, out))
        return;
    for (int i = 0; i < n; i++)
        if (out[i] > 0 && cols[i].narrow > 0 && cols[i].narrow < out[i])
            out[i] = cols[i].narrow;
    for (int p = maxprio; p > 0; p--) {
        if (width - cols_used(out, n, gap) >= cols_deficit(cols, n, out))
            return;
        cols_drop(cols, n, p, out);
    }
}

/* Give up to cap(i) to the shown columns, in order; returns what is left. */
static int cols_grow_to(const LayoutCol *cols, int n, int spare, int use_want, int *out)
{
    for (int i = 0; i < n && spare > 0; i++) {
        int cap = use_want ? cols[i].want : cols[i].min;
        if (out[i] <= 0 || cap <= out[i] || (!use_want && cap - out[i] > spare))
            continue;                 /* a narrowed column: whole or not at all */
        int add = cap - out[i] < spare ? cap - out[i] : spare;
        out[i] += add;
        spare -= add;
    }
    return spare;
}

int layout_fit_columns(const LayoutCol *cols, int n, int width, int gap, int *out)
{
    int maxprio = 0;
    for (int i = 0; i < n; i++) {
        out[i] = cols[i].min;
        if (cols[i].prio > maxprio)
            maxprio = cols[i].prio;
    }
    /* drop columns, least important first, until the minimums fit */
    for (int p = maxprio; cols_used(out, n, gap) > width && p > 0; p--)
        cols_drop(cols, n, p, out);
    cols_make_room(cols, n, width, gap, maxprio, out);
    int spare = width - cols_used(out, n, gap);
    spare = cols_grow_to(cols, n, spare, 1, out);     /* the wants */
    spare = cols_grow_to(cols, n, spare, 0, out);     /* narrowed ones back */
    int wsum = 0;
    for (int i = 0; i < n; i++)
        if (out[i] > 0)
            wsum += cols[i].weight;
    /* hand out the rest by weight, respecting max; loop while someone grows */
    while (spare > 0 && wsum > 0) {
        int given = 0, share_base = spare;
        for (int i = 0; i < n && spare > 0; i++) {
            if (out[i] <= 0 || cols[i].weight <= 0)
                continue;
            if (cols[i].max && out[i] >= cols[i].max)
                continue;
            int add = share_base * cols[i].weight / wsum;
            if (add < 1)
                add = 1;
            if (cols[i].max && out[i] + add > cols[i].max)
                add = cols[i].max - out[i];
            if (add > spare)
                add = spare;
            out[i] += add;
            spare -= add;
            given += add;
        }
        if (!given)
            break;
    }
    return cols_used(out, n, gap);
}

int layout_fit_segments(const LayoutSeg *seg, int n, int width, int gap, int *use_short,
                        int *shown)
{
    int maxrank = 0;
    for (int i = 0; i < n; i++) {
        use_short[i] = 0;
        shown[i] = 1;
        maxrank = seg[i].short_rank > maxrank ? seg[i].short_rank : maxrank;
        maxrank = seg[i].drop_rank > maxrank ? seg[i].drop_rank : maxrank;
    }
    for (int rank = 1;; rank++) {
        int total = 0;
        for (int i = 0; i < n; i++)
            if (shown[i])
                total += (use_short[i] ? seg[i].short_w : seg[i].long_w) + gap;
        if (total <= width || rank > maxrank)
            return total;
        for (int i = 0; i < n; i++) {
            if (seg[i].short_rank == rank && seg[i].short_w > 0)
                use_short[i] = 1;
            if (seg[i].drop_rank == rank)
                shown[i] = 0;
        }
    }
}

/* One tab's label in form f; returns its width with the badge. */
static int tab_label(const LayoutTab *t, int f, int current, char *out)
{
    if (f == 0)
        snprintf(out, LAYOUT_TAB_LABEL, " %c %s ", t->key, t->title);
    else if (f == 1)
        snprintf(out, LAYOUT_TAB_LABEL, " %c %s ", t->key, t->tab);
    else if (f == 2 || current)
        snprintf(out, LAYOUT_TAB_LABEL, "%c %s ", t->key, t->tab);
    else if (f == 3) {
        char cut[LAYOUT_TAB_ABBREV * 4 + 1];
        layout_truncate(t->tab, LAYOUT_TAB_ABBREV, NULL, cut, sizeof cut);
        snprintf(out, LAYOUT_TAB_LABEL, "%c %s ", t->key, cut);
    } else
        snprintf(out, LAYOUT_TAB_LABEL, "%c ", t->key);
    return layout_width(out) + (t->badge_w > 0 ? t->badge_w + 1 : 0);
}

int layout_tabs(const LayoutTab *t, int n, int cur, int width, int first,
                char (*out)[LAYOUT_TAB_LABEL])
{
    int f = first;
    for (; f < 4; f++) {
        int total = 0;
        for (int i = 0; i < n; i++)
            total += tab_label(&t[i], f, i == cur, out[i]);
        if (total <= width)
            return f;
    }
    for (int i = 0; i < n; i++)
        tab_label(&t[i], 4, i == cur, out[i]);
    return 4;
}

void layout_spark_levels(const double *v, int n, double lo, double hi, int nlevels, int *out)
{
    if (hi <= lo) {
        lo = 0;
        hi = 0;
        for (int i = 0; i < n; i++)
            if (v[i] > hi)
                hi = v[i];
    }
    for (int i = 0; i < n; i++) {
        if (hi <= lo || nlevels <= 1) {
            out[i] = 0;
            continue;
        }
        double f = (v[i] - lo) / (hi - lo);
        if (f < 0)
            f = 0;
        if (f > 1)
            f = 1;
        int l = (int)(f * (nlevels - 1) + 0.5);
        /* anything above the floor shows at least one step */
        if (l == 0 && v[i] > lo)
            l = 1;
        out[i] = l;
    }
}

void layout_scroll(int n, int page, int *cursor, int *top)
{
    if (page < 1)
        page = 1;
    if (n <= 0) {
        *cursor = *top = 0;
        return;
    }
    if (*cursor >= n)
        *cursor = n - 1;
    if (*cursor < 0)
        *cursor = 0;
    if (*top > *cursor)
        *top = *cursor;
    if (*cursor >= *top + page)
        *top = *cursor - page + 1;
    if (*top > n - page)
        *top = n - page;
    if (*top < 0)
        *top = 0;
}

int layout_too_small(int cols, int rows)
{
    return cols < LAYOUT_MIN_COLS || rows < LAYOUT_MIN_ROWS;
}

int layout_split(int cols, int *left, int *right)
{
    if (cols < LAYOUT_WIDE_COLS) {
        *left = cols;
        *right = 0;
        return 0;
    }
    *left = cols * 11 / 20;           /* 55 % for the list */
    *right = cols - *left - 1;
    return 1;
}

void layout_duration(int64_t s, char *buf, size_t size)
{
    if (s < 0)
        s = 0;
    if (s < 60)
        snprintf(buf, size, "%llds", (long long)s);
    else if (s < 3600)
        snprintf(buf, size, "%lldm", (long long)(s / 60));
    else if (s < 86400)
        snprintf(buf, size, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
    else
        snprintf(buf, size, "%lldd%02lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
}

void layout_rate(double b, char *buf, size_t size)
{
    if (b < 0)
        b = 0;
    if (b < 1024)
        snprintf(buf, size, "%.0f B/s", b);
    else if (b < 1024 * 1024)
        snprintf(buf, size, "%.1f KB/s", b / 1024);
    else if (b < 1024.0 * 1024 * 1024)
        snprintf(buf, size, "%.1f MB/s", b / (1024 * 1024));
    else
        snprintf(buf, size, "%.1f GB/s", b / (1024.0 * 1024 * 1024));
}

int layout_wrap(const char *text, int width, int *starts, int *lens, int max)
{
    int n = 0;
    const unsigned char *base = (const unsigned char *)text, *p = base;
    if (width < 1)
        width = 1;
    while (*p && n < max) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const unsigned char *q = p, *brk = NULL;
        int w = 0;
        while (*q && *q != '\n' && w < width) {
            if (*q == ' ')
                brk = q;
            q += cp_len(q);
            w++;
        }
        const unsigned char *end = q;
        if (*q && *q != '\n' && *q != ' ' && brk && brk > p)
            end = brk;       /* break at the last space */
        starts[n] = (int)(p - base);
        lens[n] = (int)(end - p);
        n++;
        p = end;
        if (*p == '\n')
            p++;
    }
    return n;
}

int layout_wrap_clip(const char *text, int width, int reserve, int *starts, int *lens, int max,
                     int *clipped)
{
    *clipped = 0;
    int n = layout_wrap(text, width, starts, lens, max);
    if (n < max || n == 0)
        return n;
    const char *rest = text + starts[n - 1] + lens[n - 1];
    while (*rest == ' ' || *rest == '\n')
        rest++;
    if (!*rest)
        return n;
    *clipped = 1;
    int s1, l1, w = width - reserve > 1 ? width - reserve : 1;
    if (layout_wrap(text + starts[n - 1], w, &s1, &l1, 1) == 1)
        lens[n - 1] = s1 + l1;
    while (lens[n - 1] > 0 && text[starts[n - 1] + lens[n - 1] - 1] == ' ')
        lens[n - 1]--;
    return n;
}

int layout_contains(const char *hay, const char *needle)
{
    if (!needle || !*needle)
        return 1;
    if (!hay)
        return 0;
    size_t nl = strlen(needle);
    for (const char *h = hay; *h; h++) {
        size_t i = 0;
        while (i < nl && h[i] && tolower((unsigned char)h[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == nl)
            return 1;
    }
    return 0;
}
