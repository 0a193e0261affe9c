/* silence_repo — silences and maintenance windows (issue 11 item 4), the
 * notifications they kept back, and which open alert each active silence
 * matches. Rows only: the rules (matching, windows, release) are in
 * domain/silences.c.
 *
 * Thread: the Store's owner.
 */
#ifndef RESOPS_STORE_SILENCE_REPO_H
#define RESOPS_STORE_SILENCE_REPO_H

#include <stdint.h>
#include "model/silence.h"
#include "store/store.h"

/* Insert r's stored fields (not id, state, window, expiry): the new id,
 * or -EIO. */
int64_t silence_repo_insert(Store *st, const SilenceRow *r, int64_t created_by_id);

/* One silence: 1 found (into *out), 0 none, -EIO. */
int silence_repo_get(Store *st, int64_t id, SilenceRow *out);

/* Every silence, newest first (all = 0: only those not expired early and
 * not ended before since). Malloc'd array into *out (free()); count or
 * -EIO. */
int silence_repo_list(Store *st, int all, int64_t since, SilenceRow **out);

/* Mark expired early: 1 done, 0 already expired or missing, -EIO. */
int silence_repo_expire(Store *st, int64_t id, const char *by, int64_t now);

/* Keep back one event: 0 or -EIO. */
int silence_repo_suppress(Store *st, int64_t silence_id, int64_t outbox_id, int64_t alert_id,
                          const char *event, int64_t now);

/* A suppressed notification not yet released. */
typedef struct SilenceHeld {
    int64_t id, silence_id, alert_id;
} SilenceHeld;

/* Unreleased rows, oldest first, up to max: count or -EIO. */
int silence_repo_held(Store *st, SilenceHeld *out, int max);
/* The silence holding an unreleased row of alert_id: 1 and *out, 0 none,
 * -EIO. */
int silence_repo_held_for_alert(Store *st, int64_t alert_id, int64_t *out_silence_id);
/* Release one: outcome "notified" or "cleared". 0 or -EIO. */
int silence_repo_release(Store *st, int64_t held_id, const char *outcome, int64_t now);

/* An open (unresolved) alert as matching needs it. */
typedef struct SilenceAlert {
    int64_t id, service_id;
    char    type[51], severity[21], category[24];
    int     acknowledged;
} SilenceAlert;

/* Every unresolved alert with its service's category (probe.playbook):
 * malloc'd array, count or -EIO. */
int silence_repo_open_alerts(Store *st, SilenceAlert **out);
/* One alert (resolved or not): 1 and *out (resolved_at into
 * *out_resolved), 0 none, -EIO. */
int silence_repo_alert(Store *st, int64_t alert_id, SilenceAlert *out, int64_t *out_resolved);
/* The category of a service ("" none): 0 or -EIO. */
int silence_repo_service_category(Store *st, int64_t service_id, char *out, size_t size);
/* A service's id by name (trimmed, without case, as names are unique):
 * 1 found, 0 none, -EIO. */
int silence_repo_service_id(Store *st, const char *name, int64_t *out);

/* The alert -> silence table (sorted by alert id): read it, or replace it
 * with pairs (when it differs). count / 0, or -EIO. */
int silence_repo_matches(Store *st, AlertSilence **out);
int silence_repo_set_matches(Store *st, const AlertSilence *pairs, int n);
/* Add (or replace) one pair: 0 or -EIO. */
int silence_repo_add_match(Store *st, int64_t alert_id, int64_t silence_id);

#endif
