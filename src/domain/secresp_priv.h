/* secresp_priv — what the secresponse files share; internal to
 * src/domain (secresponse.c: runs, escalation, the runner's side, reports;
 * secresp_actions.c: the action catalog and the placing of values;
 * sectasks.c: ML outputs, tasks, export marks). Thread: as secresponse.h.
 */
#ifndef RESOPS_DOMAIN_SECRESP_PRIV_H
#define RESOPS_DOMAIN_SECRESP_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include "domain/playbook.h"
#include "store/secresp_repo.h"
#include "store/store.h"

#define RESP_INCIDENT_PREFIX "SECRESP-"
#define ESC_INCIDENT_PREFIX  "SECALERT-"

/* The run's concrete step: the action's step with the target's and
 * parameters' values placed (playbook_expand_as; target.ip must parse
 * with inet_pton, other values are letters, digits and ._:@+,=-).
 * incident_id NULL: a check only, before anything is written. 0 with *out
 * (playbook_step_free), -EINVAL with err ("Unknown action 'x'; known
 * actions: ...", "Action 'block_ip' needs target.ip", ...). */
int secresp_build_step(const char *action, const char *target_json, const char *params_json,
                       const char *alert_id, int64_t response_id, const char *incident_id,
                       PlaybookStep *out, char *err, size_t errsz);
/* Whether the action's program can be run now (a command step's argv[0]
 * exists and is executable; checked at each request: it may be installed
 * later): 0 (also for an http or unknown action), or -ENOENT / -EACCES
 * with err "Response action 'block_ip' is not installed:
 * /usr/local/libexec/resops/actions/block_ip does not exist". */
int secresp_action_installed(const char *action, char *err, size_t errsz);
/* security.escalation_action ("" none); caller frees. */
char *secresp_escalation_action(void);

/* The alert by its seed id: 0 and *out (secresp_alert_free), -ENOENT,
 * -EIO; err (may be NULL) gets "Alert 'x' not found" or the storage error. */
int secresp_alert_find(Store *st, const char *alert_id, SecRespAlert *out, char *err,
                       size_t errsz);
/* One audit_log row of entity "SecurityAlert" (entity_id the alert's seq,
 * 0 none), detail printf-style. 0 or -EIO. */
int secresp_audit(Store *st, int64_t now, const char *action, int64_t seq, const char *actor,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#endif
