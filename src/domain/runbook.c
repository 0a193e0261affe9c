/* runbook — see runbook.h. */
#include "domain/runbook.h"
#include "store/audit_repo.h"
#include "store/oncall_repo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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
