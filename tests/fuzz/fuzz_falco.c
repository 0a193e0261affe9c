/* fuzz_falco — Falco's json_output (issue 13): the generic normalizer
 * with no mapping configured, which knows Falco's members (rule, output,
 * priority, time, output_fields), then the auto-detecting "upload" path
 * (nothing here calls secnorm_set_mapping: the mapping stays empty).
 * Checks: secnorm_check.h. Corpus: tests/data/security/falco_generic.json
 * and variants (tests/fuzz/corpus/falco/). */
#include "secnorm_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_normalize("generic", data, size, "application/json", "generic");
    fuzz_detect(data, size, "application/json");
    return 0;
}
