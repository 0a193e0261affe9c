/* config_doc — writes the documents that come from the settings table, at
 * build time, so they cannot drift from it (issue 13 item 7).
 *
 *   config_doc man TEMPLATE OUT VERSION
 *       resops(1): TEMPLATE (data/resops.1.in) with the line "@CONFIGURATION@"
 *       replaced by config_write_man() and every "@VERSION@" by VERSION.
 *   config_doc example
 *       data/resops.conf.example (config_write_example) on standard output;
 *       tests/unit/test_config.c checks the committed copy against it.
 *
 * Linked with the config library only (config.c, util, log). Exit 0, 1 on
 * an I/O error, 2 on a usage error.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* line with every "@VERSION@" replaced by version. */
static void put_line(FILE *out, const char *line, const char *version)
{
    static const char tag[] = "@VERSION@";
    const char *p = line, *at;
    while ((at = strstr(p, tag))) {
        fwrite(p, 1, (size_t)(at - p), out);
        fputs(version, out);
        p = at + sizeof tag - 1;
    }
    fputs(p, out);
}

static int write_man(const char *tmpl, const char *out_path, const char *version)
{
    FILE *in = fopen(tmpl, "r");
    if (!in) {
        fprintf(stderr, "config_doc: %s: %s\n", tmpl, strerror(errno));
        return 1;
    }
    FILE *out = fopen(out_path, "w");
    if (!out) {
        fprintf(stderr, "config_doc: %s: %s\n", out_path, strerror(errno));
        fclose(in);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    int placed = 0;
    while (getline(&line, &cap, in) != -1) {
        if (strcmp(line, "@CONFIGURATION@\n") == 0) {
            config_write_man(out);
            placed++;
        } else {
            put_line(out, line, version);
        }
    }
    free(line);
    int bad = ferror(in);
    fclose(in);
    if (fclose(out) != 0 || bad) {
        fprintf(stderr, "config_doc: cannot write %s\n", out_path);
        return 1;
    }
    if (placed != 1) {
        fprintf(stderr, "config_doc: %s: expected one @CONFIGURATION@ line, found %d\n", tmpl,
                placed);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "man") == 0)
        return write_man(argv[2], argv[3], argv[4]);
    if (argc == 2 && strcmp(argv[1], "example") == 0) {
        config_write_example(stdout);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    fprintf(stderr, "usage: config_doc man TEMPLATE OUT VERSION | config_doc example\n");
    return 2;
}
