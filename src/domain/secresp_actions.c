/* secresp_actions — the response action catalog of this process
 * (security.actions, secresponse_configure) and the placing of a
 * request's values into an action's step (secresp_build_step).
 *
 * The catalog (name -> step) is loaded at start like the playbook file's
 * actions (actions.h): the database only ever names an action, so nothing
 * written there can make the runner run a command line the host's
 * configuration did not give. A value is placed by playbook_expand_as
 * (an argv element, a percent-encoded URL piece, an escaped JSON string)
 * after its own check, so it never changes the shape the operator wrote.
 * A mutex guards the catalog (read by the runner, the listener and the
 * console).
 */
#include "domain/secresponse.h"
#include "domain/secresp_priv.h"
#include "log.h"
#include "util.h"

#include <arpa/inet.h>
#include <cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRESP_DEFAULT_DIR   "/usr/local/libexec/resops/actions/"
#define SECRESP_MAX_ACTIONS   64
#define SECRESP_VALUE_MAX     256

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

static void ensure_loaded(void);
static const SecAction *find_locked(const char *name);

/* ---- installed programs ------------------------------------------------------------ */

/* Whether prog (a command step's argv[0]) can be run: 0, or -ENOENT /
 * -EACCES with why ("/x/block_ip does not exist", "... is not
 * executable"). A name without '/' is looked up in PATH as posix_spawnp
 * does; an argv[0] holding a placeholder is taken as runnable. */
static int program_check(const char *prog, char *why, size_t size)
{
    struct stat sb;
    if (!prog || !*prog || strstr(prog, "${"))
        return 0;
    if (strchr(prog, '/')) {
        if (stat(prog, &sb) < 0) {
            snprintf(why, size, "%s does not exist", prog);
            return -ENOENT;
        }
        if (!S_ISREG(sb.st_mode) || access(prog, X_OK) < 0) {
            snprintf(why, size, "%s is not executable", prog);
            return -EACCES;
        }
        return 0;
    }
    const char *path = getenv("PATH");
    char *dirs = xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
    int found = 0;
    char *save = NULL;
    for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char *full = xasprintf("%s/%s", *d ? d : ".", prog);
        found = stat(full, &sb) == 0 && S_ISREG(sb.st_mode) && access(full, X_OK) == 0;
        free(full);
    }
    free(dirs);
    if (!found)
        snprintf(why, size, "%s is not found in PATH", prog);
    return found ? 0 : -ENOENT;
}

int secresp_action_installed(const char *action, char *err, size_t errsz)
{
    char *prog = NULL;
    pthread_mutex_lock(&g_mu);
    ensure_loaded();
    const SecAction *a = find_locked(action);
    if (a && a->step.kind == STEP_COMMAND && a->step.argv && a->step.argv[0])
        prog = xstrdup(a->step.argv[0]);
    pthread_mutex_unlock(&g_mu);
    char why[300];
    int r = program_check(prog, why, sizeof why);
    free(prog);
    if (r < 0)
        snprintf(err, errsz, "Response action '%.64s' is not installed: %s", action, why);
    return r;
}

/* At start: a warning per command action that cannot be run yet (not
 * fatal: an operator may install it later; a request for it is refused
 * until then). */
static void warn_missing(const Catalog *c)
{
    for (int i = 0; i < c->n; i++) {
        const PlaybookStep *s = &c->a[i].step;
        char why[300];
        if (s->kind == STEP_COMMAND && s->argv && s->argv[0] &&
            program_check(s->argv[0], why, sizeof why) < 0)
            log_warn("security.actions: response action '%s' is not installed: %s; requests "
                     "for it are refused until it is", c->a[i].name, why);
    }
}

int secresponse_configure(const char *actions_json, const char *dir, const char *webhook_url,
                          const char *escalation_action, char *err, size_t errsz)
{
    Catalog c;
    if (catalog_build(actions_json, dir, webhook_url, escalation_action, &c, err, errsz) < 0)
        return -EINVAL;
    warn_missing(&c);
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

char *secresp_escalation_action(void)
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
int secresp_build_step(const char *action, const char *target_json, const char *params_json,
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
