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

/* Limits on what a caller may store (issue 9, B10): characters are
 * Unicode code points, not bytes. */
#define SERVICE_NAME_MAX        100
#define SERVICE_DESCRIPTION_MAX 2000
#define SERVICES_CLOCK_SKEW_S   60     /* a client's clock may run this far ahead */

typedef struct ServiceInput {
    const char *name, *description;
    int         has_bia;               /* any BIA field given */
    const char *criticality, *impact;
    int         has_rto, rto, has_rpo, rpo;
    int         signed_off;
    const int64_t *deps;
    int         ndeps, has_deps;
    int64_t     created_at;            /* since when the service exists; 0 = now */
} ServiceInput;

/* Seed 000 POST /api/services. Audits "Service Created". The name is
 * stored without surrounding spaces and must be unique (compared
 * case-insensitively): -ENOTUNIQ (409) "A service named 'X' already exists (id
 * N)". Text fields are checked with services_check_text(), criticality
 * and impact with services_canon_*() (stored in their canonical
 * spelling), dependencies with services_check_deps(). */
int services_create(Store *st, const ServiceInput *in, const char *created_by,
                    int64_t user_id, int64_t now, int64_t *out_id, char *err, size_t errsz);

/* Set a service's status.
 *  - source SET_BY_USER (API/TUI, a playbook step, the demo seed): always
 *    audited "Status Updated" (entity "Status"), records a heartbeat;
 *  - SET_BY_ENGINE (the heartbeat judgement) and SET_BY_PROBE (a probe's
 *    result): only a change is written and audited.
 * A change raises the StatusChange alert; going Down opens a downtime
 * (reason given), leaving Down closes it; then the change's reactions run
 * in the same transaction (status_reactions.h: a probe's Down may open an
 * incident). Returns 1 changed, 0 unchanged, -ENOENT "Service not found",
 * -EIO. */
typedef enum { SET_BY_ENGINE = 0, SET_BY_USER = 1, SET_BY_PROBE = 2 } StatusSource;
int services_set_status(Store *st, int64_t service_id, ServiceStatus status, StatusSource src,
                        int64_t user_id, const char *reason, int64_t now,
                        char *err, size_t errsz);

/* Attach (or replace) the probe of a service: kind is a name of
 * domain/probe_kinds.h ("http" | "tcp" | "cmd"), checked with
 * probe_kind_validate. Audited "Probe Updated" (ours). -EINVAL on a bad
 * kind/target. */
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

/* Check name (when non-NULL: one line, not blank, at most
 * SERVICE_NAME_MAX characters) and description (multi-line, at most
 * SERVICE_DESCRIPTION_MAX characters). 0 or -EINVAL with err naming the
 * field. name is expected trimmed (util_trim_dup). */
int services_check_text(const char *name, const char *description, char *err, size_t errsz);

/* The canonical spelling of a BIA criticality (Low | Medium | High) or
 * impact (Low | Moderate | Medium | High | Severe), matched
 * case-insensitively; NULL in, NULL out. 0 and *out (static), or -EINVAL
 * with err naming the field and the allowed values. */
int services_canon_criticality(const char *in, const char **out, char *err, size_t errsz);
int services_canon_impact(const char *in, const char **out, char *err, size_t errsz);

/* Is name (trimmed) taken by a service other than except_id? 1 with err
 * "A service named 'X' already exists (id N)", 0 free, -EIO. */
int services_name_taken(Store *st, const char *name, int64_t except_id, char *err, size_t errsz);

/* A service may not depend on itself: 0, or -EINVAL with err naming the
 * field "dependencies". (Longer cycles are allowed, as in seed 000.) */
/* A service's creation time (ours, B12): not in the future. 0 or
 * -EINVAL naming the field "created_at". */
int services_check_created(int64_t created_at, int64_t now, char *err, size_t errsz);

int services_check_self_dep(int64_t id, const int64_t *deps, int n, char *err, size_t errsz);

#endif
