/* probe_kinds — see probe_kinds.h. */
#include "domain/probe_kinds.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int validate_http(const char *target, int expect, char *err, size_t errsz)
{
    if (strncmp(target, "http://", 7) && strncmp(target, "https://", 8)) {
        snprintf(err, errsz, "HTTP probe target must start with http:// or https://");
        return -EINVAL;
    }
    if (expect && (expect < 100 || expect > 599)) {
        snprintf(err, errsz, "An HTTP probe expects a status 100..599 (0 = any 2xx)");
        return -EINVAL;
    }
    return 0;
}

static int validate_tcp(const char *target, int expect, char *err, size_t errsz)
{
    (void)expect;
    const char *colon = strrchr(target, ':');
    char *end;
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    if (!colon || colon == target || !colon[1] || *end || port < 1 || port > 65535) {
        snprintf(err, errsz, "TCP probe target must be host:port with a port 1..65535");
        return -EINVAL;
    }
    return 0;
}

static int validate_cmd(const char *target, int expect, char *err, size_t errsz)
{
    (void)target;
    if (expect < 0 || expect > 255) {
        snprintf(err, errsz, "A command probe expects an exit code 0..255");
        return -EINVAL;
    }
    return 0;
}

static const ProbeKindDef probe_kinds[] = {
    {"http", "HTTP", "URL", "the exact status wanted (default any 2xx)", validate_http},
    {"tcp", "TCP", "HOST:PORT", NULL, validate_tcp},
    {"cmd", "command", "\"CMD ARGS\"", "the exit code wanted (default 0)", validate_cmd},
};

#define N_KINDS ((int)(sizeof probe_kinds / sizeof probe_kinds[0]))

const ProbeKindDef *probe_kind_at(int i)
{
    return i >= 0 && i < N_KINDS ? &probe_kinds[i] : NULL;
}

const ProbeKindDef *probe_kind_find(const char *name)
{
    for (int i = 0; name && i < N_KINDS; i++)
        if (strcmp(probe_kinds[i].name, name) == 0)
            return &probe_kinds[i];
    return NULL;
}

int probe_kind_validate(const char *kind, const char *target, int expect, char *err,
                        size_t errsz)
{
    const ProbeKindDef *k = probe_kind_find(kind);
    if (!k) {
        StrBuf names = {0};
        for (int i = 0; i < N_KINDS; i++)
            strbuf_appendf(&names, "%s%s", i == 0 ? "" : i + 1 == N_KINDS ? " or " : ", ",
                           probe_kinds[i].name);
        snprintf(err, errsz, "Probe kind must be %s", names.s);
        strbuf_free(&names);
        return -EINVAL;
    }
    if (!target || !*target) {
        snprintf(err, errsz, "Probe target is required");
        return -EINVAL;
    }
    return k->validate(target, expect, err, errsz);
}
