/* playbook — the steps a category's auto-resolution runs: their JSON form
 * (category_config.playbook, PUT /api/v1/config, resolve.playbook_file),
 * validation with messages for the API, the seed's default steps, and the
 * ${name} placeholders a step may use.
 *
 * A playbook is a JSON array of steps; every step has "type" and may have
 * "action" (the seed's name, e.g. "service_restart") and "description":
 *   {"type": "command", "argv": ["systemctl", "restart", "web"],
 *    "timeout_ms": 30000, "expect_exit": 0}            argv, no shell
 *   {"type": "http", "url": "https://...", "method": "POST", "body": "...",
 *    "headers": {"Name": "value"}, "expect_status": 200, "timeout_ms": 5000}
 *                                                      expect 0 = any 2xx
 *   {"type": "action", "action": "restart-web"}        a named command or
 *                                                      http step of the
 *                                                      playbook file
 *   {"type": "set_status", "status": "Up", "service_id": 3}
 *   {"type": "ack_alerts", "service_id": 3}            service_id defaults
 *                                                      to the incident's
 *   {"type": "noop"}                                   records, does nothing
 * Strings of argv, url, body and header values may use ${incident_id},
 * ${category}, ${priority}, ${service_id}, ${service}, ${created_by}.
 *
 * Two origins (issue 9, D4): the host's playbook file may use every type
 * (playbook_parse); a playbook that comes through the API or the console
 * (playbook_parse_api) may only name actions of that file and use the
 * internal steps (action, set_status, ack_alerts, noop): any other field
 * (argv, url, command, shell, ...) is refused with its name, so no caller
 * ever supplies a command line or a URL.
 *
 * Pure (cJSON only, no I/O). Thread: any.
 */
#ifndef RESOPS_DOMAIN_PLAYBOOK_H
#define RESOPS_DOMAIN_PLAYBOOK_H

#include <stddef.h>
#include <stdint.h>
#include "domain/rules.h"

#define PLAYBOOK_MAX_STEPS 50

/* The kinds of step. What each one is (its "type" name, its members,
 * its default description, whether the API may use it, who runs it) is
 * one row of the table step_kinds[] in playbook.c; who runs it is a row of
 * an executor table: internal_execs[] in incident_runs.c for the kinds
 * that run in the domain, step_execs[] in engine/steps.c for those that
 * leave the process.
 *
 * Adding a kind: a value here; its row in step_kinds[] with its parse /
 * describe / to_json functions (playbook.c); its executor row and function
 * (incident_runs.c or engine/steps.c). An engine kind is also what a named
 * action of the playbook file may be (actions.c check_action lists
 * command and http). No migration: steps are stored as JSON text. */
typedef enum {
    STEP_NOOP = 0,
    STEP_COMMAND,
    STEP_HTTP,
    STEP_SET_STATUS,
    STEP_ACK_ALERTS,
    STEP_ACTION,       /* a reference to a named action of the playbook file */
    STEP_KIND_COUNT    /* not a kind: how many there are (new kinds go above) */
} StepKind;

/* Who executes steps of a kind. */
typedef enum StepRunsIn {
    STEP_RUNS_IN_DOMAIN = 0,  /* a write through the domain (set_status, ack_alerts,
                               * noop): incident_runs_exec_internal */
    STEP_RUNS_IN_ENGINE,      /* leaves the process (command, http), defined only in the
                               * host's playbook file (D4): engine/steps.c */
    STEP_RUNS_AS_ACTION,      /* a name of a file action, replaced by that step before a
                               * run (actions_resolve); never executed as such */
} StepRunsIn;

typedef struct PlaybookStep {
    StepKind      kind;
    char         *action;        /* never NULL */
    char         *description;   /* never NULL */
    char        **argv;          /* COMMAND: NULL-terminated */
    char         *url, *method, *body;       /* HTTP; body may be NULL */
    char        **headers;       /* HTTP: "Name: value", NULL-terminated or NULL */
    int           expect;        /* COMMAND: exit code; HTTP: status, 0 = any 2xx */
    int           timeout_ms;    /* 0 = the runner's default */
    ServiceStatus status;        /* SET_STATUS */
    int64_t       service_id;    /* internal actions; 0 = the incident's service */
} PlaybookStep;

typedef struct Playbook {
    PlaybookStep *steps;
    int           n;
} Playbook;

/* Parse a JSON array of steps. 0, or -EINVAL with err = "Playbook step 2:
 * 'argv' must be a non-empty array of strings" and the like. *out is
 * written only on success (free with playbook_free). */
int  playbook_parse(const char *json, Playbook *out, char *err, size_t errsz);
/* The same for a playbook from the API or the console: only action,
 * set_status, ack_alerts and noop steps with their own fields; e.g.
 * "Playbook step 1: field 'argv' is not allowed through the API ...". */
int  playbook_parse_api(const char *json, Playbook *out, char *err, size_t errsz);
/* 1 when some step acts (command, http, action, set_status, ack_alerts);
 * 0 when every step only records (noop, the seed's defaults). */
int  playbook_acts(const Playbook *p);
/* A deep copy of one step into *out. */
void playbook_step_copy(PlaybookStep *out, const PlaybookStep *in);
void playbook_step_free(PlaybookStep *s);
/* The seed's named steps for category (no-ops that only record):
 * network ping_check, service_restart, health_check; database
 * connection_check, pool_clear, health_check; application log_check,
 * service_restart, health_check; any other health_check. */
void playbook_default(const char *category, Playbook *out);
void playbook_free(Playbook *p);

const char *playbook_kind_name(StepKind k);   /* "command", "http", ... */
StepRunsIn  playbook_kind_runs_in(StepKind k);
/* The audit detail that names a step's outcome code: "exit_code"
 * (command), "http_status" (http); NULL when the kind has none. */
const char *playbook_kind_code_field(StepKind k);

/* The playbook in its JSON form (what playbook_parse reads back);
 * caller frees. */
char *playbook_to_json(const Playbook *p);

/* Values for ${name}; NULL fields expand to "". extra (issue 12, the
 * security response actions): more names, NULL-terminated name/value
 * pairs {"target.ip", "10.0.0.1", "param.duration_minutes", "60", NULL};
 * a fixed name above wins over an extra of the same name. */
typedef struct PlaybookVars {
    const char *incident_id, *category, *priority, *service, *created_by;
    int64_t     service_id;
    const char *const *extra;
} PlaybookVars;

/* tmpl with every known ${name} replaced (unknown ones stay as written).
 * Caller frees. For text meant for people (descriptions). */
char *playbook_expand(const char *tmpl, const PlaybookVars *v);

/* Where an expanded string goes. The values come from the request that
 * triggered the run, so they are placed so they cannot change the shape
 * the operator wrote: */
typedef enum ExpandMode {
    EXPAND_ARG,   /* one argv element: a value with '/' or '\', a leading '-',
                   * or equal to "." / ".." is refused (no path or option
                   * can be smuggled into the operator's command) */
    EXPAND_URL,   /* a URL: every byte outside RFC 3986's unreserved set is
                   * percent-encoded, so a value is one path/query piece */
    EXPAND_JSON,  /* a body: '"', '\' and control characters are escaped as in
                   * a JSON string, so a value stays inside its quotes */
    EXPAND_HEADER /* a header value: placed as is */
} ExpandMode;

/* Like playbook_expand, placed for mode; any value with a control
 * character is refused. NULL with err ("placeholder ${incident_id} ...")
 * when a value cannot be placed safely; caller frees. */
char *playbook_expand_as(const char *tmpl, const PlaybookVars *v, ExpandMode mode, char *err,
                         size_t errsz);

#endif
