/* view_repo — read-only bulk reads that the snapshot needs beyond the
 * entity repositories: each service's probe state, its integrations, and
 * the incident list (seed 001). A handful of queries per snapshot, so the
 * cost stays linear in rows, never a query per service.
 * Thread: the Store's owner. */
#ifndef RESOPS_STORE_VIEW_REPO_H
#define RESOPS_STORE_VIEW_REPO_H

#include <stdint.h>
#include "store/store.h"
#include "model/incident.h"
#include "model/service.h"

/* Every probe, sorted by service id; *out malloc'd (caller frees).
 * count or -EIO. */
int view_repo_probes(Store *st, ProbeViewRow **out);

/* Integrations grouped by service, sorted by service id; *out malloc'd.
 * count or -EIO. */
int view_repo_integrations(Store *st, IntegrationViewRow **out);

/* Newest first, up to max. count or -EIO. */
int view_repo_incidents(Store *st, IncidentViewRow *out, int max);

#endif
