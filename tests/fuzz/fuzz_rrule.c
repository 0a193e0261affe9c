/* fuzz_rrule — silences' recurring windows: an iCalendar RRULE, a
 * timezone and a duration, src/domain/silences.c with libical (issue 13
 * item 1).
 *
 * An input is three lines, "RRULE\nTIMEZONE\nDURATION", after two bytes
 * that place the silence in time: byte 0 is the start's offset in hours
 * from FUZZ_NOW (2026-01-01), byte 1 the offset of "now" in days. The
 * duration goes through silences_parse_duration; the RRULE and timezone
 * through silences_rrule_check, and when it accepts them the silence is
 * expanded as the engine would (silences_occurrences, silences_state_at,
 * silences_active_count). Window starts must come each once, in
 * increasing order, each window ending after the time asked for, or the
 * program aborts.
 */
#include "domain/silences.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_NOW 1767225600LL
#define MAX_OCC  16

static void expand(const char *rrule, const char *tz, int64_t minutes, const uint8_t *data)
{
    SilenceRow r = {.id = 1, .duration_minutes = (int)minutes};
    snprintf(r.rrule, sizeof r.rrule, "%s", rrule);
    snprintf(r.timezone, sizeof r.timezone, "%s", tz);
    r.starts_at = FUZZ_NOW + (int64_t)data[0] * 3600;
    int64_t now = FUZZ_NOW + (int64_t)data[1] * 86400, occ[MAX_OCC], soonest;
    int n = silences_occurrences(&r, now, occ, MAX_OCC);
    for (int i = 0; i < n; i++)
        if (occ[i] < now - minutes * 60 || (i > 0 && occ[i] <= occ[i - 1])) {
            fprintf(stderr, "fuzz_rrule: occurrence %d out of order: %lld after %lld\n", i,
                    (long long)occ[i], i ? (long long)occ[i - 1] : (long long)now);
            abort();
        }
    silences_state_at(&r, now);
    silences_active_count(&r, 1, now, &soonest);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    char *text = malloc(size - 1), err[256];
    if (!text)
        abort();
    memcpy(text, data + 2, size - 2);
    text[size - 2] = '\0';
    char *tz = strchr(text, '\n'), *dur = NULL;
    if (tz) {
        *tz++ = '\0';
        if ((dur = strchr(tz, '\n')))
            *dur++ = '\0';
    }
    int64_t minutes = 60;
    if (dur && silences_parse_duration(dur, &minutes) < 0)
        minutes = 60;
    if (minutes < 1 || minutes > silences_max_minutes())
        minutes = 60;
    if (strlen(text) <= SILENCE_RRULE_MAX && (!tz || strlen(tz) < 64) &&
        silences_rrule_check(text, tz, err, sizeof err) == 0)
        expand(text, tz ? tz : "", minutes, data);
    free(text);
    return 0;
}
