/* demo_metrics — see demo_metrics.h: seed 004's part of the demo (its
 * scripts/seed_demo.py): the demo accounts, a day of metrics history with
 * the seed's two threshold alerts, the demo user's own thresholds.
 *
 * History is written through the repositories in the caller's
 * transaction (a fixture loader, like seed_services): a day of minute
 * averages, then the last 30 minutes as raw samples every 10 s, from
 * fixed curves with deterministic noise — CPU follows the day with a
 * 10-minute spike over 90 % two hours ago, memory climbs over its 75 %
 * threshold in the last half hour. The two alerts are seed 004's own
 * values (cpu 92.1, memory 78.2): the CPU one cleared, the memory one
 * still open, so a starting engine sees live samples clear it.
 *
 * The demo passwords are printed in README and by the seeder, so there
 * is nothing for a slow hash to protect: they are hashed at the minimal
 * argon2id cost to keep `resops --demo` quick. Real accounts always use
 * the configured cost.
 */
#include "domain/demo_metrics.h"
#include "domain/metrics.h"
#include "domain/seed.h"
#include "domain/users.h"
#include "store/audit_repo.h"
#include "store/metric_repo.h"
#include "store/user_repo.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *username, *password, *role;
} accounts[] = {
    {SEED_DEMO_ADMIN, SEED_DEMO_ADMIN_PASSWORD, ROLE_NAME_ADMIN},
    {SEED_DEMO_USER, SEED_DEMO_USER_PASSWORD, ROLE_NAME_USER},
};

#define HISTORY_S   86400
#define RAW_S       1800
#define RAW_STEP_S  10
#define SPIKE_AGO_S 7200

static double noise(uint32_t *s, double amp)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return amp * ((double)(x % 2001) / 1000.0 - 1.0);
}

/* The scalar values at time t (ago = now - t). */
static void curves(int64_t t, int64_t ago, uint32_t *r, double v[MET_COUNT])
{
    double day = 2 * M_PI * (double)(t % 86400) / 86400.0;
    double cpu = 35 + 15 * sin(day - M_PI / 2) + noise(r, 5);
    if (ago <= SPIKE_AGO_S && ago > SPIKE_AGO_S - 600)
        cpu = 92 + noise(r, 1);
    double mem = 55 + 20 * (1 - (double)ago / HISTORY_S) + noise(r, 1);
    if (ago < RAW_S)
        mem = 76.5 + 1.5 * (1 - (double)ago / RAW_S) + noise(r, 0.5);
    v[MET_CPU] = cpu < 0 ? 0 : cpu > 100 ? 100 : cpu;
    v[MET_MEMORY] = mem;
    v[MET_SWAP] = 4 + noise(r, 0.5);
    v[MET_LOAD1] = v[MET_CPU] / 25;
    v[MET_LOAD5] = (35 + 15 * sin(day - M_PI / 2)) / 25;
    v[MET_LOAD15] = v[MET_LOAD5] * 0.95;
    v[MET_DISK] = 61 + 1.5 * (1 - (double)ago / HISTORY_S);
    v[MET_DISK_READ] = 400e3 + noise(r, 300e3);
    v[MET_DISK_WRITE] = 900e3 + noise(r, 600e3);
    v[MET_NET_RX] = 250e3 + noise(r, 200e3);
    v[MET_NET_TX] = 120e3 + noise(r, 100e3);
}

static int put_sample(Store *st, int64_t t, const double v[MET_COUNT], int resolution)
{
    for (int i = 0; i < MET_COUNT; i++)
        if (metric_repo_insert(st, t, metric_name((MetricId)i), v[i], resolution) < 0)
            return -EIO;
    return metric_repo_insert(st, t, "disk:/", v[MET_DISK], resolution);
}

static int history(Store *st, int64_t now)
{
    uint32_t r = 2463534242u;
    double v[MET_COUNT];
    int64_t raw_from = now - RAW_S;
    int64_t m0 = (now - HISTORY_S) - (now - HISTORY_S) % 60;
    for (int64_t t = m0; t + 60 <= raw_from; t += 60) {
        curves(t, now - t, &r, v);
        if (put_sample(st, t, v, METRIC_RES_MINUTE) < 0)
            return -EIO;
    }
    for (int64_t t = raw_from; t <= now; t += RAW_STEP_S) {
        curves(t, now - t, &r, v);
        if (put_sample(st, t, v, METRIC_RES_RAW) < 0)
            return -EIO;
    }
    return 0;
}

static int alert(Store *st, const char *type, double value, double threshold, int64_t at,
                 int64_t cleared)
{
    ThresholdId t;
    threshold_parse(type, &t);
    ThresholdPolicy p = {.fire_after = 3, .clear_after = 3, .hysteresis_pct = 5};
    char msg[256];
    metrics_alert_message(t, value, threshold, NULL, 0, &p, msg, sizeof msg);
    int64_t id = metric_repo_alert_insert(st, type, value, threshold, msg, at);
    if (id < 0)
        return -EIO;
    if (cleared && metric_repo_alert_clear(st, id, cleared) < 0)
        return -EIO;
    char action[64];
    snprintf(action, sizeof action, "Metric Alert (%s)", type);
    return audit_repo_add(st, action, "MetricAlert", id, AUDIT_SYSTEM_USER, msg, at);
}

int demo_metrics_seed(Store *st, int64_t now, char *err, size_t errsz)
{
    UserInfo system_admin = {.id = AUDIT_SYSTEM_USER, .username = "demo seeder",
                             .role = ROLE_NAME_ADMIN};
    SignupPolicy pol = {.caller = &system_admin, .limits = PW_MIN};
    int64_t demo_id = 0;
    if (store_begin(st) < 0)
        goto io;
    for (size_t i = 0; i < sizeof accounts / sizeof accounts[0]; i++) {
        int64_t id;
        char role[32];
        UserRow u;
        int r = user_repo_by_name(st, accounts[i].username, &u);
        if (r < 0)
            goto io_rb;
        if (r == 1)                             /* seeded before: keep it */
            id = u.id;
        else if (users_signup(st, accounts[i].username, accounts[i].password, accounts[i].role,
                              &pol, now, &id, role, sizeof role, err, errsz) < 0)
            goto fail;
        if (!strcmp(accounts[i].username, SEED_DEMO_USER))
            demo_id = id;
    }
    /* seed_demo.py: the demo user's own thresholds */
    if (metrics_set_user_thresholds(st, demo_id, 60, 70, SEED_DEMO_USER, now, err, errsz) < 0)
        goto fail;
    if (history(st, now) < 0 ||
        alert(st, "cpu", 92.1, 80, now - SPIKE_AGO_S + 30, now - SPIKE_AGO_S + 630) < 0 ||
        alert(st, "memory", 78.2, 75, now - 20 * 60, 0) < 0)
        goto io_rb;
    if (store_commit(st) < 0)
        goto io;
    return 0;
io_rb:
    snprintf(err, errsz, "demo seed failed: %s", store_errmsg(st));
fail:
    store_rollback(st);
    return -EIO;
io:
    snprintf(err, errsz, "demo seed failed: %s", store_errmsg(st));
    return -EIO;
}
