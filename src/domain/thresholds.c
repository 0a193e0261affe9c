/* thresholds — see thresholds.h. One table names every threshold; the
 * state machine is two counters and a flag. */
#include "domain/thresholds.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <strings.h>

static const struct {
    const char *name, *key, *alias;
    double      def;
    int         percent;
} table[THRESH_COUNT] = {
    [THRESH_CPU] = {"cpu", "cpu_threshold", "cpu", 80, 1},
    [THRESH_MEMORY] = {"memory", "memory_threshold", "mem", 75, 1},
    [THRESH_SWAP] = {"swap", "swap_threshold", "swap", 80, 1},
    [THRESH_DISK] = {"disk", "disk_threshold", "fs", 90, 1},
    [THRESH_LOAD] = {"load", "load_threshold", "load1", 0, 0},
};

#define LOAD_MAX 1000000.0

const char *threshold_name(ThresholdId id) { return table[id].name; }
const char *threshold_key(ThresholdId id) { return table[id].key; }
double threshold_default(ThresholdId id) { return table[id].def; }
int threshold_is_percent(ThresholdId id) { return table[id].percent; }

int threshold_parse(const char *name, ThresholdId *out)
{
    for (int i = 0; name && i < THRESH_COUNT; i++)
        if (!strcasecmp(name, table[i].name) || !strcasecmp(name, table[i].key) ||
            !strcasecmp(name, table[i].alias)) {
            *out = (ThresholdId)i;
            return 0;
        }
    return -EINVAL;
}

int threshold_validate(ThresholdId id, double v, char *err, size_t errsz)
{
    double max = table[id].percent ? 100 : LOAD_MAX;
    if (!isfinite(v) || v < 0 || v > max) {
        snprintf(err, errsz, "%s must be a number from 0 (off) to %g", table[id].key, max);
        return -EINVAL;
    }
    return 0;
}

double threshold_clear_level(double threshold, const ThresholdPolicy *p)
{
    double h = p->hysteresis_pct;
    if (!(h > 0))
        h = 0;
    if (h > 100)
        h = 100;
    return threshold * (1 - h / 100);
}

ThresholdEdge threshold_step(ThresholdState *s, double threshold, const ThresholdPolicy *p,
                             double value)
{
    if (!(threshold > 0)) {                     /* off (or NaN): nothing fires */
        int was = s->firing;
        *s = (ThresholdState){0};
        return was ? THRESH_CLEAR : THRESH_STEADY;
    }
    if (isnan(value))
        return THRESH_STEADY;
    int fire_after = p->fire_after > 0 ? p->fire_after : 1;
    int clear_after = p->clear_after > 0 ? p->clear_after : 1;
    if (!s->firing) {
        s->under = 0;
        if (value <= threshold) {
            s->over = 0;
            return THRESH_STEADY;
        }
        if (++s->over < fire_after)
            return THRESH_STEADY;
        s->firing = 1;
        s->over = 0;
        return THRESH_FIRE;
    }
    s->over = 0;
    if (value >= threshold_clear_level(threshold, p)) {
        s->under = 0;
        return THRESH_STEADY;
    }
    if (++s->under < clear_after)
        return THRESH_STEADY;
    s->firing = 0;
    s->under = 0;
    return THRESH_CLEAR;
}
