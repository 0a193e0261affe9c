/* logparse — see logparse.h.
 *
 * DESIGN: a line is a span [p, end) that is never copied. logparse_line()
 * tries the formats that announce themselves by their first characters
 * (JSON, syslog PRI, glog), then the fixed shape of an access log, then
 * logfmt keys, then the general form:
 * skip a timestamp (and a syslog host and tag), and look for a level word
 * among the first words. The analyzer keeps the error groups in an
 * open-addressing hash table keyed by the masked message.
 */
#include "domain/logparse.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HEADER_WORDS 6
#define KEY_MAX      512

static const char *const level_names[LP_COUNT] = {
    "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "CRITICAL",
};

const char *logparse_level_name(LpLevel l)
{
    return l >= 0 && l < LP_COUNT ? level_names[l] : "NONE";
}

static const struct {
    const char *word;
    LpLevel     level;
} words[] = {
    {"TRACE", LP_TRACE},       {"FINEST", LP_TRACE},    {"FINER", LP_TRACE},
    {"DEBUG", LP_DEBUG},       {"DBG", LP_DEBUG},       {"FINE", LP_DEBUG},
    {"INFO", LP_INFO},         {"NOTICE", LP_INFO},     {"INFORMATION", LP_INFO},
    {"WARN", LP_WARN},         {"WARNING", LP_WARN},
    {"ERROR", LP_ERROR},       {"ERR", LP_ERROR},       {"SEVERE", LP_ERROR},
    {"CRITICAL", LP_CRITICAL}, {"CRIT", LP_CRITICAL},   {"FATAL", LP_CRITICAL},
    {"PANIC", LP_CRITICAL},    {"EMERG", LP_CRITICAL},  {"EMERGENCY", LP_CRITICAL},
    {"ALERT", LP_CRITICAL},
};

static LpLevel level_word(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i].word) == n && strncasecmp(s, words[i].word, n) == 0)
            return words[i].level;
    return LP_NONE;
}

static int is_sp(char c) { return c == ' ' || c == '\t'; }

/* c is one of set (never the terminating NUL, unlike strchr) */
static int in_set(char c, const char *set) { return c && strchr(set, c) != NULL; }

static const char *skip_sp(const char *p, const char *end)
{
    while (p < end && is_sp(*p))
        p++;
    return p;
}

static const char *token_end(const char *p, const char *end)
{
    while (p < end && !is_sp(*p))
        p++;
    return p;
}

/* n digits at p (all within end)? */
static int digits(const char *p, const char *end, int n)
{
    if (end - p < n)
        return 0;
    for (int i = 0; i < n; i++)
        if (!isdigit((unsigned char)p[i]))
            return 0;
    return 1;
}

/* "hh:mm[:ss][.fff|,fff]" at p: the end of it, or NULL. */
static const char *clock_end(const char *p, const char *end)
{
    if (!digits(p, end, 2) || end - p < 5 || p[2] != ':' || !digits(p + 3, end, 2))
        return NULL;
    p += 5;
    if (end - p >= 3 && p[0] == ':' && digits(p + 1, end, 2))
        p += 3;
    if (p < end && (*p == '.' || *p == ',') && p + 1 < end && isdigit((unsigned char)p[1]))
        for (p++; p < end && isdigit((unsigned char)*p); p++)
            ;
    return p;
}

static int month_at(const char *p, const char *end)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (end - p < 3)
        return 0;
    for (int i = 0; i < 12; i++)
        if (strncmp(p, months + 3 * i, 3) == 0)
            return 1;
    return 0;
}

/* Skip a leading timestamp (see logparse.h) and the space after it. */
static const char *skip_timestamp(const char *p, const char *end, int *syslog_style)
{
    const char *q = p, *c;
    int bracket = 0;
    *syslog_style = 0;
    if (q < end && *q == '[') {
        bracket = 1;
        q++;
    }
    /* Apache: [Www Mmm dd hh:mm:ss[.ffffff] yyyy] */
    if (bracket && end - q > 8 && isalpha((unsigned char)q[0]) && q[3] == ' ' &&
        month_at(q + 4, end)) {
        const char *close = memchr(q, ']', (size_t)(end - q));
        if (close && close - q < 48)
            return skip_sp(close + 1, end);
    }
    /* ISO 8601 and YYYY/MM/DD */
    if (digits(q, end, 4) && end - q >= 10 && (q[4] == '-' || q[4] == '/') && q[7] == q[4] &&
        digits(q + 5, end, 2) && digits(q + 8, end, 2)) {
        q += 10;
        if (q < end && (*q == 'T' || *q == ' ') && (c = clock_end(q + 1, end)) != NULL) {
            q = c;
            if (q < end && *q == 'Z') {
                q++;
            } else if (q < end && (*q == '+' || *q == '-') && digits(q + 1, end, 2)) {
                q += 3;
                if (q < end && *q == ':')
                    q++;
                if (digits(q, end, 2))
                    q += 2;
            }
        }
        if (bracket && q < end && *q == ']')
            q++;
        else if (bracket)
            return p;
        if (q < end && !is_sp(*q))
            return p;
        return skip_sp(q, end);
    }
    /* syslog: Mmm [ d]d hh:mm:ss host tag: */
    if (!bracket && month_at(q, end) && end - q > 4 && q[3] == ' ') {
        q = skip_sp(q + 3, end);
        if (q < end && isdigit((unsigned char)*q)) {
            q++;
            if (q < end && isdigit((unsigned char)*q))
                q++;
            if (q < end && *q == ' ' && (c = clock_end(q + 1, end)) != NULL) {
                *syslog_style = 1;
                q = skip_sp(c, end);
                const char *host_end = token_end(q, end);
                const char *tag = skip_sp(host_end, end);
                const char *tag_end = token_end(tag, end);
                if (tag_end > tag && tag_end[-1] == ':')
                    return skip_sp(tag_end, end);
                return q;
            }
        }
        return p;
    }
    /* epoch seconds: 1700000000[.123] */
    if (!bracket && digits(q, end, 10)) {
        c = q;
        while (c < end && (isdigit((unsigned char)*c) || *c == '.'))
            c++;
        if (c == end || is_sp(*c))
            return skip_sp(c, end);
    }
    return p;
}

/* Drop separators and spaces in front of a message, trailing space. */
static void tidy(const char **msg, const char *end, size_t *len)
{
    const char *p = *msg;
    while (p < end && (is_sp(*p) || *p == '-' || *p == ':' || *p == '|' || *p == ']' ||
                       *p == '>' || *p == ')'))
        p++;
    /* nginx "12#0: *5 " and Spring Boot "1234 --- [main] c.e.App : " */
    const char *q = p;
    while (q < end && isdigit((unsigned char)*q))
        q++;
    if (q > p && q < end && *q == '#') {
        const char *colon = memchr(q, ':', (size_t)(end - q));
        if (colon && colon - q < 12) {
            p = skip_sp(colon + 1, end);
            if (p < end && *p == '*') {
                const char *n = p + 1;
                while (n < end && isdigit((unsigned char)*n))
                    n++;
                p = skip_sp(n, end);
            }
        }
    }
    const char *dashes = NULL;
    for (const char *s = p; s + 5 <= end && s - p < 40; s++)
        if (memcmp(s, "--- [", 5) == 0) {
            dashes = s;
            break;
        }
    if (dashes) {
        for (const char *s = dashes; s + 3 <= end; s++)
            if (memcmp(s, " : ", 3) == 0) {
                p = skip_sp(s + 3, end);
                break;
            }
    }
    while (end > p && (is_sp(end[-1]) || end[-1] == '\r'))
        end--;
    *msg = p;
    *len = (size_t)(end - p);
}

/* A "key": value in a JSON line; the value span (inside the quotes for a
 * string). 1 found, 0 not. */
static int json_field(const char *p, const char *end, const char *key, const char **v,
                      size_t *vlen, int *is_str)
{
    size_t kl = strlen(key);
    for (const char *s = p; s + kl + 2 < end; s++) {
        if (*s != '"' || strncmp(s + 1, key, kl) != 0 || s[kl + 1] != '"')
            continue;
        const char *q = skip_sp(s + kl + 2, end);
        if (q >= end || *q != ':')
            continue;
        q = skip_sp(q + 1, end);
        if (q < end && *q == '"') {
            const char *e = ++q;
            while (e < end && *e != '"')
                e += *e == '\\' && e + 1 < end ? 2 : 1;
            *v = q;
            *vlen = (size_t)((e < end ? e : end) - q);
            *is_str = 1;
            return 1;
        }
        const char *e = q;
        while (e < end && *e != ',' && *e != '}' && !is_sp(*e))
            e++;
        *v = q;
        *vlen = (size_t)(e - q);
        *is_str = 0;
        return e > q;
    }
    return 0;
}

/* bunyan / pino numbers: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal */
static LpLevel numeric_level(const char *v, size_t n)
{
    int x = 0;
    for (size_t i = 0; i < n && i < 4; i++) {
        if (!isdigit((unsigned char)v[i]))
            return LP_NONE;
        x = x * 10 + (v[i] - '0');
    }
    if (x >= 60)
        return LP_CRITICAL;
    return x >= 50 ? LP_ERROR : x >= 40 ? LP_WARN : x >= 30 ? LP_INFO : x >= 20 ? LP_DEBUG
                                                                          : x >= 10 ? LP_TRACE
                                                                                    : LP_NONE;
}

static LpLevel parse_json(const char *p, const char *end, const char **msg, size_t *msglen)
{
    static const char *const lkeys[] = {"level", "lvl", "severity", "levelname", "log.level",
                                        "loglevel"};
    static const char *const mkeys[] = {"message", "msg", "text", "event", "error"};
    const char *v;
    size_t vl;
    int str;
    LpLevel l = LP_NONE;
    for (size_t i = 0; i < sizeof lkeys / sizeof lkeys[0] && l == LP_NONE; i++)
        if (json_field(p, end, lkeys[i], &v, &vl, &str))
            l = str ? level_word(v, vl) : numeric_level(v, vl);
    if (l == LP_NONE)
        return LP_NONE;
    for (size_t i = 0; i < sizeof mkeys / sizeof mkeys[0]; i++)
        if (json_field(p, end, mkeys[i], &v, &vl, &str)) {
            *msg = v;
            *msglen = vl;
            return l;
        }
    *msg = p;
    *msglen = (size_t)(end - p);
    return l;
}

/* logfmt: key=value with key at the start or after a space. */
static int logfmt_value(const char *p, const char *end, const char *key, const char **v,
                        size_t *vlen)
{
    size_t kl = strlen(key);
    for (const char *s = p; s + kl + 1 < end; s++) {
        if ((s != p && !is_sp(s[-1])) || strncasecmp(s, key, kl) != 0 || s[kl] != '=')
            continue;
        const char *q = s + kl + 1, *e;
        if (q < end && *q == '"') {
            e = ++q;
            while (e < end && *e != '"')
                e += *e == '\\' && e + 1 < end ? 2 : 1;
        } else {
            e = token_end(q, end);
        }
        *v = q;
        *vlen = (size_t)((e < end ? e : end) - q);
        return 1;
    }
    return 0;
}

static LpLevel parse_logfmt(const char *p, const char *end, const char **msg, size_t *msglen)
{
    static const char *const lkeys[] = {"level", "lvl", "severity", "loglevel"};
    const char *v;
    size_t vl;
    LpLevel l = LP_NONE;
    for (size_t i = 0; i < sizeof lkeys / sizeof lkeys[0] && l == LP_NONE; i++)
        if (logfmt_value(p, end, lkeys[i], &v, &vl))
            l = level_word(v, vl);
    if (l == LP_NONE)
        return LP_NONE;
    if (logfmt_value(p, end, "msg", &v, &vl) || logfmt_value(p, end, "message", &v, &vl)) {
        *msg = v;
        *msglen = vl;
    } else {
        tidy(&p, end, msglen);
        *msg = p;
    }
    return l;
}

/* nginx/Apache access logs, common or combined (also Apache's
 * vhost_combined, one more field in front):
 *   host ident authuser [dd/Mmm/yyyy:hh:mm:ss +zzzz] "request" status bytes
 *   ... "referer" "user-agent" [anything nginx adds]
 * The level comes from the status: 5xx ERROR, 4xx WARN, 1xx-3xx INFO. The
 * message is the quoted request and the status ("\"GET / HTTP/1.1\" 500"),
 * so errors group by request. LP_NONE unless every field up to the bytes
 * has its shape. */
static LpLevel parse_access(const char *p, const char *end, const char **msg, size_t *msglen)
{
    const char *q = p;
    int fields = 0;
    while (q < end && *q != '[' && fields < 5) {
        const char *te = token_end(q, end);
        if (te == q)
            return LP_NONE;
        fields++;
        q = skip_sp(te, end);
    }
    if (fields < 3 || fields > 4 || q >= end || *q != '[')
        return LP_NONE;
    /* [10/Oct/2000:13:55:36 -0700] */
    q++;
    if (end - q < 27 || !digits(q, end, 2) || q[2] != '/' || !month_at(q + 3, end) ||
        q[6] != '/' || !digits(q + 7, end, 4) || q[11] != ':' || clock_end(q + 12, end) != q + 20 ||
        q[20] != ' ' || (q[21] != '+' && q[21] != '-') || !digits(q + 22, end, 4) || q[26] != ']')
        return LP_NONE;
    q += 27;
    if (q >= end || *q != ' ')
        return LP_NONE;
    const char *req = skip_sp(q, end);
    if (req >= end || *req != '"')
        return LP_NONE;
    q = req + 1;
    while (q < end && *q != '"')
        q += *q == '\\' && q + 1 < end ? 2 : 1;
    if (q >= end)
        return LP_NONE;
    q++;                                            /* past the closing quote */
    if (q >= end || *q != ' ')
        return LP_NONE;
    const char *st = skip_sp(q, end);
    if (!digits(st, end, 3) || st[0] < '1' || st[0] > '5' || st + 3 >= end || !is_sp(st[3]))
        return LP_NONE;
    const char *by = skip_sp(st + 3, end);
    const char *bye = token_end(by, end);
    if (bye == by)
        return LP_NONE;
    if (!(bye - by == 1 && *by == '-'))
        for (const char *c = by; c < bye; c++)
            if (!isdigit((unsigned char)*c))
                return LP_NONE;
    *msg = req;
    *msglen = (size_t)(st + 3 - req);
    return st[0] == '5' ? LP_ERROR : st[0] == '4' ? LP_WARN : LP_INFO;
}

/* The level word among the header words, and where the message starts. */
static LpLevel header_level(const char *p, const char *end, const char **msg_start)
{
    const char *t = skip_sp(p, end);
    for (int idx = 0; idx < HEADER_WORDS && t < end; idx++) {
        const char *te = token_end(t, end);
        const char *c = t;
        int decorated = 0;
        while (c < te && in_set(*c, "[(<|{")) {
            c++;
            decorated = 1;
        }
        const char *ce = c;
        int caps = 1;
        while (ce < te && isalpha((unsigned char)*ce)) {
            caps &= isupper((unsigned char)*ce) != 0;
            ce++;
        }
        int boundary = ce == te || in_set(*ce, "]):>|,:");
        if (ce > c && boundary) {
            if (ce < te)
                decorated = 1;
            LpLevel l = level_word(c, (size_t)(ce - c));
            if (l != LP_NONE && (caps || decorated || idx == 0)) {
                if (ce < te && *ce == ':' && ce + 1 < te) {
                    /* Python basicConfig: LEVEL:logger:message */
                    const char *second = memchr(ce + 1, ':', (size_t)(te - ce - 1));
                    *msg_start = second ? second + 1 : ce + 1;
                } else {
                    *msg_start = te;
                }
                return l;
            }
        }
        t = skip_sp(te, end);
    }
    return LP_NONE;
}

LpLevel logparse_line(const char *line, size_t len, const char **msg, size_t *msglen)
{
    const char *p = line, *end = line + len;
    while (end > p && (is_sp(end[-1]) || end[-1] == '\r' || end[-1] == '\n'))
        end--;
    p = skip_sp(p, end);
    *msg = p;
    *msglen = (size_t)(end - p);
    if (p == end)
        return LP_NONE;
    LpLevel l;
    const char *m;
    if (*p == '{' && (l = parse_json(p, end, msg, msglen)) != LP_NONE)
        return l;
    /* syslog PRI: <0..191> */
    if (*p == '<' && end - p > 2 && isdigit((unsigned char)p[1])) {
        const char *q = p + 1;
        int pri = 0;
        while (q < end && isdigit((unsigned char)*q) && pri < 1000)
            pri = pri * 10 + (*q++ - '0');
        if (q < end && *q == '>' && pri < 192) {
            static const LpLevel sev[8] = {LP_CRITICAL, LP_CRITICAL, LP_CRITICAL, LP_ERROR,
                                           LP_WARN,     LP_INFO,     LP_INFO,     LP_DEBUG};
            q++;
            if (end - q > 2 && q[0] == '1' && q[1] == ' ') {
                /* RFC 5424: VERSION TIMESTAMP HOST APP PROCID MSGID SD MSG */
                q += 2;
                for (int i = 0; i < 5 && q < end; i++)
                    q = skip_sp(token_end(q, end), end);
                if (q < end && *q == '[') {
                    while (q < end && *q == '[') {
                        const char *close = memchr(q, ']', (size_t)(end - q));
                        q = close ? close + 1 : end;
                    }
                } else if (q < end) {
                    q = token_end(q, end);
                }
            } else {
                int sys;
                q = skip_timestamp(q, end, &sys);
            }
            LpLevel a = parse_access(q, end, msg, msglen);
            if (a != LP_NONE)
                return a;                           /* nginx logging to syslog */
            tidy(&q, end, msglen);
            *msg = q;
            return sev[pri & 7];
        }
    }
    /* glog: Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg */
    if (in_set(*p, "IWEF") && digits(p + 1, end, 4) && end - p > 6 && p[5] == ' ' &&
        clock_end(p + 6, end)) {
        const char *close = memchr(p, ']', (size_t)(end - p));
        if (close) {
            m = close + 1;
            tidy(&m, end, msglen);
            *msg = m;
            return *p == 'I' ? LP_INFO : *p == 'W' ? LP_WARN : *p == 'E' ? LP_ERROR
                                                                          : LP_CRITICAL;
        }
    }
    if ((l = parse_access(p, end, msg, msglen)) != LP_NONE)
        return l;
    if ((l = parse_logfmt(p, end, msg, msglen)) != LP_NONE)
        return l;
    int sys;
    const char *body = skip_timestamp(p, end, &sys);
    if (sys && (l = parse_access(body, end, msg, msglen)) != LP_NONE)
        return l;
    l = header_level(body, end, &m);
    if (l == LP_NONE) {
        *msg = p;
        *msglen = (size_t)(end - p);
        return LP_NONE;
    }
    tidy(&m, end, msglen);
    *msg = m;
    return l;
}

/* ---- the analyzer ------------------------------------------------------------ */

typedef struct Group {
    char   *key, *example;
    int64_t count, first;
} Group;

typedef struct Table {
    Group *g;
    size_t cap, n;
} Table;

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void table_grow(Table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    Group *g = xcalloc(cap, sizeof *g);
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->g[i].key)
            continue;
        size_t j = fnv(t->g[i].key) & (cap - 1);
        while (g[j].key)
            j = (j + 1) & (cap - 1);
        g[j] = t->g[i];
    }
    free(t->g);
    t->g = g;
    t->cap = cap;
}

/* The grouping key: numbers and long hex ids masked, spaces collapsed. */
static void mask(const char *m, size_t n, char *out, size_t size)
{
    size_t o = 0;
    int space = 0;
    for (size_t i = 0; i < n && o + 2 < size;) {
        unsigned char c = (unsigned char)m[i];
        int boundary = i == 0 || !isalnum((unsigned char)m[i - 1]);
        if (boundary && c == '0' && i + 2 < n && (m[i + 1] == 'x' || m[i + 1] == 'X') &&
            isxdigit((unsigned char)m[i + 2])) {
            for (i += 2; i < n && isxdigit((unsigned char)m[i]); i++)
                ;
            out[o++] = '#';
            space = 0;
            continue;
        }
        if (boundary && isxdigit(c)) {
            size_t j = i;
            int has_digit = 0, all_digit = 1;
            while (j < n && (isxdigit((unsigned char)m[j]) || m[j] == '-')) {
                has_digit |= isdigit((unsigned char)m[j]) != 0;
                all_digit &= isdigit((unsigned char)m[j]) != 0;
                j++;
            }
            int word_end = j == n || !isalnum((unsigned char)m[j]);
            if (word_end && has_digit && (all_digit || j - i >= 8)) {
                out[o++] = '#';
                i = j;
                space = 0;
                continue;
            }
        }
        if (isdigit(c)) {
            while (i < n && isdigit((unsigned char)m[i]))
                i++;
            out[o++] = '#';
            space = 0;
            continue;
        }
        if (isspace(c)) {
            if (!space && o)
                out[o++] = ' ';
            space = 1;
            i++;
            continue;
        }
        out[o++] = (char)c;
        space = 0;
        i++;
    }
    while (o && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
}

static void table_add(Table *t, const char *msg, size_t n, int64_t order)
{
    char key[KEY_MAX];
    mask(msg, n, key, sizeof key);
    if ((t->n + 1) * 10 >= t->cap * 7)
        table_grow(t);
    size_t j = fnv(key) & (t->cap - 1);
    while (t->g[j].key && strcmp(t->g[j].key, key) != 0)
        j = (j + 1) & (t->cap - 1);
    Group *g = &t->g[j];
    if (!g->key) {
        g->key = xstrdup(key);
        size_t keep = n < KEY_MAX ? n : KEY_MAX;
        g->example = xmalloc(keep + 1);
        memcpy(g->example, msg, keep);
        g->example[keep] = '\0';
        if (keep < n)
            util_utf8_cut(g->example);     /* never half a character */
        g->first = order;
        t->n++;
    }
    g->count++;
}

static int by_count(const void *a, const void *b)
{
    const Group *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

static int starts_with(const char *p, const char *end, const char *s)
{
    size_t n = strlen(s);
    return (size_t)(end - p) >= n && memcmp(p, s, n) == 0;
}

int logparse_analyze(const char *text, size_t len, int top_n, LogReport *out)
{
    memset(out, 0, sizeof *out);
    Table t = {0};
    const char *p = text, *end = text + len;
    int in_trace = 0, have_entry = 0;
    while (p < end) {
        const char *nl = p;
        while (nl < end && *nl != '\n' && *nl != '\r')
            nl++;
        const char *line = p, *le = nl;
        if (nl < end && *nl == '\r' && nl + 1 < end && nl[1] == '\n')
            p = nl + 2;
        else
            p = nl < end ? nl + 1 : end;
        const char *s = skip_sp(line, le);
        if (s == le)
            continue;
        out->lines++;
        const char *msg;
        size_t mlen;
        LpLevel l = logparse_line(line, (size_t)(le - line), &msg, &mlen);
        if (l != LP_NONE) {
            out->entries++;
            out->counts[l]++;
            have_entry = 1;
            in_trace = 0;
            if (l >= LP_ERROR && top_n > 0)
                table_add(&t, msg, mlen, out->entries);
            continue;
        }
        if (starts_with(s, le, "Traceback (most recent call last)")) {
            in_trace = 1;
            out->continuation++;
        } else if (have_entry && (in_trace || s != line || starts_with(s, le, "Caused by:"))) {
            out->continuation++;
        } else {
            out->unrecognized++;
        }
    }
    if (t.n) {
        Group *all = xmalloc(t.n * sizeof *all);
        size_t k = 0;
        for (size_t i = 0; i < t.cap; i++)
            if (t.g[i].key)
                all[k++] = t.g[i];
        qsort(all, k, sizeof *all, by_count);
        int keep = (size_t)top_n < k ? top_n : (int)k;
        out->top = xcalloc((size_t)keep + 1, sizeof *out->top);
        for (size_t i = 0; i < k; i++) {
            if ((int)i < keep) {
                out->top[i].message = all[i].example;
                out->top[i].count = all[i].count;
            } else {
                free(all[i].example);
            }
            free(all[i].key);
        }
        out->ntop = keep;
        free(all);
    }
    free(t.g);
    return 0;
}

void logparse_report_free(LogReport *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->ntop; i++)
        free(r->top[i].message);
    free(r->top);
    r->top = NULL;
    r->ntop = 0;
}
