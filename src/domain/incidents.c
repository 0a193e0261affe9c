/* incidents — see incidents.h.
 *
 * How it works: the decision is the pure decision_can_auto_resolve() over the rows
 * read in the same transaction that records its outcome, so what the
 * audit says is what was decided. Submission makes the decision without
 * the concurrency check (an incident never waits in the API for a slot it
 * may never get: it is queued); the runner's claim (incident_runs.c) makes
 * it again with the running count, because configuration and the kill
 * switch may change while an incident waits.
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
#include "domain/incidents_priv.h"
#include "domain/resolution.h"
#include "store/category_repo.h"
#include "store/incident_audit_repo.h"
#include "store/service_repo.h"
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

void incidents_wake_all(void)
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

int incidents_is_pending(const IncidentRec *r)
{
    return strcmp(r->state, "resolving") == 0 ||
           (strcmp(r->state, "open") == 0 && r->queued_at != 0);
}

static int closed_status(const char *status)
{
    return !strcmp(status, "auto_resolved") || !strcmp(status, "manually_resolved") ||
           !strcmp(status, "closed");
}

int incidents_audit(Store *st, const char *incident_id, const char *action, const char *actor,
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

cJSON *incidents_message(const char *message)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "message", message);
    return d;
}

int incidents_decide(Store *st, const IncidentRec *rec, int forced, int running, int limit,
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

int incidents_audit_skip(Store *st, const IncidentRec *rec, const Decision *d, int64_t now)
{
    cJSON *det = incidents_message("Auto-resolution skipped");
    cJSON_AddStringToObject(det, "reason", d->reason);
    return incidents_audit(st, rec->incident_id, "auto_resolution_skipped", "system",
                           &rec->confidence, det, 1, NULL, now);
}

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
        if (me.rc != -EIO)                /* refusals are audited rows too */
            store_note_wrote(st);         /* on its connection: our answer syncs it */
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

    cJSON *det = incidents_message("Auto-resolution process initiated");
    cJSON_AddStringToObject(det, "category", rec->category);
    cJSON_AddStringToObject(det, "priority", rec->priority);
    cJSON_AddStringToObject(det, "requested_by", requested_by ? requested_by : "system");
    if (forced)
        cJSON_AddBoolToObject(det, "forced", 1);
    if (incidents_audit(st, rec->incident_id, "auto_resolution_attempted",
                        requested_by ? requested_by : "system", &rec->confidence, det, 1, NULL,
                        now) < 0)
        return -EIO;
    if (skip) {
        if (incidents_audit_skip(st, rec, d, now) < 0)
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
    if (got && incidents_is_pending(&old)) {
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
    if (incidents_decide(st, &rec, forced, 0, 0, &cat, &d) < 0)
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
    if (r == 0 || incidents_is_pending(&rec)) {
        store_rollback(st);
        snprintf(err, errsz, "%s", r == 0 ? "Incident not found" : MSG_IN_PROGRESS);
        incident_rec_free(&rec);
        return r == 0 ? -ENOENT : -EBUSY;
    }
    char reason[120];
    snprintf(reason, sizeof reason, "Resolved by hand by %s", actor ? actor : "system");
    cJSON *det = incidents_message("Incident resolved by hand");
    cJSON_AddStringToObject(det, "previous_state", rec.state);
    if (incident_repo_finish(st, id, "resolved", "manually_resolved", reason, now, 0, now) < 0 ||
        incidents_audit(st, id, "manually_resolved", actor, &rec.confidence, det, 1, NULL,
                        now) < 0 ||
        incidents_clear_failed_alert(st, &rec, now) < 0)
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
    out->done = !incidents_is_pending(&rec);
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

int incidents_playbook_acts(Store *st, const char *category)
{
    ResolutionCategory cat;
    if (resolution_category_get(st, category, &cat) < 0)
        return -EIO;
    Playbook pb;
    char err[600];
    int r = incidents_plan_playbook(&cat, category, &pb, err, sizeof err);
    resolution_category_free(&cat);
    if (r < 0)
        return -EINVAL;
    r = playbook_acts(&pb);
    playbook_free(&pb);
    return r;
}
