/* seed — fill a database: the demo set a newcomer sees with --demo, and
 * large synthetic sets for benchmarks (`resops seed --services N`).
 * Thread: whoever owns the Store. */
#ifndef RESOPS_DOMAIN_SEED_H
#define RESOPS_DOMAIN_SEED_H

#include <stddef.h>
#include <stdint.h>
#include "domain/users.h"
#include "store/store.h"

/* The demo: a dozen services with BIA, dependencies, loopback probes,
 * heartbeats of various ages, past downtimes and integrations.
 * 0, or -errno with err. */
int seed_demo(Store *st, int64_t now, char *err, size_t errsz);

/* The demo's playbook file (issue 9, D4): two named command actions and
 * the application playbook, compiled in. seed_demo loads it into the
 * action catalog and records the database as a demo one (an
 * incident_audit config_updated entry with details.demo true, which no
 * API request can write); every later start on that database loads it
 * again (resolution_bootstrap), so `resops seed --demo` followed by a
 * start still runs the demo playbook. Its commands are fixed here: the
 * database only says "demo". */
const char *seed_demo_playbooks(void);

/* The demo's accounts (the first an Admin), created by seed 004's part
 * of the demo (demo_metrics.h) and printed by `resops seed --demo`. */
#define SEED_DEMO_ADMIN          "admin"
#define SEED_DEMO_ADMIN_PASSWORD "admin123"
#define SEED_DEMO_USER           "demo"
#define SEED_DEMO_USER_PASSWORD  "demo123"

/* A session of ttl_s for username (the demo token's jti, USERS_JTI_LEN +
 * 1 bytes): 0 with *out, -ENOENT (no such user), -EIO. */
int seed_demo_session(Store *st, const char *username, int64_t now, int ttl_s, UserInfo *out,
                      char *jti, char *err, size_t errsz);

/* n synthetic services (deterministic for a given n): BIA, up to three
 * dependencies on earlier services, a status, some recent downtimes and
 * integrations; no probes (a cycle stays free of network). */
int seed_services(Store *st, int n, int64_t now, char *err, size_t errsz);

#endif
