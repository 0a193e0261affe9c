/* secnorm_sources — the JSON sources: Prometheus Alertmanager (one alert
 * of a version 4 webhook), Wazuh/OSSEC alerts, generic JSON through the
 * configured mapping, and seed 003's own raw payload. Each fills a
 * SecNorm (secnorm_priv.h); the tables below are the documentation of
 * what comes from where (README "Ingesting security alerts" repeats them).
 */
#include "domain/secnorm.h"
#include "domain/secnorm_priv.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* A field copied into metadata when present. */
static void meta_copy(SecNorm *n, const char *name, const cJSON *v)
{
    if (v && !cJSON_IsNull(v))
        cJSON_AddItemToObject(n->metadata, name, cJSON_Duplicate(v, 1));
}

/* ---- Prometheus Alertmanager (webhook version 4, one alert) ----------- */

int sec_norm_alertmanager(SecNorm *n, const cJSON *a)
{
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(a, "labels");
    const cJSON *ann = cJSON_GetObjectItemCaseSensitive(a, "annotations");
    if (!cJSON_IsObject(labels))
        return -EINVAL;
    const char *sev = sec_json_str(labels, "severity");
    if (sev) {
        n->severity_id = secnorm_severity_id(sev);
        sec_norm_map(n, "severity", sev, "labels.severity");
    }
    const char *summary = sec_json_str(ann, "summary");
    const char *alertname = sec_json_str(labels, "alertname");
    if (summary) {
        sec_norm_set_title(n, summary, strlen(summary));
        sec_norm_map(n, "title", summary, "annotations.summary");
    } else if (alertname) {
        sec_norm_set_title(n, alertname, strlen(alertname));
        sec_norm_map(n, "title", alertname, "labels.alertname");
    }
    const char *desc = sec_json_str(ann, "description");
    const char *desc_from = "annotations.description";
    if (!desc) {
        desc = sec_json_str(ann, "message");
        desc_from = "annotations.message";
    }
    if (desc) {
        sec_norm_set_description(n, desc);
        sec_norm_map(n, "description", desc, desc_from);
    }
    const char *starts = sec_json_str(a, "startsAt");
    if (sec_norm_set_time(n, starts) == 0)
        sec_norm_map(n, "timestamp", starts, "startsAt");
    const char *instance = sec_json_str(labels, "instance");
    if (instance) {
        sec_obs_add_host(&n->obs, instance);
        sec_norm_map(n, "host", instance, "labels.instance");
    }
    sec_obs_scan_json(&n->obs, labels);
    if (cJSON_IsObject(ann))
        sec_obs_scan_json(&n->obs, ann);

    static const char *const meta[] = {"status", "fingerprint", "startsAt", "endsAt",
                                       "generatorURL"};
    meta_copy(n, "alertname", cJSON_GetObjectItemCaseSensitive(labels, "alertname"));
    for (size_t i = 0; i < sizeof meta / sizeof meta[0]; i++)
        meta_copy(n, meta[i], cJSON_GetObjectItemCaseSensitive(a, meta[i]));
    meta_copy(n, "labels", labels);
    cJSON_AddStringToObject(n->metadata, "sensor", "alertmanager");
    return 0;
}

/* ---- Wazuh / OSSEC ------------------------------------------------------ */

/* rule.level 0..15 (Wazuh's rules classification) as OCSF severity_id,
 * following the Wazuh dashboard's buckets (low 0-6, medium 7-11, high
 * 12-14, critical 15) with its lowest levels as Informational:
 *   0-2  Informational (1)   ignored, low-priority system notifications
 *   3-6  Low (2)             successful events, low-priority errors, low-relevance attacks
 *   7-11 Medium (3)          "bad word" matches, first-time-seen, errors from invalid sources,
 *                            multiple user errors, integrity-checking warnings
 *   12-14 High (4)           high-importance events and errors, security events
 *   15   Critical (5)        severe attack */
int secnorm_wazuh_level_id(int level)
{
    if (level < 0 || level > 15)     /* not a Wazuh level */
        return 0;
    if (level <= 2)
        return 1;
    if (level <= 6)
        return 2;
    if (level <= 11)
        return 3;
    if (level <= 14)
        return 4;
    return 5;
}

int secnorm_wazuh_level(const cJSON *v, int *level, char *why, size_t whysz)
{
    if (!v)
        return 0;
    int ok = 0, lv = -1;
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        ok = d >= 0 && d <= 15 && d == floor(d);
        lv = ok ? (int)d : -1;
    } else if (cJSON_IsString(v)) {
        const char *s = v->valuestring;
        size_t len = strlen(s);
        ok = len >= 1 && len <= 2 && strspn(s, "0123456789") == len;
        lv = ok ? atoi(s) : -1;
        ok = ok && lv <= 15;
    }
    if (ok) {
        *level = lv;
        return 1;
    }
    char *text = cJSON_PrintUnformatted(v);
    char shown[40];
    snprintf(shown, sizeof shown, "%s", text ? text : "?");
    if (text && strlen(text) >= sizeof shown)
        strcpy(shown + sizeof shown - 4, "...");
    free(text);
    snprintf(why, whysz, "an integer from 0 to 15, not %s", shown);
    return -EINVAL;
}

int sec_norm_wazuh(SecNorm *n, const cJSON *a)
{
    const cJSON *rule = cJSON_GetObjectItemCaseSensitive(a, "rule");
    const cJSON *level = cJSON_GetObjectItemCaseSensitive(rule, "level");
    if (!cJSON_IsObject(rule))
        return -EINVAL;
    char buf[96];
    int lv;
    int lr = secnorm_wazuh_level(level, &lv, buf, sizeof buf);
    if (lr > 0) {
        n->severity_id = secnorm_wazuh_level_id(lv);
        snprintf(buf, sizeof buf, "%d", lv);
        sec_norm_map(n, "severity", buf, "rule.level");
    } else if (lr < 0) {
        /* not a Wazuh level: Unknown, never a guess (99 is not "critical") */
        n->severity_id = 0;
        char reason[160];
        snprintf(reason, sizeof reason, "rule.level must be %s", buf);
        cJSON_AddStringToObject(n->metadata, "severity_reason", reason);
    }
    const char *title = sec_json_str(rule, "description");
    if (title) {
        sec_norm_set_title(n, title, strlen(title));
        sec_norm_map(n, "title", title, "rule.description");
    }
    const char *full = sec_json_str(a, "full_log");
    if (full) {
        sec_norm_set_description(n, full);
        sec_norm_map(n, "description", full, "full_log");
    }
    const char *ts = sec_json_str(a, "timestamp");
    if (sec_norm_set_time(n, ts) == 0)
        sec_norm_map(n, "timestamp", ts, "timestamp");

    const cJSON *agent = cJSON_GetObjectItemCaseSensitive(a, "agent");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(a, "data");
    static const struct {
        const char *obj, *key, *field;
    } explicit_obs[] = {
        {"agent", "name", "host"},  {"agent", "ip", "ip"},       {"data", "srcip", "ip"},
        {"data", "dstip", "ip"},    {"data", "srcuser", "user"}, {"data", "dstuser", "user"},
    };
    for (size_t i = 0; i < sizeof explicit_obs / sizeof explicit_obs[0]; i++) {
        const char *v = sec_json_str(explicit_obs[i].obj[0] == 'a' ? agent : data,
                                     explicit_obs[i].key);
        if (!v || !*v)
            continue;
        char from[32];
        snprintf(from, sizeof from, "%s.%s", explicit_obs[i].obj, explicit_obs[i].key);
        sec_norm_map(n, explicit_obs[i].field, v, from);
        if (strcmp(explicit_obs[i].field, "user") == 0)
            sec_obs_add(&n->obs, "user", v, strlen(v));
        else
            sec_obs_add_host(&n->obs, v);
    }
    sec_obs_scan_json(&n->obs, a);

    meta_copy(n, "rule_id", cJSON_GetObjectItemCaseSensitive(rule, "id"));
    meta_copy(n, "rule_level", level);
    meta_copy(n, "groups", cJSON_GetObjectItemCaseSensitive(rule, "groups"));
    meta_copy(n, "mitre", cJSON_GetObjectItemCaseSensitive(rule, "mitre"));
    meta_copy(n, "agent", agent);
    meta_copy(n, "location", cJSON_GetObjectItemCaseSensitive(a, "location"));
    meta_copy(n, "decoder", sec_json_path(a, "decoder.name"));
    meta_copy(n, "alert_id", cJSON_GetObjectItemCaseSensitive(a, "id"));
    cJSON_AddStringToObject(n->metadata, "sensor", "wazuh");
    return 0;
}

/* ---- generic JSON through the mapping ---------------------------------- */

/* Where each normalized field is looked for when security.map.<field> is
 * not set: the first path present wins. Falco's JSON output (rule,
 * output, priority, time, output_fields) is among them, so a Falco alert
 * needs no mapping: its priority words are severity words (Emergency,
 * Alert, Critical 5; Error 4; Warning 3; Notice 2; Informational, Debug 1). */
static const struct {
    const char *field;
    size_t      off;    /* in SecnormMapping */
    const char *defaults[8];
} generic_fields[] = {
    {"severity", offsetof(SecnormMapping, severity),
     {"severity", "level", "priority", "event.severity", NULL}},
    {"timestamp", offsetof(SecnormMapping, timestamp),
     {"timestamp", "@timestamp", "time", "event.created", NULL}},
    {"title", offsetof(SecnormMapping, title), {"title", "summary", "message", "msg", "name", "rule", NULL}},
    {"description", offsetof(SecnormMapping, description),
     {"description", "message", "msg", "output", NULL}},
    {"host", offsetof(SecnormMapping, host), {"host", "hostname", "host.name", NULL}},
    {"user", offsetof(SecnormMapping, user), {"user", "username", "user.name", "output_fields.user.name", NULL}},
    {"ip", offsetof(SecnormMapping, ip), {"ip", "src_ip", "srcip", "source.ip", "client_ip", NULL}},
};

/* The value at path as text into buf (strings as they are, numbers in C
 * locale, booleans), or NULL. */
static const char *value_text(const cJSON *v, char *buf, size_t size)
{
    if (cJSON_IsString(v))
        return v->valuestring;
    if (cJSON_IsNumber(v)) {
        if (v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) < 1e15)
            snprintf(buf, size, "%lld", (long long)v->valuedouble);
        else
            util_format_c(buf, size, "%.17g", v->valuedouble);
        return buf;
    }
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v) ? "true" : "false";
    return NULL;
}

static void generic_apply(SecNorm *n, const char *field, const cJSON *v, const char *text)
{
    if (strcmp(field, "severity") == 0) {
        n->severity_id = cJSON_IsNumber(v) ? (v->valuedouble >= 0 && v->valuedouble <= 6
                                              ? (int)v->valuedouble : 0)
                                           : secnorm_severity_id(text);
    } else if (strcmp(field, "timestamp") == 0) {
        if (cJSON_IsNumber(v) && v->valuedouble > 0) { /* epoch s, or ms when that large */
            double t = v->valuedouble > 1e12 ? v->valuedouble / 1000 : v->valuedouble;
            if (t <= SECNORM_TS_MAX)                   /* (int64_t)1e300 is undefined */
                n->ts = (int64_t)t;
        } else {
            sec_norm_set_time(n, text);
        }
    } else if (strcmp(field, "title") == 0) {
        sec_norm_set_title(n, text, strlen(text));
    } else if (strcmp(field, "description") == 0) {
        sec_norm_set_description(n, text);
    } else if (strcmp(field, "user") == 0) {
        sec_obs_add(&n->obs, "user", text, strlen(text));
    } else {                                       /* host, ip */
        sec_obs_add_host(&n->obs, text);
    }
}

/* Falco (json_output: {"output", "priority", "rule", "time",
 * "output_fields": {"fd.sip": ..., "user.name": ...}, "source", "tags",
 * "hostname"}): its output fields as observables (the table above took
 * user.name already) and its own members as metadata. 1 when o is one. */
static int falco_extra(SecNorm *n, const cJSON *o)
{
    if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "rule")) ||
        !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "output")) ||
        !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "priority")))
        return 0;
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, "output_fields");
    static const struct {
        const char *key, *field;
    } fields[] = {
        {"fd.sip", "ip"},   {"fd.cip", "ip"},         {"fd.rip", "ip"},
        {"fd.lip", "ip"},   {"user.name", "user"},    {"user.loginname", "user"},
        {"container.id", "host"},
    };
    for (size_t i = 0; cJSON_IsObject(f) && i < sizeof fields / sizeof fields[0]; i++) {
        const char *v = sec_json_str(f, fields[i].key);
        /* container.id is "host" for an event outside any container */
        if (!v || !*v || (strcmp(fields[i].key, "container.id") == 0 && strcmp(v, "host") == 0))
            continue;
        char from[48];
        snprintf(from, sizeof from, "output_fields.%s", fields[i].key);
        if (strcmp(fields[i].field, "user") == 0) {
            sec_obs_add(&n->obs, "user", v, strlen(v));
        } else {
            sec_obs_add_host(&n->obs, v);
        }
        if (strcmp(fields[i].key, "user.name") != 0)    /* mapped by the table */
            sec_norm_map(n, fields[i].field, v, from);
    }
    static const char *const meta[] = {"rule", "priority", "source", "tags", "hostname"};
    for (size_t i = 0; i < sizeof meta / sizeof meta[0]; i++)
        meta_copy(n, meta[i], cJSON_GetObjectItemCaseSensitive(o, meta[i]));
    meta_copy(n, "output_fields", f);
    return 1;
}

int sec_norm_generic(SecNorm *n, const cJSON *o)
{
    const SecnormMapping *m = secnorm_mapping();
    int configured = 0;
    for (size_t i = 0; i < sizeof generic_fields / sizeof generic_fields[0]; i++) {
        const char *path = *(const char *const *)((const char *)m + generic_fields[i].off);
        const cJSON *v = NULL;
        if (path) {
            configured++;
            v = sec_json_path(o, path);
        } else {
            for (int k = 0; !v && generic_fields[i].defaults[k]; k++) {
                v = sec_json_path(o, generic_fields[i].defaults[k]);
                path = generic_fields[i].defaults[k];
                if (v && !cJSON_IsString(v) && !cJSON_IsNumber(v) && !cJSON_IsBool(v))
                    v = NULL;       /* an object at "host": try "host.name" */
            }
        }
        char buf[64];
        const char *text = v ? value_text(v, buf, sizeof buf) : NULL;
        if (!text || !*text)
            continue;
        generic_apply(n, generic_fields[i].field, v, text);
        sec_norm_map(n, generic_fields[i].field, text, path);
    }
    int falco = falco_extra(n, o);
    sec_obs_scan_json(&n->obs, o);
    cJSON_AddStringToObject(n->metadata, "mapping", configured ? "configured" : "default");
    cJSON_AddStringToObject(n->metadata, "sensor", falco ? "falco" : "generic");
    return 0;
}

/* ---- seed 003's raw payload --------------------------------------------- */

/* {"message", "source", "timestamp", "severity"?, "details": {"user",
 * "ip", "port", ...}} (seed 003 "Ingestion - POST /ingestion/raw"). */
int sec_norm_raw(SecNorm *n, const cJSON *o)
{
    const char *msg = sec_json_str(o, "message");
    if (msg) {
        sec_norm_set_title(n, msg, strlen(msg));
        sec_norm_set_description(n, msg);
        sec_norm_map(n, "title", msg, "message");
    }
    const char *desc = sec_json_str(o, "description");
    if (desc) {
        sec_norm_set_description(n, desc);
        sec_norm_map(n, "description", desc, "description");
    }
    const char *sev = sec_json_str(o, "severity");
    if (sev) {
        n->severity_id = secnorm_severity_id(sev);
        sec_norm_map(n, "severity", sev, "severity");
    }
    const char *ts = sec_json_str(o, "timestamp");
    if (sec_norm_set_time(n, ts) == 0)
        sec_norm_map(n, "timestamp", ts, "timestamp");
    const cJSON *details = cJSON_GetObjectItemCaseSensitive(o, "details");
    const char *host = sec_json_str(details, "host");
    const char *ip = sec_json_str(details, "ip");
    const char *user = sec_json_str(details, "user");
    if (host) {
        sec_obs_add_host(&n->obs, host);
        sec_norm_map(n, "host", host, "details.host");
    }
    if (ip) {
        sec_obs_add_host(&n->obs, ip);
        sec_norm_map(n, "ip", ip, "details.ip");
    }
    if (user) {
        sec_obs_add(&n->obs, "user", user, strlen(user));
        sec_norm_map(n, "user", user, "details.user");
    }
    sec_obs_scan_json(&n->obs, o);
    meta_copy(n, "source", cJSON_GetObjectItemCaseSensitive(o, "source"));
    meta_copy(n, "details", details);
    return 0;
}
