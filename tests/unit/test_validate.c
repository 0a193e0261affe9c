/* test_validate — issue 9, "bad input never gets in", below the HTTP
 * layer: the UTF-8 and text rules of util.c (B8, B9, B10, D6), the NUL
 * scan of JSON bodies (B9), and against a real SQLite file the domain's
 * refusals (B11 unique names, B12 downtime bounds, B13 self-dependency,
 * B15 enumerations and risk levels, D9 look-alike usernames) and
 * migration 0006 (B14: ids never reused, a schema-5 database upgrades
 * with its data and its foreign keys intact).
 *
 * Each test names the defect it guards. Time is injected (T0), never
 * read from the clock; checks read back on a second connection.
 */
#include "domain/cycle.h"
#include "domain/services.h"
#include "domain/users.h"
#include "store/db.h"
#include "store/integration_repo.h"
#include "store/migrations.h"
#include "util.h"

#include <errno.h>
#include <ftw.h>
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include <sqlite3.h>

#define T0 ((int64_t)1767225600) /* 2026-01-01T00:00:00Z */
#define DAY (24 * 3600)

typedef struct Fx {
    char     dir[64];
    char     path[PATH_MAX];
    Store   *st;
    sqlite3 *check;
} Fx;

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(p);
}

static int setup_dir(void **state)
{
    Fx *fx = calloc(1, sizeof *fx);
    strcpy(fx->dir, "/tmp/resops-test-validate-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof fx->path, "%s/resops.db", fx->dir);
    *state = fx;
    return 0;
}

static void fx_open(Fx *fx)
{
    char err[256] = "";
    if (store_open(fx->path, &fx->st, err, sizeof err) < 0)
        fail_msg("store_open: %s", err);
    assert_int_equal(sqlite3_open_v2(fx->path, &fx->check, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
}

static int setup_db(void **state)
{
    setup_dir(state);
    fx_open(*state);
    return 0;
}

static int teardown(void **state)
{
    Fx *fx = *state;
    if (fx->check)
        sqlite3_close(fx->check);
    store_close(fx->st);
    nftw(fx->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(fx);
    return 0;
}

static int64_t q_int(sqlite3 *db, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(s) != SQLITE_ROW)
        fail_msg("no row: %s", sql);
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_free(sql);
    return v;
}

static const char *q_text(sqlite3 *db, const char *fmt, ...)
{
    static char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    char *sql = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
    int rc = sqlite3_step(s);
    const char *t = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : NULL;
    snprintf(buf, sizeof buf, "%s", rc != SQLITE_ROW ? "<NO ROW>" : t ? t : "<NULL>");
    sqlite3_finalize(s);
    sqlite3_free(sql);
    return buf;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

static int64_t mk(Fx *fx, const char *name, int64_t now)
{
    char err[512];
    int64_t id = 0;
    ServiceInput in = {.name = name, .has_bia = 1};
    int r = services_create(fx->st, &in, "t", 1, now, &id, err, sizeof err);
    if (r < 0)
        fail_msg("services_create(%s): %s", name, err);
    return id;
}

/* ---- util: UTF-8 and text rules ---------------------------------------- */

static void test_B8_utf8_valid_table(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int         ok;
        const char *why;
    } cases[] = {
        {"plain", 1, "ASCII"},
        {"\xc3\xa9", 1, "U+00E9, 2 bytes"},
        {"\xe2\x98\x83", 1, "U+2603, 3 bytes"},
        {"\xf0\x9f\x9a\x80", 1, "U+1F680, 4 bytes"},
        {"\xf4\x8f\xbf\xbf", 1, "U+10FFFF, the last"},
        {"\xff\xfe", 0, "bytes that never occur"},
        {"\x80", 0, "a lone continuation byte"},
        {"\xc3", 0, "a truncated sequence"},
        {"\xe2\x98", 0, "a truncated 3-byte sequence"},
        {"\xc0\xaf", 0, "overlong '/'"},
        {"\xe0\x80\xaf", 0, "overlong 3-byte"},
        {"\xf0\x80\x80\xaf", 0, "overlong 4-byte"},
        {"\xed\xa0\x80", 0, "UTF-16 surrogate U+D800"},
        {"\xf4\x90\x80\x80", 0, "above U+10FFFF"},
        {"\xc3\x28", 0, "bad continuation"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (util_utf8_valid(cases[i].s, strlen(cases[i].s)) != cases[i].ok)
            fail_msg("util_utf8_valid: %s", cases[i].why);
}

static void test_B10_utf8_len_counts_code_points(void **state)
{
    (void)state;
    assert_int_equal(util_utf8_len(""), 0);
    assert_int_equal(util_utf8_len("abc"), 3);
    assert_int_equal(util_utf8_len("\xc3\xa9\xc3\xa9"), 2);
    assert_int_equal(util_utf8_len("\xf0\x9f\x9a\x80x"), 2);
}

static void test_B8_utf8_cut_never_ends_mid_character(void **state)
{
    (void)state;
    char a[] = "ab\xf0\x9f\x9a", b[] = "ab\xc3", c[] = "ab\xc3\xa9", d[] = "\xe2\x98\x83";
    util_utf8_cut(a);
    util_utf8_cut(b);
    util_utf8_cut(c);
    util_utf8_cut(d);
    assert_string_equal(a, "ab");
    assert_string_equal(b, "ab");
    assert_string_equal(c, "ab\xc3\xa9");
    assert_string_equal(d, "\xe2\x98\x83");
    char buf[7];                    /* what a truncating copy leaves */
    strlcpy_(buf, "abcde\xc3\xa9\xc3\xa9", sizeof buf);
    assert_false(util_utf8_valid(buf, strlen(buf)));
    util_utf8_cut(buf);
    assert_true(util_utf8_valid(buf, strlen(buf)));
}

static void test_B9_B10_text_check(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(util_text_check("name", NULL, 5, UTIL_TEXT_LINE, err, sizeof err), 0);
    assert_int_equal(util_text_check("name", "\xc3\xa9\xc3\xa9\xc3\xa9", 3, UTIL_TEXT_LINE, err,
                                     sizeof err), 0);
    assert_int_equal(util_text_check("name", "abcd", 3, UTIL_TEXT_LINE, err, sizeof err), -EINVAL);
    assert_string_equal(err, "Field 'name' must be at most 3 characters (got 4)");
    assert_int_equal(util_text_check("name", "a\xff", 0, 0, err, sizeof err), -EINVAL);
    assert_string_equal(err, "Field 'name' must be valid UTF-8");
    assert_int_equal(util_text_check("name", "a\tb", 0, UTIL_TEXT_LINE, err, sizeof err), -EINVAL);
    assert_contains(err, "control characters (U+0009)");
    assert_int_equal(util_text_check("d", "a\tb\r\nc", 0, 0, err, sizeof err), 0);
    assert_int_equal(util_text_check("d", "a\x1b[31m", 0, 0, err, sizeof err), -EINVAL);
    assert_int_equal(util_text_check("d", "a\x7f", 0, 0, err, sizeof err), -EINVAL);
    assert_int_equal(util_text_check("d", "a\xc2\x9b", 0, 0, err, sizeof err), -EINVAL);
    assert_contains(err, "U+009B");
    assert_int_equal(util_text_check("name", "  \xc2\xa0\xe3\x80\x80", 0, UTIL_TEXT_NONBLANK,
                                     err, sizeof err), -EINVAL);
    assert_string_equal(err, "Field 'name' must not be blank");
    assert_int_equal(util_text_check("name", " x ", 0, UTIL_TEXT_NONBLANK, err, sizeof err), 0);
    char *t = util_trim_dup("  a b  ");
    assert_string_equal(t, "a b");
    free(t);
}

/* S4: invisible and bidi format characters make two names look alike or
 * read reversed: refused in names (UTIL_TEXT_VISIBLE), kept in multi-line
 * text such as a description (a ZWJ joins emoji there). */
static void test_S4_invisible_characters_in_names(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "ad\xe2\x80\x8bmin",   /* U+200B zero-width space */
        "ad\xe2\x80\x8cmin",   /* U+200C zero-width non-joiner */
        "ad\xe2\x80\x8dmin",   /* U+200D zero-width joiner */
        "ad\xe2\x80\x8emin",   /* U+200E left-to-right mark */
        "ad\xe2\x80\x8fmin",   /* U+200F right-to-left mark */
        "ad\xe2\x80\xaamin",   /* U+202A LRE */
        "\xe2\x80\xae" "evil",    /* U+202E right-to-left override */
        "ad\xe2\x81\xa0min",   /* U+2060 word joiner */
        "ad\xe2\x81\xa6min",   /* U+2066 LRI */
        "ad\xe2\x81\xa9min",   /* U+2069 PDI */
        "\xef\xbb\xbf" "admin",   /* U+FEFF byte order mark */
    };
    char err[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        if (util_text_check("name", bad[i], 0, UTIL_TEXT_LINE | UTIL_TEXT_VISIBLE, err,
                            sizeof err) != -EINVAL)
            fail_msg("case %zu was accepted", i);
        assert_contains(err, "Field 'name' must not contain invisible or bidi format characters");
    }
    assert_int_equal(util_text_check("description", bad[2], 0, 0, err, sizeof err), 0);
    /* neighbours that are fine: en dash U+2013, ellipsis U+2026, NBSP */
    assert_int_equal(util_text_check("name", "a\xe2\x80\x93" "b\xe2\x80\xa6\xc2\xa0" "c", 0,
                                     UTIL_TEXT_LINE | UTIL_TEXT_VISIBLE, err, sizeof err), 0);
}

static void test_B9_json_nul_scan(void **state)
{
    (void)state;
    char key[64];
    static const char esc[] = "{\"a\":\"x\",\"name\":\"ctl\\u0000nul\"}";
    assert_int_equal(util_json_find_nul(esc, strlen(esc), key, sizeof key), 1);
    assert_string_equal(key, "name");
    static const char raw[] = "{\"desc\":\"raw\0nul\"}";
    assert_int_equal(util_json_find_nul(raw, sizeof raw - 1, key, sizeof key), 1);
    assert_string_equal(key, "desc");
    static const char fine[] = "{\"a\":\"\\\\u0000 is text\",\"b\":\"\\u00e9\"}";
    assert_int_equal(util_json_find_nul(fine, strlen(fine), key, sizeof key), 0);
    static const char nested[] = "{\"config\":{\"channel\":[\"\\u0000\"]}}";
    assert_int_equal(util_json_find_nul(nested, strlen(nested), key, sizeof key), 1);
    assert_string_equal(key, "channel");
}

/* ---- domain ----------------------------------------------------------------- */

static void test_B11_service_names_unique(void **state)
{
    Fx *fx = *state;
    char err[512];
    int64_t a = mk(fx, "Billing Batch", T0);
    ServiceInput in = {.name = " billing BATCH "};
    int64_t id = 0;
    assert_int_equal(services_create(fx->st, &in, "t", 1, T0, &id, err, sizeof err), -ENOTUNIQ);
    assert_string_equal(err, "A service named 'Billing Batch' already exists (id 1)");
    int64_t b = mk(fx, "  Other  ", T0);
    assert_string_equal(q_text(fx->check, "SELECT name FROM service WHERE id = %lld", (long long)b),
                        "Other");
    ServicePatch p = {.has_name = 1, .name = "BILLING batch"};
    assert_int_equal(services_update(fx->st, b, &p, 1, T0, err, sizeof err), -ENOTUNIQ);
    assert_int_equal(services_update(fx->st, a, &p, 1, T0, err, sizeof err), 0);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM service"), 2);
    /* the index holds even for a writer that skips the domain check */
    assert_int_equal(sqlite3_exec(store_db(fx->st), "INSERT INTO service (name) VALUES "
                                  "('billing BATCH')", NULL, NULL, NULL) & 0xff,
                     SQLITE_CONSTRAINT);
}

static void test_B12_downtime_bounds(void **state)
{
    Fx *fx = *state;
    char err[512];
    int64_t sid = mk(fx, "Svc", T0 - 2 * DAY);        /* exists for two days */
    assert_int_equal(services_downtime_log(fx->st, sid, T0 - 60, T0 + 3600, NULL, 1, T0, err,
                                           sizeof err), -EINVAL);
    assert_contains(err, "Field 'end_time' cannot be in the future");
    assert_int_equal(services_downtime_log(fx->st, sid, T0 + 3600, 0, NULL, 1, T0, err, sizeof err),
                     -EINVAL);
    assert_contains(err, "Field 'start_time' cannot be in the future");
    assert_int_equal(services_downtime_log(fx->st, sid, T0 - 10, T0 - 20, NULL, 1, T0, err,
                                           sizeof err), -EINVAL);
    assert_string_equal(err, "End time cannot be before start time");
    assert_int_equal(services_downtime_log(fx->st, sid, T0 - 3 * DAY, T0 - DAY, NULL, 1, T0, err,
                                           sizeof err), -EINVAL);
    assert_contains(err, "Field 'start_time' cannot be before the service existed");
    assert_int_equal(services_downtime_log(fx->st, sid, T0 - 3 * DAY, 0, NULL, 1, T0, err,
                                           sizeof err), -EINVAL);
    assert_int_equal(services_downtime_log(fx->st, sid, T0 - DAY, T0 - DAY + 600, "ok", 1, T0, err,
                                           sizeof err), 0);
    assert_int_equal(services_downtime_log(fx->st, sid, T0 - 30, T0 + 30, NULL, 1, T0, err,
                                           sizeof err), 0);           /* a minute of clock skew */
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM downtime"), 2);
    /* created_at moved later than the first downtime: refused */
    ServicePatch p = {.has_created_at = 1, .created_at = T0 - 3600};
    assert_int_equal(services_update(fx->st, sid, &p, 1, T0, err, sizeof err), -EINVAL);
    assert_contains(err, "created_at");
    p.created_at = T0 - 30 * DAY;
    assert_int_equal(services_update(fx->st, sid, &p, 1, T0, err, sizeof err), 0);
    assert_int_equal(services_downtime_log(fx->st, sid, T0 - 20 * DAY, T0 - 19 * DAY, NULL, 1, T0,
                                           err, sizeof err), 0);
}

static void test_B13_no_self_dependency(void **state)
{
    Fx *fx = *state;
    char err[512];
    int64_t a = mk(fx, "A", T0), b = mk(fx, "B", T0);
    const int64_t self[] = {a, b};
    ServicePatch p = {.has_deps = 1, .deps = self, .ndeps = 2};
    assert_int_equal(services_update(fx->st, b, &p, 1, T0, err, sizeof err), -EINVAL);
    assert_contains(err, "Field 'dependencies'");
    assert_int_equal(services_bia_put(fx->st, b, &p, 1, T0, err, sizeof err), -EINVAL);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM service_dependencies"), 0);
    p.ndeps = 1;                                      /* b -> a, then a -> b: a cycle, allowed */
    assert_int_equal(services_update(fx->st, b, &p, 1, T0, err, sizeof err), 0);
    const int64_t back[] = {b};
    ServicePatch q = {.has_deps = 1, .deps = back, .ndeps = 1};
    assert_int_equal(services_update(fx->st, a, &q, 1, T0, err, sizeof err), 0);
}

static void test_B15_enumerations_and_risk_level(void **state)
{
    Fx *fx = *state;
    char err[512];
    int64_t id;
    ServiceInput in = {.name = "E", .has_bia = 1, .criticality = "Extreme"};
    assert_int_equal(services_create(fx->st, &in, "t", 1, T0, &id, err, sizeof err), -EINVAL);
    assert_string_equal(err, "Field 'criticality' must be one of Low, Medium or High");
    in.criticality = "medium";
    in.impact = "whatever";
    assert_int_equal(services_create(fx->st, &in, "t", 1, T0, &id, err, sizeof err), -EINVAL);
    assert_string_equal(err, "Field 'impact' must be one of Low, Moderate, Medium, High or Severe");
    in.impact = "SEVERE";
    assert_int_equal(services_create(fx->st, &in, "t", 1, T0, &id, err, sizeof err), 0);
    assert_string_equal(q_text(fx->check, "SELECT criticality || '/' || impact FROM bia"),
                        "Medium/Severe");
    assert_int_equal(services_risk_manual(fx->st, id, 90, "Low", NULL, 0, 0, "t", 1, T0, err,
                                          sizeof err), -EINVAL);
    assert_contains(err, "Field 'risk_level' must be High for a risk score of 90");
    assert_int_equal(services_risk_manual(fx->st, id, 80, "High", NULL, 0, 0, "t", 1, T0, err,
                                          sizeof err), 0);
    assert_int_equal(services_risk_manual(fx->st, id, 79, "Medium", NULL, 0, 0, "t", 1, T0, err,
                                          sizeof err), 0);
    assert_int_equal(services_risk_manual(fx->st, id, 49, "Medium", NULL, 0, 0, "t", 1, T0, err,
                                          sizeof err), -EINVAL);
    ServiceInput blank = {.name = " \xc2\xa0 "};
    assert_int_equal(services_create(fx->st, &blank, "t", 1, T0, &id, err, sizeof err), -EINVAL);
    assert_string_equal(err, "Field 'name' must not be blank");
}

static void test_D9_lookalike_usernames(void **state)
{
    Fx *fx = *state;
    char err[256], role[32];
    int64_t id;
    SignupPolicy pol = {.limits = PW_MIN};
    assert_int_equal(users_signup(fx->st, "demo", "password123", NULL, &pol, T0, &id, role,
                                  sizeof role, err, sizeof err), 0);
    /* S5: a look-alike gets the same answer as the exact name (seed 000's
     * 400 "User already exists"), whatever the spelling. */
    static const char *const taken[] = {"Demo", "demo ", " DEMO ", "demo"};
    for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++) {
        err[0] = '\0';
        assert_int_equal(users_signup(fx->st, taken[i], "password123", NULL, &pol, T0, &id, role,
                                      sizeof role, err, sizeof err), -EEXIST);
        assert_string_equal(err, "User already exists");
    }
    assert_int_equal(users_signup(fx->st, "   ", "password123", NULL, &pol, T0, &id, role,
                                  sizeof role, err, sizeof err), -EINVAL);
    /* S4: a password of only spaces, and a username with a bidi control */
    assert_int_equal(users_signup(fx->st, "spacey", "        ", NULL, &pol, T0, &id, role,
                                  sizeof role, err, sizeof err), -EINVAL);
    assert_string_equal(err, "Password must not be blank");
    assert_int_equal(users_signup(fx->st, "\xe2\x80\xae" "nimda", "password123", NULL, &pol, T0, &id,
                                  role, sizeof role, err, sizeof err), -EINVAL);
    assert_contains(err, "Field 'username' must not contain invisible");
    UserInfo u;
    char jti[USERS_JTI_LEN + 1];
    assert_int_equal(users_login(fx->st, " DEMO ", "password123", T0, 3600, &u, jti, err,
                                 sizeof err), 0);
    assert_string_equal(u.username, "demo");
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM user"), 1);
}

/* S3: a service is scored when it is created and when its BIA changes,
 * with the cycle's rule for history (a row only when the score, level or
 * critical flag changes), and the next cycle still refreshes an open
 * HighRisk alert whose reason the rescore changed. */
static void test_S3_risk_scored_on_create_and_bia_change(void **state)
{
    Fx *fx = *state;
    char err[512];
    int64_t sid = 0;
    ServiceInput in = {.name = "Ledger", .has_bia = 1, .criticality = "High", .impact = "Severe",
                       .has_rto = 1, .rto = 10, .has_rpo = 1, .rpo = 5};
    assert_int_equal(services_create(fx->st, &in, "t", 1, T0, &sid, err, sizeof err), 0);
    /* 15 + 10 + 10 + 5, critical by BIA: there at once, as /health says */
    assert_int_equal(q_int(fx->check, "SELECT risk_score FROM risk WHERE service_id = %lld",
                           (long long)sid), 40);
    assert_int_equal(q_int(fx->check, "SELECT risk_score FROM risk_current WHERE service_id = %lld",
                           (long long)sid), 40);
    assert_string_equal(q_text(fx->check, "SELECT source || '/' || created_by FROM risk "
                                          "WHERE service_id = %lld", (long long)sid),
                        "automated/system");
    RiskResult rr;
    assert_int_equal(cycle_risk_one(fx->st, sid, T0, &rr), 1);
    assert_int_equal(rr.score, 40);

    /* Down and 6 integrations: 40 + 40 + 15 = 95, High; the cycle raises. */
    for (int i = 0; i < 6; i++)
        assert_true(integration_repo_insert(fx->st, sid, "Jira", "{}", "t", T0) > 0);
    assert_true(services_set_status(fx->st, sid, STATUS_DOWN, SET_BY_USER, 1, "x", T0 + 1, err,
                                    sizeof err) >= 0);
    assert_int_equal(cycle_evaluate(fx->st, T0 + 2, NULL), 0);
    assert_contains(q_text(fx->check, "SELECT message FROM alert WHERE type = 'HighRisk' "
                                      "AND resolved_at IS NULL"), "High risk score: 95.");
    int64_t rows = q_int(fx->check, "SELECT count(*) FROM risk WHERE service_id = %lld",
                         (long long)sid);

    /* RPO 120: 90, still High, another reason: scored by the PUT itself ... */
    ServicePatch p = {.has_rpo = 1, .rpo = 120};
    assert_int_equal(services_bia_put(fx->st, sid, &p, 1, T0 + 3, err, sizeof err), 0);
    assert_int_equal(q_int(fx->check, "SELECT risk_score FROM risk WHERE service_id = %lld "
                                      "ORDER BY id DESC LIMIT 1", (long long)sid), 90);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM risk WHERE service_id = %lld",
                           (long long)sid), rows + 1);
    /* ... the same PUT again changes nothing, so appends nothing ... */
    assert_int_equal(services_bia_put(fx->st, sid, &p, 1, T0 + 4, err, sizeof err), 0);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM risk WHERE service_id = %lld",
                           (long long)sid), rows + 1);
    /* ... and the next cycle brings the open alert's text up to date. */
    assert_int_equal(cycle_evaluate(fx->st, T0 + 5, NULL), 0);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM alert WHERE type = 'HighRisk' "
                                      "AND resolved_at IS NULL"), 1);
    assert_contains(q_text(fx->check, "SELECT message FROM alert WHERE type = 'HighRisk' "
                                      "AND resolved_at IS NULL"), "High risk score: 90.");
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM risk WHERE service_id = %lld",
                           (long long)sid), rows + 1);
}

/* ---- B14: migration 0006 ------------------------------------------------ */

static void test_B14_ids_never_reused(void **state)
{
    Fx *fx = *state;
    char err[256];
    int64_t a = mk(fx, "first", T0), b = mk(fx, "second", T0);
    assert_int_equal(services_delete(fx->st, b, 1, T0, err, sizeof err), 0);
    int64_t c = mk(fx, "third", T0);
    assert_true(c > b);
    assert_true(b > a);
    assert_int_equal(store_exec(fx->st, "INSERT INTO alert (service_id, type, message, severity) "
                                        "VALUES (1, 'T', 'm', 'Info')"), 0);
    int64_t al = q_int(fx->check, "SELECT max(id) FROM alert");
    assert_int_equal(store_exec(fx->st, "DELETE FROM alert"), 0);
    assert_int_equal(store_exec(fx->st, "INSERT INTO alert (service_id, type, message, severity) "
                                        "VALUES (1, 'T', 'm', 'Info')"), 0);
    assert_true(q_int(fx->check, "SELECT max(id) FROM alert") > al);
}

/* Build a schema-5 database by hand (0001..0005 only), as an older
 * resops left it, then let store_open() migrate it. */
static void test_B14_upgrade_from_schema_5(void **state)
{
    Fx *fx = *state;
    assert_true(store_migration_count >= 6);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    for (int v = 0; v < 5; v++)
        assert_int_equal(sqlite3_exec(db, store_migrations[v], NULL, NULL, NULL), SQLITE_OK);
    static const char data[] =
        "PRAGMA user_version = 5;"
        "INSERT INTO user (id, username, password) VALUES (1, 'admin', 'h'), (2, 'Admin ', 'h');"
        "INSERT INTO service (id, name) VALUES (1, 'Dup'), (2, 'dup'), (3, 'DUP (2)'), (4, 'x');"
        "INSERT INTO bia (service_id, criticality) VALUES (2, 'High');"
        "INSERT INTO service_dependencies VALUES (4, 2);"
        "INSERT INTO status (service_id, status) VALUES (2, 'Up');"
        "INSERT INTO session (jti, user_id, expires_at) VALUES ('j', 2, '2030-01-01T00:00:00');"
        "INSERT INTO alert (id, service_id, type, message, severity) VALUES (9, 2, 'T', 'm', 'I');"
        "INSERT INTO integration (id, service_id, type) VALUES (5, 2, 'Slack');"
        "INSERT INTO audit_log (action, entity, entity_id, timestamp, user_id) VALUES"
        " ('Service Created', 'Service', 4, '2025-12-01T00:00:00', 1),"
        " ('Service Created', 'Service', 7, '2025-12-02T00:00:00', 1),"
        " ('Service Deleted', 'Service', 7, '2025-12-03T00:00:00', 1);";
    char *msg = NULL;
    if (sqlite3_exec(db, data, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("setup: %s", msg);
    sqlite3_close(db);

    fx_open(fx);
    assert_int_equal(q_int(fx->check, "PRAGMA user_version"), store_migration_count);
    assert_string_equal(q_text(fx->check, "SELECT group_concat(name, '|') FROM "
                                          "(SELECT name FROM service ORDER BY id)"),
                        "Dup|dup (#2)|DUP (2)|x");
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM audit_log WHERE action = "
                                      "'Service Renamed' AND entity_id = 2"), 1);
    assert_string_equal(q_text(fx->check, "SELECT created_at FROM service WHERE id = 4"),
                        "2025-12-01T00:00:00");
    assert_string_equal(q_text(fx->check, "SELECT created_at FROM service WHERE id = 1"), "<NULL>");
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM bia WHERE service_id = 2"), 1);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM service_dependencies"), 1);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM session WHERE user_id = 2"), 1);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM alert WHERE id = 9"), 1);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM integration WHERE id = 5"), 1);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM user"), 2);   /* kept as they were */
    /* the writer's connection has foreign keys on again: a delete cascades */
    char err[256];
    assert_int_equal(services_delete(fx->st, 2, 1, T0, err, sizeof err), 0);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM service_dependencies"), 0);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM alert"), 0);
    assert_int_equal(q_int(fx->check, "SELECT count(*) FROM integration"), 0);
    /* id 7 was only ever seen in the audit log: the next service gets 8 */
    assert_int_equal(mk(fx, "after", T0), 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_B8_utf8_valid_table),
        cmocka_unit_test(test_B10_utf8_len_counts_code_points),
        cmocka_unit_test(test_B8_utf8_cut_never_ends_mid_character),
        cmocka_unit_test(test_B9_B10_text_check),
        cmocka_unit_test(test_B9_json_nul_scan),
        cmocka_unit_test(test_S4_invisible_characters_in_names),
        cmocka_unit_test_setup_teardown(test_B11_service_names_unique, setup_db, teardown),
        cmocka_unit_test_setup_teardown(test_B12_downtime_bounds, setup_db, teardown),
        cmocka_unit_test_setup_teardown(test_B13_no_self_dependency, setup_db, teardown),
        cmocka_unit_test_setup_teardown(test_B15_enumerations_and_risk_level, setup_db, teardown),
        cmocka_unit_test_setup_teardown(test_D9_lookalike_usernames, setup_db, teardown),
        cmocka_unit_test_setup_teardown(test_S3_risk_scored_on_create_and_bia_change, setup_db,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_B14_ids_never_reused, setup_db, teardown),
        cmocka_unit_test_setup_teardown(test_B14_upgrade_from_schema_5, setup_dir, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
