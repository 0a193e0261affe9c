/* decision — seed 001's resolve decision (the seed's `can_auto_resolve`,
 * here decision_can_auto_resolve) as a pure function over plain structs,
 * plus the seed's vocabularies (categories, priorities, statuses) and our
 * incident states.
 *
 * Checks run in the seed's order and the first failure wins
 * (../shared/seed-notes.md "Seed 001"):
 *   1. kill switch       "Auto-resolution is globally disabled (kill switch active)"
 *   2. already closed    "Incident already in status: <status>"
 *   3. category enabled  "Auto-resolution disabled for category: <category>"
 *   4. confidence        "Confidence score 85.00% below threshold 90.00%"
 *                        (equal passes; the category's threshold when the
 *                        category is configured, else the global default)
 *   5. concurrency       ours: at max_concurrent_resolutions the incident
 *                        waits for a slot (DECISION_WAIT), it is not refused
 *   -> "All checks passed"
 *
 * No I/O, no allocation, no clock, no locale: tests/unit/test_decision.c
 * pins every check, its order and its text. Thread: any.
 */
#ifndef RESOPS_DOMAIN_DECISION_H
#define RESOPS_DOMAIN_DECISION_H

#include <stddef.h>
#include <stdint.h>

/* ---- vocabularies ------------------------------------------------------ */

/* Our incident states (the resolution's progress). */
typedef enum {
    INCIDENT_OPEN = 0,        /* new, or waiting for a runner slot */
    INCIDENT_RESOLVING = 1,   /* its playbook is running */
    INCIDENT_RESOLVED = 2,
    INCIDENT_FAILED = 3,      /* a step failed after its retries: a human is needed */
    INCIDENT_SKIPPED = 4,     /* refused by the decision or stopped by a kill switch */
    INCIDENT_NO_ACTION = 5,   /* its run ended, but no step acts (only noop / the seed's
                                 default steps): nothing was done, status stays open */
} IncidentState;
#define INCIDENT_STATE_COUNT 6

const char *incident_state_name(IncidentState s);        /* "open", ... */
int         incident_state_parse(const char *s, IncidentState *out); /* 0 / -EINVAL */

/* The seed's categories, priorities and statuses, NULL-terminated. */
extern const char *const decision_categories[];   /* network, database, ... */
extern const char *const decision_priorities[];   /* low, medium, high, critical */
extern const char *const decision_statuses[];     /* open, in_progress, auto_resolved,
                                                     manually_resolved, closed */
/* 1 when s is one of list (exact, case-sensitive as the seed's enums). */
int decision_in(const char *const *list, const char *s);

/* ---- configuration (seed 001's models) --------------------------------- */

#define DECISION_DEFAULT_THRESHOLD   0.90
#define DECISION_MIN_THRESHOLD       0.5   /* "at least 0.5 for safety" */
#define DECISION_DEFAULT_RETRIES     3
#define DECISION_MAX_RETRIES         10
#define DECISION_DEFAULT_CONCURRENCY 10
#define DECISION_MAX_CONCURRENCY     100

typedef struct CategoryConfig {
    char   category[24];
    int    auto_resolution_enabled;
    double confidence_threshold;
    int    max_retry_attempts;         /* 0..10 */
    int    notification_required;
} CategoryConfig;

/* The seed's CategoryConfig defaults for category. */
void category_config_default(CategoryConfig *c, const char *category);

/* ---- the decision ------------------------------------------------------ */

typedef struct DecisionInput {
    int                   global_enabled;   /* 0 = the kill switch is on */
    const char           *status;           /* the seed's incident status */
    const char           *category;
    const CategoryConfig *category_config;  /* NULL = not configured: enabled,
                                               global threshold */
    double                default_threshold;
    double                confidence;
    int                   forced;           /* run by hand: check 4 waived */
    int                   running;          /* resolutions running now */
    int                   max_concurrent;   /* <= 0: check 5 is not made */
} DecisionInput;

typedef enum { DECISION_RESOLVE = 0, DECISION_SKIP = 1, DECISION_WAIT = 2 } DecisionVerdict;

typedef enum {
    CHECK_KILL_SWITCH = 1,
    CHECK_STATUS = 2,
    CHECK_CATEGORY = 3,
    CHECK_CONFIDENCE = 4,
    CHECK_CONCURRENCY = 5,
    CHECK_PASSED = 6,
} DecisionCheck;

typedef struct Decision {
    DecisionVerdict verdict;
    DecisionCheck   check;        /* the check that decided, CHECK_PASSED if none */
    double          threshold;    /* the threshold that applied */
    char            reason[200];
} Decision;

void decision_can_auto_resolve(const DecisionInput *in, Decision *out);

/* "85.00%": Python's "{:.2%}" without locale. */
void decision_format_percent(double v, char *buf, size_t size);

/* Delay before retry number `retry` (1-based) of a failed step: base_ms *
 * 2^(retry-1), at most cap_ms (cap_ms <= 0: no cap). */
int64_t decision_retry_delay_ms(int64_t base_ms, int retry, int64_t cap_ms);

#endif
