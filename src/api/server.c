/* server — the libmicrohttpd glue: bind, thread pool, per-thread Store,
 * body accumulation, routing, authentication, role check, response,
 * request log, graceful stop.
 *
 * DESIGN: MHD calls on_request() several times per request. The first
 * call only allocates a Conn (answering on the second call is several
 * times faster in MHD 0.9.75); middle calls append body pieces (over
 * 1 MiB the body is dropped and the answer is 413; a route flagged
 * ROUTE_LARGE_BODY, the upload URL of issue 12, takes up to
 * security.upload_max_bytes); the last call
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
 * the resolution is over): the handler runs first on the MHD worker
 * thread with ApiReq.no_wait. A decision that runs no step (below the
 * threshold, kill switch, category off, already closed) is committed with
 * its audit rows and answered there: handing a request to a pool thread
 * and back (suspend, wake, resume) cost about as much CPU as the decision
 * itself (385 against 271 us of CPU a request, measured). Only when an
 * incident would be queued does the handler write nothing and set
 * ApiResp.must_wait; then
 * the connection is suspended and the handler runs again on a thread of
 * the slow pool, so the MHD worker thread keeps serving its other
 * connections; the pool thread resumes the connection when it has the
 * answer, and the next call of on_request sends it. The pool is bounded:
 * at most slow_max requests wait at once (503 beyond), at most
 * slow_per_user of them for one user (429 beyond), both with Retry-After
 * (a refused request has written nothing). Pool threads start on demand
 * (never more than slow_max), keep their Store, and end in api_stop.
 *
 * Slow clients: MHD's CONNECTION_TIMEOUT is an idle timeout only, so a
 * client sending one header byte every few seconds would hold its
 * connection for ever. Every connection is tracked from
 * MHD_CONNECTION_NOTIFY_STARTED to _CLOSED with the time its current
 * request began (accept, or the end of the previous request) and how far
 * it got (headers / body / received). A reaper thread shuts down
 * (shutdown(2), never close) the socket of a request that has not sent
 * its headers within header_timeout or its body within body_timeout; MHD
 * then sees the end of the stream and closes the connection itself. MHD
 * 0.9.75 calls NOTIFY_CLOSED before it closes the socket, and the entry
 * leaves the list under the same mutex the reaper holds, so the reaper
 * never touches a descriptor number that was closed and reused. Besides
 * that, MHD refuses connections over a per-address limit (one count for
 * the whole daemon), and on_connection() over a total derived from
 * RLIMIT_NOFILE (raised to its hard limit at start): it shuts the new
 * socket down at once, like the reaper, which logs how many. The total
 * is ours, not MHD's: MHD splits MHD_OPTION_CONNECTION_LIMIT evenly over
 * its worker threads and a thread at its share stops accepting, even
 * with the others empty. With 64 workers a share of 4096 is 64; under a
 * write load most workers wait for the database, the few free ones took
 * only their shares of the reconnecting clients and the others waited
 * in the kernel's backlog, unanswered (as did every client over the
 * total: MHD never refused one). So MHD gets the total once per thread,
 * any free thread may take every connection, and one over the total is
 * refused at once.
 *
 * Writes (every method but GET and HEAD, except the routes flagged
 * ROUTE_UNSERIAL that spend their time hashing passwords) run one at a
 * time under write_mu. SQLite lets one connection write at a time and
 * makes the others sleep in its busy handler (1, 2, 5, 10 ... ms), and a
 * sleeping MHD worker stalls all its connections; a mutex hands over at
 * once. Reads (WAL) never wait for it. ROUTE_SLOW submissions take turns
 * in the domain instead (incidents_submit_grouped: the refusals of the
 * moment share one transaction and one commit). Ingestion (ROUTE_INGEST,
 * issue 12) does not take write_mu either: it commits through
 * store_group_commit, whose leader writes a whole batch of requests in
 * one transaction with one fsync (synchronous=FULL); each request waits
 * for its batch on its worker thread, so api.threads (64 by default)
 * bounds a batch.
 *
 * Durable answers (issue 13): every answer to a request that wrote waits
 * in send_resp (the slow pool: before it resumes the connection), after
 * write_mu was released, until the WAL holding its commit is fdatasynced
 * (store_sync_answer): one fsync serves every answer that committed
 * meanwhile, so a 2xx survives a power cut, not only a crash, while the
 * writes themselves still take write_mu for microseconds. A failed fsync
 * turns the answer into a 500.
 *
 * WAL: the listener's connections do not checkpoint in their commits
 * (their wal hook replaces SQLite's); the reaper checkpoints every
 * REAP_PERIOD_MS. Under a steady write load that alone never lets the WAL
 * start over (frames are appended while it copies; the resolve benchmark
 * grew it to 1.9 GB in 13 s, every commit writing into new file pages),
 * so a commit that leaves more than WAL_CKPT_FRAMES frames checkpoints at
 * once, still holding its write turn, and the next writer starts the WAL
 * from the beginning.
 *
 * Auth memo: a thread also remembers the last few tokens it verified,
 * with the user they resolved to and the same database version. The same
 * token string at the same version (no commit anywhere since: no logout,
 * no user change) and before its exp needs no second signature check or
 * session lookup. At another version the same string still needs no
 * signature check (the key never changes while we run), only the session
 * lookup: under a write load, where every request sees a new version,
 * that halves what authentication costs.
 */
#include "api/api.h"
#include "api/auth.h"
#include "api/handlers.h"
#include "api/http.h"
#include "api/router.h"
#include "domain/tokens.h"
#include "api/prom.h"
#include "domain/users.h"
#include "store/store.h"
#include "store/groupcommit.h"
#include "store/listing_repo.h"
#include "log.h"
#include "util.h"

#include <cJSON.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BODY_LIMIT   (1024u * 1024u)
#define STOP_WAIT_MS 5000
#define SLOW_RETRY_S 5          /* Retry-After when the slow pool is full */
#define REAP_PERIOD_MS 250
#define TRIM_PERIOD_US (10 * 1000000)   /* malloc_trim: free heap back to the system */
#define CONN_LIMIT_AUTO_MAX 4096
#define WAL_CKPT_FRAMES 4000     /* 16 MB of 4 KiB pages */

/* How far the current request of a tracked connection got. */
enum { TRACK_HEADERS = 0, TRACK_BODY, TRACK_RECEIVED, TRACK_REAPED };

typedef struct Track {
    struct Track *prev, *next;
    int           fd;
    int64_t       start_us;    /* atomic: when the current request began */
    int           state;       /* atomic: TRACK_* */
    int           nul;         /* the current request's URL has a %00 (unescape_url;
                                * the connection's own MHD thread only) */
} Track;

typedef struct SlowUser {
    int64_t user_id;
    int     n;                 /* 0 = free entry */
} SlowUser;

struct SlowJob;

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
    int                port;
    pthread_mutex_t    write_mu;     /* one database write at a time (see DESIGN) */
    StoreTurns        *turns;        /* the listener connections' commit turns */
    /* the slow pool (slow_mu) */
    pthread_mutex_t    slow_mu;
    pthread_cond_t     slow_cv;
    int                slow_max, slow_per_user;
    int                slow_used;    /* admitted requests not yet answered */
    int                slow_jobs;    /* queued or running jobs (until resumed) */
    SlowUser          *slow_users;   /* slow_max entries */
    struct SlowJob    *q_head, *q_tail;
    int                q_len, running, nthreads;
    pthread_t         *pool;         /* slow_max entries */
    int                pool_stop;
    /* connection tracking and the reaper (track_mu) */
    pthread_mutex_t    track_mu;
    pthread_cond_t     track_cv;
    Track             *tracks;
    int                ntracks;      /* connections open now */
    long               conn_limit;   /* at most this many open (ours, not MHD's) */
    int                over_limit;   /* refused since the reaper's last look */
    int                per_ip_refused; /* atomic: MHD's refusals, same */
    unsigned           per_ip;       /* MHD_OPTION_PER_IP_CONNECTION_LIMIT */
    int64_t            header_us, body_us;
    pthread_t          reaper;
    int                have_reaper, reaper_stop;
    int                have_sync;
    char              *tls_cert, *tls_key;
    int                tls;
    char              *admin_token;
    char              *docs_dir;
    size_t             upload_max;   /* body limit of ROUTE_LARGE_BODY routes */
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
    int64_t  data_version, own_changes, exp, user_id;
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
    size_t  limit;             /* this request's body limit; 0 = not looked up yet */
    int     too_large;
    int     bad_framing;       /* more than one Content-Length */
    int     nul_in_url;        /* a %00 in the path or query (unescape_url) */
    int64_t t0_us;
    int     slow;              /* atomic: 1 handler running, 2 answer ready */
    ApiResp slow_rs;
    Track  *track;             /* this connection's entry (may be NULL) */
    char    user[USERS_USERNAME_MAX + 1]; /* for the request log; "" = anonymous */
    const struct ApiRoute *route;  /* issue 12: the matched route, for prom_observe */
} Conn;

/* A ROUTE_SLOW request handed to its own thread (copies of what the
 * request borrowed from dispatch()'s stack). */
typedef struct SlowJob {
    struct SlowJob        *next;
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

/* Admit one more slow request for user_id: 0, or -1 with 503 (pool full)
 * or 429 (this user's share used) and Retry-After in rs. */
static int slow_admit(ApiServer *s, int64_t user_id, ApiResp *rs)
{
    pthread_mutex_lock(&s->slow_mu);
    SlowUser *mine = NULL, *free_e = NULL;
    for (int i = 0; i < s->slow_max; i++) {
        if (s->slow_users[i].n && s->slow_users[i].user_id == user_id)
            mine = &s->slow_users[i];
        else if (!s->slow_users[i].n && !free_e)
            free_e = &s->slow_users[i];
    }
    int full = s->slow_used >= s->slow_max;
    int mine_full = mine && mine->n >= s->slow_per_user;
    if (!full && !mine_full) {
        if (!mine) {
            mine = free_e;             /* there is one: fewer users than slots in use */
            mine->user_id = user_id;
        }
        mine->n++;
        s->slow_used++;
    }
    pthread_mutex_unlock(&s->slow_mu);
    if (mine_full) {
        api_send_error(rs, 429, "Too many of your resolve requests are waiting (limit %d per "
                       "user); try again later", s->slow_per_user);
    } else if (full) {
        api_send_error(rs, 503, "Too many resolve requests are waiting (limit %d); try again "
                       "later", s->slow_max);
    } else {
        return 0;
    }
    rs->retry_after = SLOW_RETRY_S;
    return -1;
}

static void slow_release(ApiServer *s, int64_t user_id)
{
    pthread_mutex_lock(&s->slow_mu);
    for (int i = 0; i < s->slow_max; i++)
        if (s->slow_users[i].n && s->slow_users[i].user_id == user_id) {
            s->slow_users[i].n--;
            break;
        }
    s->slow_used--;
    pthread_mutex_unlock(&s->slow_mu);
}

/* Durable answers (issue 13): an answer to a request that wrote through
 * st waits until the write-ahead log holding its commit is on disk, one
 * fsync shared with every answer committed meanwhile (groupcommit.c). If
 * the fsync failed, the client is not told the change was made. */
static void answer_durably(Store *st, ApiResp *rs)
{
    if (!st || store_sync_answer(st) == 0 || rs->status >= 400)
        return;
    free(rs->body);
    rs->body = NULL;
    rs->body_len = 0;
    api_send_error(rs, 500, "Internal server error: the change could not be written to disk");
}

static void slow_run(SlowJob *j)
{
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
        answer_durably(t->st, &j->c->slow_rs);   /* before the client can see it */
    }
    /* release the slot before the client can see the answer (and send
     * its next request), but count the job until the resume is done:
     * api_stop must not stop MHD with a connection still suspended */
    slow_release(s, j->has_user ? j->user.id : 0);
    __atomic_store_n(&j->c->slow, 2, __ATOMIC_RELEASE);
    MHD_resume_connection(j->conn);
    free(j);
    pthread_mutex_lock(&s->slow_mu);
    s->slow_jobs--;
    pthread_cond_broadcast(&s->slow_cv);
    pthread_mutex_unlock(&s->slow_mu);
}

/* A slow-pool thread: run queued jobs until api_stop. Its Store (in the
 * thread key) is closed by the key's destructor when it returns. */
static void *slow_main(void *arg)
{
    ApiServer *s = arg;
    pthread_mutex_lock(&s->slow_mu);
    for (;;) {
        while (!s->q_head && !s->pool_stop)
            pthread_cond_wait(&s->slow_cv, &s->slow_mu);
        if (!s->q_head)
            break;
        SlowJob *j = s->q_head;
        s->q_head = j->next;
        if (!s->q_head)
            s->q_tail = NULL;
        s->q_len--;
        s->running++;
        pthread_mutex_unlock(&s->slow_mu);
        slow_run(j);
        pthread_mutex_lock(&s->slow_mu);
        s->running--;
    }
    pthread_mutex_unlock(&s->slow_mu);
    return NULL;
}

/* Suspend the connection and queue the handler for the slow pool (the
 * request was admitted). 0, or -1 when no pool thread could run it (the
 * caller answers instead). */
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
    __atomic_store_n(&c->slow, 1, __ATOMIC_RELEASE);
    MHD_suspend_connection(conn);
    pthread_mutex_lock(&s->slow_mu);
    /* every admitted job gets a thread at once: threads >= running + queued */
    if (s->running + s->q_len + 1 > s->nthreads && s->nthreads < s->slow_max &&
        pthread_create(&s->pool[s->nthreads], NULL, slow_main, s) == 0)
        s->nthreads++;
    if (s->running + s->q_len + 1 > s->nthreads) {
        pthread_mutex_unlock(&s->slow_mu);
        MHD_resume_connection(conn);
        __atomic_store_n(&c->slow, 0, __ATOMIC_RELEASE);
        free(j);
        return -1;
    }
    s->slow_jobs++;
    if (s->q_tail)
        s->q_tail->next = j;
    else
        s->q_head = j;
    s->q_tail = j;
    s->q_len++;
    pthread_cond_broadcast(&s->slow_cv);
    pthread_mutex_unlock(&s->slow_mu);
    return 0;
}

#define BUSY_WAIT_MS   5000      /* as store_open's busy timeout */
#define BUSY_POLL_MS   5         /* the lock holder may be another thread's
                                  * connection, whose commits we do not see */

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
    /* the reaper thread checkpoints the WAL, a commit only when the WAL
     * is long (see DESIGN); a connection that finds the write lock taken
     * waits for our next commit instead of SQLite's sleeps */
    store_share_turns(st, s->turns);
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

/* The request's token (api_bearer_token); "token" is read only when there
 * is no Authorization header. */
static const char *request_token(struct MHD_Connection *conn, int *malformed)
{
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    return api_bearer_token(h, h ? NULL : MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                                      "token"), malformed);
}

/* The memo of this token string before its exp (its signature checked),
 * or NULL; *same_version = 1 when its session lookup is still current. */
static AuthMemo *memo_find(ThreadCtx *t, const char *tok, const DbVersion *v, int64_t now,
                           int *same_version)
{
    *same_version = 0;
    if (!v->ok)
        return NULL;
    for (int i = 0; i < AUTH_MEMOS; i++) {
        AuthMemo *m = &t->memo[i];
        if (m->token && now < m->exp && strcmp(m->token, tok) == 0) {
            *same_version = m->data_version == v->data_version &&
                            m->own_changes == v->own_changes;
            return m;
        }
    }
    return NULL;
}

/* Remember (m: refresh) a token whose session lookup gave u at v. */
static void memo_add(ThreadCtx *t, AuthMemo *m, const char *tok, const DbVersion *v,
                     const TokenClaims *c, const UserInfo *u)
{
    if (!v->ok)
        return;
    if (!m) {
        m = &t->memo[t->memo_next];
        t->memo_next = (t->memo_next + 1) % AUTH_MEMOS;
        free(m->token);
        m->token = xstrdup(tok);
        m->exp = c->exp;
        m->user_id = c->user_id;
        memcpy(m->jti, c->jti, sizeof m->jti);
    }
    m->data_version = v->data_version;
    m->own_changes = v->own_changes;
    m->user = *u;
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
    if (tokens_is_secret(tok))         /* issue 12: a machine token, not a JWT */
        return api_machine_auth(rq, r, tok, user, rs);
    int same;
    AuthMemo *m = memo_find(t, tok, ver, rq->now, &same);
    if (m && same) {
        *user = m->user;
        memcpy(claims->jti, m->jti, sizeof claims->jti);
        goto check_role;
    }
    const char *why;
    if (m) {                           /* signature known good: the session only */
        *claims = (TokenClaims){.user_id = m->user_id, .exp = m->exp};
        memcpy(claims->jti, m->jti, sizeof claims->jti);
    } else if (api_token_verify(s->key, s->cfg.keylen, tok, rq->now, claims, &why) < 0) {
        api_send_error(rs, 401, "%s", why);
        return -1;
    }
    int rc = users_session_check(rq->st, claims->jti, claims->user_id, user);
    if (rc == -EIO) {
        log_error("api: %s %s: session lookup failed: %s", rq->method, rq->path,
                  store_errmsg(rq->st));
        api_send_error(rs, 500, "Internal server error");
        return -1;
    }
    if (rc < 0) {
        api_send_error(rs, 401, rc == -EKEYREVOKED ? "Token has been revoked" : "Invalid token");
        return -1;
    }
    memo_add(t, m, tok, ver, claims, user);
check_role:
    rq->user = user;
    rq->jti = claims->jti;
    if (r->roles != ROLES_OPTIONAL && !api_role_allows(r->roles, user->role)) {
        api_send_error(rs, 403, "Forbidden: Insufficient role permissions");
        return -1;
    }
    return 0;
}

/* Seed 001's errors carry "status_code" beside "error"
 * (API_ERROR_STATUS_CODE); its handlers add it themselves, and this adds
 * it to the listener's own answers (401, 404, 429, the slow pool's 503
 * ...) on its paths: /api/v1/... and /health. */
static int wants_status_code(const char *url)
{
    return strncmp(url, "/api/v1/", 8) == 0 || strcmp(url, "/health") == 0;
}

static void add_status_code(ApiResp *rs)
{
    cJSON *o = cJSON_Parse(rs->body);
    if (cJSON_IsObject(o) && cJSON_GetObjectItemCaseSensitive(o, "error") &&
        !cJSON_GetObjectItemCaseSensitive(o, "status_code")) {
        cJSON_AddNumberToObject(o, "status_code", rs->status);
        char *body = cJSON_PrintUnformatted(o);
        if (body) {
            free(rs->body);
            rs->body = body;
        }
    }
    cJSON_Delete(o);
}

static enum MHD_Result send_resp(ApiServer *s, struct MHD_Connection *conn, const char *method,
                                 const char *url, Conn *c, ApiResp *rs, const char *allow,
                                 const char *origin, CacheSlot *keep)
{
    ThreadCtx *t = pthread_getspecific(s->store_key);
    answer_durably(t ? t->st : NULL, rs);
    if (!rs->status) {
        free(rs->body);
        rs->body = NULL;
        log_error("api: %s %s: the handler gave no answer", method, url);
        api_send_error(rs, 500, "Internal server error");
    }
    if (rs->status >= 400 && rs->body && wants_status_code(url))
        add_status_code(rs);
    struct MHD_Response *resp;
    if (rs->body)
        resp = MHD_create_response_from_buffer(rs->body_len ? rs->body_len : strlen(rs->body),
                                               rs->body, MHD_RESPMEM_MUST_FREE);
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
    if (rs->retry_after > 0 && (rs->status == 429 || rs->status == 503)) {
        char ra[24];
        snprintf(ra, sizeof ra, "%d", rs->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    if (rs->has_total) {
        char tc[24];
        snprintf(tc, sizeof tc, "%lld", (long long)rs->total);
        MHD_add_response_header(resp, "X-Total-Count", tc);
        MHD_add_response_header(resp, "Access-Control-Expose-Headers", "X-Total-Count");
    }
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)rs->status, resp);
    prom_observe(c->route, method, rs->status, (mono_us() - c->t0_us) * 1000);
    if (keep && rs->status == 200) {
        if (keep->resp)
            MHD_destroy_response(keep->resp);
        keep->resp = resp;             /* the slot keeps our reference */
    } else {
        MHD_destroy_response(resp);
    }
    /* Path only: query strings and headers (tokens) are never logged. */
    log_info("api: %s %s %d %.2f ms %s", method, url, rs->status,
             (double)(mono_us() - c->t0_us) / 1000.0, c->user[0] ? c->user : "-");
    return ret;
}

/* The signed-in user's name for the request log, with bytes that could
 * fake a log line (controls, spaces) shown as '?'. */
static void conn_set_user(Conn *c, const UserInfo *u)
{
    size_t i = 0;
    for (; u && u->username[i] && i < sizeof c->user - 1; i++) {
        unsigned char ch = (unsigned char)u->username[i];
        c->user[i] = ch <= ' ' || ch == 0x7f ? '?' : (char)ch;
    }
    c->user[i] = '\0';
}

/* A request with no matching route: the CORS preflight of a configured
 * origin (204), else 405, 400 (a text parameter too long) or 404. */
static enum MHD_Result answer_unrouted(ApiServer *s, struct MHD_Connection *conn,
                                       const char *url, const char *method, Conn *c,
                                       const char *origin, int known, const char *allow)
{
    ApiResp rs = {0};
    if (origin && strcmp(method, "OPTIONS") == 0 && known) {
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
        prom_observe(NULL, method, 204, (mono_us() - c->t0_us) * 1000);
        MHD_destroy_response(resp);
        log_info("api: %s %s 204 %.2f ms -", method, url, (double)(mono_us() - c->t0_us) / 1000.0);
        return ret;
    }
    char pname[32];
    if (known)
        api_send_error(&rs, 405, "Method not allowed");
    else if (api_route_long_param(url, pname, sizeof pname))
        api_send_error(&rs, 400, "Field '%s' is too long (at most %d characters)", pname,
                       API_TEXT_PARAM_MAX);
    else if (strlen(url) > 200)
        api_send_error(&rs, 404, "Not found: %.200s...", url);
    else
        api_send_error(&rs, 404, "Not found: %s", url);
    return send_resp(s, conn, method, url, c, &rs, known ? allow : NULL, origin, NULL);
}

/* Authenticate and role-check a routed request, then look up its
 * response cache slot. 1 when the request is answered here (auth failure
 * or a cache hit; *out_ret is MHD's result), else 0 with *out_slot the
 * slot the handler's 200 is to fill (NULL: not cached). */
static int auth_and_cache(ApiServer *s, ThreadCtx *t, struct MHD_Connection *conn,
                          const char *url, const char *method, Conn *c, const ApiRoute *r,
                          ApiReq *rq, UserInfo *user, TokenClaims *claims, ApiResp *rs,
                          const char *origin, CacheSlot **out_slot, enum MHD_Result *out_ret)
{
    CacheSlot *slot = NULL;
    DbVersion ver = {0};
    if (r->roles != ROLES_PUBLIC || (r->flags & ROUTE_CACHED))
        ver.ok = listing_version(rq->st, &ver.data_version, &ver.own_changes) == 0;
    api_machine_reset(rq->st);         /* issue 12: no token actor left from before */
    int auth = r->roles != ROLES_PUBLIC ? authenticate(s, t, &ver, r, rq, user, claims, rs) : 0;
    conn_set_user(c, rq->user);
    if (auth < 0) {
        *out_ret = send_resp(s, conn, method, url, c, rs, NULL, origin, NULL);
        return 1;
    }
    int64_t dv = ver.data_version, own = ver.own_changes;
    /* CORS answers carry per-origin headers and query strings vary the
     * answer: neither is cached. */
    if ((r->flags & ROUTE_CACHED) && ver.ok && !origin &&
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, NULL, NULL) == 0 &&
        (slot = cache_slot(t, r))) {
        if (slot->resp && slot->data_version == dv && slot->own_changes == own) {
            store_sync_answer(rq->st); /* what authentication wrote (a token's use) */
            *out_ret = MHD_queue_response(conn, 200, slot->resp);
            prom_observe(r, method, 200, (mono_us() - c->t0_us) * 1000);
            log_info("api: %s %s 200 %.2f ms %s (cached)", method, url,
                     (double)(mono_us() - c->t0_us) / 1000.0, c->user[0] ? c->user : "-");
            return 1;
        }
        if (slot->resp)                /* stale: the next 200 replaces it */
            MHD_destroy_response(slot->resp);
        slot->resp = NULL;
        slot->data_version = dv;
        slot->own_changes = own;
    }
    *out_slot = slot;
    return 0;
}

/* A ROUTE_SLOW request (see DESIGN): answered here when the decision runs
 * nothing, else admitted to the slow pool and answered by its thread. */
static enum MHD_Result dispatch_slow(ApiServer *s, struct MHD_Connection *conn, const char *url,
                                     const char *method, Conn *c, const ApiRoute *r,
                                     ApiReq *rq, ApiResp *rs, const char *origin)
{
    /* first here: a decision that runs nothing is answered at once */
    rq->no_wait = 1;
    r->handler(rq, rs);
    if (!rs->must_wait)
        return send_resp(s, conn, method, url, c, rs, NULL, origin, NULL);
    free(rs->body);
    *rs = (ApiResp){0};
    rq->no_wait = 0;
    /* the first pass may have led a grouped write (incidents.c): its rows
     * are on this thread's connection, answered by other threads */
    answer_durably(rq->st, rs);
    if (rs->status)
        return send_resp(s, conn, method, url, c, rs, NULL, origin, NULL);
    int64_t uid = rq->user ? rq->user->id : 0;
    if (slow_admit(s, uid, rs) < 0)
        return send_resp(s, conn, method, url, c, rs, NULL, origin, NULL);
    if (run_slow(s, conn, c, r, rq) == 0)
        return MHD_YES;            /* answered when the pool thread resumes us */
    r->handler(rq, rs);            /* no pool thread: answer from here */
    slow_release(s, uid);
    return send_resp(s, conn, method, url, c, rs, NULL, origin, NULL);
}

static enum MHD_Result dispatch(ApiServer *s, struct MHD_Connection *conn, const char *url,
                                const char *method, Conn *c)
{
    ApiResp rs = {0};
    char allow[64] = "";
    const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
    if (!cors_allowed(s, origin))
        origin = NULL;

    if (c->track)
        __atomic_store_n(&c->track->state, TRACK_RECEIVED, __ATOMIC_RELEASE);
    if (c->bad_framing) {
        api_send_error(&rs, 400, "Duplicate Content-Length header");
        return send_resp(s, conn, method, url, c, &rs, NULL, origin, NULL);
    }
    if (c->nul_in_url) {
        api_send_error(&rs, 400, "Request path must not contain NUL (%%00)");
        return send_resp(s, conn, method, url, c, &rs, NULL, origin, NULL);
    }
    if (c->too_large) {
        if (c->limit > BODY_LIMIT)
            api_send_error(&rs, 413, "Request body too large (limit %zu bytes)", c->limit);
        else
            api_send_error(&rs, 413, "Request body too large (limit 1 MiB)");
        return send_resp(s, conn, method, url, c, &rs, NULL, origin, NULL);
    }
    int64_t id = 0;
    int known = 0;
    const ApiRoute *r = api_route_match(method, url, &id, &known, allow, sizeof allow);
    if (!r)
        return answer_unrouted(s, conn, url, method, c, origin, known, allow);
    c->route = r;
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
    enum MHD_Result ret;
    if (auth_and_cache(s, t, conn, url, method, c, r, &rq, &user, &claims, &rs, origin, &slot,
                       &ret))
        return ret;
    if (r->flags & ROUTE_SLOW)
        return dispatch_slow(s, conn, url, method, c, r, &rq, &rs, origin);
    /* writes one at a time: SQLite would make the others sleep-poll for
     * its write lock, stalling every connection of their worker thread.
     * Ingestion (issue 12) commits through store_group_commit, whose
     * leader takes the write lock for a whole batch of callers: under
     * write_mu there would never be a batch. */
    int serial = strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
                 !(r->flags & (ROUTE_UNSERIAL | ROUTE_INGEST));
    if (serial)
        pthread_mutex_lock(&s->write_mu);
    r->handler(&rq, &rs);
    if (serial)
        pthread_mutex_unlock(&s->write_mu);
    return send_resp(s, conn, method, url, c, &rs, NULL, origin, slot);
}

static enum MHD_Result count_content_length(void *cls, enum MHD_ValueKind kind,
                                           const char *key, const char *value)
{
    (void)kind;
    (void)value;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
        (*(int *)cls)++;
    return MHD_YES;
}

/* The body limit of this request: 1 MiB, or the upload limit on a route
 * flagged ROUTE_LARGE_BODY (issue 12). The route is looked up only for a
 * body over 1 MiB, once. */
static size_t body_limit(ApiServer *s, Conn *c, const char *method, const char *url)
{
    if (!c->limit) {
        int64_t id;
        int known;
        char allow[64];
        const ApiRoute *r = api_route_match(method, url, &id, &known, allow, sizeof allow);
        c->limit = r && (r->flags & ROUTE_LARGE_BODY) && s->upload_max > BODY_LIMIT
                       ? s->upload_max : BODY_LIMIT;
    }
    return c->limit;
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
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        c->track = ci ? ci->socket_context : NULL;
        if (c->track)
            __atomic_store_n(&c->track->state, TRACK_BODY, __ATOMIC_RELEASE);
        if (c->track && c->track->nul) {
            c->track->nul = 0;
            c->nul_in_url = 1;     /* answer now; the body is never read */
            return dispatch(s, conn, url, method, c);
        }
        int ncl = 0;
        MHD_get_connection_values(conn, MHD_HEADER_KIND, count_content_length, &ncl);
        if (ncl > 1) {
            /* RFC 9112 6.3: a proxy may have read the other one */
            c->bad_framing = 1;    /* answer now; the body is never read */
            return dispatch(s, conn, url, method, c);
        }
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > BODY_LIMIT &&
            strtoull(cl, NULL, 10) > body_limit(s, c, method, url)) {
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
        if (c->len + n > BODY_LIMIT && c->len + n > body_limit(s, c, method, url)) {
            c->too_large = 1;
            free(c->body);
            c->body = NULL;
            c->len = c->cap = 0;
            return MHD_YES;
        }
        if (c->len + n + 1 > c->cap) {
            size_t lim = c->limit ? c->limit : BODY_LIMIT;
            c->cap = (c->len + n + 1) * 2;
            if (c->cap > lim + 1)
                c->cap = lim + 1;
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
    if (c->track) {                /* the next request's clock starts now */
        c->track->nul = 0;
        __atomic_store_n(&c->track->start_us, mono_us(), __ATOMIC_RELEASE);
        __atomic_store_n(&c->track->state, TRACK_HEADERS, __ATOMIC_RELEASE);
    }
    free(c->body);
    free(c->slow_rs.body);
    free(c);
    *con_cls = NULL;
    __atomic_sub_fetch(&s->inflight, 1, __ATOMIC_SEQ_CST);
}

/* MHD_OPTION_UNESCAPE_CALLBACK: MHD decodes the path and every query
 * key and value in place with it, before the first on_request of the
 * request, and takes the returned length. A %00 would end the decoded
 * string early (/api/tasks/1%00junk read as task 1), so a string with
 * one is left undecoded and the request flagged for a 400. */
static size_t unescape_url(void *cls, struct MHD_Connection *conn, char *str)
{
    (void)cls;
    for (const char *p = strchr(str, '%'); p; p = strchr(p + 1, '%')) {
        if (p[1] == '0' && p[2] == '0') {
            const union MHD_ConnectionInfo *ci =
                MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
            Track *t = ci ? ci->socket_context : NULL;
            if (t)
                t->nul = 1;
            return strlen(str);
        }
    }
    return MHD_http_unescape(str);
}

/* MHD_OPTION_NOTIFY_CONNECTION: track a connection from accept to close.
 * MHD calls _CLOSED before it closes the socket (see the DESIGN note). */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    ApiServer *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!ci)
            return;
        Track *t = xcalloc(1, sizeof *t);
        t->fd = ci->connect_fd;
        t->start_us = mono_us();
        t->state = TRACK_HEADERS;
        pthread_mutex_lock(&s->track_mu);
        if (s->ntracks >= s->conn_limit) {       /* over the total: see DESIGN */
            shutdown(t->fd, SHUT_RDWR);
            t->state = TRACK_REAPED;
            s->over_limit++;
        }
        s->ntracks++;
        t->next = s->tracks;
        if (s->tracks)
            s->tracks->prev = t;
        s->tracks = t;
        pthread_mutex_unlock(&s->track_mu);
        *socket_context = t;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        Track *t = *socket_context;
        pthread_mutex_lock(&s->track_mu);
        if (t->prev)
            t->prev->next = t->next;
        else
            s->tracks = t->next;
        if (t->next)
            t->next->prev = t->prev;
        s->ntracks--;
        pthread_mutex_unlock(&s->track_mu);
        free(t);
        *socket_context = NULL;
    }
}

/* Shut down the sockets of requests past their header or body deadline,
 * and checkpoint the WAL (passive: it never blocks a reader or writer)
 * for the listener's connections, which do not checkpoint themselves. */
static void *reaper_main(void *arg)
{
    ApiServer *s = arg;
    char err[512];
    Store *ck = NULL;
    int64_t trimmed_us = mono_us();
    if (store_open(s->db_path, &ck, err, sizeof err) < 0) {
        log_warn("api: %s (the WAL is checkpointed by the engine only)", err);
        ck = NULL;
    }
    pthread_mutex_lock(&s->track_mu);
    while (!s->reaper_stop) {
        struct timespec until;
        util_deadline(&until, CLOCK_MONOTONIC, REAP_PERIOD_MS);
        pthread_cond_timedwait(&s->track_cv, &s->track_mu, &until);
        int64_t now = mono_us();
        int hdr = 0, body = 0;
        for (Track *t = s->tracks; t && !s->reaper_stop; t = t->next) {
            int st = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
            int64_t age = now - __atomic_load_n(&t->start_us, __ATOMIC_ACQUIRE);
            if ((st == TRACK_HEADERS && age > s->header_us) ||
                (st == TRACK_BODY && age > s->body_us)) {
                shutdown(t->fd, SHUT_RDWR);
                __atomic_store_n(&t->state, TRACK_REAPED, __ATOMIC_RELEASE);
                if (st == TRACK_HEADERS)
                    hdr++;
                else
                    body++;
            }
        }
        if (hdr || body)
            log_info("api: closed %d connection(s) without headers after %llds, %d without "
                     "their whole body after %llds", hdr, (long long)(s->header_us / 1000000),
                     body, (long long)(s->body_us / 1000000));
        if (s->over_limit)
            log_warn("api: refused %d connection(s) over the limit of %ld", s->over_limit,
                     s->conn_limit);
        s->over_limit = 0;
        int ip = __atomic_exchange_n(&s->per_ip_refused, 0, __ATOMIC_RELAXED);
        if (ip)
            log_warn("api: refused %d connection(s) over the per-address limit of %u", ip,
                     s->per_ip);
        if (ck) {
            pthread_mutex_unlock(&s->track_mu);
            store_checkpoint(ck);
            pthread_mutex_lock(&s->track_mu);
        }
        if (now - trimmed_us >= TRIM_PERIOD_US) {
            /* 64 workers' SQLite page caches and glibc's per-thread arenas
             * keep the peak of a burst: hand the free pages back (soak,
             * issue 13: RSS followed SQLite's high water, not its use) */
            pthread_mutex_unlock(&s->track_mu);
            malloc_trim(0);
            pthread_mutex_lock(&s->track_mu);
            trimmed_us = now;
        }
    }
    pthread_mutex_unlock(&s->track_mu);
    store_close(ck);
    return NULL;
}

/* Raise RLIMIT_NOFILE's soft limit to the hard one (capped); the soft
 * limit in effect afterwards. */
static long raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1024;
    rlim_t want = rl.rlim_max;
    if (want == RLIM_INFINITY || want > (rlim_t)1048576)
        want = 1048576;
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
        return rl.rlim_cur == RLIM_INFINITY ? 1048576 : (long)rl.rlim_cur;
    struct rlimit n = {.rlim_cur = want, .rlim_max = rl.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &n) == 0)
        return (long)want;
    return (long)rl.rlim_cur;
}

/* MHD's messages about one client that went away (closed, reset, or cut
 * by the reaper, which logs its own count) or was refused over the
 * per-address limit (counted; the reaper logs the count): a slowloris run
 * or a flood of clients would write one warning per connection, so these
 * are debug lines. */
#define MHD_PER_IP_REFUSAL "Server reached connection limit"
static const char *const mhd_client_gone[] = {
    "Connection was closed by remote side",
    "Connection socket is closed when reading request",
    "Failed to send the response headers for the request",
    MHD_PER_IP_REFUSAL,
};

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    ApiServer *s = cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = '\0';
    for (size_t i = 0; i < sizeof mhd_client_gone / sizeof *mhd_client_gone; i++)
        if (strncmp(msg, mhd_client_gone[i], strlen(mhd_client_gone[i])) == 0) {
            if (s && strcmp(mhd_client_gone[i], MHD_PER_IP_REFUSAL) == 0)
                __atomic_add_fetch(&s->per_ip_refused, 1, __ATOMIC_RELAXED);
            log_debug("api: %s", msg);
            return;
        }
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
    if (s->have_sync) {
        pthread_mutex_destroy(&s->slow_mu);
        pthread_mutex_destroy(&s->write_mu);
        pthread_cond_destroy(&s->slow_cv);
        pthread_mutex_destroy(&s->track_mu);
        pthread_cond_destroy(&s->track_cv);
    }
    store_turns_free(s->turns);      /* every listener store is closed by now */
    free(s->slow_users);
    free(s->pool);
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
    free(s->docs_dir);
    free(s);
}

/* Limits and sizes the listener starts with (api_start's log shows them). */
typedef struct ServerLimits {
    long     nofile;           /* RLIMIT_NOFILE after raise_nofile() */
    long     conn_limit;       /* MHD_OPTION_CONNECTION_LIMIT */
    unsigned per_ip;           /* MHD_OPTION_PER_IP_CONNECTION_LIMIT */
    unsigned threads;          /* MHD_OPTION_THREAD_POOL_SIZE */
} ServerLimits;

/* The handlers' configuration, the signing key, CORS origins and the TLS
 * files from o. 0, or -1 with err filled. */
static int server_config(ApiServer *s, const ApiOpts *o, char *err, size_t errsz)
{
    s->db_path = xstrdup(o->db_path);
    s->cfg.open_signup = o->open_signup;
    s->cfg.token_ttl_s = o->token_ttl_s > 0 ? o->token_ttl_s : 3600;
    s->cfg.stopping = &s->stopping;
    s->admin_token = xstrdup(o->admin_token ? o->admin_token : "");
    s->upload_max = o->upload_max_bytes > 0 ? (size_t)o->upload_max_bytes : 16u * 1024u * 1024u;
    h_security_set_upload_max(s->upload_max);
    s->cfg.admin_token = s->admin_token;
    s->docs_dir = xstrdup(o->docs_dir ? o->docs_dir : "");
    s->cfg.docs_dir = s->docs_dir;
    if (o->password_limits && *o->password_limits &&
        users_parse_limits(o->password_limits, &s->cfg.limits) < 0) {
        snprintf(err, errsz, "password hash limits '%s': expected interactive, moderate or min",
                 o->password_limits);
        return -1;
    }
    size_t keylen = 0;
    if (api_secret_load(o->jwt_secret, o->db_path, &s->key, &keylen, err, errsz) < 0)
        return -1;
    s->cfg.key = s->key;
    s->cfg.keylen = keylen;
    parse_cors(s, o->cors_origins);
    int has_cert = o->tls_cert && *o->tls_cert, has_key = o->tls_key && *o->tls_key;
    if (has_cert != has_key) {
        snprintf(err, errsz, "TLS needs both a certificate and a key");
        return -1;
    }
    if (has_cert) {
        s->tls = 1;
        if (!(s->tls_cert = slurp(o->tls_cert, err, errsz)) ||
            !(s->tls_key = slurp(o->tls_key, err, errsz)))
            return -1;
    }
    return 0;
}

/* The per-thread Store key, the mutexes and condition variables.
 * 0, or -1 with err filled. */
static int server_sync_init(ApiServer *s, char *err, size_t errsz)
{
    if (pthread_key_create(&s->store_key, thread_ctx_dtor) != 0) {
        snprintf(err, errsz, "pthread_key_create failed");
        return -1;
    }
    s->have_key = 1;
    pthread_mutex_init(&s->slow_mu, NULL);
    pthread_mutex_init(&s->write_mu, NULL);
    s->turns = store_turns_new(WAL_CKPT_FRAMES, BUSY_WAIT_MS, BUSY_POLL_MS);
    pthread_mutex_init(&s->track_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->track_cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&s->slow_cv, NULL);
    s->have_sync = 1;
    return 0;
}

/* The slow pool's bounds, the slow-client timeouts and the connection
 * limits (raises RLIMIT_NOFILE to its hard limit). */
static void server_limits(ApiServer *s, const ApiOpts *o, ServerLimits *out)
{
    s->slow_max = o->slow_max > 0 ? o->slow_max : API_SLOW_MAX_DEFAULT;
    s->slow_per_user = o->slow_per_user > 0 ? o->slow_per_user : API_SLOW_PER_USER_DEFAULT;
    s->slow_users = xcalloc((size_t)s->slow_max, sizeof *s->slow_users);
    s->pool = xcalloc((size_t)s->slow_max, sizeof *s->pool);
    s->header_us = (int64_t)(o->header_timeout_s > 0 ? o->header_timeout_s
                                                     : API_HEADER_TIMEOUT_DEFAULT) * 1000000;
    s->body_us = (int64_t)(o->body_timeout_s > 0 ? o->body_timeout_s
                                                 : API_BODY_TIMEOUT_DEFAULT) * 1000000;
    /* fds: the connections, plus the engine, each thread's SQLite files and
     * the runner's pipes; each worker thread's Store holds 3 (issue 12:
     * 64 workers by default) */
    out->threads = (unsigned)(o->threads > 0 ? o->threads : 4);
    long nofile = raise_nofile();
    long reserve = 128 + 6L * s->slow_max + 4L * (long)out->threads;
    long conn_limit = nofile - reserve;
    if (o->max_connections > 0 && o->max_connections < conn_limit)
        conn_limit = o->max_connections;
    else if (o->max_connections <= 0 && conn_limit > CONN_LIMIT_AUTO_MAX)
        conn_limit = CONN_LIMIT_AUTO_MAX;
    if (conn_limit < 16)
        conn_limit = 16;
    out->nofile = nofile;
    out->conn_limit = conn_limit;
    s->conn_limit = conn_limit;
    out->per_ip = (unsigned)(o->max_connections_per_ip > 0 ? o->max_connections_per_ip
                                                           : API_PER_IP_DEFAULT);
    s->per_ip = out->per_ip;
}

/* MHD's connection limit: the total for every worker thread (DESIGN). */
static unsigned mhd_conn_limit(const ServerLimits *lim)
{
    unsigned long long n = (unsigned long long)lim->conn_limit * lim->threads;
    return n > UINT_MAX ? UINT_MAX : (unsigned)n;
}

/* Bind, start the MHD daemon and the reaper thread. 0, or -1 with err
 * filled and nothing left running. */
static int server_listen(ApiServer *s, const ApiOpts *o, const ServerLimits *lim, char *err,
                         size_t errsz)
{
    int fd = bind_listen(o->listen, &s->port, err, errsz);
    if (fd < 0)
        return -1;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                     MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG | (s->tls ? MHD_USE_TLS : 0);
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key},
        {MHD_OPTION_END, 0, NULL},
    };
    s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
                            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
                            MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
                            MHD_OPTION_THREAD_POOL_SIZE, lim->threads,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
                            MHD_OPTION_UNESCAPE_CALLBACK, unescape_url, NULL,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                            MHD_OPTION_CONNECTION_LIMIT, mhd_conn_limit(lim),
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, lim->per_ip,
                            MHD_OPTION_ARRAY, s->tls ? tls_opts : &tls_opts[2],
                            MHD_OPTION_END);
    if (!s->d) {
        close(fd);
        snprintf(err, errsz, "cannot start the HTTP listener on %s%s", o->listen,
                 s->tls ? " (check the TLS certificate and key)" : "");
        return -1;
    }
    if (pthread_create(&s->reaper, NULL, reaper_main, s) == 0) {
        s->have_reaper = 1;
    } else {
        MHD_stop_daemon(s->d);
        s->d = NULL;
        snprintf(err, errsz, "cannot start the HTTP listener's reaper thread");
        return -1;
    }
    return 0;
}

ApiServer *api_start(const ApiOpts *o, char *err, size_t errsz)
{
    ApiServer *s = xcalloc(1, sizeof *s);
    ServerLimits lim;
    if (server_config(s, o, err, errsz) < 0 || server_sync_init(s, err, errsz) < 0)
        goto fail;
    server_limits(s, o, &lim);
    if (server_listen(s, o, &lim, err, errsz) < 0)
        goto fail;
    int hostlen = (int)(strrchr(o->listen, ':') - o->listen);
    log_info("api: listening on %s://%.*s:%d (%u threads%s%s)", s->tls ? "https" : "http",
             hostlen, o->listen, s->port, lim.threads, s->cfg.open_signup ? ", open signup" : "",
             s->ncors ? ", CORS on" : "");
    log_info("api: limits: %ld connections (%u per address; file limit %ld), headers within "
             "%llds, body within %llds, %d waiting resolve requests (%d per user)",
             lim.conn_limit, lim.per_ip, lim.nofile, (long long)(s->header_us / 1000000),
             (long long)(s->body_us / 1000000), s->slow_max, s->slow_per_user);
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
        /* slow handlers see `stopping` and answer soon; MHD must not
         * stop while their connections are suspended */
        pthread_mutex_lock(&s->slow_mu);
        while (s->slow_jobs > 0)
            pthread_cond_wait(&s->slow_cv, &s->slow_mu);
        s->pool_stop = 1;
        pthread_cond_broadcast(&s->slow_cv);
        pthread_mutex_unlock(&s->slow_mu);
        for (int i = 0; i < s->nthreads; i++)
            pthread_join(s->pool[i], NULL);  /* their Stores close as they end */
        MHD_stop_daemon(s->d);
        if (s->have_reaper) {
            pthread_mutex_lock(&s->track_mu);
            s->reaper_stop = 1;
            pthread_cond_signal(&s->track_cv);
            pthread_mutex_unlock(&s->track_mu);
            pthread_join(s->reaper, NULL);
        }
        StoreGroupStats gs;
        store_group_stats(s->db_path, &gs);
        if (gs.calls)
            log_info("api: group commit: %llu calls in %llu commits (%.1f a commit, largest "
                     "%d), %llu failed commits", (unsigned long long)gs.calls,
                     (unsigned long long)gs.commits,
                     (double)gs.calls / (double)(gs.commits ? gs.commits : 1), gs.max_batch,
                     (unsigned long long)gs.failed_commits);
        if (gs.answer_waits)
            log_info("api: durable answers: %llu in %llu WAL fsyncs (%.1f an fsync), %llu "
                     "failed fsyncs", (unsigned long long)gs.answer_waits,
                     (unsigned long long)gs.answer_fsyncs,
                     (double)gs.answer_waits / (double)(gs.answer_fsyncs ? gs.answer_fsyncs : 1),
                     (unsigned long long)gs.answer_failed);
        log_info("api: stopped");
    }
    server_free(s);
}
