/* thresholds — the pure rules of seed 004's threshold alerts: which
 * thresholds exist, what values they accept, and the per-threshold state
 * machine that decides when an alert fires and when it clears.
 *
 * Firing and clearing (design.md "Metrics"):
 *  - a threshold of 0 is off (a 0 % threshold would always fire);
 *  - an alert fires after fire_after consecutive samples strictly over
 *    the threshold; a sample at or under it starts the count again;
 *  - a firing alert clears after clear_after consecutive samples under
 *    the clear level, threshold * (1 - hysteresis_pct / 100); a sample
 *    between the clear level and the threshold restarts that count, so
 *    a value hovering around the threshold does not flap;
 *  - a firing alert whose threshold is turned off clears at once;
 *  - a missing sample (NaN) changes nothing.
 *
 * Thread: any (no state beyond the caller's structs).
 */
#ifndef RESOPS_DOMAIN_THRESHOLDS_H
#define RESOPS_DOMAIN_THRESHOLDS_H

#include <stddef.h>
#include "model/metrics.h"   /* ThresholdId, ThresholdPolicy */

/* "cpu", "memory", "swap", "disk", "load": the alert type. */
const char *threshold_name(ThresholdId id);
/* "cpu_threshold", ...: the key in the config table and in the API. */
const char *threshold_key(ThresholdId id);
/* Built-in default (seed 004: cpu 80, memory 75; ours: swap 80, disk 90,
 * load 0 = off). */
double      threshold_default(ThresholdId id);
/* 1 for the percentage thresholds, 0 for load. */
int         threshold_is_percent(ThresholdId id);

/* A name, an alias ("mem") or a key ("cpu_threshold"), case-insensitive.
 * 0 and *out, or -EINVAL. */
int threshold_parse(const char *name, ThresholdId *out);

/* 0 when v is acceptable (finite; 0..100 for percentages; 0..1000000 for
 * load), else -EINVAL with a message naming the key. */
int threshold_validate(ThresholdId id, double v, char *err, size_t errsz);

typedef struct ThresholdState {
    int firing;
    int over;                /* consecutive samples over (while not firing) */
    int under;               /* consecutive samples under (while firing) */
} ThresholdState;

typedef enum { THRESH_STEADY = 0, THRESH_FIRE = 1, THRESH_CLEAR = 2 } ThresholdEdge;

/* Feed one sample; returns the edge it causes (if any). */
ThresholdEdge threshold_step(ThresholdState *s, double threshold, const ThresholdPolicy *p,
                             double value);

/* The level a firing alert must go under to count towards clearing. */
double threshold_clear_level(double threshold, const ThresholdPolicy *p);

#endif
