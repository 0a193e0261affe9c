/* secalert_repo — seed 003's security alerts (sec_alert), their verdicts
 * (sec_verdict) and the triage settings kept in the config key/value
 * table. Rows only: the rules (ids, normalization, triage, grouping,
 * audit) are in domain/secalerts.c and domain/triage.c.
 *
 * Thread: the Store's owner.
 */
#ifndef RESOPS_STORE_SECALERT_REPO_H
#define RESOPS_STORE_SECALERT_REPO_H

#include <stddef.h>
#include <stdint.h>
#include "model/secalert.h"
#include "store/store.h"

/* Insert one received alert: its seq, -EEXIST (the id is taken) or -EIO. */
int64_t secalert_repo_insert(Store *st, const char *id, const char *source,
                             const char *content_type, const void *raw, size_t len,
                             const char *fingerprint, int64_t received_at);

/* The seq of an id: > 0, 0 none, -EIO. */
int64_t secalert_repo_seq(Store *st, const char *id);

/* One alert by id (seq 0) or by seq (id NULL): 1 and *out (secalerts_free
 * frees it), 0 none, -EIO. */
int secalert_repo_get(Store *st, const char *id, int64_t seq, SecAlert *out);

/* The stored raw payload: 1 with *raw (malloc'd, NUL-terminated), *len
 * and *content_type (malloc'd), 0 none, -EIO. */
int secalert_repo_raw(Store *st, const char *id, char **raw, size_t *len, char **content_type);

/* A page of alerts, newest first: malloc'd array into *out, count or -EIO;
 * *total (may be NULL) the count without paging. */
int secalert_repo_list(Store *st, const SecFilter *f, SecAlert **out, int64_t *total);

/* Close the open alerts with this fingerprint: the count or -EIO. */
int secalert_repo_close_fingerprint(Store *st, const char *fingerprint, int64_t now);

/* An alert waiting for the pipeline. */
typedef struct SecPending {
    int64_t seq, received_at;
    char    id[132], source[24];
    char   *content_type, *raw;   /* malloc'd */
    size_t  len;
} SecPending;
/* Up to max alerts in stage "received", oldest first: malloc'd array into
 * *out (secalert_repo_pending_free), count or -EIO. */
int  secalert_repo_pending(Store *st, int max, SecPending **out);
void secalert_repo_pending_free(SecPending *p, int n);
/* How many wait (stage received): count or -EIO. */
int64_t secalert_repo_backlog(Store *st);

/* The normalized form (stage normalized). 0 or -EIO. */
int secalert_repo_set_normalized(Store *st, int64_t seq, const char *original,
                                 const char *mappings, const char *normalized,
                                 const char *severity, int severity_id, const char *title,
                                 int64_t event_at, int64_t now);
/* Normalization failed (stage failed, error kept). 0 or -EIO. */
int secalert_repo_set_failed(Store *st, int64_t seq, const char *error);
/* Back to stage received (the pipeline runs it again). 1 done, 0 no such
 * alert, -EIO. */
int secalert_repo_requeue(Store *st, const char *id);
/* The triage (stage triaged) and its group (0 = none). 0 or -EIO. */
int secalert_repo_set_triage(Store *st, int64_t seq, int s0, const char *route, int s1,
                             const char *reason, int64_t group_of, int64_t now);
/* One more alert joined the group headed by seq. 0 or -EIO. */
int secalert_repo_group_add(Store *st, int64_t head_seq);
/* Leave the group it was in (re-triage): its head's count drops. 0 or -EIO. */
int secalert_repo_group_leave(Store *st, int64_t seq);

/* What triage needs of a neighbour. */
typedef struct SecNeighbour {
    int64_t seq, received_at, group_of;
    char    id[132];
    char    verdict[12];    /* latest verdict, "" none */
    double  confidence;
} SecNeighbour;
/* 1 and *out, 0 none, -EIO. */
int secalert_repo_neighbour(Store *st, int64_t seq, SecNeighbour *out);

/* Verdicts: insert (the new id or -EIO), list oldest first (malloc'd, count
 * or -EIO). */
int64_t secalert_repo_verdict_add(Store *st, int64_t seq, const char *classification,
                                  double confidence, const char *notes, const char *actor,
                                  int64_t now);
int secalert_repo_verdicts(Store *st, int64_t seq, SecVerdict **out);

/* A setting of the config key/value table: 1 and value into buf, 0 none,
 * -EIO; set: 0 or -EIO. */
int secalert_repo_config_get(Store *st, const char *key, char *buf, size_t size);
int secalert_repo_config_set(Store *st, const char *key, const char *value);

#endif
