/* rules — see rules.h. Every branch here is named after the seed rule it
 * implements; the order of the risk rules is the order of the reasons. */
#include "domain/rules.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const status_names[STATUS_COUNT] = {"Up", "Unknown", "Degraded", "Down"};

const StatusRules status_rules_default = {
    .down_after = 3,
    .degraded_window = 5,
    .slow_ms = 2000,
    .heartbeat_degraded_s = 5 * 60,
    .heartbeat_down_s = 10 * 60,
};

const char *status_name(ServiceStatus s)
{
    return (unsigned)s < STATUS_COUNT ? status_names[s] : "Unknown";
}

int status_parse(const char *s, ServiceStatus *out)
{
    for (int i = 0; s && i < STATUS_COUNT; i++)
        if (strcasecmp(s, status_names[i]) == 0) {
            *out = (ServiceStatus)i;
            return 0;
        }
    return -EINVAL;
}

ServiceStatus status_from_probe(int *fail_streak, uint64_t *recent, int ok,
                                int latency_ms, const StatusRules *r)
{
    *recent = (*recent << 1) | (ok ? 0u : 1u);
    *fail_streak = ok ? 0 : *fail_streak + 1;
    if (*fail_streak >= r->down_after)
        return STATUS_DOWN;
    int w = r->degraded_window < 64 ? r->degraded_window : 64;
    uint64_t mask = w >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << w) - 1);
    if (*recent & mask)
        return STATUS_DEGRADED;
    if (latency_ms > r->slow_ms)
        return STATUS_DEGRADED;
    return STATUS_UP;
}

ServiceStatus status_from_heartbeat(int has_report, ServiceStatus reported,
                                    int64_t age_s, const StatusRules *r)
{
    if (!has_report)
        return STATUS_UNKNOWN;
    if (age_s > r->heartbeat_down_s)
        return STATUS_DOWN;
    if (age_s > r->heartbeat_degraded_s)
        return reported > STATUS_DEGRADED ? reported : STATUS_DEGRADED;
    return reported;
}

/* ---- risk ---- */

typedef struct Reasons {
    char *buf;
    size_t size, len;
    int n;
} Reasons;

static void reason_add(Reasons *r, const char *text)
{
    const char *sep = r->n++ ? ", " : "";
    size_t need = strlen(sep) + strlen(text);
    if (r->len + need + 1 > r->size) {
        /* keep room for the ellipsis; the reason is for humans */
        if (r->len + 4 <= r->size && (r->len < 3 || strcmp(r->buf + r->len - 3, "...") != 0)) {
            memcpy(r->buf + r->len, "...", 4);
            r->len += 3;
        }
        return;
    }
    r->len += (size_t)snprintf(r->buf + r->len, r->size - r->len, "%s%s", sep, text);
}

RiskLevel risk_level_of(int score)
{
    return score >= 80 ? RISK_HIGH : score >= 50 ? RISK_MEDIUM : RISK_LOW;
}

static const char *const level_names[] = {"Low", "Medium", "High"};

const char *risk_level_name(RiskLevel l) { return level_names[l]; }

int risk_level_parse(const char *s, RiskLevel *out)
{
    for (int i = 0; s && i < 3; i++)
        if (strcmp(s, level_names[i]) == 0) {
            *out = (RiskLevel)i;
            return 0;
        }
    return -EINVAL;
}

static int is_high_impact(const char *impact)
{
    return impact && (strcasecmp(impact, "High") == 0 || strcasecmp(impact, "Severe") == 0);
}

void risk_score(const RiskInput *in, RiskResult *out)
{
    Reasons rs = {out->reason, sizeof out->reason, 0, 0};
    out->reason[0] = '\0';
    int score = 0;
    int down = in->status == STATUS_DOWN;
    int prolonged = in->recent_downtime_min > 120;

    if (down) {
        score += 40;
        reason_add(&rs, "Service is currently down");
    }
    if (prolonged) {
        score += 20;
        reason_add(&rs, "Frequent or prolonged downtimes in the last 7 days");
    }
    int crit_high = 0;
    if (in->has_bia) {
        if (in->criticality && strcasecmp(in->criticality, "High") == 0) {
            crit_high = 1;
            score += 15;
            reason_add(&rs, "High criticality in BIA");
        } else if (in->criticality && strcasecmp(in->criticality, "Medium") == 0) {
            score += 10;
            reason_add(&rs, "Medium criticality in BIA");
        }
        if (is_high_impact(in->impact)) {
            char t[128];
            snprintf(t, sizeof t, "High impact in BIA: %s", in->impact);
            score += 10;
            reason_add(&rs, t);
        }
        if (in->has_rto && in->rto < 60) {
            score += 10;
            reason_add(&rs, "RTO < 1 hour");
        }
        if (in->has_rpo && in->rpo < 60) {
            score += 5;
            reason_add(&rs, "RPO < 1 hour");
        }
    }
    if (in->n_deps_down > 0) {
        char t[768];
        size_t l = (size_t)snprintf(t, sizeof t, "Dependencies down: ");
        for (int i = 0; i < in->n_deps_down && l < sizeof t; i++)
            l += (size_t)snprintf(t + l, sizeof t - l, "%s%s", i ? ", " : "", in->deps_down[i]);
        util_utf8_cut(t);           /* names are UTF-8: never end mid-character */
        score += 20;
        reason_add(&rs, t);
    }
    if (in->integrations > 3) {
        score += 10;
        reason_add(&rs, "High number of integrations");
    }
    if (in->integrations > 5) {
        score += 5;
        reason_add(&rs, "Very high integration complexity");
    }
    if (score > 100)
        score = 100;

    int critical = score >= 80 || (down && prolonged) || in->n_deps_down > 0 ||
                   in->integrations > 5;
    if (in->has_bia)
        critical = critical || crit_high || is_high_impact(in->impact) ||
                   (in->has_rto && in->rto < 30);
    if (critical)
        reason_add(&rs, "Service marked as CRITICAL based on business rules");
    if (rs.n == 0)
        reason_add(&rs, "No risks identified");

    out->score = score;
    out->level = risk_level_of(score);
    out->is_critical = critical;
}

/* ---- SLA ---- */

int64_t sla_downtime_minutes(int64_t start, int64_t end, int64_t now)
{
    int64_t stop = end ? end : now;
    return stop > start ? (stop - start) / 60 : 0;
}

int sla_breached(int64_t minutes, int has_threshold, int threshold)
{
    return has_threshold && minutes > threshold;
}

/* ---- alerts ---- */

static const char *const sev_names[SEV_COUNT] = {"Info", "Warning", "Critical"};

const char *severity_name(AlertSeverity s)
{
    return (unsigned)s < SEV_COUNT ? sev_names[s] : "Info";
}

int severity_parse(const char *s, AlertSeverity *out)
{
    for (int i = 0; s && i < SEV_COUNT; i++)
        if (strcasecmp(s, sev_names[i]) == 0) {
            *out = (AlertSeverity)i;
            return 0;
        }
    return -EINVAL;
}

AlertSeverity status_alert_severity(ServiceStatus s)
{
    return s == STATUS_DOWN ? SEV_CRITICAL : s == STATUS_UP ? SEV_INFO : SEV_WARNING;
}
