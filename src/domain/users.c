/* users — see users.h.
 *
 * Unknown usernames still pay for one password verification (against a
 * hash of a random password made once per limits), so the answer time
 * does not tell which usernames exist. The throttle counts failures per
 * username in login_failure; a success clears them, and old rows are
 * pruned as new failures arrive.
 */
#include "domain/users.h"
#include "store/audit_repo.h"
#include "store/session_repo.h"
#include "store/user_repo.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "domain/errors.h"
#define IO_ERROR DOMAIN_IO_ERROR

static const char *const role_names[] = {
    ROLE_NAME_BUSINESS_OWNER, ROLE_NAME_OPS_ANALYST, ROLE_NAME_ENGINEER, ROLE_NAME_ADMIN,
    ROLE_NAME_USER,
};

int users_role_valid(const char *role)
{
    for (size_t i = 0; role && i < sizeof role_names / sizeof role_names[0]; i++)
        if (strcmp(role, role_names[i]) == 0)
            return 1;
    return 0;
}

int users_parse_limits(const char *s, PasswordLimits *out)
{
    static const char *const names[] = {"interactive", "moderate", "min"};
    for (int i = 0; s && i < 3; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (PasswordLimits)i;
            return 0;
        }
    return -EINVAL;
}

static void limits_of(PasswordLimits l, unsigned long long *ops, size_t *mem)
{
    switch (l) {
    case PW_MIN:
        *ops = crypto_pwhash_OPSLIMIT_MIN;
        *mem = crypto_pwhash_MEMLIMIT_MIN;
        break;
    case PW_MODERATE:
        *ops = crypto_pwhash_OPSLIMIT_MODERATE;
        *mem = crypto_pwhash_MEMLIMIT_MODERATE;
        break;
    default:
        *ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
        *mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
        break;
    }
}

static int hash_password(const char *pw, PasswordLimits l, char out[crypto_pwhash_STRBYTES])
{
    unsigned long long ops;
    size_t mem;
    if (sodium_init() < 0)
        return -EIO;
    limits_of(l, &ops, &mem);
    return crypto_pwhash_str(out, pw, strlen(pw), ops, mem) == 0 ? 0 : -ENOMEM;
}

/* A hash to verify against when the username is unknown. The hash string
 * carries its own limits, so the interactive one keeps timing realistic. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static void make_dummy(void)
{
    unsigned char pw[16];
    char hex[33];
    if (sodium_init() < 0)
        return;
    randombytes_buf(pw, sizeof pw);
    sodium_bin2hex(hex, sizeof hex, pw, sizeof pw);
    hash_password(hex, PW_INTERACTIVE, dummy_hash);
}

/* The signup body's own checks (no database): 0 or -EINVAL with err. */
static int signup_check(const char *raw, const char *username, const char *password,
                        const char *role, char *err, size_t errsz)
{
    if (!raw || !*raw) {
        snprintf(err, errsz, "Username is required");
        return -EINVAL;
    }
    if (util_text_check("username", raw, 0,
                        UTIL_TEXT_LINE | UTIL_TEXT_NONBLANK | UTIL_TEXT_VISIBLE, err,
                        errsz) < 0 ||
        util_text_check("username", username, USERS_USERNAME_MAX, 0, err, errsz) < 0)
        return -EINVAL;
    if (!password || !*password) {
        snprintf(err, errsz, "Password is required");
        return -EINVAL;
    }
    if (!password[strspn(password, " \t\r\n\v\f")]) {    /* S4: only spaces */
        snprintf(err, errsz, "Password must not be blank");
        return -EINVAL;
    }
    if (strlen(password) < USERS_PASSWORD_MIN) {
        snprintf(err, errsz, "Password must be at least %d characters long", USERS_PASSWORD_MIN);
        return -EINVAL;
    }
    if (role && !users_role_valid(role)) {
        snprintf(err, errsz, "Invalid role: must be one of 'Business Owner', 'Ops Analyst', "
                             "'Engineer', 'Admin', 'user'");
        return -EINVAL;
    }
    return 0;
}

/* users_signup with raw = what the caller sent, username = it trimmed. */
static int signup_trimmed(Store *st, const char *raw, const char *username, const char *password,
                          const char *role, const SignupPolicy *policy, int64_t now,
                          int64_t *out_id, char *out_role, size_t rolesz, char *err,
                          size_t errsz)
{
    if (signup_check(raw, username, password, role, err, errsz) < 0)
        return -EINVAL;
    /* Hash before the transaction: it is slow, and needs no lock. */
    char hash[crypto_pwhash_STRBYTES];
    if (hash_password(password, policy->limits, hash) < 0) {
        snprintf(err, errsz, IO_ERROR);
        return -EIO;
    }
    if (store_begin(st) < 0)
        goto io;
    int64_t n = user_repo_count(st);
    if (n < 0)
        goto io_rb;
    /* D9: one account per name, compared case-insensitively and without
     * surrounding spaces. Seed 000 documents 400 for a taken username; a
     * look-alike gets the same 400 and message (S5), so the answer does
     * not depend on how the name was spelled. */
    UserRow other;
    int taken = user_repo_by_name_ci(st, raw, username, &other);
    if (taken < 0)
        goto io_rb;
    if (taken) {
        store_rollback(st);
        snprintf(err, errsz, "User already exists");
        return -EEXIST;
    }
    const char *granted;
    int caller_admin = policy->caller && strcmp(policy->caller->role, ROLE_NAME_ADMIN) == 0;
    if (n == 0) {
        granted = ROLE_NAME_ADMIN;          /* bootstrap: the first account */
    } else if (!role || strcmp(role, ROLE_NAME_USER) == 0) {
        granted = ROLE_NAME_USER;
    } else if (caller_admin) {
        granted = role;
    } else if (policy->open_signup && strcmp(role, ROLE_NAME_ADMIN) != 0) {
        granted = role;
    } else {
        store_rollback(st);
        snprintf(err, errsz, strcmp(role, ROLE_NAME_ADMIN) == 0
                                 ? "Forbidden: only an Admin can create an Admin account"
                                 : "Forbidden: only an Admin can assign a role (or the server "
                                   "must run with open signup)");
        return -EPERM;
    }
    int64_t id = user_repo_insert(st, username, hash, granted, now);
    if (id == -EEXIST) {
        store_rollback(st);
        snprintf(err, errsz, "User already exists");
        return -EEXIST;
    }
    if (id < 0)
        goto io_rb;
    if (audit_repo_add(st, "User Signup", "User", id, policy->caller ? policy->caller->id : id,
                       username, now) < 0)
        goto io_rb;
    if (store_commit(st) < 0)
        goto io;
    if (out_id)
        *out_id = id;
    if (out_role)
        strlcpy_(out_role, granted, rolesz);
    return 0;
io_rb:
    store_rollback(st);
io:
    snprintf(err, errsz, IO_ERROR);
    return -EIO;
}

/* The throttle's key for a username: trimmed, ASCII lower case, so that
 * " Admin" and "admin" count against the same account (caller frees). */
static char *throttle_key(const char *username)
{
    char *k = util_trim_dup(username);
    for (char *p = k; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return k;
}

int users_signup(Store *st, const char *username, const char *password, const char *role,
                 const SignupPolicy *policy, int64_t now, int64_t *out_id,
                 char *out_role, size_t rolesz, char *err, size_t errsz)
{
    char *name = util_trim_dup(username);
    int r = signup_trimmed(st, username, name, password, role, policy, now, out_id, out_role,
                           rolesz, err, errsz);
    free(name);
    return r;
}

static int throttled(Store *st, const char *username, int64_t now)
{
    int n = login_failure_count(st, username, now - USERS_FAILURE_WINDOW_S);
    return n < 0 ? -EIO : n >= USERS_MAX_FAILURES;
}

int64_t users_login_retry_after(Store *st, const char *username, int64_t now)
{
    int64_t since = now - USERS_FAILURE_WINDOW_S;
    int t = throttled(st, username, now);
    if (t <= 0)
        return t < 0 ? -EIO : 0;
    int64_t oldest = login_failure_oldest(st, username, since);
    if (oldest < 0)
        return -EIO;
    int64_t left = oldest + USERS_FAILURE_WINDOW_S - now;
    return left > 0 ? left : 1;
}

static int record_failure(Store *st, const char *username, int64_t now)
{
    if (store_begin(st) < 0)
        return -EIO;
    if (login_failure_clear(st, username, now - USERS_FAILURE_WINDOW_S) < 0 ||
        login_failure_add(st, username, now) < 0 || store_commit(st) < 0) {
        store_rollback(st);
        return -EIO;
    }
    return 0;
}

static int login_keyed(Store *st, const char *raw, const char *username, const char *password,
                       int64_t now, int ttl_s, UserInfo *out, char *jti, char *err,
                       size_t errsz);

int users_login(Store *st, const char *username, const char *password, int64_t now, int ttl_s,
                UserInfo *out, char *jti, char *err, size_t errsz)
{
    if (!username || !*username || !password || !*password) {
        snprintf(err, errsz, "Username and password are required");
        return -EINVAL;
    }
    char *key = throttle_key(username);
    int r = login_keyed(st, username, key, password, now, ttl_s, out, jti, err, errsz);
    free(key);
    return r;
}

/* users_login once the throttle key is known: failures are counted per
 * key, the account is found by user_repo_by_name_ci. */
static int login_keyed(Store *st, const char *raw, const char *username, const char *password,
                       int64_t now, int ttl_s, UserInfo *out, char *jti, char *err,
                       size_t errsz)
{
    if (sodium_init() < 0)
        goto io;
    int t = throttled(st, username, now);
    if (t < 0)
        goto io;
    if (t) {
        snprintf(err, errsz, "Too many failed login attempts; try again later");
        return -EAGAIN;
    }
    UserRow u;
    char *trimmed = util_trim_dup(raw);
    int r = user_repo_by_name_ci(st, raw, trimmed, &u);
    free(trimmed);
    if (r < 0)
        goto io;
    int ok;
    if (r == 1) {
        ok = crypto_pwhash_str_verify(u.password, password, strlen(password)) == 0;
    } else {
        pthread_once(&dummy_once, make_dummy);
        ok = 0;                     /* the same work, whatever the result */
        if (crypto_pwhash_str_verify(dummy_hash, password, strlen(password)) == 0)
            ok = 0;
    }
    if (!ok) {
        if (record_failure(st, username, now) < 0)
            goto io;
        snprintf(err, errsz, "Invalid username or password");
        return -EACCES;
    }
    unsigned char rnd[USERS_JTI_LEN / 2];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(jti, USERS_JTI_LEN + 1, rnd, sizeof rnd);
    if (store_begin(st) < 0)
        goto io;
    if (session_repo_prune(st, now) < 0 || session_repo_insert(st, jti, u.id, now + ttl_s) < 0 ||
        login_failure_clear(st, username, 0) < 0 || store_commit(st) < 0) {
        store_rollback(st);
        goto io;
    }
    out->id = u.id;
    strlcpy_(out->username, u.username, sizeof out->username);
    strlcpy_(out->role, u.role, sizeof out->role);
    return 0;
io:
    snprintf(err, errsz, IO_ERROR);
    return -EIO;
}

int users_session_check(Store *st, const char *jti, int64_t user_id, UserInfo *out)
{
    int revoked = 0;
    int r = session_repo_get(st, jti, user_id, &revoked);
    if (r < 0)
        return -EIO;
    if (r == 0)
        return -ENOENT;
    if (revoked)
        return -EKEYREVOKED;
    UserRow u;
    r = user_repo_get(st, user_id, &u);
    if (r < 0)
        return -EIO;
    if (r == 0)
        return -ENOENT;
    out->id = u.id;
    strlcpy_(out->username, u.username, sizeof out->username);
    strlcpy_(out->role, u.role, sizeof out->role);
    return 0;
}

int users_logout(Store *st, const char *jti, int64_t user_id, int64_t now)
{
    int revoked = 0;
    int r = session_repo_get(st, jti, user_id, &revoked);
    if (r < 0)
        return -EIO;
    if (r == 0 || revoked)
        return -ENOENT;
    r = session_repo_revoke(st, jti, now);
    return r < 0 ? -EIO : r == 0 ? -ENOENT : 0;
}
