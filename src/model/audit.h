/* model/audit — plain value types of seed 000's audit log (AuditLog,
 * plus who acted and, on alert rows, the alert's own id).
 *
 * Types and constants only. Thread: any.
 */
#ifndef RESOPS_MODEL_AUDIT_H
#define RESOPS_MODEL_AUDIT_H

#include <stdint.h>

#define AUDIT_SYSTEM_USER 0   /* user_id of entries written by the engine */
#define AUDIT_SYSTEM_ACTOR "system"

typedef struct AuditRow {
    int64_t id;
    char    action[101];
    char    entity[51];
    int64_t entity_id;
    int64_t timestamp;
    int64_t user_id;
    char    detail[256];
    char    actor[321];     /* never empty ("system" for the engine) */
    int64_t alert_id;      /* the alert's own id on Alert rows, else 0 */
} AuditRow;

#endif
