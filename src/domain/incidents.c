/* incidents — see incidents.h.
 *
 * How it works: the decision is the pure decision_can_auto_resolve() over the rows
 * read in the same transaction that records its outcome, so what the
 * audit says is what was decided. Submission makes the decision without
 * the concurrency check (an incident never waits in the API for a slot it
 * may never get: it is queued); the runner's claim makes it again with
 * the running count, because configuration and the kill switch may change
 * while an incident waits. Before every step the gate re-reads the two
 * switches, so a kill switch stops a running resolution before its next
 * step; the step in flight finishes (or times out).
 *
 * Submissions take turns on submit_mu. The API's listener threads submit
 * with group commit (incidents_submit_grouped): whoever finds no group
 * being written leads, writes every submission queued so far in one
 * transaction on its own connection and commits once; the others sleep
 * until the commit that holds their rows. A refusal costs a few rows, but
 * a commit of its own costs as much again (the WAL frames of every page
 * touched, the file locks), and on a busy listener several arrive at once.
 */
#include "domain/incidents.h"
#include "domain/actions.h"
#include "domain/alerts.h"
#include "domain/notify.h"
#include "domain/resolution.h"
#include "domain/services.h"
#include "store/alert_repo.h"
#include "store/audit_repo.h"
#include "store/category_repo.h"
#include "store/incident_audit_repo.h"
#include "store/service_repo.h"
#include "log.h"
#include "util.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/errors.h"
#define IO_ERROR DOMAIN_IO_ERROR
#define MSG_IN_PROGRESS "Auto-resolution already in progress for this incident"

/* ---- waking waiters ------------------------------------------------------------- */

/* Process-wide on purpose: the API's waiting requests and the runner's
 * workers are threads of one process that share no object but the
 * domain. The counter moves after the commit of every end of a run. */
static pthread_mutex_t wake_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t  wake_cv;           /* CLOCK_MONOTONIC, made once */
static pthread_once_t  wake_once = PTHREAD_ONCE_INIT;
static uint64_t        wake_seq;          /* under wake_mu */
static IncidentsHooks  wake_hooks;        /* under wake_mu */

static void wake_init(void)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);   /* a clock step never stretches a wait */
    pthread_cond_init(&wake_cv, &a);
    pthread_condattr_destroy(&a);
}

void incidents_set_hooks(const IncidentsHooks *h)
{
    pthread_once(&wake_once, wake_init);
    pthread_mutex_lock(&wake_mu);
    if (h)
        wake_hooks = *h;
    else
        memset(&wake_hooks, 0, sizeof wake_hooks);
    wake_seq++;                            /* waiters re-check who runs */
    pthread_cond_broadcast(&wake_cv);
    pthread_mutex_unlock(&wake_mu);
}

void incidents_kick(void)
{
    pthread_mutex_lock(&wake_mu);
    IncidentsHooks h = wake_hooks;
    pthread_mutex_unlock(&wake_mu);
    if (h.queued)
        h.queued(h.ctx);
}

static void wake_all(void)
{
    pthread_once(&wake_once, wake_init);
    pthread_mutex_lock(&wake_mu);
    wake_seq++;
    pthread_cond_broadcast(&wake_cv);
    pthread_mutex_unlock(&wake_mu);
}

uint64_t incidents_seq(void)
{
    pthread_mutex_lock(&wake_mu);
    uint64_t v = wake_seq;
    pthread_mutex_unlock(&wake_mu);
    return v;
}

int incidents_wait(uint64_t seen, int timeout_ms)
{
    pthread_once(&wake_once, wake_init);
    struct timespec until;
    util_deadline(&until, CLOCK_MONOTONIC, timeout_ms);
    pthread_mutex_lock(&wake_mu);
    int rc = 0;
    while (wake_seq == seen && rc == 0)
        rc = pthread_cond_timedwait(&wake_cv, &wake_mu, &until);
    int moved = wake_seq != seen;
    pthread_mutex_unlock(&wake_mu);
    return moved;
}

int incidents_wait_fallback_ms(void)
{
    pthread_mutex_lock(&wake_mu);
    IncidentsHooks h = wake_hooks;
    pthread_mutex_unlock(&wake_mu);
    return h.active && h.active(h.ctx) ? 1000 : 200;
}

/* ---- helpers ------------------------------------------------------------------- */

static int is_queued(const IncidentRec *r)
{
    return strcmp(r->state, "resolving") == 0 ||
           (strcmp(r->state, "open") == 0 && r->queued_at != 0);
}

/* Exported (incidents.h) for the API's resolve wait, which re-spelled the
 * rule; is_queued above stays the one spelling here. */
int incidents_is_pending(const IncidentRec *r)
{
    return is_queued(r);
}

static int closed_status(const char *status)
{
    return !strcmp(status, "auto_resolved") || !strcmp(status, "manually_resolved") ||
           !strcmp(status, "closed");
}

/* Append one seed 001 audit entry; details is taken (a cJSON object). */
static int audit(Store *st, const char *incident_id, const char *action, const char *actor,
                 const double *confidence, cJSON *details, int success, const char *error,
                 int64_t now)
{
    char *text = details ? cJSON_PrintUnformatted(details) : NULL;
    cJSON_Delete(details);
    int r = incident_audit_repo_add(st, incident_id, action, actor, confidence,
                                    text ? text : "{}", success, error, now, NULL);
    free(text);
    return r < 0 ? -EIO : 0;
}

static cJSON *message_details(const char *message)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "message", message);
    return d;
}

/* The decision for rec with the configuration as stored now. */
static int decide(Store *st, const IncidentRec *rec, int forced, int running, int limit,
                  ResolutionCategory *cat, Decision *d)
{
    GlobalConfigRow g;
    if (category_repo_global_get(st, &g) < 0 ||
        resolution_category_get_g(st, rec->category, &g, cat) < 0)
        return -EIO;
    DecisionInput in = {
        .global_enabled = g.global_enabled,
        .status = rec->status,
        .category = rec->category,
        .category_config = cat->configured ? &cat->cfg : NULL,
        .default_threshold = g.default_confidence_threshold,
        .confidence = rec->confidence,
        .forced = forced,
        .running = running,
        .max_concurrent = limit,
    };
    decision_can_auto_resolve(&in, d);
    return 0;
}

/* Record a refusal: the skip entry, and the state (an incident already
 * resolved keeps its state; the seed only reports it). */
static int audit_skip(Store *st, const IncidentRec *rec, const Decision *d, int64_t now)
{
    cJSON *det = message_details("Auto-resolution skipped");
    cJSON_AddStringToObject(det, "reason", d->reason);
    return audit(st, rec->incident_id, "auto_resolution_skipped", "system", &rec->confidence,
                 det, 1, NULL, now);
}

static int record_skip(Store *st, const IncidentRec *rec, const Decision *d, int64_t now)
{
    int keep = d->check == CHECK_STATUS && strcmp(rec->state, "resolved") == 0;
    if (incident_repo_finish(st, rec->incident_id, keep ? rec->state : "skipped", NULL,
                             keep ? rec->state_reason : d->reason, 0, -1, now) < 0)
        return -EIO;
    return audit_skip(st, rec, d, now);
}

static int clear_failed_alert(Store *st, const IncidentRec *inc, int64_t now);

/* ---- submission ------------------------------------------------------------------ */

int incidents_validate(const IncidentInput *in, char *err, size_t errsz)
{
    static const struct { size_t off; const char *name; } required[] = {
        {offsetof(IncidentInput, incident_id), "incident_id"},
        {offsetof(IncidentInput, title), "title"},
        {offsetof(IncidentInput, description), "description"},
        {offsetof(IncidentInput, category), "category"},
        {offsetof(IncidentInput, priority), "priority"},
        {offsetof(IncidentInput, created_by), "created_by"},
    };
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        const char *v = *(const char *const *)((const char *)in + required[i].off);
        if (!v) {
            snprintf(err, errsz, "Field '%s' is required", required[i].name);
            return -EINVAL;
        }
        if (!util_utf8_valid(v, strlen(v))) {        /* D6: lists stay valid JSON */
            snprintf(err, errsz, "Field '%s' must be valid UTF-8", required[i].name);
            return -EINVAL;
        }
    }
    if (in->tags_json && !util_utf8_valid(in->tags_json, strlen(in->tags_json))) {
        snprintf(err, errsz, "Field 'tags' must be valid UTF-8");
        return -EINVAL;
    }
    size_t idlen = strlen(in->incident_id);
    if (idlen == 0 || idlen > INCIDENT_ID_MAX) {
        snprintf(err, errsz, "incident_id must be 1 to %d characters", INCIDENT_ID_MAX);
        return -EINVAL;
    }
    for (const char *p = in->incident_id; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == '/' || *p == 0x7f) {
            snprintf(err, errsz, "incident_id must not contain '/' or control characters");
            return -EINVAL;
        }
    size_t tl = util_utf8_len(in->title);
    if (tl < 1 || tl > 500) {
        snprintf(err, errsz, "title must be 1 to 500 characters");
        return -EINVAL;
    }
    if (!decision_in(decision_categories, in->category)) {
        snprintf(err, errsz, "Invalid category: %s", in->category);
        return -EINVAL;
    }
    if (!decision_in(decision_priorities, in->priority)) {
        snprintf(err, errsz, "Invalid priority: %s", in->priority);
        return -EINVAL;
    }
    if (in->status && !decision_in(decision_statuses, in->status)) {
        snprintf(err, errsz, "Invalid status: %s", in->status);
        return -EINVAL;
    }
    if (!isfinite(in->confidence) || in->confidence < 0.0 || in->confidence > 1.0) {
        snprintf(err, errsz, "Confidence score must be between 0.0 and 1.0");
        return -EINVAL;
    }
    if (strlen(in->created_by) > 200) {
        snprintf(err, errsz, "created_by must be at most 200 characters");
        return -EINVAL;
    }
    return 0;
}

int incidents_check_refs(Store *st, const IncidentInput *in, char *err, size_t errsz)
{
    if (!in->service_id)
        return 0;
    int e = service_repo_exists(st, in->service_id);
    if (e < 0) {
        snprintf(err, errsz, IO_ERROR);
        return -EIO;
    }
    if (!e) {
        snprintf(err, errsz, "Field 'service_id': no service with id %lld",
                 (long long)in->service_id);
        return -EINVAL;
    }
    return 0;
}

/* Submissions of this process take turns on a mutex before their write
 * transaction: the API answers many at once (one thread per request), and
 * SQLite's busy handler would make the losers sleep 1..100 ms between
 * tries (the review's 1 s p99). Reentrant per thread for a caller's batch. */
static pthread_mutex_t submit_mu = PTHREAD_MUTEX_INITIALIZER;
static __thread int submit_depth;

void incidents_submit_lock(void)
{
    if (submit_depth++ == 0)
        pthread_mutex_lock(&submit_mu);
}

void incidents_submit_unlock(void)
{
    if (--submit_depth == 0)
        pthread_mutex_unlock(&submit_mu);
}

static int submit_locked(Store *st, const IncidentInput *in, const char *requested_by,
                         int forced, int nowait, int64_t now, SubmitResult *out, char *err,
                         size_t errsz);

int incidents_submit(Store *st, const IncidentInput *in, const char *requested_by, int forced,
                     int64_t now, SubmitResult *out, char *err, size_t errsz)
{
    incidents_submit_lock();
    int r = submit_locked(st, in, requested_by, forced, 0, now, out, err, errsz);
    incidents_submit_unlock();
    return r;
}

int incidents_submit_nowait(Store *st, const IncidentInput *in, const char *requested_by,
                            int forced, int64_t now, SubmitResult *out, char *err, size_t errsz)
{
    incidents_submit_lock();
    int r = submit_locked(st, in, requested_by, forced, 1, now, out, err, errsz);
    incidents_submit_unlock();
    return r;
}

/* ---- group commit (incidents_submit_grouped) ----------------------------------------- */

/* One caller's submission, on its own stack until it is done. */
typedef struct GroupEntry {
    struct GroupEntry   *next;
    const IncidentInput *in;
    const char          *requested_by;
    int64_t              now;
    SubmitResult        *out;
    char                *err;
    size_t               errsz;
    int                  rc, done;
} GroupEntry;

static pthread_mutex_t group_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t  group_cv = PTHREAD_COND_INITIALIZER;
static GroupEntry     *group_head, *group_tail;   /* waiting for the next group */
static int             group_writing;             /* a leader is writing one */

/* Write the group (a list taken off the queue) in one transaction on st. */
static void group_write(Store *st, GroupEntry *g)
{
    incidents_submit_lock();
    int failed = store_begin(st) < 0;
    for (GroupEntry *e = g; e && !failed; e = e->next) {
        e->rc = submit_locked(st, e->in, e->requested_by, 0, 1, e->now, e->out, e->err,
                              e->errsz);
        failed = e->rc == -EIO;           /* the transaction is gone (rolled back) */
    }
    if (!failed && store_commit(st) < 0)
        failed = 1;
    if (failed) {
        store_rollback(st);
        for (GroupEntry *e = g; e; e = e->next) {
            e->rc = -EIO;
            snprintf(e->err, e->errsz, IO_ERROR);
        }
    }
    incidents_submit_unlock();
}

int incidents_submit_grouped(Store *st, const IncidentInput *in, const char *requested_by,
                             int64_t now, SubmitResult *out, char *err, size_t errsz)
{
    GroupEntry me = {.in = in, .requested_by = requested_by, .now = now, .out = out,
                     .err = err, .errsz = errsz};
    pthread_mutex_lock(&group_mu);
    if (group_tail)
        group_tail->next = &me;
    else
        group_head = &me;
    group_tail = &me;
    while (!me.done && group_writing)
        pthread_cond_wait(&group_cv, &group_mu);
    if (me.done) {                        /* an earlier leader wrote it */
        pthread_mutex_unlock(&group_mu);
        return me.rc;
    }
    /* lead: everything queued so far (me included) is one transaction */
    GroupEntry *g = group_head;
    group_head = group_tail = NULL;
    group_writing = 1;
    pthread_mutex_unlock(&group_mu);
    group_write(st, g);
    pthread_mutex_lock(&group_mu);
    for (GroupEntry *e = g, *next; e; e = next) {
        next = e->next;                   /* e may return (and its stack go) once done */
        e->done = 1;
    }
    group_writing = 0;
    pthread_cond_broadcast(&group_cv);
    pthread_mutex_unlock(&group_mu);
    return me.rc;
}

/* The row to write, from the body and (got != 0) the stored incident old;
 * borrows strings from both. */
static void submit_fill_rec(IncidentRec *rec, const IncidentInput *in, const IncidentRec *old,
                            int got)
{
    strlcpy_(rec->incident_id, in->incident_id, sizeof rec->incident_id);
    rec->title = (char *)in->title;
    rec->description = (char *)in->description;
    strlcpy_(rec->category, in->category, sizeof rec->category);
    strlcpy_(rec->priority, in->priority, sizeof rec->priority);
    /* A closed incident stays closed whatever the body says (check 2). */
    strlcpy_(rec->status, got && closed_status(old->status) ? old->status
                          : in->status                      ? in->status
                                                            : "open",
             sizeof rec->status);
    strlcpy_(rec->state, got ? old->state : "open", sizeof rec->state);
    rec->state_reason = got ? old->state_reason : NULL;
    rec->confidence = in->confidence;
    rec->created_by = (char *)in->created_by;
    rec->tags = (char *)(in->tags_json ? in->tags_json : "[]");
    rec->service_id = in->service_id;
}

/* Writes the decided row and its audit entries inside the caller's
 * transaction and sets out->outcome; rec borrows d->reason. < 0 on an I/O
 * error (the caller rolls back). */
static int submit_write(Store *st, IncidentRec *rec, Decision *d, int forced,
                        const char *requested_by, int64_t now, SubmitResult *out)
{
    int skip = d->verdict == DECISION_SKIP;
    if (skip) {
        /* an incident already resolved keeps its state; the seed only reports it */
        int keep = d->check == CHECK_STATUS && strcmp(rec->state, "resolved") == 0;
        if (!keep) {
            strlcpy_(rec->state, "skipped", sizeof rec->state);
            rec->state_reason = d->reason;
        }
    } else {
        strlcpy_(rec->state, "open", sizeof rec->state);
        rec->state_reason = NULL;
    }
    if (incident_repo_upsert_decided(st, rec, !skip, forced, requested_by, now) < 0)
        return -EIO;

    cJSON *det = message_details("Auto-resolution process initiated");
    cJSON_AddStringToObject(det, "category", rec->category);
    cJSON_AddStringToObject(det, "priority", rec->priority);
    cJSON_AddStringToObject(det, "requested_by", requested_by ? requested_by : "system");
    if (forced)
        cJSON_AddBoolToObject(det, "forced", 1);
    if (audit(st, rec->incident_id, "auto_resolution_attempted",
              requested_by ? requested_by : "system", &rec->confidence, det, 1, NULL, now) < 0)
        return -EIO;
    if (skip) {
        if (audit_skip(st, rec, d, now) < 0)
            return -EIO;
        out->outcome = SUBMIT_SKIPPED;
        strlcpy_(out->reason, d->reason, sizeof out->reason);
    } else {
        out->outcome = SUBMIT_QUEUED;
    }
    return 0;
}

static int submit_locked(Store *st, const IncidentInput *in, const char *requested_by,
                         int forced, int nowait, int64_t now, SubmitResult *out, char *err,
                         size_t errsz)
{
    if (incidents_validate(in, err, errsz) < 0)
        return -EINVAL;
    memset(out, 0, sizeof *out);
    IncidentRec old = {0}, rec = {0};
    ResolutionCategory cat = {0};
    int got = 0;
    if (store_begin(st) < 0)
        goto io;
    int refs = incidents_check_refs(st, in, err, errsz);
    if (refs == -EINVAL) {
        /* nothing written yet: end this level only, a caller's batch
         * transaction (store_begin nests) decides for itself */
        store_commit(st);
        return -EINVAL;
    }
    if (refs < 0)
        goto io_rb;
    if ((got = incident_repo_get(st, in->incident_id, &old)) < 0)
        goto io_rb;
    if (got && is_queued(&old)) {
        store_commit(st);                  /* nothing written (see above) */
        out->outcome = SUBMIT_BUSY;
        snprintf(out->reason, sizeof out->reason, MSG_IN_PROGRESS);
        incident_rec_free(&old);
        return 0;
    }
    submit_fill_rec(&rec, in, &old, got);
    out->run_before = got ? old.run : 0;

    /* Decide first (only the configuration is read), then write the row
     * with its outcome in one statement and the two audit entries. */
    Decision d;
    if (decide(st, &rec, forced, 0, 0, &cat, &d) < 0)
        goto io_rb;
    if (d.verdict != DECISION_SKIP && nowait) {
        store_commit(st);                  /* nothing written (see above) */
        out->outcome = SUBMIT_WOULD_QUEUE;
        incident_rec_free(&old);
        resolution_category_free(&cat);
        return 0;
    }
    if (submit_write(st, &rec, &d, forced, requested_by, now, out) < 0)
        goto io_rb;
    if (store_commit(st) < 0)
        goto io;
    incident_rec_free(&old);
    resolution_category_free(&cat);
    if (out->outcome == SUBMIT_QUEUED)
        incidents_kick();
    return 0;
io_rb:
    store_rollback(st);
io:
    incident_rec_free(&old);
    resolution_category_free(&cat);
    snprintf(err, errsz, IO_ERROR);
    return -EIO;
}

int incidents_retry(Store *st, const char *id, int forced, const char *actor, int64_t now,
                    SubmitResult *out, char *err, size_t errsz)
{
    IncidentRec rec;
    int r = incident_repo_get(st, id, &rec);
    if (r <= 0) {
        snprintf(err, errsz, r == 0 ? "Incident not found" : IO_ERROR);
        return r == 0 ? -ENOENT : -EIO;
    }
    IncidentInput in = {
        .incident_id = rec.incident_id, .title = rec.title,
        .description = rec.description ? rec.description : "", .category = rec.category,
        .priority = rec.priority,
        .status = strcmp(rec.status, "in_progress") == 0 ? "open" : rec.status,
        .created_by = rec.created_by ? rec.created_by : "", .confidence = rec.confidence,
        .tags_json = rec.tags, .service_id = rec.service_id,
    };
    r = incidents_submit(st, &in, actor, forced, now, out, err, errsz);
    incident_rec_free(&rec);
    return r;
}

int incidents_mark_resolved(Store *st, const char *id, const char *actor, int64_t now,
                            char *err, size_t errsz)
{
    IncidentRec rec = {0};
    if (store_begin(st) < 0)
        goto io;
    int r = incident_repo_get(st, id, &rec);
    if (r < 0)
        goto io_rb;
    if (r == 0 || is_queued(&rec)) {
        store_rollback(st);
        snprintf(err, errsz, "%s", r == 0 ? "Incident not found" : MSG_IN_PROGRESS);
        incident_rec_free(&rec);
        return r == 0 ? -ENOENT : -EBUSY;
    }
    char reason[120];
    snprintf(reason, sizeof reason, "Resolved by hand by %s", actor ? actor : "system");
    cJSON *det = message_details("Incident resolved by hand");
    cJSON_AddStringToObject(det, "previous_state", rec.state);
    if (incident_repo_finish(st, id, "resolved", "manually_resolved", reason, now, 0, now) < 0 ||
        audit(st, id, "manually_resolved", actor, &rec.confidence, det, 1, NULL, now) < 0 ||
        clear_failed_alert(st, &rec, now) < 0)
        goto io_rb;
    if (store_commit(st) < 0)
        goto io;
    incident_rec_free(&rec);
    return 0;
io_rb:
    store_rollback(st);
io:
    incident_rec_free(&rec);
    snprintf(err, errsz, IO_ERROR);
    return -EIO;
}

int incidents_result(Store *st, const char *id, int run_before, IncidentResult *out)
{
    IncidentRec rec;
    memset(out, 0, sizeof *out);
    int r = incident_repo_get(st, id, &rec);
    if (r <= 0)
        return r;
    strlcpy_(out->state, rec.state, sizeof out->state);
    out->done = !is_queued(&rec);
    const char *why = rec.state_reason ? rec.state_reason : "";
    if (!out->done) {
        snprintf(out->message, sizeof out->message, "Auto-resolution in progress");
    } else if (!strcmp(rec.state, "resolved")) {
        out->success = rec.auto_resolved;
        out->resolved_at = rec.resolved_at;
        if (rec.auto_resolved)
            snprintf(out->message, sizeof out->message, "Incident successfully auto-resolved");
        else
            snprintf(out->message, sizeof out->message,
                     "Auto-resolution skipped: Incident already in status: %s", rec.status);
    } else if (!strcmp(rec.state, "failed")) {
        snprintf(out->message, sizeof out->message, "Failed to auto-resolve incident: %s", why);
    } else if (!strcmp(rec.state, "skipped")) {
        snprintf(out->message, sizeof out->message, "Auto-resolution skipped: %s", why);
    } else if (!strcmp(rec.state, "no_action")) {
        snprintf(out->message, sizeof out->message, "%s", why);
    } else {
        snprintf(out->message, sizeof out->message, "Auto-resolution not started");
    }
    if (rec.run > run_before) {
        int n = playbook_repo_last_attempts(st, id, rec.run, &out->steps);
        out->nsteps = n > 0 ? n : 0;
    }
    incident_rec_free(&rec);
    return 1;
}

void incidents_result_free(IncidentResult *r)
{
    if (r) {
        playbook_rows_free(r->steps, r->nsteps);
        r->steps = NULL;
        r->nsteps = 0;
    }
}

/* ---- the runner ------------------------------------------------------------------- */

void incidents_plan_free(RunPlan *p)
{
    if (!p)
        return;
    incident_rec_free(&p->inc);
    playbook_free(&p->pb);
}

/* The steps of a run: the category's playbook stored through the API
 * (internal steps and named actions only, D4), else the playbook file's
 * for the category, else the seed's default steps (which only record).
 * Action names resolve against this process's playbook file. 0, -EINVAL
 * with err. */
static int plan_playbook(const ResolutionCategory *cat, const char *category, Playbook *out,
                         char *err, size_t errsz)
{
    if (cat->playbook) {
        if (playbook_parse_api(cat->playbook, out, err, errsz) < 0)
            return -EINVAL;
        if (actions_resolve(out, err, errsz) < 0) {
            playbook_free(out);
            return -EINVAL;
        }
        return 0;
    }
    int r = actions_category(category, out, err, errsz);
    if (r < 0)
        return -EINVAL;
    if (r == 0)
        playbook_default(category, out);
    return 0;
}

/* The Critical AutoResolutionFailed alert for a human (B2): on the
 * incident's service, or an incident-level one when it names none. */
static int raise_failed_alert(Store *st, const IncidentRec *inc, const char *reason, int64_t now)
{
    char msg[700];
    snprintf(msg, sizeof msg, "Auto-resolution of incident %s failed: %s; a human is needed",
             inc->incident_id, reason);
    if (inc->service_id)
        return alerts_raise(st, inc->service_id, ALERT_AUTO_RESOLUTION_FAILED, SEV_CRITICAL, msg,
                            now, NULL) < 0 ? -EIO : 0;
    int64_t id;
    int got = incident_repo_alert_find_open(st, inc->incident_id, ALERT_AUTO_RESOLUTION_FAILED,
                                            &id);
    if (got < 0)
        return -EIO;
    if (got)
        return alert_repo_set_message(st, id, msg) < 0 ? -EIO : 0;
    id = incident_repo_alert_insert(st, inc->incident_id, ALERT_AUTO_RESOLUTION_FAILED, msg,
                                    "Critical", now);
    if (id < 0)
        return -EIO;
    char action[100];
    snprintf(action, sizeof action, "Alert Created (%s)", ALERT_AUTO_RESOLUTION_FAILED);
    if (audit_repo_add_alert(st, action, id, 0, AUDIT_SYSTEM_USER, AUDIT_SYSTEM_ACTOR, msg,
                             now) < 0)
        return -EIO;
    return notify_alert(st, id, 0, ALERT_AUTO_RESOLUTION_FAILED, "Critical", NULL, msg, "raised",
                        now) < 0 ? -EIO : 0;
}

/* The incident is resolved (by a run or by hand): its incident-level
 * failure alert, if one is open, has cleared. */
static int clear_failed_alert(Store *st, const IncidentRec *inc, int64_t now)
{
    if (inc->service_id)
        return 0;                    /* a service's alert is the service's (dedup per type) */
    int64_t id;
    int got = incident_repo_alert_find_open(st, inc->incident_id, ALERT_AUTO_RESOLUTION_FAILED,
                                            &id);
    if (got <= 0)
        return got;
    char msg[300];
    snprintf(msg, sizeof msg, "Incident %s is resolved now", inc->incident_id);
    return alert_repo_resolve(st, id, now) < 0 ||
                   notify_alert(st, id, 0, ALERT_AUTO_RESOLUTION_FAILED, "Critical", NULL, msg,
                                "resolved", now) < 0
               ? -EIO
               : 0;
}

int incidents_claim(Store *st, int running, int64_t now, RunPlan *out)
{
    for (;;) {
        GlobalConfigRow g;
        char id[INCIDENT_ID_MAX + 1];
        if (category_repo_global_get(st, &g) < 0)
            return -EIO;
        if (running >= g.max_concurrent_resolutions)
            return 0;
        int r = incident_repo_next_queued(st, id, sizeof id);
        if (r <= 0)
            return r;
        RunPlan p;
        memset(&p, 0, sizeof p);
        ResolutionCategory cat = {0};
        char perr[200] = "";
        if (store_begin(st) < 0)
            return -EIO;
        if ((r = incident_repo_get(st, id, &p.inc)) <= 0) {
            store_rollback(st);
            return r < 0 ? -EIO : 0;
        }
        Decision d;
        if (decide(st, &p.inc, p.inc.forced, running, g.max_concurrent_resolutions, &cat, &d) < 0)
            goto io_rb;
        if (d.verdict == DECISION_WAIT) {
            store_rollback(st);
            incidents_plan_free(&p);
            resolution_category_free(&cat);
            return 0;
        }
        int started = 0, ended = 0;
        if (d.verdict == DECISION_SKIP) {
            if (record_skip(st, &p.inc, &d, now) < 0)
                goto io_rb;
            ended = 1;
        } else if (plan_playbook(&cat, p.inc.category, &p.pb, perr, sizeof perr) < 0) {
            /* validated when stored; a bad row or a name the file no longer
             * defines still must not loop, and a human must hear of it */
            char reason[600];
            snprintf(reason, sizeof reason, "Invalid playbook: %s", perr);
            if (incident_repo_finish(st, id, "failed", "open", reason, 0, 0, now) < 0 ||
                audit(st, id, "auto_resolution_failed", "system", &p.inc.confidence,
                      message_details("Auto-resolution failed"), 0, reason, now) < 0 ||
                raise_failed_alert(st, &p.inc, reason, now) < 0)
                goto io_rb;
            ended = 1;
        } else {
            if (incident_repo_start(st, id, p.pb.n, now, &p.run) < 0)
                goto io_rb;
            if (p.inc.service_id &&
                service_repo_name(st, p.inc.service_id, p.service, sizeof p.service) < 0)
                goto io_rb;
            p.cfg = cat.cfg;
            started = 1;
        }
        if (store_commit(st) < 0)
            goto io;
        resolution_category_free(&cat);
        if (ended)
            wake_all();
        if (started) {
            *out = p;
            return 1;
        }
        incidents_plan_free(&p);
        continue;
    io_rb:
        store_rollback(st);
    io:
        incidents_plan_free(&p);
        resolution_category_free(&cat);
        return -EIO;
    }
}

int incidents_playbook_acts(Store *st, const char *category)
{
    ResolutionCategory cat;
    if (resolution_category_get(st, category, &cat) < 0)
        return -EIO;
    Playbook pb;
    char err[600];
    int r = plan_playbook(&cat, category, &pb, err, sizeof err);
    resolution_category_free(&cat);
    if (r < 0)
        return -EINVAL;
    r = playbook_acts(&pb);
    playbook_free(&pb);
    return r;
}

int incidents_gate(Store *st, const char *category, char *reason, size_t size)
{
    GlobalConfigRow g;
    ResolutionCategory cat;
    if (category_repo_global_get(st, &g) < 0 || resolution_category_get(st, category, &cat) < 0)
        return -EIO;
    DecisionInput in = {
        .global_enabled = g.global_enabled, .status = "open", .category = category,
        .category_config = cat.configured ? &cat.cfg : NULL, .confidence = 1.0, .forced = 1,
    };
    Decision d;
    decision_can_auto_resolve(&in, &d);
    resolution_category_free(&cat);
    if (d.verdict == DECISION_SKIP) {
        strlcpy_(reason, d.reason, size);
        return 1;
    }
    return 0;
}

int incidents_run_internal(Store *st, const RunPlan *p, const PlaybookStep *step, int64_t now,
                           StepOutcome *o)
{
    memset(o, 0, sizeof *o);
    o->code = -1;
    if (step->kind == STEP_NOOP) {
        o->ok = 1;
        o->code = 0;
        return 0;
    }
    int64_t sid = step->service_id ? step->service_id : p->inc.service_id;
    if (!sid) {
        snprintf(o->error, sizeof o->error, "No service to act on (the incident has no service_id)");
        return 0;
    }
    char err[160];
    if (step->kind == STEP_SET_STATUS) {
        char why[200];
        snprintf(why, sizeof why, "Auto-resolution of incident %s", p->inc.incident_id);
        int r = services_set_status(st, sid, step->status, SET_BY_USER, AUDIT_SYSTEM_USER, why, now,
                                    err, sizeof err);
        if (r == -EIO)
            return -EIO;
        if (r < 0) {
            snprintf(o->error, sizeof o->error, "Service %lld: %s", (long long)sid, err);
            return 0;
        }
        o->ok = 1;
        o->code = 0;
        o->output = xasprintf("service %lld marked %s", (long long)sid, status_name(step->status));
        return 0;
    }
    /* STEP_ACK_ALERTS: only alerts whose condition has cleared; the rest
     * stay for a human (issue 9 B7), and the ack says a playbook did it */
    int64_t *ids;
    int active = 0;
    int n = incident_repo_cleared_alert_ids(st, sid, &ids, &active);
    if (n < 0)
        return -EIO;
    char by[INCIDENT_ID_MAX + 16];
    snprintf(by, sizeof by, "playbook:%s", p->inc.incident_id);
    int acked = 0;
    for (int i = 0; i < n; i++) {
        int r = alerts_ack(st, ids[i], 1, AUDIT_SYSTEM_USER, by, now, err, sizeof err);
        if (r == -EIO) {
            free(ids);
            return -EIO;
        }
        acked += r == 0;
    }
    free(ids);
    o->ok = 1;
    o->code = 0;
    o->output = xasprintf("%d cleared alert%s of service %lld acknowledged as %s; %d still "
                          "active, left for a human",
                          acked, acked == 1 ? "" : "s", (long long)sid, by, active);
    return 0;
}

int incidents_record_step(Store *st, const RunPlan *p, int step_index, const char *step_id,
                          int attempt, int64_t executed_at, const StepOutcome *o, int64_t now)
{
    const PlaybookStep *s = &p->pb.steps[step_index];
    PlaybookRunRow row = {
        .run = p->run, .step_index = step_index, .attempt = attempt,
        .description = s->description, .action = s->action, .executed_at = executed_at,
        .success = o->ok ? 1 : 0, .error_message = o->ok ? NULL : (char *)o->error,
        .output = o->output, .duration_ms = o->duration_ms,
    };
    strlcpy_(row.incident_id, p->inc.incident_id, sizeof row.incident_id);
    strlcpy_(row.step_id, step_id, sizeof row.step_id);
    cJSON *det = cJSON_CreateObject();
    cJSON_AddNumberToObject(det, "run", p->run);
    cJSON_AddNumberToObject(det, "step", step_index + 1);
    cJSON_AddNumberToObject(det, "steps_total", p->pb.n);
    cJSON_AddStringToObject(det, "step_id", step_id);
    cJSON_AddStringToObject(det, "action", s->action);
    cJSON_AddStringToObject(det, "description", s->description);
    cJSON_AddStringToObject(det, "type", playbook_kind_name(s->kind));
    cJSON_AddNumberToObject(det, "attempt", attempt);
    cJSON_AddNumberToObject(det, "duration_ms", o->duration_ms);
    if (s->kind == STEP_COMMAND)
        cJSON_AddNumberToObject(det, "exit_code", o->code);
    else if (s->kind == STEP_HTTP)
        cJSON_AddNumberToObject(det, "http_status", o->code);
    if (o->timed_out)
        cJSON_AddBoolToObject(det, "timed_out", 1);
    if (o->output)
        cJSON_AddStringToObject(det, "output", o->output);
    if (store_begin(st) < 0) {
        cJSON_Delete(det);
        return -EIO;
    }
    if (playbook_repo_add(st, &row) < 0 ||
        audit(st, p->inc.incident_id, "step_executed", "system", &p->inc.confidence, det, o->ok,
              o->ok ? NULL : o->error, now) < 0 ||
        (o->ok && incident_repo_set_steps_done(st, p->inc.incident_id, step_index + 1, now) < 0)) {
        store_rollback(st);
        return -EIO;
    }
    return store_commit(st) < 0 ? -EIO : 0;
}

int incidents_record_retry(Store *st, const RunPlan *p, int step_index, int next_attempt,
                           int64_t delay_ms, const char *previous_error, int64_t now)
{
    const PlaybookStep *s = &p->pb.steps[step_index];
    cJSON *det = cJSON_CreateObject();
    cJSON_AddNumberToObject(det, "run", p->run);
    cJSON_AddNumberToObject(det, "step", step_index + 1);
    cJSON_AddStringToObject(det, "action", s->action);
    cJSON_AddNumberToObject(det, "attempt", next_attempt);
    cJSON_AddNumberToObject(det, "max_retry_attempts", p->cfg.max_retry_attempts);
    cJSON_AddNumberToObject(det, "delay_ms", (double)delay_ms);
    return audit(st, p->inc.incident_id, "step_retry", "system", &p->inc.confidence, det, 0,
                 previous_error, now);
}

static cJSON *steps_json(const PlaybookRunRow *rows, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        char t[32];
        util_iso8601(rows[i].executed_at, t, sizeof t);
        cJSON_AddStringToObject(o, "step_id", rows[i].step_id);
        cJSON_AddStringToObject(o, "description", rows[i].description ? rows[i].description : "");
        cJSON_AddStringToObject(o, "action", rows[i].action ? rows[i].action : "");
        cJSON_AddStringToObject(o, "executed_at", t);
        cJSON_AddBoolToObject(o, "success", rows[i].success == 1);
        if (rows[i].error_message)
            cJSON_AddStringToObject(o, "error_message", rows[i].error_message);
        else
            cJSON_AddNullToObject(o, "error_message");
        cJSON_AddNumberToObject(o, "attempts", rows[i].attempt);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

/* The creator (and the configured recipients) through the outbox. */
static int notify_creator(Store *st, const RunPlan *p, int nsteps, int64_t now)
{
    GlobalConfigRow g;
    if (category_repo_global_get(st, &g) < 0)
        return -EIO;
    const char *creator = p->inc.created_by && *p->inc.created_by ? p->inc.created_by : "system";
    cJSON *extra = cJSON_Parse(g.notification_recipients);
    StrBuf who = {0};
    strbuf_append(&who, creator);
    const cJSON *e;
    cJSON_ArrayForEach(e, extra) {
        if (cJSON_IsString(e))
            strbuf_appendf(&who, ", %s", e->valuestring);
    }
    char *msg = xasprintf("Incident %s (%s) was auto-resolved in %d step%s; notifying %s",
                          p->inc.incident_id, p->inc.title, nsteps, nsteps == 1 ? "" : "s", who.s);
    strbuf_free(&who);
    NotifyEvent ev = {
        .source = "incident", .id = p->inc.rowid, .event = "resolved",
        .service_id = p->inc.service_id, .service = p->service[0] ? p->service : NULL,
        .type = "auto_resolution", .severity = "Info", .message = msg, .ts = now,
    };
    int r = notify_event(st, &ev, now) < 0 ? -EIO : 0;
    free(msg);
    for (int i = -1; r == 0; i++) {
        const char *to = creator;
        if (i >= 0) {
            const cJSON *x = cJSON_GetArrayItem(extra, i);
            if (!x)
                break;
            if (!cJSON_IsString(x))
                continue;
            to = x->valuestring;
        }
        cJSON *det = cJSON_CreateObject();
        cJSON_AddStringToObject(det, "recipient", to);
        cJSON_AddStringToObject(det, "notification_type", "auto_resolution");
        r = audit(st, p->inc.incident_id, "notification_sent", "system", NULL, det, 1, NULL, now);
    }
    cJSON_Delete(extra);
    return r;
}

int incidents_finish_resolved(Store *st, const RunPlan *p, int64_t now)
{
    PlaybookRunRow *rows = NULL;
    int n = 0;
    if (store_begin(st) < 0)
        return -EIO;
    n = playbook_repo_last_attempts(st, p->inc.incident_id, p->run, &rows);
    if (n < 0)
        goto io_rb;
    cJSON *det = message_details("Incident auto-resolved successfully");
    cJSON_AddItemToObject(det, "resolution_steps", steps_json(rows, n));
    cJSON_AddNumberToObject(det, "step_count", n);
    if (incident_repo_finish(st, p->inc.incident_id, "resolved", "auto_resolved", NULL, now, 1,
                             now) < 0 ||
        audit(st, p->inc.incident_id, "auto_resolution_success", "system", &p->inc.confidence, det,
              1, NULL, now) < 0 ||
        (p->cfg.notification_required && notify_creator(st, p, n, now) < 0) ||
        clear_failed_alert(st, &p->inc, now) < 0)
        goto io_rb;
    playbook_rows_free(rows, n);
    if (store_commit(st) < 0)
        return -EIO;
    wake_all();
    return 0;
io_rb:
    store_rollback(st);
    playbook_rows_free(rows, n > 0 ? n : 0);
    return -EIO;
}

int incidents_finish_failed(Store *st, const RunPlan *p, const char *reason, int64_t now)
{
    char error[600];
    snprintf(error, sizeof error, "Failed to auto-resolve incident: %s", reason);
    cJSON *det = message_details("Auto-resolution failed");
    cJSON_AddNumberToObject(det, "run", p->run);
    cJSON_AddNumberToObject(det, "steps_completed", p->inc.steps_done);
    if (store_begin(st) < 0) {
        cJSON_Delete(det);
        return -EIO;
    }
    int r = incident_repo_finish(st, p->inc.incident_id, "failed", "open", reason, 0, 0, now);
    if (r == 0)
        r = audit(st, p->inc.incident_id, "auto_resolution_failed", "system", &p->inc.confidence,
                  det, 0, error, now);
    else
        cJSON_Delete(det);
    if (r == 0)
        r = raise_failed_alert(st, &p->inc, reason, now);
    if (r < 0) {
        store_rollback(st);
        return -EIO;
    }
    if (store_commit(st) < 0)
        return -EIO;
    wake_all();
    return 0;
}

/* End a run that leaves the incident open (state, why) with its one audit
 * entry, in one transaction, then wake the waiters. Takes det. */
static int finish_open(Store *st, const RunPlan *p, const char *state, const char *why,
                       const char *action, cJSON *det, int success, const char *error,
                       int64_t now)
{
    if (store_begin(st) < 0) {
        cJSON_Delete(det);
        return -EIO;
    }
    if (incident_repo_finish(st, p->inc.incident_id, state, "open", why, 0, 0, now) < 0) {
        cJSON_Delete(det);
        store_rollback(st);
        return -EIO;
    }
    if (audit(st, p->inc.incident_id, action, "system", &p->inc.confidence, det, success, error,
              now) < 0) {
        store_rollback(st);
        return -EIO;
    }
    if (store_commit(st) < 0)
        return -EIO;
    wake_all();
    return 0;
}

int incidents_finish_no_action(Store *st, const RunPlan *p, int64_t now)
{
    char why[300];
    snprintf(why, sizeof why, "No action taken: the %s playbook has no step that acts",
             p->inc.category);
    cJSON *det = message_details(why);
    cJSON_AddNumberToObject(det, "run", p->run);
    cJSON_AddNumberToObject(det, "steps_recorded", p->pb.n);
    return finish_open(st, p, "no_action", why, "auto_resolution_no_action", det, 0, why, now);
}

int incidents_finish_stopped(Store *st, const RunPlan *p, int before_step, const char *reason,
                             int64_t now)
{
    char why[400];
    snprintf(why, sizeof why, "%s (stopped before step %d of %d)", reason, before_step, p->pb.n);
    cJSON *det = message_details("Auto-resolution skipped");
    cJSON_AddStringToObject(det, "reason", reason);
    cJSON_AddNumberToObject(det, "stopped_before_step", before_step);
    cJSON_AddNumberToObject(det, "steps_completed", before_step - 1);
    return finish_open(st, p, "skipped", why, "auto_resolution_skipped", det, 1, NULL, now);
}

typedef struct IdList {
    char  **ids;
    double *conf;
    int     n;
} IdList;

static int collect(void *ctx, const IncidentRec *r)
{
    IdList *l = ctx;
    l->ids = xrealloc(l->ids, (size_t)(l->n + 1) * sizeof *l->ids);
    l->conf = xrealloc(l->conf, (size_t)(l->n + 1) * sizeof *l->conf);
    l->ids[l->n] = xstrdup(r->incident_id);
    l->conf[l->n++] = r->confidence;
    return 0;
}

int incidents_recover(Store *st, int64_t now)
{
    IdList l = {0};
    int r = -EIO;
    if (store_begin(st) < 0)
        return -EIO;
    if (incident_repo_each(st, "resolving", 1000000, 0, collect, &l) < 0 ||
        incident_repo_requeue_resolving(st, now) < 0)
        goto out;
    for (int i = 0; i < l.n; i++)
        if (audit(st, l.ids[i], "auto_resolution_attempted", "system", &l.conf[i],
                  message_details("Resumed after restart: the interrupted run starts again"), 1,
                  NULL, now) < 0)
            goto out;
    r = store_commit(st) < 0 ? -EIO : l.n;
out:
    if (r < 0)
        store_rollback(st);
    for (int i = 0; i < l.n; i++)
        free(l.ids[i]);
    free(l.ids);
    free(l.conf);
    return r;
}

/* ---- from alerts to incidents ------------------------------------------------------ */

int incidents_on_service_down(Store *st, int64_t service_id, const char *why, int64_t now)
{
    char cat[32];
    double conf;
    int r = incident_repo_probe_playbook(st, service_id, cat, sizeof cat, &conf);
    if (r <= 0 || !cat[0])
        return r < 0 ? -EIO : 0;
    if (!decision_in(decision_categories, cat)) {
        log_warn("incidents: service %lld: playbook category '%s' is unknown",
                 (long long)service_id, cat);
        return 0;
    }
    GlobalConfigRow g;
    char name[101] = "";
    int active = incident_repo_count_active_for_service(st, service_id);
    int recent = incident_repo_count_for_service(st, service_id, now - 3600);
    if (active < 0 || recent < 0 || category_repo_global_get(st, &g) < 0 ||
        service_repo_name(st, service_id, name, sizeof name) < 0)
        return -EIO;
    if (active > 0)
        return 0;                      /* already on it */
    /* The seed's default steps only record; "resolving" a Down service
     * with them would tell on-call it was fixed when nothing ran. */
    CategoryRow cr;
    int has = category_repo_get(st, cat, &cr);
    if (has < 0)
        return -EIO;
    int has_playbook = has == 1 && cr.playbook != NULL;
    if (has == 1)
        category_row_free(&cr);
    if (!has_playbook) {
        Playbook fpb;
        char perr[400];
        int f = actions_category(cat, &fpb, perr, sizeof perr);
        if (f > 0)
            playbook_free(&fpb);
        has_playbook = f != 0;        /* a broken one fails the run: a human hears of it */
    }
    if (!has_playbook) {
        char msg[300];
        snprintf(msg, sizeof msg,
                 "%s is Down and names the %s playbook, but no %s playbook is configured: "
                 "a human is needed", name, cat, cat);
        return alerts_raise(st, service_id, ALERT_NO_PLAYBOOK, SEV_CRITICAL, msg, now,
                            NULL) < 0 ? -EIO : 0;
    }
    if (recent >= g.max_incidents_per_service_hour) {
        char msg[300];
        snprintf(msg, sizeof msg,
                 "Auto-resolution paused for %s: %d incidents in the last hour (limit %d); "
                 "a human is needed", name, recent, g.max_incidents_per_service_hour);
        return alerts_raise(st, service_id, ALERT_AUTO_RESOLUTION_LIMIT, SEV_CRITICAL, msg, now,
                            NULL) < 0 ? -EIO : 0;
    }
    char id[64], title[160];
    snprintf(id, sizeof id, "SVC-%lld-%lld", (long long)service_id, (long long)now);
    for (int k = 2; k < 100; k++) {
        IncidentRec x;
        int e = incident_repo_get(st, id, &x);
        if (e < 0)
            return -EIO;
        if (!e)
            break;
        incident_rec_free(&x);
        snprintf(id, sizeof id, "SVC-%lld-%lld-%d", (long long)service_id, (long long)now, k);
    }
    snprintf(title, sizeof title, "Service %s is Down", name[0] ? name : "?");
    IncidentInput in = {
        .incident_id = id, .title = title, .description = why ? why : "", .category = cat,
        .priority = "high", .status = "open", .created_by = "resops",
        .confidence = conf >= 0 ? conf : INCIDENTS_DOWN_CONFIDENCE, .service_id = service_id,
    };
    SubmitResult res;
    char err[200];
    r = incidents_submit(st, &in, "engine", 0, now, &res, err, sizeof err);
    if (r < 0) {
        log_error("incidents: cannot open an incident for service %lld: %s",
                  (long long)service_id, err);
        return r == -EIO ? -EIO : 0;
    }
    return 1;
}

int incidents_set_service_playbook(Store *st, int64_t service_id, const char *category,
                                   double confidence, int64_t user_id, int64_t now, char *err,
                                   size_t errsz)
{
    if (category && !decision_in(decision_categories, category)) {
        snprintf(err, errsz, "Invalid category: %s", category);
        return -EINVAL;
    }
    if (confidence > 1.0 || isnan(confidence)) {
        snprintf(err, errsz, "Confidence score must be between 0.0 and 1.0");
        return -EINVAL;
    }
    if (store_begin(st) < 0)
        goto io;
    int r = incident_repo_set_probe_playbook(st, service_id, category, confidence);
    if (r < 0)
        goto io_rb;
    if (r == 0) {
        store_rollback(st);
        snprintf(err, errsz, "Service has no probe");
        return -ENOENT;
    }
    char detail[120];
    if (category)
        snprintf(detail, sizeof detail, "category %s, confidence %.2f", category,
                 confidence >= 0 ? confidence : INCIDENTS_DOWN_CONFIDENCE);
    else
        snprintf(detail, sizeof detail, "removed");
    if (audit_repo_add(st, "Playbook Updated", "Service", service_id, user_id, detail, now) < 0)
        goto io_rb;
    if (store_commit(st) < 0)
        goto io;
    return 0;
io_rb:
    store_rollback(st);
io:
    snprintf(err, errsz, IO_ERROR);
    return -EIO;
}
