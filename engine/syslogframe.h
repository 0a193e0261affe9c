/* syslogframe — the syslog listener's framing as pure functions (issue
 * 13, so the fuzzer runs the listener's own code): a TCP peer's byte
 * stream cut into messages (RFC 6587, octet counting or LF, detected
 * message by message through secnorm_syslog_frame), the last message of
 * a closed stream, and a message's trailing line ends trimmed (TCP and
 * UDP alike).
 *
 * Thread: any (no state; buffers are the caller's).
 */
#ifndef RESOPS_ENGINE_SYSLOGFRAME_H
#define RESOPS_ENGINE_SYSLOGFRAME_H

#include <stddef.h>

/* Room a peer's buffer needs beyond the largest message: "65536 " before
 * an octet-counted one. */
#define SYSLOGFRAME_ROOM 16

/* Called for each message cut: msg points into the buffer (no framing,
 * not trimmed), valid during the call only. */
typedef void (*SyslogframeTake)(void *ctx, const char *msg, size_t len);

/* Cut every whole message off the front of buf[0..*len), calling take for
 * each in order, and move the incomplete rest to the front (*len = its
 * length). 0, or -1 when the stream is not RFC 6587 or a frame is longer
 * than max (the messages before it were taken; the peer is to be
 * closed). */
int syslogframe_cut(char *buf, size_t *len, size_t max, SyslogframeTake take, void *ctx);

/* The peer closed its stream: what syslogframe_cut leaves, and then a
 * last line without its LF, counts (an octet-counted frame cut short
 * does not). *len is 0 after. */
void syslogframe_eof(char *buf, size_t *len, size_t max, SyslogframeTake take, void *ctx);

/* The length of msg[0..len) without its trailing LF, CR and NUL bytes (0:
 * nothing to take). */
size_t syslogframe_trim(const char *msg, size_t len);

#endif
