/* triage — seed 003's triage score S0 and near-duplicate grouping, as
 * pure rules (no Store, no I/O): the pipeline (secalerts.c) gathers the
 * inputs and stores the outcome.
 *
 *   severity_base   by OCSF severity_id: 0 Unknown 30, 1 Info 20, 2 Low 40,
 *                   3 Medium 60, 4 High 85, 5 Critical 95, 6 Fatal 100
 *   similarity_mean mean of max(0, score) over the k nearest earlier alerts
 *   verdict_signal  sum over neighbours with a verdict of
 *                   sign * confidence * max(0, score) * decay(age)
 *                   (sign +1 for TP and ESCALATE, -1 for FP;
 *                   decay = 0.5 ^ (age_days / 30)), divided by the
 *                   neighbour count: in [-1, 1]
 *   verdict_adjust  TRIAGE_VERDICT_WEIGHT (30) * verdict_signal
 *   recency_factor  the alert's own age (now - event time): 1.0 within a
 *                   day, then down linearly to 0.8 at 30 days and after
 *   S0 = clamp(round((severity_base + verdict_adjust) * recency_factor), 0, 100)
 * Route "verdict" when S0 >= triage_threshold, else "ml"; S1 = S0.
 *
 * Grouping: the best-scoring earlier neighbour with score >=
 * group_similarity received at most group_window_s before the alert makes
 * it a near-duplicate; it joins that neighbour's group (its group_of, or
 * the neighbour itself when it heads none).
 *
 * Thread: any.
 */
#ifndef RESOPS_DOMAIN_TRIAGE_H
#define RESOPS_DOMAIN_TRIAGE_H

#include <stdint.h>

#define TRIAGE_VERDICT_WEIGHT 30.0

typedef enum { TRIAGE_NONE = 0, TRIAGE_TP, TRIAGE_FP, TRIAGE_ESCALATE } TriageVerdict;

typedef struct TriageNeighbour {
    double        score;        /* cosine in [-1, 1] */
    TriageVerdict verdict;      /* its latest verdict */
    double        confidence;   /* of that verdict, 0..1 */
    int64_t       age_s;        /* how long before the alert it was received (>= 0) */
    int64_t       seq, group_of;   /* for grouping (group_of 0: heads none) */
} TriageNeighbour;

typedef struct TriageResult {
    int    s0, s1;
    int    severity_base;
    double similarity_mean, verdict_signal, verdict_adjust, recency_factor;
    int    tp_neighbours, fp_neighbours;
    const char *route;          /* "verdict" | "ml" (static) */
} TriageResult;

int           triage_severity_base(int severity_id);
double        triage_recency(int64_t event_age_s);
TriageVerdict triage_verdict_parse(const char *classification);   /* "" / NULL: NONE */

/* Score one alert from its severity, its n neighbours and its age. */
void triage_score(int severity_id, const TriageNeighbour *nb, int n, int64_t event_age_s,
                  int triage_threshold, TriageResult *out);

/* The group the alert joins: the head's seq, or 0 (none). *which gets the
 * index of the neighbour that decided it (-1 none). */
int64_t triage_group(const TriageNeighbour *nb, int n, double group_similarity,
                     int64_t group_window_s, int *which);

#endif
