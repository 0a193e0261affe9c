/* demo_metrics — seed 004's part of the demo: the demo accounts
 * (SEED_DEMO_* in seed.h), a day of metrics history, two threshold alerts
 * and the demo user's own thresholds. seed_demo() calls it; nothing else
 * needs to. Thread: whoever owns the Store. */
#ifndef RESOPS_DOMAIN_DEMO_METRICS_H
#define RESOPS_DOMAIN_DEMO_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

/* The accounts (the first an Admin; accounts that exist are kept), a day
 * of metrics history, two threshold alerts (cpu 92.1 cleared, memory 78.2
 * open) and the demo user's thresholds (60/70), in one transaction (the
 * caller's, when it holds one). 0 or -errno with err. */
int demo_metrics_seed(Store *st, int64_t now, char *err, size_t errsz);

#endif
