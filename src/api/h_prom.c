/* h_prom — GET /api/admin/metrics: the Prometheus exposition (text format
 * 0.0.4) of issue 12 item 8. Seed 004's GET /metrics keeps its JSON.
 *
 * Families: the listener's requests and latencies per route (prom.c),
 * the engine's tick durations (counters.h), seed 000 alerts by severity
 * and state, the outbox, the security pipeline (ingested, stages, routes,
 * verdicts, responses, tasks, vectors) from the database (prom_repo), the
 * vector index (similarity_stats()), and the process from /proc/self.
 * Counts read from the database are exposed as counters only where their
 * rows are never deleted.
 *
 * Database counts: the cheap ones (index lookups, small tables) are read
 * on every scrape; the ones that read the whole sec_alert table (stages
 * other than "received", routes, grouped, closed, stored vectors) come
 * from a scan spread over scrapes: each scrape reads chunks of alerts by
 * seq range for at most SCAN_BUDGET_MS, and a pass, once complete, is
 * what the exposition shows until the next one completes; the next pass
 * begins SCAN_COST_FACTOR times the last one's scan time after it. So a
 * scrape's cost stays bounded whatever the table's size (a million
 * alerts cold took 10 s in one go), scraping spends at most about a tenth
 * of the time scanning, every alert counts once per pass, and
 * resops_security_scan_age_seconds says how old the shown pass is. Until
 * the first pass completes those families have no samples.
 *
 * Who may read it: any signed-in caller (a JWT, or a machine token of
 * scope "read"), so that a Prometheus server scrapes it with a long-lived
 * token; it holds counts and timings, no alert contents (README,
 * "Observability").
 */
#include "api/handlers.h"
#include "api/prom.h"
#include "domain/similarity.h"
#include "store/groupcommit.h"
#include "store/prom_repo.h"
#include "counters.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef RESOPS_VERSION
#define RESOPS_VERSION "dev"
#endif

#define SCAN_MIN_AGE_MS  2000    /* a new pass starts at most this often, */
#define SCAN_COST_FACTOR 10      /* ... and not before 10x the last pass's scan time */
#define SCAN_BUDGET_MS   500     /* a scrape scans at most this long (plus one chunk) */
#define SCAN_CHUNK       10000   /* alerts (by seq) a chunk reads */

/* The scan (see the top comment), process-wide like the metrics; scan_mu
 * also makes a second scraper wait for the first one's chunk instead of
 * reading it again. */
static pthread_mutex_t scan_mu = PTHREAD_MUTEX_INITIALIZER;
static PromScan        scan_done;      /* the last complete pass */
static int64_t         scan_done_ms;   /* when it began (its data is at least this old) */
static int64_t         scan_done_cost; /* ms its chunks took, all scrapes together */
static int             scan_ok;        /* scan_done holds a pass */
static PromScan        scan_next;      /* the pass under way */
static int64_t         scan_next_ms, scan_next_cost, scan_cursor;
static int             scan_running;

/* Go on with the scan for at most SCAN_BUDGET_MS (starting a new pass
 * when the last one began more than max(SCAN_MIN_AGE_MS, SCAN_COST_FACTOR
 * x its scan time) ago) up to max_seq, the highest
 * alert now. Then the last complete pass and its age into *out,
 * *out_age_ms: 1; 0 when no pass has completed yet (a first scrape of a
 * large table); -EIO on a read error. */
static int scan_counts(Store *st, int64_t max_seq, PromScan *out, int64_t *out_age_ms)
{
    pthread_mutex_lock(&scan_mu);
    int64_t t0 = util_mono_ms();
    int64_t every = SCAN_COST_FACTOR * scan_done_cost;
    if (every < SCAN_MIN_AGE_MS)
        every = SCAN_MIN_AGE_MS;
    if (!scan_running && (!scan_ok || t0 - scan_done_ms >= every)) {
        memset(&scan_next, 0, sizeof scan_next);
        scan_next_ms = t0;
        scan_next_cost = 0;
        scan_cursor = 0;
        scan_running = 1;
    }
    int rc = 0;
    while (scan_running && scan_cursor < max_seq && util_mono_ms() - t0 < SCAN_BUDGET_MS) {
        int64_t hi = max_seq - scan_cursor > SCAN_CHUNK ? scan_cursor + SCAN_CHUNK : max_seq;
        if (prom_repo_scan_range(st, scan_cursor, hi, &scan_next) < 0) {
            scan_running = 0;          /* start over at the next scrape */
            rc = -EIO;
            break;
        }
        scan_cursor = hi;
    }
    scan_next_cost += util_mono_ms() - t0;
    if (scan_running && scan_cursor >= max_seq) {
        scan_done = scan_next;
        scan_done_ms = scan_next_ms;
        scan_done_cost = scan_next_cost;
        scan_ok = 1;
        scan_running = 0;
    }
    if (rc == 0 && scan_ok) {
        *out = scan_done;
        *out_age_ms = util_mono_ms() - scan_done_ms;
        rc = 1;
    }
    pthread_mutex_unlock(&scan_mu);
    return rc;
}

/* One family with a sample per name: name{label="names[i]"} v[i]. */
static void labelled(StrBuf *b, const char *name, const char *type, const char *help,
                     const char *label, const char *const *names, const int64_t *v, int n)
{
    prom_family(b, name, type, help);
    char labels[96];
    for (int i = 0; i < n; i++) {
        snprintf(labels, sizeof labels, "%s=\"%s\"", label, names[i]);
        prom_sample(b, name, labels, v[i]);
    }
}

static void write_engine(StrBuf *b)
{
    Hist h;
    int64_t last_ns;
    counters_engine_read(&h, &last_ns);
    prom_family(b, "resops_engine_tick_seconds", "histogram",
                "Duration of the engine's ticks (probes, evaluation, snapshot).");
    prom_hist(b, "resops_engine_tick_seconds", "", &h);
    prom_family(b, "resops_engine_last_tick_seconds", "gauge",
                "Duration of the engine's last tick (0 before the first).");
    strbuf_appendf(b, "resops_engine_last_tick_seconds %lld.%09lld\n",
                   (long long)(last_ns / 1000000000), (long long)(last_ns % 1000000000));
}

static void write_alerts(StrBuf *b, const PromCounts *c)
{
    prom_family(b, "resops_alerts", "gauge",
                "Alerts (seed 000) by severity and state (open, acknowledged, resolved).");
    char sev[64], labels[128];
    for (int i = 0; i < c->nalerts; i++) {
        prom_escape(c->alerts[i].severity, sev, sizeof sev);
        snprintf(labels, sizeof labels, "severity=\"%s\",state=\"%s\"", sev, c->alerts[i].state);
        prom_sample(b, "resops_alerts", labels, c->alerts[i].n);
    }
    prom_family(b, "resops_outbox_pending", "gauge",
                "Notifications waiting in the outbox for delivery.");
    prom_sample(b, "resops_outbox_pending", "", c->outbox_pending);
    prom_family(b, "resops_outbox_dead", "gauge",
                "Notifications given up on (past notify.max_age_s).");
    prom_sample(b, "resops_outbox_dead", "", c->outbox_dead);
}

/* sc NULL: no scan has completed yet; its families are left out (and
 * only the live "received" stage is shown). */
static void write_security(StrBuf *b, const PromCounts *c, const PromScan *sc, int64_t age_ms)
{
    prom_family(b, "resops_security_ingested_total", "counter",
                "Security alerts ingested and committed (every source).");
    prom_sample(b, "resops_security_ingested_total", "", c->sec_ingested);
    int64_t stage[PROM_STAGES];
    for (int i = 0; i < PROM_STAGES; i++)
        stage[i] = i == 0 ? c->sec_received : sc ? sc->stage[i] : 0;   /* received: live */
    labelled(b, "resops_security_alerts", "gauge",
             "Security alerts by pipeline stage (received, normalized, triaged, failed); "
             "received is live, the others from the scan.",
             "stage", prom_stage_names, stage, sc ? PROM_STAGES : 1);
    if (sc) {
        labelled(b, "resops_security_routed", "gauge",
                 "Triaged security alerts by the route S0 gave them (verdict, ml).", "route",
                 prom_route_names, sc->route, PROM_ROUTES);
        prom_family(b, "resops_security_grouped", "gauge",
                    "Security alerts grouped under an earlier near-duplicate.");
        prom_sample(b, "resops_security_grouped", "", sc->grouped);
        prom_family(b, "resops_security_closed", "gauge",
                    "Security alerts their source reported resolved.");
        prom_sample(b, "resops_security_closed", "", sc->closed);
        prom_family(b, "resops_security_scan_age_seconds", "gauge",
                    "Age of the last complete scan of the security alerts (stages but "
                    "received, routed, grouped, closed, vectors).");
        strbuf_appendf(b, "resops_security_scan_age_seconds %lld.%03lld\n",
                       (long long)(age_ms / 1000), (long long)(age_ms % 1000));
    }
    labelled(b, "resops_security_verdicts_total", "counter",
             "Verdicts recorded, by classification.", "classification", prom_verdict_names,
             c->verdict, PROM_VERDICTS);
    labelled(b, "resops_security_responses", "gauge", "Response actions by state.", "state",
             prom_response_names, c->response, PROM_RESPONSES);
    labelled(b, "resops_security_tasks", "gauge", "Tasks by state.", "state", prom_task_names,
             c->task, PROM_TASKS);
}

static void write_similarity(StrBuf *b, const PromScan *sc)
{
    SimStats ss;
    similarity_stats(&ss);
    if (sc) {
        prom_family(b, "resops_similarity_vectors", "gauge",
                    "Embedding vectors stored (one per security alert; from the scan).");
        prom_sample(b, "resops_similarity_vectors", "", sc->embeddings);
    }
    prom_family(b, "resops_similarity_loaded_vectors", "gauge",
                "Vectors in the in-memory matrix that exact search scans (0 until first used).");
    prom_sample(b, "resops_similarity_loaded_vectors", "", ss.vectors);
    prom_family(b, "resops_similarity_index_size", "gauge",
                "Vectors in the HNSW index (0 while there is none).");
    prom_sample(b, "resops_similarity_index_size", "", ss.index_size);
    prom_family(b, "resops_similarity_indexed", "gauge",
                "1 when the HNSW index answers similarity searches, 0 when exact search does.");
    prom_sample(b, "resops_similarity_indexed", "", ss.indexed);
}

/* Issue 13: the durable answers and the group commit of this process's
 * database (store/groupcommit.c). */
static void write_durability(StrBuf *b, Store *st)
{
    StoreGroupStats g;
    store_group_stats(store_path(st), &g);
    prom_family(b, "resops_durable_answers_total", "counter",
                "Answers (API and console) that waited for their commit's WAL fsync.");
    prom_sample(b, "resops_durable_answers_total", "", (int64_t)g.answer_waits);
    prom_family(b, "resops_durable_fsyncs_total", "counter",
                "WAL fsyncs that served those answers (several answers share one).");
    prom_sample(b, "resops_durable_fsyncs_total", "", (int64_t)g.answer_fsyncs);
    prom_family(b, "resops_durable_fsync_failures_total", "counter",
                "WAL fsyncs for answers that failed (those answers were 500).");
    prom_sample(b, "resops_durable_fsync_failures_total", "", (int64_t)g.answer_failed);
    prom_family(b, "resops_group_commits_total", "counter",
                "Transactions of the ingestion group commit (synchronous=FULL, one fsync each).");
    prom_sample(b, "resops_group_commits_total", "", (int64_t)g.commits);
    prom_family(b, "resops_group_commit_calls_total", "counter",
                "Requests that shared those transactions.");
    prom_sample(b, "resops_group_commit_calls_total", "", (int64_t)g.calls);
}

void h_prom_metrics(ApiReq *rq, ApiResp *rs)
{
    PromCounts *c = xmalloc(sizeof *c);
    PromScan sc = {0};
    int64_t age_ms = 0;
    int have_scan = prom_repo_counts(rq->st, c) < 0 ? -EIO
                                                    : scan_counts(rq->st, c->sec_ingested, &sc,
                                                                  &age_ms);
    if (have_scan < 0) {
        free(c);
        api_send_io_error(rq, rs, 0, "the metrics' counts");
        return;
    }
    StrBuf b = {0};
    prom_family(&b, "resops_build_info", "gauge", "The running resops version (always 1).");
    strbuf_appendf(&b, "resops_build_info{version=\"%s\"} 1\n", RESOPS_VERSION);
    prom_write_http(&b);
    write_engine(&b);
    write_alerts(&b, c);
    write_security(&b, c, have_scan ? &sc : NULL, age_ms);
    write_similarity(&b, have_scan ? &sc : NULL);
    write_durability(&b, rq->st);
    prom_write_process(&b);
    free(c);
    rs->status = 200;
    rs->body = b.s;
    rs->content_type = PROM_CONTENT_TYPE;
}
