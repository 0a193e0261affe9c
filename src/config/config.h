/* config — settings from defaults, an INI file, environment variables and
 * command-line flags, in that order of precedence (later wins).
 *
 * The setting table in config.c is the single source: every setting has a
 * section.key name for the file, an environment variable (the seeds' names
 * where they have one: JWT_SECRET_KEY, ALERT_WEBHOOK_URL, ...), a type and a
 * default. Thread: main thread loads; afterwards read-only from any thread.
 * A reload (SIGHUP, main.c) never changes a loaded Config: it loads a new
 * one, and main keeps every Config it handed out until exit.
 *
 * Config sits below the domain and calls nothing above it: main hands
 * notify.slack_webhook_prefixes to notify_set_slack_prefixes() after the
 * load (issue 9, S1).
 */
#ifndef RESOPS_CONFIG_H
#define RESOPS_CONFIG_H

#include <stddef.h>
#include <stdio.h>

typedef struct Config Config;

Config *config_new(void);           /* all defaults */
void    config_free(Config *c);

/* Load an INI file: "[section]" headers, "key = value" lines, '#' or ';'
 * comments, blank lines. Unknown section/key, malformed line or a value of
 * the wrong type fails with -EINVAL and err = "FILE:LINE: message".
 * A missing file is -ENOENT ("FILE: No such file or directory"). Values
 * may be wrapped in double quotes (no escapes); on an unquoted value a '#'
 * that starts it or follows whitespace begins a comment. On failure c is
 * unchanged. */
int config_load_file(Config *c, const char *path, char *err, size_t errsz);

/* Apply environment overrides (getenv of each setting's variable; a
 * variable that is unset or empty is ignored). A malformed value fails
 * with -EINVAL and err names the variable: "CHECK_INTERVAL: not an
 * integer: 'x'". Like config_load_file, leaves c unchanged on failure. */
int config_load_env(Config *c, char *err, size_t errsz);

/* Set "section.key" from a flag (same validation as the file). An unknown
 * name or a bad value is -EINVAL, err = "engine.check_interval: ...". */
int config_set(Config *c, const char *name, const char *value, char *err, size_t errsz);

/* Where a setting's value came from, for messages: "FILE:LINE" when the
 * config file set it, the environment variable's name, or the setting's
 * own name (a flag or the default). Borrowed; valid until c changes. */
const char *config_origin(const Config *c, const char *name);

/* Typed getters by "section.key"; an unknown name or a getter that does
 * not match the setting's type is a programmer error (assert).
 * Strings are borrowed, "" when unset. */
const char *config_str(const Config *c, const char *name);
long        config_int(const Config *c, const char *name);
double      config_double(const Config *c, const char *name);
int         config_bool(const Config *c, const char *name);

/* Write a documented example (every setting, its env var and default) to
 * f; used to generate data/resops.conf.example and for --help. */
void config_write_example(FILE *f);

/* The man page's CONFIGURATION body (roff: a .SS per section, a .TP per
 * setting with its meaning, form, default, variable and whether SIGHUP
 * reloads it); tools/config_doc.c writes it into resops(1). */
void config_write_man(FILE *f);

/* ---- reloading (SIGHUP) ----------------------------------------------------
 * main builds a new Config from the file, the environment and the flags
 * (same order) and compares it with the running one. Which settings a
 * running process applies is the table's word: 1 for one that SIGHUP
 * reloads, 0 for one that needs a restart. */
int config_reloads(const char *name);

/* One changed setting: its name, old and new value as the file writes
 * them (a secret's as "(hidden)"), and config_reloads(name). */
typedef void (*ConfigChangeFn)(void *ctx, const char *name, const char *old_text,
                               const char *new_text, int reloads);
/* Call fn for every setting whose value differs between old and cur, in
 * table order; returns how many. Any thread that owns both. */
int config_diff(const Config *old, const Config *cur, ConfigChangeFn fn, void *ctx);
/* Give next the running value (and origin) of every setting SIGHUP does
 * not reload, so next describes what the process runs with. */
void config_keep_running(Config *next, const Config *running);

#endif
