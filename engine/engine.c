/* engine — see engine.h.
 *
 * DESIGN: the thread sleeps in poll() on a control pipe with a timeout to
 * the next scheduled tick. A byte 'k' on the pipe means "tick now" (the
 * console's `r`, nothing else), 'w' means "someone wrote: re-evaluate and
 * publish", 'p' means "a reader wrote: publish" and 'q' means stop. A
 * wake never runs probes or judges
 * heartbeats: a status must not depend on what an operator pressed (a
 * kill-switch toggle once brought every failing service one probe closer
 * to Down, newcomer review B3), so probes run only on the schedule. A tick is: run every probe concurrently (probes.c), fold
 * each result into the service's history and status (services_set_status,
 * the one write path), judge heartbeat services, run the evaluation cycle
 * (risk, SLA, alerts) and publish a snapshot. Ticks never overlap; a tick
 * that runs past the interval makes the next one start at once, not pile
 * up.
 *
 * PUBLISHING: this thread is the only snapshot publisher of the process
 * (snapshot.h), in both roles. Besides after each tick it publishes when
 * asked ('p', 'w', 'k' in a viewer), when the role changes, and when the
 * database's change counter moved since the last build (another
 * connection committed: the console, the API, a viewer, the notifier),
 * looked at every viewer_poll_ms. The counter is read before building,
 * so a commit that lands during a build is published by the next look.
 *
 * HAND-BACK (N2): the headless service is meant to be the engine; a
 * console that took the role over while it was down gives it back. A
 * headless process that starts as a viewer writes its pid to
 * "<db>.handover"; a console engine (opts.headless == 0) that finds a live
 * pid there on its next loop (within viewer_poll_ms) clears its lock info,
 * releases the flock and becomes a viewer, and no console viewer takes the
 * role while that request stands; the headless process takes the lock on
 * its next try and removes the request. A headless engine never hands
 * over, and a second headless process asks nothing of it (the lock file
 * says which kind the engine is): it waits as a viewer, like any other.
 *
 * LOCK FILE: the holder writes "engine headless|console\n", "api
 * HOST:PORT\n" (when it serves the API) and "tick EPOCH\n" (its last tick,
 * N5) there after each tick, so a viewer shows where the API is and
 * whether the engine is alive, and a headless viewer knows whether to ask.
 */
#include "engine.h"
#include "ctlpipe.h"
#include "probes.h"
#include "domain/flapping.h"
#include "domain/reminders.h"
#include "domain/cycle.h"
#include "domain/services.h"
#include "store/audit_repo.h"
#include "store/store.h"
#include "store/probe_repo.h"
#include "counters.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

struct Engine {
    EngineOpts   opts;
    char        *db_path;
    Store       *st;
    SnapshotBox *box;
    int          lock_fd;
    char        *handover_path; /* "<db>.handover" (N2) */
    int          primary;       /* atomic: 1 engine, 0 viewer */
    CtlPipe      ctl;           /* 'k' tick, 'w' wake, 'p' publish, 'q' stop */
    int          quit_asked;    /* engine thread: a 'q' read while probes ran */
    pthread_t    thread;
    int          running;
    int64_t      last_tick;     /* atomic: read by write_lock_info from any thread */
    int          handed_back;   /* atomic: times this process gave the role back */
    int64_t      published_version; /* change counter read before the last build */
    /* this process's API address, published in the lock file while it
     * holds the engine role (B21: a viewer shows it) */
    pthread_mutex_t api_mu;
    char            api_addr[128];
    /* SIGHUP (engine_reconfigure): the settings a reload brings, taken by
     * the engine thread at its next loop turn */
    pthread_mutex_t cfg_mu;
    EngineOpts      cfg_next;      /* under cfg_mu */
    int             cfg_pending;   /* atomic: cfg_next is newer than opts */
};

/* The lock file's content: "engine headless|console\n", "api HOST:PORT\n"
 * when the engine serves the API, then "tick EPOCH\n" once it has ticked. Written by the holder of the
 * lock only: the new text over the old, then cut to its length, so a
 * reader never sees an empty file between two ticks. */
static void write_lock_info(Engine *e)
{
    if (e->lock_fd < 0)
        return;
    char text[240];
    int n = snprintf(text, sizeof text, "engine %s\n", e->opts.headless ? "headless" : "console");
    pthread_mutex_lock(&e->api_mu);
    if (e->api_addr[0])
        n += snprintf(text + n, sizeof text - (size_t)n, "api %s\n", e->api_addr);
    pthread_mutex_unlock(&e->api_mu);
    int64_t tick = __atomic_load_n(&e->last_tick, __ATOMIC_RELAXED);
    if (tick > 0)
        n += snprintf(text + n, sizeof text - (size_t)n, "tick %lld\n", (long long)tick);
    if ((n > 0 && pwrite(e->lock_fd, text, (size_t)n, 0) != n) || ftruncate(e->lock_fd, n) < 0)
        log_warn("engine: cannot write the lock file: %s", strerror(errno));
}

/* The pid written in "<db>.handover", 0 when there is none. */
static long handover_pid(const Engine *e)
{
    FILE *f = fopen(e->handover_path, "r");
    if (!f)
        return 0;
    long pid = 0;
    if (fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    fclose(f);
    return pid;
}

/* The pid in "<db>.handover" when that process is alive and is not this
 * one, else 0 (no file, a stale one, our own). */
static pid_t handover_pending(const Engine *e)
{
    long pid = handover_pid(e);
    if (pid <= 0 || pid == (long)getpid())
        return 0;
    if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
        return 0;
    return (pid_t)pid;
}

static int lock_info_get(Engine *e, const char *key, char *buf, size_t size);

/* A headless viewer asks a console engine for the role (N2): its pid in
 * "<db>.handover", unless a request (another live process's, or ours) is
 * already there. An engine that is headless itself is never asked. */
static void handover_request(Engine *e)
{
    char kind[16];
    if (!lock_info_get(e, "engine", kind, sizeof kind) || strcmp(kind, "console") != 0)
        return;
    if (handover_pending(e) || handover_pid(e) == (long)getpid())
        return;
    int fd = open(e->handover_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        log_warn("engine: cannot write %s: %s", e->handover_path, strerror(errno));
        return;
    }
    char line[32];
    int n = snprintf(line, sizeof line, "%ld\n", (long)getpid());
    if (write(fd, line, (size_t)n) != n)
        log_warn("engine: cannot write %s: %s", e->handover_path, strerror(errno));
    close(fd);
    log_info("engine: asked the engine on %s to hand the role back (%s)", e->db_path,
             e->handover_path);
}

/* Our own request is done (we hold the role, or we are leaving). */
static void handover_withdraw(Engine *e)
{
    if (handover_pid(e) == (long)getpid())
        unlink(e->handover_path);
}

static int64_t engine_now(const Engine *e)
{
    return e->opts.clock ? e->opts.clock() : util_now();
}

static int try_lock(Engine *e)
{
    if (e->lock_fd < 0)
        return 0;
    if (flock(e->lock_fd, LOCK_EX | LOCK_NB) == 0)
        return 1;
    return 0;
}

Engine *engine_new(const EngineOpts *opts, SnapshotBox *box, char *err, size_t errsz)
{
    Engine *e = xcalloc(1, sizeof *e);
    e->opts = *opts;
    e->db_path = xstrdup(opts->db_path);
    e->opts.db_path = e->db_path;
    e->box = box;
    ctl_pipe_init(&e->ctl);
    e->handover_path = xasprintf("%s.handover", e->db_path);
    pthread_mutex_init(&e->api_mu, NULL);
    pthread_mutex_init(&e->cfg_mu, NULL);
    if (store_open(e->db_path, &e->st, err, errsz) < 0) {
        engine_free(e);
        return NULL;
    }
    /* A cycle scans every service: keep the working set in cache, and
     * checkpoint the WAL after the tick rather than inside its commit. */
    store_set_cache_mb(e->st, 32);
    store_manual_checkpoints(e->st);
    char *lock_path = xasprintf("%s.lock", e->db_path);
    /* 0666 less the umask (N3): consoles of the database's group read the
     * engine's address from it and can take the role over */
    e->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (e->lock_fd < 0)
        log_warn("engine: cannot open %s: %s; running as viewer", lock_path, strerror(errno));
    free(lock_path);
    e->primary = try_lock(e);
    if (e->primary)
        write_lock_info(e);      /* no API yet: empty until engine_set_api */
    if (e->primary && e->opts.headless)
        handover_withdraw(e);    /* a request of ours left by a crash */
    if (!e->primary && e->opts.headless)
        handover_request(e);
    log_info("engine: role %s on %s", e->primary ? "engine" : "viewer", e->db_path);
    return e;
}

void engine_free(Engine *e)
{
    if (!e)
        return;
    store_close(e->st);
    if (e->opts.headless)
        handover_withdraw(e);
    if (e->lock_fd >= 0) {
        if (engine_is_primary(e) && ftruncate(e->lock_fd, 0) < 0)
            log_warn("engine: cannot clear the lock file: %s", strerror(errno));
        close(e->lock_fd); /* releases the flock */
    }
    ctl_pipe_close(&e->ctl);
    pthread_mutex_destroy(&e->api_mu);
    pthread_mutex_destroy(&e->cfg_mu);
    free(e->handover_path);
    free(e->db_path);
    free(e);
}

void engine_set_api(Engine *e, const char *addr)
{
    if (!e)
        return;
    pthread_mutex_lock(&e->api_mu);
    strlcpy_(e->api_addr, addr ? addr : "", sizeof e->api_addr);
    pthread_mutex_unlock(&e->api_mu);
    if (engine_is_primary(e))
        write_lock_info(e);
}

/* The value of the lock file's line "KEY value": 1 and buf, else 0. */
static int lock_info_get(Engine *e, const char *key, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!e || e->lock_fd < 0 || size < 2)
        return 0;
    char tmp[256];
    ssize_t n = pread(e->lock_fd, tmp, sizeof tmp - 1, 0);
    if (n <= 0)
        return 0;
    tmp[n] = '\0';
    size_t klen = strlen(key);
    for (char *line = tmp; line && *line;) {
        char *nl = strchr(line, '\n');
        if (!nl)
            break;              /* a line being written: not whole yet */
        *nl = '\0';
        if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
            strlcpy_(buf, line + klen + 1, size);
            return buf[0] != '\0';
        }
        line = nl + 1;
    }
    return 0;
}

int engine_api_of_engine(Engine *e, char *buf, size_t size)
{
    return lock_info_get(e, "api", buf, size);
}

int64_t engine_tick_of_engine(Engine *e)
{
    char buf[32];
    if (!lock_info_get(e, "tick", buf, sizeof buf))
        return 0;
    char *end;
    long long t = strtoll(buf, &end, 10);
    return *end || t <= 0 ? 0 : (int64_t)t;
}

int engine_is_primary(Engine *e)
{
    return __atomic_load_n(&e->primary, __ATOMIC_RELAXED);
}

static void publish(Engine *e);

/* A reader's request while the probes run (a tick can last as long as
 * the slowest probe's timeout): a publish or wake is answered now, so a
 * console's own write shows at once; the tick's evaluation follows anyway.
 * A stop is kept for the loop; a kick is moot, a tick is running. */
static void mid_tick_request(void *arg)
{
    Engine *e = arg;
    char buf[16];
    int n = ctl_pipe_drain(&e->ctl, buf, sizeof buf), show = 0;
    for (int i = 0; i < n; i++) {
        e->quit_asked |= buf[i] == 'q';
        show |= buf[i] == 'p' || buf[i] == 'w';
    }
    if (show && !e->quit_asked)
        publish(e);
}

/* Run every probe and apply the results. 0 or -EIO. */
static int run_probes(Engine *e, int64_t now)
{
    ProbeRow *rows;
    int n = probe_repo_load_all(e->st, &rows);
    if (n <= 0)
        return n;
    ProbeSpec *specs = xcalloc((size_t)n, sizeof *specs);
    ProbeResult *res = xcalloc((size_t)n, sizeof *res);
    for (int i = 0; i < n; i++) {
        specs[i] = (ProbeSpec){
            .service_id = rows[i].service_id,
            .kind = rows[i].kind,     /* a name of domain/probe_kinds.h */
            .target = rows[i].target,
            .timeout_ms = rows[i].timeout_ms > 0 ? rows[i].timeout_ms : e->opts.probe_timeout_ms,
            .expect_status = rows[i].expect_status,
        };
    }
    ProbesHook hook = {.fd = e->ctl.rd, .ready = mid_tick_request, .ctx = e};
    int rc = probes_run_hooked(specs, n, res, &hook);
    if (rc < 0) {
        log_error("engine: probes could not run: %s", strerror(-rc));
        goto out;
    }
    now = engine_now(e); /* results are as of when they came back */
    if (store_begin(e->st) < 0) {
        rc = -EIO;
        goto out;
    }
    char err[160];
    for (int i = 0; i < n; i++) {
        ProbeRow *r = &rows[i];
        ServiceStatus s = status_from_probe(&r->fail_streak, &r->recent, res[i].ok,
                                            res[i].latency_ms, &e->opts.rules);
        if (probe_repo_record(e->st, r->service_id, r->fail_streak, r->recent,
                              res[i].latency_ms, res[i].error, now) < 0)
            goto io;
        char reason[200];
        snprintf(reason, sizeof reason, "Probe failed: %s", res[i].error);
        /* SET_BY_PROBE: a Down may open an incident (status_reactions.h) */
        int c = services_set_status(e->st, r->service_id, s, SET_BY_PROBE, AUDIT_SYSTEM_USER,
                                    reason, now, err, sizeof err);
        if (c < 0 && c != -ENOENT)
            goto io;
        if (c > 0)
            log_info("engine: service %lld is %s%s%s", (long long)r->service_id, status_name(s),
                     res[i].ok ? "" : ": ", res[i].error);
    }
    if (store_commit(e->st) < 0)
        goto io;
    rc = 0;
    goto out;
io:
    store_rollback(e->st);
    rc = -EIO;
out:
    probe_rows_free(rows, n);
    free(specs);
    free(res);
    return rc;
}

/* Build and publish a snapshot. The change counter is read first: a
 * commit during the build leaves it behind, so changed() says so and the
 * next look publishes again. */
static void publish(Engine *e)
{
    if (!e->box)
        return;
    e->published_version = snapshot_store_version(e->st);
    Snapshot *s = snapshot_build(e->st, engine_is_primary(e), e->last_tick);
    if (s)
        snapshot_box_publish(e->box, s);
}

/* Has anything been committed since the last build began? */
static int changed(Engine *e)
{
    return snapshot_store_version(e->st) != e->published_version;
}

int engine_tick(Engine *e, int64_t now)
{
    int64_t t0 = util_mono_ms(), t0_ns = counters_now_ns();  /* issue 12: resops_engine_tick_seconds */
    int rc = 0;
    if (run_probes(e, now) < 0)
        rc = -EIO;
    now = engine_now(e) > now ? engine_now(e) : now;
    if (cycle_heartbeats(e->st, now, &e->opts.rules) < 0)
        rc = -EIO;
    CycleStats cs;
    if (cycle_evaluate(e->st, now, &cs) < 0)
        rc = -EIO;
    /* issue 11 item 5: flapping services that settled, then reminders */
    if (flapping_settle(e->st, now) < 0 || reminders_run(e->st, now, e->opts.repeat_interval_s) < 0)
        rc = -EIO;
    __atomic_store_n(&e->last_tick, now, __ATOMIC_RELAXED);
    if (engine_is_primary(e))
        write_lock_info(e);      /* viewers show the engine's tick age (N5) */
    int64_t t1 = util_mono_ms();
    publish(e);
    store_checkpoint(e->st);
    counters_engine_tick(counters_now_ns() - t0_ns);
    if (rc == 0)
        log_debug("engine: tick: %d services, %d risk changes, %d alerts, %d breaches, "
                  "%lld ms + snapshot %lld ms", cs.services, cs.risk_changed, cs.alerts_raised,
                  cs.breaches, (long long)(t1 - t0), (long long)(util_mono_ms() - t1));
    return rc;
}

int engine_evaluate(Engine *e, int64_t now)
{
    CycleStats cs;
    int rc = cycle_evaluate(e->st, now, &cs) < 0 ? -EIO : 0;
    if (rc < 0)
        log_error("engine: evaluation after a write failed");
    publish(e);
    return rc;
}

/* N2: this console engine gives the role to the headless process that
 * asked: the lock info goes, the flock is released, and the snapshot says
 * VIEWER. The console's runner, notifier and collector follow
 * engine_is_primary. */
static void hand_back(Engine *e, pid_t asker)
{
    log_warn("engine: the headless engine (pid %ld) asked for the engine role on %s; "
             "handing it back, this process is a viewer now", (long)asker, e->db_path);
    if (ftruncate(e->lock_fd, 0) < 0)
        log_warn("engine: cannot clear the lock file: %s", strerror(errno));
    __atomic_store_n(&e->primary, 0, __ATOMIC_RELAXED);
    __atomic_add_fetch(&e->handed_back, 1, __ATOMIC_RELAXED);
    if (flock(e->lock_fd, LOCK_UN) < 0)
        log_warn("engine: cannot release the lock: %s", strerror(errno));
    publish(e);
}

/* Engine thread: the settings engine_reconfigure left; returns next (the
 * monotonic ms of the next tick) moved by the change of interval, so the
 * next tick comes the new interval after the last one. */
static int64_t take_settings(Engine *e, int64_t next)
{
    pthread_mutex_lock(&e->cfg_mu);
    EngineOpts n = e->cfg_next;
    __atomic_store_n(&e->cfg_pending, 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&e->cfg_mu);
    int64_t moved = (int64_t)(n.check_interval_s - e->opts.check_interval_s) * 1000;
    e->opts.check_interval_s = n.check_interval_s;
    e->opts.probe_timeout_ms = n.probe_timeout_ms;
    e->opts.rules = n.rules;
    e->opts.repeat_interval_s = n.repeat_interval_s;
    log_info("engine: settings reloaded: checks every %d s, probe timeout %d ms",
             n.check_interval_s, n.probe_timeout_ms);
    return next ? next + moved : 0;
}

static void *engine_main(void *arg)
{
    Engine *e = arg;
    int64_t next = 0; /* monotonic ms of the next tick; 0 = now */
    int poll_ms = e->opts.viewer_poll_ms > 0 ? e->opts.viewer_poll_ms : 1000;
    if (!engine_is_primary(e))
        publish(e);
    for (;;) {
        if (e->quit_asked)
            return NULL;
        int timeout;
        if (engine_is_primary(e)) {
            int64_t now = util_mono_ms();
            timeout = next <= now ? 0 : (int)(next - now);
            /* wake at least every poll_ms to notice other writers */
            if (timeout > poll_ms)
                timeout = poll_ms;
        } else {
            timeout = poll_ms;
        }
        int kick = 0, wake = 0, asked = 0;
        if (ctl_pipe_wait(&e->ctl, timeout)) {
            char buf[16];
            int n = ctl_pipe_drain(&e->ctl, buf, sizeof buf);
            for (int i = 0; i < n; i++) {
                if (buf[i] == 'q')
                    return NULL;
                kick |= buf[i] == 'k';
                wake |= buf[i] == 'w';
                asked |= buf[i] == 'p';
            }
        }
        if (__atomic_load_n(&e->cfg_pending, __ATOMIC_ACQUIRE))
            next = take_settings(e, next);
        if (!engine_is_primary(e)) {
            if (e->opts.headless)
                handover_request(e);    /* again, in case it went away */
            /* a console leaves the role to a headless process that asked
             * for it (N2); that one takes it on its own next try */
            int yield = !e->opts.headless && handover_pending(e);
            if (!yield && try_lock(e)) {
                log_warn("engine: the engine on %s went away; taking over", e->db_path);
                __atomic_store_n(&e->primary, 1, __ATOMIC_RELAXED);
                write_lock_info(e);
                if (e->opts.headless)
                    handover_withdraw(e);
                publish(e);             /* readers show ENGINE now, not after the tick */
                next = 0;
                continue;
            }
            if (kick || wake || asked || changed(e))
                publish(e);
            continue;
        }
        pid_t asker = e->opts.headless ? 0 : handover_pending(e);
        if (asker) {
            hand_back(e, asker);
            continue;
        }
        if (!kick && util_mono_ms() < next) {
            /* Between ticks: another connection (the console, the API, a
             * viewer) committed something, or a reader asked; publish it
             * so readers see it. A wake also re-runs the evaluation (risk,
             * SLA, alerts: pure functions of what is stored), never the
             * probes. */
            if (wake)
                engine_evaluate(e, engine_now(e));
            else if (asked || changed(e))
                publish(e);
            continue;
        }
        int64_t started = util_mono_ms();
        if (engine_tick(e, engine_now(e)) < 0)
            log_error("engine: tick failed; retrying next interval");
        next = started + (int64_t)e->opts.check_interval_s * 1000;
    }
}

Engine *engine_start(const EngineOpts *opts, SnapshotBox *box, char *err, size_t errsz)
{
    Engine *e = engine_new(opts, box, err, errsz);
    if (!e)
        return NULL;
    int pe = ctl_pipe_open(&e->ctl);
    if (pe < 0) {
        snprintf(err, errsz, "engine: pipe: %s", strerror(-pe));
        engine_free(e);
        return NULL;
    }
    if (pthread_create(&e->thread, NULL, engine_main, e) != 0) {
        snprintf(err, errsz, "engine: cannot start thread");
        engine_free(e);
        return NULL;
    }
    e->running = 1;
    return e;
}

void engine_reconfigure(Engine *e, const EngineOpts *opts)
{
    if (!e)
        return;
    pthread_mutex_lock(&e->cfg_mu);
    e->cfg_next = *opts;
    e->cfg_next.db_path = e->db_path;
    __atomic_store_n(&e->cfg_pending, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&e->cfg_mu);
    ctl_pipe_send(&e->ctl, 'c');   /* any byte wakes the loop */
}

void engine_kick(Engine *e)
{
    if (e)
        ctl_pipe_send(&e->ctl, 'k');
}

void engine_wake(Engine *e)
{
    if (e)
        ctl_pipe_send(&e->ctl, 'w');
}

void engine_request_publish(Engine *e)
{
    if (e)
        ctl_pipe_send(&e->ctl, 'p');
}

void engine_stop(Engine *e)
{
    if (!e)
        return;
    if (e->running) {
        ctl_pipe_send(&e->ctl, 'q');
        pthread_join(e->thread, NULL);
    }
    log_info("engine: stopped");
    engine_free(e);
}
