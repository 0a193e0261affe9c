/* steps — run one playbook step that leaves the process: a command
 * (argv, no shell, its own process group, stdout and stderr captured,
 * killed at its timeout: proc.h) or an HTTP call (libcurl: method, body,
 * headers, expected status). The output is kept up to
 * INCIDENT_RUNS_OUTPUT_MAX bytes.
 *
 * The executors are one table, step_execs[] in steps.c: a row per step
 * kind that runs in the engine (playbook_kind_runs_in() ==
 * STEP_RUNS_IN_ENGINE; the kinds themselves are playbook.c's table). A row
 * places the incident's values in the step (playbook_expand_as: a value
 * that cannot be placed safely fails the step for good) and runs it.
 *
 * Everything watches a cancel fd (may be -1): once it is readable the step
 * is abandoned at once (the child killed, the transfer aborted) with
 * o->error "cancelled". The runner makes it readable when it stops.
 *
 * Thread: any (no shared state); curl_global_init must have run.
 */
#ifndef RESOPS_STEPS_H
#define RESOPS_STEPS_H

#include "domain/incident_runs.h"

/* One attempt of one step of a run. */
typedef struct StepContext {
    const RunPlan *plan;        /* the incident, its service, the run number */
    int            attempt;     /* 1-based */
    int            timeout_ms;  /* the step's, else the runner's default */
    int            cancel_fd;   /* readable: abandon the step; -1 none */
} StepContext;

/* 1 when this engine executes steps of kind k (it has a row), else 0. */
int  steps_supports(StepKind k);
/* Run one attempt of s. Fills *o (o->output owned); a kind without a row
 * fails for good ("no executor for ..."). */
void steps_exec(const StepContext *c, const PlaybookStep *s, StepOutcome *o);

/* The two executors' primitives, with everything already placed.
 * env: extra "NAME=value" strings for the child (NULL-terminated, may be
 * NULL), added to the process's environment. expect_exit: the exit status
 * that means success. Fills *o (o->output owned). A program that cannot
 * be executed at all (not there, not executable) fails for good
 * (o->permanent: the runner does not retry it); a non-zero exit does not. */
void steps_run_command(char *const argv[], char *const env[], int timeout_ms, int expect_exit,
                       int cancel_fd, StepOutcome *o);

/* headers: "Name: value" strings, NULL-terminated, may be NULL. body may
 * be NULL. expect_status 0 = any 2xx. Redirects are not followed. */
void steps_run_http(const char *url, const char *method, const char *body, char *const headers[],
                    int timeout_ms, int expect_status, int cancel_fd, StepOutcome *o);

#endif
