/* auth — see auth.h. */
#include "api/auth.h"
#include "api/http.h"
#include "api/router.h"
#include "domain/tokens.h"
#include "store/audit_repo.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <jwt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

char *api_token_issue(const unsigned char *key, size_t keylen, const UserInfo *u,
                      const char *jti, int64_t now, int ttl_s)
{
    jwt_t *j = NULL;
    char *out = NULL, sub[24];
    if (jwt_new(&j) != 0)
        return NULL;
    snprintf(sub, sizeof sub, "%lld", (long long)u->id);
    if (jwt_add_grant(j, "sub", sub) == 0 && jwt_add_grant(j, "username", u->username) == 0 &&
        jwt_add_grant(j, "role", u->role) == 0 && jwt_add_grant(j, "jti", jti) == 0 &&
        jwt_add_grant(j, "type", "access") == 0 &&
        jwt_add_grant_int(j, "iat", (long)now) == 0 &&
        jwt_add_grant_int(j, "nbf", (long)now) == 0 &&
        jwt_add_grant_int(j, "exp", (long)(now + ttl_s)) == 0 &&
        jwt_set_alg(j, JWT_ALG_HS256, key, (int)keylen) == 0)
        out = jwt_encode_str(j);
    jwt_free(j);
    return out;
}

const char *api_bearer_token(const char *authorization, const char *token, int *malformed)
{
    *malformed = 0;
    const char *h = authorization;
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
    return token && *token ? token : NULL;
}

int api_token_verify(const unsigned char *key, size_t keylen, const char *token, int64_t now,
                     TokenClaims *out, const char **why)
{
    jwt_t *j = NULL;
    *why = "Invalid token";
    /* Always with the key: a NULL key would skip the signature check. */
    if (!token || !*token || jwt_decode(&j, token, key, (int)keylen) != 0 || !j)
        return -EINVAL;
    int r = -EINVAL;
    if (jwt_get_alg(j) != JWT_ALG_HS256)
        goto out;
    errno = 0;
    long exp = jwt_get_grant_int(j, "exp");
    if (errno == ENOENT || errno == EINVAL)
        goto out;
    if ((int64_t)exp <= now) {
        *why = "Token has expired";
        r = -EKEYEXPIRED;
        goto out;
    }
    errno = 0;
    long nbf = jwt_get_grant_int(j, "nbf");
    if (errno == 0 && (int64_t)nbf > now + 60)
        goto out;
    const char *sub = jwt_get_grant(j, "sub");
    const char *jti = jwt_get_grant(j, "jti");
    if (!sub || !jti || strlen(jti) != USERS_JTI_LEN)
        goto out;
    char *end;
    errno = 0;
    long long id = strtoll(sub, &end, 10);
    if (errno || *end || end == sub || id <= 0)
        goto out;
    out->user_id = id;
    out->exp = exp;
    memcpy(out->jti, jti, USERS_JTI_LEN + 1);
    r = 0;
out:
    jwt_free(j);
    return r;
}

static int read_secret(int fd, unsigned char **out, size_t *outlen)
{
    char buf[512];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n < 0)
        return -errno;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        n--;
    if (n < 32)
        return -EINVAL;
    *out = xmalloc((size_t)n);
    memcpy(*out, buf, (size_t)n);
    *outlen = (size_t)n;
    return 0;
}

/* Make the secret file when there is none: written and fsync'd aside,
 * then linked into place, so a kill at any moment leaves no file or a
 * whole one (an O_EXCL create left an empty file behind a kill between
 * open and write, which every later start refused). link() fails with
 * EEXIST when a process starting at the same time won: both then read
 * its file. An empty file is such a torn one: replaced. 0 or -errno. */
static int secret_create(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && sb.st_size > 0)
        return 0;
    if (unlink(path) < 0 && errno != ENOENT)
        return -errno;
    char *tmp = xasprintf("%s.%ld", path, (long)getpid());
    int r = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        r = -errno;
    } else {
        unsigned char raw[32];
        char hex[66];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2hex(hex, 65, raw, sizeof raw);
        hex[64] = '\n';
        hex[65] = '\0';
        errno = EIO;
        if (write(fd, hex, 65) != 65 || fsync(fd) < 0)
            r = -errno;
        close(fd);
        if (r == 0 && link(tmp, path) < 0 && errno != EEXIST)
            r = -errno;
        unlink(tmp);
    }
    free(tmp);
    return r;
}

int api_secret_load(const char *configured, const char *db_path, unsigned char **out,
                    size_t *outlen, char *err, size_t errsz)
{
    if (configured && *configured) {
        *outlen = strlen(configured);
        *out = xmalloc(*outlen);
        memcpy(*out, configured, *outlen);
        return 0;
    }
    if (sodium_init() < 0) {
        snprintf(err, errsz, "libsodium failed to initialise");
        return -EIO;
    }
    char *path = xasprintf("%s.jwt-secret", db_path);
    int r = secret_create(path);
    if (r == 0) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            r = -errno;
        } else {
            struct stat sb;
            if (fstat(fd, &sb) == 0 && (sb.st_mode & 077))
                fchmod(fd, 0600);
            r = read_secret(fd, out, outlen);
            close(fd);
        }
    }
    if (r < 0)
        snprintf(err, errsz, "JWT secret %s: %s", path,
                 r == -EINVAL ? "shorter than 32 characters" : strerror(-r));
    free(path);
    return r;
}

/* ---- machine tokens (issue 12 item 2) ---------------------------------- */

/* Some role other than Admin may call a route with these roles. */
static int open_to_non_admin(unsigned roles)
{
    return roles == ROLES_SIGNED_IN || roles == ROLES_OPTIONAL || roles == ROLES_PUBLIC ||
           (roles & (ROLE_BIT_USER | ROLE_BIT_BO | ROLE_BIT_OA | ROLE_BIT_ENG)) != 0;
}

int api_machine_scope_allows(int scope, const char *method, const ApiRoute *r)
{
    switch ((TokenScope)scope) {
    case TOKEN_SCOPE_INGEST:
        return (r->flags & ROUTE_INGEST) != 0;
    case TOKEN_SCOPE_READ:
        return (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) &&
               open_to_non_admin(r->roles);
    case TOKEN_SCOPE_WRITE:
        return open_to_non_admin(r->roles);
    }
    return 0;
}

int api_machine_auth(ApiReq *rq, const ApiRoute *r, const char *secret, UserInfo *user,
                     ApiResp *rs)
{
    ApiTokenRow t;
    int rc = tokens_verify(rq->st, secret, rq->now, &t);
    if (rc == -EIO) {
        api_send_io_error(rq, rs, 0, "machine token lookup");
        return -1;
    }
    if (rc < 0) {
        api_send_error(rs, 401, rc == -EKEYREVOKED ? "Token has been revoked" : "Invalid token");
        return -1;
    }
    TokenScope sc = TOKEN_SCOPE_INGEST;
    tokens_scope_parse(t.scope, &sc);
    *user = (UserInfo){.id = 0};
    snprintf(user->username, sizeof user->username, "token:%s", t.name);
    snprintf(user->role, sizeof user->role, "%s",
             sc == TOKEN_SCOPE_WRITE ? ROLE_NAME_OPS_ANALYST : ROLE_NAME_USER);
    rq->user = user;
    rq->jti = "";
    audit_repo_set_session_actor(rq->st, user->username);
    if (!api_machine_scope_allows((int)sc, rq->method, r)) {
        api_send_error(rs, 403, "Token scope '%s' does not allow this request", t.scope);
        return -1;
    }
    return 0;
}

void api_machine_reset(Store *st)
{
    if (st)
        audit_repo_set_session_actor(st, NULL);
}
