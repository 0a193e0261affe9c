/* runner — see runner.h.
 *
 * DESIGN
 * Dispatcher: one thread that sleeps in poll() on a control pipe ('k'
 * look now, 'd' a worker finished, 'q' stop) for at most poll_ms. When it
 * wakes and something may have changed (a byte came, PRAGMA data_version
 * moved, or a second passed) it calls incident_runs_claim() until that says
 * "nothing to start": claim decides again with the number of resolutions
 * this runner runs, so the limit is enforced in one place, by one thread.
 * Each started run is a Job on an in-memory list; the pool grows by one
 * thread when more jobs wait than workers idle (never beyond max_workers). Threads stay
 * once started: a pool of at most max_concurrent_resolutions threads.
 *
 * Worker: takes a Job and walks its playbook. Before every step (and
 * every retry) incident_runs_gate() re-reads the kill switches; a failed
 * attempt is recorded, then retried after retry_backoff_ms * 2^(k-1) up
 * to the category's max_retry_attempts; the run ends resolved, failed or
 * stopped. Every record is its own short transaction, so the write lock
 * is never held while a step runs.
 *
 * Stop: a byte on the cancel pipe (never read, so it stays readable)
 * aborts every step in flight and every backoff wait; workers then leave
 * their incidents as they are (resolving) and the next start re-queues
 * them (incident_runs_recover), exactly as after a crash.
 *
 * The console follows runs through the engine's snapshots: the engine
 * republishes when another connection (these threads) commits.
 */
#include "runner.h"
#include "ctlpipe.h"
#include "steps.h"
#include "domain/incident_runs.h"
#include "domain/incidents.h"
#include "store/store.h"
#include "log.h"
#include "util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESCAN_MS 1000

typedef struct Job {
    RunPlan     plan;
    struct Job *next;
} Job;

struct Runner {
    RunnerOpts      o;
    char           *db_path;
    Store          *st;             /* the dispatcher's */
    CtlPipe         ctl;            /* 'k' look now, 'd' a worker finished, 'q' stop */
    CtlPipe         cancel;         /* a latch: written once at stop, never drained */
    pthread_t       thread;
    int             started;
    pthread_mutex_t mu;
    pthread_cond_t  cv;
    Job            *head, *tail;    /* under mu */
    pthread_t      *workers;        /* under mu */
    int             nworkers, idle; /* under mu */
    int             running;        /* under mu: claimed, not finished */
    int             stopping;       /* atomic */
};

static int stopping(Runner *r) { return __atomic_load_n(&r->stopping, __ATOMIC_ACQUIRE); }

/* ---- one run ------------------------------------------------------------------- */

/* Sleep ms unless the runner stops; 1 when it stops. */
static int pause_ms(Runner *r, int64_t ms)
{
    if (ms <= 0)
        return stopping(r);
    int64_t end = util_mono_ms() + ms;
    for (;;) {
        int64_t left = end - util_mono_ms();
        if (left <= 0)
            return stopping(r);
        if (ctl_pipe_wait(&r->cancel, left > 60000 ? 60000 : (int)left))
            return 1;
    }
}

/* One attempt of s: in the domain (set_status, ack_alerts, noop) or by
 * the engine's executors (steps.h), as the step kinds table says. */
static void exec_step(Runner *r, Store *st, const RunPlan *p, const PlaybookStep *s, int attempt,
                      StepOutcome *o)
{
    if (playbook_kind_runs_in(s->kind) == STEP_RUNS_IN_DOMAIN) {
        int64_t t0 = util_mono_ms();
        if (incident_runs_exec_internal(st, p, s, util_now(), o) < 0)
            snprintf(o->error, sizeof o->error, "database error");
        o->duration_ms = (int)(util_mono_ms() - t0);
        return;
    }
    StepContext c = {
        .plan = p, .attempt = attempt, .cancel_fd = r->cancel.rd,
        .timeout_ms = s->timeout_ms > 0 ? s->timeout_ms : r->o.step_timeout_ms,
    };
    steps_exec(&c, s, o);
}

/* Walk the playbook of p. Every return leaves the incident in a final
 * state, except when the runner stops (it stays resolving). */
static void run_job(Runner *r, Store *st, RunPlan *p)
{
    const char *id = p->inc.incident_id;
    char reason[512];
    for (int i = 0; i < p->pb.n; i++) {
        const PlaybookStep *s = &p->pb.steps[i];
        char step_id[37], last_error[256] = "";
        util_uuid4(step_id);
        for (int attempt = 1;; attempt++) {
            if (attempt > 1) {
                int64_t delay = decision_retry_delay_ms(r->o.retry_backoff_ms, attempt - 1,
                                                        r->o.retry_cap_ms);
                if (incident_runs_record_retry(st, p, i, attempt, delay, last_error,
                                               util_now()) < 0)
                    goto io;
                if (pause_ms(r, delay))
                    return;
            }
            if (stopping(r))
                return;
            int g = incident_runs_gate(st, p->inc.category, reason, sizeof reason);
            if (g < 0)
                goto io;
            if (g > 0) {
                log_info("runner: %s stopped before step %d: %s", id, i + 1, reason);
                if (incident_runs_finish_stopped(st, p, i + 1, reason, util_now()) < 0)
                    goto io;
                return;
            }
            StepOutcome o = {0};
            int64_t at = util_now();
            exec_step(r, st, p, s, attempt, &o);
            if (stopping(r)) {            /* abandoned, not failed */
                free(o.output);
                return;
            }
            int rec = incident_runs_record_step(st, p, i, step_id, attempt, at, &o, util_now());
            free(o.output);
            if (rec < 0)
                goto io;
            if (o.ok) {
                p->inc.steps_done = i + 1;
                break;
            }
            strlcpy_(last_error, o.error, sizeof last_error);
            if (attempt > p->cfg.max_retry_attempts || o.permanent) {
                snprintf(reason, sizeof reason, "Step %d (%s) failed after %d attempt%s: %s",
                         i + 1, s->action, attempt, attempt == 1 ? "" : "s", o.error);
                log_warn("runner: %s failed: %s", id, reason);
                if (incident_runs_finish_failed(st, p, reason, util_now()) < 0)
                    goto io;
                return;
            }
        }
    }
    if (!playbook_acts(&p->pb)) {
        /* every step only recorded: say nothing was done, never "resolved" */
        if (incident_runs_finish_no_action(st, p, util_now()) < 0)
            goto io;
        log_info("runner: %s: no action taken (the %s playbook has no step that acts)", id,
                 p->inc.category);
        return;
    }
    if (incident_runs_finish_resolved(st, p, util_now()) < 0)
        goto io;
    log_info("runner: %s auto-resolved in %d step%s", id, p->pb.n, p->pb.n == 1 ? "" : "s");
    return;
io:
    log_error("runner: %s: database error: %s; the incident stays resolving until restart", id,
              store_errmsg(st));
}

/* ---- workers ---------------------------------------------------------------------- */

static void *worker_main(void *arg)
{
    Runner *r = arg;
    Store *st = NULL;
    for (;;) {
        pthread_mutex_lock(&r->mu);
        while (!r->head && !stopping(r)) {
            r->idle++;
            pthread_cond_wait(&r->cv, &r->mu);
            r->idle--;
        }
        if (stopping(r)) {
            pthread_mutex_unlock(&r->mu);
            break;
        }
        Job *j = r->head;
        r->head = j->next;
        if (!r->head)
            r->tail = NULL;
        pthread_mutex_unlock(&r->mu);

        char err[512];
        if (!st && store_open(r->db_path, &st, err, sizeof err) < 0) {
            log_error("runner: %s; %s stays resolving until restart", err, j->plan.inc.incident_id);
            st = NULL;
        } else {
            run_job(r, st, &j->plan);
        }
        incident_runs_plan_free(&j->plan);
        free(j);
        pthread_mutex_lock(&r->mu);
        r->running--;
        pthread_mutex_unlock(&r->mu);
        ctl_pipe_send(&r->ctl, 'd');
    }
    store_close(st);
    return NULL;
}

/* Under mu: a thread for the new job unless an idle worker is left for
 * it. Idle workers that were signalled but have not woken yet still count
 * as idle, so compare with the jobs waiting, not with zero: otherwise two
 * quick claims share one worker and the second waits for the first. */
static void grow_locked(Runner *r)
{
    int queued = 0;
    for (const Job *j = r->head; j; j = j->next)
        queued++;
    if (queued <= r->idle || r->nworkers >= r->o.max_workers)
        return;
    r->workers = xrealloc(r->workers, (size_t)(r->nworkers + 1) * sizeof *r->workers);
    if (pthread_create(&r->workers[r->nworkers], NULL, worker_main, r) == 0)
        r->nworkers++;
    else
        log_error("runner: cannot start a worker thread");
}

/* ---- the dispatcher ---------------------------------------------------------------- */

static void dispatch(Runner *r)
{
    for (;;) {
        pthread_mutex_lock(&r->mu);
        int running = r->running;
        pthread_mutex_unlock(&r->mu);
        RunPlan p;
        int c = incident_runs_claim(r->st, running, util_now(), &p);
        if (c < 0)
            log_error("runner: cannot claim incidents: %s", store_errmsg(r->st));
        if (c <= 0)
            return;
        Job *j = xcalloc(1, sizeof *j);
        j->plan = p;
        log_info("runner: %s starts run %d (%d step%s, %d running)", p.inc.incident_id, p.run,
                 p.pb.n, p.pb.n == 1 ? "" : "s", running + 1);
        pthread_mutex_lock(&r->mu);
        if (r->tail)
            r->tail->next = j;
        else
            r->head = j;
        r->tail = j;
        r->running++;
        grow_locked(r);
        pthread_cond_signal(&r->cv);
        pthread_mutex_unlock(&r->mu);
    }
}

static void *dispatcher_main(void *arg)
{
    Runner *r = arg;
    int recovered = 0;
    int64_t dv = -1, last_scan = 0;
    for (;;) {
        int want = 0;
        if (ctl_pipe_wait(&r->ctl, r->o.poll_ms)) {
            char buf[64];
            int n = ctl_pipe_drain(&r->ctl, buf, sizeof buf);
            for (int i = 0; i < n; i++) {
                if (buf[i] == 'q')
                    return NULL;
                want = 1;
            }
        }
        int64_t now_ms = util_mono_ms();
        if (r->o.engine && !engine_is_primary(r->o.engine))
            continue;
        if (!recovered) {
            int n = incident_runs_recover(r->st, util_now());
            if (n > 0)
                log_warn("runner: %d interrupted resolution%s queued again", n, n == 1 ? "" : "s");
            recovered = n >= 0;
            want = 1;
        }
        int64_t v = store_data_version(r->st);
        /* a kick, another connection's commit, or the periodic rescan */
        if (want || v != dv || now_ms - last_scan >= RESCAN_MS) {
            dv = v;
            last_scan = now_ms;
            dispatch(r);
        }
    }
}

/* ---- lifecycle ---------------------------------------------------------------------- */

/* The domain's hooks: a submission in this process kicks the dispatcher at
 * once, and waiters learn whether this runner runs incidents. */
static void hook_queued(void *ctx) { runner_kick(ctx); }
static int hook_active(void *ctx)
{
    Runner *r = ctx;
    return !r->o.engine || engine_is_primary(r->o.engine);
}

static void runner_free(Runner *r)
{
    if (!r)
        return;
    while (r->head) {
        Job *j = r->head;
        r->head = j->next;
        incident_runs_plan_free(&j->plan);
        free(j);
    }
    store_close(r->st);
    ctl_pipe_close(&r->ctl);
    ctl_pipe_close(&r->cancel);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r->workers);
    free(r->db_path);
    free(r);
}

Runner *runner_start(const RunnerOpts *opts, char *err, size_t errsz)
{
    Runner *r = xcalloc(1, sizeof *r);
    r->o = *opts;
    r->db_path = xstrdup(opts->db_path);
    r->o.db_path = r->db_path;
    if (r->o.max_workers <= 0)
        r->o.max_workers = 100;
    if (r->o.poll_ms <= 0)
        r->o.poll_ms = 100;
    if (r->o.retry_cap_ms <= 0)
        r->o.retry_cap_ms = 60000;
    if (r->o.step_timeout_ms <= 0)
        r->o.step_timeout_ms = 30000;
    ctl_pipe_init(&r->ctl);
    ctl_pipe_init(&r->cancel);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    if (store_open(r->db_path, &r->st, err, errsz) < 0) {
        runner_free(r);
        return NULL;
    }
    int pe = ctl_pipe_open(&r->ctl);
    if (pe == 0)
        pe = ctl_pipe_open(&r->cancel);
    if (pe < 0) {
        snprintf(err, errsz, "runner: pipe: %s", strerror(-pe));
        runner_free(r);
        return NULL;
    }
    if (pthread_create(&r->thread, NULL, dispatcher_main, r) != 0) {
        snprintf(err, errsz, "runner: cannot start thread");
        runner_free(r);
        return NULL;
    }
    r->started = 1;
    IncidentsHooks h = {.queued = hook_queued, .active = hook_active, .ctx = r};
    incidents_set_hooks(&h);
    return r;
}

void runner_kick(Runner *r)
{
    if (r)
        ctl_pipe_send(&r->ctl, 'k');
}

int runner_running(Runner *r)
{
    if (!r)
        return 0;
    pthread_mutex_lock(&r->mu);
    int n = r->running;
    pthread_mutex_unlock(&r->mu);
    return n;
}

void runner_stop(Runner *r)
{
    if (!r)
        return;
    incidents_set_hooks(NULL);
    __atomic_store_n(&r->stopping, 1, __ATOMIC_RELEASE);
    ctl_pipe_send(&r->cancel, 'x');   /* stays readable: every wait ends */
    if (r->started) {
        ctl_pipe_send(&r->ctl, 'q');
        pthread_join(r->thread, NULL);
    }
    pthread_mutex_lock(&r->mu);
    pthread_cond_broadcast(&r->cv);
    int n = r->nworkers;
    pthread_mutex_unlock(&r->mu);
    for (int i = 0; i < n; i++)
        pthread_join(r->workers[i], NULL);
    log_info("runner: stopped");
    runner_free(r);
}
