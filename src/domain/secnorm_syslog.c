/* secnorm_syslog — syslog messages: RFC 5424 and RFC 3164 parsing, their
 * normalization, and RFC 6587 framing for the TCP listener.
 *
 * DESIGN: both formats start with "<PRI>". "<PRI>1 " is RFC 5424 and is
 * parsed strictly field by field (NILVALUE "-", structured data with its
 * \" \\ \] escapes, a UTF-8 BOM before MSG dropped). Anything else after
 * PRI is RFC 3164: "Mmm dd hh:mm:ss HOSTNAME " when the timestamp is
 * there, else (RFC 3164 4.3.2) the whole rest is the message; the
 * message's TAG ("app[pid]:") gives app_name and procid. A line without
 * PRI is not syslog. RFC 3164 timestamps have no year: normalization
 * takes the year of received_at, the year before when that would put
 * the message more than a week in the future; they have no zone: UTC.
 */
#include "domain/secnorm.h"
#include "domain/secnorm_priv.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const facility_names[24] = {
    "kern",  "user",   "mail",   "daemon", "auth",   "syslog", "lpr",    "news",
    "uucp",  "cron",   "authpriv", "ftp",  "ntp",    "security", "console", "clock",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
};
static const char *const severity_names[8] = {"emerg", "alert", "crit",   "err",
                                              "warning", "notice", "info", "debug"};
static const char *const months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int secnorm_syslog_severity_id(int sev)
{
    static const int ids[8] = {5, 5, 5, 4, 3, 2, 1, 1};
    return sev >= 0 && sev < 8 ? ids[sev] : 0;
}

/* A cursor over [p, end). */
typedef struct Cur {
    const char *p, *end;
} Cur;

/* One space-delimited field (at most max bytes) as a string or JSON null
 * for "-"; NULL when there is none. */
static cJSON *field(Cur *c, size_t max)
{
    const char *s = c->p;
    while (c->p < c->end && *c->p != ' ')
        c->p++;
    size_t n = (size_t)(c->p - s);
    if (n == 0 || n > max || (c->p < c->end && *c->p++ != ' '))
        return NULL;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 33 || (unsigned char)s[i] > 126)
            return NULL;                        /* PRINTUSASCII */
    if (n == 1 && s[0] == '-')
        return cJSON_CreateNull();
    char *t = xmalloc(n + 1);
    memcpy(t, s, n);
    t[n] = '\0';
    cJSON *v = cJSON_CreateString(t);
    free(t);
    return v;
}

/* "<PRI>": 0..191, or -1. */
static int pri_parse(Cur *c)
{
    if (c->p >= c->end || *c->p != '<')
        return -1;
    int v = 0, n = 0;
    const char *p = c->p + 1;
    while (p < c->end && isdigit((unsigned char)*p) && n < 3) {
        v = v * 10 + (*p++ - '0');
        n++;
    }
    if (!n || p >= c->end || *p != '>' || v > 191 || (n > 1 && c->p[1] == '0'))
        return -1;
    c->p = p + 1;
    return v;
}

/* A string of [s, e) (may be empty). */
static cJSON *str_of(const char *s, const char *e)
{
    char *t = xmalloc((size_t)(e - s) + 1);
    memcpy(t, s, (size_t)(e - s));
    t[e - s] = '\0';
    cJSON *v = cJSON_CreateString(t);
    free(t);
    return v;
}

/* One SD-ELEMENT's params into obj; c at '[' on entry, after ']' on
 * return. 0, or -1 when malformed. */
static int sd_element(Cur *c, cJSON *sd)
{
    const char *s = ++c->p;
    while (c->p < c->end && *c->p != ' ' && *c->p != ']' && *c->p != '=' && *c->p != '"')
        c->p++;
    if (c->p == s || c->p >= c->end || (*c->p != ' ' && *c->p != ']'))
        return -1;
    cJSON *id = str_of(s, c->p);
    cJSON *params = cJSON_CreateObject();
    cJSON_AddItemToObject(sd, id->valuestring, params);
    cJSON_Delete(id);
    while (c->p < c->end && *c->p == ' ') {
        const char *k = ++c->p;
        while (c->p < c->end && *c->p != '=' && *c->p != ' ' && *c->p != ']' && *c->p != '"')
            c->p++;
        if (c->p == k || c->end - c->p < 2 || c->p[0] != '=' || c->p[1] != '"')
            return -1;
        const char *ke = c->p;
        c->p += 2;
        StrBuf val = {0};
        strbuf_append(&val, "");
        while (c->p < c->end && *c->p != '"') {
            char ch[2] = {*c->p, '\0'};
            if (*c->p == '\\' && c->p + 1 < c->end && strchr("\"\\]", c->p[1]))
                ch[0] = *++c->p;
            strbuf_append(&val, ch);
            c->p++;
        }
        if (c->p >= c->end) {
            strbuf_free(&val);
            return -1;
        }
        c->p++;
        char key[64];
        size_t kn = (size_t)(ke - k) < sizeof key - 1 ? (size_t)(ke - k) : sizeof key - 1;
        memcpy(key, k, kn);
        key[kn] = '\0';
        cJSON_AddStringToObject(params, key, val.s);
        strbuf_free(&val);
    }
    if (c->p >= c->end || *c->p != ']')
        return -1;
    c->p++;
    return 0;
}

/* STRUCTURED-DATA: "-" (null) or [..][..]; NULL when malformed. */
static cJSON *sd_parse(Cur *c)
{
    if (c->p < c->end && *c->p == '-') {
        c->p++;
        return cJSON_CreateNull();
    }
    if (c->p >= c->end || *c->p != '[')
        return NULL;
    cJSON *sd = cJSON_CreateObject();
    while (c->p < c->end && *c->p == '[')
        if (sd_element(c, sd) < 0) {
            cJSON_Delete(sd);
            return NULL;
        }
    return sd;
}

/* The message from c to the end: a UTF-8 BOM dropped, trailing CR/LF
 * dropped. */
static cJSON *msg_of(Cur *c)
{
    const char *s = c->p, *e = c->end;
    if (e - s >= 3 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
        (unsigned char)s[2] == 0xBF)
        s += 3;
    while (e > s && (e[-1] == '\n' || e[-1] == '\r'))
        e--;
    return str_of(s, e);
}

static cJSON *parse_5424(Cur *c, cJSON *o)
{
    static const struct {
        const char *name;
        size_t      max;
    } fields[] = {{"timestamp", 64}, {"hostname", 255}, {"app_name", 48}, {"procid", 128},
                  {"msgid", 32}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        cJSON *v = field(c, fields[i].max);
        if (!v)
            return NULL;
        cJSON_AddItemToObject(o, fields[i].name, v);
    }
    const char *ts = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "timestamp"));
    int64_t t;
    if (ts && util_parse_iso8601(ts, &t) < 0)
        return NULL;
    cJSON *sd = sd_parse(c);
    if (!sd)
        return NULL;
    cJSON_AddItemToObject(o, "structured_data", sd);
    if (c->p < c->end && *c->p != ' ')
        return NULL;
    if (c->p < c->end)
        c->p++;
    cJSON_AddItemToObject(o, "message", msg_of(c));
    cJSON_AddStringToObject(o, "format", "rfc5424");
    return o;
}

/* "Mmm dd hh:mm:ss " at c (dd may be " d"): 1 and c moved past it. */
static int ts_3164(Cur *c)
{
    const char *p = c->p;
    if (c->end - p < 16 || p[3] != ' ' || p[6] != ' ' || p[9] != ':' || p[12] != ':' ||
        p[15] != ' ')
        return 0;
    int m = -1;
    for (int i = 0; i < 12; i++)
        if (strncmp(p, months[i], 3) == 0)
            m = i;
    if (m < 0 || !(p[4] == ' ' || isdigit((unsigned char)p[4])) || !isdigit((unsigned char)p[5]))
        return 0;
    for (int i = 7; i < 15; i++)
        if (i != 9 && i != 12 && !isdigit((unsigned char)p[i]))
            return 0;
    c->p += 16;
    return 1;
}

/* TAG: [A-Za-z0-9_./-]{1,48} then "[pid]" and/or ":" then a space: sets
 * app_name (and procid); returns where CONTENT starts (msg when there is
 * no TAG). */
static const char *tag_3164(const char *msg, cJSON *o)
{
    size_t n = 0;
    while (msg[n] && n < 48 && (isalnum((unsigned char)msg[n]) || strchr("_./-", msg[n])))
        n++;
    const char *p = msg + n, *pid = NULL, *pide = NULL;
    if (n && *p == '[') {
        pid = p + 1;
        pide = strchr(pid, ']');
        if (!pide)
            return msg;
        p = pide + 1;
    }
    if (!n || (*p != ':' && !pid))
        return msg;
    if (*p == ':')
        p++;
    if (*p != ' ' && *p)
        return msg;
    cJSON_ReplaceItemInObjectCaseSensitive(o, "app_name", str_of(msg, msg + n));
    if (pid)
        cJSON_ReplaceItemInObjectCaseSensitive(o, "procid", str_of(pid, pide));
    return *p ? p + 1 : p;
}

static cJSON *parse_3164(Cur *c, cJSON *o)
{
    const char *ts = c->p;
    if (ts_3164(c)) {
        cJSON_AddItemToObject(o, "timestamp", str_of(ts, ts + 15));
        cJSON *host = field(c, 255);
        if (!host || cJSON_IsNull(host)) {
            cJSON_Delete(host);
            return NULL;
        }
        cJSON_AddItemToObject(o, "hostname", host);
    } else {
        cJSON_AddNullToObject(o, "timestamp");
        cJSON_AddNullToObject(o, "hostname");
    }
    cJSON_AddNullToObject(o, "app_name");
    cJSON_AddNullToObject(o, "procid");
    cJSON_AddNullToObject(o, "msgid");
    cJSON_AddNullToObject(o, "structured_data");
    cJSON *msg = msg_of(c);
    const char *content = tag_3164(msg->valuestring, o);
    cJSON_AddItemToObject(o, "message", cJSON_CreateString(content));
    cJSON_Delete(msg);
    cJSON_AddStringToObject(o, "format", "rfc3164");
    return o;
}

cJSON *secnorm_syslog_parse(const char *line, size_t len)
{
    Cur c = {line, line + len};
    while (c.end > c.p && (c.end[-1] == '\n' || c.end[-1] == '\r'))
        c.end--;
    int pri = pri_parse(&c);
    if (pri < 0 || !util_utf8_valid(c.p, (size_t)(c.end - c.p)) ||
        memchr(c.p, '\0', (size_t)(c.end - c.p)))
        return NULL;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "pri", pri);
    cJSON_AddStringToObject(o, "facility", facility_names[pri / 8]);
    cJSON_AddStringToObject(o, "severity", severity_names[pri % 8]);
    cJSON *r;
    if (c.end - c.p >= 2 && c.p[0] == '1' && c.p[1] == ' ') {
        c.p += 2;
        r = parse_5424(&c, o);
    } else {
        r = parse_3164(&c, o);
    }
    if (!r)
        cJSON_Delete(o);
    return r;
}

/* An RFC 3164 "Mmm dd hh:mm:ss" in the year of received_at (or the one
 * before), UTC. */
static int64_t time_3164(const char *ts, long long received_at)
{
    int m = 0;
    for (int i = 0; i < 12; i++)
        if (strncmp(ts, months[i], 3) == 0)
            m = i + 1;
    char now[32];
    util_iso8601(received_at, now, sizeof now);
    int year = atoi(now);
    for (int k = 0; k < 2; k++) {
        char buf[40];
        snprintf(buf, sizeof buf, "%04d-%02d-%02dT%.8sZ", year - k, m, atoi(ts + 4), ts + 7);
        int64_t t;
        if (util_parse_iso8601(buf, &t) == 0 && t <= received_at + 7 * 86400)
            return t;
    }
    return 0;
}

int sec_norm_syslog(SecNorm *n, const cJSON *p, long long received_at)
{
    int pri = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(p, "pri"));
    const char *sev = sec_json_str(p, "severity");
    n->severity_id = secnorm_syslog_severity_id(pri % 8);
    sec_norm_map(n, "severity", sev, "pri");
    const char *fmt = sec_json_str(p, "format");
    const char *ts = sec_json_str(p, "timestamp");
    if (ts && strcmp(fmt, "rfc5424") == 0)
        sec_norm_set_time(n, ts);
    else if (ts)
        n->ts = time_3164(ts, received_at);
    if (ts)
        sec_norm_map(n, "timestamp", ts, "timestamp");
    const char *msg = sec_json_str(p, "message");
    const char *app = sec_json_str(p, "app_name");
    char *title = app ? xasprintf("%s: %s", app, msg) : xstrdup(msg);
    sec_norm_set_title(n, title, strlen(title));
    free(title);
    sec_norm_set_description(n, msg);
    sec_norm_map(n, "description", msg, "message");
    const char *host = sec_json_str(p, "hostname");
    if (host) {
        sec_obs_add_host(&n->obs, host);
        sec_norm_map(n, "host", host, "hostname");
    }
    sec_obs_scan_text(&n->obs, msg, strlen(msg));
    const cJSON *sd = cJSON_GetObjectItemCaseSensitive(p, "structured_data");
    if (cJSON_IsObject(sd))
        sec_obs_scan_json(&n->obs, sd);

    static const char *const meta[] = {"format", "facility", "pri", "hostname", "app_name",
                                       "procid", "msgid", "structured_data"};
    for (size_t i = 0; i < sizeof meta / sizeof meta[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, meta[i]);
        if (v && !cJSON_IsNull(v))
            cJSON_AddItemToObject(n->metadata, meta[i], cJSON_Duplicate(v, 1));
    }
    cJSON_AddStringToObject(n->metadata, "syslog_severity", sev);
    cJSON_AddStringToObject(n->metadata, "sensor", "syslog");
    (void)received_at;
    return 0;
}

int secnorm_syslog_frame(const char *buf, size_t len, size_t max, const char **msg,
                         size_t *msg_len, size_t *used)
{
    if (len == 0)
        return 0;
    if (isdigit((unsigned char)buf[0])) {               /* octet counting */
        size_t n = 0, i = 0;
        while (i < len && isdigit((unsigned char)buf[i]) && i < 9)
            n = n * 10 + (size_t)(buf[i++] - '0');
        if (i == len)
            return i < 9 ? 0 : -1;
        if (buf[i] != ' ' || n == 0 || n > max || buf[0] == '0')
            return -1;
        if (len - i - 1 < n)
            return 0;
        *msg = buf + i + 1;
        *msg_len = n;
        *used = i + 1 + n;
        return 1;
    }
    const char *nl = memchr(buf, '\n', len);          /* non-transparent framing */
    if (!nl)
        return len > max ? -1 : 0;
    size_t n = (size_t)(nl - buf);
    *used = n + 1;
    if (n && buf[n - 1] == '\r')
        n--;
    if (n > max)
        return -1;
    *msg = buf;
    *msg_len = n;
    return 1;
}
