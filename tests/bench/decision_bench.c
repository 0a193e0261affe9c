/* decision_bench — the cost of one auto-resolve decision that runs no
 * step (issue 9, item 5), without the HTTP listener: incidents_submit on
 * one connection, N new incidents refused below the threshold, then the
 * same with the kill switch active. Each submission is one transaction
 * with the incident row and two audit rows, committed (WAL,
 * synchronous=NORMAL, as the server runs). Also the price of what the
 * listener adds per slow request today: a new connection (store_open)
 * and its first statements.
 *
 * usage: decision_bench [N]   (default 20000); run from a release build
 * (tests/bench/api_bench.sh --resolve measures the whole path with wrk). */
#include "bench_result.h"
#include "domain/incidents.h"
#include "domain/resolution.h"
#include "store/db.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static double run(Store *st, int n, double confidence, const char *prefix)
{
    int64_t t0 = util_mono_ms();
    for (int i = 0; i < n; i++) {
        char id[64], err[300];
        snprintf(id, sizeof id, "%s-%d", prefix, i);
        IncidentInput in = {.incident_id = id, .title = "bench", .description = "d",
                            .category = "network", .priority = "low", .created_by = "bench",
                            .confidence = confidence};
        SubmitResult sr;
        if (incidents_submit(st, &in, "bench", 0, util_now(), &sr, err, sizeof err) < 0 ||
            sr.outcome != SUBMIT_SKIPPED) {
            fprintf(stderr, "decision_bench: %s\n", err);
            exit(1);
        }
    }
    int64_t ms = util_mono_ms() - t0;
    return ms > 0 ? n * 1000.0 / (double)ms : 0;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    char dir[] = "/tmp/resops-decbench-XXXXXX", path[64], err[512];
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/b.db", dir);
    Store *st;
    if (store_open(path, &st, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    double below = run(st, n, 0.5, "B");
    printf("below threshold: %.0f decisions/s (one connection)\n", below);
    bench_result(below, "decisions/s", NULL, "decision.rate");
    resolution_set_kill_switch(st, 1, "bench", "bench", util_now(), err, sizeof err);
    printf("kill switch:     %.0f decisions/s (one connection)\n", run(st, n, 0.99, "K"));
    int m = 2000;
    int64_t t0 = util_mono_ms();
    for (int i = 0; i < m; i++) {
        Store *s2;
        if (store_open(path, &s2, err, sizeof err) < 0)
            return 1;
        char id[32];
        snprintf(id, sizeof id, "C-%d", i);
        IncidentInput in = {.incident_id = id, .title = "bench", .description = "d",
                            .category = "network", .priority = "low", .created_by = "bench",
                            .confidence = 0.99};
        SubmitResult sr;
        incidents_submit(s2, &in, "bench", 0, util_now(), &sr, err, sizeof err);
        store_close(s2);
    }
    int64_t ms = util_mono_ms() - t0;
    printf("new connection per decision (the listener's slow route today): %.0f decisions/s\n",
           ms > 0 ? m * 1000.0 / (double)ms : 0);
    store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) != 0;
}
