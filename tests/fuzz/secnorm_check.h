/* secnorm_check — what every fuzz target of the security normalizers
 * (fuzz_syslog5424.c ... fuzz_falco.c) asks of secnorm_normalize's
 * answer beyond "no crash": the seed 003 Normalized shape (secnorm.h)
 * with a severity word that matches its id 0..6, an RFC 3339 timestamp
 * that parses back, a title, and at most SECNORM_OBS_MAX observables of
 * the six types, each a non-empty UTF-8 value found once; from a UTF-8
 * payload, a UTF-8 title and description (cut, never half a character).
 * A broken promise abort()s, which libFuzzer and the regression driver
 * report like a crash. Also: the object prints and the print parses
 * again.
 *
 * Header-only (static inline functions): each target is one program.
 */
#ifndef RESOPS_FUZZ_SECNORM_CHECK_H
#define RESOPS_FUZZ_SECNORM_CHECK_H

#include "domain/secnorm.h"
#include "domain/secnorm_priv.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The received_at every target passes: 2026-12-01T12:00:00Z. */
#define FUZZ_RECEIVED_AT 1796126400LL

static inline void fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "secnorm_check: %s (%s)\n", what, detail ? detail : "");
    abort();
}

static inline const char *fuzz_str(const cJSON *o, const char *key)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
    if (!s)
        fuzz_fail("a string member is missing", key);
    return s;
}

static inline void fuzz_check_observables(const cJSON *obs)
{
    static const char *const types[] = {"ip", "ipv6", "user", "host", "hash", "url"};
    if (!cJSON_IsArray(obs) || cJSON_GetArraySize(obs) > SECNORM_OBS_MAX)
        fuzz_fail("observables is not an array of at most SECNORM_OBS_MAX", NULL);
    const cJSON *a, *b;
    cJSON_ArrayForEach(a, obs) {
        const char *t = fuzz_str(a, "type"), *v = fuzz_str(a, "value");
        int known = 0;
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            known |= strcmp(t, types[i]) == 0;
        if (!known || !*v || !util_utf8_valid(v, strlen(v)))
            fuzz_fail("an observable of no known type, empty or not UTF-8", t);
        for (b = a->next; b; b = b->next)
            if (!strcmp(t, fuzz_str(b, "type")) && !strcmp(v, fuzz_str(b, "value")))
                fuzz_fail("an observable found twice", v);
    }
}

/* norm: secnorm_normalize's answer (NULL = refused, nothing to check);
 * source: the name it must carry in original.source (NULL = any); utf8:
 * the payload was UTF-8. */
static inline void fuzz_check_normalized(const cJSON *norm, const char *source, int utf8)
{
    if (!norm)
        return;
    const cJSON *orig = cJSON_GetObjectItemCaseSensitive(norm, "original");
    const char *src = fuzz_str(orig, "source");
    if (source && strcmp(src, source) != 0)
        fuzz_fail("original.source is not the source asked for", src);
    if (!cJSON_GetObjectItemCaseSensitive(orig, "raw"))
        fuzz_fail("original.raw is missing", NULL);
    if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(norm, "mappings")))
        fuzz_fail("mappings is not an array", NULL);
    const cJSON *nz = cJSON_GetObjectItemCaseSensitive(norm, "normalized");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(nz, "severity_id");
    if (!cJSON_IsNumber(id) || id->valuedouble < 0 || id->valuedouble > 6 ||
        strcmp(fuzz_str(nz, "severity"), secnorm_severity_word((int)id->valuedouble)) != 0)
        fuzz_fail("severity_id is not 0..6 or severity is not its word", NULL);
    const char *ts = fuzz_str(nz, "timestamp");
    int64_t t;
    if (strlen(ts) != 20 || util_parse_iso8601(ts, &t) < 0)
        fuzz_fail("the timestamp is not RFC 3339 (YYYY-MM-DDThh:mm:ssZ)", ts);
    const char *title = fuzz_str(nz, "title"), *desc = fuzz_str(nz, "description");
    if (utf8 && (!util_utf8_valid(title, strlen(title)) || !util_utf8_valid(desc, strlen(desc))))
        fuzz_fail("a UTF-8 payload gave a title or description that is not UTF-8", title);
    if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(nz, "metadata")))
        fuzz_fail("metadata is not an object", NULL);
    fuzz_check_observables(cJSON_GetObjectItemCaseSensitive(nz, "observables"));

    char *text = cJSON_PrintUnformatted(norm);
    if (!text)
        fuzz_fail("the Normalized object does not print", NULL);
    cJSON *again = cJSON_Parse(text);
    if (!again)
        fuzz_fail("the printed Normalized object does not parse", NULL);
    cJSON_Delete(again);
    free(text);
}

/* secnorm_normalize(source, ...) on data at received_at, checked, freed;
 * 1 when it was normalized. */
static inline int fuzz_normalize_at(const char *source, const uint8_t *data, size_t size,
                                    const char *content_type, const char *expect,
                                    long long received_at)
{
    char err[256] = "";
    cJSON *n = secnorm_normalize(source, (const char *)data, size, content_type, received_at,
                                 err, sizeof err);
    if (!n && !err[0])
        fuzz_fail("refused without a reason", source);
    fuzz_check_normalized(n, expect, util_utf8_valid((const char *)data, size));
    cJSON_Delete(n);
    return n != NULL;
}

static inline int fuzz_normalize(const char *source, const uint8_t *data, size_t size,
                                 const char *content_type, const char *expect)
{
    return fuzz_normalize_at(source, data, size, content_type, expect, FUZZ_RECEIVED_AT);
}

/* One syslog message through the parser, the normalizer and detection:
 * the parsed payload's shape (secnorm_syslog_parse), and a message that
 * parses is one the normalizer takes and detection calls syslog. */
static inline void fuzz_syslog(const uint8_t *data, size_t size, long long received_at)
{
    cJSON *p = secnorm_syslog_parse((const char *)data, size);
    int parsed = p != NULL;
    if (p) {
        const char *fmt = fuzz_str(p, "format");
        const cJSON *pri = cJSON_GetObjectItemCaseSensitive(p, "pri");
        if ((strcmp(fmt, "rfc5424") && strcmp(fmt, "rfc3164")) || !cJSON_IsNumber(pri) ||
            pri->valuedouble < 0 || pri->valuedouble > 191)
            fuzz_fail("a parsed message has no format or a PRI out of 0..191", fmt);
        fuzz_str(p, "facility");
        fuzz_str(p, "severity");
        fuzz_str(p, "message");
        cJSON_Delete(p);
    }
    int took = fuzz_normalize_at("syslog", data, size, "text/plain", "syslog", received_at);
    if (took != parsed)
        fuzz_fail("the parser and the normalizer disagree on a message", NULL);
    const char *d = secnorm_detect((const char *)data, size, "text/plain");
    if (parsed && strcmp(d, "syslog") != 0)
        fuzz_fail("a message that parses is not detected as syslog", d);
}

/* The auto-detecting entry point: secnorm_detect's answer must be one of
 * its five names, and normalizing as "upload" must agree with it. */
static inline void fuzz_detect(const uint8_t *data, size_t size, const char *content_type)
{
    static const char *const names[] = {"alertmanager", "wazuh", "syslog", "generic", "raw"};
    const char *d = secnorm_detect((const char *)data, size, content_type);
    int known = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        known |= strcmp(d, names[i]) == 0;
    if (!known)
        fuzz_fail("secnorm_detect named no source", d);
    fuzz_normalize("upload", data, size, content_type, d);
}

#endif
