/* secnorm — seed 003's normalization: one raw alert (Prometheus
 * Alertmanager webhook alert, Wazuh/OSSEC JSON, syslog RFC 5424 / RFC
 * 3164, generic JSON through a configured field mapping, the seed's own
 * {"message", "source", ...} payloads) into the seed's Normalized object:
 *   {"original": {"source": ..., "raw": ...},
 *    "mappings": [{"field": ..., "value": ...}, ...],
 *    "normalized": {"severity": "low|medium|high|critical|info|unknown",
 *                   "severity_id": 0..6 (OCSF), "timestamp": RFC 3339,
 *                   "title", "description",
 *                   "observables": [{"type": "ip|ipv6|user|host|hash|url",
 *                                    "value": ...}],
 *                   "metadata": {...}}}
 * with observables extracted (IPv4/IPv6, users, hosts, hashes, URLs).
 *
 * CONTRACT (issue 12): called by the pipeline (secalerts.c) and the
 * syslog listener. Its owner may add to it. Pure: no Store, no I/O.
 * Thread: any.
 */
#ifndef RESOPS_DOMAIN_SECNORM_H
#define RESOPS_DOMAIN_SECNORM_H

#include <stddef.h>
#include <cJSON.h>

/* The generic JSON mapping (setting security.generic_mapping): for each
 * normalized field, a dotted path into the payload ("event.severity"),
 * NULL = not mapped. Set once by main before threads start. */
typedef struct SecnormMapping {
    const char *severity, *timestamp, *title, *description, *host, *user, *ip;
} SecnormMapping;
void secnorm_set_mapping(const SecnormMapping *m);

/* The source a raw payload looks like when its ingester did not say
 * ("alertmanager", "wazuh", "syslog", "generic" or "raw"). */
const char *secnorm_detect(const char *raw, size_t len, const char *content_type);

/* Normalize raw (source as stored: one of secnorm_detect's names, or
 * "upload"/NULL = detect). A new cJSON object in the shape above (caller
 * deletes), or NULL with err ("not valid JSON", ...). received_at (epoch
 * s) is the timestamp when the payload has none. */
cJSON *secnorm_normalize(const char *source, const char *raw, size_t len,
                         const char *content_type, long long received_at, char *err,
                         size_t errsz);

/* OCSF severity_id of a severity word or number ("critical" 5, "high" 4,
 * "medium"/"warning" 3, "low" 2, "info"/"informational" 1, "fatal" 6,
 * else 0), and the seed's word for an id. */
int         secnorm_severity_id(const char *severity);
const char *secnorm_severity_word(int severity_id);

/* One syslog message (RFC 5424 or RFC 3164, without framing) as the JSON
 * payload stored for it: {"pri", "facility", "severity", "timestamp",
 * "hostname", "app_name", "procid", "msgid", "structured_data", "message",
 * "format": "rfc5424"|"rfc3164"}. NULL when it is not syslog. */
cJSON *secnorm_syslog_parse(const char *line, size_t len);

#endif
