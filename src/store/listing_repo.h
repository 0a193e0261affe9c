/* listing_repo — the read side of the API's list endpoints: fixed queries
 * whose column names are the seed's JSON field names, streamed one row at
 * a time through a callback (no per-row allocation, no row cap).
 *
 * A Listing is a const description {sql, columns}; listing_run() binds
 * integer parameters (?1, ?2, ...) and calls fn for every row with
 * borrowed values that stay valid only during the call.
 *
 * Thread: the Store's owner.
 */
#ifndef RESOPS_STORE_LISTING_REPO_H
#define RESOPS_STORE_LISTING_REPO_H

#include <stdint.h>
#include "store/store.h"

typedef enum {
    COL_INT,      /* integer */
    COL_TEXT,     /* string */
    COL_BOOL,     /* 0/1 integer shown as a boolean */
    COL_JSON,     /* text holding JSON (shown as its value) */
} ListingKind;

typedef struct ListingCol {
    const char *name;
    ListingKind kind;
} ListingCol;

typedef struct ListingValue {
    int         is_null;
    int64_t     i;
    const char *s;         /* COL_TEXT / COL_JSON; NULL when is_null */
} ListingValue;

typedef struct Listing {
    const char       *sql;
    const ListingCol *cols;
    int               ncols;
    const char       *count_sql; /* rows of the whole listing (same leading
                                  * parameters, no paging); NULL = none */
} Listing;

/* fn returns 0 to go on, anything else stops (and is returned). */
typedef int (*ListingRowFn)(void *ctx, const Listing *l, const ListingValue *v);

/* 0, fn's non-zero value, or -EIO. */
int listing_run(Store *st, const Listing *l, const int64_t *params, int nparams,
                ListingRowFn fn, void *ctx);

/* The number of rows of the whole listing (its count_sql with the same
 * leading parameters) into *out: 0, -EINVAL without count_sql, or -EIO. */
int listing_count(Store *st, const Listing *l, const int64_t *params, int nparams,
                  int64_t *out);

/* What a listing's answer depends on: PRAGMA data_version (commits by
 * other connections) and this connection's own total changes. Equal keys
 * mean equal listings (none of them depends on the clock). 0 or -EIO. */
int listing_version(Store *st, int64_t *out_data_version, int64_t *out_own_changes);

/* Seed 000 lists (column order = the seed's field order). */
/* Paged listings: the last two parameters are LIMIT (-1 = all) and OFFSET. */
extern const Listing listing_alerts;         /* GET /api/alerts, newest first; ?1 limit, ?2 offset */
extern const Listing listing_sla_breaches;   /* GET /api/alerts/sla_breaches; ?1 limit, ?2 offset */
extern const Listing listing_audit;          /* GET /api/audit; ?1 limit (-1 all), ?2 offset */
extern const Listing listing_integrations;   /* GET /api/services/integrations; ?1 limit, ?2 offset */
/* GET /api/services: id, name, description, created_by, has_bia,
 * criticality, impact, rto, rpo, signed_off, status, last_updated; ?1 = one
 * service id or 0 for all, ?2 limit (-1 all), ?3 offset. */
extern const Listing listing_services;
/* Every dependency edge: service_id, dependency_id, by service then dep. */
extern const Listing listing_dependency_edges;
/* GET /api/services/dependencies: service_id, service_name, dep_id,
 * dep_name, criticality, impact, rto, rpo, status. */
extern const Listing listing_dependencies;
/* A service's downtimes, newest first: start_time, end_time, reason; ?1. */
extern const Listing listing_downtimes;
/* The same, paged (GET /api/services/{id}/downtime): ?1, ?2 limit, ?3 offset. */
extern const Listing listing_downtimes_page;

#endif
