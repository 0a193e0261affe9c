/* fuzz_config — the configuration parser, src/config/config.c (issue 13
 * item 1).
 *
 * Byte 0 picks the way in, the rest is the text:
 *   even   a whole INI file (config_load_file), read from a memfd through
 *          its /proc/self/fd path, as the binary reads --config FILE;
 *   odd    one "section.key=value" per line, each through config_set as
 *          the --set flags do, then config_origin of the same name.
 * A failed load must leave the Config as it was: every input ends with
 * the example's defaults still readable (config_str of the listen
 * address), under ASan.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int  memfd = -1;
static char memfd_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    memfd = memfd_create("fuzz-config", 0);
    if (memfd < 0)
        abort();
    snprintf(memfd_path, sizeof memfd_path, "/proc/self/fd/%d", memfd);
    return 0;
}

static void load_file(Config *c, const uint8_t *data, size_t size)
{
    char err[512];
    if (ftruncate(memfd, 0) < 0 || (size && pwrite(memfd, data, size, 0) != (ssize_t)size))
        abort();
    config_load_file(c, memfd_path, err, sizeof err);
}

static void set_lines(Config *c, const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), err[512];
    if (!text)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        if (config_set(c, line, eq + 1, err, sizeof err) == 0 && !config_origin(c, line))
            abort();                   /* a setting that was set has an origin */
    }
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    Config *c = config_new();
    if (data[0] & 1)
        set_lines(c, data + 1, size - 1);
    else
        load_file(c, data + 1, size - 1);
    if (!config_str(c, "api.listen"))
        abort();
    config_free(c);
    return 0;
}
