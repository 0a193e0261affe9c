/* fuzz_api — every API route through the router, its handler run
 * in-process on a real SQLite database (issue 13 item 1).
 *
 * An input is one request:
 *
 *   byte 0      a route of the table (src/api/router.c) when below the
 *               route count, else "raw"
 *   line 1      route: its path parameters joined by '/' ("7" for
 *               /api/services/{service_id}/status, "3/1" for the
 *               downtime timeline), then "?query"; raw: "METHOD URL?query"
 *   lines 2..   headers "Name: value" up to an empty line
 *   the rest    the body (none when empty)
 *
 * The URL (a route's pattern with its parameters filled in, or the raw
 * one) goes through api_route_match as the listener's dispatch does: a
 * matched route's handler runs as the demo's Admin (so every body is
 * parsed, never refused at the role check; public routes run signed out,
 * as the listener runs them), an unmatched one goes through the 400/404
 * choice (api_route_long_param). Query arguments and headers reach the
 * handlers through MHD_lookup_connection_value, which this program
 * replaces (-Wl,--wrap) for its one fake connection.
 *
 * The database: each request runs inside store_begin/store_rollback, so
 * nothing it writes stays (the handlers' own transactions are savepoints
 * inside). Ingestion routes commit through store_group_commit, which
 * refuses to run inside a transaction: they run bare, and the database
 * goes back to its pristine copy every RESET_EVERY of them. A handler
 * must leave the transaction depth as it found it and answer a status
 * from 100 to 599: anything else aborts (a finding).
 */
#include "api/http.h"
#include "api/router.h"
#include "fuzz_db.h"
#include "util.h"

#include <microhttpd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RESET_EVERY 2000
#define MAX_PAIRS   32

static FuzzDb        db;
static int           verbose;
static ApiConfig     cfg;
static const int     stopping = 0;
static const unsigned char jwt_key[] = "fuzz-api-jwt-key-0123456789abcdef";

/* The fake connection: the current request's query arguments and headers. */
typedef struct Pair {
    char *name, *value;
} Pair;
static struct {
    Pair   args[MAX_PAIRS], headers[MAX_PAIRS];
    int    nargs, nheaders;
} fake;
#define FAKE_CONN ((struct MHD_Connection *)&fake)

const char *__real_MHD_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind k,
                                               const char *key);
const char *__wrap_MHD_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind k,
                                               const char *key);

const char *__wrap_MHD_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind k,
                                               const char *key)
{
    if (c != FAKE_CONN)
        return __real_MHD_lookup_connection_value(c, k, key);
    const Pair *v = k == MHD_GET_ARGUMENT_KIND ? fake.args : fake.headers;
    int n = k == MHD_GET_ARGUMENT_KIND ? fake.nargs : fake.nheaders;
    for (int i = 0; key && i < n; i++)
        if (k == MHD_GET_ARGUMENT_KIND ? strcmp(v[i].name, key) == 0
                                       : strcasecmp(v[i].name, key) == 0)
            return v[i].value;
    return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_db_open(&db, "api");
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    cfg = (ApiConfig){
        .key = jwt_key, .keylen = sizeof jwt_key - 1, .open_signup = 1,
        .limits = PW_MIN, .token_ttl_s = 3600, .stopping = &stopping,
        .admin_token = "fuzz-admin-token", .docs_dir = SOURCE_ROOT "/data/swagger-ui",
    };
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode s in place, as MHD does for query arguments. */
static void unescape(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        int hi, lo;
        if (*r == '%' && (hi = hexval(r[1])) >= 0 && (lo = hexval(r[2])) >= 0) {
            *w++ = (char)(hi * 16 + lo);
            r += 2;
        } else {
            *w++ = *r == '+' ? ' ' : *r;
        }
    }
    *w = '\0';
}

/* "a=1&b=2" into fake.args (q is modified and must outlive the request). */
static void parse_query(char *q)
{
    for (char *save = NULL, *kv = strtok_r(q, "&", &save); kv && fake.nargs < MAX_PAIRS;
         kv = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(kv, '=');
        if (eq)
            *eq++ = '\0';
        unescape(kv);
        if (eq)
            unescape(eq);
        fake.args[fake.nargs++] = (Pair){kv, eq ? eq : (char *)""};
    }
}

/* Header lines from *cur up to an empty line; *cur is left on the body. */
static void parse_headers(char **cur)
{
    char *p = *cur;
    while (p && *p && *p != '\n') {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        char *colon = strchr(p, ':');
        if (colon && fake.nheaders < MAX_PAIRS) {
            *colon = '\0';
            char *v = colon + 1;
            while (*v == ' ')
                v++;
            fake.headers[fake.nheaders++] = (Pair){p, v};
        }
        p = nl ? nl + 1 : NULL;
    }
    *cur = p && *p == '\n' ? p + 1 : p;
}

/* The route's pattern with each "{...}" replaced by the next '/'-separated
 * value of params (missing ones empty), into url. */
static void fill_pattern(const char *pattern, const char *params, char *url, size_t size)
{
    size_t len = 0;
    for (const char *p = pattern; *p && len + 1 < size; p++) {
        if (*p != '{') {
            url[len++] = *p;
            continue;
        }
        const char *close = strchr(p, '}');
        size_t n = strcspn(params, "/");
        len += (size_t)snprintf(url + len, size - len, "%.*s", (int)n, params);
        if (len >= size)
            len = size - 1;
        params += n + (params[n] == '/');
        p = close ? close : p + strlen(p) - 1;
    }
    url[len] = '\0';
}

/* Run the matched route's handler as the listener's dispatch would. */
static void run_handler(const ApiRoute *r, const char *method, const char *url, int64_t id,
                        const char *body, size_t body_len)
{
    static int bare_runs;
    char key[API_TEXT_PARAM_MAX + 1];
    ApiReq rq = {
        .method = method, .path = url, .id = id, .body = body, .body_len = body_len,
        .st = db.st, .user = r->roles == ROLES_PUBLIC ? NULL : &db.admin,
        .jti = r->roles == ROLES_PUBLIC ? NULL : db.jti, .cfg = &cfg, .conn = FAKE_CONN,
        .now = util_now(), .no_wait = (r->flags & ROUTE_SLOW) != 0,
        .key = api_route_text_param(r, url, key, sizeof key) ? key : NULL,
    };
    ApiResp rs = {0};
    int bare = (r->flags & ROUTE_INGEST) != 0;
    if (!bare && store_begin(db.st) < 0)
        abort();
    r->handler(&rq, &rs);
    if (store_depth(db.st) != !bare) {
        fprintf(stderr, "fuzz_api: %s %s left transaction depth %d\n", method, url,
                store_depth(db.st));
        abort();
    }
    if (!bare)
        store_rollback(db.st);
    if (!rs.must_wait && (rs.status < 100 || rs.status > 599)) {
        fprintf(stderr, "fuzz_api: %s %s answered status %d\n", method, url, rs.status);
        abort();
    }
    if (verbose)                       /* FUZZ_VERBOSE: what each input did */
        fprintf(stderr, "fuzz_api: %s %s -> %d %.*s\n", method, url, rs.status, 160,
                rs.body ? rs.body : rs.static_body ? rs.static_body : "");
    free(rs.body);
    if (bare && ++bare_runs % RESET_EVERY == 0)
        fuzz_db_reset(&db);
}

static void route_request(const char *method, const char *url, const char *body, size_t blen)
{
    int64_t id = 0;
    int known = 0;
    char allow[64], pname[32];
    const ApiRoute *r = api_route_match(method, url, &id, &known, allow, sizeof allow);
    if (r)
        run_handler(r, method, url, id, body, blen);
    else if (!known)
        api_route_long_param(url, pname, sizeof pname);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t nroutes;
    const ApiRoute *routes = api_routes(&nroutes);
    if (size < 1)
        return 0;
    char *in = xmalloc(size);          /* bytes 1.. and a NUL */
    memcpy(in, data + 1, size - 1);
    in[size - 1] = '\0';             /* the request line and headers stop at a NUL */
    fake.nargs = fake.nheaders = 0;
    char *line = in, *rest = strchr(in, '\n');
    if (rest)
        *rest++ = '\0';
    char *q = strchr(line, '?');
    if (q)
        *q++ = '\0';
    parse_headers(&rest);
    char *body = NULL;
    size_t blen = rest ? size - 1 - (size_t)(rest - in) : 0;
    if (rest && blen > 0) {
        body = xmalloc(blen + 1);      /* the listener's body: exact, NUL after */
        memcpy(body, rest, blen);
        body[blen] = '\0';
    }
    char url[2048];
    const char *method;
    if (data[0] < nroutes) {
        method = routes[data[0]].method;
        fill_pattern(routes[data[0]].pattern, line, url, sizeof url);
    } else {
        char *sp = strchr(line, ' ');
        method = line;
        if (sp)
            *sp = '\0';
        snprintf(url, sizeof url, "%s", sp ? sp + 1 : "/");
    }
    if (q)
        parse_query(q);
    route_request(method, url, body, blen);
    free(body);
    free(in);
    return 0;
}
