/* util — allocation that never returns NULL, time and string helpers.
 *
 * Any thread may call these. xmalloc & co. abort on out-of-memory after
 * running the registered emergency hook (the TUI restores the terminal).
 */
#ifndef RESOPS_UTIL_H
#define RESOPS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);          /* NULL in, NULL out */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Called once before abort() on OOM or a fatal signal; may be NULL. */
void util_set_emergency_hook(void (*hook)(void));

/* Copy with truncation; always NUL-terminates when size > 0. */
size_t strlcpy_(char *dst, const char *src, size_t size);

/* Wall clock in whole seconds (UTC epoch) and in ms, and a monotonic
 * clock in ms. The wall clock includes the test clock's offset
 * (RESOPS_CLOCK_OFFSET_FILE, util.c; 0 in production). */
int64_t util_now(void);
int64_t util_now_ms(void);
int64_t util_clock_offset(void);
int64_t util_mono_ms(void);
/* *out = now on clock (CLOCK_MONOTONIC, CLOCK_REALTIME) plus ms: the
 * absolute deadline pthread_cond_timedwait wants. */
struct timespec;
void    util_deadline(struct timespec *out, int clock, int64_t ms);

/* ISO 8601 UTC "2024-05-01T12:30:00" into buf (>= 20 bytes). */
void util_iso8601(int64_t t, char *buf, size_t size);

/* Parse ISO 8601: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff]]" with an
 * optional "Z" or "+HH:MM"/"-HH:MM" offset (space also accepted for T).
 * Returns 0 and fills *out (UTC epoch seconds), or -EINVAL. */
int util_parse_iso8601(const char *s, int64_t *out);

/* Numbers in the C locale, whatever setlocale(LC_ALL, "") chose (the
 * console sets it; "0.9" in a file or the database must not depend on
 * LC_NUMERIC). util_format_c is snprintf with the calling thread switched
 * to the C locale for the one call; util_strtod_c is strtod_l with the C
 * locale (plain strtod should the locale be unavailable), errno as strtod
 * sets it. Any thread. */
void   util_format_c(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
double util_strtod_c(const char *s, char **end);

/* Growable string buffer. */
typedef struct StrBuf {
    char  *s;
    size_t len, cap;
} StrBuf;
void strbuf_append(StrBuf *b, const char *s);
void strbuf_appendf(StrBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_free(StrBuf *b);

int util_strcaseeq(const char *a, const char *b); /* NULL-safe, ASCII */

/* A random RFC 4122 version-4 UUID, lower-case hex, into out. */
void util_uuid4(char out[37]);

/* ---- text that comes from outside (API bodies, console prompts) ---- */

/* 1 when s[0..len) is well-formed UTF-8 (RFC 3629: shortest form only, no
 * UTF-16 surrogates, nothing above U+10FFFF), else 0. A NUL byte counts
 * as valid here: callers with C strings never see one. */
int util_utf8_valid(const char *s, size_t len);

/* Code points in a NUL-terminated string that util_utf8_valid accepted
 * (every byte that is not a continuation byte starts one). */
size_t util_utf8_len(const char *s);

/* Drop a trailing incomplete UTF-8 sequence, as left by a snprintf()
 * that truncated valid text in the middle of a character. */
void util_utf8_cut(char *s);

/* Flags for util_text_check. */
#define UTIL_TEXT_LINE     1   /* a name: no control character at all */
#define UTIL_TEXT_NONBLANK 2   /* at least one non-space character */
#define UTIL_TEXT_VISIBLE  4   /* a name: no invisible or bidi format character */

/* Validate a text field the API or the console accepts: valid UTF-8; no
 * C0 control (U+0000..U+001F), DEL or C1 control (U+0080..U+009F) — a
 * multi-line text (flags without UTIL_TEXT_LINE) may hold tab, LF and CR;
 * with UTIL_TEXT_VISIBLE no invisible or bidi format character (U+200B..
 * U+200F, U+202A..U+202E, U+2060, U+2066..U+2069, U+FEFF: names that look
 * alike but differ, or read reversed);
 * not blank with UTIL_TEXT_NONBLANK (spaces of any script count as
 * blank); at most max_chars code points (0 = no limit). NULL passes.
 * Returns 0, or -EINVAL with err = "Field '<field>' must ...". Any thread. */
int util_text_check(const char *field, const char *s, size_t max_chars, int flags,
                    char *err, size_t errsz);

/* A copy of s without leading and trailing ASCII spaces (caller frees);
 * NULL in, NULL out. */
char *util_trim_dup(const char *s);

/* Does a string in the JSON text json[0..len) hold a NUL character — the
 * escape \u0000 or a raw zero byte — which a C string would silently cut?
 * 1 with the name of the object member it belongs to in key (the
 * innermost member name seen before it, "" when none), 0 when none. The
 * text need not be valid JSON: this only scans string tokens. */
int util_json_find_nul(const char *json, size_t len, char *key, size_t keysz);

/* Walk a comma-separated list: *pp is the cursor (start it at the list);
 * each call sets [*out_b, *out_e) to the next item with surrounding
 * spaces trimmed (possibly empty) and returns 1, or 0 at the end. */
int util_csv_next(const char **pp, const char **out_b, const char **out_e);

/* Process-wide allocator tuning, called once by main (and the benches)
 * before threads start: glibc gives the top of the heap back to the
 * kernel whenever more than 128 KiB are free there, and on a VM each
 * give-back (brk shrink: a TLB shootdown on every core) costs more than
 * the SQL around it (issue 12: it halved the security pipeline, whose
 * SQLite savepoints free and re-grow the heap top per alert). Keep up to
 * 64 MiB. */
void util_malloc_tune(void);

#endif
