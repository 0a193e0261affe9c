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

/* Wall clock in whole seconds (UTC epoch) and a monotonic clock in ms. */
int64_t util_now(void);
int64_t util_mono_ms(void);

/* ISO 8601 UTC "2024-05-01T12:30:00" into buf (>= 20 bytes). */
void util_iso8601(int64_t t, char *buf, size_t size);

/* Parse ISO 8601: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff]]" with an
 * optional "Z" or "+HH:MM"/"-HH:MM" offset (space also accepted for T).
 * Returns 0 and fills *out (UTC epoch seconds), or -EINVAL. */
int util_parse_iso8601(const char *s, int64_t *out);

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

#endif
