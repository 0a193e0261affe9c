/* util — see util.h. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static void (*emergency_hook)(void);

void util_set_emergency_hook(void (*hook)(void)) { emergency_hook = hook; }

static void oom(void)
{
    if (emergency_hook)
        emergency_hook();
    fputs("resops: out of memory\n", stderr);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *xcalloc(size_t nmemb, size_t n)
{
    void *p = calloc(nmemb ? nmemb : 1, n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom();
    return q;
}

char *xstrdup(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        oom();
    return d;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *out;
    va_start(ap, fmt);
    int r = vasprintf(&out, fmt, ap);
    va_end(ap);
    if (r < 0)
        oom();
    return out;
}

size_t strlcpy_(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size) {
        size_t c = n >= size ? size - 1 : n;
        memcpy(dst, src, c);
        dst[c] = '\0';
    }
    return n;
}

/* The test clock (issue 11): when RESOPS_CLOCK_OFFSET_FILE names a file,
 * its first number (signed seconds) is added to the wall clock on every
 * reading, so a test can move the server's time forward without waiting
 * for an ack or a silence to expire. Read on each call (tests only); a
 * missing or unreadable file means no offset. */
static const char *clock_file;
static pthread_once_t clock_once = PTHREAD_ONCE_INIT;

static void clock_init(void)
{
    const char *f = getenv("RESOPS_CLOCK_OFFSET_FILE");
    clock_file = f && *f ? f : NULL;
}

int64_t util_clock_offset(void)
{
    pthread_once(&clock_once, clock_init);
    if (!clock_file)
        return 0;
    FILE *fp = fopen(clock_file, "r");
    if (!fp)
        return 0;
    long long v = 0;
    if (fscanf(fp, "%lld", &v) != 1)
        v = 0;
    fclose(fp);
    return (int64_t)v;
}

int64_t util_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec + util_clock_offset();
}

int64_t util_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((int64_t)ts.tv_sec + util_clock_offset()) * 1000 + ts.tv_nsec / 1000000;
}

int64_t util_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void util_iso8601(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
}

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)**p))
            return -1;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    *out = v;
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * algorithm): no timegm(), no time-zone lock, so a cycle can parse 100k
 * timestamps cheaply. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int util_parse_iso8601(const char *s, int64_t *out)
{
    if (!s)
        return -EINVAL;
    const char *p = s;
    int Y, M, D, h = 0, m = 0, sec = 0;
    if (digits(&p, 4, &Y) || *p++ != '-' || digits(&p, 2, &M) || *p++ != '-' ||
        digits(&p, 2, &D))
        return -EINVAL;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &m))
            return -EINVAL;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &sec))
                return -EINVAL;
            if (*p == '.') {
                p++;
                if (!isdigit((unsigned char)*p))
                    return -EINVAL;
                while (isdigit((unsigned char)*p))
                    p++;
            }
        }
    }
    long off = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om = 0;
        p++;
        if (digits(&p, 2, &oh))
            return -EINVAL;
        if (*p == ':')
            p++;
        if (*p && digits(&p, 2, &om))
            return -EINVAL;
        off = sign * (oh * 3600L + om * 60L);
    }
    if (*p)
        return -EINVAL;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return -EINVAL;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (D > mdays[M - 1])
        return -EINVAL;
    int leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
    if (M == 2 && D == 29 && !leap)
        return -EINVAL;
    *out = days_from_civil(Y, M, D) * 86400 + h * 3600 + m * 60 + sec - off;
    return 0;
}

void strbuf_append(StrBuf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

void strbuf_appendf(StrBuf *b, const char *fmt, ...)
{
    va_list ap;
    char *tmp;
    va_start(ap, fmt);
    int r = vasprintf(&tmp, fmt, ap);
    va_end(ap);
    if (r < 0)
        oom();
    strbuf_append(b, tmp);
    free(tmp);
}

void strbuf_free(StrBuf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

int util_strcaseeq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcasecmp(a, b) == 0;
}

void util_uuid4(char out[37])
{
    unsigned char b[16];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t r = getrandom(b + got, sizeof b - got, 0);
        if (r > 0)
            got += (size_t)r;
        else if (errno != EINTR)
            break;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
}

/* ---- text from outside ---- */

int util_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str, *end = s + len;
    while (s < end) {
        unsigned c = *s;
        if (c < 0x80) {
            s++;
            continue;
        }
        int n;
        unsigned lo = 0x80, hi = 0xBF;      /* allowed range of the 2nd byte */
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            if (c == 0xE0)
                lo = 0xA0;                  /* no overlong 3-byte forms */
            else if (c == 0xED)
                hi = 0x9F;                  /* no UTF-16 surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            if (c == 0xF0)
                lo = 0x90;                  /* no overlong 4-byte forms */
            else if (c == 0xF4)
                hi = 0x8F;                  /* nothing above U+10FFFF */
        } else {
            return 0;                       /* 0x80..0xC1, 0xF5..0xFF */
        }
        if (end - s <= n || s[1] < lo || s[1] > hi)
            return 0;
        for (int k = 2; k <= n; k++)
            if ((s[k] & 0xC0) != 0x80)
                return 0;
        s += n + 1;
    }
    return 1;
}

size_t util_utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

void util_utf8_cut(char *s)
{
    size_t n = strlen(s), k = n;
    while (k > 0 && ((unsigned char)s[k - 1] & 0xC0) == 0x80 && n - k < 3)
        k--;
    if (k == 0)
        return;
    unsigned char lead = (unsigned char)s[k - 1];
    size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (n - (k - 1) < want)
        s[k - 1] = '\0';
}

/* The code point at s (valid UTF-8), its length in *len. */
static unsigned utf8_decode(const unsigned char *s, int *len)
{
    if (s[0] < 0x80) {
        *len = 1;
        return s[0];
    }
    if (s[0] < 0xE0) {
        *len = 2;
        return (s[0] & 0x1Fu) << 6 | (s[1] & 0x3Fu);
    }
    if (s[0] < 0xF0) {
        *len = 3;
        return (s[0] & 0x0Fu) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu);
    }
    *len = 4;
    return (s[0] & 0x07u) << 18 | (s[1] & 0x3Fu) << 12 | (s[2] & 0x3Fu) << 6 | (s[3] & 0x3Fu);
}

/* Unicode White_Space plus the zero-width ones that render as nothing. */
static int is_space_cp(unsigned cp)
{
    return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || cp == 0xA0 ||
           cp == 0x1680 || cp == 0x180E || (cp >= 0x2000 && cp <= 0x200B) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 ||
           cp == 0xFEFF;
}

/* Format characters that draw nothing yet change what a reader sees: bidi
 * embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069), the
 * marks U+200E/U+200F, zero-width space, (non-)joiner (U+200B..U+200D), word
 * joiner U+2060 and the BOM U+FEFF. In a name they make "admin" and
 * "ad<ZWSP>min", or a reversed string, look alike (S4). */
static int is_invisible_cp(unsigned cp)
{
    return (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2060 || cp == 0xFEFF;
}

int util_text_check(const char *field, const char *s, size_t max_chars, int flags,
                    char *err, size_t errsz)
{
    if (!s)
        return 0;
    size_t len = strlen(s);
    if (!util_utf8_valid(s, len)) {
        snprintf(err, errsz, "Field '%s' must be valid UTF-8", field);
        return -EINVAL;
    }
    size_t chars = 0;
    int blank = 1;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n;
        unsigned cp = utf8_decode(p, &n);
        int control = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
        if (control && ((flags & UTIL_TEXT_LINE) || (cp != '\t' && cp != '\n' && cp != '\r'))) {
            snprintf(err, errsz, "Field '%s' must not contain control characters (U+%04X)",
                     field, cp);
            return -EINVAL;
        }
        if ((flags & UTIL_TEXT_VISIBLE) && is_invisible_cp(cp)) {
            snprintf(err, errsz,
                     "Field '%s' must not contain invisible or bidi format characters (U+%04X)",
                     field, cp);
            return -EINVAL;
        }
        if (!is_space_cp(cp))
            blank = 0;
        chars++;
        p += n;
    }
    if ((flags & UTIL_TEXT_NONBLANK) && blank) {
        snprintf(err, errsz, "Field '%s' must not be blank", field);
        return -EINVAL;
    }
    if (max_chars && chars > max_chars) {
        snprintf(err, errsz, "Field '%s' must be at most %zu characters (got %zu)", field,
                 max_chars, chars);
        return -EINVAL;
    }
    return 0;
}

char *util_trim_dup(const char *s)
{
    if (!s)
        return NULL;
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        n--;
    char *d = xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

int util_json_find_nul(const char *json, size_t len, char *key, size_t keysz)
{
    char cur[128] = "";
    for (size_t i = 0; i < len; i++) {
        if (json[i] != '"')
            continue;
        size_t j = i + 1;
        int nul = 0;
        while (j < len && json[j] != '"') {
            if (json[j] == '\\') {
                if (j + 5 < len && json[j + 1] == 'u' && !memcmp(json + j + 2, "0000", 4))
                    nul = 1;
                j += 2;
                continue;
            }
            if (json[j] == '\0')
                nul = 1;
            j++;
        }
        size_t k = j + 1;
        while (k < len && strchr(" \t\r\n", json[k]) && json[k])
            k++;
        int is_key = k < len && json[k] == ':';
        if (is_key) {
            size_t n = j - i - 1 < sizeof cur - 1 ? j - i - 1 : sizeof cur - 1;
            memcpy(cur, json + i + 1, n);
            cur[n] = '\0';
        }
        if (nul) {
            if (keysz)
                strlcpy_(key, cur, keysz);
            return 1;
        }
        i = j;
    }
    return 0;
}

int util_csv_next(const char **pp, const char **out_b, const char **out_e)
{
    const char *p = *pp;
    if (!p || !*p)
        return 0;
    size_t len = strcspn(p, ",");
    const char *b = p, *e = p + len;
    while (b < e && *b == ' ')
        b++;
    while (e > b && e[-1] == ' ')
        e--;
    *out_b = b;
    *out_e = e;
    *pp = p + len + (p[len] == ',');
    return 1;
}

void util_deadline(struct timespec *out, int clock, int64_t ms)
{
    clock_gettime((clockid_t)clock, out);
    out->tv_sec += ms / 1000;
    out->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (out->tv_nsec >= 1000000000L) {
        out->tv_sec++;
        out->tv_nsec -= 1000000000L;
    }
}

/* newlocale per call: a locale_t is cheap next to the formatting, and
 * nothing needs freeing at exit. */
void util_format_c(char *buf, size_t size, const char *fmt, ...)
{
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = c ? uselocale(c) : (locale_t)0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    if (c) {
        uselocale(old);
        freelocale(c);
    }
}

double util_strtod_c(const char *s, char **end)
{
    int saved = errno;            /* errno as strtod leaves it, nothing else */
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    errno = saved;
    double v = c ? strtod_l(s, end, c) : strtod(s, end);
    if (c) {
        saved = errno;
        freelocale(c);
        errno = saved;
    }
    return v;
}

void util_malloc_tune(void)
{
#ifdef M_TRIM_THRESHOLD
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
}
