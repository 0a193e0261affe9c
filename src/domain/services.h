/* services — the one write path for services, their BIA, status, probes
 * and downtimes. Every function validates, writes in one transaction and
 * appends the seed's audit entry. Errors come back as -errno with the
 * seed's message in err ("Service not found", "Invalid dependency IDs:
 * [3, 4]", ...). Thread: whoever owns the Store.
 */
#ifndef RESOPS_DOMAIN_SERVICES_H
#define RESOPS_DOMAIN_SERVICES_H

#include <stddef.h>
#include <stdint.h>
#include "store/db.h"
#include "domain/rules.h"

typedef struct ServiceInput {
    const char *name, *description;
    int         has_bia;               /* any BIA field given */
    const char *criticality, *impact;
    int         has_rto, rto, has_rpo, rpo;
    int         signed_off;
    const int64_t *deps;
    int         ndeps, has_deps;
} ServiceInput;

/* Seed 000 POST /api/services. Audits "Service Created". */
int services_create(Store *st, const ServiceInput *in, const char *created_by,
                    int64_t user_id, int64_t now, int64_t *out_id, char *err, size_t errsz);

/* Set a service's status.
 *  - source SET_BY_USER (API/TUI): always audited "Status Updated" (entity
 *    "Status"), records a heartbeat;
 *  - SET_BY_ENGINE: only a change is written and audited.
 * A change raises the StatusChange alert; going Down opens a downtime
 * (reason given), leaving Down closes it. Returns 1 changed, 0 unchanged,
 * -ENOENT "Service not found", -EIO. */
typedef enum { SET_BY_ENGINE = 0, SET_BY_USER = 1 } StatusSource;
int services_set_status(Store *st, int64_t service_id, ServiceStatus status, StatusSource src,
                        int64_t user_id, const char *reason, int64_t now,
                        char *err, size_t errsz);

/* Attach (or replace) the probe of a service: kind "http" | "tcp" | "cmd".
 * Audited "Probe Updated" (ours). -EINVAL on a bad kind/target. */
int services_set_probe(Store *st, int64_t service_id, const char *kind, const char *target,
                       int timeout_ms, int expect_status, int64_t user_id, int64_t now,
                       char *err, size_t errsz);

/* Remove the probe: the service reports by heartbeat again. Audited
 * "Probe Removed" (ours). 1 removed, 0 it had none, -ENOENT, -EIO. */
int services_remove_probe(Store *st, int64_t service_id, int64_t user_id, int64_t now,
                          char *err, size_t errsz);

/* Check that every id in deps is a service: 1 all valid, 0 with err =
 * "Invalid dependency IDs: [3, 4]", -EIO. (For the catalog's updates.) */
int services_check_deps(Store *st, const int64_t *deps, int n, char *err, size_t errsz);

#endif
