/* cli_probe — `resops probe`: attach, replace or remove the health probe
 * of a service from the shell (Monit-style "check host ... if failed").
 * Thread: main, before any other thread starts. */
#ifndef RESOPS_CLI_PROBE_H
#define RESOPS_CLI_PROBE_H

/* argv[0] is "probe". Returns the process exit code (0, 1 error, 2 usage). */
int cli_probe(int argc, char **argv, const char *db_path);

extern const char cli_probe_usage[];

#endif
