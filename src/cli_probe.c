/* cli_probe — see cli_probe.h. Goes through services_set_probe (the one
 * write path), so the change is validated and audited like any other.
 *
 * The probe kinds are the domain's table (domain/probe_kinds.h): each row
 * is an option --<name> TARGET, and the usage text is written from the
 * same rows, so a new kind appears here without an edit. */
#include "cli_probe.h"
#include "domain/incidents.h"
#include "domain/probe_kinds.h"
#include "domain/services.h"
#include "domain/status_reactions.h"
#include "store/store.h"
#include "store/service_repo.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { O_SERVICE = 300, O_REMOVE, O_TIMEOUT, O_EXPECT, O_DB, O_PLAYBOOK, O_CONFIDENCE,
       O_KIND = 400 /* + the kind's row */ };

#define MAX_KINDS 32

/* What the command line asks for. */
typedef struct ProbeArgs {
    const char *service, *kind, *target, *playbook;
    double      confidence;       /* < 0: not given */
    int         remove, kinds;    /* kinds: how many of --<kind>/--remove */
    long        timeout, expect;
} ProbeArgs;

void cli_probe_usage(FILE *out)
{
    const ProbeKindDef *k;
    fprintf(out, "usage: resops probe --service ID|NAME (");
    for (int i = 0; (k = probe_kind_at(i)); i++)
        fprintf(out, "%s--%s %s", i ? " | " : "", k->name, k->target_help);
    fprintf(out, ")\n"
                 "                    [--timeout-ms N] [--expect N] [--db PATH]\n"
                 "       resops probe --service ID|NAME --remove [--db PATH]\n"
                 "       resops probe --service ID|NAME --playbook CATEGORY|none "
                 "[--confidence X]\n");
    int first = 1, last = -1;
    for (int i = 0; (k = probe_kind_at(i)); i++)
        if (k->expect_help)
            last = i;
    for (int i = 0; (k = probe_kind_at(i)); i++) {
        if (!k->expect_help)
            continue;
        fprintf(out, "%s%s: %s%s\n", first ? "  --expect N   " : "               ", k->label,
                k->expect_help, i == last ? "" : ";");
        first = 0;
    }
    fprintf(out,
            "  --playbook C when the service goes Down, open an incident in category C\n"
            "               (seed 001: network, database, application, security,\n"
            "               infrastructure, user_access) with confidence X (default 0.95);\n"
            "               may be given with a probe kind, or alone for an existing probe\n");
}

static int parse_int(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < min || v > max)
        return -EINVAL;
    *out = v;
    return 0;
}

/* The getopt table: the fixed options, then --<name> for every kind. */
static void build_options(struct option *opts)
{
    static const struct option fixed[] = {
        {"service", required_argument, NULL, O_SERVICE},
        {"remove", no_argument, NULL, O_REMOVE},
        {"timeout-ms", required_argument, NULL, O_TIMEOUT},
        {"expect", required_argument, NULL, O_EXPECT},
        {"db", required_argument, NULL, O_DB},
        {"playbook", required_argument, NULL, O_PLAYBOOK},
        {"confidence", required_argument, NULL, O_CONFIDENCE},
    };
    int n = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        opts[n++] = fixed[i];
    const ProbeKindDef *k;
    for (int i = 0; i < MAX_KINDS && (k = probe_kind_at(i)); i++)
        opts[n++] = (struct option){k->name, required_argument, NULL, O_KIND + i};
    opts[n] = (struct option){0, 0, 0, 0};
}

/* One option's value into a; 0, or 2 (usage error, said on stderr). */
static int take_option(ProbeArgs *a, int c, const char *arg, const char *word)
{
    if (c >= O_KIND && probe_kind_at(c - O_KIND)) {
        a->kind = probe_kind_at(c - O_KIND)->name;
        a->target = arg;
        a->kinds++;
        return 0;
    }
    switch (c) {
    case O_SERVICE: a->service = arg; return 0;
    case O_REMOVE: a->remove = 1; a->kinds++; return 0;
    case O_DB: return 0;               /* main already resolved it */
    case O_PLAYBOOK: a->playbook = arg; return 0;
    case O_CONFIDENCE: {
        char *end;
        a->confidence = strtod(arg, &end);
        if (*end || end == arg || !(a->confidence >= 0 && a->confidence <= 1)) {
            fprintf(stderr, "resops probe: --confidence must be 0..1\n");
            return 2;
        }
        return 0;
    }
    case O_TIMEOUT:
        if (parse_int(arg, 1, 600000, &a->timeout) == 0)
            return 0;
        fprintf(stderr, "resops probe: --timeout-ms must be 1..600000\n");
        return 2;
    case O_EXPECT:
        if (parse_int(arg, 0, 999, &a->expect) == 0)
            return 0;
        fprintf(stderr, "resops probe: --expect must be 0..999\n");
        return 2;
    default:
        fprintf(stderr, "resops probe: unknown or incomplete option '%s'\n", word);
        cli_probe_usage(stderr);
        return 2;
    }
}

/* argv into *a: 0, or 2 on a usage error (said on stderr). */
static int parse_args(int argc, char **argv, ProbeArgs *a)
{
    struct option opts[16 + MAX_KINDS];
    build_options(opts);
    *a = (ProbeArgs){.confidence = -1};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int r = take_option(a, c, optarg, argv[optind - 1]);
        if (r)
            return r;
    }
    if (!a->service || a->kinds > 1 || (a->kinds == 0 && !a->playbook) ||
        (a->remove && a->playbook) || (a->confidence >= 0 && !a->playbook) || optind < argc) {
        cli_probe_usage(stderr);
        return 2;
    }
    return 0;
}

/* The service named by id or by name: its id, or 0 with the error said. */
static int64_t find_service(Store *st, const char *service)
{
    long id_num;
    int64_t id = parse_int(service, 1, 0x7fffffffL, &id_num) == 0
                     ? id_num
                     : service_repo_find_by_name(st, service);
    if (id <= 0 || service_repo_exists(st, id) != 1) {
        fprintf(stderr, "resops probe: Service not found: %s\n", service);
        return 0;
    }
    return id;
}

static int do_remove(Store *st, int64_t id)
{
    char err[512];
    int r = services_remove_probe(st, id, 0, util_now(), err, sizeof err);
    if (r < 0)
        fprintf(stderr, "resops probe: %s\n", err);
    else
        printf("resops: service %lld now reports by heartbeat%s\n", (long long)id,
               r ? "" : " (it had no probe)");
    return r < 0;
}

static int do_set(Store *st, int64_t id, const ProbeArgs *a)
{
    char err[512];
    int r = services_set_probe(st, id, a->kind, a->target, (int)a->timeout, (int)a->expect, 0,
                               util_now(), err, sizeof err);
    if (r < 0) {
        fprintf(stderr, "resops probe: %s\n", err);
        return r == -EINVAL ? 2 : 1;   /* a bad target is a usage error */
    }
    printf("resops: service %lld is checked by %s %s\n", (long long)id, a->kind, a->target);
    return 0;
}

static int do_playbook(Store *st, int64_t id, const ProbeArgs *a)
{
    char err[512];
    const char *cat = strcmp(a->playbook, "none") ? a->playbook : NULL;
    if (status_reactions_set_playbook(st, id, cat, a->confidence, 0, util_now(), err,
                                      sizeof err) < 0) {
        fprintf(stderr, "resops probe: %s\n", err);
        return 1;
    }
    if (cat)
        printf("resops: service %lld opens %s incidents when Down (confidence %.2f)\n",
               (long long)id, cat, a->confidence >= 0 ? a->confidence : INCIDENTS_DOWN_CONFIDENCE);
    else
        printf("resops: service %lld opens no incidents when Down\n", (long long)id);
    return 0;
}

int cli_open_db(const char *cmd, const char *db_path, Store **st)
{
    /* A subcommand works on an existing database: a mistyped --db must
     * not quietly create an empty one. Checked after the arguments, so a
     * usage error is one (exit 2) whatever --db says. */
    if (access(db_path, F_OK) < 0) {
        fprintf(stderr, "resops %s: no database at %s (give --db PATH)\n", cmd, db_path);
        return 1;
    }
    char err[512];
    if (store_open(db_path, st, err, sizeof err) < 0) {
        fprintf(stderr, "resops: %s\n", err);
        return 1;
    }
    return 0;
}

int cli_probe(int argc, char **argv, const char *db_path)
{
    ProbeArgs a;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc;
    Store *st;
    if (cli_open_db("probe", db_path, &st))
        return 1;
    int64_t id = find_service(st, a.service);
    if (!id)
        rc = 1;
    else if (a.remove)
        rc = do_remove(st, id);
    else {
        if (a.kind)
            rc = do_set(st, id, &a);
        if (rc == 0 && a.playbook)         /* not after a failed probe change */
            rc = do_playbook(st, id, &a);
    }
    if (store_sync_answer(st) < 0 && rc == 0) {   /* issue 13: durable before exit 0 */
        fprintf(stderr, "resops: could not flush the database to disk\n");
        rc = 1;
    }
    store_close(st);
    return rc;
}
