/* service_health — see service_health.h.
 *
 * The health read takes no transaction of its own: it reads the
 * service's name, status, BIA and downtimes (newest first: the first is
 * the latest) and scores its risk as the engine does (cycle_risk_one).
 * Uptime merges the downtimes clipped to the window, overlaps once.
 */
#include "domain/service_health.h"
#include "domain/cycle.h"
#include "store/bia_repo.h"
#include "store/listing_repo.h"
#include "store/service_repo.h"
#include "store/status_repo.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/errors.h"
#define IO_ERROR DOMAIN_IO_ERROR
#define DAY_S    (24 * 3600)

typedef struct SpanList {
    TimeSpan *v;
    int       n, cap;
    int       first_done;
    HealthInfo *h;
} SpanList;

static int collect_span(void *ctx, const Listing *l, const ListingValue *v)
{
    (void)l;
    SpanList *sl = ctx;
    int64_t start = 0, end = 0;
    if (v[0].is_null || util_parse_iso8601(v[0].s, &start) < 0)
        return 0;
    if (!v[1].is_null)
        util_parse_iso8601(v[1].s, &end);
    if (!sl->first_done) {          /* newest first: the latest downtime */
        sl->first_done = 1;
        sl->h->has_downtime = 1;
        sl->h->downtime_start = start;
        sl->h->has_downtime_reason = !v[2].is_null;
        strlcpy_(sl->h->downtime_reason, v[2].is_null ? "" : v[2].s,
                 sizeof sl->h->downtime_reason);
    }
    if (sl->n == sl->cap) {
        sl->cap = sl->cap ? sl->cap * 2 : 16;
        sl->v = xrealloc(sl->v, (size_t)sl->cap * sizeof *sl->v);
    }
    sl->v[sl->n++] = (TimeSpan){start, end};
    return 0;
}

int service_health_get(Store *st, int64_t service_id, int64_t now, HealthInfo *out,
                       char *err, size_t errsz)
{
    memset(out, 0, sizeof *out);
    out->service_id = service_id;
    int r = service_repo_name(st, service_id, out->name, sizeof out->name);
    if (r <= 0) {
        snprintf(err, errsz, r == 0 ? "Service not found" : IO_ERROR);
        return r == 0 ? -ENOENT : -EIO;
    }
    r = status_repo_get(st, service_id, out->status, sizeof out->status, &out->last_updated);
    if (r < 0)
        goto io;
    if (r == 0 || !out->status[0]) {
        strlcpy_(out->status, "Unknown", sizeof out->status);
        out->last_updated = r == 0 ? 0 : out->last_updated;
    }
    BiaRow b;
    r = bia_repo_get(st, service_id, &b);
    if (r < 0)
        goto io;
    if (r == 1) {
        out->has_bia = 1;
        out->has_criticality = b.has_criticality;
        strlcpy_(out->criticality, b.criticality, sizeof out->criticality);
        out->has_rto = b.has_rto;
        out->rto = b.rto;
        out->has_rpo = b.has_rpo;
        out->rpo = b.rpo;
    }
    SpanList sl = {.h = out};
    int64_t p = service_id;
    if (listing_run(st, &listing_downtimes, &p, 1, collect_span, &sl) < 0) {
        free(sl.v);
        goto io;
    }
    out->uptime_percentage = service_health_uptime_pct(sl.v, sl.n, now, 30 * DAY_S);
    free(sl.v);
    if (cycle_risk_one(st, service_id, now, &out->risk) <= 0)
        goto io;
    strlcpy_(out->reason, out->risk.reason, sizeof out->reason);
    out->overall_health = service_health_overall(out->status, out->risk.level, out->reason,
                                                 sizeof out->reason);
    return 0;
io:
    snprintf(err, errsz, IO_ERROR);
    return -EIO;
}

/* ---- pure helpers ---- */

static int has_reason(const char *list, const char *item)
{
    size_t n = strlen(item);
    for (const char *p = list; (p = strstr(p, item)); p += n)
        if ((p == list || (p >= list + 2 && p[-2] == ',' && p[-1] == ' ')) &&
            (p[n] == '\0' || (p[n] == ',' && p[n + 1] == ' ')))
            return 1;
    return 0;
}

static void add_reason(char *list, size_t size, const char *item)
{
    size_t len = strlen(list);
    snprintf(list + len, size - len, "%s%s", len ? ", " : "", item);
}

const char *service_health_overall(const char *status, RiskLevel level, char *reason,
                                   size_t reasonsz)
{
    const char *health;
    if (strcmp(status, "Up") == 0 && level == RISK_LOW) {
        health = "Healthy";
        if (!*reason)
            add_reason(reason, reasonsz, "Service is operational with low risk");
    } else if (strcmp(status, "Down") == 0 || level == RISK_HIGH) {
        health = "Unhealthy";
        if (strcmp(status, "Down") == 0 && !has_reason(reason, "Service is currently down"))
            add_reason(reason, reasonsz, "Service is currently down");
    } else {
        health = "Degraded";
        if (strcmp(status, "Degraded") == 0 && !has_reason(reason, "Service is degraded"))
            add_reason(reason, reasonsz, "Service is degraded");
    }
    if (!*reason)
        strlcpy_(reason, "No issues detected", reasonsz);
    return health;
}

void service_health_format_duration(int64_t seconds, char *buf, size_t size)
{
    /* Python normalises to days (floored) plus 0 <= seconds < 86400. */
    int64_t days = seconds >= 0 ? seconds / DAY_S : -((-seconds + DAY_S - 1) / DAY_S);
    int64_t rest = seconds - days * DAY_S;
    char hms[32];
    snprintf(hms, sizeof hms, "%lld:%02lld:%02lld", (long long)(rest / 3600),
             (long long)(rest / 60 % 60), (long long)(rest % 60));
    if (days)
        snprintf(buf, size, "%lld day%s, %s", (long long)days,
                 days == 1 || days == -1 ? "" : "s", hms);
    else
        snprintf(buf, size, "%s", hms);
}

static int span_cmp(const void *a, const void *b)
{
    const TimeSpan *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

double service_health_uptime_pct(TimeSpan *spans, int n, int64_t now, int64_t window_s)
{
    int64_t ws = now - window_s;
    int m = 0;
    for (int i = 0; i < n; i++) {          /* clip to the window, drop outside */
        int64_t s = spans[i].start < ws ? ws : spans[i].start;
        int64_t e = spans[i].end ? spans[i].end : now;
        if (e > now)
            e = now;
        if (e > s)
            spans[m++] = (TimeSpan){s, e};
    }
    if (m > 1)
        qsort(spans, (size_t)m, sizeof *spans, span_cmp);
    int64_t covered = 0, cur_s = 0, cur_e = 0;
    for (int i = 0; i < m; i++) {
        if (i == 0 || spans[i].start > cur_e) {
            covered += cur_e - cur_s;
            cur_s = spans[i].start;
            cur_e = spans[i].end;
        } else if (spans[i].end > cur_e) {
            cur_e = spans[i].end;
        }
    }
    covered += cur_e - cur_s;
    double pct = window_s > 0 ? 100.0 * (double)(window_s - covered) / (double)window_s : 100.0;
    pct = round(pct * 100.0) / 100.0;
    return pct < 0 ? 0 : pct > 100 ? 100 : pct;
}
