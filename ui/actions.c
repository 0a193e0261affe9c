/* actions — the console's writes, each one call of a domain function on
 * the UI thread's own Store (design rules 1 and 3): acknowledge alerts,
 * flip the kill switch, set a service's status; and the `:` command line,
 * a table of {name, usage, help, handler}. */
#include "tui_priv.h"
#include "export.h"
#include "util.h"
#include "domain/alerts.h"
#include "domain/decision.h"
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

static void apply_kill(Ui *ui, int on, const char *reason);

/* ---- kill switch: K -> y or a category -> reason -> write ------------------
 * K asks one key: y flips the global switch, a digit stops or starts one
 * of seed 001's categories; while it asks, the body lists the categories
 * with their state (kill_panel, drawn by actions_draw_kill_panel). The
 * reason prompt is optional: Enter and Esc both go on without one (Esc
 * is what people press to skip in a hurry); Ctrl-G or Backspace on the
 * empty line cancel. */

static int ncategories(void)
{
    int n = 0;
    while (decision_categories[n])
        n++;
    return n;
}

/* 1 when category name is stopped (its own kill switch); *c its row */
static int category_stopped(const Snapshot *s, const char *name, const SnapCategory **c)
{
    *c = NULL;
    for (int i = 0; s && i < s->ncategories; i++)
        if (!strcmp(s->categories[i].name, name)) {
            *c = &s->categories[i];
            return !s->categories[i].enabled;
        }
    return 0;
}

/* arg: -2 / -1 the global switch on / off, else 2 * (category index + 1)
 * + on (1: stop it) */
static void apply_kill_arg(Ui *ui, int arg, const char *reason)
{
    char err[128];
    if (arg < 0) {
        apply_kill(ui, arg == -2, reason);
        return;
    }
    int on = arg & 1;
    const char *cat = decision_categories[arg / 2 - 1];
    if (resolution_kill_switch(ui->st, on, cat, ui->actor, reason, util_now(), err,
                               sizeof err) < 0) {
        ui_message(ui, 1, "Kill switch %s: %s", cat, ui_write_error(ui, err));
        return;
    }
    if (on)
        ui_message(ui, 1, "Auto-resolution STOPPED for %s by %s", cat, ui->actor);
    else
        ui_message(ui, 0, "Auto-resolution started again for %s by %s", cat, ui->actor);
    ui_after_write(ui, 1);
}

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
    if (!reason) {
        ui_message(ui, 0, "Kill switch unchanged");
        return;
    }
    apply_kill_arg(ui, (int)(intptr_t)arg - 3, reason);
}

static void kill_choice_answer(Ui *ui, void *arg, const char *answer)
{
    int on = (int)(intptr_t)arg, k = 0;
    ui->kill_panel = 0;
    ui->dirty |= DIRTY_BODY | DIRTY_TABS;
    if (answer && (!strcmp(answer, "y") || !strcmp(answer, "Y")))
        k = on ? -2 : -1;                         /* the global switch */
    else if (answer && answer[0] >= '1' && answer[0] - '0' <= ncategories() && !answer[1]) {
        const char *cat = decision_categories[answer[0] - '1'];
        const SnapCategory *c;
        k = 2 * (answer[0] - '0') + !category_stopped(ui->snap, cat, &c);
    }
    if (!k) {
        ui_message(ui, 0, "Kill switch unchanged");
        return;
    }
    if (k > 0 && !(k & 1)) {                      /* starting a category: no reason */
        apply_kill_arg(ui, k, NULL);
        return;
    }
    ui_prompt(ui, "Reason (optional; Enter or Esc: none, Ctrl-G: cancel): ", kill_reason_answer,
              (void *)(intptr_t)(k + 3));
    ui->prompt_esc_skips = 1;
}

void actions_kill_switch(Ui *ui)
{
    int on = !(ui->snap && ui->snap->kill_switch);
    char q[200];
    snprintf(q, sizeof q, "%s [y/N] or 1-%d: one category",
             on ? "Turn the KILL SWITCH ON and stop all auto-resolution?"
                : "Turn the kill switch OFF and resume auto-resolution?", ncategories());
    ui_ask_key(ui, q, kill_choice_answer, (void *)(intptr_t)on);
    ui->kill_panel = 1;
    ui->dirty |= DIRTY_BODY;
}

/* The body while K asks: the global switch and each category's state. */
void actions_draw_kill_panel(Ui *ui, WINDOW *w)
{
    const Snapshot *s = ui->snap;
    int width = getmaxx(w), h = getmaxy(w), y = 0;
    char line[1024];
    pane_draw_text(w, y++, 1, width - 2, "Kill switch: auto-resolution, all and per category",
                   A_BOLD);
    y++;
    if (s && s->kill_switch)
        snprintf(line, sizeof line, "y    ALL: STOPPED by %s: %s  (y starts it again)",
                 s->kill_actor, s->kill_reason[0] ? s->kill_reason : "no reason");
    else
        snprintf(line, sizeof line, "y    ALL: running  (y stops every category)");
    pane_draw_text(w, y++, 2, width - 4, line, s && s->kill_switch ? A_BOLD : A_NORMAL);
    for (int i = 0; decision_categories[i] && y < h; i++) {
        const SnapCategory *c;
        int stopped = category_stopped(s, decision_categories[i], &c);
        if (stopped)
            snprintf(line, sizeof line, "%d    %-15s STOPPED by %s%s%s  (%d starts it)", i + 1,
                     decision_categories[i], c->kill_actor, c->kill_reason[0] ? ": " : "",
                     c->kill_reason, i + 1);
        else
            snprintf(line, sizeof line, "%d    %-15s running  (%d stops it)", i + 1,
                     decision_categories[i], i + 1);
        pane_draw_text(w, y++, 2, width - 4, line, stopped ? A_BOLD : A_NORMAL);
    }
    if (y + 1 < h)
        pane_draw_text(w, y + 1, 2, width - 4, "Esc or any other key: leave everything as it is",
                       A_DIM);
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

/* ":q!": quit at once, the engine console too (vim's "I mean it"). */
static void cmd_quit_now(Ui *ui, char *args)
{
    (void)args;
    ui->quit = 1;
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

/* ":snooze ID 30m [NOTE]": acknowledge with an expiry and an optional note. */
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
        ui_message(ui, 1, "usage: :snooze ID 30m|2h|1d [NOTE] (at most 7 days)");
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
                                      "an optional note; still open then: reopened and notified again",
     cmd_snooze},
    {"silence", ":silence SERVICE 2h REASON", "silence a service's alerts for 30m, 2h or 1d: "
                                              "kept back, notified after if still open",
     silences_cmd_silence},
    {"silences", ":silences", "show the Silences pane (x expires one)", silences_cmd_list},
    /* issue 12 item 2: machine tokens for collectors (tokens.c) */
    {"token", ":token new NAME [SCOPE]", "a machine token for a collector, scope ingest (default), "
                                         "read or write; shown once", tokens_cmd_token},
    {"token", ":token revoke NAME", "revoke a machine token (asks first)", tokens_cmd_token},
    {"tokens", ":tokens", "list the machine tokens with their last use", tokens_cmd_list},
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
    {"q!", ":q!", "quit at once, without the ENGINE console's question", cmd_quit_now},
};

int actions_command_help(int i, const char **usage, const char **help)
{
    if (i < 0 || (size_t)i >= sizeof commands / sizeof commands[0])
        return -1;
    *usage = commands[i].usage;
    *help = commands[i].help;
    return 0;
}

const char *actions_command_name(int i)
{
    if (i < 0 || (size_t)i >= sizeof commands / sizeof commands[0])
        return NULL;
    return commands[i].name;
}

int actions_command_takes_service(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        const char *n = commands[i].name, *u = commands[i].usage;
        if (strlen(n) == len && !strncmp(n, name, len) && !strncmp(u + 1, n, len) &&
            !strncmp(u + 1 + len, " SERVICE", 8))
            return 1;
    }
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
