/* sectasks — seed 003's ML agent outputs, aggregate scores and LLM
 * results (sec_ml_output), tracking tasks (sec_task) and export marks:
 * the write side of secresponse.h that does not run anything. Each write
 * is one short transaction with its audit row where it decides something.
 */
#include "domain/secresponse.h"
#include "domain/secresp_priv.h"
#include "domain/decision.h"
#include "domain/errors.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

int secresponse_ml_output(Store *st, const char *alert_id, const char *kind, const char *agent,
                          int has_score, double score, const char *body, const char *actor,
                          int64_t now, int64_t *out_id, char *err, size_t errsz)
{
    if (!kind || (strcmp(kind, "agent") && strcmp(kind, "aggregate") && strcmp(kind, "llm"))) {
        snprintf(err, errsz, "Unknown output kind");
        return -EINVAL;
    }
    if (has_score && !isfinite(score)) {
        snprintf(err, errsz, "Field 'score' must be a finite number");
        return -EINVAL;
    }
    SecRespAlert a = {0};
    int r = secresp_alert_find(st, alert_id, &a, err, errsz);
    if (r < 0)
        return r;
    int64_t id = secresp_repo_ml_add(st, a.seq, kind, agent, has_score, score, body, actor, now);
    secresp_alert_free(&a);
    if (id < 0) {
        snprintf(err, errsz, DOMAIN_IO_ERROR);
        return -EIO;
    }
    *out_id = id;
    return 0;
}

static int valid_task_state(const char *s)
{
    static const char *const states[] = {"open", "in_progress", "done", "cancelled", NULL};
    return decision_in(states, s);
}

int secresponse_task_create(Store *st, const char *title, const char *assignee,
                            const char *alert_id, const char *meta, const char *actor,
                            int64_t now, SecTaskRow *out, char *err, size_t errsz)
{
    size_t tl = title ? util_utf8_len(title) : 0;
    if (tl < 1 || tl > 500 || !util_utf8_valid(title, strlen(title))) {
        snprintf(err, errsz, "Field 'title' must be 1 to 500 characters");
        return -EINVAL;
    }
    if (assignee && (strlen(assignee) > 100 || !*assignee)) {
        snprintf(err, errsz, "Field 'assignee' must be 1 to 100 characters");
        return -EINVAL;
    }
    int64_t seq = 0;
    if (alert_id) {
        SecRespAlert a = {0};
        int r = secresp_alert_find(st, alert_id, &a, err, errsz);
        seq = a.seq;
        secresp_alert_free(&a);
        if (r < 0)
            return r;
    }
    int r = -EIO;
    if (store_begin(st) == 0) {
        int64_t id = secresp_repo_task_add(st, title, assignee, alert_id, meta, actor, now);
        if (id > 0 && secresp_audit(st, now, "Security Task Created", seq, actor, "task %lld: %.300s%s%s",
                            (long long)id, title, assignee ? " for " : "",
                            assignee ? assignee : "") == 0) {
            if (store_commit(st) == 0)
                r = secresp_repo_task_get(st, id, out) == 1 ? 0 : -EIO;
        } else
            store_rollback(st);
    }
    if (r < 0)
        snprintf(err, errsz, DOMAIN_IO_ERROR);
    return r;
}

int secresponse_task_update(Store *st, int64_t id, const char *state, int set_assignee,
                            const char *assignee, const char *actor, int64_t now,
                            SecTaskRow *out, char *err, size_t errsz)
{
    if (state && !valid_task_state(state)) {
        snprintf(err, errsz, "Field 'state' must be one of open, in_progress, done, cancelled");
        return -EINVAL;
    }
    if (set_assignee && assignee && (strlen(assignee) > 100 || !*assignee)) {
        snprintf(err, errsz, "Field 'assignee' must be 1 to 100 characters");
        return -EINVAL;
    }
    if (store_begin(st) < 0) {
        snprintf(err, errsz, DOMAIN_IO_ERROR);
        return -EIO;
    }
    int r = secresp_repo_task_update(st, id, state, set_assignee, assignee, now);
    if (r == 0)
        r = secresp_audit(st, now, "Security Task Updated", 0, actor, "task %lld:%s%s%s%s", (long long)id,
                  state ? " state " : "", state ? state : "", set_assignee ? " assignee " : "",
                  set_assignee ? (assignee ? assignee : "(none)") : "");
    if (r < 0) {
        store_rollback(st);
        snprintf(err, errsz, r == -ENOENT ? "Task %lld not found" : DOMAIN_IO_ERROR,
                 (long long)id);
        return r;
    }
    if (store_commit(st) < 0 || secresp_repo_task_get(st, id, out) != 1) {
        snprintf(err, errsz, DOMAIN_IO_ERROR);
        return -EIO;
    }
    return 0;
}

int secresponse_export_ready(Store *st, const char *alert_id, const char *actor, int64_t now)
{
    SecRespAlert a = {0};
    int r = secresp_alert_find(st, alert_id, &a, NULL, 0);
    if (r < 0)
        return r;
    r = -EIO;
    if (store_begin(st) == 0) {
        if (secresp_repo_alert_export_ready(st, a.seq, now) == 0 &&
            secresp_audit(st, now, "Security Export Ready", a.seq, actor, "%s marked ready for export",
                  a.id) == 0)
            r = store_commit(st) < 0 ? -EIO : 0;
        else
            store_rollback(st);
    }
    secresp_alert_free(&a);
    return r;
}
