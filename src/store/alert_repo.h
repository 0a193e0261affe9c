/* alert_repo — seed 000's Alert table, plus our resolved/ack columns.
 * An alert is "open" while unresolved (acknowledged or not): the open one
 * of (service, type) is what dedup compares with. Thread: owner. */
#ifndef RESOPS_STORE_ALERT_REPO_H
#define RESOPS_STORE_ALERT_REPO_H

#include <stdint.h>
#include "store/store.h"
#include "model/alert.h"

int64_t alert_repo_insert(Store *st, int64_t service_id, const char *type,
                          const char *message, const char *severity, int64_t now);
/* The open alert of (service, type): 1 and *out, 0 none, -EIO. */
int alert_repo_find_open(Store *st, int64_t service_id, const char *type, AlertRow *out);
int alert_repo_get(Store *st, int64_t id, AlertRow *out);       /* 1, 0, -EIO */
int alert_repo_set_message(Store *st, int64_t id, const char *message);
int alert_repo_resolve(Store *st, int64_t id, int64_t now);
/* Set acknowledged (0/1) with who and when; 1 changed, 0 no such id. */
int alert_repo_set_ack(Store *st, int64_t id, int ack, const char *by, int64_t now);
/* The same with the ack's note (NULL or "" for none) and expiry (0 for
 * none); un-acking (ack 0) clears by, at, note and expiry. */
int alert_repo_set_ack_ex(Store *st, int64_t id, int ack, const char *by, int64_t now,
                          const char *note, int64_t expires_at);
/* Unresolved acknowledged alerts whose ack expired at or before now: ids
 * (up to max, oldest id first); count or -EIO. */
int alert_repo_list_ack_expired(Store *st, int64_t now, int64_t *ids, int max);
/* Newest first (created_at DESC, id DESC), up to max; count or -EIO. */
int alert_repo_list(Store *st, AlertRow *out, int max);
int64_t alert_repo_count(Store *st, int64_t service_id, const char *type);

/* Every unresolved alert as (service_id, type, severity, a hash of its
 * message): malloc'd array sorted by service id (caller frees). count or
 * -EIO. */
typedef struct OpenAlertKey {
    int64_t  service_id;
    char     type[24];
    char     severity[12];
    uint64_t message_hash;     /* alert_repo_message_hash(message) */
} OpenAlertKey;
/* 64-bit FNV-1a of a message: does an open alert already say this? */
uint64_t alert_repo_message_hash(const char *message);
int alert_repo_load_open(Store *st, OpenAlertKey **out);

/* Issue 11 (root cause first): mark the alert whose notification was
 * folded under root_id (0 clears it). 1 changed, 0 no such id, -EIO. */
int alert_repo_set_folded(Store *st, int64_t id, int64_t root_id);
/* Alerts folded under root_id (open_only: unresolved ones), by service
 * then id, into a malloc'd array (caller frees). count or -EIO. */
int alert_repo_list_folded(Store *st, int64_t root_id, int open_only, AlertRow **out);

/* The alert of (service, type) just before before_id (the one a severity
 * change superseded): 1 and *out, 0 none, -EIO. */
int alert_repo_previous(Store *st, int64_t service_id, const char *type, int64_t before_id,
                        AlertRow *out);

/* The services with an unresolved condition (acknowledged or not), as a
 * malloc'd array sorted by id (caller frees). count or -EIO. */
int alert_repo_condition_services(Store *st, int64_t **out);

/* Open (unacknowledged, unresolved) conditions (kind 'condition': not the
 * classifications) that no active silence covers (alert_silence, issue 11
 * item 4: a silenced alert waits for no one) counted per severity name:
 * counts[0..2] for Info, Warning, Critical. 0 or -EIO. */
int alert_repo_count_open(Store *st, int counts[3]);

#endif
