/* secalerts — seed 003's security alerts: the one write path (durable
 * ingestion with group commit, normalized submissions, verdicts, source
 * closes) and the pipeline that follows ingestion (normalize -> embed ->
 * index -> triage S0 -> route, group near-duplicates, escalate).
 *
 * CONTRACT (issue 12): this header is shared by the ingestion endpoints,
 * the syslog listener, the Alertmanager endpoint, the response actions and
 * the console's Security pane. Its owner may add to it; changing what is
 * here needs everyone's agreement.
 *
 * Ingestion never loses an accepted alert: secalerts_ingest*() return 0
 * only after the row is committed with synchronous=FULL (concurrent
 * callers share one transaction and one fsync: group commit). The
 * pipeline runs later, on its own thread (secalerts_process), and
 * secalerts_kick() wakes it.
 *
 * Thread: whoever owns the Store passed in; secalerts_kick: any.
 */
#ifndef RESOPS_DOMAIN_SECALERTS_H
#define RESOPS_DOMAIN_SECALERTS_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

#define SECALERT_ID_MAX 128   /* longest accepted alert id (bytes) */

/* One alert to ingest; every pointer borrowed. */
typedef struct SecIngest {
    const char *id;            /* NULL or "": a new id "sec-<16 hex>" is made */
    const char *source;        /* "raw", "alertmanager", "wazuh", "syslog", "generic", "upload" */
    const char *content_type;  /* NULL = application/json */
    const char *raw;           /* the payload bytes, kept as they are */
    size_t      raw_len;
    const char *fingerprint;   /* Alertmanager's, else NULL */
} SecIngest;

typedef struct SecIngested {
    char    id[SECALERT_ID_MAX + 1];
    char    location[SECALERT_ID_MAX + 32];   /* "/api/objects/raw/<id>" */
    int64_t received_at;
} SecIngested;

/* Commit one alert (durable when it returns 0). -EEXIST: the id is taken
 * (err says so); -EINVAL: bad id/payload (err); -EIO. */
int secalerts_ingest(Store *st, const SecIngest *in, SecIngested *out, char *err, size_t errsz);
/* Commit n alerts in one transaction (all or none). */
int secalerts_ingest_many(Store *st, const SecIngest *in, int n, SecIngested *out, char *err,
                          size_t errsz);
/* The source resolved it (Alertmanager "status": "resolved"): set
 * closed_at on the open alerts with that fingerprint. The count closed, or
 * -EIO. */
int secalerts_close_fingerprint(Store *st, const char *fingerprint, int64_t now);

/* Wake the pipeline thread (any thread). */
void secalerts_kick(void);

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
void secalerts_free(SecAlert *a);
void secalerts_free_list(SecAlert *a, int n);

/* By the seed's id: 0, -ENOENT, -EIO. */
int secalerts_get(Store *st, const char *id, SecAlert *out);

typedef struct SecFilter {
    const char *route;       /* "verdict" / "ml" / NULL = any */
    const char *source;      /* NULL = any */
    int         min_severity_id;  /* -1 = any */
    int         open_only;   /* 1: not closed */
    int         heads_only;  /* 1: hide alerts grouped under another */
    int64_t     limit, offset;    /* limit 0 = 100 */
} SecFilter;
/* Newest first. The count in *out (caller frees with secalerts_free_list),
 * or -EIO. *total (may be NULL) gets the count without paging. */
int secalerts_list(Store *st, const SecFilter *f, SecAlert **out, int *n, int64_t *total);

/* Verdicts (seed 003 /verdicts): classification "TP" | "FP" | "ESCALATE",
 * confidence 0..1. Audited "Security Verdict". 0, -ENOENT, -EINVAL (err),
 * -EIO. ESCALATE opens the security incident (secresponse_escalate) when
 * the alert has none. */
int secalerts_verdict(Store *st, const char *id, const char *classification, double confidence,
                      const char *notes, const char *actor, int64_t now, char *err, size_t errsz);
typedef struct SecVerdict {
    int64_t id;
    char    classification[12];
    double  confidence;
    char   *notes, *actor;
    int64_t created_at;
} SecVerdict;
int  secalerts_verdicts(Store *st, const char *id, SecVerdict **out, int *n);   /* oldest first */
void secalerts_verdicts_free(SecVerdict *v, int n);

/* Triage thresholds and pipeline settings (seed 003 admin/config
 * thresholds), stored in the config table, defaults as in the seed. */
typedef struct SecThresholds {
    int    triage_threshold;       /* 79: route verdict at or above */
    int    escalation_threshold;   /* 90: a verdict-routed alert opens an incident */
    int    k;                      /* 5: neighbours weighed */
    double group_similarity;       /* 0.97: a near-duplicate at or above ... */
    int    group_window_s;         /* 600: ... of an alert this recent joins its group */
} SecThresholds;
int secalerts_thresholds(Store *st, SecThresholds *out);

/* The pipeline step (the pipeline thread): normalize, embed, index and
 * triage up to max alerts in stage "received". The count processed, or
 * -EIO. */
int secalerts_process(Store *st, int max, int64_t now);

#endif
