/* triage — see triage.h. */
#include "domain/triage.h"

#include <math.h>
#include <string.h>

int triage_severity_base(int severity_id)
{
    static const int base[] = {30, 20, 40, 60, 85, 95, 100};
    if (severity_id < 0 || severity_id > 6)
        return base[0];
    return base[severity_id];
}

double triage_recency(int64_t event_age_s)
{
    const double day = 86400.0;
    double age = event_age_s < 0 ? 0.0 : (double)event_age_s;
    if (age <= day)
        return 1.0;
    if (age >= 30 * day)
        return 0.8;
    return 1.0 - 0.2 * (age - day) / (29 * day);
}

TriageVerdict triage_verdict_parse(const char *c)
{
    if (!c || !*c)
        return TRIAGE_NONE;
    if (strcmp(c, "TP") == 0)
        return TRIAGE_TP;
    if (strcmp(c, "FP") == 0)
        return TRIAGE_FP;
    if (strcmp(c, "ESCALATE") == 0)
        return TRIAGE_ESCALATE;
    return TRIAGE_NONE;
}

static double clamp01(double v) { return v < 0 ? 0 : v > 1 ? 1 : v; }

void triage_score(int severity_id, const TriageNeighbour *nb, int n, int64_t event_age_s,
                  int triage_threshold, TriageResult *out)
{
    memset(out, 0, sizeof *out);
    out->severity_base = triage_severity_base(severity_id);
    double sum = 0, signal = 0;
    for (int i = 0; i < n; i++) {
        double s = nb[i].score > 0 ? nb[i].score : 0;
        if (s > 1)
            s = 1;
        sum += s;
        if (nb[i].verdict == TRIAGE_NONE)
            continue;
        double age_days = nb[i].age_s > 0 ? (double)nb[i].age_s / 86400.0 : 0;
        double w = s * clamp01(nb[i].confidence) * pow(0.5, age_days / 30.0);
        if (nb[i].verdict == TRIAGE_FP) {
            signal -= w;
            out->fp_neighbours++;
        } else {
            signal += w;
            out->tp_neighbours++;
        }
    }
    out->similarity_mean = n > 0 ? sum / n : 0;
    out->verdict_signal = n > 0 ? signal / n : 0;
    out->verdict_adjust = TRIAGE_VERDICT_WEIGHT * out->verdict_signal;
    out->recency_factor = triage_recency(event_age_s);
    double s0 = ((double)out->severity_base + out->verdict_adjust) * out->recency_factor;
    long r = lround(s0);
    out->s0 = r < 0 ? 0 : r > 100 ? 100 : (int)r;
    out->s1 = out->s0;
    out->route = out->s0 >= triage_threshold ? "verdict" : "ml";
}

int64_t triage_group(const TriageNeighbour *nb, int n, double group_similarity,
                     int64_t group_window_s, int *which)
{
    int best = -1;
    for (int i = 0; i < n; i++) {
        if (nb[i].score < group_similarity || nb[i].age_s < 0 || nb[i].age_s > group_window_s)
            continue;
        if (best < 0 || nb[i].score > nb[best].score)
            best = i;
    }
    if (which)
        *which = best;
    if (best < 0)
        return 0;
    return nb[best].group_of > 0 ? nb[best].group_of : nb[best].seq;
}
