/* config_audit — see config_audit.h. */
#include "domain/config_audit.h"
#include "store/audit_repo.h"
#include "util.h"

#include <stdlib.h>

int config_audit_reloaded(Store *st, const char *applied, const char *restart, int64_t now)
{
    char *detail = xasprintf("applied: %s; needs a restart: %s", applied ? applied : "none",
                             restart ? restart : "none");
    int rc = audit_repo_add(st, "Config Reloaded", "Config", 0, AUDIT_SYSTEM_USER, detail, now);
    free(detail);
    return rc < 0 ? rc : 0;
}
