/* fuzz_logparse — seed 004's log analyzer (issue 13): the input as a log
 * text through logparse_analyze (top_n from the first byte, 0..11, the
 * whole input is the text), and its first line through logparse_line.
 * Beyond "no crash", what the report promises: every non-empty line is
 * an entry, a continuation or unrecognized; the level counts add up to
 * the entries; at most top_n groups, most frequent first, counting only
 * ERROR and CRITICAL lines; a line's message is a span of the line; and
 * one line alone is an entry exactly when logparse_line finds its level;
 * a UTF-8 text gives UTF-8 messages (they go into JSON answers).
 * A broken promise abort()s. Corpus: seed 004 lines, the formats of
 * tests/unit/test_logparse.c, mixed texts (tests/fuzz/corpus/logparse/). */
#include "domain/logparse.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_logparse: %s\n", what);
    abort();
}

static void check_report(const LogReport *r, int top_n, int utf8)
{
    int64_t sum = 0;
    for (int l = 0; l < LP_COUNT; l++) {
        if (r->counts[l] < 0)
            fail("a negative count");
        sum += r->counts[l];
    }
    if (sum != r->entries)
        fail("the level counts do not add up to the entries");
    if (r->entries + r->continuation + r->unrecognized != r->lines)
        fail("entries + continuation + unrecognized != lines");
    if (r->ntop < 0 || r->ntop > top_n || (r->ntop && !r->top))
        fail("more top errors than top_n");
    int64_t in_top = 0;
    for (int i = 0; i < r->ntop; i++) {
        if (!r->top[i].message || r->top[i].count < 1)
            fail("a top error without a message or a count");
        if (utf8 && !util_utf8_valid(r->top[i].message, strlen(r->top[i].message)))
            fail("a UTF-8 text gave a top error that is not UTF-8");
        if (i && r->top[i].count > r->top[i - 1].count)
            fail("top errors not most frequent first");
        in_top += r->top[i].count;
    }
    if (in_top > r->counts[LP_ERROR] + r->counts[LP_CRITICAL])
        fail("top errors count more lines than ERROR and CRITICAL");
}

/* The first line of text (up to CR or LF) alone. */
static void check_line(const char *text, size_t len)
{
    size_t n = 0;
    while (n < len && text[n] != '\n' && text[n] != '\r')
        n++;
    char *line = malloc(n ? n : 1);       /* exactly n bytes: ASan sees an overread */
    if (!line)
        return;
    memcpy(line, text, n);
    const char *msg = NULL;
    size_t mlen = 0;
    LpLevel l = logparse_line(line, n, &msg, &mlen);
    if (l < LP_NONE || l >= LP_COUNT)
        fail("logparse_line's level is out of range");
    if (!msg || msg < line || mlen > n || msg + mlen > line + n)
        fail("the message is not a span of the line");
    if (l != LP_NONE && !logparse_level_name(l))
        fail("a level without a name");
    LogReport r;
    logparse_analyze(line, n, 1, &r);
    check_report(&r, 1, util_utf8_valid(line, n));
    if (r.lines == 1 && (r.entries == 1) != (l != LP_NONE))
        fail("one line alone: logparse_analyze and logparse_line disagree");
    logparse_report_free(&r);
    free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    int top_n = size ? data[0] % 12 : 5;
    LogReport r;
    if (logparse_analyze(text, size, top_n, &r) != 0)
        fail("logparse_analyze failed");
    check_report(&r, top_n, util_utf8_valid(text, size));
    logparse_report_free(&r);
    check_line(text, size);
    return 0;
}
