/* runbook — see runbook.h. */
#include "domain/runbook.h"
#include "store/audit_repo.h"
#include "store/oncall_repo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The authority is what follows the scheme up to the first '/', '?' or
 * '#'; after any "user@", a port is what follows the last ':' (after the
 * ']' of an IPv6 literal). Returns 0 when there is no port or it is 1 to
 * 65535 written in digits only, and when a host precedes it. */
static int port_check(const char *host)
{
    size_t alen = strcspn(host, "/?#");
    const char *a = host, *end = host + alen;
    for (const char *p = host; p < end; p++)
        if (*p == '@')
            a = p + 1;
    const char *from = a;
    if (*a == '[') {
        const char *rb = memchr(a, ']', (size_t)(end - a));
        if (!rb)
            return -EINVAL;
        from = rb + 1;
    }
    const char *colon = NULL;
    for (const char *p = from; p < end; p++)
        if (*p == ':')
            colon = p;
    if (!colon)
        return a < end ? 0 : -EINVAL;
    if (colon == a || colon + 1 == end || end - colon - 1 > 5)
        return -EINVAL;
    long port = 0;
    for (const char *p = colon + 1; p < end; p++) {
        if (*p < '0' || *p > '9')
            return -EINVAL;
        port = port * 10 + (*p - '0');
    }
    return port >= 1 && port <= 65535 ? 0 : -EINVAL;
}

int runbook_check(const char *url, char *err, size_t errsz)
{
    if (!url || !*url)
        return 0;
    size_t len = strlen(url);
    const char *host = !strncasecmp(url, "https://", 8) ? url + 8
                       : !strncasecmp(url, "http://", 7) ? url + 7 : NULL;
    if (len > RUNBOOK_URL_MAX) {
        snprintf(err, errsz, "Field 'runbook_url' must be at most %d characters",
                 RUNBOOK_URL_MAX);
        return -EINVAL;
    }
    int ok = host && *host && *host != '/' && *host != '?' && *host != '#';
    for (const unsigned char *p = (const unsigned char *)url; ok && *p; p++)
        ok = *p > 0x20 && *p != 0x7f;
    if (!ok) {
        snprintf(err, errsz, "Field 'runbook_url' must be an http:// or https:// URL with a host "
                             "(no spaces)");
        return -EINVAL;
    }
    if (port_check(host) < 0) {
        snprintf(err, errsz, "Field 'runbook_url' must have a port from 1 to 65535 "
                             "(digits only) after its host");
        return -EINVAL;
    }
    return 0;
}

int runbook_set_locked(Store *st, int64_t service_id, const char *url, int64_t user_id,
                       int64_t now)
{
    int r = oncall_repo_runbook_set(st, service_id, url);
    if (r <= 0)
        return r < 0 ? -EIO : -ENOENT;
    return audit_repo_add(st, "Runbook Updated", "Service", service_id, user_id,
                          url && *url ? url : "removed", now) < 0 ? -EIO : 0;
}
