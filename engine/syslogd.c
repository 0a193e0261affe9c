/* syslogd — see syslogd.h.
 *
 * DESIGN: one thread, one poll() over the control pipe, the UDP socket,
 * the TCP listener and the TCP peers. Every socket is non-blocking. A
 * datagram is one message. A peer's bytes go into its own buffer
 * (SYSLOGD_MAX_MSG plus the octet count's room) and secnorm_syslog_frame
 * cuts whole messages off its front, so a message split across reads
 * waits for the rest and several in one read are all taken. Messages that
 * parse as syslog are copied into a batch; after each wake-up the batch
 * is committed with one secalerts_ingest_many (group commit, fsync), so a
 * burst costs one commit, not one per line. The thread's Store is opened
 * in the thread; when it cannot be opened the listener still reads (and
 * counts as failed) so senders never block.
 */
#include "syslogd.h"
#include "ctlpipe.h"
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

#define FRAME_ROOM   16        /* "65536 " before an octet-counted message */
#define BATCH_MAX    256       /* messages a commit */
#define UDP_PER_WAKE 512       /* datagrams read before the others get a turn */
#define READS_PER_WAKE 16      /* the same for a TCP peer's reads */

typedef struct Peer {
    int     fd;
    char   *buf;
    size_t  len;
    int64_t last_ms;
} Peer;

typedef struct Batch {
    SecIngest in[BATCH_MAX];
    char     *raw[BATCH_MAX];
    int       n;
} Batch;

struct Syslogd {
    pthread_t   thread;
    CtlPipe     ctl;
    int         udp, tcp, port;
    char       *db_path;
    int         max_conns, idle_ms;
    Peer       *peers;
    int         npeers;
    Store      *st;
    Batch       batch;
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

/* ---- the batch ---------------------------------------------------------- */

static void flush(Syslogd *s)
{
    Batch *b = &s->batch;
    if (!b->n)
        return;
    SecIngested out[BATCH_MAX];
    char err[256] = "";
    int rc = s->st ? secalerts_ingest_many(s->st, b->in, b->n, out, err, sizeof err) : -EIO;
    if (rc < 0) {
        atomic_fetch_add(&s->failed, (uint64_t)b->n);
        log_warn("syslogd: %d message(s) not stored: %s", b->n,
                 err[0] ? err : "no database connection");
    } else {
        atomic_fetch_add(&s->accepted, (uint64_t)b->n);
        secalerts_kick();
    }
    for (int i = 0; i < b->n; i++)
        free(b->raw[i]);
    b->n = 0;
}

/* One message (no framing): kept when it is syslog. */
static void take(Syslogd *s, const char *msg, size_t len)
{
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r' || msg[len - 1] == '\0'))
        len--;
    if (!len)
        return;
    cJSON *p = secnorm_syslog_parse(msg, len);
    if (!p) {
        atomic_fetch_add(&s->dropped, 1);
        log_debug("syslogd: dropped a message that is not RFC 5424/3164 syslog (%zu bytes)", len);
        return;
    }
    cJSON_Delete(p);
    Batch *b = &s->batch;
    if (b->n == BATCH_MAX)
        flush(s);
    char *raw = xmalloc(len + 1);
    memcpy(raw, msg, len);
    raw[len] = '\0';
    b->raw[b->n] = raw;
    b->in[b->n] = (SecIngest){.source = "syslog", .content_type = "text/plain", .raw = raw,
                              .raw_len = len};
    b->n++;
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
        s->peers[s->npeers++] = (Peer){.fd = fd, .buf = xmalloc(SYSLOGD_MAX_MSG + FRAME_ROOM),
                                       .last_ms = util_mono_ms()};
    }
}

/* Cut every whole message off the peer's buffer: 0, or -1 when the
 * stream is not RFC 6587 (or a frame is too long). */
static int frames(Syslogd *s, Peer *p)
{
    size_t off = 0;
    for (;;) {
        const char *msg;
        size_t mlen, used;
        int r = secnorm_syslog_frame(p->buf + off, p->len - off, SYSLOGD_MAX_MSG, &msg, &mlen,
                                     &used);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        take(s, msg, mlen);
        off += used;
    }
    memmove(p->buf, p->buf + off, p->len - off);
    p->len -= off;
    return 0;
}

/* Read what the peer sent (at most READS_PER_WAKE reads, so one fast
 * peer does not starve the others): 0, or -1 when it is to be closed. */
static int read_peer(Syslogd *s, Peer *p)
{
    for (int k = 0; k < READS_PER_WAKE; k++) {
        size_t room = SYSLOGD_MAX_MSG + FRAME_ROOM - p->len;
        ssize_t n = recv(p->fd, p->buf + p->len, room, 0);
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
        if (n == 0) {                        /* EOF: a last line without LF counts */
            if (frames(s, p) == 0 && p->len && !(p->buf[0] >= '0' && p->buf[0] <= '9'))
                take(s, p->buf, p->len);
            return -1;
        }
        p->len += (size_t)n;
        p->last_ms = util_mono_ms();
        if (frames(s, p) < 0) {
            log_warn("syslogd: closing a TCP peer: not RFC 6587 framing, or a message over %d "
                     "bytes", SYSLOGD_MAX_MSG);
            return -1;
        }
    }
    return 0;
}

/* ---- the thread ---------------------------------------------------------- */

static void *run(void *arg)
{
    Syslogd *s = arg;
    char err[256];
    if (store_open(s->db_path, &s->st, err, sizeof err) < 0)
        log_error("syslogd: %s; syslog messages cannot be stored", err);
    struct pollfd *pf = xcalloc((size_t)s->max_conns + 3, sizeof *pf);
    for (;;) {
        pf[0] = (struct pollfd){.fd = s->ctl.rd, .events = POLLIN};
        pf[1] = (struct pollfd){.fd = s->udp, .events = POLLIN};
        pf[2] = (struct pollfd){.fd = s->tcp, .events = POLLIN};
        for (int i = 0; i < s->npeers; i++)
            pf[3 + i] = (struct pollfd){.fd = s->peers[i].fd, .events = POLLIN};
        int np = s->npeers;
        if (poll(pf, (nfds_t)(3 + np), 1000) < 0 && errno != EINTR)
            break;
        char buf[16];
        int quit = (pf[0].revents & POLLIN) && ctl_pipe_drain(&s->ctl, buf, sizeof buf) != 0;
        if (pf[1].revents & POLLIN)
            read_udp(s);
        /* peers from the last end down, so peer_close's swap skips none */
        int64_t now = util_mono_ms();
        for (int i = np - 1; i >= 0; i--) {
            if (pf[3 + i].revents & (POLLIN | POLLHUP | POLLERR)) {
                if (read_peer(s, &s->peers[i]) < 0)
                    peer_close(s, i);
            } else if (now - s->peers[i].last_ms > s->idle_ms) {
                peer_close(s, i);
            }
        }
        if (pf[2].revents & POLLIN)
            accept_peers(s);
        flush(s);
        if (quit)
            break;
    }
    flush(s);
    free(pf);
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
