/* resolution — see resolution.h. */
#include "domain/resolution.h"
#include "store/audit_repo.h"
#include "store/incident_audit_repo.h"
#include "store/resolution_repo.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int resolution_set_kill_switch(Store *st, int active, const char *actor, const char *reason,
                               int64_t now, char *err, size_t errsz)
{
    if (!actor || !*actor) {
        snprintf(err, errsz, "actor is required");
        return -EINVAL;
    }
    if (!reason || !*reason)
        reason = active ? RESOLUTION_DEFAULT_KILL_REASON : NULL;

    cJSON *d = cJSON_CreateObject();
    if (reason)
        cJSON_AddStringToObject(d, "reason", reason);
    char *details = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);

    char detail[256];
    snprintf(detail, sizeof detail, "by %s%s%s", actor, reason ? ": " : "", reason ? reason : "");

    int rc = -EIO;
    if (store_begin(st) < 0)
        goto out;
    if (resolution_repo_set_kill(st, active, actor, reason, now) < 0 ||
        audit_repo_add(st, active ? "Kill Switch Activated" : "Kill Switch Deactivated",
                       "Config", 1, AUDIT_SYSTEM_USER, detail, now) < 0 ||
        incident_audit_repo_add(st, INCIDENT_AUDIT_SYSTEM,
                                active ? "kill_switch_activated" : "kill_switch_deactivated",
                                actor, NULL, details ? details : "{}", 1, NULL, now,
                                NULL) < 0) {
        store_rollback(st);
        goto out;
    }
    if (store_commit(st) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0)
        snprintf(err, errsz, "Internal server error");
    free(details);
    return rc;
}
