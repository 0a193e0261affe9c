/* fallback_secresponse — TEMPORARY (wt-core only, deleted before merging):
 * until wt-resp's secresponse.c is merged, escalation opens nothing.
 * meson compiles it only when secresponse.c does not exist. */
#include "domain/secresponse.h"

#include <errno.h>
#include <stdio.h>

const char *const *secresponse_actions(void)
{
    static const char *const none[] = {NULL};
    return none;
}

int secresponse_run(Store *st, const char *alert_id, const char *action, const char *target,
                    const char *parameters, const char *actor, int64_t now,
                    SecResponseOut *out, char *err, size_t errsz)
{
    (void)st, (void)alert_id, (void)action, (void)target, (void)parameters, (void)actor;
    (void)now, (void)out;
    snprintf(err, errsz, "no response actions yet");
    return -EINVAL;
}

int secresponse_escalate(Store *st, const char *alert_id, int s0, const char *actor, int64_t now,
                         char *incident_id, size_t size)
{
    (void)st, (void)alert_id, (void)s0, (void)actor, (void)now;
    if (size)
        incident_id[0] = '\0';
    return -ENOSYS;
}
