/* fuzz_syslog5424 — RFC 5424 messages (issue 13): secnorm_syslog_parse,
 * secnorm_normalize("syslog") and detection on the input as a whole line,
 * then on the input behind a fixed "<165>1 " so that mutations stay in
 * RFC 5424's header (TIMESTAMP HOSTNAME APP-NAME PROCID MSGID
 * STRUCTURED-DATA MSG, the BOM), then through the auto-detecting
 * "upload" path. Checks: secnorm_check.h. Corpus: RFC 5424 section 6.5's
 * examples and variants (tests/fuzz/corpus/syslog5424/). */
#include "secnorm_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_syslog(data, size, FUZZ_RECEIVED_AT);

    static const char head[] = "<165>1 ";
    uint8_t *line = xmalloc(sizeof head - 1 + size + 1);
    memcpy(line, head, sizeof head - 1);
    if (size)
        memcpy(line + sizeof head - 1, data, size);
    fuzz_syslog(line, sizeof head - 1 + size, FUZZ_RECEIVED_AT);
    free(line);

    fuzz_detect(data, size, "text/plain");
    return 0;
}
