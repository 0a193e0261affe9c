/* secresponse — see secresponse.h.
 *
 * How a response runs: secresponse_run records a sec_response row and
 * submits an incident "SECRESP-<row id>" in category security through
 * incidents_submit (forced: a person asked for it, so the confidence check
 * is waived; the kill switch and the category's switch still refuse, and
 * the runner's max_concurrent_resolutions makes it wait). When the runner
 * claims that incident, incident_runs asks secresponse_plan for its steps:
 * the configured action's one step with the row's target and parameters
 * placed by playbook_expand_as (argv elements, URL pieces, JSON string
 * bodies: a value never changes the shape the operator wrote), so the
 * command runs with argv, never a shell. Each move of the run
 * (secresponse_on_run) updates the row in the runner's own transaction.
 *
 * The catalog (name -> step) is this process's, loaded at start from
 * security.actions like the playbook file's actions (actions.h): the
 * database only ever names an action.
 */
#include "domain/secresponse.h"
#include "domain/decision.h"
#include "domain/errors.h"
#include "domain/incidents.h"
#include "store/audit_repo.h"
#include "store/playbook_repo.h"
#include "util.h"

#include <arpa/inet.h>
#include <cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRESP_DEFAULT_DIR   "/usr/local/libexec/resops/actions/"
#define SECRESP_MAX_ACTIONS   64
#define SECRESP_VALUE_MAX     256
#define RESP_INCIDENT_PREFIX  "SECRESP-"
#define ESC_INCIDENT_PREFIX   "SECALERT-"
#define AUDIT_ENTITY          "SecurityAlert"

/* ---- the catalog ---------------------------------------------------------------- */

typedef struct SecAction {
    char        *name;
    PlaybookStep step;
    cJSON       *defaults;    /* object: parameter -> value; may be NULL */
} SecAction;

typedef struct Catalog {
    SecAction  *a;
    int         n;
    const char *names[SECRESP_MAX_ACTIONS + 1];
    char       *escalation;   /* "" none */
} Catalog;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static Catalog         g_cat;
static int             g_loaded;

static void catalog_free(Catalog *c)
{
    for (int i = 0; i < c->n; i++) {
        free(c->a[i].name);
        playbook_step_free(&c->a[i].step);
        cJSON_Delete(c->a[i].defaults);
    }
    free(c->a);
    free(c->escalation);
    memset(c, 0, sizeof *c);
}

/* The fixed placeholders (playbook.h's) and ours without a prefix. */
static int known_placeholder(const char *name, size_t len)
{
    static const char *const fixed[] = {"incident_id", "category", "priority", "service_id",
                                        "service", "created_by", "alert.id", "response.id"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (strlen(fixed[i]) == len && strncmp(fixed[i], name, len) == 0)
            return 1;
    size_t pre = strncmp(name, "target.", 7) == 0 ? 7 : strncmp(name, "param.", 6) == 0 ? 6 : 0;
    if (!pre || len <= pre)
        return 0;
    for (size_t i = pre; i < len; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '_')
            return 0;
    return 1;
}

/* Call fn for each "${name}" of s; stops at fn's non-zero. */
static int each_placeholder(const char *s, int (*fn)(void *ctx, const char *name, size_t len),
                            void *ctx)
{
    for (const char *p = s ? strstr(s, "${") : NULL; p; p = strstr(p + 2, "${")) {
        const char *close = strchr(p + 2, '}');
        if (!close)
            break;
        int r = fn(ctx, p + 2, (size_t)(close - p - 2));
        if (r)
            return r;
    }
    return 0;
}

/* Every template string of a step, for fn. */
static int step_each_placeholder(const PlaybookStep *s,
                                 int (*fn)(void *ctx, const char *name, size_t len), void *ctx)
{
    int r = 0;
    for (char **a = s->argv; !r && a && *a; a++)
        r = each_placeholder(*a, fn, ctx);
    for (char **h = s->headers; !r && h && *h; h++)
        r = each_placeholder(*h, fn, ctx);
    if (!r)
        r = each_placeholder(s->url, fn, ctx);
    if (!r)
        r = each_placeholder(s->body, fn, ctx);
    return r;
}

typedef struct BadName {
    char name[80];
} BadName;

static int note_unknown(void *ctx, const char *name, size_t len)
{
    if (known_placeholder(name, len))
        return 0;
    snprintf(((BadName *)ctx)->name, sizeof ((BadName *)ctx)->name, "%.*s",
             (int)(len > 60 ? 60 : len), name);
    return 1;
}

static int valid_action_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
            return 0;
    return 1;
}

static int valid_value(const char *v, char *why, size_t size);

/* One action of the setting into *out: its JSON step in playbook.h's
 * form (kind -> type, timeout_s -> timeout_ms), parsed by playbook_parse. */
static int parse_action(const cJSON *spec, SecAction *out, char *err, size_t errsz)
{
    const char *name = spec->string;
    if (!valid_action_name(name)) {
        snprintf(err, errsz, "security.actions: bad action name '%.64s' (letters, digits, "
                 "'_', '-', '.'; at most 64)", name);
        return -EINVAL;
    }
    if (!cJSON_IsObject(spec)) {
        snprintf(err, errsz, "security.actions.%s: must be an object", name);
        return -EINVAL;
    }
    cJSON *o = cJSON_Duplicate(spec, 1);
    cJSON *kind = cJSON_DetachItemFromObjectCaseSensitive(o, "kind");
    if (kind && !cJSON_HasObjectItem(o, "type"))
        cJSON_AddItemToObject(o, "type", kind);
    else
        cJSON_Delete(kind);
    cJSON *ts = cJSON_DetachItemFromObjectCaseSensitive(o, "timeout_s");
    if (cJSON_IsNumber(ts) && !cJSON_HasObjectItem(o, "timeout_ms"))
        cJSON_AddNumberToObject(o, "timeout_ms", ts->valuedouble * 1000.0);
    else if (ts && !cJSON_IsNumber(ts)) {
        cJSON_Delete(ts);
        cJSON_Delete(o);
        snprintf(err, errsz, "security.actions.%s: 'timeout_s' must be a number", name);
        return -EINVAL;
    }
    cJSON_Delete(ts);
    cJSON *defaults = cJSON_DetachItemFromObjectCaseSensitive(o, "defaults");
    if (!cJSON_HasObjectItem(o, "action"))
        cJSON_AddStringToObject(o, "action", name);
    cJSON *arr = cJSON_CreateArray();
    cJSON_AddItemToArray(arr, o);
    char *text = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    Playbook pb = {0};
    char perr[400];
    int r = playbook_parse(text, &pb, perr, sizeof perr);
    free(text);
    if (r < 0) {
        cJSON_Delete(defaults);
        snprintf(err, errsz, "security.actions.%s: %s", name, perr);
        return -EINVAL;
    }
    memset(out, 0, sizeof *out);
    out->name = xstrdup(name);
    out->step = pb.steps[0];
    free(pb.steps);
    out->defaults = defaults;
    return 0;
}

/* The checks beyond the step's own: kind, placeholders, defaults. */
static int check_action(const SecAction *a, char *err, size_t errsz)
{
    if (a->step.kind != STEP_COMMAND && a->step.kind != STEP_HTTP) {
        snprintf(err, errsz, "security.actions.%s: kind must be \"command\" or \"http\"",
                 a->name);
        return -EINVAL;
    }
    BadName bad = {""};
    if (step_each_placeholder(&a->step, note_unknown, &bad)) {
        snprintf(err, errsz, "security.actions.%s: unknown placeholder ${%s} (use "
                 "${target.NAME}, ${param.NAME}, ${alert.id}, ${response.id}, ${incident_id})",
                 a->name, bad.name);
        return -EINVAL;
    }
    if (a->defaults && !cJSON_IsObject(a->defaults)) {
        snprintf(err, errsz, "security.actions.%s: 'defaults' must be an object", a->name);
        return -EINVAL;
    }
    const cJSON *d;
    cJSON_ArrayForEach(d, a->defaults) {
        char why[160];
        if (!cJSON_IsString(d) && !cJSON_IsNumber(d)) {
            snprintf(err, errsz, "security.actions.%s: defaults.%s must be a string or a "
                     "number", a->name, d->string);
            return -EINVAL;
        }
        if (cJSON_IsString(d) && valid_value(d->valuestring, why, sizeof why) < 0) {
            snprintf(err, errsz, "security.actions.%s: defaults.%s: %s", a->name, d->string,
                     why);
            return -EINVAL;
        }
    }
    return 0;
}

/* The default set as the setting's JSON. */
static cJSON *default_actions(const char *dir, const char *webhook_url)
{
    static const struct { const char *name, *target, *param; } cmds[] = {
        {"block_ip", "${target.ip}", "${param.duration_minutes}"},
        {"disable_user", "${target.user}", NULL},
        {"isolate_host", "${target.host}", NULL},
    };
    const char *d = dir && *dir ? dir : SECRESP_DEFAULT_DIR;
    const char *sep = d[strlen(d) - 1] == '/' ? "" : "/";
    cJSON *root = cJSON_CreateObject();
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        cJSON *o = cJSON_AddObjectToObject(root, cmds[i].name);
        cJSON_AddStringToObject(o, "kind", "command");
        cJSON *argv = cJSON_AddArrayToObject(o, "argv");
        char *path = xasprintf("%s%s%s", d, sep, cmds[i].name);
        cJSON_AddItemToArray(argv, cJSON_CreateString(path));
        free(path);
        cJSON_AddItemToArray(argv, cJSON_CreateString(cmds[i].target));
        if (cmds[i].param) {
            cJSON_AddItemToArray(argv, cJSON_CreateString(cmds[i].param));
            cJSON_AddNumberToObject(cJSON_AddObjectToObject(o, "defaults"), "duration_minutes",
                                    60);
        }
        cJSON_AddNumberToObject(o, "timeout_s", 30);
    }
    if (webhook_url && *webhook_url) {
        cJSON *o = cJSON_AddObjectToObject(root, "webhook");
        cJSON_AddStringToObject(o, "kind", "http");
        cJSON_AddStringToObject(o, "url", webhook_url);
        cJSON_AddStringToObject(o, "method", "POST");
        cJSON_AddStringToObject(o, "body", "{\"alert_id\": \"${alert.id}\", \"response_id\": "
                                           "\"${response.id}\", \"incident_id\": "
                                           "\"${incident_id}\"}");
    }
    return root;
}

static int catalog_build(const char *json, const char *dir, const char *webhook_url,
                         const char *escalation, Catalog *c, char *err, size_t errsz)
{
    memset(c, 0, sizeof *c);
    cJSON *root = json && *json ? cJSON_Parse(json) : default_actions(dir, webhook_url);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        snprintf(err, errsz, "security.actions: must be a JSON object {\"name\": step, ...}");
        return -EINVAL;
    }
    int n = cJSON_GetArraySize(root);
    if (n > SECRESP_MAX_ACTIONS) {
        cJSON_Delete(root);
        snprintf(err, errsz, "security.actions: at most %d actions", SECRESP_MAX_ACTIONS);
        return -EINVAL;
    }
    c->a = xcalloc((size_t)(n ? n : 1), sizeof *c->a);
    const cJSON *spec;
    int r = 0;
    cJSON_ArrayForEach(spec, root) {
        if ((r = parse_action(spec, &c->a[c->n], err, errsz)) < 0)
            break;
        c->n++;
        if ((r = check_action(&c->a[c->n - 1], err, errsz)) < 0)
            break;
        c->names[c->n - 1] = c->a[c->n - 1].name;
    }
    cJSON_Delete(root);
    c->escalation = xstrdup(escalation ? escalation : "");
    if (r == 0 && *c->escalation) {
        int found = 0;
        for (int i = 0; i < c->n; i++)
            found |= strcmp(c->a[i].name, c->escalation) == 0;
        if (!found) {
            snprintf(err, errsz, "security.escalation_action: '%.64s' is not an action of "
                     "security.actions", c->escalation);
            r = -EINVAL;
        }
    }
    if (r < 0)
        catalog_free(c);
    return r;
}

int secresponse_configure(const char *actions_json, const char *dir, const char *webhook_url,
                          const char *escalation_action, char *err, size_t errsz)
{
    Catalog c;
    if (catalog_build(actions_json, dir, webhook_url, escalation_action, &c, err, errsz) < 0)
        return -EINVAL;
    pthread_mutex_lock(&g_mu);
    catalog_free(&g_cat);
    g_cat = c;
    g_loaded = 1;
    pthread_mutex_unlock(&g_mu);
    return 0;
}

/* Under g_mu: the defaults the first time. */
static void ensure_loaded(void)
{
    if (g_loaded)
        return;
    char err[200];
    if (catalog_build(NULL, NULL, NULL, NULL, &g_cat, err, sizeof err) == 0)
        g_loaded = 1;
}

const char *const *secresponse_actions(void)
{
    pthread_mutex_lock(&g_mu);
    ensure_loaded();
    const char *const *names = g_cat.names;
    pthread_mutex_unlock(&g_mu);
    return names;
}

static const SecAction *find_locked(const char *name)
{
    for (int i = 0; name && i < g_cat.n; i++)
        if (strcmp(g_cat.a[i].name, name) == 0)
            return &g_cat.a[i];
    return NULL;
}

int secresponse_action_exists(const char *name)
{
    pthread_mutex_lock(&g_mu);
    ensure_loaded();
    int r = find_locked(name) != NULL;
    pthread_mutex_unlock(&g_mu);
    return r;
}

void secresponse_action_names(char *buf, size_t size)
{
    pthread_mutex_lock(&g_mu);
    ensure_loaded();
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < g_cat.n && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", g_cat.a[i].name);
    pthread_mutex_unlock(&g_mu);
}

/* A copy of the action (step and defaults) taken under the lock: 1, or 0
 * when it is not configured. */
static int action_copy(const char *name, PlaybookStep *step, cJSON **defaults)
{
    pthread_mutex_lock(&g_mu);
    ensure_loaded();
    const SecAction *a = find_locked(name);
    if (a) {
        playbook_step_copy(step, &a->step);
        *defaults = a->defaults ? cJSON_Duplicate(a->defaults, 1) : NULL;
    }
    pthread_mutex_unlock(&g_mu);
    return a != NULL;
}

static char *escalation_action(void)
{
    pthread_mutex_lock(&g_mu);
    ensure_loaded();
    char *s = xstrdup(g_cat.escalation ? g_cat.escalation : "");
    pthread_mutex_unlock(&g_mu);
    return s;
}

/* ---- values ------------------------------------------------------------------------ */

/* A generic value: 1..256 bytes of letters, digits and ._:@+,=- (no
 * space, no '/', no '$', no shell or path character), not starting '-'. */
static int valid_value(const char *v, char *why, size_t size)
{
    size_t n = strlen(v);
    if (n == 0 || n > SECRESP_VALUE_MAX) {
        snprintf(why, size, "must be 1 to %d characters", SECRESP_VALUE_MAX);
        return -1;
    }
    if (v[0] == '-') {
        snprintf(why, size, "must not start with '-'");
        return -1;
    }
    for (const char *p = v; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._:@+,=-", *p)) {
            snprintf(why, size, "holds '%c': only letters, digits and . _ : @ + , = - are "
                     "allowed", isprint((unsigned char)*p) ? *p : '?');
            return -1;
        }
    return 0;
}

/* The value of one target/param for placeholder name (e.g. "target.ip"):
 * strings as they are, numbers in C form, booleans true/false; target.ip
 * must parse as an IPv4 or IPv6 address (inet_pton), target.user and
 * target.host and every other value as valid_value. Owned, or NULL with err. */
static char *value_of(const char *name, const cJSON *v, char *err, size_t errsz)
{
    char *s = NULL;
    if (cJSON_IsString(v))
        s = xstrdup(v->valuestring);
    else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        s = d == floor(d) && fabs(d) < 1e15 ? xasprintf("%lld", (long long)d)
                                              : xasprintf("%.17g", d);
    } else if (cJSON_IsBool(v))
        s = xstrdup(cJSON_IsTrue(v) ? "true" : "false");
    else {
        snprintf(err, errsz, "%s must be a string, a number or a boolean", name);
        return NULL;
    }
    char why[160];
    if (strcmp(name, "target.ip") == 0) {
        unsigned char buf[16];
        if (inet_pton(AF_INET, s, buf) != 1 && inet_pton(AF_INET6, s, buf) != 1) {
            snprintf(err, errsz, "target.ip must be an IPv4 or IPv6 address, not '%.64s'", s);
            free(s);
            return NULL;
        }
    } else if (valid_value(s, why, sizeof why) < 0) {
        snprintf(err, errsz, "%s %s", name, why);
        free(s);
        return NULL;
    }
    return s;
}

/* The extra placeholders of one run (playbook.h's PlaybookVars.extra). */
typedef struct Vars {
    char **kv;      /* name, value, ..., NULL */
    int    n;       /* pairs */
    const cJSON *target, *params, *defaults;
    const char  *action;
    char        *err;
    size_t       errsz;
    int          failed;
} Vars;

static void vars_free(Vars *v)
{
    for (int i = 0; i < 2 * v->n; i++)
        free(v->kv[i]);
    free(v->kv);
    v->kv = NULL;
    v->n = 0;
}

static void vars_put(Vars *v, const char *name, size_t len, char *value)
{
    v->kv = xrealloc(v->kv, (size_t)(2 * v->n + 3) * sizeof *v->kv);
    v->kv[2 * v->n] = xasprintf("%.*s", (int)len, name);
    v->kv[2 * v->n + 1] = value;
    v->n++;
    v->kv[2 * v->n] = NULL;
}

static int vars_has(const Vars *v, const char *name, size_t len)
{
    for (int i = 0; i < v->n; i++)
        if (strlen(v->kv[2 * i]) == len && strncmp(v->kv[2 * i], name, len) == 0)
            return 1;
    return 0;
}

/* One referenced ${target.x} / ${param.x}: found, checked, added. */
static int vars_need(void *ctx, const char *name, size_t len)
{
    Vars *v = ctx;
    int is_target = strncmp(name, "target.", 7) == 0;
    if ((!is_target && strncmp(name, "param.", 6) != 0) || vars_has(v, name, len))
        return 0;
    size_t pre = is_target ? 7 : 6;
    char key[80], full[96];
    snprintf(key, sizeof key, "%.*s", (int)(len - pre > 60 ? 60 : len - pre), name + pre);
    snprintf(full, sizeof full, "%s.%s", is_target ? "target" : "param", key);
    const cJSON *val = cJSON_GetObjectItemCaseSensitive(is_target ? v->target : v->params, key);
    if (!val && !is_target)
        val = cJSON_GetObjectItemCaseSensitive(v->defaults, key);
    if (!val || cJSON_IsNull(val)) {
        snprintf(v->err, v->errsz, "Action '%s' needs %s", v->action, full);
        return v->failed = 1;
    }
    char *s = value_of(full, val, v->err, v->errsz);
    if (!s)
        return v->failed = 1;
    vars_put(v, name, len, s);
    return 0;
}

/* tmpl's strings placed with vars into *out (a copy). 0 or -EINVAL. */
static int expand_step(const PlaybookStep *tmpl, const PlaybookVars *pv, PlaybookStep *out,
                       char *err, size_t errsz)
{
    playbook_step_copy(out, tmpl);
    char perr[300] = "";
    int bad = 0;
    for (int i = 0; !bad && out->argv && out->argv[i]; i++) {
        char *x = playbook_expand_as(tmpl->argv[i], pv, EXPAND_ARG, perr, sizeof perr);
        bad = !x;
        if (x) {
            free(out->argv[i]);
            out->argv[i] = x;
        }
    }
    for (int i = 0; !bad && out->headers && out->headers[i]; i++) {
        char *x = playbook_expand_as(tmpl->headers[i], pv, EXPAND_HEADER, perr, sizeof perr);
        bad = !x;
        if (x) {
            free(out->headers[i]);
            out->headers[i] = x;
        }
    }
    struct { char **slot; const char *t; ExpandMode m; } one[] = {
        {&out->url, tmpl->url, EXPAND_URL}, {&out->body, tmpl->body, EXPAND_JSON},
    };
    for (size_t i = 0; !bad && i < sizeof one / sizeof one[0]; i++) {
        if (!one[i].t)
            continue;
        char *x = playbook_expand_as(one[i].t, pv, one[i].m, perr, sizeof perr);
        bad = !x;
        if (x) {
            free(*one[i].slot);
            *one[i].slot = x;
        }
    }
    if (bad) {
        snprintf(err, errsz, "Action '%s': %s", tmpl->action, perr);
        playbook_step_free(out);
        memset(out, 0, sizeof *out);
        return -EINVAL;
    }
    return 0;
}

/* The run's concrete step: action's step with target/params placed.
 * incident_id NULL: a check only (at the request, before anything is
 * written). 0 with *out (playbook_step_free), -EINVAL with err. */
static int build_step(const char *action, const char *target_json, const char *params_json,
                      const char *alert_id, int64_t response_id, const char *incident_id,
                      PlaybookStep *out, char *err, size_t errsz)
{
    PlaybookStep tmpl;
    cJSON *defaults = NULL;
    if (!action_copy(action, &tmpl, &defaults)) {
        char names[600];
        secresponse_action_names(names, sizeof names);
        snprintf(err, errsz, "Unknown action '%.64s'; known actions: %s", action, names);
        return -EINVAL;
    }
    cJSON *target = cJSON_Parse(target_json ? target_json : "{}");
    cJSON *params = params_json ? cJSON_Parse(params_json) : NULL;
    Vars v = {.target = target, .params = params, .defaults = defaults, .action = action,
              .err = err, .errsz = errsz};
    v.kv = xcalloc(1, sizeof *v.kv);
    char rid[24];
    snprintf(rid, sizeof rid, "%lld", (long long)response_id);
    vars_put(&v, "alert.id", 8, xstrdup(alert_id));
    vars_put(&v, "response.id", 11, xstrdup(rid));
    step_each_placeholder(&tmpl, vars_need, &v);
    int r = -EINVAL;
    if (!v.failed) {
        PlaybookVars pv = {.incident_id = incident_id ? incident_id : RESP_INCIDENT_PREFIX "0",
                           .category = "security", .priority = "high",
                           .created_by = "resops", .extra = (const char *const *)v.kv};
        r = expand_step(&tmpl, &pv, out, err, errsz);
    }
    vars_free(&v);
    cJSON_Delete(target);
    cJSON_Delete(params);
    cJSON_Delete(defaults);
    playbook_step_free(&tmpl);
    return r;
}

/* ---- running a response ------------------------------------------------------------ */

static int alert_lookup(Store *st, const char *alert_id, SecRespAlert *a)
{
    if (!alert_id || !*alert_id)
        return -ENOENT;
    int r = secresp_repo_alert(st, alert_id, a);
    return r < 0 ? -EIO : r == 0 ? -ENOENT : 0;
}

/* alert_lookup with the API's message in err ("Alert 'x' not found"). */
static int alert_find(Store *st, const char *alert_id, SecRespAlert *a, char *err, size_t errsz)
{
    int r = alert_lookup(st, alert_id, a);
    if (r < 0)
        snprintf(err, errsz, r == -ENOENT ? "Alert '%.128s' not found" : DOMAIN_IO_ERROR,
                 alert_id ? alert_id : "");
    return r;
}

static int audit(Store *st, const char *action, int64_t seq, const char *actor, const char *fmt,
                 ...) __attribute__((format(printf, 5, 6)));

static int audit(Store *st, const char *action, int64_t seq, const char *actor, const char *fmt,
                 ...)
{
    char detail[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return audit_repo_add_as(st, action, AUDIT_ENTITY, seq, 0, actor, detail,
                             util_now()) < 0 ? -EIO : 0;
}

/* The incident that carries a response (or an escalation). */
static IncidentInput incident_input(const char *id, const char *title, const char *description,
                                    const char *priority, double confidence, const char *actor,
                                    const char *tags)
{
    return (IncidentInput){
        .incident_id = id, .title = title, .description = description,
        .category = "security", .priority = priority, .created_by = actor,
        .confidence = confidence, .tags_json = tags,
    };
}

/* The refusal's text for the API: the brief's kill switch sentence, else
 * the decision's reason. */
static void refusal_text(const char *reason, const char *action, char *err, size_t errsz)
{
    if (strstr(reason, "kill switch"))
        snprintf(err, errsz, "Auto-resolution is stopped (kill switch): response '%s' not run",
                 action);
    else
        snprintf(err, errsz, "%s: response '%s' not run", reason, action);
}

/* Submit the response row's incident (in the caller's transaction):
 * queued, or the row refused. 0, -EAGAIN (refused: err), -EINVAL, -EIO. */
static int submit_response(Store *st, const SecRespAlert *a, int64_t rid, const char *action,
                           const char *actor, int64_t now, SecResponseOut *out, char *err,
                           size_t errsz)
{
    snprintf(out->incident_id, sizeof out->incident_id, RESP_INCIDENT_PREFIX "%lld",
             (long long)rid);
    char *title = xasprintf("Response %s on security alert %.100s", action, a->id);
    char *desc = xasprintf("Response action %s (sec_response %lld) requested by %s for alert "
                           "%s: %s", action, (long long)rid, actor, a->id, a->title);
    cJSON *tags = cJSON_CreateStringArray((const char *const[]){"security", "response"}, 2);
    char *tags_s = cJSON_PrintUnformatted(tags);
    cJSON_Delete(tags);
    IncidentInput in = incident_input(out->incident_id, title, desc, "high", 1.0, actor, tags_s);
    SubmitResult res;
    int r = incidents_submit(st, &in, actor, 1, now, &res, err, errsz);
    free(title);
    free(desc);
    free(tags_s);
    if (r < 0)
        return r;
    const char *state = res.outcome == SUBMIT_SKIPPED ? "refused" : "queued";
    char *details = NULL;
    if (res.outcome == SUBMIT_SKIPPED) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "reason", res.reason);
        details = cJSON_PrintUnformatted(d);
        cJSON_Delete(d);
    }
    r = secresp_repo_response_update(st, rid, state, out->incident_id, details,
                                     res.outcome == SUBMIT_SKIPPED ? now : 0);
    free(details);
    if (r < 0)
        return -EIO;
    strlcpy_(out->state, state, sizeof out->state);
    if (res.outcome == SUBMIT_SKIPPED) {
        refusal_text(res.reason, action, err, errsz);
        return audit(st, "Security Response Refused", a->seq, actor, "%s on %s: %s", action,
                     a->id, res.reason) < 0 ? -EIO : -EAGAIN;
    }
    return audit(st, "Security Response Requested", a->seq, actor, "%s on %s (response %lld, "
                 "incident %s)", action, a->id, (long long)rid, out->incident_id);
}

/* target must be an object and parameters an object or NULL. */
static int check_objects(const char *target, const char *parameters, char *err, size_t errsz)
{
    cJSON *t = cJSON_Parse(target ? target : "{}");
    cJSON *p = parameters ? cJSON_Parse(parameters) : NULL;
    int ok = cJSON_IsObject(t) && (!parameters || cJSON_IsObject(p));
    cJSON_Delete(t);
    cJSON_Delete(p);
    if (!ok)
        snprintf(err, errsz, "Fields 'target' and 'parameters' must be JSON objects");
    return ok ? 0 : -EINVAL;
}

int secresponse_run(Store *st, const char *alert_id, const char *action, const char *target,
                    const char *parameters, const char *actor, int64_t now,
                    SecResponseOut *out, char *err, size_t errsz)
{
    memset(out, 0, sizeof *out);
    if (!actor || !*actor)
        actor = "system";
    SecRespAlert a = {0};
    int r = alert_find(st, alert_id, &a, err, errsz);
    if (r < 0)
        return r;
    PlaybookStep check;
    if (check_objects(target, parameters, err, errsz) < 0 ||
        build_step(action, target, parameters, a.id, 0, NULL, &check, err, errsz) < 0) {
        secresp_alert_free(&a);
        return -EINVAL;
    }
    playbook_step_free(&check);
    incidents_submit_lock();
    r = -EIO;
    if (store_begin(st) < 0)
        goto out;
    int64_t rid = secresp_repo_response_add(st, a.seq, action, target ? target : "{}",
                                            parameters, "queued", NULL, NULL, actor, now, 0);
    if (rid < 0) {
        store_rollback(st);
        goto out;
    }
    out->id = rid;
    r = submit_response(st, &a, rid, action, actor, now, out, err, errsz);
    if (r == 0 || r == -EAGAIN) {
        if (store_commit(st) < 0)
            r = -EIO;
    } else
        store_rollback(st);
out:
    incidents_submit_unlock();
    secresp_alert_free(&a);
    if (r == -EIO)
        snprintf(err, errsz, DOMAIN_IO_ERROR);
    if (r == 0)
        incidents_kick();
    return r;
}

/* ---- escalation -------------------------------------------------------------------- */

/* The target of an escalation's action: the alert's first ip, user and
 * host observables ({"type", "value"} of normalized.observables). JSON
 * text, owned. */
static char *observable_target(const char *normalized)
{
    static const struct { const char *type, *key; } map[] = {
        {"ip", "ip"}, {"ipv4", "ip"}, {"ipv6", "ip"}, {"src_ip", "ip"},
        {"user", "user"}, {"username", "user"}, {"account", "user"},
        {"host", "host"}, {"hostname", "host"},
    };
    cJSON *n = normalized ? cJSON_Parse(normalized) : NULL;
    cJSON *inner = cJSON_GetObjectItemCaseSensitive(n, "normalized");
    const cJSON *obs = cJSON_GetObjectItemCaseSensitive(inner ? inner : n, "observables");
    cJSON *t = cJSON_CreateObject();
    const cJSON *o;
    cJSON_ArrayForEach(o, obs) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(o, "type");
        const cJSON *val = cJSON_GetObjectItemCaseSensitive(o, "value");
        if (!cJSON_IsString(type) || !cJSON_IsString(val))
            continue;
        for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
            if (util_strcaseeq(type->valuestring, map[i].type) &&
                !cJSON_HasObjectItem(t, map[i].key))
                cJSON_AddStringToObject(t, map[i].key, val->valuestring);
    }
    char *s = cJSON_PrintUnformatted(t);
    cJSON_Delete(t);
    cJSON_Delete(n);
    return s;
}

static const char *priority_of(int s0)
{
    return s0 >= 90 ? "critical" : s0 >= 75 ? "high" : s0 >= 50 ? "medium" : "low";
}

/* The escalation action's row, when one is configured and the alert's
 * observables give it what it needs: its id, 0 none, -EIO. */
static int64_t escalation_response(Store *st, const SecRespAlert *a, const char *incident_id,
                                   const char *actor, int64_t now)
{
    char *action = escalation_action();
    int64_t rid = 0;
    if (*action) {
        char *target = observable_target(a->normalized);
        PlaybookStep check;
        char err[300];
        if (build_step(action, target, NULL, a->id, 0, NULL, &check, err, sizeof err) == 0) {
            playbook_step_free(&check);
            rid = secresp_repo_response_add(st, a->seq, action, target, NULL, "queued",
                                            incident_id, NULL, actor, now, 0);
        }
        free(target);
    }
    free(action);
    return rid;
}

static int escalate_locked(Store *st, const SecRespAlert *a, int s0, const char *actor,
                           int64_t now, const char *inc_id)
{
    int64_t rid = escalation_response(st, a, inc_id, actor, now);
    if (rid < 0)
        return -EIO;
    char *title = xasprintf("Security alert %.100s: %.300s", a->id, *a->title ? a->title
                                                                            : "(no title)");
    char *desc = xasprintf("Security alert %s escalated with S0 %d (severity %s)%s", a->id, s0,
                           *a->severity ? a->severity : "unknown",
                           rid > 0 ? "; its response runs with the incident" : "");
    char *tag = xasprintf("alert:%.100s", a->id);
    cJSON *tags = cJSON_CreateStringArray((const char *const[]){"security", tag}, 2);
    char *tags_s = cJSON_PrintUnformatted(tags);
    cJSON_Delete(tags);
    double conf = s0 < 0 ? 0 : s0 > 100 ? 1.0 : s0 / 100.0;
    IncidentInput in = incident_input(inc_id, title, desc, priority_of(s0), conf, actor, tags_s);
    SubmitResult res;
    char err[300];
    int r = incidents_submit(st, &in, actor, 0, now, &res, err, sizeof err);
    free(title);
    free(desc);
    free(tag);
    free(tags_s);
    if (r < 0)
        return -EIO;
    if (rid > 0 && res.outcome == SUBMIT_SKIPPED) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "reason", res.reason);
        char *ds = cJSON_PrintUnformatted(d);
        cJSON_Delete(d);
        r = secresp_repo_response_update(st, rid, "refused", NULL, ds, now);
        free(ds);
        if (r < 0)
            return -EIO;
    }
    if (secresp_repo_alert_set_incident(st, a->seq, inc_id) < 0)
        return -EIO;
    return audit(st, "Security Escalation", a->seq, actor, "%s opened incident %s (S0 %d): %s",
                 a->id, inc_id, s0, res.outcome == SUBMIT_SKIPPED ? res.reason : "queued");
}

int secresponse_escalate(Store *st, const char *alert_id, int s0, const char *actor, int64_t now,
                         char *incident_id, size_t size)
{
    if (!actor || !*actor)
        actor = "triage";
    SecRespAlert a = {0};
    int r = alert_lookup(st, alert_id, &a);
    if (r < 0)
        return r;
    if (a.incident_id[0]) {
        strlcpy_(incident_id, a.incident_id, size);
        secresp_alert_free(&a);
        return -EEXIST;
    }
    char inc[64];
    snprintf(inc, sizeof inc, ESC_INCIDENT_PREFIX "%lld", (long long)a.seq);
    incidents_submit_lock();
    r = -EIO;
    if (store_begin(st) == 0) {
        r = escalate_locked(st, &a, s0, actor, now, inc);
        if (r == 0)
            r = store_commit(st) < 0 ? -EIO : 0;
        else
            store_rollback(st);
    }
    incidents_submit_unlock();
    secresp_alert_free(&a);
    if (r == 0) {
        strlcpy_(incident_id, inc, size);
        incidents_kick();
    }
    return r;
}

/* ---- the runner's side ---------------------------------------------------------------- */

int secresponse_plan(Store *st, const char *incident_id, Playbook *out, char *err, size_t errsz)
{
    SecResponseRow row;
    int r = secresp_repo_response_by_incident(st, incident_id, &row);
    if (r <= 0)
        return r < 0 ? -EIO : 0;
    PlaybookStep step;
    r = build_step(row.action, row.target, row.parameters, row.alert_id, row.id, incident_id,
                   &step, err, errsz);
    secresp_response_free(&row);
    if (r < 0)
        return -EINVAL;
    out->steps = xcalloc(1, sizeof *out->steps);
    out->steps[0] = step;
    out->n = 1;
    return 1;
}

/* The outcome of the run's steps: {"incident_state", "reason", "steps":
 * [{action, success, error, output}]}. Owned JSON text. */
static char *run_details(Store *st, const char *incident_id, const char *state,
                         const char *reason)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "incident_state", state);
    if (reason)
        cJSON_AddStringToObject(d, "reason", reason);
    IncidentResult res;
    if (incidents_result(st, incident_id, 0, &res) == 1) {
        cJSON *steps = cJSON_AddArrayToObject(d, "steps");
        for (int i = 0; i < res.nsteps; i++) {
            const PlaybookRunRow *s = &res.steps[i];
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "action", s->action ? s->action : "");
            cJSON_AddBoolToObject(o, "success", s->success == 1);
            cJSON_AddNumberToObject(o, "attempts", s->attempt);
            cJSON_AddItemToObject(o, "error", s->error_message
                                                  ? cJSON_CreateString(s->error_message)
                                                  : cJSON_CreateNull());
            if (s->output)
                cJSON_AddStringToObject(o, "output", s->output);
            cJSON_AddItemToArray(steps, o);
        }
        incidents_result_free(&res);
    }
    char *s = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    return s;
}

int secresponse_on_run(Store *st, const char *incident_id, const char *state, const char *reason,
                       int64_t now)
{
    static const struct { const char *incident, *response; } map[] = {
        {"resolving", "running"}, {"resolved", "success"}, {"failed", "failed"},
        {"skipped", "refused"},   {"no_action", "failed"},
    };
    const char *to = NULL;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].incident, state) == 0)
            to = map[i].response;
    if (!to)
        return 0;
    SecResponseRow row;
    int r = secresp_repo_response_by_incident(st, incident_id, &row);
    if (r <= 0)
        return r < 0 ? -EIO : 0;
    int running = strcmp(to, "running") == 0;
    char *details = running ? NULL : run_details(st, incident_id, state, reason);
    r = secresp_repo_response_update(st, row.id, to, NULL, details, running ? 0 : now);
    free(details);
    if (r == 0 && !running)
        r = audit(st, "Security Response Finished", row.alert_seq, "system",
                  "%s on %s (response %lld): %s", row.action, row.alert_id, (long long)row.id,
                  to);
    secresp_response_free(&row);
    return r < 0 ? -EIO : 0;
}

/* ---- the API's reads and writes ----------------------------------------------------- */

int secresponse_list(Store *st, const char *alert_id, SecResponseRow **out, int *n)
{
    *out = NULL;
    *n = 0;
    SecRespAlert a = {0};
    int r = alert_lookup(st, alert_id, &a);
    if (r < 0)
        return r;
    r = secresp_repo_responses(st, a.seq, out);
    secresp_alert_free(&a);
    if (r < 0)
        return -EIO;
    *n = r;
    return 0;
}

/* details.action_id as a response id of the alert (a number or "123"). */
static int64_t action_id_of(const cJSON *details)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(details, "action_id");
    if (cJSON_IsNumber(id) && id->valuedouble >= 1 && id->valuedouble == floor(id->valuedouble))
        return (int64_t)id->valuedouble;
    if (cJSON_IsString(id)) {
        char *end;
        long long v = strtoll(id->valuestring, &end, 10);
        if (*id->valuestring && !*end && v > 0)
            return v;
    }
    return 0;
}

int secresponse_report(Store *st, const char *alert_id, const char *status,
                       const char *details_json, const char *actor, int64_t now,
                       SecResponseRow *out, char *err, size_t errsz)
{
    if (!status || !*status || strlen(status) > 64) {
        snprintf(err, errsz, "Field 'status' must be a string of 1 to 64 characters");
        return -EINVAL;
    }
    SecRespAlert a = {0};
    int r = alert_find(st, alert_id, &a, err, errsz);
    if (r < 0)
        return r;
    cJSON *det = details_json ? cJSON_Parse(details_json) : NULL;
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "status", status);
    cJSON_AddItemToObject(body, "details", det ? cJSON_Duplicate(det, 1) : cJSON_CreateNull());
    char *bs = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    SecResponseRow ref = {0};
    int64_t ref_id = action_id_of(det);
    int got = ref_id ? secresp_repo_response_get(st, ref_id, a.seq, &ref) : 0;
    cJSON_Delete(det);
    r = -EIO;
    if (got >= 0 && store_begin(st) == 0) {
        int64_t id = secresp_repo_response_add(st, a.seq, got ? ref.action : "result", "{}",
                                               NULL, "reported", got ? ref.incident_id : NULL,
                                               bs, actor, now, now);
        if (id > 0 && audit(st, "Security Response Reported", a.seq, actor, "%s on %s: %s",
                            got ? ref.action : "result", a.id, status) == 0) {
            if (store_commit(st) == 0)
                r = secresp_repo_response_get(st, id, 0, out) == 1 ? 0 : -EIO;
        } else
            store_rollback(st);
    }
    secresp_response_free(&ref);
    free(bs);
    secresp_alert_free(&a);
    if (r < 0)
        snprintf(err, errsz, DOMAIN_IO_ERROR);
    return r;
}

int secresponse_ml_output(Store *st, const char *alert_id, const char *kind, const char *agent,
                          int has_score, double score, const char *body, const char *actor,
                          int64_t now, int64_t *out_id, char *err, size_t errsz)
{
    if (!kind || (strcmp(kind, "agent") && strcmp(kind, "aggregate") && strcmp(kind, "llm"))) {
        snprintf(err, errsz, "Unknown output kind");
        return -EINVAL;
    }
    if (has_score && !isfinite(score)) {
        snprintf(err, errsz, "Field 'score' must be a finite number");
        return -EINVAL;
    }
    SecRespAlert a = {0};
    int r = alert_find(st, alert_id, &a, err, errsz);
    if (r < 0)
        return r;
    int64_t id = secresp_repo_ml_add(st, a.seq, kind, agent, has_score, score, body, actor, now);
    secresp_alert_free(&a);
    if (id < 0) {
        snprintf(err, errsz, DOMAIN_IO_ERROR);
        return -EIO;
    }
    *out_id = id;
    return 0;
}

static int valid_task_state(const char *s)
{
    static const char *const states[] = {"open", "in_progress", "done", "cancelled", NULL};
    return decision_in(states, s);
}

int secresponse_task_create(Store *st, const char *title, const char *assignee,
                            const char *alert_id, const char *meta, const char *actor,
                            int64_t now, SecTaskRow *out, char *err, size_t errsz)
{
    size_t tl = title ? util_utf8_len(title) : 0;
    if (tl < 1 || tl > 500 || !util_utf8_valid(title, strlen(title))) {
        snprintf(err, errsz, "Field 'title' must be 1 to 500 characters");
        return -EINVAL;
    }
    if (assignee && (strlen(assignee) > 100 || !*assignee)) {
        snprintf(err, errsz, "Field 'assignee' must be 1 to 100 characters");
        return -EINVAL;
    }
    int64_t seq = 0;
    if (alert_id) {
        SecRespAlert a = {0};
        int r = alert_find(st, alert_id, &a, err, errsz);
        seq = a.seq;
        secresp_alert_free(&a);
        if (r < 0)
            return r;
    }
    int r = -EIO;
    if (store_begin(st) == 0) {
        int64_t id = secresp_repo_task_add(st, title, assignee, alert_id, meta, actor, now);
        if (id > 0 && audit(st, "Security Task Created", seq, actor, "task %lld: %.300s%s%s",
                            (long long)id, title, assignee ? " for " : "",
                            assignee ? assignee : "") == 0) {
            if (store_commit(st) == 0)
                r = secresp_repo_task_get(st, id, out) == 1 ? 0 : -EIO;
        } else
            store_rollback(st);
    }
    if (r < 0)
        snprintf(err, errsz, DOMAIN_IO_ERROR);
    return r;
}

int secresponse_task_update(Store *st, int64_t id, const char *state, int set_assignee,
                            const char *assignee, const char *actor, int64_t now,
                            SecTaskRow *out, char *err, size_t errsz)
{
    if (state && !valid_task_state(state)) {
        snprintf(err, errsz, "Field 'state' must be one of open, in_progress, done, cancelled");
        return -EINVAL;
    }
    if (set_assignee && assignee && (strlen(assignee) > 100 || !*assignee)) {
        snprintf(err, errsz, "Field 'assignee' must be 1 to 100 characters");
        return -EINVAL;
    }
    if (store_begin(st) < 0) {
        snprintf(err, errsz, DOMAIN_IO_ERROR);
        return -EIO;
    }
    int r = secresp_repo_task_update(st, id, state, set_assignee, assignee, now);
    if (r == 0)
        r = audit(st, "Security Task Updated", 0, actor, "task %lld:%s%s%s%s", (long long)id,
                  state ? " state " : "", state ? state : "", set_assignee ? " assignee " : "",
                  set_assignee ? (assignee ? assignee : "(none)") : "");
    if (r < 0) {
        store_rollback(st);
        snprintf(err, errsz, r == -ENOENT ? "Task %lld not found" : DOMAIN_IO_ERROR,
                 (long long)id);
        return r;
    }
    if (store_commit(st) < 0 || secresp_repo_task_get(st, id, out) != 1) {
        snprintf(err, errsz, DOMAIN_IO_ERROR);
        return -EIO;
    }
    return 0;
}

int secresponse_export_ready(Store *st, const char *alert_id, const char *actor, int64_t now)
{
    SecRespAlert a = {0};
    int r = alert_lookup(st, alert_id, &a);
    if (r < 0)
        return r;
    r = -EIO;
    if (store_begin(st) == 0) {
        if (secresp_repo_alert_export_ready(st, a.seq, now) == 0 &&
            audit(st, "Security Export Ready", a.seq, actor, "%s marked ready for export",
                  a.id) == 0)
            r = store_commit(st) < 0 ? -EIO : 0;
        else
            store_rollback(st);
    }
    secresp_alert_free(&a);
    return r;
}
