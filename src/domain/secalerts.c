/* secalerts — see secalerts.h.
 *
 * Ingestion inserts the raw row through store_group_commit (durable when
 * it returns) and wakes the pipeline. The pipeline (secalerts_process, on
 * its own thread with its own Store) takes alerts in stage "received" in
 * batches, one transaction a batch: secnorm_normalize() -> the stored
 * Normalized form -> similarity_embed_text() of title, description and
 * observables -> similarity_put() -> triage (domain/triage.c over the k
 * nearest earlier alerts and their latest verdicts) -> route, group,
 * escalate (secresponse_escalate, run after the commit: it takes the
 * incident submission turn, which comes before a transaction). The
 * parsing, normalizing and embedding of a batch happen before its write
 * transaction. The triage endpoint, a submitted normalized form and the
 * trigger reuse the same steps.
 */
#include "domain/secalerts.h"
#include "domain/errors.h"
#include "domain/secnorm.h"
#include "domain/secresponse.h"
#include "domain/similarity.h"
#include "domain/triage.h"
#include "store/audit_repo.h"
#include "store/embedding_repo.h"
#include "store/secalert_repo.h"
#include "log.h"
#include "util.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ENCODER_BUILTIN "builtin-hash-v1"
#define SEC_K_MAX 50

/* ---- the pipeline's wake-up ------------------------------------------ */

static pthread_mutex_t kick_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t  kick_cv = PTHREAD_COND_INITIALIZER;
static unsigned long   kicks;

void secalerts_kick(void)
{
    pthread_mutex_lock(&kick_mu);
    kicks++;
    pthread_cond_broadcast(&kick_cv);
    pthread_mutex_unlock(&kick_mu);
}

int secalerts_wait_kick(int timeout_ms)
{
    static __thread unsigned long seen;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&kick_mu);
    while (kicks == seen) {
        if (pthread_cond_timedwait(&kick_cv, &kick_mu, &ts) != 0)
            break;
    }
    int woken = kicks != seen;
    seen = kicks;
    pthread_mutex_unlock(&kick_mu);
    return woken;
}

/* ---- ingestion ------------------------------------------------------- */

int secalerts_id_valid(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > SECALERT_ID_MAX)
        return 0;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || strchr("/?#%\\\"", *p))
            return 0;
    return 1;
}

static void new_id(char *out, size_t size)
{
    unsigned char b[8];
    randombytes_buf(b, sizeof b);
    char hex[17];
    sodium_bin2hex(hex, sizeof hex, b, sizeof b);
    snprintf(out, size, "sec-%s", hex);
}

typedef struct IngestJob {
    const SecIngest *in;
    SecIngested     *out;
    int              n;
    int64_t          now;
    int              failed;      /* index of the item that failed */
} IngestJob;

static int ingest_fn(Store *conn, void *arg)
{
    IngestJob *j = arg;
    for (int i = 0; i < j->n; i++) {
        const SecIngest *in = &j->in[i];
        int64_t seq = secalert_repo_insert(conn, j->out[i].id, in->source ? in->source : "raw",
                                           in->content_type ? in->content_type
                                                            : "application/json",
                                           in->raw, in->raw_len, in->fingerprint, j->now);
        if (seq < 0) {
            j->failed = i;
            return (int)seq;
        }
    }
    return 0;
}

int secalerts_ingest_many(Store *st, const SecIngest *in, int n, SecIngested *out, char *err,
                          size_t errsz)
{
    if (n <= 0) {
        snprintf(err, errsz, "No alert to ingest");
        return -EINVAL;
    }
    int64_t now = util_now();
    for (int i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        if (in[i].id && *in[i].id) {
            if (!secalerts_id_valid(in[i].id)) {
                snprintf(err, errsz,
                         "Alert id must be 1 to %d printable characters without spaces or "
                         "any of / ? # %% \\ \"",
                         SECALERT_ID_MAX);
                return -EINVAL;
            }
            snprintf(out[i].id, sizeof out[i].id, "%s", in[i].id);
        } else {
            new_id(out[i].id, sizeof out[i].id);
        }
        if (!in[i].raw || in[i].raw_len == 0) {
            snprintf(err, errsz, "The payload is empty");
            return -EINVAL;
        }
        for (int k = 0; k < i; k++)
            if (strcmp(out[k].id, out[i].id) == 0) {
                snprintf(err, errsz, "Alert '%s' already exists", out[i].id);
                return -EEXIST;
            }
        snprintf(out[i].location, sizeof out[i].location, "/api/objects/raw/%s", out[i].id);
        out[i].received_at = now;
    }
    IngestJob j = {.in = in, .out = out, .n = n, .now = now, .failed = -1};
    int rc = store_group_commit(st, ingest_fn, &j);
    if (rc == -EEXIST) {
        snprintf(err, errsz, "Alert '%s' already exists", out[j.failed >= 0 ? j.failed : 0].id);
        return -EEXIST;
    }
    if (rc < 0) {
        snprintf(err, errsz, DOMAIN_IO_ERROR);
        return -EIO;
    }
    secalerts_kick();
    return 0;
}

int secalerts_ingest(Store *st, const SecIngest *in, SecIngested *out, char *err, size_t errsz)
{
    return secalerts_ingest_many(st, in, 1, out, err, errsz);
}

int secalerts_close_fingerprint(Store *st, const char *fingerprint, int64_t now)
{
    if (!fingerprint || !*fingerprint)
        return 0;
    int n = secalert_repo_close_fingerprint(st, fingerprint, now);
    return n < 0 ? -EIO : n;
}

int secalerts_raw(Store *st, const char *id, char **raw, size_t *len, char **content_type)
{
    int rc = secalert_repo_raw(st, id, raw, len, content_type);
    return rc < 0 ? -EIO : rc == 0 ? -ENOENT : 0;
}

/* ---- reads ----------------------------------------------------------- */

void secalerts_free(SecAlert *a)
{
    if (!a)
        return;
    free(a->id);
    free(a->source);
    free(a->stage);
    free(a->severity);
    free(a->title);
    free(a->route);
    free(a->fingerprint);
    free(a->incident_id);
    free(a->normalized);
    free(a->reason);
    free(a->verdict);
    memset(a, 0, sizeof *a);
}

void secalerts_free_list(SecAlert *a, int n)
{
    for (int i = 0; a && i < n; i++)
        secalerts_free(&a[i]);
    free(a);
}

int secalerts_get(Store *st, const char *id, SecAlert *out)
{
    int rc = secalert_repo_get(st, id, 0, out);
    return rc < 0 ? -EIO : rc == 0 ? -ENOENT : 0;
}

int secalerts_list(Store *st, const SecFilter *f, SecAlert **out, int *n, int64_t *total)
{
    int c = secalert_repo_list(st, f, out, total);
    if (c < 0) {
        *n = 0;
        return -EIO;
    }
    *n = c;
    return c;
}

int secalerts_verdicts(Store *st, const char *id, SecVerdict **out, int *n)
{
    *out = NULL;
    *n = 0;
    int64_t seq = secalert_repo_seq(st, id);
    if (seq < 0)
        return -EIO;
    if (seq == 0)
        return -ENOENT;
    int c = secalert_repo_verdicts(st, seq, out);
    if (c < 0)
        return -EIO;
    *n = c;
    return 0;
}

void secalerts_verdicts_free(SecVerdict *v, int n)
{
    for (int i = 0; v && i < n; i++) {
        free(v[i].notes);
        free(v[i].actor);
    }
    free(v);
}

/* ---- thresholds ------------------------------------------------------ */

static const SecThresholds th_defaults = {79, 90, 5, 0.97, 600};

static int th_get_num(Store *st, const char *key, double *v)
{
    char buf[64];
    int rc = secalert_repo_config_get(st, key, buf, sizeof buf);
    if (rc <= 0)
        return rc;
    char *end;
    double d = strtod(buf, &end);
    if (end == buf || !isfinite(d))
        return 0;
    *v = d;
    return 1;
}

int secalerts_thresholds(Store *st, SecThresholds *out)
{
    *out = th_defaults;
    double v;
    int rc;
    if ((rc = th_get_num(st, "security.triage_threshold", &v)) < 0)
        return -EIO;
    if (rc)
        out->triage_threshold = (int)v;
    if ((rc = th_get_num(st, "security.escalation_threshold", &v)) < 0)
        return -EIO;
    if (rc)
        out->escalation_threshold = (int)v;
    if ((rc = th_get_num(st, "security.k", &v)) < 0)
        return -EIO;
    if (rc)
        out->k = (int)v;
    if ((rc = th_get_num(st, "security.group_similarity", &v)) < 0)
        return -EIO;
    if (rc)
        out->group_similarity = v;
    if ((rc = th_get_num(st, "security.group_window_s", &v)) < 0)
        return -EIO;
    if (rc)
        out->group_window_s = (int)v;
    return 0;
}

/* An integer field of the patch in [min, max]: 1 set, 0 absent, -1 (err). */
static int patch_int(const cJSON *o, const char *key, int min, int max, int *out, char *err,
                     size_t errsz)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        return 0;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble != floor(v->valuedouble) ||
        v->valuedouble < min || v->valuedouble > max) {
        if (max == INT32_MAX)
            snprintf(err, errsz, "Field '%s' must be an integer of at least %d", key, min);
        else
            snprintf(err, errsz, "Field '%s' must be an integer from %d to %d", key, min, max);
        return -1;
    }
    *out = (int)v->valuedouble;
    return 1;
}

int secalerts_thresholds_patch(Store *st, const char *json, const char *actor, int64_t now,
                               SecThresholds *out, char *err, size_t errsz)
{
    cJSON *o = cJSON_Parse(json ? json : "");
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        snprintf(err, errsz, "Request body must be a JSON object");
        return -EINVAL;
    }
    static const char *const known[] = {"triage_threshold", "escalation_threshold", "k",
                                        "group_similarity", "group_window_s"};
    const cJSON *it;
    cJSON_ArrayForEach(it, o) {
        size_t i = 0;
        while (i < sizeof known / sizeof known[0] && strcmp(it->string, known[i]) != 0)
            i++;
        if (i == sizeof known / sizeof known[0]) {
            snprintf(err, errsz, "Unknown field '%.60s'", it->string);
            cJSON_Delete(o);
            return -EINVAL;
        }
    }
    SecThresholds t;
    if (secalerts_thresholds(st, &t) < 0) {
        cJSON_Delete(o);
        snprintf(err, errsz, DOMAIN_IO_ERROR);
        return -EIO;
    }
    int bad = patch_int(o, "triage_threshold", 0, 100, &t.triage_threshold, err, errsz) < 0 ||
              patch_int(o, "escalation_threshold", 0, 100, &t.escalation_threshold, err,
                        errsz) < 0 ||
              patch_int(o, "k", 1, SEC_K_MAX, &t.k, err, errsz) < 0 ||
              patch_int(o, "group_window_s", 0, INT32_MAX, &t.group_window_s, err, errsz) < 0;
    const cJSON *gs = cJSON_GetObjectItemCaseSensitive(o, "group_similarity");
    if (!bad && gs) {
        if (!cJSON_IsNumber(gs) || !isfinite(gs->valuedouble) || gs->valuedouble < 0 ||
            gs->valuedouble > 1) {
            snprintf(err, errsz, "Field 'group_similarity' must be a number from 0 to 1");
            bad = 1;
        } else {
            t.group_similarity = gs->valuedouble;
        }
    }
    if (!bad && t.triage_threshold > t.escalation_threshold) {
        /* a field not given keeps its stored value, so the pair is checked
         * as it would be stored */
        snprintf(err, errsz,
                 "triage_threshold (%d) must not be greater than escalation_threshold (%d)",
                 t.triage_threshold, t.escalation_threshold);
        bad = 1;
    }
    char *detail = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (bad) {
        free(detail);
        return -EINVAL;
    }
    char v[5][32];
    snprintf(v[0], sizeof v[0], "%d", t.triage_threshold);
    snprintf(v[1], sizeof v[1], "%d", t.escalation_threshold);
    snprintf(v[2], sizeof v[2], "%d", t.k);
    snprintf(v[3], sizeof v[3], "%.6g", t.group_similarity);
    snprintf(v[4], sizeof v[4], "%d", t.group_window_s);
    static const char *const keys[] = {"security.triage_threshold",
                                       "security.escalation_threshold", "security.k",
                                       "security.group_similarity", "security.group_window_s"};
    int rc = store_begin(st);
    for (int i = 0; rc == 0 && i < 5; i++)
        rc = secalert_repo_config_set(st, keys[i], v[i]);
    if (rc == 0)
        rc = audit_repo_add_as(st, "Security Thresholds Updated", "SecThresholds", 0, 0, actor,
                               detail, now);
    free(detail);
    if (rc == 0)
        rc = store_commit(st);
    else
        store_rollback(st);
    if (rc < 0) {
        snprintf(err, errsz, DOMAIN_IO_ERROR);
        return -EIO;
    }
    *out = t;
    return 0;
}

/* ---- the pipeline: normalize, embed, triage -------------------------- */

static char *print_or(const cJSON *v, const char *def)
{
    return v ? cJSON_PrintUnformatted(v) : strdup(def);
}

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The text embedded: title, description and observables' values. */
static char *embed_text(const cJSON *norm)
{
    size_t cap = 256, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    buf[0] = '\0';
    const char *parts[2] = {str_of(norm, "title"), str_of(norm, "description")};
    const cJSON *obs = cJSON_GetObjectItemCaseSensitive(norm, "observables");
    int nobs = cJSON_IsArray(obs) ? cJSON_GetArraySize(obs) : 0;
    for (int i = 0; i < 2 + nobs; i++) {
        const char *s = i < 2 ? parts[i] : str_of(cJSON_GetArrayItem(obs, i - 2), "value");
        if (!s || !*s)
            continue;
        size_t n = strlen(s);
        if (len + n + 2 > cap) {
            while (len + n + 2 > cap)
                cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                return NULL;
            }
            buf = nb;
        }
        if (len)
            buf[len++] = ' ';
        memcpy(buf + len, s, n);
        len += n;
        buf[len] = '\0';
    }
    return buf;
}

static double round4(double v) { return round(v * 10000.0) / 10000.0; }

/* Escalations decided inside a transaction, run after its commit
 * (secresponse_escalate takes the incident submission turn, which must be
 * taken before a transaction, never inside one). */
typedef struct EscPending {
    char id[SECALERT_ID_MAX + 1];
    int  s0;
} EscPending;
typedef struct EscList {
    EscPending *v;
    int         n, cap;
} EscList;

static void esc_add(EscList *l, const char *id, int s0)
{
    if (!l)
        return;
    if (l->n == l->cap) {
        int ncap = l->cap ? l->cap * 2 : 8;
        EscPending *nv = realloc(l->v, (size_t)ncap * sizeof *nv);
        if (!nv) {
            log_warn("secalerts: out of memory: %s not escalated", id);
            return;
        }
        l->v = nv;
        l->cap = ncap;
    }
    snprintf(l->v[l->n].id, sizeof l->v[l->n].id, "%s", id);
    l->v[l->n++].s0 = s0;
}

/* Run them (after the commit) and empty the list. */
static void esc_run(Store *st, EscList *l, const char *actor, int64_t now)
{
    for (int i = 0; i < l->n; i++) {
        char inc[64];
        int e = secresponse_escalate(st, l->v[i].id, l->v[i].s0, actor, now, inc, sizeof inc);
        if (e < 0 && e != -EEXIST)
            log_warn("secalerts: escalating %s: error %d", l->v[i].id, e);
    }
    l->n = 0;
}

static void esc_free(EscList *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* The k nearest alerts earlier than seq (vec is its vector) through an
 * unfiltered search of 2k + 1 (cheaper than a filtered one in the HNSW
 * index: in the pipeline the later alerts are mostly not indexed yet):
 * the count, or -1 when the answer may be incomplete (the caller asks
 * similarity_of, which filters). */
static int earlier_neighbours(Store *st, int64_t seq, const float *vec, int k, SimHit *out)
{
    int want = 2 * k + 1;
    SimHit *all = malloc((size_t)want * sizeof *all);
    if (!all)
        return -1;
    int n = similarity_search_ef(st, vec, want, SIMILARITY_EF_TRIAGE(want), all);
    int m = 0;
    for (int i = 0; i < n && m < k; i++)
        if (all[i].seq < seq)
            out[m++] = all[i];
    free(all);
    if (n < 0 || (m < k && n == want))
        return -1;
    return m;
}

/* The k nearest earlier alerts of alert a (vec: its vector, NULL = the
 * stored one) with what triage weighs: their count in nb/info, or -EIO. */
static int load_neighbours(Store *st, const SecAlert *a, const float *vec, int k,
                           TriageNeighbour *nb, SecNeighbour *info)
{
    SimHit hits[SEC_K_MAX];
    int n = vec ? earlier_neighbours(st, a->seq, vec, k, hits) : -1;
    if (n < 0)
        n = similarity_of(st, a->seq, k, a->seq, hits);
    if (n < 0)
        n = 0;   /* no vector yet (normalization failed): no neighbours */
    int m = 0;
    for (int i = 0; i < n; i++) {
        int rc = secalert_repo_neighbour(st, hits[i].seq, &info[m]);
        if (rc < 0)
            return -EIO;
        if (rc == 0)
            continue;
        nb[m] = (TriageNeighbour){
            .score = hits[i].score,
            .verdict = triage_verdict_parse(info[m].verdict),
            .confidence = info[m].confidence,
            .age_s = a->received_at - info[m].received_at,
            .seq = info[m].seq,
            .group_of = info[m].group_of,
        };
        m++;
    }
    return m;
}

/* The decision's reason as JSON text (malloc'd): the seed's three
 * figures, then ours, the neighbours and the group joined. */
static char *reason_json(Store *st, const TriageResult *res, int k, const char *override_word,
                         const TriageNeighbour *nb, const SecNeighbour *info, int m,
                         int64_t group)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddNumberToObject(r, "similarity_mean", round4(res->similarity_mean));
    cJSON_AddNumberToObject(r, "severity_base", res->severity_base);
    cJSON_AddNumberToObject(r, "recency_factor", round4(res->recency_factor));
    cJSON_AddNumberToObject(r, "verdict_adjustment", round4(res->verdict_adjust));
    cJSON_AddNumberToObject(r, "tp_neighbours", res->tp_neighbours);
    cJSON_AddNumberToObject(r, "fp_neighbours", res->fp_neighbours);
    cJSON_AddNumberToObject(r, "k", k);
    if (override_word)
        cJSON_AddStringToObject(r, "severity_override", override_word);
    cJSON *arr = cJSON_AddArrayToObject(r, "neighbours");
    for (int i = 0; i < m; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "alert_id", info[i].id);
        cJSON_AddNumberToObject(o, "score", round4(nb[i].score));
        if (info[i].verdict[0])
            cJSON_AddStringToObject(o, "verdict", info[i].verdict);
        else
            cJSON_AddNullToObject(o, "verdict");
        cJSON_AddItemToArray(arr, o);
    }
    if (group > 0) {
        SecNeighbour head;
        if (secalert_repo_neighbour(st, group, &head) == 1)
            cJSON_AddStringToObject(r, "grouped_under", head.id);
    }
    char *reason = cJSON_PrintUnformatted(r);
    cJSON_Delete(r);
    return reason;
}

/* Triage alert seq now (severity_id >= 0 overrides its own) and store
 * the outcome; *res and *reason (malloc'd JSON text, may be NULL) for the
 * caller. 0, -ENOENT, -EIO. */
static int triage_alert(Store *st, int64_t seq, const float *vec, int severity_override,
                        const char *override_word, const SecThresholds *th, int64_t now,
                        TriageResult *res, char **reason_out, EscList *esc)
{
    SecAlert a;
    int rc = secalert_repo_get(st, NULL, seq, &a);
    if (rc <= 0)
        return rc < 0 ? -EIO : -ENOENT;
    int k = th->k < 1 ? 1 : th->k > SEC_K_MAX ? SEC_K_MAX : th->k;
    TriageNeighbour nb[SEC_K_MAX];
    SecNeighbour info[SEC_K_MAX];
    int m = load_neighbours(st, &a, vec, k, nb, info);
    if (m < 0) {
        secalerts_free(&a);
        return -EIO;
    }
    int sev = severity_override >= 0 ? severity_override : a.severity_id < 0 ? 0 : a.severity_id;
    int64_t event_at = a.event_at ? a.event_at : a.received_at;
    triage_score(sev, nb, m, now - event_at, th->triage_threshold, res);

    /* grouping: leave the old group, join the near-duplicate's (a head of
     * a group stays one) */
    int which = -1;
    int64_t group = 0;
    if (a.group_of > 0 && secalert_repo_group_leave(st, seq) < 0) {
        secalerts_free(&a);
        return -EIO;
    }
    if (a.group_count == 0)
        group = triage_group(nb, m, th->group_similarity, th->group_window_s, &which);

    char *reason = reason_json(st, res, k, override_word, nb, info, m, group);
    rc = secalert_repo_set_triage(st, seq, res->s0, res->route, res->s1, reason, group, now);
    if (rc == 0 && group > 0)
        rc = secalert_repo_group_add(st, group);
    if (rc < 0) {
        free(reason);
        secalerts_free(&a);
        return -EIO;
    }
    /* escalation: a verdict-routed alert at or above the threshold, not a
     * near-duplicate, without an incident yet */
    if (group == 0 && strcmp(res->route, "verdict") == 0 &&
        res->s0 >= th->escalation_threshold && !(a.incident_id && *a.incident_id))
        esc_add(esc, a.id, res->s0);
    secalerts_free(&a);
    if (reason_out)
        *reason_out = reason;
    else
        free(reason);
    return 0;
}

/* The built-in embedding of a Normalized document: malloc'd
 * similarity_dim() floats, or NULL (out of memory). No Store. */
static float *embed_doc(const cJSON *doc)
{
    const cJSON *norm = cJSON_GetObjectItemCaseSensitive(doc, "normalized");
    float *v = malloc((size_t)similarity_dim() * sizeof *v);
    char *text = embed_text(norm);
    if (!v || !text) {
        free(v);
        free(text);
        return NULL;
    }
    similarity_embed_text(text, v);
    free(text);
    return v;
}

/* Store a Normalized document (doc: {original?, mappings?, normalized})
 * of alert seq, its vector (vec, or NULL: embedded here) and triage it.
 * 0, -EIO. */
static int apply_normalized(Store *st, int64_t seq, cJSON *doc, const float *vec,
                            int64_t received_at, const SecThresholds *th, int64_t now,
                            EscList *esc)
{
    cJSON *norm = cJSON_GetObjectItemCaseSensitive(doc, "normalized");
    const char *sev = str_of(norm, "severity");
    const cJSON *sid = cJSON_GetObjectItemCaseSensitive(norm, "severity_id");
    int severity_id = cJSON_IsNumber(sid) && sid->valuedouble >= 0 && sid->valuedouble <= 6
                          ? (int)sid->valuedouble
                          : secnorm_severity_id(sev);
    if (!cJSON_IsNumber(sid))
        cJSON_AddNumberToObject(norm, "severity_id", severity_id);
    int64_t event_at = 0;
    const char *ts = str_of(norm, "timestamp");
    if (!ts || util_parse_iso8601(ts, &event_at) != 0)
        event_at = received_at;
    char *original = print_or(cJSON_GetObjectItemCaseSensitive(doc, "original"), "{}");
    char *mappings = print_or(cJSON_GetObjectItemCaseSensitive(doc, "mappings"), "[]");
    char *normalized = cJSON_PrintUnformatted(norm);
    int rc = original && mappings && normalized
                 ? secalert_repo_set_normalized(st, seq, original, mappings, normalized,
                                                sev ? sev : secnorm_severity_word(severity_id),
                                                severity_id, str_of(norm, "title"), event_at,
                                                now)
                 : -EIO;
    free(original);
    free(mappings);
    free(normalized);
    if (rc < 0)
        return -EIO;

    /* A vector a model posted is kept: only the built-in one (or none)
     * follows a new normalized form. */
    int model = embedding_repo_from_model(st, seq, ENCODER_BUILTIN);
    if (model < 0)
        return -EIO;
    float *own = NULL;
    if (model) {
        own = malloc(sizeof *own * (size_t)similarity_dim());
        if (!own || embedding_repo_get(st, seq, own, similarity_dim()) != 1) {
            free(own);
            return -EIO;
        }
        vec = NULL;
    } else if (!vec && !(own = embed_doc(doc))) {
        return -EIO;
    }
    char err[160];
    rc = model ? 0
               : similarity_put(st, seq, vec ? vec : own, similarity_dim(), ENCODER_BUILTIN,
                                NULL, now, err, sizeof err);
    if (rc < 0) {
        log_warn("secalerts: embedding alert %lld: %s", (long long)seq, err);
        if (rc == -EIO) {
            free(own);
            return -EIO;
        }
    }
    TriageResult res;
    rc = triage_alert(st, seq, rc == 0 ? (vec ? vec : own) : NULL, -1, NULL, th, now, &res, NULL,
                      esc);
    free(own);
    return rc == -ENOENT ? 0 : rc;
}

/* One pending alert normalized and embedded, before the transaction. */
typedef struct Prepared {
    cJSON *doc;       /* NULL: normalization failed (err) */
    float *vec;       /* NULL: embed in the transaction */
    char   err[200];
} Prepared;

static void prepare(const SecPending *p, Prepared *out)
{
    out->err[0] = '\0';
    out->vec = NULL;
    out->doc = secnorm_normalize(p->source, p->raw, p->len, p->content_type,
                                 (long long)p->received_at, out->err, sizeof out->err);
    if (out->doc && !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(out->doc, "normalized"))) {
        cJSON_Delete(out->doc);
        out->doc = NULL;
    }
    if (out->doc)
        out->vec = embed_doc(out->doc);
}

/* Store one prepared alert. 0 (done or failed: stage says which), -EIO. */
static int store_prepared(Store *st, const SecPending *p, const Prepared *pr,
                          const SecThresholds *th, int64_t now, EscList *esc)
{
    if (!pr->doc)
        return secalert_repo_set_failed(st, p->seq,
                                        pr->err[0] ? pr->err : "not normalizable") < 0
                   ? -EIO
                   : 0;
    return apply_normalized(st, p->seq, pr->doc, pr->vec, p->received_at, th, now, esc);
}

static int process_one(Store *st, const SecPending *p, const SecThresholds *th, int64_t now,
                       EscList *esc)
{
    Prepared pr;
    prepare(p, &pr);
    int rc = store_prepared(st, p, &pr, th, now, esc);
    cJSON_Delete(pr.doc);
    free(pr.vec);
    return rc;
}

int secalerts_process(Store *st, int max, int64_t now)
{
    SecPending *p;
    int n = secalert_repo_pending(st, max, &p);
    if (n <= 0)
        return n < 0 ? -EIO : 0;
    /* the CPU work (parsing, normalizing, embedding) outside the write
     * transaction, so ingestion's commits do not wait for it */
    Prepared *pr = calloc((size_t)n, sizeof *pr);
    if (!pr) {
        secalert_repo_pending_free(p, n);
        return -EIO;
    }
    for (int i = 0; i < n; i++)
        prepare(&p[i], &pr[i]);
    SecThresholds th;
    EscList esc = {0};
    int rc = secalerts_thresholds(st, &th);
    if (rc == 0)
        rc = store_begin(st);
    if (rc == 0) {
        for (int i = 0; i < n && rc == 0; i++)
            rc = store_prepared(st, &p[i], &pr[i], &th, now, &esc);
        if (rc == 0)
            rc = store_commit(st);
        else
            store_rollback(st);
    }
    /* a crash between the commit and here loses these escalations (the
     * alerts stay triaged, without an incident: a verdict ESCALATE or the
     * triage endpoint opens it) */
    if (rc == 0)
        esc_run(st, &esc, "triage", now);
    esc_free(&esc);
    for (int i = 0; i < n; i++) {
        cJSON_Delete(pr[i].doc);
        free(pr[i].vec);
    }
    free(pr);
    secalert_repo_pending_free(p, n);
    return rc < 0 ? -EIO : n;
}

/* ---- the API's writes ------------------------------------------------ */

int secalerts_requeue(Store *st, const char *id)
{
    int rc = secalert_repo_requeue(st, id);
    if (rc < 0)
        return -EIO;
    if (rc == 0)
        return -ENOENT;
    secalerts_kick();
    return 0;
}

/* A severity word the triage override takes too (secnorm's words, or 0-6). */
static int severity_known(const char *w)
{
    return secnorm_severity_id(w) != 0 || strcasecmp(w, "unknown") == 0;
}

/* normalized's severity and observables, checked beyond their JSON types:
 * NULL, or what is wrong. */
static const char *check_norm_values(const cJSON *norm, char *buf, size_t size)
{
    const cJSON *sev = cJSON_GetObjectItemCaseSensitive(norm, "severity");
    if (cJSON_IsString(sev) && !severity_known(sev->valuestring))
        return "Field 'normalized.severity' must be one of critical, high, medium, low, info, "
               "fatal, unknown";
    const cJSON *obs = cJSON_GetObjectItemCaseSensitive(norm, "observables");
    int i = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, obs) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "type");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "value");
        if (!cJSON_IsObject(o) || !cJSON_IsString(t) || !cJSON_IsString(v)) {
            snprintf(buf, size,
                     "normalized.observables[%d] must be an object with string 'type' and "
                     "'value'", i);
            return buf;
        }
        i++;
    }
    return NULL;
}

/* The request's shape: NULL, or what is wrong (why: room for a message). */
static const char *check_normalized_doc(const cJSON *doc, const char *id, char *why,
                                        size_t whysz)
{
    const cJSON *bid = cJSON_GetObjectItemCaseSensitive(doc, "id");
    const cJSON *orig = cJSON_GetObjectItemCaseSensitive(doc, "original");
    const cJSON *maps = cJSON_GetObjectItemCaseSensitive(doc, "mappings");
    const cJSON *norm = cJSON_GetObjectItemCaseSensitive(doc, "normalized");
    const char *bad = NULL;
    if (bid && !(cJSON_IsString(bid) && strcmp(bid->valuestring, id) == 0))
        bad = "Field 'id' must be the alert id of the path";
    else if (orig && !cJSON_IsObject(orig))
        bad = "Field 'original' must be an object";
    else if (maps && !cJSON_IsArray(maps))
        bad = "Field 'mappings' must be an array";
    else if (!norm)
        bad = "Field 'normalized' is required";
    else if (!cJSON_IsObject(norm))
        bad = "Field 'normalized' must be an object";
    else {
        static const char *const strs[] = {"severity", "timestamp", "title", "description"};
        for (size_t i = 0; i < 4 && !bad; i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(norm, strs[i]);
            if (v && !cJSON_IsString(v) && !cJSON_IsNull(v))
                bad = i == 0   ? "Field 'normalized.severity' must be a string"
                      : i == 1 ? "Field 'normalized.timestamp' must be a string"
                      : i == 2 ? "Field 'normalized.title' must be a string"
                               : "Field 'normalized.description' must be a string";
        }
        const cJSON *ts = cJSON_GetObjectItemCaseSensitive(norm, "timestamp");
        int64_t t;
        if (!bad && cJSON_IsString(ts) && util_parse_iso8601(ts->valuestring, &t) != 0)
            bad = "Field 'normalized.timestamp' must be an RFC 3339 date-time";
        const cJSON *obs = cJSON_GetObjectItemCaseSensitive(norm, "observables");
        if (!bad && obs && !cJSON_IsArray(obs))
            bad = "Field 'normalized.observables' must be an array";
        const cJSON *md = cJSON_GetObjectItemCaseSensitive(norm, "metadata");
        if (!bad && md && !cJSON_IsObject(md))
            bad = "Field 'normalized.metadata' must be an object";
        const cJSON *sid = cJSON_GetObjectItemCaseSensitive(norm, "severity_id");
        if (!bad && sid && !(cJSON_IsNumber(sid) && sid->valuedouble >= 0 &&
                             sid->valuedouble <= 6 && sid->valuedouble == floor(sid->valuedouble)))
            bad = "Field 'normalized.severity_id' must be an integer from 0 to 6";
        if (!bad)
            bad = check_norm_values(norm, why, whysz);
    }
    return bad;
}

int secalerts_submit_normalized(Store *st, const char *id, const char *json, int64_t now,
                                char *err, size_t errsz)
{
    char why[128];
    cJSON *doc = cJSON_Parse(json ? json : "");
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        snprintf(err, errsz, "Request body must be a JSON object");
        return -EINVAL;
    }
    const char *bad = check_normalized_doc(doc, id, why, sizeof why);
    if (bad) {
        cJSON_Delete(doc);
        snprintf(err, errsz, "%s", bad);
        return -EINVAL;
    }
    SecThresholds th;
    EscList esc = {0};
    int rc = store_begin(st);
    if (rc < 0) {
        cJSON_Delete(doc);
        snprintf(err, errsz, DOMAIN_IO_ERROR);
        return -EIO;
    }
    SecAlert a;
    rc = secalert_repo_get(st, id, 0, &a);
    if (rc == 0) {
        store_rollback(st);
        cJSON_Delete(doc);
        snprintf(err, errsz, "Alert '%s' not found", id);
        return -ENOENT;
    }
    if (rc > 0) {
        rc = secalerts_thresholds(st, &th);
        if (rc == 0)
            rc = apply_normalized(st, a.seq, doc, NULL, a.received_at, &th, now, &esc);
        secalerts_free(&a);
    }
    cJSON_Delete(doc);
    if (rc == 0)
        rc = store_commit(st);
    else
        store_rollback(st);
    if (rc == 0)
        esc_run(st, &esc, "triage", now);
    esc_free(&esc);
    if (rc < 0) {
        snprintf(err, errsz, DOMAIN_IO_ERROR);
        return -EIO;
    }
    return 0;
}

int secalerts_triage_now(Store *st, const char *id, const char *severity, const char *actor,
                         int64_t now, SecTriage *out, char *err, size_t errsz)
{
    memset(out, 0, sizeof *out);
    int override = -1;
    if (severity) {
        override = secnorm_severity_id(severity);
        if (override == 0 && strcasecmp(severity, "unknown") != 0) {
            snprintf(err, errsz,
                     "Field 'severity' must be one of critical, high, medium, low, info, "
                     "fatal, unknown");
            return -EINVAL;
        }
    }
    if (store_begin(st) < 0) {
        snprintf(err, errsz, DOMAIN_IO_ERROR);
        return -EIO;
    }
    SecThresholds th;
    EscList esc = {0};
    SecAlert a;
    int rc = secalert_repo_get(st, id, 0, &a);
    if (rc == 0) {
        store_rollback(st);
        snprintf(err, errsz, "Alert '%s' not found", id);
        return -ENOENT;
    }
    rc = rc < 0 ? -EIO : secalerts_thresholds(st, &th);
    /* not normalized yet: normalize it first, as the pipeline would */
    if (rc == 0 && strcmp(a.stage, "received") == 0) {
        char *raw = NULL, *ctype = NULL;
        size_t len = 0;
        rc = secalert_repo_raw(st, id, &raw, &len, &ctype) == 1 ? 0 : -EIO;
        if (rc == 0) {
            SecPending p = {.seq = a.seq, .received_at = a.received_at, .raw = raw,
                            .content_type = ctype, .len = len};
            snprintf(p.id, sizeof p.id, "%s", a.id);
            snprintf(p.source, sizeof p.source, "%s", a.source);
            rc = process_one(st, &p, &th, now, &esc);
        }
        free(raw);
        free(ctype);
    }
    char *reason = NULL;
    TriageResult res;
    if (rc == 0)
        rc = triage_alert(st, a.seq, NULL, override, severity, &th, now, &res, &reason, &esc);
    if (rc == 0) {
        char detail[256];
        snprintf(detail, sizeof detail, "%s: S0 %d, route %s%s%s", a.id, res.s0, res.route,
                 severity ? ", severity override " : "", severity ? severity : "");
        rc = audit_repo_add_as(st, "Security Triage Scored", "SecAlert", a.seq, 0, actor, detail,
                               now) < 0 ? -EIO : 0;
    }
    if (rc == 0)
        rc = store_commit(st);
    else
        store_rollback(st);
    if (rc == 0)
        esc_run(st, &esc, "triage", now);
    esc_free(&esc);
    secalerts_free(&a);
    if (rc < 0) {
        free(reason);
        snprintf(err, errsz, DOMAIN_IO_ERROR);
        return -EIO;
    }
    out->s0 = res.s0;
    out->s1 = res.s1;
    snprintf(out->route, sizeof out->route, "%s", res.route);
    out->reason = reason;
    return 0;
}

int secalerts_verdict(Store *st, const char *id, const char *classification, double confidence,
                      const char *notes, const char *actor, int64_t now, char *err, size_t errsz)
{
    TriageVerdict v = triage_verdict_parse(classification);
    if (v == TRIAGE_NONE) {
        snprintf(err, errsz, "Field 'classification' must be one of TP, FP, ESCALATE");
        return -EINVAL;
    }
    if (!isfinite(confidence) || confidence < 0 || confidence > 1) {
        snprintf(err, errsz, "Field 'confidence' must be a number from 0 to 1");
        return -EINVAL;
    }
    if (notes && strlen(notes) > 4000) {
        snprintf(err, errsz, "Field 'notes' must be at most 4000 characters");
        return -EINVAL;
    }
    if (store_begin(st) < 0) {
        snprintf(err, errsz, DOMAIN_IO_ERROR);
        return -EIO;
    }
    SecAlert a;
    int rc = secalert_repo_get(st, id, 0, &a);
    if (rc == 0) {
        store_rollback(st);
        snprintf(err, errsz, "Alert '%s' not found", id);
        return -ENOENT;
    }
    if (rc < 0) {
        store_rollback(st);
        snprintf(err, errsz, DOMAIN_IO_ERROR);
        return -EIO;
    }
    int64_t vid = secalert_repo_verdict_add(st, a.seq, classification, confidence, notes, actor,
                                            now);
    rc = vid < 0 ? -EIO : 0;
    if (rc == 0) {
        char detail[256];
        snprintf(detail, sizeof detail, "%s: %s (confidence %.2f)", a.id, classification,
                 confidence);
        rc = audit_repo_add_as(st, "Security Verdict", "SecAlert", a.seq, 0, actor, detail, now);
    }
    EscList esc = {0};
    if (rc == 0 && v == TRIAGE_ESCALATE && !(a.incident_id && *a.incident_id))
        esc_add(&esc, a.id, a.s0 < 0 ? 0 : a.s0);
    secalerts_free(&a);
    if (rc == 0)
        rc = store_commit(st);
    else
        store_rollback(st);
    if (rc == 0)
        esc_run(st, &esc, actor, now);
    esc_free(&esc);
    if (rc < 0) {
        snprintf(err, errsz, DOMAIN_IO_ERROR);
        return -EIO;
    }
    return 0;
}
