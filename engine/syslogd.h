/* syslogd — issue 12: the optional syslog listener (--syslog ADDR:PORT,
 * setting security.syslog_listen), so rsyslog, journald or logger(1) can
 * forward security events: one UDP socket and one TCP listener on the
 * same address, every message (RFC 5424 or RFC 3164; on TCP framed per
 * RFC 6587, octet counting or LF, detected message by message) checked
 * with secnorm_syslog_parse and stored as a security alert of source
 * "syslog" (raw = the message, text/plain) through secalerts_ingest_many,
 * the messages of one wake-up in one commit.
 *
 * Bounded: a message is at most SYSLOGD_MAX_MSG bytes (a longer TCP frame
 * closes its connection; a longer datagram is cut by the kernel and then
 * refused by the parser), at most max_connections TCP peers (more are
 * closed on accept), a peer silent idle_timeout_s is closed, and at most
 * about 8192 messages wait for a busy database before reading pauses
 * (TCP senders wait; nothing read is dropped but at a stop the database
 * does not allow within 10 s). A line that is not syslog is dropped and
 * counted.
 *
 * Thread: syslogd_start/stop/port/stats from the main thread (stats: any);
 * the listener thread opens its own Store.
 */
#ifndef RESOPS_ENGINE_SYSLOGD_H
#define RESOPS_ENGINE_SYSLOGD_H

#include <stddef.h>
#include <stdint.h>

#define SYSLOGD_MAX_MSG (64 * 1024)

typedef struct SyslogdOpts {
    const char *listen;           /* "HOST:PORT" / "[V6]:PORT"; port 0 = any free one */
    const char *db_path;
    int         max_connections;  /* <= 0: 64 */
    int         idle_timeout_s;   /* <= 0: 300 */
} SyslogdOpts;

typedef struct SyslogdStats {
    uint64_t accepted, dropped, failed;   /* stored, not syslog, lost to a storage error */
} SyslogdStats;

typedef struct Syslogd Syslogd;

/* Bind both sockets and start the thread. NULL with err on failure. */
Syslogd *syslogd_start(const SyslogdOpts *o, char *err, size_t errsz);
/* Stop the thread (messages already read are stored first), close
 * everything. NULL ok. */
void     syslogd_stop(Syslogd *s);
/* The port bound (the one chosen for port 0). */
int      syslogd_port(const Syslogd *s);
void     syslogd_stats(const Syslogd *s, SyslogdStats *out);

#endif
