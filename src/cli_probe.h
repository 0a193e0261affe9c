/* cli_probe — `resops probe`: attach, replace or remove the health probe
 * of a service from the shell (Monit-style "check host ... if failed").
 * Thread: main, before any other thread starts. */
#ifndef RESOPS_CLI_PROBE_H
#define RESOPS_CLI_PROBE_H

#include <stdio.h>

/* argv[0] is "probe". Returns the process exit code (0, 1 error, 2 usage). */
int cli_probe(int argc, char **argv, const char *db_path);
/* Open db_path for subcommand cmd; 1 (with a message) when there is no
 * database there or it cannot be opened, else 0 and *st. */
typedef struct Store Store;
int cli_open_db(const char *cmd, const char *db_path, Store **st);

/* The usage text, its probe kinds from domain/probe_kinds.h. */
void cli_probe_usage(FILE *out);

#endif
