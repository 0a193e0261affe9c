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
#include "model/secalert.h"
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

/* One alert as the lists and the console show it: SecAlert in
 * model/secalert.h (shared with the repository). */
void secalerts_free(SecAlert *a);
void secalerts_free_list(SecAlert *a, int n);

/* By the seed's id: 0, -ENOENT, -EIO. */
int secalerts_get(Store *st, const char *id, SecAlert *out);

/* SecFilter (model/secalert.h): route, source, min_severity_id, open_only,
 * heads_only, limit (0 = 100), offset. */
/* Newest first. The count in *out (caller frees with secalerts_free_list),
 * or -EIO. *total (may be NULL) gets the count without paging. */
int secalerts_list(Store *st, const SecFilter *f, SecAlert **out, int *n, int64_t *total);

/* Verdicts (seed 003 /verdicts): classification "TP" | "FP" | "ESCALATE",
 * confidence 0..1. Audited "Security Verdict". 0, -ENOENT, -EINVAL (err),
 * -EIO. ESCALATE opens the security incident (secresponse_escalate) when
 * the alert has none. */
int secalerts_verdict(Store *st, const char *id, const char *classification, double confidence,
                      const char *notes, const char *actor, int64_t now, char *err, size_t errsz);
/* SecVerdict: model/secalert.h. */
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

/* ---- added by the owner (issue 12, wt-core) ---- */

/* The pipeline thread's wait: until secalerts_kick() (1) or timeout_ms
 * passed (0). Each thread sees each kick once. */
int secalerts_wait_kick(int timeout_ms);

/* 1 when id is acceptable as an alert id: 1..SECALERT_ID_MAX printable
 * ASCII characters, no space and none of / ? # % \ ". */
int secalerts_id_valid(const char *id);

/* The raw payload as received: 0 with *raw (malloc'd, NUL-terminated
 * after *len bytes) and *content_type (malloc'd), -ENOENT, -EIO. */
int secalerts_raw(Store *st, const char *id, char **raw, size_t *len, char **content_type);

/* Run the pipeline again for this alert (stage back to received, the
 * thread woken). 0, -ENOENT, -EIO. */
int secalerts_requeue(Store *st, const char *id);

/* Seed 003 POST /normalization/{id}/normalized: json is the request body
 * ({id?, original?, mappings?, normalized}); it replaces the stored
 * normalized form, re-embeds and re-triages. 0, -ENOENT, -EINVAL (err),
 * -EIO. */
int secalerts_submit_normalized(Store *st, const char *id, const char *json, int64_t now,
                                char *err, size_t errsz);

/* Seed 003 POST /triage/{id}/score/triage: triage now (normalizing first
 * when the pipeline has not yet), with severity (a word, NULL = the
 * alert's own) overriding, and store the outcome; audited "Security
 * Triage Scored" as actor. 0, -ENOENT, -EINVAL (err), -EIO. */
typedef struct SecTriage {
    int   s0, s1;
    char  route[12];
    char *reason;    /* JSON object text, malloc'd (caller frees) */
} SecTriage;
int secalerts_triage_now(Store *st, const char *id, const char *severity, const char *actor,
                         int64_t now, SecTriage *out, char *err, size_t errsz);

/* Seed 003 PATCH /admin/config/thresholds: json is a partial object of
 * SecThresholds' fields (triage_threshold, escalation_threshold 0..100,
 * k 1..50, group_similarity 0..1, group_window_s >= 0; any other field
 * is refused). Audited "Security Thresholds Updated". 0 with *out the
 * new values, -EINVAL (err), -EIO. */
int secalerts_thresholds_patch(Store *st, const char *json, const char *actor, int64_t now,
                               SecThresholds *out, char *err, size_t errsz);

#endif
