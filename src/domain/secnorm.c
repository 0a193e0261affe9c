/* secnorm — see secnorm.h.
 *
 * DESIGN: every source fills one SecNorm (secnorm_priv.h): the fields it
 * knows, a mapping entry for each ({"field", "value", "from": path}),
 * metadata, and observables (explicit fields first, then a scan of the
 * payload's strings). sec_norm_finish() turns it into the seed's
 * Normalized object, so every source has the same shape and the same
 * defaults: severity Unknown (0), the timestamp received_at, the title
 * "(no title)". The per-source parts are secnorm_sources.c (Alertmanager,
 * Wazuh, generic mapping, the seed's raw payload) and secnorm_syslog.c.
 */
#include "domain/secnorm.h"
#include "domain/secnorm_priv.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- severity ---------------------------------------------------------- */

static const struct {
    const char *word;
    int         id;
} severity_words[] = {
    {"unknown", 0},       {"info", 1},          {"informational", 1}, {"information", 1},
    {"debug", 1},         {"none", 1},          {"low", 2},           {"minor", 2},
    {"notice", 2},        {"medium", 3},        {"warning", 3},       {"warn", 3},
    {"moderate", 3},      {"high", 4},          {"error", 4},         {"err", 4},
    {"major", 4},         {"critical", 5},      {"crit", 5},          {"alert", 5},
    {"emergency", 5},     {"emerg", 5},         {"fatal", 6},
};

static const char *const id_words[] = {"unknown", "info", "low", "medium", "high", "critical",
                                       "fatal"};

int secnorm_severity_id(const char *severity)
{
    if (!severity)
        return 0;
    if (severity[0] >= '0' && severity[0] <= '6' && !severity[1])
        return severity[0] - '0';
    for (size_t i = 0; i < sizeof severity_words / sizeof severity_words[0]; i++)
        if (strcasecmp(severity, severity_words[i].word) == 0)
            return severity_words[i].id;
    return 0;
}

const char *secnorm_severity_word(int id)
{
    return id >= 0 && id <= 6 ? id_words[id] : "unknown";
}

/* ---- the generic mapping ----------------------------------------------- */

static SecnormMapping mapping;   /* set once by main before threads start */

static const char *keep(const char *s)
{
    return s && *s ? xstrdup(s) : NULL;
}

void secnorm_set_mapping(const SecnormMapping *m)
{
    SecnormMapping n = {
        .severity = keep(m->severity), .timestamp = keep(m->timestamp), .title = keep(m->title),
        .description = keep(m->description), .host = keep(m->host), .user = keep(m->user),
        .ip = keep(m->ip),
    };
    const char *old[] = {mapping.severity, mapping.timestamp, mapping.title,
                         mapping.description, mapping.host, mapping.user, mapping.ip};
    mapping = n;    /* before any thread reads it (main), or in a test */
    for (size_t i = 0; i < sizeof old / sizeof old[0]; i++)
        free((char *)old[i]);
}

const SecnormMapping *secnorm_mapping(void)
{
    return &mapping;
}

/* ---- JSON helpers ------------------------------------------------------- */

const cJSON *sec_json_path(const cJSON *v, const char *path)
{
    char seg[128];
    const char *p = path;
    while (v && p && *p) {
        const cJSON *whole = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, p) : NULL;
        if (whole)                   /* a key with dots in it ("user.name") */
            return whole;
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n == 0 || n >= sizeof seg)
            return NULL;
        memcpy(seg, p, n);
        seg[n] = '\0';
        if (cJSON_IsArray(v)) {
            char *end;
            long i = strtol(seg, &end, 10);
            v = *end || i < 0 ? NULL : cJSON_GetArrayItem(v, (int)i);
        } else {
            v = cJSON_GetObjectItemCaseSensitive(v, seg);
        }
        p = dot ? dot + 1 : NULL;
    }
    return v;
}

cJSON *sec_json_parse(const char *raw, size_t len)
{
    const char *end = NULL;
    cJSON *o = cJSON_ParseWithLengthOpts(raw, len, &end, 0);
    while (o && end < raw + len && strchr(" \t\r\n", *end) && *end)
        end++;
    if (o && end != raw + len) {          /* "1.2.3.4" is not the number 1.2 */
        cJSON_Delete(o);
        o = NULL;
    }
    return o;
}

const char *sec_json_str(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* ---- the Normalized object --------------------------------------------- */

void sec_norm_init(SecNorm *n)
{
    memset(n, 0, sizeof *n);
    n->mappings = cJSON_CreateArray();
    n->metadata = cJSON_CreateObject();
    n->severity_id = -1;
    sec_obs_init(&n->obs);
}

void sec_norm_done(SecNorm *n)
{
    cJSON_Delete(n->mappings);
    cJSON_Delete(n->metadata);
    cJSON_Delete(n->obs.arr);
    free(n->title);
    free(n->description);
    memset(n, 0, sizeof *n);
}

void sec_norm_map(SecNorm *n, const char *field, const char *value, const char *from)
{
    if (!value)
        return;
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "field", field);
    cJSON_AddStringToObject(m, "value", value);
    if (from)
        cJSON_AddStringToObject(m, "from", from);
    cJSON_AddItemToArray(n->mappings, m);
}

void sec_norm_set_title(SecNorm *n, const char *s, size_t len)
{
    if (!s)
        return;
    const char *nl = memchr(s, '\n', len);
    if (nl)
        len = (size_t)(nl - s);
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\r'))
        len--;
    if (!len)
        return;
    int cut = len > SECNORM_TITLE_MAX;
    if (cut)
        len = SECNORM_TITLE_MAX;
    char *t = xmalloc(len + 4);
    memcpy(t, s, len);
    t[len] = '\0';
    if (cut) {
        util_utf8_cut(t);         /* never half a character */
        strcat(t, "...");
    }
    free(n->title);
    n->title = t;
}

void sec_norm_set_description(SecNorm *n, const char *s)
{
    if (!s || !*s)
        return;
    free(n->description);
    n->description = xstrdup(s);
}

int sec_norm_set_time(SecNorm *n, const char *s)
{
    int64_t t;
    if (!s || util_parse_iso8601(s, &t) < 0 || t <= 0 || t > SECNORM_TS_MAX)
        return -EINVAL;
    n->ts = t;
    return 0;
}

cJSON *sec_norm_finish(SecNorm *n, const char *source, cJSON *raw, long long received_at)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *orig = cJSON_AddObjectToObject(root, "original");
    cJSON_AddStringToObject(orig, "source", source);
    cJSON_AddItemToObject(orig, "raw", raw ? raw : cJSON_CreateNull());
    cJSON_AddItemToObject(root, "mappings", n->mappings);
    n->mappings = NULL;

    cJSON *nz = cJSON_AddObjectToObject(root, "normalized");
    int id = n->severity_id < 0 ? 0 : n->severity_id;
    cJSON_AddStringToObject(nz, "severity", secnorm_severity_word(id));
    cJSON_AddNumberToObject(nz, "severity_id", id);
    char ts[32];
    util_iso8601(n->ts > 0 && n->ts <= SECNORM_TS_MAX ? n->ts : (int64_t)received_at, ts,
                 sizeof ts - 1);
    strcat(ts, "Z");
    cJSON_AddStringToObject(nz, "timestamp", ts);
    cJSON_AddStringToObject(nz, "title", n->title ? n->title : "(no title)");
    cJSON_AddStringToObject(nz, "description",
                            n->description ? n->description : n->title ? n->title : "");
    cJSON_AddItemToObject(nz, "observables", n->obs.arr);
    n->obs.arr = NULL;
    cJSON_AddItemToObject(nz, "metadata", n->metadata);
    n->metadata = NULL;
    sec_norm_done(n);
    return root;
}

/* ---- detection and dispatch -------------------------------------------- */

static int is_text(const char *content_type)
{
    return content_type && strncasecmp(content_type, "text/", 5) == 0;
}

static const char *detect_json(const cJSON *o)
{
    if (cJSON_IsArray(o))
        o = cJSON_GetArrayItem(o, 0);
    if (!cJSON_IsObject(o))
        return "generic";
    const cJSON *payload = cJSON_GetObjectItemCaseSensitive(o, "payload");
    if (cJSON_IsObject(payload) && cJSON_GetObjectItemCaseSensitive(o, "id"))
        o = payload;                                  /* POST /api/ingestion/raw's body */
    if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(o, "alerts")) ||
        (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(o, "labels")) &&
         (cJSON_GetObjectItemCaseSensitive(o, "startsAt") ||
          cJSON_GetObjectItemCaseSensitive(o, "fingerprint"))))
        return "alertmanager";
    const cJSON *rule = cJSON_GetObjectItemCaseSensitive(o, "rule");
    if (cJSON_IsObject(rule) && cJSON_GetObjectItemCaseSensitive(rule, "level"))
        return "wazuh";
    if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "message")) &&
        (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(o, "details")) ||
         cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "source"))))
        return "raw";
    return "generic";
}

const char *secnorm_detect(const char *raw, size_t len, const char *content_type)
{
    if (!raw || !len)
        return "raw";
    size_t i = 0;
    while (i < len && strchr(" \t\r\n", raw[i]))
        i++;
    if (i < len && (raw[i] == '{' || raw[i] == '[') && !is_text(content_type)) {
        cJSON *o = sec_json_parse(raw, len);
        if (o) {
            const char *s = detect_json(o);
            cJSON_Delete(o);
            return s;
        }
    }
    cJSON *sl = secnorm_syslog_parse(raw, len);
    if (sl) {
        cJSON_Delete(sl);
        return "syslog";
    }
    return "raw";
}

/* The one alert to normalize in a parsed JSON payload: the body of
 * POST /api/ingestion/raw is {"id", "payload"}; an Alertmanager webhook
 * gives its first alert (metadata counts them); an array its first item. */
static const cJSON *unwrap(const cJSON *o, const char *source, SecNorm *n)
{
    const cJSON *payload = cJSON_GetObjectItemCaseSensitive(o, "payload");
    if (cJSON_IsObject(payload) && cJSON_GetObjectItemCaseSensitive(o, "id"))
        o = payload;
    if (cJSON_IsArray(o)) {
        cJSON_AddNumberToObject(n->metadata, "batch_size", cJSON_GetArraySize(o));
        o = cJSON_GetArrayItem(o, 0);
    }
    const cJSON *alerts = cJSON_GetObjectItemCaseSensitive(o, "alerts");
    if (strcmp(source, "alertmanager") == 0 && cJSON_IsArray(alerts)) {
        cJSON_AddNumberToObject(n->metadata, "alert_count", cJSON_GetArraySize(alerts));
        const char *rcv = sec_json_str(o, "receiver");
        if (rcv)
            cJSON_AddStringToObject(n->metadata, "receiver", rcv);
        o = cJSON_GetArrayItem(alerts, 0);
    }
    return o;
}

static int normalize_json(SecNorm *n, const char *source, const cJSON *o, char *err,
                          size_t errsz)
{
    int r;
    if (!cJSON_IsObject(o)) {
        snprintf(err, errsz, "a %s alert must be a JSON object", source);
        return -EINVAL;
    }
    if (strcmp(source, "alertmanager") == 0)
        r = sec_norm_alertmanager(n, o);
    else if (strcmp(source, "wazuh") == 0)
        r = sec_norm_wazuh(n, o);
    else if (strcmp(source, "raw") == 0)
        r = sec_norm_raw(n, o);
    else
        r = sec_norm_generic(n, o);
    if (r < 0)
        snprintf(err, errsz, "not a %s alert", source);
    return r;
}

cJSON *secnorm_normalize(const char *source, const char *raw, size_t len,
                         const char *content_type, long long received_at, char *err,
                         size_t errsz)
{
    if (!raw)
        raw = "";
    if (!source || !*source || strcmp(source, "upload") == 0)
        source = secnorm_detect(raw, len, content_type);
    SecNorm n;
    sec_norm_init(&n);
    if (strcmp(source, "syslog") == 0) {
        cJSON *p = secnorm_syslog_parse(raw, len);
        if (!p) {
            snprintf(err, errsz, "not a syslog message (RFC 5424 or RFC 3164)");
            sec_norm_done(&n);
            return NULL;
        }
        sec_norm_syslog(&n, p, received_at);
        return sec_norm_finish(&n, source, p, received_at);
    }
    cJSON *o = sec_json_parse(raw, len);
    if (!o && strcmp(source, "raw") == 0) {
        /* plain text handed to the seed's raw ingestion: one message */
        char *text = xmalloc(len + 1);
        memcpy(text, raw, len);
        text[len] = '\0';
        if (!util_utf8_valid(text, len)) {
            free(text);
            snprintf(err, errsz, "not valid UTF-8 text");
            sec_norm_done(&n);
            return NULL;
        }
        sec_norm_set_title(&n, text, len);
        sec_norm_set_description(&n, text);
        sec_obs_scan_text(&n.obs, text, len);
        cJSON *r = sec_norm_finish(&n, source, cJSON_CreateString(text), received_at);
        free(text);
        return r;
    }
    if (!o) {
        snprintf(err, errsz, "not valid JSON");
        sec_norm_done(&n);
        return NULL;
    }
    const cJSON *one = unwrap(o, source, &n);
    if (normalize_json(&n, source, one, err, errsz) < 0) {
        cJSON_Delete(o);
        sec_norm_done(&n);
        return NULL;
    }
    return sec_norm_finish(&n, source, o, received_at);
}
