/* steps — run one playbook step that leaves the process: a command
 * (argv, no shell, its own process group, stdout and stderr captured,
 * killed at its timeout) or an HTTP call (libcurl: method, body, headers,
 * expected status). The output is kept up to INCIDENT_RUNS_OUTPUT_MAX bytes.
 *
 * Both watch cancel_fd (may be -1): once it is readable the step is
 * abandoned at once (the child killed, the transfer aborted) with
 * o->error "cancelled". The runner makes it readable when it stops.
 *
 * Thread: any (no shared state); curl_global_init must have run.
 */
#ifndef RESOPS_STEPS_H
#define RESOPS_STEPS_H

#include "domain/incident_runs.h"

/* env: extra "NAME=value" strings for the child (NULL-terminated, may be
 * NULL), added to the process's environment. expect_exit: the exit status
 * that means success. Fills *o (o->output owned). */
void steps_run_command(char *const argv[], char *const env[], int timeout_ms, int expect_exit,
                       int cancel_fd, StepOutcome *o);

/* headers: "Name: value" strings, NULL-terminated, may be NULL. body may
 * be NULL. expect_status 0 = any 2xx. Redirects are not followed. */
void steps_run_http(const char *url, const char *method, const char *body, char *const headers[],
                    int timeout_ms, int expect_status, int cancel_fd, StepOutcome *o);

#endif
