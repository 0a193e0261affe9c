/* decision — see decision.h. */
#include "domain/decision.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const state_names[INCIDENT_STATE_COUNT] = {
    "open", "resolving", "resolved", "failed", "skipped", "no_action",
};

const char *incident_state_name(IncidentState s)
{
    return (unsigned)s < INCIDENT_STATE_COUNT ? state_names[s] : "open";
}

int incident_state_parse(const char *s, IncidentState *out)
{
    for (int i = 0; s && i < INCIDENT_STATE_COUNT; i++)
        if (strcmp(s, state_names[i]) == 0) {
            *out = (IncidentState)i;
            return 0;
        }
    return -EINVAL;
}

const char *const decision_categories[] = {
    "network", "database", "application", "security", "infrastructure", "user_access", NULL,
};
const char *const decision_priorities[] = {"low", "medium", "high", "critical", NULL};
const char *const decision_statuses[] = {
    "open", "in_progress", "auto_resolved", "manually_resolved", "closed", NULL,
};

int decision_in(const char *const *list, const char *s)
{
    for (; s && *list; list++)
        if (strcmp(*list, s) == 0)
            return 1;
    return 0;
}

void category_config_default(CategoryConfig *c, const char *category)
{
    memset(c, 0, sizeof *c);
    snprintf(c->category, sizeof c->category, "%s", category ? category : "");
    c->auto_resolution_enabled = 1;
    c->confidence_threshold = DECISION_DEFAULT_THRESHOLD;
    c->max_retry_attempts = DECISION_DEFAULT_RETRIES;
    c->notification_required = 1;
}

void decision_format_percent(double v, char *buf, size_t size)
{
    if (!isfinite(v)) {
        snprintf(buf, size, "%s", "nan%");
        return;
    }
    long long hundredths = llround(v * 10000.0);   /* 0.85 -> 8500 -> "85.00" */
    const char *sign = hundredths < 0 ? "-" : "";
    if (hundredths < 0)
        hundredths = -hundredths;
    snprintf(buf, size, "%s%lld.%02lld%%", sign, hundredths / 100, hundredths % 100);
}

/* The seed's statuses that mean "nothing left to resolve". */
static int closed_status(const char *status)
{
    return status && (!strcmp(status, "auto_resolved") || !strcmp(status, "manually_resolved") ||
                      !strcmp(status, "closed"));
}

void decision_can_auto_resolve(const DecisionInput *in, Decision *out)
{
    const CategoryConfig *cc = in->category_config;
    memset(out, 0, sizeof *out);
    out->verdict = DECISION_SKIP;
    out->threshold = cc ? cc->confidence_threshold : in->default_threshold;

    if (!in->global_enabled) {
        out->check = CHECK_KILL_SWITCH;
        snprintf(out->reason, sizeof out->reason,
                 "Auto-resolution is globally disabled (kill switch active)");
        return;
    }
    if (closed_status(in->status)) {
        out->check = CHECK_STATUS;
        snprintf(out->reason, sizeof out->reason, "Incident already in status: %s", in->status);
        return;
    }
    if (cc && !cc->auto_resolution_enabled) {
        out->check = CHECK_CATEGORY;
        snprintf(out->reason, sizeof out->reason, "Auto-resolution disabled for category: %s",
                 in->category ? in->category : "");
        return;
    }
    if (!in->forced && in->confidence < out->threshold) {
        char c[32], t[32];
        decision_format_percent(in->confidence, c, sizeof c);
        decision_format_percent(out->threshold, t, sizeof t);
        out->check = CHECK_CONFIDENCE;
        snprintf(out->reason, sizeof out->reason, "Confidence score %s below threshold %s", c, t);
        return;
    }
    if (in->max_concurrent > 0 && in->running >= in->max_concurrent) {
        out->verdict = DECISION_WAIT;
        out->check = CHECK_CONCURRENCY;
        snprintf(out->reason, sizeof out->reason,
                 "Maximum concurrent resolutions reached (%d running, limit %d)", in->running,
                 in->max_concurrent);
        return;
    }
    out->verdict = DECISION_RESOLVE;
    out->check = CHECK_PASSED;
    snprintf(out->reason, sizeof out->reason, "All checks passed");
}

int64_t decision_retry_delay_ms(int64_t base_ms, int retry, int64_t cap_ms)
{
    if (base_ms <= 0 || retry < 1)
        return 0;
    int64_t d = base_ms;
    for (int i = 1; i < retry; i++) {
        if (cap_ms > 0 && d >= cap_ms)
            break;
        if (d > INT64_MAX / 2)
            return cap_ms > 0 ? cap_ms : INT64_MAX;
        d *= 2;
    }
    return cap_ms > 0 && d > cap_ms ? cap_ms : d;
}
