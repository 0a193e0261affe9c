/* seed — fill a database: the demo set a newcomer sees with --demo, and
 * large synthetic sets for benchmarks (`resops seed --services N`).
 * Thread: whoever owns the Store. */
#ifndef RESOPS_DOMAIN_SEED_H
#define RESOPS_DOMAIN_SEED_H

#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

/* The demo: a dozen services with BIA, dependencies, loopback probes,
 * heartbeats of various ages, past downtimes and integrations.
 * 0, or -errno with err. */
int seed_demo(Store *st, int64_t now, char *err, size_t errsz);

/* n synthetic services (deterministic for a given n): BIA, up to three
 * dependencies on earlier services, a status, some recent downtimes and
 * integrations; no probes (a cycle stays free of network). */
int seed_services(Store *st, int n, int64_t now, char *err, size_t errsz);

#endif
