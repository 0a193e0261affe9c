/* model/alert — plain value types of an alert: its severity and the row
 * (seed 000's Alert table, plus our resolved/ack columns).
 *
 * Types and constants only. Thread: any.
 */
#ifndef RESOPS_MODEL_ALERT_H
#define RESOPS_MODEL_ALERT_H

#include <stdint.h>

typedef enum { SEV_INFO = 0, SEV_WARNING = 1, SEV_CRITICAL = 2 } AlertSeverity;
#define SEV_COUNT 3

typedef struct AlertRow {
    int64_t id;
    int64_t service_id;
    char    type[51];
    char    message[512];
    char    severity[21];
    int64_t created_at;
    int     acknowledged;
    char    acknowledged_by[81];
    int64_t resolved_at;      /* 0 when not resolved */
    int64_t acknowledged_at;  /* 0 when not acknowledged */
    char    ack_note[256];    /* "" when none; for display, cut at a character
                                 boundary (the API reads the whole note) */
    int64_t ack_expires_at;   /* 0 when the ack does not expire */
    char    kind[16];         /* "condition" or "classification" (migration 0011) */
    int64_t folded_under;     /* root service its notification was folded under, 0 none */
} AlertRow;

/* An alert's kind (issue 11): derived from its type by the schema. */
#define ALERT_KIND_CONDITION      "condition"
#define ALERT_KIND_CLASSIFICATION "classification"


#endif
