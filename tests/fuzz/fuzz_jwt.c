/* fuzz_jwt — the token and header handling of src/api/auth.c (issue 13
 * item 1): what the listener's authenticate() does with a request's
 * headers, on a real database with a live session and live machine
 * tokens.
 *
 * An input:
 *
 *   byte 0      a route of the table (the role and machine-token scope
 *               checks are the route's)
 *   byte 1      bit 0: an Authorization header is sent, bit 1: a "token"
 *               header is sent
 *   the rest    the Authorization value, '\n', the token value
 *
 * The token (api_bearer_token) is a machine token when it starts "rsk_"
 * (api_machine_auth against the token rows), else a JWT
 * (api_token_verify with a fixed HS256 key at a fixed time, then the
 * session lookup and the role check). A JWT that verifies must survive a
 * round trip: api_token_issue of its claims verifies again to the same
 * user and session, or the program aborts.
 *
 * Fixture (tests/fuzz/tools/gen_jwt_corpus.py writes the matching
 * corpus): the key FUZZ_JWT_KEY, the time FUZZ_NOW (2026-01-01), the
 * Admin's session FUZZ_JTI until 2100, machine tokens FUZZ_SECRET_WRITE
 * ("write"), FUZZ_SECRET_INGEST ("ingest") and FUZZ_SECRET_REVOKED.
 */
#include "api/auth.h"
#include "api/http.h"
#include "api/router.h"
#include "domain/tokens.h"
#include "fuzz_db.h"
#include "store/session_repo.h"
#include "store/token_repo.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_JWT_KEY        "fuzz-jwt-key-0123456789abcdef0123456789"
#define FUZZ_NOW            1767225600LL             /* 2026-01-01T00:00:00Z */
#define FUZZ_JTI            "00112233445566778899aabbccddeeff"
#define FUZZ_SECRET_WRITE   "rsk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define FUZZ_SECRET_INGEST  "rsk_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
#define FUZZ_SECRET_REVOKED "rsk_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"

static FuzzDb db;
static int    verbose;
static const unsigned char key[] = FUZZ_JWT_KEY;

static void add_token(const char *name, const char *scope, const char *secret, int revoke)
{
    unsigned char hash[TOKEN_HASH_BYTES];
    char prefix[TOKENS_PREFIX_LEN + 1];
    tokens_hash(secret, hash);
    memcpy(prefix, secret, TOKENS_PREFIX_LEN);  /* the secret's first characters */
    prefix[TOKENS_PREFIX_LEN] = '\0';
    int64_t id = token_repo_insert(db.st, name, scope, hash, prefix, "fuzz", FUZZ_NOW - 60);
    if (id <= 0 || (revoke && token_repo_revoke(db.st, id, FUZZ_NOW - 30) < 0))
        abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_db_open(&db, "jwt");
    if (session_repo_insert(db.st, FUZZ_JTI, db.admin.id, 4102444800LL) < 0)
        abort();
    add_token("fuzz-write", "write", FUZZ_SECRET_WRITE, 0);
    add_token("fuzz-ingest", "ingest", FUZZ_SECRET_INGEST, 0);
    add_token("fuzz-revoked", "read", FUZZ_SECRET_REVOKED, 1);
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    return 0;
}

/* A verified JWT's claims, issued again, verify to the same claims. */
static void round_trip(const TokenClaims *c, const UserInfo *u)
{
    char *again = api_token_issue(key, sizeof key - 1, u, c->jti, FUZZ_NOW, 60);
    TokenClaims c2;
    const char *why;
    if (!again || api_token_verify(key, sizeof key - 1, again, FUZZ_NOW, &c2, &why) != 0 ||
        c2.user_id != u->id || strcmp(c2.jti, c->jti) != 0) {
        fprintf(stderr, "fuzz_jwt: a re-issued token does not verify\n");
        abort();
    }
    free(again);
}

/* authenticate() of server.c without the listener: 0 signed in, -1 refused. */
static int authenticate(const ApiRoute *r, const char *tok, int malformed)
{
    ApiReq rq = {.method = r->method, .path = r->pattern, .st = db.st, .now = FUZZ_NOW};
    ApiResp rs = {0};
    UserInfo user;
    int rc = -1;
    if (!tok) {
        rc = r->roles == ROLES_OPTIONAL && !malformed ? 0 : -1;
    } else if (tokens_is_secret(tok)) {
        api_machine_reset(db.st);
        rc = api_machine_auth(&rq, r, tok, &user, &rs);
        api_machine_reset(db.st);
    } else {
        TokenClaims c;
        const char *why;
        if (api_token_verify(key, sizeof key - 1, tok, FUZZ_NOW, &c, &why) == 0 &&
            users_session_check(db.st, c.jti, c.user_id, &user) == 0) {
            round_trip(&c, &user);
            rc = api_role_allows(r->roles, user.role) ? 0 : -1;
        }
    }
    if (verbose)                       /* FUZZ_VERBOSE: what each input did */
        fprintf(stderr, "fuzz_jwt: %s %s: %.20s... -> %s %d %s\n", r->method, r->pattern,
                tok ? tok : "(none)", rc == 0 ? "signed in" : "refused", rs.status,
                rs.body ? rs.body : "");
    free(rs.body);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t nroutes;
    const ApiRoute *routes = api_routes(&nroutes);
    if (size < 2)
        return 0;
    const ApiRoute *r = &routes[data[0] % nroutes];
    char *text = xmalloc(size - 1);    /* bytes 2.. and a NUL: headers stop at a NUL */
    memcpy(text, data + 2, size - 2);
    text[size - 2] = '\0';
    char *tokh = strchr(text, '\n');
    if (tokh)
        *tokh++ = '\0';
    const char *auth = data[1] & 1 ? text : NULL;
    const char *tokv = data[1] & 2 ? (tokh ? tokh : "") : NULL;
    int malformed;
    const char *tok = api_bearer_token(auth, auth ? NULL : tokv, &malformed);
    if (tok && malformed)
        abort();                       /* a token is never taken from a malformed header */
    authenticate(r, tok, malformed);
    free(text);
    return 0;
}
