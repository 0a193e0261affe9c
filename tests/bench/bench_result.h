/* bench_result — the one machine-readable line each benchmark prints for
 * tests/bench/run.sh, beside its own human-readable output:
 *
 *   RESULT <key> <value> <unit> [note ...]
 *
 * key: dotted, no spaces (cycle.100000.first_ms); value: a plain decimal
 * number; unit: one word (ms, req/s, %); note: free text to the end of
 * the line. run.sh collects every such line into results.txt and
 * tests/bench/table.py turns them into the Markdown table. Header-only
 * (each benchmark is one program); main thread only.
 */
#ifndef RESOPS_BENCH_RESULT_H
#define RESOPS_BENCH_RESULT_H

#include <stdarg.h>
#include <stdio.h>

/* Print one RESULT line; key is a printf format for its arguments. The
 * note may be NULL. Flushes, so a later crash keeps the line. */
static inline __attribute__((format(printf, 4, 5))) void
bench_result(double value, const char *unit, const char *note, const char *key, ...)
{
    va_list ap;
    va_start(ap, key);
    fputs("RESULT ", stdout);
    vprintf(key, ap);
    va_end(ap);
    printf(" %.3f %s%s%s\n", value, unit, note ? " " : "", note ? note : "");
    fflush(stdout);
}

#endif
