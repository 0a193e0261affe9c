/* test_api_units — the pure parts behind seed 000's API: Python-style
 * duration text, 30-day uptime, overall_health (seed-notes "Seed 000"),
 * the router's matching and role table, the query-string integer rule,
 * JWT issue/verify (alg pinned, exp checked). One table row per rule.
 * The test audit's survivors M24 (nbf) and M26/M40 (the 15-minute login
 * window and its Retry-After) have their own cases with an injected
 * clock. */
#include "api/auth.h"
#include "api/http.h"
#include "api/router.h"
#include "domain/errors.h"
#include "domain/service_health.h"
#include "domain/users.h"
#include "store/db.h"

#include <jwt.h>
#include <unistd.h>

#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define N(t) (sizeof(t) / sizeof((t)[0]))
#define DAY (24 * 3600)

static void duration_text(void **state)
{
    (void)state;
    static const struct { int64_t secs; const char *want; } rows[] = {
        {0, "0:00:00"}, {300, "0:05:00"}, {86399, "23:59:59"}, {86400, "1 day, 0:00:00"},
        {95415, "1 day, 2:30:15"}, {2 * DAY + 61, "2 days, 0:01:01"}, {-10, "-1 day, 23:59:50"},
        {-DAY, "-1 day, 0:00:00"}, {-DAY - 1, "-2 days, 23:59:59"},
    };
    for (size_t i = 0; i < N(rows); i++) {
        char buf[64];
        service_health_format_duration(rows[i].secs, buf, sizeof buf);
        assert_string_equal(buf, rows[i].want);
    }
}

static void uptime_share(void **state)
{
    (void)state;
    const int64_t now = 100 * DAY, W = 30 * DAY;
    struct { TimeSpan s[3]; int n; double want; } rows[] = {
        {{{0, 0}}, 0, 100.0},                                           /* none */
        {{{now - 10 * DAY, now - 7 * DAY}}, 1, 90.0},                   /* 3 of 30 days */
        {{{now - 10 * DAY, now - 7 * DAY}, {now - 9 * DAY, now - 8 * DAY}}, 2, 90.0}, /* overlap */
        {{{now - 40 * DAY, now - 29 * DAY}}, 1, 96.67},                 /* clipped to the window */
        {{{now - 40 * DAY, now - 35 * DAY}}, 1, 100.0},                 /* outside */
        {{{now - 3 * DAY, 0}}, 1, 90.0},                                /* open: runs to now */
        {{{now - 90 * DAY, 0}}, 1, 0.0},                                /* open for ever */
    };
    for (size_t i = 0; i < N(rows); i++)
        assert_float_equal(service_health_uptime_pct(rows[i].s, rows[i].n, now, W), rows[i].want,
                           1e-9);
}

static void overall(void **state)
{
    (void)state;
    static const struct { const char *status; RiskLevel lv; const char *in, *health, *out; } rows[] = {
        {"Up", RISK_LOW, "No risks identified", "Healthy", "No risks identified"},
        {"Up", RISK_LOW, "", "Healthy", "Service is operational with low risk"},
        {"Up", RISK_MEDIUM, "RTO < 1 hour", "Degraded", "RTO < 1 hour"},
        {"Degraded", RISK_LOW, "No risks identified", "Degraded", "No risks identified, Service is degraded"},
        {"Unknown", RISK_LOW, "No risks identified", "Degraded", "No risks identified"},
        {"Down", RISK_LOW, "No risks identified", "Unhealthy", "No risks identified, Service is currently down"},
        {"Down", RISK_HIGH, "Service is currently down, RTO < 1 hour", "Unhealthy",
         "Service is currently down, RTO < 1 hour"},
        {"Up", RISK_HIGH, "x", "Unhealthy", "x"},
    };
    for (size_t i = 0; i < N(rows); i++) {
        char reason[256];
        snprintf(reason, sizeof reason, "%s", rows[i].in);
        assert_string_equal(service_health_overall(rows[i].status, rows[i].lv, reason,
                                                   sizeof reason), rows[i].health);
        assert_string_equal(reason, rows[i].out);
    }
}

static void routing(void **state)
{
    (void)state;
    static const struct { const char *method, *path, *pattern; int64_t id; int known; } rows[] = {
        {"GET", "/api/services", "/api/services", 0, 0},
        {"HEAD", "/api/services", "/api/services", 0, 0},
        {"GET", "/api/services/42/health", "/api/services/{service_id}/health", 42, 0},
        {"GET", "/api/services/integrations", "/api/services/integrations", 0, 0},
        {"POST", "/api/risk/7/manual", "/api/risk/{service_id}/manual", 7, 0},
        {"GET", "/api/services/0/health", NULL, 0, 0},       /* ids are positive */
        {"GET", "/api/services/-1/health", NULL, 0, 0},
        {"GET", "/api/services/1x/health", NULL, 0, 0},
        {"GET", "/api/services/99999999999999999999/health", NULL, 0, 0},
        {"GET", "/api/services/", NULL, 0, 0},
        {"PATCH", "/api/services", NULL, 0, 1},
        {"DELETE", "/api/alerts", NULL, 0, 1},
        {"GET", "/nope", NULL, 0, 0},
    };
    for (size_t i = 0; i < N(rows); i++) {
        int64_t id = 0;
        int known = -1;
        char allow[64];
        const ApiRoute *r = api_route_match(rows[i].method, rows[i].path, &id, &known, allow,
                                            sizeof allow);
        if (rows[i].pattern) {
            assert_non_null(r);
            assert_string_equal(r->pattern, rows[i].pattern);
            assert_int_equal(id, rows[i].id);
        } else {
            assert_null(r);
            assert_int_equal(known, rows[i].known);
        }
    }
}

/* api_query_int's parse: the one rule for every ?limit, ?offset, ?n. */
static void query_ints(void **state)
{
    (void)state;
    static const struct { const char *s; int64_t min, max; int ok; int64_t want; } rows[] = {
        {"10", 1, 1000, 1, 10},          {"1", 1, 1000, 1, 1},       {"1000", 1, 1000, 1, 1000},
        {"0", 1, 1000, 0, 0},            {"1001", 1, 1000, 0, 0},    /* range */
        {"-1", 0, INT64_MAX, 0, 0},      {"+5", 0, 10, 1, 5},        {" 7", 0, 10, 1, 7},
        {"", 0, 10, 0, 0},               {"x", 0, 10, 0, 0},         /* not a number */
        {"5x", 0, 10, 0, 0},             {"5 ", 0, 10, 0, 0},        /* trailing junk */
        {"1.5", 0, 10, 0, 0},            {"0x10", 0, 100, 0, 0},     /* base 10 only */
        {"9223372036854775807", 0, INT64_MAX, 1, INT64_MAX},
        {"9223372036854775808", 0, INT64_MAX, 0, 0},                 /* overflow: errno */
        {"-9223372036854775809", INT64_MIN, 0, 0, 0},
    };
    for (size_t i = 0; i < N(rows); i++) {
        int64_t v = -42;
        int r = api_int_parse(rows[i].s, rows[i].min, rows[i].max, &v);
        assert_int_equal(r == 0, rows[i].ok);
        assert_true(rows[i].ok ? v == rows[i].want : v == -42);   /* untouched on error */
    }
    assert_int_equal(api_int_parse(NULL, 0, 10, &(int64_t){0}), -EINVAL);
}

static void roles(void **state)
{
    (void)state;
    static const struct { unsigned roles; const char *role; int ok; } rows[] = {
        {ROLE_BIT_BO, "Business Owner", 1}, {ROLE_BIT_BO, "Ops Analyst", 0},
        {ROLE_BIT_BO, "business owner", 0},              /* exact, case-sensitive */
        {ROLE_BIT_OA, "Ops Analyst", 1}, {ROLE_BIT_ENG, "Engineer", 1}, {ROLE_BIT_ENG, "user", 0},
        {ROLE_BIT_BO, "Admin", 1}, {ROLE_BIT_OA, "Admin", 1}, {ROLE_BIT_ENG, "Admin", 1},
        {ROLES_SIGNED_IN, "user", 1}, {ROLES_SIGNED_IN, "whatever", 1},
    };
    for (size_t i = 0; i < N(rows); i++)
        assert_int_equal(api_role_allows(rows[i].roles, rows[i].role), rows[i].ok);
}

static void tokens(void **state)
{
    (void)state;
    const unsigned char key[] = "0123456789abcdef0123456789abcdef";
    const unsigned char other[] = "ffffffffffffffffffffffffffffffff";
    UserInfo u = {.id = 7, .username = "ann", .role = "Engineer"};
    const char *jti = "0123456789abcdef0123456789abcdef";
    char *tok = api_token_issue(key, 32, &u, jti, 1000, 3600);
    assert_non_null(tok);
    TokenClaims c;
    const char *why;
    assert_int_equal(api_token_verify(key, 32, tok, 1000, &c, &why), 0);
    assert_int_equal(c.user_id, 7);
    assert_string_equal(c.jti, jti);
    assert_int_equal(api_token_verify(key, 32, tok, 4600, &c, &why), -EKEYEXPIRED);
    assert_string_equal(why, "Token has expired");
    assert_int_equal(api_token_verify(key, 32, tok, 4599, &c, &why), 0);
    assert_int_equal(api_token_verify(other, 32, tok, 1000, &c, &why), -EINVAL);
    tok[strlen(tok) - 2] ^= 1;
    assert_int_equal(api_token_verify(key, 32, tok, 1000, &c, &why), -EINVAL);
    assert_int_equal(api_token_verify(key, 32, "", 1000, &c, &why), -EINVAL);
    assert_int_equal(api_token_verify(key, 32, "a.b.c", 1000, &c, &why), -EINVAL);
    free(tok);
}

/* A HS256 token with these claims, signed with key (caller frees). */
static char *token_with_nbf(const unsigned char *key, int64_t exp, int64_t nbf)
{
    jwt_t *j = NULL;
    assert_int_equal(jwt_new(&j), 0);
    assert_int_equal(jwt_add_grant(j, "sub", "7"), 0);
    assert_int_equal(jwt_add_grant(j, "jti", "0123456789abcdef0123456789abcdef"), 0);
    assert_int_equal(jwt_add_grant_int(j, "exp", (long)exp), 0);
    assert_int_equal(jwt_add_grant_int(j, "nbf", (long)nbf), 0);
    assert_int_equal(jwt_set_alg(j, JWT_ALG_HS256, key, 32), 0);
    char *tok = jwt_encode_str(j);
    jwt_free(j);
    assert_non_null(tok);
    return tok;
}

/* M24: a token is not accepted before its nbf (60 s leeway). */
static void M24_nbf_ahead_refused(void **state)
{
    (void)state;
    const unsigned char key[] = "0123456789abcdef0123456789abcdef";
    const int64_t now = 1000000;
    static const struct { int64_t nbf_offset; int want; } rows[] = {
        {3600, -EINVAL}, {61, -EINVAL}, {60, 0}, {0, 0}, {-10, 0},
    };
    for (size_t i = 0; i < N(rows); i++) {
        char *tok = token_with_nbf(key, now + 7200, now + rows[i].nbf_offset);
        TokenClaims c;
        const char *why;
        assert_int_equal(api_token_verify(key, 32, tok, now, &c, &why), rows[i].want);
        free(tok);
    }
}

/* M26 and M40: five failed logins lock the account for 15 minutes from
 * the oldest of them, and Retry-After is what is left of that window. */
static void M26_M40_login_window(void **state)
{
    (void)state;
    char dir[] = "/tmp/resops-units-XXXXXX", path[64], err[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/t.db", dir);
    Store *st;
    assert_int_equal(store_open(path, &st, err, sizeof err), 0);
    const int64_t t0 = 2000000000;
    SignupPolicy pol = {.limits = PW_MIN};
    int64_t id;
    char role[32], jti[USERS_JTI_LEN + 1];
    UserInfo u;
    assert_int_equal(users_signup(st, "ann", "secret123", NULL, &pol, t0 - 100, &id, role,
                                  sizeof role, err, sizeof err), 0);
    for (int k = 0; k < USERS_MAX_FAILURES; k++)
        assert_int_equal(users_login(st, "ann", "wrong", t0, 3600, &u, jti, err, sizeof err),
                         -EACCES);
    static const struct { int64_t after; int want; int64_t retry; } rows[] = {
        {0, -EAGAIN, 900},             /* M40: 900 right after the lockout */
        {12 * 60, -EAGAIN, 180},       /* M26: 12 and 14 minutes later still locked */
        {14 * 60, -EAGAIN, 60},
        {15 * 60 - 1, -EAGAIN, 1},
        {16 * 60, 0, 0},               /* the window is over */
    };
    for (size_t i = 0; i < N(rows); i++) {
        int64_t now = t0 + rows[i].after;
        assert_int_equal(users_login_retry_after(st, "ann", now), rows[i].retry);
        assert_int_equal(users_login(st, "ann", "secret123", now, 3600, &u, jti, err, sizeof err),
                         rows[i].want);
    }
    store_close(st);
    char f[80];
    static const char *const sfx[] = {"", "-wal", "-shm", ".jwt-secret"};
    for (size_t i = 0; i < N(sfx); i++) {
        snprintf(f, sizeof f, "%s%s", path, sfx[i]);
        unlink(f);
    }
    rmdir(dir);
}

/* The domain's storage-failure words are its own (domain/errors.h); on
 * a 500 the client gets the seeds' "Internal server error", whatever the
 * handler passed on. Other answers keep their text. */
static void io_error_wording(void **state)
{
    (void)state;
    static const struct { int rc; const char *msg, *want; } rows[] = {
        {-EIO, DOMAIN_IO_ERROR, "{\"error\":\"Internal server error\"}"},
        {-EIO, "Failed to update alert due to database error",
         "{\"error\":\"Failed to update alert due to database error\"}"},
        {-ENOENT, "Service not found", "{\"error\":\"Service not found\"}"},
        {-EINVAL, DOMAIN_IO_ERROR, "{\"error\":\"" DOMAIN_IO_ERROR "\"}"},
    };
    for (size_t i = 0; i < N(rows); i++) {
        ApiResp rs = {0};
        api_send_error(&rs, api_status_of(rows[i].rc), "%s", rows[i].msg);
        assert_int_equal(rs.status, rows[i].rc == -EIO ? 500 : rows[i].rc == -ENOENT ? 404 : 400);
        assert_string_equal(rs.body, rows[i].want);
        free(rs.body);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(duration_text), cmocka_unit_test(uptime_share),
        cmocka_unit_test(overall),       cmocka_unit_test(routing),
        cmocka_unit_test(roles),         cmocka_unit_test(tokens),
        cmocka_unit_test(query_ints),
        cmocka_unit_test(M24_nbf_ahead_refused), cmocka_unit_test(M26_M40_login_window),
        cmocka_unit_test(io_error_wording),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
