/* model/secalert — plain value types of seed 003's security alerts (issue
 * 12): one alert as lists show it, a verdict, a listing filter. The domain
 * (domain/secalerts.h) and the repository (store/secalert_repo.h) share
 * them; their meaning is documented in domain/secalerts.h.
 *
 * Types and constants only. Thread: any.
 */
#ifndef RESOPS_MODEL_SECALERT_H
#define RESOPS_MODEL_SECALERT_H

#include <stdint.h>

/* One alert as the lists and the console show it. Strings owned by the
 * struct (secalerts_free). */
typedef struct SecAlert {
    int64_t seq;
    char   *id, *source, *stage, *severity, *title, *route, *fingerprint, *incident_id;
    char   *normalized;     /* the seed's Normalized object as JSON text, NULL before */
    char   *reason;         /* triage reason JSON, NULL before */
    char   *verdict;        /* the latest verdict's classification, NULL when none */
    int     severity_id;    /* -1 before normalization */
    int     s0, s1;         /* -1 before triage */
    int64_t group_of;       /* seq of the first alert of its group, 0 = none */
    int     group_count;    /* on a group's first alert: how many joined */
    int64_t received_at, event_at, triaged_at, closed_at;
} SecAlert;

typedef struct SecFilter {
    const char *route;       /* "verdict" / "ml" / NULL = any */
    const char *source;      /* NULL = any */
    int         min_severity_id;  /* -1 = any */
    int         open_only;   /* 1: not closed */
    int         heads_only;  /* 1: hide alerts grouped under another */
    int64_t     limit, offset;    /* limit 0 = 100 */
} SecFilter;

typedef struct SecVerdict {
    int64_t id;
    char    classification[12];
    double  confidence;
    char   *notes, *actor;
    int64_t created_at;
} SecVerdict;

#endif
