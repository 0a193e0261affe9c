/* actions — see actions.h.
 *
 * How it works: the catalog is two cJSON objects (name -> step object,
 * category -> array of steps) behind one mutex. Every load parses each
 * entry with playbook_parse (the host's full vocabulary) before anything
 * is merged, so a bad file changes nothing. Lookups parse the stored JSON
 * again: they happen once per run (at claim), never per request.
 */
#include "domain/actions.h"
#include "domain/decision.h"
#include "util.h"

#include <cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static cJSON *cat_actions;     /* under mu: {"name": {step}} */
static cJSON *cat_playbooks;   /* under mu: {"category": [steps]} */

/* One action definition: a single command or http step. */
static int check_action(const char *name, const cJSON *def, char *err, size_t errsz)
{
    if (!*name || strlen(name) > 64) {
        snprintf(err, errsz, "actions: an action name must be 1 to 64 characters");
        return -EINVAL;
    }
    cJSON *a = cJSON_CreateArray();
    cJSON_AddItemToArray(a, cJSON_Duplicate(def, 1));
    char *text = cJSON_PrintUnformatted(a);
    cJSON_Delete(a);
    Playbook pb;
    char perr[400];
    int r = playbook_parse(text, &pb, perr, sizeof perr);
    free(text);
    if (r < 0) {
        snprintf(err, errsz, "actions.%s: %s", name, perr);
        return -EINVAL;
    }
    int kind = pb.steps[0].kind;
    playbook_free(&pb);
    if (kind != STEP_COMMAND && kind != STEP_HTTP) {
        snprintf(err, errsz, "actions.%s: an action is a command or an http step", name);
        return -EINVAL;
    }
    return 0;
}

/* The file text parsed and every entry checked: the object (caller
 * deletes) or NULL with err. Nothing is merged here. */
static cJSON *parse_checked(const char *json, char *err, size_t errsz)
{
    cJSON *o = json ? cJSON_Parse(json) : NULL;
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        snprintf(err, errsz, "expected a JSON object {\"actions\": {...}, \"<category>\": [steps]}");
        return NULL;
    }
    const cJSON *acts = cJSON_GetObjectItemCaseSensitive(o, "actions");
    const cJSON *e;
    if (acts && !cJSON_IsObject(acts)) {
        cJSON_Delete(o);
        snprintf(err, errsz, "actions: expected an object {\"<name>\": {step}}");
        return NULL;
    }
    cJSON_ArrayForEach(e, acts) {
        if (check_action(e->string, e, err, errsz) < 0) {
            cJSON_Delete(o);
            return NULL;
        }
    }
    cJSON_ArrayForEach(e, o) {
        if (e == acts)
            continue;
        if (!decision_in(decision_categories, e->string)) {
            snprintf(err, errsz, "Invalid category: %s", e->string);
            cJSON_Delete(o);
            return NULL;
        }
        char *text = cJSON_PrintUnformatted(e);
        Playbook pb;
        char perr[400];
        int r = playbook_parse(text, &pb, perr, sizeof perr);
        free(text);
        if (r < 0) {
            snprintf(err, errsz, "%s: %s", e->string, perr);
            cJSON_Delete(o);
            return NULL;
        }
        playbook_free(&pb);
    }
    return o;
}

int actions_check(const char *json, char *err, size_t errsz)
{
    cJSON *o = parse_checked(json, err, errsz);
    if (!o)
        return -EINVAL;
    cJSON_Delete(o);
    return 0;
}

int actions_load(const char *json, const char *origin, char *err, size_t errsz)
{
    (void)origin;
    cJSON *o = parse_checked(json, err, errsz);
    if (!o)
        return -EINVAL;
    const cJSON *acts = cJSON_GetObjectItemCaseSensitive(o, "actions");
    const cJSON *e;
    pthread_mutex_lock(&mu);
    if (!cat_actions)
        cat_actions = cJSON_CreateObject();
    if (!cat_playbooks)
        cat_playbooks = cJSON_CreateObject();
    cJSON_ArrayForEach(e, acts) {
        cJSON_DeleteItemFromObjectCaseSensitive(cat_actions, e->string);
        cJSON_AddItemToObject(cat_actions, e->string, cJSON_Duplicate(e, 1));
    }
    cJSON_ArrayForEach(e, o) {
        if (e == acts)
            continue;
        cJSON_DeleteItemFromObjectCaseSensitive(cat_playbooks, e->string);
        cJSON_AddItemToObject(cat_playbooks, e->string, cJSON_Duplicate(e, 1));
    }
    pthread_mutex_unlock(&mu);
    cJSON_Delete(o);
    return 0;
}

void actions_clear(void)
{
    pthread_mutex_lock(&mu);
    cJSON_Delete(cat_actions);
    cJSON_Delete(cat_playbooks);
    cat_actions = cat_playbooks = NULL;
    pthread_mutex_unlock(&mu);
}

int actions_exists(const char *name)
{
    pthread_mutex_lock(&mu);
    int r = name && cat_actions && cJSON_GetObjectItemCaseSensitive(cat_actions, name) != NULL;
    pthread_mutex_unlock(&mu);
    return r;
}

/* The named step parsed (host vocabulary); 0, -ENOENT. */
static int lookup(const char *name, PlaybookStep *out)
{
    pthread_mutex_lock(&mu);
    const cJSON *def = cat_actions ? cJSON_GetObjectItemCaseSensitive(cat_actions, name) : NULL;
    char *text = NULL;
    if (def) {
        cJSON *a = cJSON_CreateArray();
        cJSON *d = cJSON_Duplicate(def, 1);
        if (!cJSON_GetObjectItemCaseSensitive(d, "action"))
            cJSON_AddStringToObject(d, "action", name);
        cJSON_AddItemToArray(a, d);
        text = cJSON_PrintUnformatted(a);
        cJSON_Delete(a);
    }
    pthread_mutex_unlock(&mu);
    if (!text)
        return -ENOENT;
    Playbook pb;
    char err[400];
    int r = playbook_parse(text, &pb, err, sizeof err);   /* validated at load */
    free(text);
    if (r < 0)
        return -ENOENT;
    playbook_step_copy(out, &pb.steps[0]);
    playbook_free(&pb);
    return 0;
}

int actions_resolve(Playbook *p, char *err, size_t errsz)
{
    for (int i = 0; i < p->n; i++) {
        PlaybookStep *s = &p->steps[i];
        if (s->kind != STEP_ACTION)
            continue;
        PlaybookStep def;
        if (lookup(s->action, &def) < 0) {
            snprintf(err, errsz, "Unknown action '%s': not defined in the playbook file",
                     s->action);
            return -EINVAL;
        }
        /* the reference's own description, when it set one, wins */
        char *want = NULL;
        if (s->description && strncmp(s->description, "Run the action ", 15) != 0)
            want = xstrdup(s->description);
        playbook_step_free(s);
        *s = def;
        if (want) {
            free(s->description);
            s->description = want;
        }
    }
    return 0;
}

int actions_category(const char *category, Playbook *out, char *err, size_t errsz)
{
    pthread_mutex_lock(&mu);
    const cJSON *pb = cat_playbooks ? cJSON_GetObjectItemCaseSensitive(cat_playbooks, category)
                                    : NULL;
    char *text = pb ? cJSON_PrintUnformatted(pb) : NULL;
    pthread_mutex_unlock(&mu);
    if (!text)
        return 0;
    Playbook p;
    int r = playbook_parse(text, &p, err, errsz);
    free(text);
    if (r < 0)
        return -EINVAL;
    if (actions_resolve(&p, err, errsz) < 0) {
        playbook_free(&p);
        return -EINVAL;
    }
    *out = p;
    return 1;
}

char *actions_list_json(void)
{
    cJSON *a = cJSON_CreateArray();
    pthread_mutex_lock(&mu);
    const cJSON *e;
    cJSON_ArrayForEach(e, cat_actions) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", e->string);
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "type");
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "description");
        cJSON_AddStringToObject(o, "type", cJSON_IsString(t) ? t->valuestring : "");
        if (cJSON_IsString(d))
            cJSON_AddStringToObject(o, "description", d->valuestring);
        else
            cJSON_AddNullToObject(o, "description");
        cJSON_AddItemToArray(a, o);
    }
    pthread_mutex_unlock(&mu);
    char *text = cJSON_PrintUnformatted(a);
    cJSON_Delete(a);
    return text;
}
