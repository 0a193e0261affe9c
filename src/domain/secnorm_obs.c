/* secnorm_obs — observables (see secnorm_priv.h).
 *
 * DESIGN: free text is walked once; at each position a token class is
 * tried by its first character: a run of [0-9.] is an IPv4 address when
 * it has four parts and inet_pton agrees, a run of [0-9a-f:.] with two
 * colons an IPv6 one (inet_pton again, stored in inet_ntop's form), a
 * hex word of 32/40/64 digits a hash, "http(s)://" a URL up to a space
 * or quote. Tokens must stand alone (no letter or digit glued to them),
 * so versions ("3.10.0-1160"), times ("22:14:15") and host names
 * ("ip-10-0-1-175") are not addresses. Users come from three phrasings
 * sshd, su and sudo use. Each (type, value) is kept once, in the order
 * found, at most SECNORM_OBS_MAX.
 */
#include "domain/secnorm_priv.h"
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

void sec_obs_init(SecObs *o)
{
    o->arr = cJSON_CreateArray();
    o->n = 0;
}

void sec_obs_add(SecObs *o, const char *type, const char *value, size_t len)
{
    if (!len || len > 512 || o->n >= SECNORM_OBS_MAX)
        return;
    char buf[513];
    memcpy(buf, value, len);
    buf[len] = '\0';
    if (!util_utf8_valid(buf, len))
        return;
    const cJSON *it;
    cJSON_ArrayForEach(it, o->arr) {
        const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "type"));
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "value"));
        if (t && v && strcmp(t, type) == 0 && strcmp(v, buf) == 0)
            return;
    }
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "type", type);
    cJSON_AddStringToObject(e, "value", buf);
    cJSON_AddItemToArray(o->arr, e);
    o->n++;
}

/* An address: "ip" (as written) or "ipv6" (canonical), 1; else 0. */
static int add_addr(SecObs *o, const char *s, size_t len)
{
    char buf[INET6_ADDRSTRLEN + 1];
    unsigned char bin[16];
    if (len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (inet_pton(AF_INET, buf, bin) == 1) {
        sec_obs_add(o, "ip", buf, len);
        return 1;
    }
    if (strchr(buf, ':') && inet_pton(AF_INET6, buf, bin) == 1) {
        char out[INET6_ADDRSTRLEN];
        if (inet_ntop(AF_INET6, bin, out, sizeof out)) {
            sec_obs_add(o, "ipv6", out, strlen(out));
            return 1;
        }
    }
    return 0;
}

void sec_obs_add_host(SecObs *o, const char *s)
{
    if (!s || !*s || strcmp(s, "-") == 0)
        return;
    const char *p = strstr(s, "://");
    p = p ? p + 3 : s;
    const char *at = strchr(p, '@');     /* user@host in a URL */
    const char *slash = strpbrk(p, "/?#");
    if (at && (!slash || at < slash))
        p = at + 1;
    size_t len = slash ? (size_t)(slash - p) : strlen(p);
    if (len && p[0] == '[') {                       /* [v6]:port */
        const char *close = memchr(p, ']', len);
        if (close && add_addr(o, p + 1, (size_t)(close - p - 1)))
            return;
    }
    if (add_addr(o, p, len))
        return;
    const char *colon = memchr(p, ':', len);
    if (colon && !memchr(colon + 1, ':', len - (size_t)(colon - p) - 1))
        len = (size_t)(colon - p);                  /* host:port */
    if (add_addr(o, p, len))
        return;
    for (size_t i = 0; i < len; i++)                /* a host name, nothing else */
        if (!isalnum((unsigned char)p[i]) && !strchr("-._", p[i]))
            return;
    sec_obs_add(o, "host", p, len);
}

static int glued(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* A run of [0-9.] at s[i]: an IPv4 address standing alone (its length),
 * else 0. */
static size_t try_ipv4(SecObs *o, const char *s, size_t len, size_t i)
{
    size_t j = i, dots = 0;
    while (j < len && (isdigit((unsigned char)s[j]) || s[j] == '.'))
        dots += s[j++] == '.';
    size_t end = j;
    while (end > i && s[end - 1] == '.') {          /* the sentence's full stop */
        end--;
        dots--;
    }
    if (dots == 3 && (j == len || !glued(s[j])) &&
        (i == 0 || (!glued(s[i - 1]) && s[i - 1] != '.')) && add_addr(o, s + i, end - i))
        return j - i;
    return 0;
}

/* A run of [0-9a-fA-F:.] at s[i] with two colons or more: IPv6. */
static size_t try_ipv6(SecObs *o, const char *s, size_t len, size_t i)
{
    size_t j = i, colons = 0;
    while (j < len && (isxdigit((unsigned char)s[j]) || s[j] == ':' || s[j] == '.'))
        colons += s[j++] == ':';
    size_t end = j;
    while (end > i && s[end - 1] == '.')
        end--;
    if (colons < 2 || (j < len && glued(s[j])) || (i > 0 && (glued(s[i - 1]) || s[i - 1] == ':')))
        return 0;
    return add_addr(o, s + i, end - i) ? j - i : 0;
}

/* A hex word of 32, 40 or 64 digits at s[i]: a hash (lower case). */
static size_t try_hash(SecObs *o, const char *s, size_t len, size_t i)
{
    size_t j = i;
    while (j < len && isxdigit((unsigned char)s[j]))
        j++;
    size_t n = j - i;
    if ((n == 32 || n == 40 || n == 64) && (j == len || !glued(s[j])) &&
        (i == 0 || !glued(s[i - 1]))) {
        char buf[65];
        for (size_t k = 0; k < n; k++)
            buf[k] = (char)tolower((unsigned char)s[i + k]);
        sec_obs_add(o, "hash", buf, n);
    }
    return n;
}

/* "http://" or "https://" at s[i]: a URL up to a space, quote or bracket,
 * without trailing punctuation. */
static size_t try_url(SecObs *o, const char *s, size_t len, size_t i)
{
    size_t rest = len - i, pre = 0;
    if (rest >= 7 && strncasecmp(s + i, "http://", 7) == 0)
        pre = 7;
    else if (rest >= 8 && strncasecmp(s + i, "https://", 8) == 0)
        pre = 8;
    if (!pre || (i > 0 && glued(s[i - 1])))
        return 0;
    size_t j = i + pre;
    while (j < len && !isspace((unsigned char)s[j]) && !strchr("\"'<>`", s[j]))
        j++;
    size_t end = j;
    while (end > i + pre && strchr(".,;:!?)]}", s[end - 1]))
        end--;
    if (end > i + pre)
        sec_obs_add(o, "url", s + i, end - i);
    return j - i;
}

/* A user name: [A-Za-z0-9._-]+ (a leading '-' is not one), its length. */
static size_t user_len(const char *s, size_t len)
{
    size_t n = 0;
    while (n < len && (isalnum((unsigned char)s[n]) || (s[n] && strchr("._-$@", s[n]))))
        n++;
    return n && s[0] != '-' ? n : 0;
}

static int word_at(const char *s, size_t len, size_t i, const char *w)
{
    size_t wl = strlen(w);
    return i + wl <= len && strncasecmp(s + i, w, wl) == 0 && (i == 0 || !glued(s[i - 1]));
}

/* "user=NAME", and "for NAME from" / "user NAME from" (sshd: "Failed
 * password for root from", "Invalid user blimey from"; "for invalid
 * user X from" reads as "user X from"). */
static size_t try_user(SecObs *o, const char *s, size_t len, size_t i)
{
    if (word_at(s, len, i, "user=")) {
        size_t n = user_len(s + i + 5, len - i - 5);
        if (n)
            sec_obs_add(o, "user", s + i + 5, n);
        return 5 + n;
    }
    const char *w = word_at(s, len, i, "for ") ? "for " : word_at(s, len, i, "user ") ? "user " : NULL;
    if (!w)
        return 0;
    size_t k = i + strlen(w);
    size_t n = user_len(s + k, len - k);
    if (!n || strncasecmp(s + k, "invalid", n) == 0 || strncasecmp(s + k, "illegal", n) == 0)
        return 0;
    if (k + n + 6 <= len && strncmp(s + k + n, " from ", 6) == 0)
        sec_obs_add(o, "user", s + k, n);
    return 0;     /* the name may itself start another token */
}

void sec_obs_scan_text(SecObs *o, const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && o->n < SECNORM_OBS_MAX) {
        unsigned char c = (unsigned char)s[i];
        size_t used = 0;
        if (c == 'h' || c == 'H')
            used = try_url(o, s, len, i);
        if (!used && (c == 'u' || c == 'U' || c == 'f' || c == 'F'))
            used = try_user(o, s, len, i);
        if (!used && isxdigit(c))
            used = try_ipv6(o, s, len, i);
        if (!used && c == ':' && i + 1 < len && s[i + 1] == ':')
            used = try_ipv6(o, s, len, i);
        if (!used && isdigit(c))
            used = try_ipv4(o, s, len, i);
        if (!used && isxdigit(c) && (i == 0 || !glued(s[i - 1])))
            used = try_hash(o, s, len, i);
        if (!used) {                                /* skip the rest of the word */
            used = 1;
            if (glued((char)c))
                while (i + used < len && glued(s[i + used]))
                    used++;
        }
        i += used;
    }
}

static const char *const user_keys[] = {
    "user", "username", "user_name", "srcuser", "dstuser", "src_user", "dst_user",
    "login_user", "effective_user", "account", "account_name",
};
static const char *const host_keys[] = {"host", "hostname", "host_name", "computer"};

static int key_in(const char *k, const char *const *keys, size_t n)
{
    for (size_t i = 0; k && i < n; i++)
        if (strcasecmp(k, keys[i]) == 0)
            return 1;
    return 0;
}

static void scan_json(SecObs *o, const cJSON *v, int depth)
{
    if (depth > 16)
        return;
    const cJSON *c;
    cJSON_ArrayForEach(c, v) {
        if (c->string && key_in(c->string, user_keys, sizeof user_keys / sizeof user_keys[0])) {
            const char *u = cJSON_IsString(c) ? c->valuestring
                          : cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "name"));
            if (u && user_len(u, strlen(u)) == strlen(u))
                sec_obs_add(o, "user", u, strlen(u));
        }
        if (c->string && cJSON_IsString(c) &&
            key_in(c->string, host_keys, sizeof host_keys / sizeof host_keys[0]))
            sec_obs_add_host(o, c->valuestring);
    }
    cJSON_ArrayForEach(c, v) {
        if (cJSON_IsString(c))
            sec_obs_scan_text(o, c->valuestring, strlen(c->valuestring));
        else if (cJSON_IsObject(c) || cJSON_IsArray(c))
            scan_json(o, c, depth + 1);
    }
}

void sec_obs_scan_json(SecObs *o, const cJSON *v)
{
    if (cJSON_IsString(v))
        sec_obs_scan_text(o, v->valuestring, strlen(v->valuestring));
    else
        scan_json(o, v, 0);
}
