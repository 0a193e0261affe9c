/* fuzz_alertmanager — Prometheus Alertmanager webhooks (issue 13):
 * secnorm_normalize("alertmanager") on the input (a version 4 webhook
 * body, or one alert of it: labels, annotations, startsAt...), then the
 * auto-detecting "upload" path as application/json. Checks:
 * secnorm_check.h. Corpus: the captured and documented webhooks of
 * tests/data/security/ and variants (tests/fuzz/corpus/alertmanager/). */
#include "secnorm_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_normalize("alertmanager", data, size, "application/json", "alertmanager");
    fuzz_detect(data, size, "application/json");
    return 0;
}
