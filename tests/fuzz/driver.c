/* driver — runs a fuzz target without libFuzzer (issue 13): every file of
 * the directories named on the command line goes through
 * LLVMFuzzerTestOneInput once, in an ordinary ASan + UBSan build, so the
 * seed corpus and every crash input ever found are tests of `make test`.
 *
 * TAP: one case per directory (its files in name order; a missing or empty
 * directory passes with "# 0 files"). A crash, a sanitizer report or a
 * leak ends the program, which meson counts as a failure.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Feed one file to the target; 0 when it was read. */
static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf)
        return -1;
    /* libFuzzer hands the target a buffer of exactly size bytes */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

/* Run every regular file of dir; the number run, -1 when one could not be read. */
static int run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *names);
            if (!nn)
                break;
            names = nn;
        }
        char *name = strdup(e->d_name);
        if (name)
            names[count++] = name;
    }
    closedir(d);
    if (count)                     /* qsort(NULL, 0) is undefined */
        qsort(names, count, sizeof *names, by_name);
    int ran = 0, unreadable = 0;
    for (size_t i = 0; i < count; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (run_file(path) == 0)
            ran++;
        else
            unreadable = 1;
        free(names[i]);
    }
    free(names);
    return unreadable ? -1 : ran;
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    printf("1..%d\n", argc - 1);
    int bad = 0;
    for (int i = 1; i < argc; i++) {
        int n = run_dir(argv[i]);
        printf("%s %d - %s # %d files\n", n < 0 ? "not ok" : "ok", i, argv[i], n < 0 ? 0 : n);
        bad |= n < 0;
    }
    return bad;
}
