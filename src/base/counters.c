/* counters — see counters.h. Relaxed atomics: every field is its own
 * counter; readers want recent totals, not a snapshot across fields. */
#include "counters.h"

#include <time.h>

const int64_t hist_bound_ns[HIST_BOUNDS] = {
    1000000, 2500000, 5000000, 10000000, 25000000, 50000000, 100000000,
    250000000, 500000000, 1000000000, 2500000000, 5000000000, 10000000000,
};
const char *const hist_bound_text[HIST_BOUNDS] = {
    "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
    "0.25", "0.5", "1", "2.5", "5", "10",
};

void hist_observe(Hist *h, int64_t ns)
{
    if (ns < 0)
        ns = 0;
    int i = 0;
    while (i < HIST_BOUNDS && ns > hist_bound_ns[i])
        i++;
    __atomic_add_fetch(&h->bucket[i], 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&h->sum_ns, (uint64_t)ns, __ATOMIC_RELAXED);
}

void hist_read(const Hist *h, Hist *out)
{
    for (int i = 0; i <= HIST_BOUNDS; i++)
        out->bucket[i] = __atomic_load_n(&h->bucket[i], __ATOMIC_RELAXED);
    out->sum_ns = __atomic_load_n(&h->sum_ns, __ATOMIC_RELAXED);
}

uint64_t hist_count(const Hist *h)
{
    uint64_t n = 0;
    for (int i = 0; i <= HIST_BOUNDS; i++)
        n += h->bucket[i];
    return n;
}

int64_t counters_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The process-wide registry: the one piece of mutable state here,
 * written only through the functions below. */
static Hist    engine_ticks;
static int64_t engine_last_ns;

void counters_engine_tick(int64_t ns)
{
    hist_observe(&engine_ticks, ns);
    __atomic_store_n(&engine_last_ns, ns < 0 ? 0 : ns, __ATOMIC_RELAXED);
}

void counters_engine_read(Hist *out, int64_t *out_last_ns)
{
    hist_read(&engine_ticks, out);
    *out_last_ns = __atomic_load_n(&engine_last_ns, __ATOMIC_RELAXED);
}
