/* secpipe_bench — issue 12: the security pipeline behind ingestion
 * (normalize + embed + index + triage, secalerts_process) in alerts per
 * second, without the listener: N alerts of a few families (so neighbours
 * and groups happen) are ingested first, then processed in batches of 256
 * as the pipeline thread does. Run from an optimized build:
 *   secpipe_bench [N=20000] [db path] [exact|auto|index]
 * "exact" (the default): every neighbour search is the exact scan (the
 * automatic index is off). "auto": as in production, the index builds
 * itself in the background once SIMILARITY_AUTO_INDEX_DEFAULT vectors are
 * stored. "index": the HNSW index is built after the first batch (as in
 * production once build-index ran). Prints one line: ingested, processed,
 * seconds (wall and this process's CPU), alerts/s. tools/secpipe_bench.sh
 * runs the README's table. */
#include "bench_result.h"
#include "domain/secalerts.h"
#include "domain/similarity.h"
#include "store/store.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    util_malloc_tune();
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    char path[256];
    snprintf(path, sizeof path, "%s", argc > 2 ? argv[2] : "/tmp/resops-secpipe-bench.db");
    unlink(path);
    char wal[300];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    Store *st;
    char err[256];
    if (store_open(path, &st, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    static const char *const msgs[] = {
        "Failed SSH login for root from 203.0.113.%d on bastion-%d",
        "Port scan detected from 198.51.100.%d against web tier %d",
        "Malware hash detected on host ws-%d by agent %d",
        "New admin account created on domain controller dc-%d by user%d",
        "Disk encryption disabled on laptop-%d for user%d",
    };
    static const char *const sev[] = {"low", "medium", "high", "critical"};
    enum { CHUNK = 500 };
    SecIngest *in = calloc(CHUNK, sizeof *in);
    SecIngested *out = calloc(CHUNK, sizeof *out);
    char (*ids)[32] = calloc(CHUNK, 32);
    char (*raw)[256] = calloc(CHUNK, 256);
    double t0 = mono();
    for (int base = 0; base < n; base += CHUNK) {
        int m = n - base < CHUNK ? n - base : CHUNK;
        for (int i = 0; i < m; i++) {
            int k = base + i;
            char msg[160];
            snprintf(msg, sizeof msg, msgs[k % 5], k % 37, k % 11);
            snprintf(ids[i], 32, "bench-%d", k);
            snprintf(raw[i], 256, "{\"message\": \"%s\", \"severity\": \"%s\"}", msg, sev[k % 4]);
            in[i] = (SecIngest){.id = ids[i], .source = "raw", .raw = raw[i],
                                .raw_len = strlen(raw[i])};
        }
        if (secalerts_ingest_many(st, in, m, out, err, sizeof err) != 0) {
            fprintf(stderr, "ingest: %s\n", err);
            return 1;
        }
    }
    double t1 = mono();
    int done = 0, r;
    const char *mode = argc > 3 ? argv[3] : "exact";
    int use_index = strcmp(mode, "index") == 0;
    if (strcmp(mode, "auto") != 0)
        similarity_set_auto_index(0);
    double c1 = cpu();
    while ((r = secalerts_process(st, 256, util_now())) > 0) {
        if (use_index && done == 0) {
            int64_t indexed, ms;
            if (similarity_build_index(st, 0, &indexed, &ms) < 0) {
                fprintf(stderr, "build-index failed\n");
                return 1;
            }
        }
        done += r;
    }
    double t2 = mono(), c2 = cpu();
    SimStats ss;
    similarity_stats(&ss);
    printf("secpipe_bench (%s): %d ingested (%.0f/s in chunks of %d), %d processed in %.2f s "
           "(%.2f s CPU, index %lld): %.0f alerts/s\n", mode, n, n / (t1 - t0), CHUNK, done,
           t2 - t1, c2 - c1, (long long)ss.index_size, done / (t2 - t1));
    bench_result(n, "alerts", NULL, "secpipe.n");
    bench_result(done / (t2 - t1), "alerts/s", NULL, "secpipe.%s.rate", mode);
    bench_result(done / (c2 - c1), "alerts/CPU-s", NULL, "secpipe.%s.cpu_rate", mode);
    similarity_reset();
    free(in);
    free(out);
    free(ids);
    free(raw);
    store_close(st);
    unlink(path);
    unlink(wal);
    return r < 0 ? 1 : 0;
}
