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

/* Added by its owner (issue 12, wt-norm): */

/* The mapping secnorm_set_mapping() set (fields NULL when not mapped). */
const SecnormMapping *secnorm_mapping(void);

/* Wazuh rule.level 0..15 as an OCSF severity_id: 0-2 Informational (1),
 * 3-6 Low (2), 7-11 Medium (3), 12-14 High (4), 15 Critical (5). */
int secnorm_wazuh_level_id(int level);

/* Wazuh's rule.level as it came (v: the member, NULL when absent): 1
 * with *level when it is an integer 0..15 (a JSON number, or a string of
 * decimal digits), 0 when absent, -EINVAL when it is anything else ("x",
 * 99, -1, 3.5, null, true...), with why ("an integer from 0 to 15, not
 * 99"). Such a level is no severity: the ingest endpoint refuses it, the
 * normalizer makes the alert Unknown (0) with the reason in metadata. */
int secnorm_wazuh_level(const cJSON *v, int *level, char *why, size_t whysz);

/* Syslog severity 0..7 (RFC 5424 table 2) as an OCSF severity_id:
 * emerg/alert/crit 5, err 4, warning 3, notice 2, info and debug 1. */
int secnorm_syslog_severity_id(int severity);

/* RFC 6587 on a TCP stream: the length of the first complete message in
 * buf[0..len) and where it starts. Octet counting ("123 <34>1 ...") when
 * buf starts with a digit, else a line ended by LF (a CR before it is
 * dropped). Returns 1 (*msg, *msg_len, *used: bytes to drop from buf),
 * 0 when more bytes are needed, -1 when the frame is malformed or longer
 * than max. */
int secnorm_syslog_frame(const char *buf, size_t len, size_t max, const char **msg,
                         size_t *msg_len, size_t *used);

#endif
