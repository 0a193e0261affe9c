/* cli_probe — see cli_probe.h. Goes through services_set_probe (the one
 * write path), so the change is validated and audited like any other. */
#include "cli_probe.h"
#include "domain/incidents.h"
#include "domain/services.h"
#include "store/store.h"
#include "store/service_repo.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cli_probe_usage[] =
    "usage: resops probe --service ID|NAME (--http URL | --tcp HOST:PORT | --cmd \"CMD ARGS\")\n"
    "                    [--timeout-ms N] [--expect N] [--db PATH]\n"
    "       resops probe --service ID|NAME --remove [--db PATH]\n"
    "       resops probe --service ID|NAME --playbook CATEGORY|none [--confidence X]\n"
    "  --expect N   HTTP: the exact status wanted (default any 2xx);\n"
    "               command: the exit code wanted (default 0)\n"
    "  --playbook C when the service goes Down, open an incident in category C\n"
    "               (seed 001: network, database, application, security,\n"
    "               infrastructure, user_access) with confidence X (default 0.95);\n"
    "               may be given with a probe kind, or alone for an existing probe\n";

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

int cli_probe(int argc, char **argv, const char *db_path)
{
    enum { O_SERVICE = 300, O_HTTP, O_TCP, O_CMD, O_REMOVE, O_TIMEOUT, O_EXPECT, O_DB,
           O_PLAYBOOK, O_CONFIDENCE };
    static const struct option opts[] = {
        {"service", required_argument, NULL, O_SERVICE},
        {"http", required_argument, NULL, O_HTTP},
        {"tcp", required_argument, NULL, O_TCP},
        {"cmd", required_argument, NULL, O_CMD},
        {"remove", no_argument, NULL, O_REMOVE},
        {"timeout-ms", required_argument, NULL, O_TIMEOUT},
        {"expect", required_argument, NULL, O_EXPECT},
        {"db", required_argument, NULL, O_DB},
        {"playbook", required_argument, NULL, O_PLAYBOOK},
        {"confidence", required_argument, NULL, O_CONFIDENCE},
        {0, 0, 0, 0},
    };
    const char *service = NULL, *kind = NULL, *target = NULL, *playbook = NULL;
    double confidence = -1;
    int remove = 0, kinds = 0;
    long timeout = 0, expect = 0;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_SERVICE: service = optarg; break;
        case O_HTTP: kind = "http"; target = optarg; kinds++; break;
        case O_TCP: kind = "tcp"; target = optarg; kinds++; break;
        case O_CMD: kind = "cmd"; target = optarg; kinds++; break;
        case O_REMOVE: remove = 1; kinds++; break;
        case O_DB: break; /* main already resolved it */
        case O_PLAYBOOK: playbook = optarg; break;
        case O_CONFIDENCE: {
            char *end;
            confidence = strtod(optarg, &end);
            if (*end || end == optarg || !(confidence >= 0 && confidence <= 1)) {
                fprintf(stderr, "resops probe: --confidence must be 0..1\n");
                return 2;
            }
            break;
        }
        case O_TIMEOUT:
            if (parse_int(optarg, 1, 600000, &timeout) < 0) {
                fprintf(stderr, "resops probe: --timeout-ms must be 1..600000\n");
                return 2;
            }
            break;
        case O_EXPECT:
            if (parse_int(optarg, 0, 999, &expect) < 0) {
                fprintf(stderr, "resops probe: --expect must be 0..999\n");
                return 2;
            }
            break;
        default:
            fprintf(stderr, "resops probe: unknown or incomplete option '%s'\n%s",
                    argv[optind - 1], cli_probe_usage);
            return 2;
        }
    }
    if (!service || kinds > 1 || (kinds == 0 && !playbook) || (remove && playbook) ||
        (confidence >= 0 && !playbook) || optind < argc) {
        fprintf(stderr, "%s", cli_probe_usage);
        return 2;
    }

    Store *st;
    char err[512];
    if (store_open(db_path, &st, err, sizeof err) < 0) {
        fprintf(stderr, "resops: %s\n", err);
        return 1;
    }
    long id_num;
    int64_t id = parse_int(service, 1, 0x7fffffffL, &id_num) == 0 ? id_num
                                                                  : service_repo_find_by_name(st, service);
    int rc = 0, r;
    if (id <= 0 || service_repo_exists(st, id) != 1) {
        fprintf(stderr, "resops probe: Service not found: %s\n", service);
        rc = 1;
    } else if (remove) {
        int r = services_remove_probe(st, id, 0, util_now(), err, sizeof err);
        if (r < 0)
            fprintf(stderr, "resops probe: %s\n", err);
        else
            printf("resops: service %lld now reports by heartbeat%s\n", (long long)id,
                   r ? "" : " (it had no probe)");
        rc = r < 0;
    } else if (kind && (r = services_set_probe(st, id, kind, target, (int)timeout, (int)expect,
                                               0, util_now(), err, sizeof err)) < 0) {
        fprintf(stderr, "resops probe: %s\n", err);
        rc = r == -EINVAL ? 2 : 1;   /* a bad target is a usage error */
    } else {
        if (kind)
            printf("resops: service %lld is checked by %s %s\n", (long long)id, kind, target);
        if (playbook) {
            const char *cat = strcmp(playbook, "none") ? playbook : NULL;
            if (incidents_set_service_playbook(st, id, cat, confidence, 0, util_now(), err,
                                               sizeof err) < 0) {
                fprintf(stderr, "resops probe: %s\n", err);
                rc = 1;
            } else if (cat) {
                printf("resops: service %lld opens %s incidents when Down (confidence %.2f)\n",
                       (long long)id, cat, confidence >= 0 ? confidence : INCIDENTS_DOWN_CONFIDENCE);
            } else {
                printf("resops: service %lld opens no incidents when Down\n", (long long)id);
            }
        }
    }
    store_close(st);
    return rc;
}
