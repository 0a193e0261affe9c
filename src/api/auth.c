/* auth — see auth.h. */
#include "api/auth.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <jwt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    int r = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
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
        if (r < 0)
            unlink(path);
    } else if (errno != EEXIST) {
        r = -errno;
    }
    if (r == 0) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
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
