/* fuzz_wazuh — Wazuh/OSSEC alerts (issue 13): secnorm_normalize("wazuh")
 * on the input (an alerts.json record: rule.level, rule.description,
 * full_log, agent, data.srcip/srcuser, decoder...), then the
 * auto-detecting "upload" path as application/json. Checks:
 * secnorm_check.h. Corpus: the Wazuh documentation's records in
 * tests/data/security/ and variants (tests/fuzz/corpus/wazuh/). */
#include "secnorm_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_normalize("wazuh", data, size, "application/json", "wazuh");
    fuzz_detect(data, size, "application/json");
    return 0;
}
