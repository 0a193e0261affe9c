/* users — accounts for the API: signup with the role policy, login with
 * argon2id and a throttle, token sessions (revocable by jti).
 *
 * Policy (design.md "Accounts"): the very first account is Admin. After
 * that a requested role is granted when an Admin makes the request, or
 * when the operator runs with open signup (seed 000's own flow: any of
 * the seed's roles, not Admin); anyone else asking for a role other than
 * "user" is refused (-EPERM) rather than silently given less.
 *
 * Roles are exact, case-sensitive strings: "Business Owner", "Ops
 * Analyst", "Engineer" (seed 000), "Admin" and the default "user".
 *
 * Thread: whoever owns the Store (an HTTP worker thread). Password hashing
 * is deliberately slow (about 90 ms at the interactive limits).
 */
#ifndef RESOPS_DOMAIN_USERS_H
#define RESOPS_DOMAIN_USERS_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

#define ROLE_NAME_BUSINESS_OWNER "Business Owner"
#define ROLE_NAME_OPS_ANALYST    "Ops Analyst"
#define ROLE_NAME_ENGINEER       "Engineer"
#define ROLE_NAME_ADMIN          "Admin"
#define ROLE_NAME_USER           "user"

#define USERS_PASSWORD_MIN      6
#define USERS_USERNAME_MAX      80
#define USERS_MAX_FAILURES      5      /* failed logins ...             */
#define USERS_FAILURE_WINDOW_S  (15 * 60) /* ... within this window: 429 */
#define USERS_JTI_LEN           32     /* hex characters */

typedef enum { PW_INTERACTIVE = 0, PW_MODERATE, PW_MIN } PasswordLimits;
/* "interactive" | "moderate" | "min"; 0 or -EINVAL. */
int users_parse_limits(const char *s, PasswordLimits *out);

/* 1 when role is one of the five exact role strings. */
int users_role_valid(const char *role);

typedef struct UserInfo {
    int64_t id;
    char    username[321];     /* USERS_USERNAME_MAX characters of UTF-8 */
    char    role[21];
} UserInfo;

typedef struct SignupPolicy {
    int             open_signup;
    const UserInfo *caller;       /* signed-in requester, or NULL */
    PasswordLimits  limits;
} SignupPolicy;

/* Seed 000 POST /api/auth/signup. role may be NULL (→ "user"). Audited
 * "User Signup" (entity "User", entity_id the new id, user_id the caller
 * or the new user). Returns 0 and *out_id / *out_role, or:
 *  -EINVAL "Username is required" | "Password is required" | "Password must
 *          be at least 6 characters long" | "Password must not be blank" |
 *          "Invalid role: ..." (400),
 *  -EINVAL also for a username that is blank, not one line of valid UTF-8,
 *          holds an invisible or bidi format character, or is longer than
 *          USERS_USERNAME_MAX characters (surrounding spaces are dropped
 *          before it is stored),
 *  -EEXIST "User already exists" (400, seed 000's status) for the same name
 *          or a look-alike: equal ignoring ASCII case and surrounding
 *          spaces (D9, S5),
 *  -EPERM  role refused by the policy (403), -EIO. */
int users_signup(Store *st, const char *username, const char *password, const char *role,
                 const SignupPolicy *policy, int64_t now, int64_t *out_id,
                 char *out_role, size_t rolesz, char *err, size_t errsz);

/* Seed 000 POST /api/auth/login. On success opens a session that expires
 * at now + ttl_s and returns 0 with *out and its id in jti (USERS_JTI_LEN
 * + 1 bytes). The username is matched like user_repo_by_name_ci (case
 * and surrounding spaces ignored) and failures are throttled per that
 * normalized name. Errors: -EINVAL "Username and password are required" (400),
 * -EACCES "Invalid username or password" (401), -EAGAIN after
 * USERS_MAX_FAILURES failures within the window (429), -EIO. */
int users_login(Store *st, const char *username, const char *password, int64_t now, int ttl_s,
                UserInfo *out, char *jti, char *err, size_t errsz);

/* While users_login answers -EAGAIN for username: the seconds until the
 * window of its oldest counted failure ends (900 right after the lockout;
 * another 429 then tells the next wait if more failures were counted).
 * 0 when not throttled, -EIO. */
int64_t users_login_retry_after(Store *st, const char *username, int64_t now);

/* Is the session jti of user_id live? 0 and *out (the user as stored now),
 * -ENOENT unknown session or user, -EKEYREVOKED revoked, -EIO. */
int users_session_check(Store *st, const char *jti, int64_t user_id, UserInfo *out);

/* End a session (logout): 0, -ENOENT when it was not live, -EIO. */
int users_logout(Store *st, const char *jti, int64_t user_id, int64_t now);

#endif
