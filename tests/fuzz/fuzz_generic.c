/* fuzz_generic — generic JSON through the security.map.* mapping (issue
 * 13). The first byte picks one of the mappings below (what an operator
 * may set, including paths that are odd: empty segments, array indexes,
 * a key with dots, a segment longer than sec_json_path's buffer); the
 * rest is the JSON, normalized as "generic", then as seed 003's own
 * "raw" payload, then through detection ("upload"). Checks:
 * secnorm_check.h. Corpus: seed 003's examples, Falco and ECS-like
 * documents, each behind its mapping byte (tests/fuzz/corpus/generic/). */
#include "secnorm_check.h"

#define LONG_SEG "a_segment_longer_than_the_128_bytes_of_sec_json_paths_buffer_" \
                 "a_segment_longer_than_the_128_bytes_of_sec_json_paths_buffer_" \
                 "xxxxxxxxxxxxxxxxxxxxxxxx.y"

static const SecnormMapping mappings[] = {
    {0},                                                     /* the defaults */
    {.severity = "event.severity", .timestamp = "@timestamp", .title = "rule.name",
     .description = "message", .host = "host.name", .user = "user.name",
     .ip = "source.ip"},                                     /* ECS */
    {.severity = "alerts.0.labels.severity", .timestamp = "alerts.0.startsAt",
     .title = "alerts.0.annotations.summary", .host = "alerts.0.labels.instance"},
    {.severity = "a..b", .timestamp = ".", .title = "x.", .description = "0.1.2",
     .host = "user.name", .user = LONG_SEG, .ip = "ips.-1"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    secnorm_set_mapping(&mappings[data[0] % (sizeof mappings / sizeof mappings[0])]);
    data++;
    size--;
    fuzz_normalize("generic", data, size, "application/json", "generic");
    fuzz_normalize("raw", data, size, "application/json", "raw");
    fuzz_detect(data, size, "application/json");
    return 0;
}
