/* playbook — see playbook.h. Everything a step kind is (its name, members,
 * default description, JSON form, who runs it) is its row of step_kinds[]. */
#include "domain/playbook.h"
#include "util.h"

#include <cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DESCRIPTION_MAX 500   /* bytes of a step's description */

static void strv_free(char **v)
{
    for (char **p = v; p && *p; p++)
        free(*p);
    free(v);
}

void playbook_step_free(PlaybookStep *s)
{
    free(s->action);
    free(s->description);
    strv_free(s->argv);
    free(s->url);
    free(s->method);
    free(s->body);
    strv_free(s->headers);
}

void playbook_free(Playbook *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->n; i++)
        playbook_step_free(&p->steps[i]);
    free(p->steps);
    p->steps = NULL;
    p->n = 0;
}

/* ---- parsing ---------------------------------------------------------------- */

typedef struct Ctx {
    char  *err;
    size_t errsz;
    int    index;                      /* 1-based step number */
    int    api;                        /* from the API: internal steps and actions only */
} Ctx;

static int fail(Ctx *c, const char *fmt, const char *name)
{
    char msg[400];
    snprintf(msg, sizeof msg, fmt, name);
    snprintf(c->err, c->errsz, "Playbook step %d: %s", c->index, msg);
    return -EINVAL;
}

/* Optional string member: 1 given (into *out, owned), 0 absent, <0 bad. */
static int opt_str(Ctx *c, const cJSON *o, const char *name, char **out, size_t max)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v) || strlen(v->valuestring) > max)
        return fail(c, "'%s' must be a string", name);
    *out = xstrdup(v->valuestring);
    return 1;
}

/* Optional integer member in [min, max]: 1, 0 absent, <0 bad. */
static int opt_int(Ctx *c, const cJSON *o, const char *name, long min, long max, long *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < min ||
        v->valuedouble > max) {
        char f[96];
        snprintf(f, sizeof f, "'%%s' must be an integer in %ld..%ld", min, max);
        return fail(c, f, name);
    }
    *out = (long)v->valuedouble;
    return 1;
}

static int parse_command(Ctx *c, const cJSON *o, PlaybookStep *s)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "argv");
    int n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 0;
    if (n <= 0 || n > 256)
        return fail(c, "'%s' must be a non-empty array of strings", "argv");
    s->argv = xcalloc((size_t)n + 1, sizeof *s->argv);
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a) {
        if (!cJSON_IsString(e) || (i == 0 && !*e->valuestring))
            return fail(c, "'%s' must be a non-empty array of strings", "argv");
        s->argv[i++] = xstrdup(e->valuestring);
    }
    long v = 0;
    int r = opt_int(c, o, "expect_exit", 0, 255, &v);
    if (r < 0)
        return r;
    s->expect = (int)v;
    return 0;
}

static int parse_http(Ctx *c, const cJSON *o, PlaybookStep *s)
{
    int r = opt_str(c, o, "url", &s->url, 4096);
    if (r < 0)
        return r;
    if (!r || (strncmp(s->url, "http://", 7) && strncmp(s->url, "https://", 8)))
        return fail(c, "'%s' must be an http:// or https:// URL", "url");
    if ((r = opt_str(c, o, "method", &s->method, 16)) < 0)
        return r;
    if (!r)
        s->method = xstrdup("POST");
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};
    int known = 0;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcasecmp(s->method, methods[i]) == 0) {
            strcpy(s->method, methods[i]);     /* same length */
            known = 1;
        }
    if (!known)
        return fail(c, "'%s' must be GET, POST, PUT, PATCH, DELETE or HEAD", "method");
    if ((r = opt_str(c, o, "body", &s->body, 1 << 20)) < 0)
        return r;
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "headers");
    if (h && !cJSON_IsNull(h)) {
        if (!cJSON_IsObject(h))
            return fail(c, "'%s' must be an object of strings", "headers");
        int n = cJSON_GetArraySize(h), i = 0;
        s->headers = xcalloc((size_t)n + 1, sizeof *s->headers);
        const cJSON *e;
        cJSON_ArrayForEach(e, h) {
            if (!cJSON_IsString(e) || !*e->string || strpbrk(e->string, ":\r\n") ||
                strpbrk(e->valuestring, "\r\n"))
                return fail(c, "'%s' must be an object of strings", "headers");
            s->headers[i++] = xasprintf("%s: %s", e->string, e->valuestring);
        }
    }
    long v = 0;
    if ((r = opt_int(c, o, "expect_status", 0, 599, &v)) < 0)
        return r;
    s->expect = (int)v;
    return 0;
}

/* service_id of an internal step: 0, the incident's service. */
static int parse_service_id(Ctx *c, const cJSON *o, PlaybookStep *s)
{
    long id = 0;
    int r = opt_int(c, o, "service_id", 1, 0x7fffffffL, &id);
    if (r < 0)
        return r;
    s->service_id = id;
    return 0;
}

static int parse_set_status(Ctx *c, const cJSON *o, PlaybookStep *s)
{
    int r = parse_service_id(c, o, s);
    if (r < 0)
        return r;
    char *st = NULL;
    if ((r = opt_str(c, o, "status", &st, 32)) < 0)
        return r;
    int bad = !r || status_parse(st, &s->status) < 0;
    free(st);
    if (bad)
        return fail(c, "'%s' must be Up, Degraded, Down or Unknown", "status");
    return 0;
}

static int parse_action_ref(Ctx *c, const cJSON *o, PlaybookStep *s)
{
    (void)s;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "action");
    if (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) > 64)
        return fail(c, "'%s' must name an action of the playbook file", "action");
    return 0;
}

/* ---- default descriptions and the JSON form, per kind --------------------------- */

static char *describe_command(const PlaybookStep *s) { return xasprintf("Run %s", s->argv[0]); }
static char *describe_http(const PlaybookStep *s) { return xasprintf("%s %s", s->method, s->url); }
static char *describe_set_status(const PlaybookStep *s)
{
    return xasprintf("Mark the service %s", status_name(s->status));
}
static char *describe_ack_alerts(const PlaybookStep *s)
{
    (void)s;
    return xstrdup("Acknowledge the service's cleared alerts");
}
static char *describe_action(const PlaybookStep *s)
{
    return xasprintf("Run the action %s of the playbook file", s->action);
}
static char *describe_noop(const PlaybookStep *s)
{
    (void)s;
    return xstrdup("No-op");
}

static void command_to_json(cJSON *o, const PlaybookStep *s)
{
    cJSON *argv = cJSON_CreateArray();
    for (char **x = s->argv; x && *x; x++)
        cJSON_AddItemToArray(argv, cJSON_CreateString(*x));
    cJSON_AddItemToObject(o, "argv", argv);
    cJSON_AddNumberToObject(o, "expect_exit", s->expect);
}

static void http_to_json(cJSON *o, const PlaybookStep *s)
{
    cJSON_AddStringToObject(o, "url", s->url);
    cJSON_AddStringToObject(o, "method", s->method);
    if (s->body)
        cJSON_AddStringToObject(o, "body", s->body);
    if (s->headers) {
        cJSON *h = cJSON_CreateObject();
        for (char **x = s->headers; *x; x++) {
            const char *colon = strchr(*x, ':');
            char *name = xasprintf("%.*s", (int)(colon - *x), *x);
            cJSON_AddStringToObject(h, name, colon + 2);
            free(name);
        }
        cJSON_AddItemToObject(o, "headers", h);
    }
    cJSON_AddNumberToObject(o, "expect_status", s->expect);
}

static void service_id_to_json(cJSON *o, const PlaybookStep *s)
{
    if (s->service_id)
        cJSON_AddNumberToObject(o, "service_id", (double)s->service_id);
}

static void set_status_to_json(cJSON *o, const PlaybookStep *s)
{
    cJSON_AddStringToObject(o, "status", status_name(s->status));
    service_id_to_json(o, s);
}

/* ---- the step kinds ---------------------------------------------------------------- */

/* One kind of step. Rows are in the order the "type" error lists them. */
typedef struct StepKindDef {
    StepKind    kind;
    const char *name;            /* "type" in the JSON form */
    StepRunsIn  runs_in;         /* who executes it (playbook.h) */
    int         api;             /* may come through the API and the console (D4) */
    int         acts;            /* 0: it only records (playbook_acts) */
    const char *code_field;      /* the audit's name for the outcome's code, NULL none */
    const char *const *fields;   /* its own members an API step may carry, NULL-terminated */
    int       (*parse)(Ctx *c, const cJSON *o, PlaybookStep *s);   /* its own members; NULL none */
    char     *(*describe)(const PlaybookStep *s);                   /* the default description */
    void      (*to_json)(cJSON *o, const PlaybookStep *s);          /* its own members; NULL none */
} StepKindDef;

static const char *const no_fields[] = {NULL};
static const char *const set_status_fields[] = {"status", "service_id", NULL};
static const char *const ack_alerts_fields[] = {"service_id", NULL};

static const StepKindDef step_kinds[] = {
    {STEP_COMMAND, "command", STEP_RUNS_IN_ENGINE, 0, 1, "exit_code", no_fields, parse_command,
     describe_command, command_to_json},
    {STEP_HTTP, "http", STEP_RUNS_IN_ENGINE, 0, 1, "http_status", no_fields, parse_http,
     describe_http, http_to_json},
    {STEP_ACTION, "action", STEP_RUNS_AS_ACTION, 1, 1, NULL, no_fields, parse_action_ref,
     describe_action, NULL},
    {STEP_SET_STATUS, "set_status", STEP_RUNS_IN_DOMAIN, 1, 1, NULL, set_status_fields,
     parse_set_status, describe_set_status, set_status_to_json},
    {STEP_ACK_ALERTS, "ack_alerts", STEP_RUNS_IN_DOMAIN, 1, 1, NULL, ack_alerts_fields,
     parse_service_id, describe_ack_alerts, service_id_to_json},
    {STEP_NOOP, "noop", STEP_RUNS_IN_DOMAIN, 1, 0, NULL, no_fields, NULL, describe_noop, NULL},
};

#define N_STEP_KINDS ((int)(sizeof step_kinds / sizeof step_kinds[0]))

static const StepKindDef *kind_def(StepKind k)
{
    for (int i = 0; i < N_STEP_KINDS; i++)
        if (step_kinds[i].kind == k)
            return &step_kinds[i];
    return NULL;
}

static const StepKindDef *kind_named(const char *name)
{
    for (int i = 0; name && i < N_STEP_KINDS; i++)
        if (strcmp(step_kinds[i].name, name) == 0)
            return &step_kinds[i];
    return NULL;
}

const char *playbook_kind_name(StepKind k)
{
    const StepKindDef *d = kind_def(k);
    return d ? d->name : "noop";
}

StepRunsIn playbook_kind_runs_in(StepKind k)
{
    const StepKindDef *d = kind_def(k);
    return d ? d->runs_in : STEP_RUNS_IN_DOMAIN;
}

const char *playbook_kind_code_field(StepKind k)
{
    const StepKindDef *d = kind_def(k);
    return d ? d->code_field : NULL;
}

/* ---- one step ---------------------------------------------------------------------- */

#define API_ONLY_HINT                                                                        \
    "is not allowed through the API: commands and URLs are defined only in the playbook "   \
    "file on the host (resolve.playbook_file); name one with {\"type\": \"action\", "       \
    "\"action\": \"<name>\"}"

/* A member an API step may carry: the common ones, or one of an API
 * kind's own (whatever the step's type says). */
static int api_field(const char *name)
{
    static const char *const common[] = {"type", "action", "description", NULL};
    for (int i = 0; common[i]; i++)
        if (strcmp(name, common[i]) == 0)
            return 1;
    for (int k = 0; k < N_STEP_KINDS; k++)
        for (int i = 0; step_kinds[k].api && step_kinds[k].fields[i]; i++)
            if (strcmp(name, step_kinds[k].fields[i]) == 0)
                return 1;
    return 0;
}

/* Through the API: only those members, so no argv, url, shell or the like
 * ever gets in, whatever the type says. */
static int api_fields_ok(Ctx *c, const cJSON *o)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, o) {
        if (!api_field(e->string)) {
            char f[320];
            snprintf(f, sizeof f, "field '%%s' %s", API_ONLY_HINT);
            return fail(c, f, e->string);
        }
    }
    return 0;
}

/* "'%s' must be command, http, ... or noop": the kinds the caller may use. */
static int bad_type(Ctx *c)
{
    StrBuf b = {0};
    int n = 0, last = -1;
    for (int i = 0; i < N_STEP_KINDS; i++)
        if (!c->api || step_kinds[i].api)
            last = i;
    strbuf_append(&b, "'%s' must be ");
    for (int i = 0; i < N_STEP_KINDS; i++)
        if (!c->api || step_kinds[i].api)
            strbuf_appendf(&b, "%s%s", n++ == 0 ? "" : i == last ? " or " : ", ",
                           step_kinds[i].name);
    int r = fail(c, b.s, "type");
    strbuf_free(&b);
    return r;
}

/* The "type" member into its row: 0 and *out, or -EINVAL. */
static int parse_type(Ctx *c, const cJSON *o, const StepKindDef **out)
{
    char *type = NULL;
    int r = opt_str(c, o, "type", &type, 32);
    if (r < 0)
        return r;
    const StepKindDef *d = r ? kind_named(type) : NULL;
    if (d && c->api && !d->api) {
        char f[320];
        snprintf(f, sizeof f, "type '%%s' %s", API_ONLY_HINT);
        r = fail(c, f, type);
        free(type);
        return r;
    }
    free(type);
    if (!d)
        return bad_type(c);
    *out = d;
    return 0;
}

/* The default description, cut to DESCRIPTION_MAX bytes (at a UTF-8
 * character's start): "POST <a long URL>" must read back from the JSON
 * form, where it is a given description. */
static char *describe_within(const StepKindDef *d, const PlaybookStep *s)
{
    char *text = d->describe(s);
    size_t n = strlen(text);
    if (n > DESCRIPTION_MAX) {
        n = DESCRIPTION_MAX;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--;
        text[n] = '\0';
    }
    return text;
}

static int parse_step(Ctx *c, const cJSON *o, PlaybookStep *s)
{
    memset(s, 0, sizeof *s);
    if (!cJSON_IsObject(o))
        return fail(c, "%s", "must be an object");
    if (c->api && api_fields_ok(c, o) < 0)
        return -EINVAL;
    const StepKindDef *d;
    int r = parse_type(c, o, &d);
    if (r < 0)
        return r;
    s->kind = d->kind;
    if ((r = opt_str(c, o, "action", &s->action, 64)) < 0 ||
        (r = opt_str(c, o, "description", &s->description, DESCRIPTION_MAX)) < 0)
        return r;
    long t = 0;
    if ((r = opt_int(c, o, "timeout_ms", 1, 3600000, &t)) < 0)
        return r;
    s->timeout_ms = (int)t;
    if (d->parse && (r = d->parse(c, o, s)) < 0)
        return r;
    if (!s->action)
        s->action = xstrdup(d->name);
    if (!s->description)
        s->description = describe_within(d, s);
    return 0;
}

static int parse_from(const char *json, int api, Playbook *out, char *err, size_t errsz)
{
    Ctx c = {.err = err, .errsz = errsz, .api = api};
    cJSON *a = json ? cJSON_Parse(json) : NULL;
    int n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : -1;
    if (n < 0 || n > PLAYBOOK_MAX_STEPS) {
        cJSON_Delete(a);
        snprintf(err, errsz, "Playbook must be an array of at most %d steps", PLAYBOOK_MAX_STEPS);
        return -EINVAL;
    }
    Playbook p = {.steps = xcalloc((size_t)(n ? n : 1), sizeof *p.steps)};
    const cJSON *e;
    int r = 0;
    cJSON_ArrayForEach(e, a) {
        c.index = p.n + 1;
        r = parse_step(&c, e, &p.steps[p.n]);
        p.n++;                             /* so playbook_free frees a half step */
        if (r < 0)
            break;
    }
    cJSON_Delete(a);
    if (r < 0) {
        playbook_free(&p);
        return r;
    }
    *out = p;
    return 0;
}

int playbook_parse(const char *json, Playbook *out, char *err, size_t errsz)
{
    return parse_from(json, 0, out, err, errsz);
}

int playbook_parse_api(const char *json, Playbook *out, char *err, size_t errsz)
{
    return parse_from(json, 1, out, err, errsz);
}

int playbook_acts(const Playbook *p)
{
    for (int i = 0; p && i < p->n; i++) {
        const StepKindDef *d = kind_def(p->steps[i].kind);
        if (!d || d->acts)
            return 1;
    }
    return 0;
}

static char **strv_dup(char *const *v)
{
    if (!v)
        return NULL;
    int n = 0;
    while (v[n])
        n++;
    char **out = xcalloc((size_t)n + 1, sizeof *out);
    for (int i = 0; i < n; i++)
        out[i] = xstrdup(v[i]);
    return out;
}

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

void playbook_step_copy(PlaybookStep *out, const PlaybookStep *in)
{
    *out = *in;
    out->action = dup_or_null(in->action);
    out->description = dup_or_null(in->description);
    out->argv = strv_dup(in->argv);
    out->url = dup_or_null(in->url);
    out->method = dup_or_null(in->method);
    out->body = dup_or_null(in->body);
    out->headers = strv_dup(in->headers);
}

char *playbook_to_json(const Playbook *p)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < p->n; i++) {
        const PlaybookStep *s = &p->steps[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", playbook_kind_name(s->kind));
        cJSON_AddStringToObject(o, "action", s->action);
        cJSON_AddStringToObject(o, "description", s->description);
        if (s->timeout_ms)
            cJSON_AddNumberToObject(o, "timeout_ms", s->timeout_ms);
        const StepKindDef *d = kind_def(s->kind);
        if (d && d->to_json)
            d->to_json(o, s);
        cJSON_AddItemToArray(a, o);
    }
    char *text = cJSON_PrintUnformatted(a);
    cJSON_Delete(a);
    return text;
}

/* ---- the seed's defaults ---------------------------------------------------- */

typedef struct DefaultStep {
    const char *action, *description;
} DefaultStep;

static const struct {
    const char       *category;
    DefaultStep       steps[3];
} defaults[] = {
    {"network", {{"ping_check", "Check network connectivity"},
                 {"service_restart", "Restart network service"},
                 {"health_check", "Verify resolution"}}},
    {"database", {{"connection_check", "Check database connections"},
                  {"pool_clear", "Clear connection pool"},
                  {"health_check", "Verify database health"}}},
    {"application", {{"log_check", "Check application logs"},
                     {"service_restart", "Restart application service"},
                     {"health_check", "Verify application health"}}},
};

void playbook_default(const char *category, Playbook *out)
{
    static const DefaultStep generic[1] = {{"health_check", "Generic health check"}};
    const DefaultStep *steps = generic;
    int n = 1;
    for (size_t i = 0; category && i < sizeof defaults / sizeof defaults[0]; i++)
        if (strcmp(category, defaults[i].category) == 0) {
            steps = defaults[i].steps;
            n = 3;
        }
    out->steps = xcalloc((size_t)n, sizeof *out->steps);
    out->n = n;
    for (int i = 0; i < n; i++) {
        out->steps[i].kind = STEP_NOOP;
        out->steps[i].action = xstrdup(steps[i].action);
        out->steps[i].description = xstrdup(steps[i].description);
    }
}

/* ---- placeholders ------------------------------------------------------------ */

/* Append value placed for mode; 0, or -1 with err when it cannot be. */
static int put_value(StrBuf *b, const char *name, const char *value, ExpandMode mode, char *err,
                     size_t errsz)
{
    for (const unsigned char *q = (const unsigned char *)value; *q; q++)
        if (*q < 0x20 || *q == 0x7f) {
            snprintf(err, errsz, "placeholder ${%s} holds a control character", name);
            return -1;
        }
    if (mode == EXPAND_ARG && (strpbrk(value, "/\\") || value[0] == '-' ||
                               strcmp(value, ".") == 0 || strcmp(value, "..") == 0)) {
        snprintf(err, errsz, "placeholder ${%s} ('%.60s') cannot be a command argument: "
                 "no '/', '\\', leading '-', '.' or '..'", name, value);
        return -1;
    }
    for (const unsigned char *q = (const unsigned char *)value; *q; q++) {
        char piece[8] = {(char)*q, 0};
        if (mode == EXPAND_URL && !isalnum(*q) && !strchr("-._~", *q))
            snprintf(piece, sizeof piece, "%%%02X", *q);
        else if (mode == EXPAND_JSON && (*q == '"' || *q == '\\'))
            snprintf(piece, sizeof piece, "\\%c", *q);
        strbuf_append(b, piece);
    }
    return 0;
}

static char *expand(const char *tmpl, const PlaybookVars *v, int placed, ExpandMode mode,
                    char *err, size_t errsz)
{
    if (!tmpl)
        return NULL;
    char sid[24];
    snprintf(sid, sizeof sid, "%lld", (long long)v->service_id);
    const struct { const char *name, *value; } vars[] = {
        {"incident_id", v->incident_id}, {"category", v->category}, {"priority", v->priority},
        {"service_id", v->service_id ? sid : ""}, {"service", v->service},
        {"created_by", v->created_by},
    };
    StrBuf b = {0};
    strbuf_append(&b, "");
    for (const char *p = tmpl; *p;) {
        if (p[0] == '$' && p[1] == '{') {
            const char *close = strchr(p + 2, '}');
            size_t len = close ? (size_t)(close - p - 2) : 0;
            int hit = 0;
            for (size_t i = 0; close && i < sizeof vars / sizeof vars[0]; i++)
                if (strlen(vars[i].name) == len && strncmp(p + 2, vars[i].name, len) == 0) {
                    const char *val = vars[i].value ? vars[i].value : "";
                    if (!placed)
                        strbuf_append(&b, val);
                    else if (put_value(&b, vars[i].name, val, mode, err, errsz) < 0) {
                        free(b.s);
                        return NULL;
                    }
                    p = close + 1;
                    hit = 1;
                    break;
                }
            for (size_t i = 0; close && !hit && v->extra && v->extra[i]; i += 2)
                if (strlen(v->extra[i]) == len && strncmp(p + 2, v->extra[i], len) == 0) {
                    const char *val = v->extra[i + 1] ? v->extra[i + 1] : "";
                    if (!placed)
                        strbuf_append(&b, val);
                    else if (put_value(&b, v->extra[i], val, mode, err, errsz) < 0) {
                        free(b.s);
                        return NULL;
                    }
                    p = close + 1;
                    hit = 1;
                }
            if (hit)
                continue;
        }
        char ch[2] = {*p++, 0};
        strbuf_append(&b, ch);
    }
    return b.s;
}

char *playbook_expand(const char *tmpl, const PlaybookVars *v)
{
    return expand(tmpl, v, 0, EXPAND_HEADER, NULL, 0);
}

char *playbook_expand_as(const char *tmpl, const PlaybookVars *v, ExpandMode mode, char *err,
                         size_t errsz)
{
    return expand(tmpl, v, 1, mode, err, errsz);
}
