/* service_repo — service, its BIA and service_dependencies (seed 000 §4).
 * Thread: the Store's owner. */
#ifndef RESOPS_STORE_SERVICE_REPO_H
#define RESOPS_STORE_SERVICE_REPO_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"


/* New id, -EEXIST when the name is taken (case-insensitively, ignoring
 * surrounding spaces), -EIO. created_at = now (the wall clock for the
 * first form). */
int64_t service_repo_insert(Store *st, const char *name, const char *description,
                            const char *created_by);
int64_t service_repo_insert_at(Store *st, const char *name, const char *description,
                               const char *created_by, int64_t now);
/* 1 changed, 0 no such id, -EEXIST name taken, -EIO. */
int service_repo_update(Store *st, int64_t id, const char *name, const char *description);
/* When the service was created: 1 with *out (0 = unknown, a service from
 * before migration 0006 with no audit trail), 0 no such id, -EIO. */
int service_repo_created_at(Store *st, int64_t id, int64_t *out);
/* 1 changed, 0 no such id, -EIO. */
int service_repo_set_created_at(Store *st, int64_t id, int64_t created_at);
int service_repo_delete(Store *st, int64_t id);          /* 1, 0 none, -EIO */
int service_repo_exists(Store *st, int64_t id);          /* 1, 0, -EIO */
/* The service with that name, compared case-insensitively (ASCII) and
 * without surrounding spaces: id, 0 none, -EIO. */
int64_t service_repo_find_by_name(Store *st, const char *name);
int64_t service_repo_count(Store *st);
/* Bytes that hold any valid name: SERVICE_NAME_MAX (100) characters of up
 * to 4 bytes each, and the NUL. */
#define SERVICE_NAME_BUF 401

/* Service name into buf (a short buf gets whole characters only): 1
 * found, 0 none, -EIO. */
int service_repo_name(Store *st, int64_t id, char *buf, size_t size);



/* One row of the engine's bulk load: service + BIA + status + current risk. */
typedef struct ServiceLoadRow {
    int64_t id;
    char   *name, *description; /* owned by the set */
    int     has_bia;
    char   *criticality, *impact;
    int     has_rto, rto, has_rpo, rpo;
    char   *status;             /* NULL when no status row */
    int64_t last_updated, last_heartbeat;
    int     has_risk, risk_score, risk_critical;
    char   *risk_level, *risk_reason;
    int     has_probe;
} ServiceLoadRow;

typedef struct ServiceSet {
    ServiceLoadRow *rows;       /* sorted by id */
    int             n;
    int64_t        *dep_from, *dep_to;   /* all edges, sorted by dep_from */
    int             ndeps;
} ServiceSet;

/* Load every service with its BIA, status, current risk and dependency
 * edges in a few queries. 0 or -EIO. */
int  service_repo_load_all(Store *st, ServiceSet *out);
/* The same for one service: its row, the rows of the services it depends
 * on (for their status and name) and its own edges. 0 or -EIO; a missing
 * id gives a set without it. */
int  service_repo_load_one(Store *st, int64_t id, ServiceSet *out);
void service_set_free(ServiceSet *set);
/* How many integrations a service has (a risk input): count or -EIO. */
int  service_repo_integration_count(Store *st, int64_t id);
/* Index of id in set->rows or -1 (binary search). */
int  service_set_find(const ServiceSet *set, int64_t id);


/* Set the description (NULL clears it); 1 changed, 0 no such id, -EIO. */
int service_repo_set_description(Store *st, int64_t id, const char *description);

#endif
