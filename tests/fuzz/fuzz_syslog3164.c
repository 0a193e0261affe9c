/* fuzz_syslog3164 — RFC 3164 (BSD) messages (issue 13): the input as a
 * whole line, then behind a fixed "<13>" so that mutations stay in the
 * BSD header ("Mmm dd hh:mm:ss HOSTNAME TAG[pid]: CONTENT"), each
 * normalized on 2026-12-01 and on 2027-01-01 (a timestamp without a year
 * then falls in the year before), then through detection ("upload").
 * Checks: secnorm_check.h. Corpus: RFC 3164 section 5.4's examples and
 * variants (tests/fuzz/corpus/syslog3164/). */
#include "secnorm_check.h"

#define NEW_YEAR 1798761600LL       /* 2027-01-01T00:00:00Z */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_syslog(data, size, FUZZ_RECEIVED_AT);
    fuzz_syslog(data, size, NEW_YEAR);

    static const char head[] = "<13>";
    uint8_t *line = xmalloc(sizeof head - 1 + size + 1);
    memcpy(line, head, sizeof head - 1);
    if (size)
        memcpy(line + sizeof head - 1, data, size);
    fuzz_syslog(line, sizeof head - 1 + size, FUZZ_RECEIVED_AT);
    fuzz_syslog(line, sizeof head - 1 + size, NEW_YEAR);
    free(line);

    fuzz_detect(data, size, "text/plain");
    return 0;
}
