/* cmdline — the `:` line's memory and completion (issue 11 item 8).
 *
 * History: every command run is remembered, most recent first and
 * without repeats (running one again moves it to the top); Up and Down
 * walk it while the `:` line is open, and Down past the newest gives
 * back what was being typed. It lives for the session and, when a state
 * directory is known ($XDG_STATE_HOME, else $HOME/.local/state), in
 * resops/history there, one command a line, read at start and appended
 * to (rewritten when it grows past twice the kept count). Without HOME
 * (a service, some test runs) it is kept in memory only.
 *
 * Completion: Tab completes the command name, and for a command whose
 * usage takes a SERVICE first (":status SERVICE Down"), the service name
 * from the snapshot shown; after ":token", its words (new, revoke, the
 * scopes, token names: ui/tokens.c). Several candidates complete to their
 * common prefix; a second Tab lists them in the message line.
 *
 * No curses here: the Ui's fields only, so tests/unit/test_layout.c
 * drives it. Thread: the UI thread. */
#include "tui_priv.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* ---- history ------------------------------------------------------------ */

/* mkdir -p for the directories of path (not its last part) */
static void make_parents(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        mkdir(path, 0700);
        *p = '/';
    }
}

/* Put line at the top: an older equal entry moves up, the oldest falls out. */
static void hist_push(Ui *ui, const char *line)
{
    int at = ui->nhist < CMDLINE_HISTORY_MAX ? ui->nhist : CMDLINE_HISTORY_MAX - 1;
    for (int i = 0; i < ui->nhist; i++)
        if (!strcmp(ui->hist[i], line)) {
            at = i;
            break;
        }
    if (at == ui->nhist)
        ui->nhist++;
    memmove(ui->hist[1], ui->hist[0], (size_t)at * sizeof ui->hist[0]);
    strlcpy_(ui->hist[0], line, sizeof ui->hist[0]);
}

/* The history file for this user, or "" (no state directory). */
static void hist_path(char *buf, size_t size)
{
    const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    buf[0] = '\0';
    if (x && x[0] == '/')
        snprintf(buf, size, "%s/resops/history", x);
    else if (home && home[0] == '/')
        snprintf(buf, size, "%s/.local/state/resops/history", home);
}

void cmdline_load(Ui *ui)
{
    hist_path(ui->hist_file, sizeof ui->hist_file);
    FILE *f = ui->hist_file[0] ? fopen(ui->hist_file, "r") : NULL;
    if (!f)
        return;
    char line[sizeof ui->hist[0]];
    int lines = 0;
    while (fgets(line, sizeof line, f)) {     /* oldest first in the file */
        line[strcspn(line, "\n")] = '\0';
        if (line[0]) {
            hist_push(ui, line);
            lines++;
        }
    }
    fclose(f);
    if (lines > 2 * CMDLINE_HISTORY_MAX) {    /* compact: the kept ones only */
        FILE *w = fopen(ui->hist_file, "w");
        for (int i = ui->nhist - 1; w && i >= 0; i--)
            fprintf(w, "%s\n", ui->hist[i]);
        if (w)
            fclose(w);
    }
}

void cmdline_remember(Ui *ui, const char *line)
{
    while (isspace((unsigned char)*line))
        line++;
    if (!*line || strchr(line, '\n'))
        return;
    hist_push(ui, line);
    if (!ui->hist_file[0])
        return;
    char dirs[sizeof ui->hist_file];
    strlcpy_(dirs, ui->hist_file, sizeof dirs);
    make_parents(dirs);
    FILE *f = fopen(ui->hist_file, "a");
    if (f) {
        fprintf(f, "%s\n", line);
        fclose(f);
    }
}

/* Up (dir 1, older) or Down (dir -1, newer) in the open `:` line. */
static void cmdline_walk(Ui *ui, int dir)
{
    int pos = ui->hist_pos + dir;
    if (pos < 0 || pos > ui->nhist)
        return;
    if (ui->hist_pos == 0)
        strlcpy_(ui->hist_draft, ui->input, sizeof ui->hist_draft);
    ui->hist_pos = pos;
    strlcpy_(ui->input, pos ? ui->hist[pos - 1] : ui->hist_draft, sizeof ui->input);
}

/* ---- completion ------------------------------------------------------------ */

typedef struct Cands {
    const char *v[64];
    int         n;
} Cands;

static void cand_add(Cands *c, const char *s)
{
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->v[i], s))
            return;
    if (c->n < (int)(sizeof c->v / sizeof c->v[0]))
        c->v[c->n++] = s;
}

/* Bytes the candidates share from the start (case-insensitive). */
static size_t common_len(const Cands *c)
{
    size_t n = strlen(c->v[0]);
    for (int i = 1; i < c->n; i++) {
        size_t k = 0;
        while (k < n && c->v[i][k] &&
               tolower((unsigned char)c->v[i][k]) == tolower((unsigned char)c->v[0][k]))
            k++;
        n = k;
    }
    while (n > 0 && ((unsigned char)c->v[0][n] & 0xc0) == 0x80)
        n--;                                  /* never half a code point */
    return n;
}

/* "ack, kill, ..." beside the open line (the second Tab). */
static void list_cands(Ui *ui, const Cands *c)
{
    char *line = ui->prompt_note;
    size_t len = 0, size = sizeof ui->prompt_note;
    line[0] = '\0';
    for (int i = 0; i < c->n && len < size; i++)
        len += (size_t)snprintf(line + len, size - len, "%s%s", i ? ", " : "", c->v[i]);
}

/* Complete input[from..] against the candidates; one candidate gets a
 * space after it when more may follow (with_space). */
static void complete_with(Ui *ui, size_t from, const Cands *c, int with_space)
{
    if (!c->n) {
        snprintf(ui->prompt_note, sizeof ui->prompt_note, "no completion for \"%s\"",
                 ui->input + from);
        return;
    }
    size_t have = strlen(ui->input) - from, common = common_len(c);
    if (common > have || c->n == 1) {
        snprintf(ui->input + from, sizeof ui->input - from, "%.*s%s", (int)common, c->v[0],
                 c->n == 1 && with_space ? " " : "");
        if (c->n == 1)
            ui->tab_count = 0;        /* else the next Tab lists them */
        return;
    }
    if (ui->tab_count >= 2)
        list_cands(ui, c);
    else
        snprintf(ui->prompt_note, sizeof ui->prompt_note, "%d candidates: Tab again lists them",
                 c->n);
}

void cmdline_complete(Ui *ui)
{
    ui->tab_count++;
    char *in = ui->input;
    size_t start = 0;
    while (in[start] == ' ' || in[start] == ':')
        start++;
    size_t name_end = start;
    while (in[name_end] && in[name_end] != ' ')
        name_end++;
    Cands c = {.n = 0};
    const char *usage, *help;
    if (!in[name_end]) {                      /* still the command's name */
        for (int i = 0; actions_command_help(i, &usage, &help) == 0; i++) {
            const char *name = actions_command_name(i);
            if (!strncasecmp(name, in + start, name_end - start))
                cand_add(&c, name);
        }
        complete_with(ui, start, &c, 1);
        return;
    }
    if (name_end - start == 5 && !strncmp(in + start, "token", 5)) {   /* issue 12 item 2 */
        char words[32][65];
        size_t len = strlen(in), arg = len;
        while (arg > name_end && in[arg - 1] != ' ')
            arg--;
        int n = tokens_complete_words(ui, in + name_end, arg - name_end, words, 32);
        for (int i = 0; i < n; i++)
            if (!strncasecmp(words[i], in + arg, len - arg))
                cand_add(&c, words[i]);
        complete_with(ui, arg, &c, 1);
        return;
    }
    if (!actions_command_takes_service(in + start, name_end - start)) {
        snprintf(ui->prompt_note, sizeof ui->prompt_note, "nothing to complete here");
        return;
    }
    size_t arg = name_end;
    while (in[arg] == ' ')
        arg++;
    const Snapshot *s = ui->snap;
    for (int i = 0; s && i < s->nservices; i++)
        if (!strncasecmp(s->services[i].name, in + arg, strlen(in + arg)))
            cand_add(&c, s->services[i].name);
    complete_with(ui, arg, &c, 1);
}

/* The `:` line's own keys: 1 when key was one (Up, Down, Tab). */
int cmdline_key(Ui *ui, int key)
{
    ui->prompt_note[0] = '\0';
    if (key == (UI_KEY_FN | KEY_UP) || key == 16 /* ^P */) {
        cmdline_walk(ui, 1);
    } else if (key == (UI_KEY_FN | KEY_DOWN) || key == 14 /* ^N */) {
        cmdline_walk(ui, -1);
    } else if (key == '\t') {
        cmdline_complete(ui);
        return 1;
    } else {
        ui->tab_count = 0;
        return 0;
    }
    ui->tab_count = 0;
    return 1;
}
