/* tokens — the console's machine tokens (issue 12 item 2):
 *   :token new NAME [SCOPE]   create (scope ingest by default); the secret
 *                             is shown once, in the message line, until a
 *                             key is pressed
 *   :token revoke NAME        revoke, after a y/N question
 *   :tokens                   list them (name, scope, last use or
 *                             revocation time) in the message line
 * Each is one call of domain/tokens.h on the UI thread's own Store, with
 * the console's login name as the actor. Tab completes the words (new,
 * revoke, the scopes, the token names): tokens_complete_words, used by
 * cmdline.c. Thread: the UI thread. */
#include "tui_priv.h"
#include "util.h"
#include "domain/tokens.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] = "usage: :token new NAME [ingest|read|write] | :token revoke NAME";

/* The next word of *p (NUL-terminated in place), or NULL. */
static char *word(char **p)
{
    char *s = *p;
    while (isspace((unsigned char)*s))
        s++;
    if (!*s)
        return NULL;
    char *e = s;
    while (*e && !isspace((unsigned char)*e))
        e++;
    if (*e)
        *e++ = '\0';
    *p = e;
    return s;
}

/* A refusal in the message line: the domain's messages about a token
 * already start "Token" ("Token 'x' already exists"), others get it. */
static void token_error(Ui *ui, const char *err)
{
    const char *m = ui_write_error(ui, err);
    if (strncmp(m, "Token", 5) == 0)
        ui_message(ui, 1, "%s", m);
    else
        ui_message(ui, 1, "Token: %s", m);
}

static void shown(Ui *ui, void *arg, const char *answer)
{
    (void)arg;
    (void)answer;
    memset(ui->prompt_label, 0, sizeof ui->prompt_label);   /* the secret's copy */
    ui_message(ui, 0, "The token is not shown again (:tokens lists them; "
                      ":token revoke NAME ends one)");
}

static void token_new(Ui *ui, const char *name, const char *scope)
{
    char secret[TOKENS_SECRET_LEN + 1], err[200], label[200];
    ApiTokenRow r;
    if (tokens_create(ui->st, name, scope, ui->actor, 0, util_now(), secret, &r, err,
                      sizeof err) < 0) {
        token_error(ui, err);
        return;
    }
    snprintf(label, sizeof label, "Token %s (%s), shown once, copy it now (then a key): %s",
             r.name, r.scope, secret);
    memset(secret, 0, sizeof secret);
    ui_ask_key(ui, label, shown, NULL);
    memset(label, 0, sizeof label);
    ui_after_write(ui, 0);
}

static void revoke_answer(Ui *ui, void *arg, const char *answer)
{
    char *name = arg, err[200];
    if (!answer) {
        ui_message(ui, 0, "Cancelled");
    } else if (tokens_revoke(ui->st, name, ui->actor, 0, util_now(), NULL, err,
                             sizeof err) < 0) {
        token_error(ui, err);
    } else {
        ui_message(ui, 0, "Token %s revoked by %s", name, ui->actor);
        ui_after_write(ui, 0);
    }
    free(name);
}

static void token_revoke(Ui *ui, const char *name)
{
    ApiTokenRow r;
    if (token_repo_by_name(ui->st, name, &r) != 1) {
        ui_message(ui, 1, "Token: no token named \"%s\" (:tokens lists them)", name);
        return;
    }
    if (r.revoked_at) {
        ui_message(ui, 1, "Token %s is already revoked", r.name);
        return;
    }
    char q[200];
    snprintf(q, sizeof q, "Revoke token %s (%s, %s)? Collectors using it get 401", r.name,
             r.scope, r.prefix);
    ui_confirm(ui, q, revoke_answer, xstrdup(r.name));
}

/* ":token new NAME [SCOPE]", ":token revoke NAME" */
void tokens_cmd_token(Ui *ui, char *args)
{
    char *p = args, *verb = word(&p), *name = word(&p), *scope = word(&p), *extra = word(&p);
    if (verb && name && !extra && !strcmp(verb, "new"))
        token_new(ui, name, scope ? scope : "ingest");
    else if (verb && name && !scope && !strcmp(verb, "revoke"))
        token_revoke(ui, name);
    else
        ui_message(ui, 1, "%s", usage);
}

/* ":tokens": every token with its scope and last use, in the message line. */
void tokens_cmd_list(Ui *ui, char *args)
{
    (void)args;
    ApiTokenRow *v;
    int n = tokens_list(ui->st, &v);
    if (n < 0) {
        ui_message(ui, 1, "Tokens: %s", store_errmsg(ui->st));
        return;
    }
    if (n == 0) {
        ui_message(ui, 0, "No machine tokens (:token new NAME [ingest|read|write])");
        return;
    }
    char line[sizeof ui->msg];
    size_t len = (size_t)snprintf(line, sizeof line, "%d token%s:", n, n == 1 ? "" : "s");
    for (int i = 0; i < n && len < sizeof line; i++) {
        char when[48] = "never used";
        if (v[i].revoked_at) {
            char t[32];
            util_iso8601(v[i].revoked_at, t, sizeof t);
            snprintf(when, sizeof when, "revoked %s", t);
        } else if (v[i].last_used_at)
            util_iso8601(v[i].last_used_at, when, sizeof when);
        len += (size_t)snprintf(line + len, sizeof line - len, "%s %s %s (%s)", i ? "," : "",
                                v[i].name, v[i].scope, when);
    }
    free(v);
    ui_message(ui, 0, "%s", line);
}

int tokens_complete_words(Ui *ui, const char *line, size_t at, char (*out)[65],
                          int max)
{
    /* which word of ":token ..." is being completed: 1 verb, 2 name, 3 scope */
    int nword = 0;
    char verb[16] = "";
    for (size_t i = 0; i < at;) {
        while (i < at && line[i] == ' ')
            i++;
        size_t s = i;
        while (i < at && line[i] != ' ')
            i++;
        if (i == at)
            break;
        if (++nword == 1)
            snprintf(verb, sizeof verb, "%.*s", (int)(i - s), line + s);
    }
    nword++;
    static const char *const verbs[] = {"new", "revoke"}, *const scopes[] = {"ingest", "read",
                                                                            "write"};
    int n = 0;
    if (nword == 1)
        for (size_t i = 0; i < 2 && n < max; i++)
            strlcpy_(out[n++], verbs[i], sizeof out[0]);
    else if (nword == 3 && !strcmp(verb, "new"))
        for (size_t i = 0; i < 3 && n < max; i++)
            strlcpy_(out[n++], scopes[i], sizeof out[0]);
    else if (nword == 2 && !strcmp(verb, "revoke")) {
        ApiTokenRow *v;
        int k = tokens_list(ui->st, &v);
        for (int i = 0; i < k && n < max; i++)
            if (!v[i].revoked_at)
                strlcpy_(out[n++], v[i].name, sizeof out[0]);
        if (k > 0)
            free(v);
    }
    return n;
}
