/* syslogframe — see syslogframe.h. The listener (syslogd.c) keeps the
 * sockets and a buffer per peer; everything it decides about the bytes
 * is here, so tests/fuzz/fuzz_syslogframe.c feeds the same code the
 * chunks a socket would. */
#include "syslogframe.h"
#include "domain/secnorm.h"

#include <string.h>

int syslogframe_cut(char *buf, size_t *len, size_t max, SyslogframeTake take, void *ctx)
{
    size_t off = 0;
    for (;;) {
        const char *msg;
        size_t mlen, used;
        int r = secnorm_syslog_frame(buf + off, *len - off, max, &msg, &mlen, &used);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        take(ctx, msg, mlen);
        off += used;
    }
    memmove(buf, buf + off, *len - off);
    *len -= off;
    return 0;
}

void syslogframe_eof(char *buf, size_t *len, size_t max, SyslogframeTake take, void *ctx)
{
    if (syslogframe_cut(buf, len, max, take, ctx) == 0 && *len &&
        !(buf[0] >= '0' && buf[0] <= '9'))
        take(ctx, buf, *len);
    *len = 0;
}

size_t syslogframe_trim(const char *msg, size_t len)
{
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r' || msg[len - 1] == '\0'))
        len--;
    return len;
}
