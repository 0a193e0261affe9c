/* actions — the console's writes, each one call of a domain function on
 * the UI thread's own Store (design rules 1 and 3): acknowledge alerts,
 * flip the kill switch, set a service's status; and the `:` command line,
 * a table of {name, usage, help, handler}. */
#include "tui_priv.h"
#include "export.h"
#include "util.h"
#include "domain/alerts.h"
#include "domain/metrics.h"
#include "domain/resolution.h"
#include "domain/services.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int actions_ack(Ui *ui, int64_t id, int quiet)
{
    char err[128];
    int r = alerts_ack(ui->st, id, 1, 0, ui->actor, util_now(), err, sizeof err);
    if (r < 0) {
        ui_message(ui, 1, "Alert #%lld: %s", (long long)id, ui_write_error(ui, err));
        return r;
    }
    if (!quiet)
        ui_message(ui, 0, "Alert #%lld acknowledged by %s", (long long)id, ui->actor);
    ui_after_write(ui, 0);
    return 0;
}

int actions_unack(Ui *ui, int64_t id)
{
    char err[128];
    int r = alerts_ack(ui->st, id, 0, 0, ui->actor, util_now(), err, sizeof err);
    if (r < 0) {
        ui_message(ui, 1, "Alert #%lld: %s", (long long)id, ui_write_error(ui, err));
        return r;
    }
    ui_message(ui, 0, "Alert #%lld unacknowledged by %s", (long long)id, ui->actor);
    ui_after_write(ui, 0);
    return 0;
}

/* ---- kill switch: K -> y/n -> reason -> write ------------------------------ */

static void apply_kill(Ui *ui, int on, const char *reason)
{
    char err[128];
    if (resolution_set_kill_switch(ui->st, on, ui->actor, reason, util_now(), err,
                                   sizeof err) < 0) {
        ui_message(ui, 1, "Kill switch: %s", ui_write_error(ui, err));
        return;
    }
    if (on)
        ui_message(ui, 1, "KILL SWITCH ON: auto-resolution disabled by %s", ui->actor);
    else
        ui_message(ui, 0, "Kill switch off: auto-resolution enabled again by %s", ui->actor);
    ui_after_write(ui, 1);
}

static void kill_reason_answer(Ui *ui, void *arg, const char *reason)
{
    int on = (int)(intptr_t)arg;
    if (!reason) {
        ui_message(ui, 0, "Kill switch unchanged");
        return;
    }
    apply_kill(ui, on, reason);
}

static void kill_confirm_answer(Ui *ui, void *arg, const char *answer)
{
    if (!answer) {
        ui_message(ui, 0, "Kill switch unchanged");
        return;
    }
    ui_prompt(ui, "Reason (optional, Enter to skip): ", kill_reason_answer, arg);
}

void actions_kill_switch(Ui *ui)
{
    int on = !(ui->snap && ui->snap->kill_switch);
    ui_confirm(ui, on ? "Turn the KILL SWITCH ON and stop all auto-resolution?"
                      : "Turn the kill switch OFF and resume auto-resolution?",
               kill_confirm_answer, (void *)(intptr_t)on);
}

/* ---- quitting ------------------------------------------------------------- */

static void quit_answer(Ui *ui, void *arg, const char *answer)
{
    (void)arg;
    if (answer)
        ui->quit = 1;
    else
        ui_message(ui, 0, "Not quitting: this console keeps running the checks");
}

/* q and :q. A detail view goes back (like Esc). The engine console asks
 * first, since quitting it stops checks and notifications for everyone;
 * a viewer quits at once. Signals never come here: they quit at once. */
void actions_quit(Ui *ui)
{
    Pane *p = ui->panes[ui->cur];
    if (p->detail) {
        pane_sync(p, ui->snap);
        pane_list_key(p, UI_KEY_ESC);
        ui->dirty |= DIRTY_BODY;
        return;
    }
    int engine = ui->opts.is_primary ? ui->opts.is_primary(ui->opts.ctx)
                                     : (ui->snap && ui->snap->is_engine);
    if (!engine) {
        ui->quit = 1;
        return;
    }
    ui_confirm(ui, "This console is the ENGINE: quitting stops checks and notifications. Quit?",
               quit_answer, NULL);
}

/* ---- the command line ------------------------------------------------------ */

typedef void (*CmdFn)(Ui *ui, char *args);

static void cmd_quit(Ui *ui, char *args)
{
    (void)args;
    actions_quit(ui);
}

static void cmd_help(Ui *ui, char *args)
{
    (void)args;
    ui->help = 1;
    ui->help_top = 0;
    ui->dirty |= DIRTY_BODY | DIRTY_TABS;
}

/* ":ack ID" / ":unack ID": the id, or 0 with the usage said. */
static long long alert_id_arg(Ui *ui, const char *args, const char *usage)
{
    char *end;
    long long id = strtoll(args, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (!*args || *end || id <= 0) {
        ui_message(ui, 1, "usage: %s", usage);
        return 0;
    }
    return id;
}

static void cmd_ack(Ui *ui, char *args)
{
    long long id = alert_id_arg(ui, args, ":ack ID");
    if (id)
        actions_ack(ui, id, 0);
}

static void cmd_unack(Ui *ui, char *args)
{
    long long id = alert_id_arg(ui, args, ":unack ID");
    if (id)
        actions_unack(ui, id);
}

/* "30m", "2h", "1d" (a bare number is minutes): minutes, or -1. */
static long long parse_minutes(const char *s)
{
    char *end;
    long long n = strtoll(s, &end, 10);
    if (end == s || n <= 0)
        return -1;
    long long mult = !*end || !strcmp(end, "m") ? 1 : !strcmp(end, "h") ? 60
                     : !strcmp(end, "d") ? 1440 : -1;
    return mult < 0 || n > ALERT_ACK_EXPIRY_MAX ? -1 : n * mult;
}

/* ":snooze ID 30m NOTE": acknowledge with an expiry and a note. */
static void cmd_snooze(Ui *ui, char *args)
{
    char *end, *dur, *note;
    long long id = strtoll(args, &end, 10);
    dur = end;
    while (isspace((unsigned char)*dur))
        dur++;
    note = dur;
    while (*note && !isspace((unsigned char)*note))
        note++;
    if (*note)
        *note++ = '\0';
    while (isspace((unsigned char)*note))
        note++;
    long long min = parse_minutes(dur);
    if (!*args || end == args || id <= 0 || min < 1 || min > ALERT_ACK_EXPIRY_MAX) {
        ui_message(ui, 1, "usage: :snooze ID 30m|2h|1d NOTE (at most 7 days)");
        return;
    }
    AlertAckOpts o = {.note = note, .expires_in_minutes = min};
    char err[256];
    if (alerts_ack_ex(ui->st, id, 1, &o, 0, ui->actor, util_now(), err, sizeof err) < 0) {
        ui_message(ui, 1, "Alert #%lld: %s", id, ui_write_error(ui, err));
        return;
    }
    ui_message(ui, 0, "Alert #%lld snoozed for %s by %s", id, dur, ui->actor);
    ui_after_write(ui, 0);
}

static void cmd_kill(Ui *ui, char *args)
{
    char *rest = args;
    while (*rest && !isspace((unsigned char)*rest))
        rest++;
    if (*rest)
        *rest++ = '\0';
    while (isspace((unsigned char)*rest))
        rest++;
    if (!strcasecmp(args, "on"))
        apply_kill(ui, 1, rest);
    else if (!strcasecmp(args, "off"))
        apply_kill(ui, 0, rest);
    else
        ui_message(ui, 1, "usage: :kill on REASON | :kill off");
}

/* ":status Payments API Down": the last word is the status, the rest
 * names the service (or gives its id). */
static void cmd_status(Ui *ui, char *args)
{
    size_t len = strlen(args);
    while (len && isspace((unsigned char)args[len - 1]))
        args[--len] = '\0';
    char *sp = strrchr(args, ' ');
    ServiceStatus st;
    if (!sp || status_parse(sp + 1, &st) < 0) {
        ui_message(ui, 1, "usage: :status SERVICE Up|Degraded|Down|Unknown");
        return;
    }
    *sp = '\0';
    while (sp > args && isspace((unsigned char)sp[-1]))
        *--sp = '\0';
    int64_t id = 0;
    char *end;
    long long n = strtoll(args, &end, 10);
    if (*args && !*end && n > 0)
        id = n;
    for (int i = 0; !id && ui->snap && i < ui->snap->nservices; i++)
        if (!strcasecmp(ui->snap->services[i].name, args))
            id = ui->snap->services[i].id;
    if (!id) {
        ui_message(ui, 1, "No service named \"%s\"", args);
        return;
    }
    char err[160], reason[160];
    snprintf(reason, sizeof reason, "Set to %s from the console by %s", status_name(st), ui->actor);
    int r = services_set_status(ui->st, id, st, SET_BY_USER, 0, reason, util_now(), err,
                                sizeof err);
    if (r < 0) {
        ui_message(ui, 1, "Status: %s", ui_write_error(ui, err));
        return;
    }
    const SnapService *v = ui->snap ? snapshot_find_service(ui->snap, id) : NULL;
    if (v)
        ui_message(ui, 0, "%s (#%lld) is now %s", v->name, (long long)id, status_name(st));
    else
        ui_message(ui, 0, "Service %lld is now %s", (long long)id, status_name(st));
    ui_after_write(ui, 1);
}

/* ":threshold cpu 85" (seed 004): one global threshold through the
 * domain (validated, audited); "off" or 0 turns it off. Alone, it lists
 * them. The Metrics pane shows the change with the collector's next
 * sample. */
static void cmd_threshold(Ui *ui, char *args)
{
    char *name = args, *value = args;
    while (*value && !isspace((unsigned char)*value))
        value++;
    if (*value)
        *value++ = '\0';
    while (isspace((unsigned char)*value))
        value++;
    if (!*name) {
        double t[THRESH_COUNT];
        if (metrics_thresholds(ui->st, t) < 0) {
            ui_message(ui, 1, "Thresholds: cannot read them");
            return;
        }
        char line[256];
        size_t len = (size_t)snprintf(line, sizeof line, "Thresholds:");
        for (int i = 0; i < THRESH_COUNT && len < sizeof line; i++) {
            if (t[i] > 0)
                len += (size_t)snprintf(line + len, sizeof line - len, " %s %g%s",
                                        threshold_name((ThresholdId)i), t[i],
                                        threshold_is_percent((ThresholdId)i) ? "%" : "");
            else
                len += (size_t)snprintf(line + len, sizeof line - len, " %s off",
                                        threshold_name((ThresholdId)i));
        }
        ui_message(ui, 0, "%s", line);
        return;
    }
    double v;
    if (!strcasecmp(value, "off"))
        v = 0;
    else if (metrics_parse_number(value, &v) < 0) {
        ui_message(ui, 1, "usage: :threshold cpu|memory|swap|disk|load VALUE (0 or off = off)");
        return;
    }
    char err[160];
    if (metrics_set_threshold(ui->st, name, v, 0, ui->actor, util_now(), err, sizeof err) < 0) {
        ui_message(ui, 1, "Threshold: %s", ui_write_error(ui, err));
        return;
    }
    ThresholdId t;
    threshold_parse(name, &t);
    if (v > 0)
        ui_message(ui, 0, "%s threshold set to %g%s by %s", threshold_name(t), v,
                   threshold_is_percent(t) ? "%" : "", ui->actor);
    else
        ui_message(ui, 0, "%s threshold turned off by %s", threshold_name(t), ui->actor);
    ui_after_write(ui, 0);
}

/* ":info": where this console is and what it is attached to (the
 * database a second console opens, the API, the role, who writes). */
static void cmd_info(Ui *ui, char *args)
{
    (void)args;
    char api[128];
    int api_of = frame_api_address(ui, api, sizeof api);
    int engine = ui->snap ? ui->snap->is_engine
                          : (ui->opts.is_primary ? ui->opts.is_primary(ui->opts.ctx) : 0);
    ui_message(ui, 0, "%s as %s; database %s; API %s%s", engine ? "ENGINE" : "VIEWER",
               ui->actor, ui->opts.db_path ? ui->opts.db_path : "?",
               api_of ? api : "off", api_of == 2 ? " (the engine's)" : "");
}

static void cmd_export(Ui *ui, char *args) { export_command(ui, args, 0); }
static void cmd_export_force(Ui *ui, char *args) { export_command(ui, args, 1); }

static const struct Command {
    const char *name, *usage, *help;
    CmdFn       fn;
} commands[] = {
    {"ack", ":ack ID", "acknowledge alert ID", cmd_ack},
    {"unack", ":unack ID", "take back the ack of alert ID", cmd_unack},
    {"snooze", ":snooze ID 30m NOTE", "acknowledge alert ID until 30m, 2h or 1d from now, with "
                                      "a note; still open then: reopened and notified again",
     cmd_snooze},
    {"kill", ":kill on REASON", "turn the kill switch on (no confirmation)", cmd_kill},
    {"kill", ":kill off", "turn the kill switch off", cmd_kill},
    {"status", ":status SERVICE Down", "set a service's status (Up, Degraded, Down, Unknown); "
                                       "SERVICE is its name or id", cmd_status},
    {"threshold", ":threshold cpu 85", "set a metric alert threshold (cpu, memory, swap, disk, "
                                       "load; 0 or off = off); alone: list them", cmd_threshold},
    {"export", ":export FILE", "write the Markdown timeline of the selected incident, or of "
                               "the selected service's or breach's downtime, to a new FILE",
     cmd_export},
    {"export!", ":export! FILE", "the same, overwriting FILE", cmd_export_force},
    {"info", ":info", "role, login name, database path (for a second console), API address",
     cmd_info},
    {"help", ":help", "this help", cmd_help},
    {"q", ":q", "quit", cmd_quit},
    {"quit", ":quit", "quit", cmd_quit},
};

int actions_command_help(int i, const char **usage, const char **help)
{
    if (i < 0 || (size_t)i >= sizeof commands / sizeof commands[0])
        return -1;
    *usage = commands[i].usage;
    *help = commands[i].help;
    return 0;
}

void actions_command(Ui *ui, const char *line)
{
    char buf[256];
    strlcpy_(buf, line, sizeof buf);
    char *p = buf;
    while (isspace((unsigned char)*p) || *p == ':')
        p++;
    char *args = p;
    while (*args && !isspace((unsigned char)*args))
        args++;
    if (*args)
        *args++ = '\0';
    while (isspace((unsigned char)*args))
        args++;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(commands[i].name, p)) {
            commands[i].fn(ui, args);
            return;
        }
    ui_message(ui, 1, "Unknown command \"%s\" (:help lists them)", p);
}
