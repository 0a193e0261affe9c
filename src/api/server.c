/* server — the libmicrohttpd glue: bind, thread pool, per-thread Store,
 * body accumulation, routing, authentication, role check, response,
 * request log, graceful stop.
 *
 * DESIGN: MHD calls on_request() several times per request. The first
 * call only allocates a Conn (answering on the second call is several
 * times faster in MHD 0.9.75); middle calls append body pieces (over
 * 1 MiB the body is dropped and the answer is 413); the last call
 * dispatches. on_completed() frees the Conn. A counter of requests in
 * flight lets api_stop() wait for them after it stopped accepting.
 *
 * Every worker thread opens its own SQLite connection on first use and
 * keeps it, with its response cache, in a pthread key whose destructor
 * closes both when MHD ends the thread. The handler never sees MHD
 * directly except through ApiReq.conn (query arguments).
 *
 * Response cache: a route flagged ROUTE_CACHED answers from the database
 * alone, so its last 200 response (an MHD_Response, which MHD reference-
 * counts and can queue on many connections) is kept per thread with the
 * database's version (listing_version: other connections' commits plus
 * this connection's own changes) read before the handler ran. While the
 * version is the same, the request is authenticated and role-checked as
 * usual and then answered with the kept response.
 *
 * Slow routes (ROUTE_SLOW, seed 001's resolve calls, which answer when
 * the resolution is over): the connection is suspended and the handler
 * runs on a thread of its own (with its own Store), so the MHD worker
 * thread keeps serving its other connections; the handler's thread
 * resumes the connection when it has the answer, and the next call of
 * on_request sends it. api_stop waits for those threads.
 *
 * Auth memo: a thread also remembers the last few tokens it verified,
 * with the user they resolved to and the same database version. The same
 * token string at the same version (no commit anywhere since: no logout,
 * no user change) and before its exp needs no second signature check or
 * session lookup.
 */
#include "api/api.h"
#include "api/auth.h"
#include "api/http.h"
#include "api/router.h"
#include "domain/users.h"
#include "store/db.h"
#include "store/listing_repo.h"
#include "log.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BODY_LIMIT   (1024u * 1024u)
#define STOP_WAIT_MS 5000

struct ApiServer {
    struct MHD_Daemon *d;
    ApiConfig          cfg;
    unsigned char     *key;
    char              *db_path;
    char             **cors;
    int                ncors;
    pthread_key_t      store_key;
    int                have_key;
    int                inflight;     /* atomic */
    int                stopping;     /* atomic: api_stop began */
    int                slow_threads; /* atomic: ROUTE_SLOW handlers running */
    int                port;
    char              *tls_cert, *tls_key;
    int                tls;
    char              *admin_token;
};

#define CACHE_SLOTS 8

typedef struct CacheSlot {
    const ApiRoute      *route;
    int64_t              data_version, own_changes;
    struct MHD_Response *resp;
} CacheSlot;

#define AUTH_MEMOS 8

typedef struct AuthMemo {
    char    *token;            /* owned copy; NULL = empty */
    int64_t  data_version, own_changes, exp;
    UserInfo user;
    char     jti[USERS_JTI_LEN + 1];
} AuthMemo;

/* Per worker thread: its SQLite connection, response cache, auth memo. */
typedef struct ThreadCtx {
    Store    *st;
    CacheSlot cache[CACHE_SLOTS];
    AuthMemo  memo[AUTH_MEMOS];
    int       memo_next;
} ThreadCtx;

/* The database version of this request (read once, before any handler). */
typedef struct DbVersion {
    int     ok;
    int64_t data_version, own_changes;
} DbVersion;

typedef struct Conn {
    char   *body;
    size_t  len, cap;
    int     too_large;
    int64_t t0_us;
    int     slow;              /* atomic: 1 handler running, 2 answer ready */
    ApiResp slow_rs;
} Conn;

/* A ROUTE_SLOW request handed to its own thread (copies of what the
 * request borrowed from dispatch()'s stack). */
typedef struct SlowJob {
    struct ApiServer      *s;
    struct MHD_Connection *conn;
    Conn                  *c;
    const struct ApiRoute *r;
    ApiReq                 rq;
    UserInfo               user;
    int                    has_user;
    char                   jti[USERS_JTI_LEN + 1];
    char                   key[API_TEXT_PARAM_MAX + 1];
} SlowJob;

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void thread_ctx_dtor(void *p)
{
    ThreadCtx *t = p;
    for (int i = 0; i < CACHE_SLOTS; i++)
        if (t->cache[i].resp)
            MHD_destroy_response(t->cache[i].resp);
    for (int i = 0; i < AUTH_MEMOS; i++)
        free(t->memo[i].token);
    store_close(t->st);
    free(t);
}

static ThreadCtx *thread_ctx(ApiServer *s);

static void *slow_main(void *arg)
{
    SlowJob *j = arg;
    ApiServer *s = j->s;
    ThreadCtx *t = thread_ctx(s);
    if (!t) {
        api_send_error(&j->c->slow_rs, 500, "Internal server error");
    } else {
        j->rq.st = t->st;
        j->rq.user = j->has_user ? &j->user : NULL;
        j->rq.jti = j->has_user ? j->jti : NULL;
        j->rq.key = j->key[0] ? j->key : NULL;
        j->r->handler(&j->rq, &j->c->slow_rs);
        pthread_setspecific(s->store_key, NULL);
        thread_ctx_dtor(t);             /* now: api_stop may delete the key next */
    }
    __atomic_store_n(&j->c->slow, 2, __ATOMIC_RELEASE);
    MHD_resume_connection(j->conn);
    free(j);
    __atomic_sub_fetch(&s->slow_threads, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* Suspend the connection and run the handler on its own thread. 0, or
 * -1 when no thread could be started (the caller answers instead). */
static int run_slow(ApiServer *s, struct MHD_Connection *conn, Conn *c, const ApiRoute *r,
                    const ApiReq *rq)
{
    SlowJob *j = xcalloc(1, sizeof *j);
    *j = (SlowJob){.s = s, .conn = conn, .c = c, .r = r, .rq = *rq};
    if (rq->user) {
        j->user = *rq->user;
        j->has_user = 1;
        snprintf(j->jti, sizeof j->jti, "%s", rq->jti ? rq->jti : "");
    }
    if (rq->key)
        snprintf(j->key, sizeof j->key, "%s", rq->key);
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    __atomic_store_n(&c->slow, 1, __ATOMIC_RELEASE);
    __atomic_add_fetch(&s->slow_threads, 1, __ATOMIC_SEQ_CST);
    MHD_suspend_connection(conn);
    pthread_t th;
    int rc = pthread_create(&th, &at, slow_main, j);
    pthread_attr_destroy(&at);
    if (rc != 0) {
        MHD_resume_connection(conn);
        __atomic_store_n(&c->slow, 0, __ATOMIC_RELEASE);
        __atomic_sub_fetch(&s->slow_threads, 1, __ATOMIC_SEQ_CST);
        free(j);
        return -1;
    }
    return 0;
}

static ThreadCtx *thread_ctx(ApiServer *s)
{
    ThreadCtx *t = pthread_getspecific(s->store_key);
    if (t)
        return t;
    char err[512];
    Store *st;
    if (store_open(s->db_path, &st, err, sizeof err) < 0) {
        log_error("api: %s", err);
        return NULL;
    }
    t = xcalloc(1, sizeof *t);
    t->st = st;
    pthread_setspecific(s->store_key, t);
    return t;
}

static CacheSlot *cache_slot(ThreadCtx *t, const ApiRoute *r)
{
    for (int i = 0; i < CACHE_SLOTS; i++)
        if (t->cache[i].route == r || !t->cache[i].route) {
            t->cache[i].route = r;
            return &t->cache[i];
        }
    return NULL;
}

static int cors_allowed(const ApiServer *s, const char *origin)
{
    for (int i = 0; origin && i < s->ncors; i++)
        if (strcmp(s->cors[i], "*") == 0 || strcmp(s->cors[i], origin) == 0)
            return 1;
    return 0;
}

/* The token from "Authorization: Bearer X" or seed 004's "token: X".
 * *malformed = 1 when an Authorization header is there but not Bearer. */
static const char *request_token(struct MHD_Connection *conn, int *malformed)
{
    *malformed = 0;
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    if (h) {
        while (*h == ' ')
            h++;
        if (strncasecmp(h, "Bearer ", 7) == 0) {
            h += 7;
            while (*h == ' ')
                h++;
            return *h ? h : NULL;
        }
        *malformed = 1;
        return NULL;
    }
    h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "token");
    return h && *h ? h : NULL;
}

static const AuthMemo *memo_find(const ThreadCtx *t, const char *tok, const DbVersion *v,
                                 int64_t now)
{
    if (!v->ok)
        return NULL;
    for (int i = 0; i < AUTH_MEMOS; i++) {
        const AuthMemo *m = &t->memo[i];
        if (m->token && m->data_version == v->data_version &&
            m->own_changes == v->own_changes && now < m->exp && strcmp(m->token, tok) == 0)
            return m;
    }
    return NULL;
}

static void memo_add(ThreadCtx *t, const char *tok, const DbVersion *v, const TokenClaims *c,
                     const UserInfo *u)
{
    if (!v->ok)
        return;
    AuthMemo *m = &t->memo[t->memo_next];
    t->memo_next = (t->memo_next + 1) % AUTH_MEMOS;
    free(m->token);
    m->token = xstrdup(tok);
    m->data_version = v->data_version;
    m->own_changes = v->own_changes;
    m->exp = c->exp;
    m->user = *u;
    memcpy(m->jti, c->jti, sizeof m->jti);
}

/* Authenticate the request for a route; 0 and *user filled (or anonymous
 * on an optional route with no token), else an error is sent. */
static int authenticate(ApiServer *s, ThreadCtx *t, const DbVersion *ver, const ApiRoute *r,
                        ApiReq *rq, UserInfo *user, TokenClaims *claims, ApiResp *rs)
{
    int malformed;
    const char *tok = request_token(rq->conn, &malformed);
    if (!tok) {
        if (r->roles == ROLES_OPTIONAL && !malformed)
            return 0;
        api_send_error(rs, 401, malformed ? "Authorization header must be 'Bearer <token>'"
                                           : "Missing Authorization header");
        return -1;
    }
    const AuthMemo *m = memo_find(t, tok, ver, rq->now);
    if (m) {
        *user = m->user;
        memcpy(claims->jti, m->jti, sizeof claims->jti);
        goto check_role;
    }
    const char *why;
    if (api_token_verify(s->key, s->cfg.keylen, tok, rq->now, claims, &why) < 0) {
        api_send_error(rs, 401, "%s", why);
        return -1;
    }
    int rc = users_session_check(rq->st, claims->jti, claims->user_id, user);
    if (rc == -EIO) {
        api_send_error(rs, 500, "Internal server error");
        return -1;
    }
    if (rc < 0) {
        api_send_error(rs, 401, rc == -EKEYREVOKED ? "Token has been revoked" : "Invalid token");
        return -1;
    }
    memo_add(t, tok, ver, claims, user);
check_role:
    rq->user = user;
    rq->jti = claims->jti;
    if (r->roles != ROLES_OPTIONAL && !api_role_allows(r->roles, user->role)) {
        api_send_error(rs, 403, "Forbidden: Insufficient role permissions");
        return -1;
    }
    return 0;
}

static enum MHD_Result send_resp(ApiServer *s, struct MHD_Connection *conn, const char *method,
                                 const char *url, Conn *c, ApiResp *rs, const char *allow,
                                 const char *origin, CacheSlot *keep)
{
    if (!rs->status) {
        free(rs->body);
        rs->body = NULL;
        api_send_error(rs, 500, "Internal server error");
    }
    struct MHD_Response *resp;
    if (rs->body)
        resp = MHD_create_response_from_buffer(strlen(rs->body), rs->body, MHD_RESPMEM_MUST_FREE);
    else
        resp = MHD_create_response_from_buffer(rs->static_len, (void *)rs->static_body,
                                               MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(rs->body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            rs->content_type ? rs->content_type : "application/json");
    if (allow && *allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    if (origin) {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", origin);
        MHD_add_response_header(resp, "Vary", "Origin");
    }
    if (rs->status == 429)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "900");
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)rs->status, resp);
    if (keep && rs->status == 200) {
        if (keep->resp)
            MHD_destroy_response(keep->resp);
        keep->resp = resp;             /* the slot keeps our reference */
    } else {
        MHD_destroy_response(resp);
    }
    /* Path only: query strings and headers (tokens) are never logged. */
    log_info("api: %s %s %d %.2f ms", method, url, rs->status,
             (double)(mono_us() - c->t0_us) / 1000.0);
    (void)s;
    return ret;
}

static enum MHD_Result dispatch(ApiServer *s, struct MHD_Connection *conn, const char *url,
                                const char *method, Conn *c)
{
    ApiResp rs = {0};
    char allow[64] = "";
    const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
    if (!cors_allowed(s, origin))
        origin = NULL;

    if (c->too_large) {
        api_send_error(&rs, 413, "Request body too large (limit 1 MiB)");
        return send_resp(s, conn, method, url, c, &rs, NULL, origin, NULL);
    }
    int64_t id = 0;
    int known = 0;
    const ApiRoute *r = api_route_match(method, url, &id, &known, allow, sizeof allow);
    if (!r && origin && strcmp(method, "OPTIONS") == 0 && known) {
        /* CORS preflight for a configured origin. */
        struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"",
                                                                    MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", origin);
        MHD_add_response_header(resp, "Vary", "Origin");
        MHD_add_response_header(resp, "Access-Control-Allow-Methods", allow);
        MHD_add_response_header(resp, "Access-Control-Allow-Headers",
                                "Authorization, Content-Type, token");
        MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
        enum MHD_Result ret = MHD_queue_response(conn, 204, resp);
        MHD_destroy_response(resp);
        log_info("api: %s %s 204 %.2f ms", method, url, (double)(mono_us() - c->t0_us) / 1000.0);
        return ret;
    }
    if (!r) {
        if (known)
            api_send_error(&rs, 405, "Method not allowed");
        else
            api_send_error(&rs, 404, "Not found: %s", url);
        return send_resp(s, conn, method, url, c, &rs, known ? allow : NULL, origin, NULL);
    }
    UserInfo user;
    TokenClaims claims;
    char key[API_TEXT_PARAM_MAX + 1];
    ApiReq rq = {
        .method = method, .path = url, .id = id,
        .body = c->len ? c->body : NULL, .body_len = c->len,
        .cfg = &s->cfg, .conn = conn, .now = util_now(),
        .key = api_route_text_param(r, url, key, sizeof key) ? key : NULL,
    };
    ThreadCtx *t = thread_ctx(s);
    CacheSlot *slot = NULL;
    if (!t) {
        api_send_error(&rs, 500, "Internal server error");
        return send_resp(s, conn, method, url, c, &rs, NULL, origin, NULL);
    }
    rq.st = t->st;
    DbVersion ver = {0};
    if (r->roles != ROLES_PUBLIC || (r->flags & ROUTE_CACHED))
        ver.ok = listing_version(rq.st, &ver.data_version, &ver.own_changes) == 0;
    if (r->roles != ROLES_PUBLIC && authenticate(s, t, &ver, r, &rq, &user, &claims, &rs) < 0)
        return send_resp(s, conn, method, url, c, &rs, NULL, origin, NULL);
    int64_t dv = ver.data_version, own = ver.own_changes;
    /* CORS answers carry per-origin headers and query strings vary the
     * answer: neither is cached. */
    if ((r->flags & ROUTE_CACHED) && ver.ok && !origin &&
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, NULL, NULL) == 0 &&
        (slot = cache_slot(t, r))) {
        if (slot->resp && slot->data_version == dv && slot->own_changes == own) {
            enum MHD_Result ret = MHD_queue_response(conn, 200, slot->resp);
            log_info("api: %s %s 200 %.2f ms (cached)", method, url,
                     (double)(mono_us() - c->t0_us) / 1000.0);
            return ret;
        }
        if (slot->resp)                /* stale: the next 200 replaces it */
            MHD_destroy_response(slot->resp);
        slot->resp = NULL;
        slot->data_version = dv;
        slot->own_changes = own;
    }
    if ((r->flags & ROUTE_SLOW) && run_slow(s, conn, c, r, &rq) == 0)
        return MHD_YES;                /* answered when the handler's thread resumes us */
    r->handler(&rq, &rs);
    return send_resp(s, conn, method, url, c, &rs, NULL, origin, slot);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    ApiServer *s = cls;
    Conn *c = *con_cls;
    if (c && __atomic_load_n(&c->slow, __ATOMIC_ACQUIRE)) {
        if (__atomic_load_n(&c->slow, __ATOMIC_ACQUIRE) != 2)
            return MHD_YES;
        __atomic_store_n(&c->slow, 0, __ATOMIC_RELEASE);
        const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
        ApiResp rs = c->slow_rs;
        memset(&c->slow_rs, 0, sizeof c->slow_rs);
        return send_resp(s, conn, method, url, c, &rs, NULL, cors_allowed(s, origin) ? origin : NULL,
                         NULL);
    }
    if (!c) {
        c = xcalloc(1, sizeof *c);
        c->t0_us = mono_us();
        *con_cls = c;
        __atomic_add_fetch(&s->inflight, 1, __ATOMIC_SEQ_CST);
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > BODY_LIMIT) {
            c->too_large = 1;      /* answer now; the body is never read */
            return dispatch(s, conn, url, method, c);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (c->too_large)
            return MHD_YES;
        if (c->len + n > BODY_LIMIT) {
            c->too_large = 1;
            free(c->body);
            c->body = NULL;
            c->len = c->cap = 0;
            return MHD_YES;
        }
        if (c->len + n + 1 > c->cap) {
            c->cap = (c->len + n + 1) * 2;
            if (c->cap > BODY_LIMIT + 1)
                c->cap = BODY_LIMIT + 1;
            c->body = xrealloc(c->body, c->cap);
        }
        memcpy(c->body + c->len, upload_data, n);
        c->len += n;
        c->body[c->len] = '\0';
        return MHD_YES;
    }
    return dispatch(s, conn, url, method, c);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    ApiServer *s = cls;
    Conn *c = *con_cls;
    if (!c)
        return;
    free(c->body);
    free(c->slow_rs.body);
    free(c);
    *con_cls = NULL;
    __atomic_sub_fetch(&s->inflight, 1, __ATOMIC_SEQ_CST);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = '\0';
    log_warn("api: %s", msg);
}

/* Bind and listen on "HOST:PORT" / "[V6]:PORT"; fd or -errno. */
static int bind_listen(const char *addr, int *out_port, char *err, size_t errsz)
{
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr) {
        snprintf(err, errsz, "listen address '%s': expected HOST:PORT", addr);
        return -EINVAL;
    }
    char host[256];
    size_t hl = (size_t)(colon - addr);
    if (addr[0] == '[' && hl >= 2 && addr[hl - 1] == ']') {
        addr++;
        hl -= 2;
    }
    if (hl >= sizeof host) {
        snprintf(err, errsz, "listen address '%s': host too long", addr);
        return -EINVAL;
    }
    memcpy(host, addr, hl);
    host[hl] = '\0';
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int gr = getaddrinfo(*host ? host : NULL, colon + 1, &hints, &res);
    if (gr != 0) {
        snprintf(err, errsz, "listen address '%s': %s", addr, gai_strerror(gr));
        return -EINVAL;
    }
    int fd = -1, e = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            e = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1024) == 0)
            break;
        e = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errsz, "cannot listen on %s: %s", addr, strerror(e));
        return -e;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *out_port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                         : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

static char *slurp(const char *path, char *err, size_t errsz)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errsz, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    StrBuf b = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf - 1, f)) > 0) {
        buf[n] = '\0';
        strbuf_append(&b, buf);
    }
    fclose(f);
    return b.s ? b.s : xstrdup("");
}

static void parse_cors(ApiServer *s, const char *list)
{
    if (!list || !*list)
        return;
    char *copy = xstrdup(list), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        size_t n = strlen(t);
        while (n && t[n - 1] == ' ')
            t[--n] = '\0';
        if (!n)
            continue;
        s->cors = xrealloc(s->cors, (size_t)(s->ncors + 1) * sizeof *s->cors);
        s->cors[s->ncors++] = xstrdup(t);
    }
    free(copy);
}

static void server_free(ApiServer *s)
{
    if (s->have_key)
        pthread_key_delete(s->store_key);
    for (int i = 0; i < s->ncors; i++)
        free(s->cors[i]);
    free(s->cors);
    free(s->key);
    free(s->db_path);
    free(s->tls_cert);
    free(s->tls_key);
    free(s->admin_token);
    free(s);
}

ApiServer *api_start(const ApiOpts *o, char *err, size_t errsz)
{
    ApiServer *s = xcalloc(1, sizeof *s);
    s->db_path = xstrdup(o->db_path);
    s->cfg.open_signup = o->open_signup;
    s->cfg.token_ttl_s = o->token_ttl_s > 0 ? o->token_ttl_s : 3600;
    s->cfg.stopping = &s->stopping;
    s->admin_token = xstrdup(o->admin_token ? o->admin_token : "");
    s->cfg.admin_token = s->admin_token;
    if (o->password_limits && *o->password_limits &&
        users_parse_limits(o->password_limits, &s->cfg.limits) < 0) {
        snprintf(err, errsz, "password hash limits '%s': expected interactive, moderate or min",
                 o->password_limits);
        goto fail;
    }
    size_t keylen = 0;
    if (api_secret_load(o->jwt_secret, o->db_path, &s->key, &keylen, err, errsz) < 0)
        goto fail;
    s->cfg.key = s->key;
    s->cfg.keylen = keylen;
    parse_cors(s, o->cors_origins);
    int has_cert = o->tls_cert && *o->tls_cert, has_key = o->tls_key && *o->tls_key;
    if (has_cert != has_key) {
        snprintf(err, errsz, "TLS needs both a certificate and a key");
        goto fail;
    }
    if (has_cert) {
        s->tls = 1;
        if (!(s->tls_cert = slurp(o->tls_cert, err, errsz)) ||
            !(s->tls_key = slurp(o->tls_key, err, errsz)))
            goto fail;
    }
    if (pthread_key_create(&s->store_key, thread_ctx_dtor) != 0) {
        snprintf(err, errsz, "pthread_key_create failed");
        goto fail;
    }
    s->have_key = 1;

    int fd = bind_listen(o->listen, &s->port, err, errsz);
    if (fd < 0)
        goto fail;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                     MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG | (s->tls ? MHD_USE_TLS : 0);
    unsigned threads = (unsigned)(o->threads > 0 ? o->threads : 4);
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key},
        {MHD_OPTION_END, 0, NULL},
    };
    s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
                            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                            MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
                            MHD_OPTION_THREAD_POOL_SIZE, threads,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096,
                            MHD_OPTION_ARRAY, s->tls ? tls_opts : &tls_opts[2],
                            MHD_OPTION_END);
    if (!s->d) {
        close(fd);
        snprintf(err, errsz, "cannot start the HTTP listener on %s%s", o->listen,
                 s->tls ? " (check the TLS certificate and key)" : "");
        goto fail;
    }
    int hostlen = (int)(strrchr(o->listen, ':') - o->listen);
    log_info("api: listening on %s://%.*s:%d (%u threads%s%s)", s->tls ? "https" : "http",
             hostlen, o->listen, s->port, threads, s->cfg.open_signup ? ", open signup" : "",
             s->ncors ? ", CORS on" : "");
    return s;
fail:
    server_free(s);
    return NULL;
}

int api_port(const ApiServer *s)
{
    return s ? s->port : 0;
}

void api_stop(ApiServer *s)
{
    if (!s)
        return;
    __atomic_store_n(&s->stopping, 1, __ATOMIC_RELEASE);
    if (s->d) {
        MHD_socket fd = MHD_quiesce_daemon(s->d);
        if (fd != MHD_INVALID_SOCKET)
            close(fd);
        for (int waited = 0; waited < STOP_WAIT_MS &&
                             __atomic_load_n(&s->inflight, __ATOMIC_SEQ_CST) > 0; waited += 10)
            usleep(10 * 1000);
        /* slow handlers see `stopping` and answer within a poll period;
         * MHD must not stop while their connections are suspended */
        while (__atomic_load_n(&s->slow_threads, __ATOMIC_SEQ_CST) > 0)
            usleep(10 * 1000);
        MHD_stop_daemon(s->d);
        log_info("api: stopped");
    }
    server_free(s);
}
