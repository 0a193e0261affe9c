/* syslogd — see syslogd.h.
 *
 * DESIGN: one thread, one poll() over the control pipe, the UDP socket,
 * the TCP listener and the TCP peers. Every socket is non-blocking. A
 * datagram is one message. A peer's bytes go into its own buffer
 * (SYSLOGD_MAX_MSG plus the octet count's room) and syslogframe_cut
 * (syslogframe.c, the framing as pure functions) cuts whole messages off
 * its front, so a message split across reads waits for the rest and
 * several in one read are all taken. Messages that parse as syslog join
 * the pending list; after each wake-up it is committed with
 * secalerts_ingest_many, BATCH_MAX a commit (group commit, fsync), so a
 * burst costs a few commits, not one per line. When the
 * database is busy (another writer past busy_timeout) the messages stay
 * pending and the commit is retried with a backoff; at PENDING_MAX the
 * thread stops reading, so TCP senders are held back by flow control
 * instead of losing lines (UDP has the kernel's buffer, then loses, as
 * UDP does). At stop nothing more is read and the pending messages get
 * STOP_WAIT_MS to be committed. The thread's Store is opened in the
 * thread.
 */
#include "syslogd.h"
#include "ctlpipe.h"
#include "syslogframe.h"
#include "domain/secalerts.h"
#include "domain/secnorm.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH_MAX    256       /* messages a commit */
#define PENDING_MAX  8192      /* messages waiting for a commit before reading pauses */
#define STOP_WAIT_MS 10000     /* how long the last commits may wait at stop */
#define UDP_PER_WAKE 512       /* datagrams read before the others get a turn */
#define READS_PER_WAKE 16      /* the same for a TCP peer's reads */

typedef struct Peer {
    int     fd;
    char   *buf;
    size_t  len;
    int64_t last_ms;
} Peer;

/* Messages read and not yet committed, oldest first. */
typedef struct Pending {
    SecIngest *in;
    char     **raw;
    int        n, cap;
} Pending;

struct Syslogd {
    pthread_t   thread;
    CtlPipe     ctl;
    int         udp, tcp, port;
    char       *db_path;
    int         max_conns, idle_ms;
    Peer       *peers;
    int         npeers;
    Store      *st;
    Pending     pend;
    int64_t     retry_at_ms;      /* a failed commit is tried again then (0 = now) */
    int         backoff_ms;
    _Atomic uint64_t accepted, dropped, failed;
};

/* ---- sockets ---------------------------------------------------------- */

/* Split "HOST:PORT" / "[V6]:PORT": 0, or -EINVAL with err. */
static int split_addr(const char *addr, char *host, size_t hostsz, const char **port, char *err,
                      size_t errsz)
{
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr || !colon[1]) {
        snprintf(err, errsz, "syslog address '%s': expected HOST:PORT", addr);
        return -EINVAL;
    }
    size_t hl = (size_t)(colon - addr);
    const char *h = addr;
    if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl >= hostsz) {
        snprintf(err, errsz, "syslog address '%s': host too long", addr);
        return -EINVAL;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = colon + 1;
    return 0;
}

/* A bound (and for TCP listening) non-blocking socket, or -errno. */
static int bind_one(const char *host, const char *port, int type, char *err, size_t errsz,
                    const char *addr)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = type,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int gr = getaddrinfo(*host ? host : NULL, port, &hints, &res);
    if (gr != 0) {
        snprintf(err, errsz, "syslog address '%s': %s", addr, gai_strerror(gr));
        return -EINVAL;
    }
    int fd = -1, e = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    ai->ai_protocol);
        if (fd < 0) {
            e = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
            (type != SOCK_STREAM || listen(fd, 128) == 0))
            break;
        e = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errsz, "cannot listen for syslog on %s (%s): %s", addr,
                 type == SOCK_STREAM ? "TCP" : "UDP", strerror(e));
        return -e;
    }
    if (type == SOCK_DGRAM) {
        int rcv = 4 * 1024 * 1024;     /* bursts from logger loops and relays */
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    }
    return fd;
}

static int bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
        return -1;
    return ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                    : ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* ---- the pending messages --------------------------------------------- */

/* Commit the pending messages, BATCH_MAX a commit: 0 when none is left,
 * -1 when a commit failed (the rest stay, tried again after a backoff:
 * while the database is busy, reading pauses at PENDING_MAX and TCP
 * senders wait instead of losing lines). */
static int flush(Syslogd *s)
{
    Pending *q = &s->pend;
    int done = 0, rc = 0;
    while (done < q->n) {
        int n = q->n - done < BATCH_MAX ? q->n - done : BATCH_MAX;
        SecIngested out[BATCH_MAX];
        char err[256] = "";
        rc = s->st ? secalerts_ingest_many(s->st, q->in + done, n, out, err, sizeof err) : -EIO;
        if (rc == -EIO) {
            s->backoff_ms = s->backoff_ms ? (s->backoff_ms * 2 > 2000 ? 2000 : s->backoff_ms * 2)
                                          : 50;
            s->retry_at_ms = util_mono_ms() + s->backoff_ms;
            log_warn("syslogd: %d message(s) wait for the database (%s); next try in %d ms",
                     q->n - done, err[0] ? err : "no connection", s->backoff_ms);
            break;
        }
        if (rc < 0) {                             /* refused (cannot happen: checked) */
            atomic_fetch_add(&s->failed, (uint64_t)n);
            log_warn("syslogd: %d message(s) refused: %s", n, err);
        } else {
            atomic_fetch_add(&s->accepted, (uint64_t)n);
        }
        for (int i = done; i < done + n; i++)
            free(q->raw[i]);
        done += n;
    }
    if (done) {
        memmove(q->in, q->in + done, (size_t)(q->n - done) * sizeof *q->in);
        memmove(q->raw, q->raw + done, (size_t)(q->n - done) * sizeof *q->raw);
        q->n -= done;
        secalerts_kick();
    }
    if (rc != -EIO) {
        s->backoff_ms = 0;
        s->retry_at_ms = 0;
    }
    return q->n ? -1 : 0;
}

/* One message (no framing): kept when it is syslog. A SyslogframeTake. */
static void take(void *ctx, const char *msg, size_t len)
{
    Syslogd *s = ctx;
    len = syslogframe_trim(msg, len);
    if (!len)
        return;
    cJSON *p = secnorm_syslog_parse(msg, len);
    if (!p) {
        atomic_fetch_add(&s->dropped, 1);
        log_debug("syslogd: dropped a message that is not RFC 5424/3164 syslog (%zu bytes)", len);
        return;
    }
    cJSON_Delete(p);
    Pending *q = &s->pend;
    if (q->n == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 1024;
        q->in = xrealloc(q->in, (size_t)q->cap * sizeof *q->in);
        q->raw = xrealloc(q->raw, (size_t)q->cap * sizeof *q->raw);
    }
    char *raw = xmalloc(len + 1);
    memcpy(raw, msg, len);
    raw[len] = '\0';
    q->raw[q->n] = raw;
    q->in[q->n] = (SecIngest){.source = "syslog", .content_type = "text/plain", .raw = raw,
                              .raw_len = len};
    q->n++;
}

/* ---- UDP and TCP -------------------------------------------------------- */

static void read_udp(Syslogd *s)
{
    static char dgram[SYSLOGD_MAX_MSG + 1];    /* this thread only */
    for (int i = 0; i < UDP_PER_WAKE; i++) {
        ssize_t n = recv(s->udp, dgram, sizeof dgram - 1, 0);
        if (n < 0)
            return;
        take(s, dgram, (size_t)n);
    }
}

static void peer_close(Syslogd *s, int i)
{
    close(s->peers[i].fd);
    free(s->peers[i].buf);
    s->peers[i] = s->peers[--s->npeers];
}

static void accept_peers(Syslogd *s)
{
    for (;;) {
        int fd = accept4(s->tcp, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            return;
        if (s->npeers >= s->max_conns) {
            log_warn("syslogd: %d TCP connections already open; closing a new one", s->npeers);
            close(fd);
            continue;
        }
        s->peers[s->npeers++] = (Peer){.fd = fd,
                                       .buf = xmalloc(SYSLOGD_MAX_MSG + SYSLOGFRAME_ROOM),
                                       .last_ms = util_mono_ms()};
    }
}

/* Read what the peer sent (at most READS_PER_WAKE reads, so one fast
 * peer does not starve the others): 0, or -1 when it is to be closed. */
static int read_peer(Syslogd *s, Peer *p)
{
    for (int k = 0; k < READS_PER_WAKE; k++) {
        size_t room = SYSLOGD_MAX_MSG + SYSLOGFRAME_ROOM - p->len;
        ssize_t n = recv(p->fd, p->buf + p->len, room, 0);
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
        if (n == 0) {                        /* EOF: a last line without LF counts */
            syslogframe_eof(p->buf, &p->len, SYSLOGD_MAX_MSG, take, s);
            return -1;
        }
        p->len += (size_t)n;
        p->last_ms = util_mono_ms();
        if (syslogframe_cut(p->buf, &p->len, SYSLOGD_MAX_MSG, take, s) < 0) {
            log_warn("syslogd: closing a TCP peer: not RFC 6587 framing, or a message over %d "
                     "bytes", SYSLOGD_MAX_MSG);
            return -1;
        }
    }
    return 0;
}

/* ---- the thread ---------------------------------------------------------- */

/* At stop: commit what was read, trying up to STOP_WAIT_MS; what is left
 * then is counted lost. */
static void final_flush(Syslogd *s)
{
    int64_t end = util_mono_ms() + STOP_WAIT_MS;
    while (flush(s) < 0 && util_mono_ms() < end) {
        int64_t wait = s->retry_at_ms - util_mono_ms();
        if (wait > 0)
            poll(NULL, 0, (int)wait);
    }
    if (s->pend.n) {
        atomic_fetch_add(&s->failed, (uint64_t)s->pend.n);
        log_error("syslogd: %d message(s) lost at stop: the database stayed busy", s->pend.n);
        for (int i = 0; i < s->pend.n; i++)
            free(s->pend.raw[i]);
        s->pend.n = 0;
    }
}

/* Fill pf: the control pipe, and the sockets unless reading is paused.
 * Returns the count. */
static int poll_set(Syslogd *s, struct pollfd *pf, int paused)
{
    pf[0] = (struct pollfd){.fd = s->ctl.rd, .events = POLLIN};
    if (paused)
        return 1;
    pf[1] = (struct pollfd){.fd = s->udp, .events = POLLIN};
    pf[2] = (struct pollfd){.fd = s->tcp, .events = POLLIN};
    for (int i = 0; i < s->npeers; i++)
        pf[3 + i] = (struct pollfd){.fd = s->peers[i].fd, .events = POLLIN};
    return 3 + s->npeers;
}

static void *run(void *arg)
{
    Syslogd *s = arg;
    char err[256];
    if (store_open(s->db_path, &s->st, err, sizeof err) < 0)
        log_error("syslogd: %s; syslog messages cannot be stored", err);
    struct pollfd *pf = xcalloc((size_t)s->max_conns + 3, sizeof *pf);
    for (;;) {
        int paused = s->pend.n >= PENDING_MAX;
        int nfds = poll_set(s, pf, paused);
        int timeout = 1000;
        if (s->pend.n) {
            int64_t wait = s->retry_at_ms - util_mono_ms();
            timeout = wait <= 0 ? 0 : wait < 1000 ? (int)wait : 1000;
        }
        if (poll(pf, (nfds_t)nfds, timeout) < 0 && errno != EINTR)
            break;
        char buf[16];
        if ((pf[0].revents & POLLIN) && ctl_pipe_drain(&s->ctl, buf, sizeof buf) != 0)
            break;                           /* stop: read nothing more */
        if (!paused) {
            if (pf[1].revents & POLLIN)
                read_udp(s);
            /* peers from the last end down, so peer_close's swap skips none */
            int64_t now = util_mono_ms();
            for (int i = nfds - 4; i >= 0; i--) {
                if (pf[3 + i].revents & (POLLIN | POLLHUP | POLLERR)) {
                    if (read_peer(s, &s->peers[i]) < 0)
                        peer_close(s, i);
                } else if (now - s->peers[i].last_ms > s->idle_ms) {
                    peer_close(s, i);
                }
            }
            if (pf[2].revents & POLLIN)
                accept_peers(s);
        }
        if (s->pend.n && util_mono_ms() >= s->retry_at_ms)
            flush(s);
    }
    final_flush(s);
    free(pf);
    free(s->pend.in);
    free(s->pend.raw);
    store_close(s->st);
    s->st = NULL;
    return NULL;
}

Syslogd *syslogd_start(const SyslogdOpts *o, char *err, size_t errsz)
{
    char host[256];
    const char *port;
    if (split_addr(o->listen, host, sizeof host, &port, err, errsz) < 0)
        return NULL;
    Syslogd *s = xcalloc(1, sizeof *s);
    s->udp = s->tcp = -1;
    ctl_pipe_init(&s->ctl);
    s->tcp = bind_one(host, port, SOCK_STREAM, err, errsz, o->listen);
    if (s->tcp < 0)
        goto fail;
    s->port = bound_port(s->tcp);
    char pbuf[16];
    snprintf(pbuf, sizeof pbuf, "%d", s->port);       /* port 0: UDP on the same one */
    s->udp = bind_one(host, pbuf, SOCK_DGRAM, err, errsz, o->listen);
    if (s->udp < 0 || ctl_pipe_open(&s->ctl) < 0) {
        if (s->udp >= 0)
            snprintf(err, errsz, "syslogd: cannot make its control pipe");
        goto fail;
    }
    s->db_path = xstrdup(o->db_path);
    s->max_conns = o->max_connections > 0 ? o->max_connections : 64;
    s->idle_ms = (o->idle_timeout_s > 0 ? o->idle_timeout_s : 300) * 1000;
    s->peers = xcalloc((size_t)s->max_conns, sizeof *s->peers);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        snprintf(err, errsz, "syslogd: cannot start its thread");
        free(s->peers);
        free(s->db_path);
        goto fail;
    }
    log_info("syslogd: listening for syslog on %s (UDP and TCP, port %d)", o->listen, s->port);
    return s;
fail:
    if (s->tcp >= 0)
        close(s->tcp);
    if (s->udp >= 0)
        close(s->udp);
    ctl_pipe_close(&s->ctl);
    free(s);
    return NULL;
}

void syslogd_stop(Syslogd *s)
{
    if (!s)
        return;
    ctl_pipe_send(&s->ctl, 'q');
    pthread_join(s->thread, NULL);
    while (s->npeers)
        peer_close(s, s->npeers - 1);
    close(s->tcp);
    close(s->udp);
    ctl_pipe_close(&s->ctl);
    SyslogdStats st;
    syslogd_stats(s, &st);
    log_info("syslogd: stopped (%llu stored, %llu not syslog, %llu lost)",
             (unsigned long long)st.accepted, (unsigned long long)st.dropped,
             (unsigned long long)st.failed);
    free(s->peers);
    free(s->db_path);
    free(s);
}

int syslogd_port(const Syslogd *s)
{
    return s ? s->port : 0;
}

void syslogd_stats(const Syslogd *s, SyslogdStats *out)
{
    out->accepted = atomic_load(&((Syslogd *)s)->accepted);
    out->dropped = atomic_load(&((Syslogd *)s)->dropped);
    out->failed = atomic_load(&((Syslogd *)s)->failed);
}
