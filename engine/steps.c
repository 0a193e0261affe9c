/* steps — see steps.h.
 *
 * DESIGN: a command runs through proc.h (posix_spawnp in a new process
 * group, stdin /dev/null, stdout and stderr on one pipe); proc_wait polls
 * the pipe, a pidfd of the child (so its exit wakes us even if a
 * grandchild keeps the pipe open) and the cancel fd, with the step's
 * deadline as timeout, and kills the whole group at the deadline or on
 * cancel.
 *
 * An HTTP step is one blocking libcurl easy transfer in the calling
 * worker thread; its progress callback polls the cancel fd.
 *
 * Each executor of step_execs[] first places the incident's values in the
 * operator's step (argv elements, URL, body, headers: playbook_expand_as)
 * and gives a command the RESOPS_* variables of the run.
 */
#include "steps.h"
#include "proc.h"
#include "util.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

#ifndef RESOPS_VERSION
#define RESOPS_VERSION "dev"
#endif

#define STEP_DEFAULT_TIMEOUT_MS 30000

static int readable(int fd)
{
    if (fd < 0)
        return 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

/* ---- commands ----------------------------------------------------------------- */

/* How the child ended, into *o. */
static void command_outcome(StepOutcome *o, ProcEnd end, int status, int wait_errno,
                            int timeout_ms, int expect_exit)
{
    switch (end) {
    case PROC_TIMED_OUT:
        o->timed_out = 1;
        snprintf(o->error, sizeof o->error, "timed out after %d ms", timeout_ms);
        break;
    case PROC_CANCELLED:
        snprintf(o->error, sizeof o->error, "cancelled");
        break;
    case PROC_WAIT_FAILED:
        snprintf(o->error, sizeof o->error, "poll: %s", strerror(wait_errno));
        break;
    case PROC_EXITED:
        if (WIFEXITED(status)) {
            o->code = WEXITSTATUS(status);
            o->ok = o->code == expect_exit;
            if (!o->ok)
                snprintf(o->error, sizeof o->error, "exit status %d", o->code);
        } else if (WIFSIGNALED(status)) {
            snprintf(o->error, sizeof o->error, "killed by signal %d", WTERMSIG(status));
        }
        break;
    }
}

void steps_run_command(char *const argv[], char *const env[], int timeout_ms, int expect_exit,
                       int cancel_fd, StepOutcome *o)
{
    memset(o, 0, sizeof *o);
    o->code = -1;
    int64_t t0 = util_mono_ms();
    int64_t deadline = t0 + (timeout_ms > 0 ? timeout_ms : STEP_DEFAULT_TIMEOUT_MS);
    Proc child;
    int r = proc_spawn(&child, argv, env, INCIDENT_RUNS_OUTPUT_MAX);
    if (r < 0) {
        snprintf(o->error, sizeof o->error, "cannot run %s: %s", argv[0], strerror(-r));
        o->duration_ms = (int)(util_mono_ms() - t0);
        /* the program is not there or cannot be executed (posix_spawnp
         * reports the exec's errno, proc.c): a retry cannot change that */
        o->permanent = r == -ENOENT || r == -EACCES || r == -ENOEXEC || r == -ENOTDIR ||
                       r == -ELOOP || r == -ENAMETOOLONG || r == -EPERM;
        return;
    }
    ProcEnd end = proc_wait(&child, deadline, cancel_fd);
    int wait_errno = errno;
    o->duration_ms = (int)(util_mono_ms() - t0);
    o->output = proc_output_take(&child.out);
    command_outcome(o, end, child.status, wait_errno, timeout_ms, expect_exit);
    proc_done(&child);
}

/* ---- HTTP ------------------------------------------------------------------------ */

typedef struct HttpCtx {
    ProcOutput cap;
    int        cancel_fd;
} HttpCtx;

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    HttpCtx *h = arg;
    proc_output_add(&h->cap, data, size * nmemb);
    return size * nmemb;
}

static int on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    HttpCtx *h = arg;
    return readable(h->cancel_fd);  /* non-zero aborts */
}

/* The request headers: the step's, a JSON Content-Type for a body that
 * names none, and no "Expect: 100-continue". The caller frees the list. */
static struct curl_slist *http_headers(char *const headers[], const char *body)
{
    struct curl_slist *hl = NULL;
    int has_type = 0;
    for (char *const *x = headers; x && *x; x++) {
        hl = curl_slist_append(hl, *x);
        has_type |= strncasecmp(*x, "Content-Type:", 13) == 0;
    }
    if (body && !has_type)
        hl = curl_slist_append(hl, "Content-Type: application/json");
    return curl_slist_append(hl, "Expect:");
}

static void http_options(CURL *c, HttpCtx *h, const char *url, const char *method,
                         const char *body, struct curl_slist *hl, int timeout_ms, char *errbuf)
{
    long limit = timeout_ms > 0 ? timeout_ms : STEP_DEFAULT_TIMEOUT_MS;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, limit);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "resops/" RESOPS_VERSION);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, h);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "GET") != 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
}

/* How the transfer ended, into *o. */
static void http_outcome(StepOutcome *o, CURLcode rc, long code, const char *errbuf,
                         int timeout_ms, int expect_status)
{
    if (rc == CURLE_OK) {
        o->code = (int)code;
        o->ok = expect_status ? code == expect_status : code >= 200 && code < 300;
        if (!o->ok)
            snprintf(o->error, sizeof o->error, "HTTP %ld", code);
    } else if (rc == CURLE_ABORTED_BY_CALLBACK) {
        snprintf(o->error, sizeof o->error, "cancelled");
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        o->timed_out = 1;
        snprintf(o->error, sizeof o->error, "timed out after %d ms", timeout_ms);
    } else {
        snprintf(o->error, sizeof o->error, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
    }
}

void steps_run_http(const char *url, const char *method, const char *body, char *const headers[],
                    int timeout_ms, int expect_status, int cancel_fd, StepOutcome *o)
{
    memset(o, 0, sizeof *o);
    o->code = -1;
    int64_t t0 = util_mono_ms();
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(o->error, sizeof o->error, "curl_easy_init failed");
        return;
    }
    HttpCtx *h = xcalloc(1, sizeof *h);
    h->cancel_fd = cancel_fd;
    proc_output_init(&h->cap, INCIDENT_RUNS_OUTPUT_MAX);
    struct curl_slist *hl = http_headers(headers, body);
    char errbuf[CURL_ERROR_SIZE] = "";
    http_options(c, h, url, method, body, hl, timeout_ms, errbuf);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    o->duration_ms = (int)(util_mono_ms() - t0);
    http_outcome(o, rc, code, errbuf, timeout_ms, expect_status);
    o->output = proc_output_take(&h->cap);
    proc_output_done(&h->cap);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    free(h);
}

/* ---- the executors ---------------------------------------------------------------- */

/* A request's value that cannot be placed in the operator's command or
 * URL (playbook_expand_as): the step fails at once, and for good. */
static void refuse(StepOutcome *o, const char *why)
{
    *o = (StepOutcome){.code = -1, .permanent = 1};
    strlcpy_(o->error, why, sizeof o->error);
}

static PlaybookVars vars_of(const RunPlan *p)
{
    return (PlaybookVars){
        .incident_id = p->inc.incident_id, .category = p->inc.category,
        .priority = p->inc.priority, .service = p->service, .created_by = p->inc.created_by,
        .service_id = p->inc.service_id,
    };
}

static void strv_free(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* argv placed one value per element; the run's RESOPS_* variables. */
static void exec_command(const StepContext *c, const PlaybookStep *s, StepOutcome *o)
{
    const RunPlan *p = c->plan;
    PlaybookVars v = vars_of(p);
    char err[200] = "";
    int n = 0;
    while (s->argv[n])
        n++;
    char **argv = xcalloc((size_t)n + 1, sizeof *argv);
    int bad = 0;
    for (int i = 0; i < n && !bad; i++)
        bad = !(argv[i] = playbook_expand_as(s->argv[i], &v, EXPAND_ARG, err, sizeof err));
    char *env[7] = {
        xasprintf("RESOPS_INCIDENT_ID=%s", p->inc.incident_id),
        xasprintf("RESOPS_CATEGORY=%s", p->inc.category),
        xasprintf("RESOPS_SERVICE_ID=%lld", (long long)p->inc.service_id),
        xasprintf("RESOPS_STEP=%s", s->action),
        xasprintf("RESOPS_ATTEMPT=%d", c->attempt),
        xasprintf("RESOPS_RUN=%d", p->run),
        NULL,
    };
    if (bad)
        refuse(o, err);
    else
        steps_run_command(argv, env, c->timeout_ms, s->expect, c->cancel_fd, o);
    strv_free(argv, n);
    for (int i = 0; env[i]; i++)
        free(env[i]);
}

/* URL percent-encoded, body JSON-escaped, header values as they are. */
static void exec_http(const StepContext *c, const PlaybookStep *s, StepOutcome *o)
{
    PlaybookVars v = vars_of(c->plan);
    char err[200] = "";
    char *url = playbook_expand_as(s->url, &v, EXPAND_URL, err, sizeof err);
    char *body = url && s->body ? playbook_expand_as(s->body, &v, EXPAND_JSON, err, sizeof err)
                                : NULL;
    int bad = !url || (s->body && !body);
    int nh = 0;
    while (s->headers && s->headers[nh])
        nh++;
    char **h = xcalloc((size_t)nh + 1, sizeof *h);
    for (int i = 0; i < nh && !bad; i++)
        bad = !(h[i] = playbook_expand_as(s->headers[i], &v, EXPAND_HEADER, err, sizeof err));
    if (bad)
        refuse(o, err);
    else
        steps_run_http(url, s->method, body, h, c->timeout_ms, s->expect, c->cancel_fd, o);
    strv_free(h, nh);
    free(url);
    free(body);
}

/* One row per step kind that runs in the engine (playbook.h). */
typedef struct StepExec {
    StepKind kind;
    void   (*run)(const StepContext *c, const PlaybookStep *s, StepOutcome *o);
} StepExec;

static const StepExec step_execs[] = {
    {STEP_COMMAND, exec_command},
    {STEP_HTTP, exec_http},
};

static const StepExec *exec_find(StepKind k)
{
    for (size_t i = 0; i < sizeof step_execs / sizeof step_execs[0]; i++)
        if (step_execs[i].kind == k)
            return &step_execs[i];
    return NULL;
}

int steps_supports(StepKind k)
{
    return exec_find(k) != NULL;
}

void steps_exec(const StepContext *c, const PlaybookStep *s, StepOutcome *o)
{
    const StepExec *x = exec_find(s->kind);
    if (!x) {
        char why[120];
        snprintf(why, sizeof why, "no executor for %s steps in the engine",
                 playbook_kind_name(s->kind));
        refuse(o, why);
        return;
    }
    x->run(c, s, o);
}
