/* actions — the host's playbook file in memory: the named actions an
 * operator defines (command and http steps) and the playbooks it gives
 * categories. Issue 9 (D4): what runs a process or calls a URL is defined
 * only here, on the host, the way Rundeck and StackStorm separate defining
 * an action from triggering it; the API and the console may only name
 * these actions (a step {"type": "action", "action": "<name>"}) and use
 * internal steps (playbook_parse_api).
 *
 * The file (resolve.playbook_file) is one JSON object:
 *   {"actions": {"restart-web": {"type": "command", "argv": [...], ...},
 *                "page-hook":   {"type": "http", "url": "https://...", ...}},
 *    "<category>": [steps...]}
 * Every action is one command or http step (playbook.h); a category's
 * steps may be of any type, including action references. Category
 * playbooks apply when the database holds none for that category.
 *
 * The catalog lives in this process only: the engine that runs the steps
 * resolves names against the file it loaded, so nothing written to the
 * database can make it run a command line it was not given on the host.
 *
 * Thread: any (a mutex guards the catalog). actions_load at start, before
 * the runner and the listener start, and from tests.
 */
#ifndef RESOPS_DOMAIN_ACTIONS_H
#define RESOPS_DOMAIN_ACTIONS_H

#include <stddef.h>
#include "domain/playbook.h"

/* Validate the whole file text, then merge it into the catalog (a name
 * or category given again replaces the earlier one; origin, e.g. the
 * file's path or "demo", is kept for GET /api/v1/config). 0, or -EINVAL
 * with err ("actions.restart-web: Playbook step 1: ..."); nothing is
 * merged on error. */
int  actions_load(const char *json, const char *origin, char *err, size_t errsz);
/* The same validation as actions_load without merging anything: main
 * checks the operator's file before it opens or creates a database. 0,
 * or -EINVAL with err. */
int  actions_check(const char *json, char *err, size_t errsz);
/* Forget everything (tests). */
void actions_clear(void);

/* 1 when name is a defined action. */
int  actions_exists(const char *name);
/* The file's playbook for category, action references resolved: 1 and
 * *out (playbook_free), 0 none, -EINVAL with err (an unknown action). */
int  actions_category(const char *category, Playbook *out, char *err, size_t errsz);
/* Replace every action step of p by the named command/http step (the
 * reference's description wins when it set one). 0, or -EINVAL with err
 * "Unknown action 'x': not defined in the playbook file". */
int  actions_resolve(Playbook *p, char *err, size_t errsz);
/* Every action as a JSON array [{"name", "type", "description"}] and the
 * origins as text; caller frees. */
char *actions_list_json(void);

#endif
