/* seed — see seed.h. The demo goes through the domain write path (so its
 * audit log reads like a real one); the bulk generator writes through the
 * repositories in one transaction because it is a fixture loader for
 * benchmarks, and 100k audit entries would only measure the seeding. */
#include "domain/seed.h"
#include "domain/actions.h"
#include "domain/demo_metrics.h"
#include "domain/incidents.h"
#include "domain/resolution.h"
#include "domain/services.h"
#include "store/downtime_repo.h"
#include "store/incident_audit_repo.h"
#include "store/integration_repo.h"
#include "store/bia_repo.h"
#include "store/deps_repo.h"
#include "store/service_repo.h"
#include "store/session_repo.h"
#include "store/status_repo.h"
#include "store/user_repo.h"
#include "util.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct DemoService {
    const char *name, *description, *criticality, *impact;
    int         rto, rpo;
    const char *deps[3];
    const char *probe_kind, *probe_target;
    int         heartbeat_age_s;  /* -1: never reported; used without probe */
    int         past_downtime_min; /* a closed downtime two days ago */
    int         integrations;
    int         downtime_ago_h;    /* when that downtime started; 0 = 48 h */
} DemoService;

static const DemoService demo[] = {
    {"PostgreSQL Primary", "Main OLTP database cluster (primary node)", "High", "Severe", 30, 5,
     {NULL}, "cmd", "test -d /", 0, 45, 1, 0},
    {"Redis Cache", "Session and rate-limit cache", "Medium", "Moderate", 120, 60,
     {NULL}, "cmd", "true", 0, 0, 0, 0},
    {"Message Queue", "RabbitMQ broker for async jobs", "Medium", "High", 60, 30,
     {NULL}, "tcp", "127.0.0.1:5672", 0, 150, 2, 6},
    {"Auth Service", "OAuth2 / OIDC identity provider", "High", "High", 15, 5,
     {"PostgreSQL Primary", "Redis Cache"}, "cmd", "getent hosts localhost", 0, 0, 2, 0},
    {"Payments API", "Card and wallet payment processing", "High", "Severe", 30, 15,
     {"PostgreSQL Primary", "Auth Service", "Message Queue"}, "http",
     "http://127.0.0.1:5001/api/healthz", 0, 0, 4, 0},
    {"Customer Portal", "Public web front end", "Medium", "High", 60, 30,
     {"Auth Service", "Payments API"}, NULL, NULL, 30, 0, 1, 0},
    {"Order Service", "Order capture and fulfilment", "High", "High", 45, 15,
     {"PostgreSQL Primary", "Message Queue"}, NULL, NULL, 60, 200, 6, 0},
    {"Reporting", "Nightly BI exports", "Low", "Low", 480, 240,
     {"PostgreSQL Primary"}, NULL, NULL, 7 * 60, 0, 0, 0},
    {"Email Gateway", "Transactional mail relay", "Medium", "Moderate", 240, 120,
     {"Message Queue"}, NULL, NULL, -1, 0, 1, 0},
    {"Object Storage", "S3-compatible blob store", "Medium", "Moderate", 120, 60,
     {NULL}, "cmd", "test -w /tmp", 0, 0, 0, 0},
    {"Search Index", "Product search cluster", "Low", "Moderate", 240, 1440,
     {"Object Storage"}, NULL, NULL, 12 * 60, 0, 3, 0},
    {"Internal DNS", "Resolvers for the service mesh", "High", "Severe", 15, 60,
     {NULL}, "cmd", "getent hosts localhost", 0, 0, 0, 0},
};


/* Seed 001 in the demo: an application playbook that really runs and
 * three incidents: two the engine's runner resolves when it starts, one
 * refused for its low confidence — so the Incidents pane and
 * /api/v1/audit have a story.
 *
 * Commands come only from the operator's playbook file (issue 9, D4), so
 * the demo is an operator too: its definitions below are loaded into the
 * action catalog exactly as a resolve.playbook_file would be (same text,
 * same loader). Nothing goes through the API's path, which can only name
 * these actions. */
static const char demo_playbooks[] =
    "{\n"
    "  \"actions\": {\n"
    "    \"log_check\": {\"type\": \"command\", \"argv\": [\"true\"],\n"
    "                  \"description\": \"Check application logs (demo: always passes)\"},\n"
    "    \"service_restart\": {\"type\": \"command\", \"argv\": [\"sh\", \"-c\", \"sleep 1\"],\n"
    "                        \"timeout_ms\": 5000,\n"
    "                        \"description\": \"Restart application service (demo: waits 1 s)\"}\n"
    "  },\n"
    "  \"application\": [\n"
    "    {\"type\": \"action\", \"action\": \"log_check\"},\n"
    "    {\"type\": \"action\", \"action\": \"service_restart\"},\n"
    "    {\"type\": \"ack_alerts\", \"action\": \"ack_alerts\"}\n"
    "  ]\n"
    "}\n";

const char *seed_demo_playbooks(void) { return demo_playbooks; }

static int seed_demo_incidents(Store *st, int64_t now, char *err, size_t errsz)
{
    if (actions_load(demo_playbooks, "demo", err, errsz) < 0)
        return -EINVAL;
    if (incident_audit_repo_add(st, INCIDENT_AUDIT_SYSTEM, "config_updated", "demo", NULL,
                                "{\"message\":\"The demo's playbook file is loaded at every "
                                "start on this database\",\"demo\":true,\"changes\":{"
                                "\"playbook_file\":{\"old\":null,\"new\":{\"actions\":"
                                "[\"log_check\",\"service_restart\"],\"categories\":"
                                "[\"application\"]}}}}",
                                1, NULL, now, NULL) < 0) {
        snprintf(err, errsz, "cannot record the demo playbook");
        return -EIO;
    }
    static const struct {
        const char *id, *title, *category, *priority, *service;
        double      confidence;
    } incs[] = {
        {"INC-DEMO-1", "Order Service error rate above 5%", "application", "high",
         "Order Service", 0.96},
        {"INC-DEMO-2", "Customer Portal logins slow for EU users", "user_access", "medium",
         "Customer Portal", 0.72},
        {"INC-DEMO-3", "Payments API pods restarting", "application", "critical",
         "Payments API", 0.93},
    };
    for (size_t i = 0; i < sizeof incs / sizeof incs[0]; i++) {
        int64_t sid = service_repo_find_by_name(st, incs[i].service);
        IncidentInput in = {
            .incident_id = incs[i].id, .title = incs[i].title, .description = "demo incident",
            .category = incs[i].category, .priority = incs[i].priority,
            .created_by = "demo", .confidence = incs[i].confidence,
            .service_id = sid > 0 ? sid : 0,
        };
        SubmitResult res;
        if (incidents_submit(st, &in, "demo", 0, now, &res, err, errsz) < 0)
            return -EIO;
    }
    return 0;
}

/* How long before the seed the demo services were "created": well before
 * every piece of demo history (at most a few days back). */
#define SEED_DEMO_AGE_S (90 * 86400)

int seed_demo(Store *st, int64_t now, char *err, size_t errsz)
{
    int n = (int)(sizeof demo / sizeof demo[0]);
    if (errsz)
        err[0] = '\0';
    if (store_begin(st) < 0)
        goto io;
    for (int i = 0; i < n; i++) {
        const DemoService *d = &demo[i];
        int64_t deps[3];
        int nd = 0;
        for (int k = 0; k < 3 && d->deps[k]; k++) {
            int64_t id = service_repo_find_by_name(st, d->deps[k]);
            if (id > 0)
                deps[nd++] = id;
        }
        ServiceInput in = {
            .name = d->name, .description = d->description, .has_bia = 1,
            .criticality = d->criticality, .impact = d->impact,
            .has_rto = 1, .rto = d->rto, .has_rpo = 1, .rpo = d->rpo,
            .signed_off = i % 3 != 2, .deps = deps, .ndeps = nd, .has_deps = 1,
            /* N6: the demo services come with days of history (downtimes,
             * metrics): they must have existed before it, or a downtime
             * from earlier today is refused as older than the service */
            .created_at = now - SEED_DEMO_AGE_S,
        };
        int64_t sid;
        if (services_create(st, &in, "demo", 0, now, &sid, err, errsz) < 0)
            goto fail;
        if (d->probe_kind) {
            if (services_set_probe(st, sid, d->probe_kind, d->probe_target, 2000, 0, 0, now,
                                   err, errsz) < 0)
                goto fail;
        } else if (d->heartbeat_age_s >= 0) {
            if (services_set_status(st, sid, STATUS_UP, SET_BY_USER, 0, NULL,
                                    now - d->heartbeat_age_s, err, errsz) < 0)
                goto fail;
        }
        if (d->past_downtime_min > 0) {
            /* a recent one (the Message Queue's) ends inside the engine's
             * 24-hour SLA window, so the demo shows a breach; older ones
             * only weigh on the risk score */
            int64_t start = now - (d->downtime_ago_h ? d->downtime_ago_h : 48) * 3600;
            if (downtime_repo_insert(st, sid, start, start + d->past_downtime_min * 60,
                                     "Unplanned outage (demo history)") < 0)
                goto io_rb;
        }
        for (int k = 0; k < d->integrations; k++) {
            static const char *const kinds[] = {"Slack", "PagerDuty", "Jira", "Datadog"};
            char cfg[128];
            snprintf(cfg, sizeof cfg, "{\"channel\": \"#ops-%d\"}", k);
            if (integration_repo_insert(st, sid, kinds[k % 4], cfg, "demo", now) < 0)
                goto io_rb;
        }
    }
    if (demo_metrics_seed(st, now, err, errsz) < 0 ||
        seed_demo_incidents(st, now, err, errsz) < 0)
        goto fail;
    if (store_commit(st) < 0)
        goto io;
    return 0;
io_rb:
fail:
    store_rollback(st);
    if (!*err)
        snprintf(err, errsz, "demo seed failed: %s", store_errmsg(st));
    return -EIO;
io:
    snprintf(err, errsz, "demo seed failed: %s", store_errmsg(st));
    return -EIO;
}

/* xorshift: deterministic and fast, good enough for fixtures */
static uint32_t rnd(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

int seed_services(Store *st, int n, int64_t now, char *err, size_t errsz)
{
    static const char *const crit[] = {"High", "Medium", "Low"};
    static const char *const impact[] = {"Severe", "High", "Moderate", "Low"};
    static const char *const status[] = {"Up", "Up", "Up", "Up", "Up", "Up", "Degraded", "Down"};
    uint32_t r = 2463534242u;
    if (n <= 0) {
        snprintf(err, errsz, "--services must be a positive number");
        return -EINVAL;
    }
    if (store_begin(st) < 0)
        goto io;
    int64_t base = service_repo_count(st);
    for (int i = 0; i < n; i++) {
        char name[64];
        snprintf(name, sizeof name, "svc-%06lld", (long long)(base + i + 1));
        int64_t id = service_repo_insert(st, name, "synthetic service", "seed");
        if (id < 0)
            goto io_rb;
        BiaFields b = {crit[rnd(&r) % 3], impact[rnd(&r) % 4], 1, 15 + (int)(rnd(&r) % 480),
                       1, 5 + (int)(rnd(&r) % 240), (int)(rnd(&r) % 2)};
        if (bia_repo_upsert(st, id, &b) < 0)
            goto io_rb;
        int nd = i > 0 ? (int)(rnd(&r) % 4) : 0;
        int64_t deps[3];
        for (int k = 0; k < nd; k++)
            deps[k] = id - 1 - (int64_t)(rnd(&r) % (uint32_t)(i < 50 ? i : 50));
        if (nd && deps_repo_set(st, id, deps, nd) < 0)
            goto io_rb;
        const char *s = status[rnd(&r) % 8];
        if (status_repo_set(st, id, s, now - (int64_t)(rnd(&r) % 240), 1) < 0)
            goto io_rb;
        if (rnd(&r) % 10 == 0) {
            int64_t start = now - (int64_t)(rnd(&r) % (6 * 86400));
            int64_t len = 60 * (int64_t)(5 + rnd(&r) % 300);
            if (downtime_repo_insert(st, id, start, strcmp(s, "Down") ? start + len : 0,
                                     "synthetic") < 0)
                goto io_rb;
        }
        int ni = (int)(rnd(&r) % 8) - 1;
        for (int k = 0; k < ni; k++)
            if (integration_repo_insert(st, id, "Slack", "{}", "seed", now) < 0)
                goto io_rb;
    }
    if (store_commit(st) < 0)
        goto io;
    return 0;
io_rb:
    store_rollback(st);
io:
    snprintf(err, errsz, "seed failed: %s", store_errmsg(st));
    return -EIO;
}

int seed_demo_session(Store *st, const char *username, int64_t now, int ttl_s, UserInfo *out,
                      char *jti, char *err, size_t errsz)
{
    UserRow u;
    int r = user_repo_by_name(st, username, &u);
    if (r != 1) {
        snprintf(err, errsz, r == 0 ? "no user %s: seed the demo first" : "demo token: %s",
                 r == 0 ? username : store_errmsg(st));
        return r == 0 ? -ENOENT : -EIO;
    }
    unsigned char raw[USERS_JTI_LEN / 2];
    if (sodium_init() < 0) {
        snprintf(err, errsz, "demo token: libsodium failed to start");
        return -EIO;
    }
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(jti, USERS_JTI_LEN + 1, raw, sizeof raw);
    if (session_repo_insert(st, jti, u.id, now + ttl_s) < 0) {
        snprintf(err, errsz, "demo token: %s", store_errmsg(st));
        return -EIO;
    }
    out->id = u.id;
    strlcpy_(out->username, u.username, sizeof out->username);
    strlcpy_(out->role, u.role, sizeof out->role);
    return 0;
}
