/* model/silence — plain value types of a silence (issue 11 item 4): a
 * one-off or recurring window during which matching alerts notify no one
 * (their notifications are kept as suppressed, domain/silences.h).
 *
 * Types and constants only. Thread: any.
 */
#ifndef RESOPS_MODEL_SILENCE_H
#define RESOPS_MODEL_SILENCE_H

#include <stdint.h>

typedef enum { SILENCE_PENDING = 0, SILENCE_ACTIVE = 1, SILENCE_EXPIRED = 2 } SilenceState;
#define SILENCE_STATE_COUNT 3

#define SILENCE_COMMENT_MAX 200     /* characters */
#define SILENCE_RRULE_MAX   255     /* bytes */

typedef struct SilenceRow {
    int64_t id;
    /* matchers: all given ones must match; 0 / "" = any */
    int64_t service_id;
    char    service[101];       /* that service's name, for display ("" when none) */
    char    type[51], severity[21], category[24];
    int64_t starts_at;
    int64_t ends_at;            /* 0: none (a recurring window without an end) */
    /* recurring windows: rrule "" = one-off */
    char    rrule[SILENCE_RRULE_MAX + 1];
    int     duration_minutes;
    char    timezone[64];       /* "" = UTC */
    char    comment[4 * SILENCE_COMMENT_MAX + 1];
    char    created_by[81];
    int64_t created_at;
    int64_t expired_at;         /* 0: not expired early (DELETE) */
    char    expired_by[81];
    int     suppressed;         /* notifications kept back so far */
    /* computed at a time (silences_state_at): the current window when
     * active, the next when pending, 0 when expired */
    SilenceState state;
    int64_t window_start, window_end;
} SilenceRow;

/* One open alert that an active silence matches. */
typedef struct AlertSilence {
    int64_t alert_id, silence_id;
} AlertSilence;

#endif
