/* fallback_secnorm — TEMPORARY (wt-core only, deleted before merging):
 * a minimal secnorm until wt-norm's secnorm.c is merged. meson compiles
 * it only when secnorm.c does not exist. */
#include "domain/secnorm.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

void secnorm_set_mapping(const SecnormMapping *m) { (void)m; }

const char *secnorm_detect(const char *raw, size_t len, const char *content_type)
{
    (void)raw;
    (void)len;
    (void)content_type;
    return "raw";
}

int secnorm_severity_id(const char *s)
{
    if (!s)
        return 0;
    static const struct { const char *w; int id; } map[] = {
        {"critical", 5}, {"high", 4}, {"medium", 3}, {"warning", 3}, {"low", 2},
        {"info", 1}, {"informational", 1}, {"fatal", 6},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(s, map[i].w) == 0)
            return map[i].id;
    return 0;
}

const char *secnorm_severity_word(int id)
{
    static const char *const w[] = {"unknown", "info", "low", "medium", "high", "critical",
                                    "fatal"};
    return id >= 0 && id <= 6 ? w[id] : "unknown";
}

cJSON *secnorm_syslog_parse(const char *line, size_t len)
{
    (void)line;
    (void)len;
    return NULL;
}

cJSON *secnorm_normalize(const char *source, const char *raw, size_t len,
                         const char *content_type, long long received_at, char *err,
                         size_t errsz)
{
    (void)content_type;
    cJSON *p = cJSON_ParseWithLength(raw, len);
    if (!p) {
        snprintf(err, errsz, "not valid JSON");
        return NULL;
    }
    cJSON *doc = cJSON_CreateObject();
    cJSON *orig = cJSON_AddObjectToObject(doc, "original");
    cJSON_AddStringToObject(orig, "source", source ? source : "raw");
    cJSON_AddItemToObject(doc, "mappings", cJSON_CreateArray());
    cJSON *n = cJSON_AddObjectToObject(doc, "normalized");
    const cJSON *sev = cJSON_GetObjectItemCaseSensitive(p, "severity");
    const char *sw = cJSON_IsString(sev) ? sev->valuestring : "unknown";
    cJSON_AddStringToObject(n, "severity", sw);
    cJSON_AddNumberToObject(n, "severity_id", secnorm_severity_id(sw));
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(p, "timestamp");
    char buf[32];
    util_iso8601((int64_t)received_at, buf, sizeof buf);
    cJSON_AddStringToObject(n, "timestamp", cJSON_IsString(ts) ? ts->valuestring : buf);
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(p, "message");
    cJSON_AddStringToObject(n, "title", cJSON_IsString(msg) ? msg->valuestring : "alert");
    cJSON_AddStringToObject(n, "description", cJSON_IsString(msg) ? msg->valuestring : "");
    cJSON_AddItemToObject(n, "observables", cJSON_CreateArray());
    cJSON_AddItemToObject(n, "metadata", cJSON_CreateObject());
    cJSON_AddItemToObject(orig, "raw", p);
    return doc;
}
