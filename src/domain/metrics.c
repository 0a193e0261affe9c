/* metrics — see metrics.h.
 *
 * Numbers that go into the config table are written and read in the C
 * locale (the console calls setlocale(LC_ALL, ""), and "85.5" must not
 * depend on LC_NUMERIC): util_format_c() and util_strtod_c().
 */
#include "domain/metrics.h"
#include "domain/notify.h"
#include "store/audit_repo.h"
#include "store/metric_repo.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROLLUP_KEY "metric_rollup_until"

static const char *const metric_names[MET_COUNT] = {
    [MET_CPU] = "cpu",         [MET_MEMORY] = "memory",        [MET_SWAP] = "swap",
    [MET_LOAD1] = "load1",     [MET_LOAD5] = "load5",          [MET_LOAD15] = "load15",
    [MET_DISK] = "disk",       [MET_DISK_READ] = "disk_read",  [MET_DISK_WRITE] = "disk_write",
    [MET_NET_RX] = "net_rx",   [MET_NET_TX] = "net_tx",
};

static const MetricId watched[THRESH_COUNT] = {
    [THRESH_CPU] = MET_CPU,   [THRESH_MEMORY] = MET_MEMORY, [THRESH_SWAP] = MET_SWAP,
    [THRESH_DISK] = MET_DISK, [THRESH_LOAD] = MET_LOAD1,
};

static const char *const labels[THRESH_COUNT] = {
    [THRESH_CPU] = "CPU usage",   [THRESH_MEMORY] = "Memory usage",
    [THRESH_SWAP] = "Swap usage", [THRESH_DISK] = "Disk usage",
    [THRESH_LOAD] = "Load average",
};

const char *metric_name(MetricId id) { return metric_names[id]; }
MetricId metrics_watched(ThresholdId t) { return watched[t]; }

void metrics_sample_init(MetricSample *s, int64_t ts)
{
    s->ts = ts;
    for (int i = 0; i < MET_COUNT; i++)
        s->v[i] = NAN;
    s->ncores = 0;
    s->nmounts = 0;
    s->disk_mount = -1;
}

/* ---- numbers in the C locale --------------------------------------------- */

int metrics_parse_number(const char *s, double *out)
{
    if (!s)
        return -EINVAL;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s)
        return -EINVAL;
    char *end;
    errno = 0;
    double v = util_strtod_c(s, &end);
    while (*end == ' ' || *end == '\t' || *end == '%')
        end++;
    if (errno || *end || end == s || !isfinite(v))
        return -EINVAL;
    *out = v;
    return 0;
}

void metrics_alert_message(ThresholdId t, double value, double threshold, const char *mount,
                           int clear, const ThresholdPolicy *p, char *out, size_t size)
{
    const char *unit = threshold_is_percent(t) ? "%" : "";
    char on[160] = "";
    if (mount && *mount)
        snprintf(on, sizeof on, " on %s", mount);
    int n = clear ? p->clear_after : p->fire_after;
    n = n > 0 ? n : 1;
    if (!clear)
        util_format_c(out, size, "%s %.1f%s%s is over the %g%s threshold (%d sample%s)", labels[t],
                 value, unit, on, threshold, unit, n, n == 1 ? "" : "s");
    else if (threshold > 0)
        util_format_c(out, size, "%s back to %.1f%s%s, under %g%s (%d sample%s)", labels[t], value,
                 unit, on, threshold_clear_level(threshold, p), unit, n, n == 1 ? "" : "s");
    else
        util_format_c(out, size, "%s threshold turned off", labels[t]);
}

/* ---- thresholds ------------------------------------------------------------ */

int metrics_thresholds(Store *st, double out[THRESH_COUNT])
{
    for (int i = 0; i < THRESH_COUNT; i++) {
        char buf[64];
        double v;
        int r = metric_repo_config_get(st, threshold_key((ThresholdId)i), buf, sizeof buf);
        if (r < 0)
            return -EIO;
        out[i] = r == 1 && metrics_parse_number(buf, &v) == 0 &&
                         threshold_validate((ThresholdId)i, v, NULL, 0) == 0
                     ? v : threshold_default((ThresholdId)i);
    }
    return 0;
}

int metrics_set_thresholds(Store *st, const double v[THRESH_COUNT], int64_t user_id,
                           const char *actor, int64_t now, char *err, size_t errsz)
{
    for (int i = 0; i < THRESH_COUNT; i++)
        if (!isnan(v[i]) && threshold_validate((ThresholdId)i, v[i], err, errsz) < 0)
            return -EINVAL;
    double old[THRESH_COUNT];
    if (store_begin(st) < 0)
        goto io;
    if (metrics_thresholds(st, old) < 0)
        goto io_rb;
    StrBuf detail = {0};
    int changed = 0;
    for (int i = 0; i < THRESH_COUNT; i++) {
        if (isnan(v[i]))
            continue;
        char val[64], line[160];
        util_format_c(val, sizeof val, "%.15g", v[i]);
        if (metric_repo_config_put(st, threshold_key((ThresholdId)i), val) < 0) {
            strbuf_free(&detail);
            goto io_rb;
        }
        util_format_c(line, sizeof line, "%s%s %g -> %s", changed ? ", " : "",
                 threshold_key((ThresholdId)i), old[i], val);
        strbuf_append(&detail, line);
        changed++;
    }
    if (changed) {
        strbuf_appendf(&detail, " by %s", actor && *actor ? actor : "system");
        int r = audit_repo_add(st, "Threshold Updated", "Config", 0, user_id, detail.s, now);
        strbuf_free(&detail);
        if (r < 0)
            goto io_rb;
    }
    if (store_commit(st) < 0)
        goto io;
    return changed;
io_rb:
    store_rollback(st);
io:
    snprintf(err, errsz, "Failed to save thresholds due to database error");
    return -EIO;
}

int metrics_set_threshold(Store *st, const char *name, double v, int64_t user_id,
                          const char *actor, int64_t now, char *err, size_t errsz)
{
    ThresholdId t;
    if (threshold_parse(name, &t) < 0) {
        snprintf(err, errsz, "Unknown threshold \"%s\" (cpu, memory, swap, disk or load)",
                 name ? name : "");
        return -EINVAL;
    }
    double all[THRESH_COUNT];
    for (int i = 0; i < THRESH_COUNT; i++)
        all[i] = NAN;
    all[t] = v;
    if (isnan(v)) {
        snprintf(err, errsz, "%s must be a number from 0 (off) to %g", threshold_key(t),
                 threshold_is_percent(t) ? 100.0 : 1000000.0);
        return -EINVAL;
    }
    return metrics_set_thresholds(st, all, user_id, actor, now, err, errsz);
}

int metrics_user_thresholds(Store *st, int64_t user_id, double *cpu, double *memory,
                            int *out_custom)
{
    double g[THRESH_COUNT], c = NAN, m = NAN;
    if (metrics_thresholds(st, g) < 0)
        return -EIO;
    int r = metric_repo_user_get(st, user_id, &c, &m);
    if (r < 0)
        return -EIO;
    *cpu = isnan(c) ? g[THRESH_CPU] : c;
    *memory = isnan(m) ? g[THRESH_MEMORY] : m;
    if (out_custom)
        *out_custom = r == 1 && (!isnan(c) || !isnan(m));
    return 0;
}

int metrics_set_user_thresholds(Store *st, int64_t user_id, double cpu, double memory,
                                const char *actor, int64_t now, char *err, size_t errsz)
{
    if ((!isnan(cpu) && threshold_validate(THRESH_CPU, cpu, err, errsz) < 0) ||
        (!isnan(memory) && threshold_validate(THRESH_MEMORY, memory, err, errsz) < 0))
        return -EINVAL;
    char detail[256], a[32] = "unchanged", b[32] = "unchanged";
    if (!isnan(cpu))
        util_format_c(a, sizeof a, "%g", cpu);
    if (!isnan(memory))
        util_format_c(b, sizeof b, "%g", memory);
    snprintf(detail, sizeof detail, "cpu_threshold %s, memory_threshold %s by %s", a, b,
             actor && *actor ? actor : "system");
    if (store_begin(st) < 0)
        goto io;
    if (metric_repo_user_set(st, user_id, cpu, memory) < 0 ||
        audit_repo_add(st, "User Threshold Updated", "User", user_id, user_id, detail, now) < 0) {
        store_rollback(st);
        goto io;
    }
    if (store_commit(st) < 0)
        goto io;
    return 0;
io:
    snprintf(err, errsz, "Failed to save thresholds due to database error");
    return -EIO;
}

int metrics_open_alerts(Store *st, int firing[THRESH_COUNT])
{
    for (int i = 0; i < THRESH_COUNT; i++) {
        MetricAlertRow row;
        int r = metric_repo_alert_open(st, threshold_name((ThresholdId)i), &row);
        if (r < 0)
            return -EIO;
        firing[i] = r;
    }
    return 0;
}

/* ---- ingest ------------------------------------------------------------------ */

int metrics_alerter_load(Store *st, MetricsAlerter *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 0; i < THRESH_COUNT; i++) {
        MetricAlertRow row;
        int r = metric_repo_alert_open(st, threshold_name((ThresholdId)i), &row);
        if (r < 0)
            return -EIO;
        a->state[i].firing = r;
        a->alert_id[i] = r ? row.id : 0;
        a->threshold[i] = NAN;
    }
    return 0;
}

static int store_values(Store *st, const MetricSample *s)
{
    for (int i = 0; i < MET_COUNT; i++)
        if (!isnan(s->v[i]) && metric_repo_insert(st, s->ts, metric_names[i], s->v[i],
                                                  METRIC_RES_RAW) < 0)
            return -EIO;
    for (int i = 0; i < s->ncores && i < METRICS_MAX_CORES; i++) {
        char name[16];
        snprintf(name, sizeof name, "cpu%d", i);
        if (!isnan(s->cores[i]) &&
            metric_repo_insert(st, s->ts, name, s->cores[i], METRIC_RES_RAW) < 0)
            return -EIO;
    }
    for (int i = 0; i < s->nmounts && i < METRICS_MAX_MOUNTS; i++) {
        char name[160];
        snprintf(name, sizeof name, "disk:%s", s->mounts[i].path);
        if (!isnan(s->mounts[i].used_pct) &&
            metric_repo_insert(st, s->ts, name, s->mounts[i].used_pct, METRIC_RES_RAW) < 0)
            return -EIO;
    }
    return 0;
}

/* Write one edge: the alert row (or its clearing), the outbox event and
 * the audit entry. */
static int write_edge(Store *st, ThresholdId t, ThresholdEdge edge, MetricsAlerter *a,
                      const MetricSample *s, double value, double threshold,
                      const ThresholdPolicy *p)
{
    const char *type = threshold_name(t);
    const char *mount = t == THRESH_DISK && s->disk_mount >= 0 && s->disk_mount < s->nmounts
                            ? s->mounts[s->disk_mount].path : NULL;
    char msg[256], action[64];
    metrics_alert_message(t, value, threshold, mount, edge == THRESH_CLEAR, p, msg, sizeof msg);
    int64_t id;
    if (edge == THRESH_FIRE) {
        id = metric_repo_alert_insert(st, type, value, threshold, msg, s->ts);
        if (id < 0)
            return -EIO;
        a->alert_id[t] = id;
        snprintf(action, sizeof action, "Metric Alert (%s)", type);
    } else {
        id = a->alert_id[t];
        if (!id) {                       /* fired before a restart lost the id */
            MetricAlertRow row;
            int r = metric_repo_alert_open(st, type, &row);
            if (r < 0)
                return -EIO;
            id = r ? row.id : 0;
        }
        if (id && metric_repo_alert_clear(st, id, s->ts) < 0)
            return -EIO;
        a->alert_id[t] = 0;
        snprintf(action, sizeof action, "Metric Alert Cleared (%s)", type);
    }
    NotifyEvent ev = {
        .source = "metric", .id = id, .event = edge == THRESH_FIRE ? "raised" : "resolved",
        .type = type, .severity = edge == THRESH_FIRE ? "Warning" : "Info",
        .message = msg, .has_value = !isnan(value), .value = value, .ts = s->ts,
    };
    if (notify_event(st, &ev, s->ts) < 0)
        return -EIO;
    if (audit_repo_add(st, action, "MetricAlert", id, AUDIT_SYSTEM_USER, msg, s->ts) < 0)
        return -EIO;
    return 0;
}

int metrics_ingest(Store *st, const MetricSample *s, MetricsAlerter *a,
                   const ThresholdPolicy *p)
{
    MetricsAlerter saved = *a;
    int edges = 0;
    if (store_begin(st) < 0)
        return -EIO;
    double thr[THRESH_COUNT];
    if (store_values(st, s) < 0 || metrics_thresholds(st, thr) < 0)
        goto io_rb;
    for (int i = 0; i < THRESH_COUNT; i++) {
        ThresholdId t = (ThresholdId)i;
        double value = s->v[watched[t]];
        ThresholdEdge e = threshold_step(&a->state[t], thr[t], p, value);
        a->threshold[t] = thr[t];
        if (e == THRESH_STEADY)
            continue;
        if (write_edge(st, t, e, a, s, value, thr[t], p) < 0)
            goto io_rb;
        edges++;
    }
    if (store_commit(st) < 0)
        goto io;
    return edges;
io_rb:
    store_rollback(st);
io:
    *a = saved;
    return -EIO;
}

/* ---- retention ---------------------------------------------------------------- */

int metrics_maintain(Store *st, int64_t now, const MetricsRetention *r)
{
    int64_t to = now - now % 60, from = 0;
    char buf[64];
    int total = 0;
    if (store_begin(st) < 0)
        return -EIO;
    int got = metric_repo_config_get(st, ROLLUP_KEY, buf, sizeof buf);
    if (got < 0)
        goto io_rb;
    if (got == 1 && util_parse_iso8601(buf, &from) == 0) {
        from -= from % 60;
    } else {
        int64_t oldest = metric_repo_bound(st, METRIC_RES_RAW, 0);
        if (oldest < 0)
            goto io_rb;
        from = oldest ? oldest - oldest % 60 : to;
    }
    if (r->minute_s > 0 && from < to) {
        int n = metric_repo_rollup(st, from, to);
        if (n < 0)
            goto io_rb;
        total += n;
    }
    if (from < to || got != 1) {
        util_iso8601(to, buf, sizeof buf);
        if (metric_repo_config_put(st, ROLLUP_KEY, buf) < 0)
            goto io_rb;
    }
    /* raw rows go only once their minute has been averaged */
    int64_t raw_before = now - r->raw_s < to ? now - r->raw_s : to;
    int n = metric_repo_prune(st, METRIC_RES_RAW, raw_before);
    if (n < 0)
        goto io_rb;
    total += n;
    n = metric_repo_prune(st, METRIC_RES_MINUTE, r->minute_s > 0 ? now - r->minute_s : now + 60);
    if (n < 0)
        goto io_rb;
    total += n;
    if (store_commit(st) < 0)
        return -EIO;
    return total;
io_rb:
    store_rollback(st);
    return -EIO;
}
