/* secnorm_priv — internal to src/domain/secnorm*.c: the Normalized
 * object under construction and the observables collector. Pure.
 * Thread: any (no shared state but the mapping, set before threads). */
#ifndef RESOPS_DOMAIN_SECNORM_PRIV_H
#define RESOPS_DOMAIN_SECNORM_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <cJSON.h>

#define SECNORM_OBS_MAX   64    /* observables kept per alert */
#define SECNORM_TITLE_MAX 160   /* bytes of a title cut from a message */
/* The latest time an alert may carry, 9999-12-31T23:59:59Z: RFC 3339
 * years have four digits (a later one is not the alert's time). */
#define SECNORM_TS_MAX    253402300799LL

/* Observables: an array of {"type", "value"}, each pair once, in the
 * order found. */
typedef struct SecObs {
    cJSON *arr;
    int    n;
} SecObs;

void sec_obs_init(SecObs *o);
/* One observable of a known type (value copied; "" ignored). */
void sec_obs_add(SecObs *o, const char *type, const char *value, size_t len);
/* A host name or address: "ip" / "ipv6" when it is one, else "host"
 * ("host:port" and "[v6]:port" lose the port; a URL gives its host). */
void sec_obs_add_host(SecObs *o, const char *s);
/* Free text: IPv4 (inet_pton), IPv6, URLs, MD5/SHA-1/SHA-256 hashes,
 * users ("user=NAME", "for NAME from", "user NAME from"). */
void sec_obs_scan_text(SecObs *o, const char *s, size_t len);
/* A JSON tree: members named like a user (user, username, srcuser,
 * dstuser, ... or {"name": ...} under them) or a host (host, hostname),
 * then every string scanned as text. */
void sec_obs_scan_json(SecObs *o, const cJSON *v);

/* The Normalized object under construction. */
typedef struct SecNorm {
    cJSON  *mappings;     /* [{"field", "value", "from"}] */
    cJSON  *metadata;     /* {} */
    int     severity_id;  /* -1 = not set (0 Unknown then) */
    int64_t ts;           /* 0 = not set (received_at then) */
    char   *title, *description;
    SecObs  obs;
} SecNorm;

void sec_norm_init(SecNorm *n);
/* Record that field got value from path (a mapping entry). */
void sec_norm_map(SecNorm *n, const char *field, const char *value, const char *from);
void sec_norm_set_title(SecNorm *n, const char *s, size_t len);   /* cut to SECNORM_TITLE_MAX */
void sec_norm_set_description(SecNorm *n, const char *s);
/* A timestamp string (RFC 3339 / ISO 8601) up to SECNORM_TS_MAX: 0, or
 * -EINVAL (left unset). */
int  sec_norm_set_time(SecNorm *n, const char *s);
/* The finished object; raw is taken. n is emptied. */
cJSON *sec_norm_finish(SecNorm *n, const char *source, cJSON *raw, long long received_at);
void   sec_norm_done(SecNorm *n);

/* Dotted path ("event.severity", "alerts.0.labels") into v, or NULL. */
const cJSON *sec_json_path(const cJSON *v, const char *path);
/* The whole of raw[0..len) as JSON (trailing white space allowed), or
 * NULL. */
cJSON *sec_json_parse(const char *raw, size_t len);
/* The string at key (NULL when absent or not a string). */
const char *sec_json_str(const cJSON *o, const char *key);

/* The per-source normalizers (secnorm_sources.c, secnorm_syslog.c):
 * 0, or -EINVAL with err. */
int sec_norm_alertmanager(SecNorm *n, const cJSON *alert);
int sec_norm_wazuh(SecNorm *n, const cJSON *alert);
int sec_norm_generic(SecNorm *n, const cJSON *o);
int sec_norm_raw(SecNorm *n, const cJSON *o);
int sec_norm_syslog(SecNorm *n, const cJSON *parsed, long long received_at);

#endif
