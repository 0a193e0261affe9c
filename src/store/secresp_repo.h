/* secresp_repo — the rows of seed 003's response side (issue 12): response
 * actions (sec_response), ML/LLM outputs (sec_ml_output), tasks
 * (sec_task), and the few sec_alert columns it owns (incident_id,
 * export_ready_at) plus the reads of the admin routes (export, healthz).
 * The domain (src/domain/secresponse.c) decides; this file only reads and
 * writes rows. Times are epoch seconds (ISO 8601 text in the table).
 *
 * Thread: the Store's owner.
 */
#ifndef RESOPS_STORE_SECRESP_REPO_H
#define RESOPS_STORE_SECRESP_REPO_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

/* ---- the alert ------------------------------------------------------------ */

typedef struct SecRespAlert {
    int64_t seq;
    char    id[129];
    char    incident_id[129];  /* "" none */
    char    title[256];
    char    severity[32];
    int     s0;                /* -1 before triage */
    char   *normalized;        /* owned JSON text, NULL before normalization */
} SecRespAlert;
void secresp_alert_free(SecRespAlert *a);

/* By the seed's id: 1 and *out, 0 none, -EIO. */
int secresp_repo_alert(Store *st, const char *id, SecRespAlert *out);
/* By seq (the same). */
int secresp_repo_alert_by_seq(Store *st, int64_t seq, SecRespAlert *out);
/* Set sec_alert.incident_id. 0 or -EIO. */
int secresp_repo_alert_set_incident(Store *st, int64_t seq, const char *incident_id);
/* Set sec_alert.export_ready_at = now. 0 or -EIO. */
int secresp_repo_alert_export_ready(Store *st, int64_t seq, int64_t now);

/* ---- response actions ------------------------------------------------------- */

typedef struct SecResponseRow {
    int64_t id, alert_seq;
    char    alert_id[129];
    char    action[65];
    char    state[12];
    char    incident_id[129];   /* "" none */
    char   *target, *parameters, *details, *actor;   /* owned; may be NULL */
    int64_t created_at, finished_at;
} SecResponseRow;
void secresp_response_free(SecResponseRow *r);
void secresp_responses_free(SecResponseRow *r, int n);

/* Insert; the new id, or -EIO. details/parameters/incident_id may be NULL. */
int64_t secresp_repo_response_add(Store *st, int64_t alert_seq, const char *action,
                                  const char *target, const char *parameters, const char *state,
                                  const char *incident_id, const char *details, const char *actor,
                                  int64_t created_at, int64_t finished_at);
/* Set state (and incident_id, details when not NULL; finished_at when not
 * 0) of one row. 0, -ENOENT, -EIO. */
int secresp_repo_response_update(Store *st, int64_t id, const char *state, const char *incident_id,
                                  const char *details, int64_t finished_at);
/* The response a run carries (by its incident): 1 and *out, 0 none, -EIO. */
int secresp_repo_response_by_incident(Store *st, const char *incident_id, SecResponseRow *out);
/* One response by id (of alert_seq when alert_seq != 0): 1, 0, -EIO. */
int secresp_repo_response_get(Store *st, int64_t id, int64_t alert_seq, SecResponseRow *out);
/* An alert's responses, oldest first: the count and *out, or -EIO. */
int secresp_repo_responses(Store *st, int64_t alert_seq, SecResponseRow **out);

/* ---- ML / LLM outputs ---------------------------------------------------------- */

/* kind "agent" | "aggregate" | "llm"; agent may be NULL; has_score 0 =
 * NULL score. The new id or -EIO. */
int64_t secresp_repo_ml_add(Store *st, int64_t alert_seq, const char *kind, const char *agent,
                            int has_score, double score, const char *body, const char *actor,
                            int64_t now);

/* ---- tasks ------------------------------------------------------------------------ */

typedef struct SecTaskRow {
    int64_t id;
    char   *title, *assignee, *alert_id, *meta, *created_by;   /* owned; may be NULL */
    char    state[16];
    int64_t created_at, updated_at;
} SecTaskRow;
void secresp_task_free(SecTaskRow *t);
void secresp_tasks_free(SecTaskRow *t, int n);

/* The new id or -EIO. */
int64_t secresp_repo_task_add(Store *st, const char *title, const char *assignee,
                              const char *alert_id, const char *meta, const char *created_by,
                              int64_t now);
/* 1 and *out, 0 none, -EIO. */
int secresp_repo_task_get(Store *st, int64_t id, SecTaskRow *out);
/* Set state and/or assignee (NULL = keep; set_assignee with assignee
 * NULL clears it). 0, -ENOENT, -EIO. */
int secresp_repo_task_update(Store *st, int64_t id, const char *state, int set_assignee,
                             const char *assignee, int64_t now);

typedef struct SecTaskFilter {
    const char *assignee, *state, *alert_id;   /* NULL = any */
    int64_t     limit, offset;
} SecTaskFilter;
/* Newest first: the count and *out, *total without paging; or -EIO. */
int secresp_repo_tasks(Store *st, const SecTaskFilter *f, SecTaskRow **out, int64_t *total);

/* ---- admin ---------------------------------------------------------------------- */

/* One alert as the export writes it: every pointer borrowed for the call. */
typedef struct SecExportRow {
    const char *id, *source, *received_at, *stage, *severity, *title, *event_at, *route;
    const char *normalized, *reason, *incident_id, *export_ready_at, *closed_at, *fingerprint;
    int         severity_id, s0, s1;   /* -1 = NULL */
    int64_t     seq, group_of;         /* 0 = none */
    int         group_count;
} SecExportRow;
/* Every alert (all != 0) or those marked export-ready, oldest first; fn
 * returns non-zero to stop. The count visited, or -EIO. */
int secresp_repo_export(Store *st, int all, int (*fn)(void *ctx, const SecExportRow *r),
                        void *ctx);

typedef struct SecHealth {
    int64_t alerts, backlog, failed, embeddings, responses_running;
} SecHealth;
/* The counts of GET /api/admin/healthz. 0 or -EIO. */
int secresp_repo_health(Store *st, SecHealth *out);

#endif
