/* cli_token — see cli_token.h.
 *
 *   resops token create NAME [--scope ingest|read|write] [--db PATH]
 *   resops token list [--db PATH]
 *   resops token revoke NAME [--db PATH]
 *
 * create prints the secret alone on stdout (so `$(resops token create
 * ...)` captures it) and a note on stderr that it is shown once. The
 * audit names the shell user (the login name, as the console does). */
#include "cli_token.h"
#include "cli_probe.h"
#include "domain/tokens.h"
#include "store/store.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { O_SCOPE = 300, O_DB, O_CONFIG };

void cli_token_usage(FILE *out)
{
    fprintf(out,
            "usage: resops token create NAME [--scope ingest|read|write] [--db PATH]\n"
            "       resops token list [--db PATH]\n"
            "       resops token revoke NAME|ID [--db PATH]\n"
            "  a machine token for a collector (Alertmanager, rsyslog, a script), sent as\n"
            "  'Authorization: Bearer rsk_...'; create prints it once (default scope ingest)\n");
}

static void who_am_i(char *buf, size_t size)
{
    struct passwd pw, *res = NULL;
    char tmp[1024];
    if (getpwuid_r(getuid(), &pw, tmp, sizeof tmp, &res) == 0 && res && res->pw_name[0]) {
        strlcpy_(buf, res->pw_name, size);
        return;
    }
    const char *u = getenv("USER");
    strlcpy_(buf, u && *u ? u : "cli", size);
}

static void when(int64_t t, char *buf, size_t size)
{
    if (t)
        util_iso8601(t, buf, size);
    else
        strlcpy_(buf, "never", size);
}

static int do_list(Store *st)
{
    ApiTokenRow *v;
    int n = tokens_list(st, &v);
    if (n < 0) {
        fprintf(stderr, "resops token: cannot read the tokens: %s\n", store_errmsg(st));
        return 1;
    }
    if (n == 0)
        fprintf(stderr, "resops token: no tokens (resops token create NAME --scope ingest)\n");
    else
        printf("%-24s %-7s %-13s %-21s %-21s %-21s %s\n", "NAME", "SCOPE", "PREFIX", "CREATED",
               "LAST USED", "REVOKED", "BY");
    for (int i = 0; i < n; i++) {
        char c[32], u[32], r[32];
        when(v[i].created_at, c, sizeof c);
        when(v[i].last_used_at, u, sizeof u);
        if (v[i].revoked_at)
            util_iso8601(v[i].revoked_at, r, sizeof r);
        else
            strlcpy_(r, "-", sizeof r);
        printf("%-24s %-7s %-13s %-21s %-21s %-21s %s\n", v[i].name, v[i].scope, v[i].prefix, c,
               u, r, v[i].created_by[0] ? v[i].created_by : "-");
    }
    free(v);
    return 0;
}

static int do_create(Store *st, const char *name, const char *scope, const char *me)
{
    char secret[TOKENS_SECRET_LEN + 1], err[200];
    ApiTokenRow r;
    int rc = tokens_create(st, name, scope, me, 0, util_now(), secret, &r, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "resops token: %s\n", err);
        return rc == -EINVAL ? 2 : 1;
    }
    if (store_sync_answer(st) < 0)     /* issue 13: on disk before it is shown */
        fprintf(stderr, "resops token: warning: could not flush the database to disk\n");
    printf("%s\n", secret);
    fflush(stdout);
    fprintf(stderr, "resops token: created '%s' (scope %s, prefix %s); the token above is "
            "shown this once: store it now (send it as 'Authorization: Bearer <token>')\n",
            r.name, r.scope, r.prefix);
    memset(secret, 0, sizeof secret);
    return 0;
}

static int do_revoke(Store *st, const char *ref, const char *me)
{
    char err[200];
    ApiTokenRow r;
    if (tokens_revoke(st, ref, me, 0, util_now(), &r, err, sizeof err) < 0) {
        fprintf(stderr, "resops token: %s\n", err);
        return 1;
    }
    if (store_sync_answer(st) < 0)
        fprintf(stderr, "resops token: warning: could not flush the database to disk\n");
    printf("revoked %s (scope %s, prefix %s)\n", r.name, r.scope, r.prefix);
    return 0;
}

/* The words after the action; 0 or 2 (usage, said). */
static int parse(int argc, char **argv, const char **name, const char **scope)
{
    static const struct option opts[] = {
        {"scope", required_argument, NULL, O_SCOPE},
        {"db", required_argument, NULL, O_DB},
        {"config", required_argument, NULL, O_CONFIG},
        {0, 0, 0, 0},
    };
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == O_SCOPE) {
            *scope = optarg;
        } else if (c != O_DB && c != O_CONFIG) {
            fprintf(stderr, "resops token: unknown or incomplete option '%s'\n",
                    argv[optind - 1]);
            return 2;
        }
    }
    *name = optind < argc ? argv[optind++] : NULL;
    if (optind < argc) {
        fprintf(stderr, "resops token: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    return 0;
}

int cli_token(int argc, char **argv, const char *db_path)
{
    const char *action = argc > 1 ? argv[1] : "";
    int create = !strcmp(action, "create"), list = !strcmp(action, "list"),
        revoke = !strcmp(action, "revoke");
    if (!create && !list && !revoke) {
        if (*action && strcmp(action, "--help") && strcmp(action, "help"))
            fprintf(stderr, "resops token: unknown action '%s'\n", action);
        cli_token_usage(*action && (!strcmp(action, "--help") || !strcmp(action, "help"))
                            ? stdout : stderr);
        return *action && (!strcmp(action, "--help") || !strcmp(action, "help")) ? 0 : 2;
    }
    const char *name = NULL, *scope = NULL;
    int rc = parse(argc - 1, argv + 1, &name, &scope);
    if (rc)
        return rc;
    if ((create || revoke) != (name != NULL) || (scope && !create)) {
        fprintf(stderr, "resops token %s: %s\n", action,
                list ? "takes no NAME" : scope ? "--scope belongs to create" : "give a NAME");
        cli_token_usage(stderr);
        return 2;
    }
    TokenScope sc;
    if (scope && tokens_scope_parse(scope, &sc) < 0) {
        fprintf(stderr, "resops token: unknown scope '%s' (ingest, read or write)\n", scope);
        return 2;
    }
    Store *st;
    char me[81];
    if (cli_open_db("token", db_path, &st))
        return 1;
    who_am_i(me, sizeof me);
    rc = list ? do_list(st) : create ? do_create(st, name, scope, me) : do_revoke(st, name, me);
    store_close(st);
    return rc;
}
