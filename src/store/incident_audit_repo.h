/* incident_audit_repo — seed 001's audit trail (table incident_audit):
 * one row per auto-resolution decision, step, notification and config
 * change; system-wide entries (kill switch, config) use incident_id
 * "SYSTEM". Thread: the Store's owner. */
#ifndef RESOPS_STORE_INCIDENT_AUDIT_REPO_H
#define RESOPS_STORE_INCIDENT_AUDIT_REPO_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"
#include "model/incident.h"

/* Append one entry with a fresh UUID v4 audit_id (copied to out_id when not
 * NULL, >= 37 bytes). confidence may be NULL; details_json NULL = "{}";
 * success -1 = NULL. 0 or -EIO. */
int incident_audit_repo_add(Store *st, const char *incident_id, const char *action,
                            const char *actor, const double *confidence,
                            const char *details_json, int success, const char *error_message,
                            int64_t now, char *out_id);

/* Newest first; incident_id and action filter when not NULL. Count or -EIO. */
int incident_audit_repo_list(Store *st, const char *incident_id, const char *action,
                             IncidentAuditRow *out, int max, int offset);

/* 1 when the database was seeded as the demo (a SYSTEM config_updated
 * entry whose details carry "demo": true), 0 not, -EIO. */
int incident_audit_repo_is_demo(Store *st);

#endif
