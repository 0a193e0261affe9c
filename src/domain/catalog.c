/* catalog — see catalog.h.
 *
 * Each write is: begin, check the service exists (404 first, as the seed
 * does), validate what needs the database (dependency ids), write, audit,
 * commit. Field validation that needs no database happens in the HTTP
 * handler or at the top of the function, before the transaction.
 */
#include "domain/catalog.h"
#include "domain/cycle.h"
#include "domain/notify.h"
#include "domain/services.h"
#include "store/audit_repo.h"
#include "store/downtime_repo.h"
#include "store/integration_repo.h"
#include "store/listing_repo.h"
#include "store/risk_repo.h"
#include "store/bia_repo.h"
#include "store/deps_repo.h"
#include "store/service_repo.h"
#include "store/status_repo.h"
#include "util.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/errors.h"
#define IO_ERROR DOMAIN_IO_ERROR
#define DAY_S    (24 * 3600)

static int fail_io(Store *st, char *err, size_t errsz)
{
    store_rollback(st);
    snprintf(err, errsz, IO_ERROR);
    return -EIO;
}

/* Begin and check the service exists; on failure nothing is open. */
static int begin_for(Store *st, int64_t id, char *name, size_t namesz, char *err, size_t errsz)
{
    if (store_begin(st) < 0) {
        snprintf(err, errsz, IO_ERROR);
        return -EIO;
    }
    char tmp[SERVICE_NAME_BUF];
    int r = service_repo_name(st, id, name ? name : tmp, name ? namesz : sizeof tmp);
    if (r < 0)
        return fail_io(st, err, errsz);
    if (r == 0) {
        store_rollback(st);
        snprintf(err, errsz, "Service not found");
        return -ENOENT;
    }
    return 0;
}

static int commit(Store *st, char *err, size_t errsz)
{
    if (store_commit(st) < 0) {
        snprintf(err, errsz, IO_ERROR);
        return -EIO;
    }
    return 0;
}

/* Merge the patch's BIA fields into the stored BIA (or a new one) and
 * write it; replace the dependency edges when given. Inside a txn. */
static int apply_bia(Store *st, int64_t sid, const ServicePatch *p, int create,
                     char *err, size_t errsz)
{
    const char *crit = NULL, *impact = NULL;
    if ((p->has_criticality && services_canon_criticality(p->criticality, &crit, err, errsz) < 0) ||
        (p->has_impact && services_canon_impact(p->impact, &impact, err, errsz) < 0))
        return -EINVAL;
    if (p->has_deps) {
        if (services_check_self_dep(sid, p->deps, p->ndeps, err, errsz) < 0)
            return -EINVAL;
        int ok = services_check_deps(st, p->deps, p->ndeps, err, errsz);
        if (ok < 0)
            return -EIO;
        if (ok == 0)
            return -EINVAL;
    }
    BiaRow cur = {0};
    int have = bia_repo_get(st, sid, &cur);
    if (have < 0)
        return -EIO;
    int touches = p->has_criticality || p->has_impact || p->has_rto || p->has_rpo ||
                  p->has_signed_off;
    if (have || create || touches) {
        BiaFields b = {
            .criticality = p->has_criticality ? crit
                           : cur.has_criticality ? cur.criticality : NULL,
            .impact = p->has_impact ? impact : cur.has_impact ? cur.impact : NULL,
            .has_rto = p->has_rto ? !p->rto_null : cur.has_rto,
            .rto = p->has_rto ? p->rto : cur.rto,
            .has_rpo = p->has_rpo ? !p->rpo_null : cur.has_rpo,
            .rpo = p->has_rpo ? p->rpo : cur.rpo,
            .signed_off = p->has_signed_off ? p->signed_off : cur.signed_off,
        };
        if ((have || create || touches) && bia_repo_upsert(st, sid, &b) < 0)
            return -EIO;
    }
    if (p->has_deps && deps_repo_set(st, sid, p->deps, p->ndeps) < 0)
        return -EIO;
    return 0;
}

/* catalog_service_update once the text is checked; new_name is trimmed
 * (NULL = keep the name). */
static int update_locked(Store *st, int64_t id, const ServicePatch *p, const char *new_name,
                         int64_t user_id, int64_t now, char *err, size_t errsz)
{
    char name[SERVICE_NAME_BUF];
    int r = begin_for(st, id, name, sizeof name, err, errsz);
    if (r < 0)
        return r;
    if (new_name) {
        int taken = services_name_taken(st, new_name, id, err, errsz);
        if (taken < 0)
            return fail_io(st, err, errsz);
        if (taken) {
            store_rollback(st);
            return -ENOTUNIQ;
        }
    }
    if ((p->has_name || p->has_description) &&
        (r = service_repo_update(st, id, new_name,
                                 p->has_description ? p->description : NULL)) < 0) {
        if (r != -EEXIST)
            return fail_io(st, err, errsz);
        store_rollback(st);          /* lost a race with another writer */
        snprintf(err, errsz, "A service named '%s' already exists", new_name);
        return -ENOTUNIQ;
    }
    if (p->has_description && !p->description &&
        service_repo_set_description(st, id, NULL) < 0)
        return fail_io(st, err, errsz);
    if (p->has_created_at) {
        int64_t first = 0;
        if (downtime_repo_first_start(st, id, &first) < 0)
            return fail_io(st, err, errsz);
        if (first && first < p->created_at) {
            store_rollback(st);
            char when[32];
            util_iso8601(first, when, sizeof when);
            snprintf(err, errsz, "Field 'created_at' cannot be after the service's first "
                     "downtime (%s)", when);
            return -EINVAL;
        }
        if (service_repo_set_created_at(st, id, p->created_at) < 0)
            return fail_io(st, err, errsz);
    }
    r = apply_bia(st, id, p, 0, err, errsz);
    if (r == -EINVAL) {
        store_rollback(st);
        return r;
    }
    if (r < 0 ||
        audit_repo_add(st, "Service Updated", "Service", id, user_id,
                       new_name ? new_name : name, now) < 0 ||
        cycle_rescore_one(st, id, now) < 0)          /* S3: the new BIA's risk, now */
        return fail_io(st, err, errsz);
    return commit(st, err, errsz);
}

int catalog_service_update(Store *st, int64_t id, const ServicePatch *p, int64_t user_id,
                           int64_t now, char *err, size_t errsz)
{
    if (p->has_name && (!p->name || !*p->name)) {
        snprintf(err, errsz, "Service name is required");
        return -EINVAL;
    }
    char *trimmed = p->has_name ? util_trim_dup(p->name) : NULL;
    int r = services_check_text(trimmed, p->has_description ? p->description : NULL, err, errsz);
    if (r == 0 && p->has_created_at)
        r = services_check_created(p->created_at, now, err, errsz);
    if (r == 0)
        r = update_locked(st, id, p, trimmed, user_id, now, err, errsz);
    free(trimmed);
    return r;
}

int catalog_service_delete(Store *st, int64_t id, int64_t user_id, int64_t now,
                           char *err, size_t errsz)
{
    char name[SERVICE_NAME_BUF];
    int r = begin_for(st, id, name, sizeof name, err, errsz);
    if (r < 0)
        return r;
    /* Foreign keys with ON DELETE CASCADE remove everything that belongs
     * to the service, including dependency edges in both directions. */
    if (audit_repo_add(st, "Service Deleted", "Service", id, user_id, name, now) < 0 ||
        service_repo_delete(st, id) < 0)
        return fail_io(st, err, errsz);
    return commit(st, err, errsz);
}

int catalog_bia_put(Store *st, int64_t service_id, const ServicePatch *p, int64_t user_id,
                    int64_t now, char *err, size_t errsz)
{
    int r = begin_for(st, service_id, NULL, 0, err, errsz);
    if (r < 0)
        return r;
    r = apply_bia(st, service_id, p, 1, err, errsz);
    if (r == -EINVAL) {
        store_rollback(st);
        return r;
    }
    if (r < 0 || audit_repo_add(st, "BIA Updated", "BIA", service_id, user_id, NULL, now) < 0 ||
        cycle_rescore_one(st, service_id, now) < 0)
        return fail_io(st, err, errsz);
    return commit(st, err, errsz);
}

int catalog_bia_delete(Store *st, int64_t service_id, int64_t user_id, int64_t now,
                       char *err, size_t errsz)
{
    int r = begin_for(st, service_id, NULL, 0, err, errsz);
    if (r < 0)
        return r;
    r = bia_repo_delete(st, service_id);
    if (r < 0)
        return fail_io(st, err, errsz);
    if (r == 0) {
        store_rollback(st);
        snprintf(err, errsz, "No BIA found for this service");
        return -ENOENT;
    }
    /* The seed's BIA owns the dependency list: unlink it, nothing more. */
    if (deps_repo_set(st, service_id, NULL, 0) < 0 ||
        audit_repo_add(st, "BIA Deleted", "BIA", service_id, user_id, NULL, now) < 0 ||
        cycle_rescore_one(st, service_id, now) < 0)
        return fail_io(st, err, errsz);
    return commit(st, err, errsz);
}

int catalog_downtime_log(Store *st, int64_t service_id, int64_t start, int64_t end,
                         const char *reason, int64_t user_id, int64_t now,
                         char *err, size_t errsz)
{
    char when[32];
    if (end && end < start) {
        snprintf(err, errsz, "End time cannot be before start time");
        return -EINVAL;
    }
    if (start > now + CATALOG_CLOCK_SKEW_S || end > now + CATALOG_CLOCK_SKEW_S) {
        util_iso8601(now, when, sizeof when);
        snprintf(err, errsz, "Field '%s' cannot be in the future (server time %s)",
                 end > now + CATALOG_CLOCK_SKEW_S ? "end_time" : "start_time", when);
        return -EINVAL;
    }
    if (util_text_check("reason", reason, CATALOG_REASON_MAX, UTIL_TEXT_LINE, err, errsz) < 0)
        return -EINVAL;
    int r = begin_for(st, service_id, NULL, 0, err, errsz);
    if (r < 0)
        return r;
    int64_t created = 0;
    if (service_repo_created_at(st, service_id, &created) < 0)
        return fail_io(st, err, errsz);
    /* A downtime lies within the service's life, so it never lasts
     * longer than the service has existed (a service from before 0006
     * with no known creation time: no bound; created_at can be set). */
    if (created > 0 && start < created - CATALOG_CLOCK_SKEW_S) {
        store_rollback(st);
        util_iso8601(created, when, sizeof when);
        snprintf(err, errsz, "Field 'start_time' cannot be before the service existed (created "
                 "%s; set the service's created_at to log older downtimes)", when);
        return -EINVAL;
    }
    if (downtime_repo_insert(st, service_id, start, end,
                                    reason ? reason : "Not specified") < 0 ||
        audit_repo_add(st, "Downtime Logged", "Downtime", service_id, user_id, NULL, now) < 0)
        return fail_io(st, err, errsz);
    return commit(st, err, errsz);
}

/* The seed's Slack notice for a new integration, as an outbox row. */
static int queue_slack_notice(Store *st, int64_t integration_id, const char *service_name,
                              const char *config_json, int64_t now)
{
    cJSON *cfg = cJSON_Parse(config_json);
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(cfg, "webhook_url");
    const cJSON *chan = cJSON_GetObjectItemCaseSensitive(cfg, "channel");
    int r = 0;
    if (cJSON_IsString(url) && *url->valuestring) {
        char *text = xasprintf("\xf0\x9f\x94\xa7 *New Slack integration added!*\n"
                               "Service: *%s*\nChannel: `#%s`", service_name,
                               cJSON_IsString(chan) ? chan->valuestring : "unknown");
        cJSON *msg = cJSON_CreateObject();
        cJSON_AddStringToObject(msg, "text", text);
        char *payload = cJSON_PrintUnformatted(msg);
        char key[64];
        snprintf(key, sizeof key, "integration-added-%lld", (long long)integration_id);
        r = notify_enqueue(st, "slack", url->valuestring, payload, key, now) < 0 ? -EIO : 0;
        free(payload);
        cJSON_Delete(msg);
        free(text);
    }
    cJSON_Delete(cfg);
    return r;
}

/* A Slack integration's webhook_url is the one URL a user gives the
 * server; the notifier posts to it (the "added" notice, then alerts). It
 * must start with one of the operator's prefixes (S1); the notifier checks
 * again before each delivery, so narrowing the list later stops old ones. */
static int check_slack_url(const char *config_json, char *err, size_t errsz)
{
    cJSON *cfg = cJSON_Parse(config_json);
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(cfg, "webhook_url");
    int r = 0;
    if (url && !cJSON_IsNull(url) && !cJSON_IsString(url)) {
        snprintf(err, errsz, "Field 'config.webhook_url' must be a string");
        r = -EINVAL;
    } else if (cJSON_IsString(url) && *url->valuestring &&
               !notify_slack_url_allowed(url->valuestring)) {
        char allowed[512];
        notify_slack_prefixes(allowed, sizeof allowed);
        if (*allowed)
            snprintf(err, errsz, "Field 'config.webhook_url' must start with one of the "
                     "allowed prefixes: %s (setting notify.slack_webhook_prefixes)", allowed);
        else
            snprintf(err, errsz, "Field 'config.webhook_url' is refused: no Slack webhook URL "
                     "is allowed (setting notify.slack_webhook_prefixes is empty)");
        util_utf8_cut(err);
        r = -EINVAL;
    }
    cJSON_Delete(cfg);
    return r;
}

int catalog_integration_add(Store *st, int64_t service_id, const char *type,
                            const char *config_json, const char *created_by, int64_t user_id,
                            int64_t now, int64_t *out_id, char *err, size_t errsz)
{
    if (!type || !*type || !config_json) {
        snprintf(err, errsz, "Service ID, type, and config are required");
        return -EINVAL;
    }
    if (util_text_check("type", type, CATALOG_TYPE_MAX,
                        UTIL_TEXT_LINE | UTIL_TEXT_NONBLANK | UTIL_TEXT_VISIBLE,
                        err, errsz) < 0)
        return -EINVAL;
    /* strings inside the config come back verbatim from GET: same rules */
    if (!util_utf8_valid(config_json, strlen(config_json))) {
        snprintf(err, errsz, "Field 'config' must be valid UTF-8");
        return -EINVAL;
    }
    if (util_utf8_len(config_json) > CATALOG_CONFIG_MAX) {
        snprintf(err, errsz, "Field 'config' must be at most %d characters as JSON",
                 CATALOG_CONFIG_MAX);
        return -EINVAL;
    }
    if (util_strcaseeq(type, "slack") && check_slack_url(config_json, err, errsz) < 0)
        return -EINVAL;
    char name[SERVICE_NAME_BUF];
    int r = begin_for(st, service_id, name, sizeof name, err, errsz);
    if (r < 0)
        return r;
    int64_t id = integration_repo_insert(st, service_id, type, config_json, created_by, now);
    if (id < 0)
        return fail_io(st, err, errsz);
    if (util_strcaseeq(type, "slack") && queue_slack_notice(st, id, name, config_json, now) < 0)
        return fail_io(st, err, errsz);
    if (audit_repo_add(st, "Integration Added", "Integration", service_id, user_id, type, now) < 0 ||
        cycle_rescore_one(st, service_id, now) < 0)  /* the count is a risk input */
        return fail_io(st, err, errsz);
    r = commit(st, err, errsz);
    if (r == 0 && out_id)
        *out_id = id;
    return r;
}

int catalog_risk_save(Store *st, int64_t service_id, const char *created_by, int64_t user_id,
                      int64_t now, RiskResult *out, char *err, size_t errsz)
{
    int r = begin_for(st, service_id, NULL, 0, err, errsz);
    if (r < 0)
        return r;
    RiskResult rr;
    r = cycle_risk_one(st, service_id, now, &rr);
    if (r <= 0)
        return fail_io(st, err, errsz);
    const char *level = risk_level_name(rr.level);
    if (risk_repo_add_history(st, service_id, rr.score, level, rr.is_critical, rr.reason,
                              "automated", created_by, now) < 0 ||
        risk_repo_set_current(st, service_id, rr.score, level, rr.is_critical, rr.reason,
                              now) < 0 ||
        audit_repo_add(st, "Automated Risk Score Saved", "Risk", service_id, user_id, NULL,
                       now) < 0)
        return fail_io(st, err, errsz);
    r = commit(st, err, errsz);
    if (r == 0)
        *out = rr;
    return r;
}

int catalog_risk_manual(Store *st, int64_t service_id, int score, const char *level,
                        const char *reason, int is_critical, int update,
                        const char *created_by, int64_t user_id, int64_t now,
                        char *err, size_t errsz)
{
    RiskLevel lv;
    if (score < 0 || score > 100) {
        snprintf(err, errsz, "Risk score must be an integer between 0 and 100");
        return -EINVAL;
    }
    if (risk_level_parse(level, &lv) < 0) {
        snprintf(err, errsz, "Risk level must be Low, Medium, or High");
        return -EINVAL;
    }
    /* the level is a function of the score (seed 000 §3.2's thresholds) */
    RiskLevel want = risk_level_of(score);
    if (lv != want) {
        snprintf(err, errsz, "Field 'risk_level' must be %s for a risk score of %d (High from "
                 "80, Medium from 50, else Low)", risk_level_name(want), score);
        return -EINVAL;
    }
    if (util_text_check("reason", reason, CATALOG_RISK_REASON_MAX, 0, err, errsz) < 0)
        return -EINVAL;
    int r = begin_for(st, service_id, NULL, 0, err, errsz);
    if (r < 0)
        return r;
    if (risk_repo_add_history(st, service_id, score, risk_level_name(lv), is_critical,
                              reason ? reason : "", "manual", created_by, now) < 0 ||
        audit_repo_add(st, update ? "Manual Risk Score Updated" : "Manual Risk Score Added",
                       "Risk", service_id, user_id, NULL, now) < 0)
        return fail_io(st, err, errsz);
    return commit(st, err, errsz);
}

/* ---- health ---- */

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

int catalog_health(Store *st, int64_t service_id, int64_t now, HealthInfo *out,
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
    out->uptime_percentage = catalog_uptime_pct(sl.v, sl.n, now, 30 * DAY_S);
    free(sl.v);
    if (cycle_risk_one(st, service_id, now, &out->risk) <= 0)
        goto io;
    strlcpy_(out->reason, out->risk.reason, sizeof out->reason);
    out->overall_health = catalog_overall_health(out->status, out->risk.level, out->reason,
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

const char *catalog_overall_health(const char *status, RiskLevel level, char *reason,
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

void catalog_format_duration(int64_t seconds, char *buf, size_t size)
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

double catalog_uptime_pct(TimeSpan *spans, int n, int64_t now, int64_t window_s)
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
