/* fuzz_syslogframe — the syslog listener's framing (engine/syslogframe.c,
 * issue 13), fed as the listener feeds it. The first byte seeds the
 * sizes of the reads; the rest is what a TCP peer sends, in a buffer of
 * the listener's size (SYSLOGD_MAX_MSG + SYSLOGFRAME_ROOM), each read
 * at most the room left, syslogframe_cut after each read and
 * syslogframe_eof at the end, unless a cut refused the stream (the
 * listener closes the peer). Every message cut is trimmed
 * (syslogframe_trim) and parsed as syslog, as the listener's take() does.
 * The same bytes are also one UDP datagram (trim, parse).
 *
 * Beyond "no crash": the framing must not depend on how the stream was
 * split into reads. The whole stream is fed twice, in the seeded small
 * reads and in reads as large as the room allows; both must cut the
 * same messages (count and FNV-1a hash) and end the same way. Every
 * message must lie inside the buffer and be at most SYSLOGD_MAX_MSG
 * bytes. A broken promise abort()s. Corpus: RFC 6587 streams (octet
 * counting, LF, CRLF, mixed, a frame cut short, a count too large) and
 * the RFC 5424/3164 examples (tests/fuzz/corpus/syslogframe/). */
#include "syslogd.h"
#include "syslogframe.h"
#include "domain/secnorm.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAP (SYSLOGD_MAX_MSG + SYSLOGFRAME_ROOM)

typedef struct Seen {
    const char *buf;          /* the peer's buffer */
    uint64_t    hash;         /* FNV-1a over every message and its length */
    size_t      count;
} Seen;

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_syslogframe: %s\n", what);
    abort();
}

/* The listener's take(), minus the storing. */
static void take(void *ctx, const char *msg, size_t len)
{
    Seen *s = ctx;
    if (s->buf && (msg < s->buf || msg + len > s->buf + CAP))
        fail("a message outside the peer's buffer");
    if (len > SYSLOGD_MAX_MSG)
        fail("a message longer than SYSLOGD_MAX_MSG");
    for (size_t i = 0; i < len; i++)
        s->hash = (s->hash ^ (uint8_t)msg[i]) * 1099511628211ULL;
    s->hash = (s->hash ^ len) * 1099511628211ULL;
    s->count++;
    len = syslogframe_trim(msg, len);
    if (!len)
        return;
    cJSON *p = secnorm_syslog_parse(msg, len);
    cJSON_Delete(p);
}

/* A tiny xorshift for the read sizes: deterministic from the seed byte. */
static size_t next_read(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return 1 + *x % ((*x >> 8) % 4 == 0 ? 4096 : 64);
}

/* Feed data[0..size) to buf as reads of the sizes seed gives (seed 0:
 * as large as the room allows). 0 when the stream ended at EOF, -1 when
 * a cut refused it. */
static int feed(char *buf, const uint8_t *data, size_t size, uint32_t seed, Seen *seen)
{
    size_t len = 0, off = 0;
    uint32_t x = seed;
    seen->buf = buf;
    while (off < size) {
        size_t n = seed ? next_read(&x) : CAP;
        if (n > CAP - len)
            n = CAP - len;
        if (n > size - off)
            n = size - off;
        if (n == 0)
            fail("the buffer is full and no message was cut");
        memcpy(buf + len, data + off, n);
        len += n;
        off += n;
        if (syslogframe_cut(buf, &len, SYSLOGD_MAX_MSG, take, seen) < 0)
            return -1;
        if (len > CAP)
            fail("the rest is longer than the buffer");
    }
    syslogframe_eof(buf, &len, SYSLOGD_MAX_MSG, take, seen);
    if (len != 0)
        fail("something is left after EOF");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint32_t seed = 0x9e3779b9u ^ data[0];
    data++;
    size--;

    Seen dgram = {0};
    if (size <= SYSLOGD_MAX_MSG)        /* the kernel cuts longer datagrams */
        take(&dgram, (const char *)data, size);

    char *buf = malloc(CAP);
    if (!buf)
        return 0;
    Seen small = {.hash = 14695981039346656037ULL}, large = small;
    int rs = feed(buf, data, size, seed, &small);
    int rl = feed(buf, data, size, 0, &large);
    free(buf);
    if (rs != rl || small.count != large.count || small.hash != large.hash)
        fail("the messages depend on how the stream was split into reads");
    return 0;
}
