/* counters — process-wide measurements any layer may record, for the
 * Prometheus exposition (src/api/prom.c, h_prom.c): latency histograms
 * with the exposition's fixed buckets, and the registry of the engine's
 * tick durations.
 *
 * A Hist is a plain value of atomic counters: hist_observe() is lock-free
 * (one relaxed add per field), so the engine thread and every listener
 * thread record without a lock; hist_read() copies it for a reader. The
 * buckets are not cumulative in memory (one add per observation); the
 * writer of the exposition sums them. The count is the sum of the buckets
 * a reader copied, so _count always equals the +Inf bucket of one read,
 * while _sum may be one observation ahead or behind.
 *
 * Thread: any.
 */
#ifndef RESOPS_COUNTERS_H
#define RESOPS_COUNTERS_H

#include <stdint.h>

/* Upper bounds of the buckets (seconds): .001 .. 10, then +Inf. */
#define HIST_BOUNDS 13
extern const int64_t hist_bound_ns[HIST_BOUNDS];
extern const char *const hist_bound_text[HIST_BOUNDS];   /* "0.001" ... "10" */

typedef struct Hist {
    uint64_t bucket[HIST_BOUNDS + 1];   /* per bucket; the last is over 10 s */
    uint64_t sum_ns;
} Hist;

/* Record one duration (ns; negative counts as 0). */
void     hist_observe(Hist *h, int64_t ns);
/* Copy h into *out (each field read atomically). */
void     hist_read(const Hist *h, Hist *out);
/* The observations of a copy (the sum of its buckets). */
uint64_t hist_count(const Hist *h);

/* Monotonic clock in ns. */
int64_t  counters_now_ns(void);

/* The engine's ticks (engine/engine.c records each one). */
void     counters_engine_tick(int64_t ns);
/* A copy of the tick histogram, and the last tick's duration in ns (0
 * before the first tick). */
void     counters_engine_read(Hist *out, int64_t *out_last_ns);

#endif
