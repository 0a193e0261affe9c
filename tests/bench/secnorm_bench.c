/* secnorm_bench — issue 12: what normalization costs the pipeline. Each
 * real-format sample of tests/data/security/ normalized N times
 * (secnorm_normalize: parse, map, scan observables, build the Normalized
 * object, print it as the pipeline stores it); prints microseconds an
 * alert and alerts a second on one core. The pipeline's target is 2,000
 * alerts/s for normalize + embed + index + triage together.
 *
 * usage: secnorm_bench [N]   (default 20000; run from an optimized,
 * non-sanitized build: tests/bench/run.sh builds one) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_result.h"
#include "domain/secnorm.h"

#ifndef SOURCE_ROOT
#define SOURCE_ROOT "."
#endif

static const struct {
    const char *file, *source;
} samples[] = {
    {"alertmanager_v4.json", "alertmanager"}, {"wazuh_ssh_invalid_user.json", "wazuh"},
    {"wazuh_fim_changed.json", "wazuh"},      {"rfc5424_ex3.log", "syslog"},
    {"rfc3164_ex1.log", "syslog"},            {"seed003_raw.json", "raw"},
    {"falco_generic.json", "generic"},
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 20000;
    if (n <= 0)
        n = 20000;
    double worst_us = 0;
    printf("%-30s %12s %14s\n", "sample", "us/alert", "alerts/s");
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/tests/data/security/%s", SOURCE_ROOT, samples[i].file);
        FILE *f = fopen(path, "rb");
        if (!f) {
            perror(path);
            return 1;
        }
        static char raw[1 << 16];
        size_t len = fread(raw, 1, sizeof raw - 1, f);
        fclose(f);
        raw[len] = '\0';
        double t0 = now_s();
        for (long k = 0; k < n; k++) {
            char err[128];
            cJSON *doc = secnorm_normalize(samples[i].source, raw, len, NULL, 1796083200LL, err,
                                           sizeof err);
            char *text = doc ? cJSON_PrintUnformatted(doc) : NULL;
            if (!text) {
                fprintf(stderr, "%s: %s\n", samples[i].file, err);
                return 1;
            }
            free(text);
            cJSON_Delete(doc);
        }
        double dt = now_s() - t0;
        printf("%-30s %12.1f %14.0f\n", samples[i].file, dt * 1e6 / (double)n, (double)n / dt);
        if (dt * 1e6 / (double)n > worst_us)
            worst_us = dt * 1e6 / (double)n;
    }
    bench_result(worst_us, "us", NULL, "secnorm.worst_us");
    return 0;
}
