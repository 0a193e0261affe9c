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
 * from one scan kept process-wide and redone when it is older than
 * max(SCAN_MIN_AGE_MS, SCAN_COST_FACTOR x its own duration): a scrape
 * never spends more than about 5% of the time in it, whatever the table's
 * size (resops_security_scan_age_seconds says how old it is).
 *
 * Who may read it: any signed-in caller (a JWT, or a machine token of
 * scope "read"), so that a Prometheus server scrapes it with a long-lived
 * token; it holds counts and timings, no alert contents (README,
 * "Observability").
 */
#include "api/handlers.h"
#include "api/prom.h"
#include "domain/similarity.h"
#include "store/prom_repo.h"
#include "counters.h"
#include "util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef RESOPS_VERSION
#define RESOPS_VERSION "dev"
#endif

#define SCAN_MIN_AGE_MS  2000
#define SCAN_COST_FACTOR 20

/* The scan's cache (see the top comment); scan_mu also makes a second
 * scraper wait for the first one's scan instead of scanning again. */
static pthread_mutex_t scan_mu = PTHREAD_MUTEX_INITIALIZER;
static PromScan        scan_cache;
static int64_t         scan_at_ms, scan_cost_ms;
static int             scan_ok;

/* The scan's counts, fresh enough (see the top comment), and their age.
 * 0, or -EIO when there is none to give. */
static int scan_counts(Store *st, PromScan *out, int64_t *out_age_ms)
{
    pthread_mutex_lock(&scan_mu);
    int64_t t0 = util_mono_ms();
    int64_t max_age = SCAN_COST_FACTOR * scan_cost_ms;
    if (max_age < SCAN_MIN_AGE_MS)
        max_age = SCAN_MIN_AGE_MS;
    int rc = 0;
    if (!scan_ok || t0 - scan_at_ms >= max_age) {
        PromScan fresh;
        rc = prom_repo_scan(st, &fresh);
        if (rc == 0) {
            scan_cache = fresh;
            scan_at_ms = util_mono_ms();
            scan_cost_ms = scan_at_ms - t0;
            scan_ok = 1;
        }
    }
    if (scan_ok) {
        *out = scan_cache;
        *out_age_ms = util_mono_ms() - scan_at_ms;
        rc = 0;
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

static void write_security(StrBuf *b, const PromCounts *c, const PromScan *sc, int64_t age_ms)
{
    prom_family(b, "resops_security_ingested_total", "counter",
                "Security alerts ingested and committed (every source).");
    prom_sample(b, "resops_security_ingested_total", "", c->sec_ingested);
    int64_t stage[PROM_STAGES];
    for (int i = 0; i < PROM_STAGES; i++)
        stage[i] = i == 0 ? c->sec_received : sc->stage[i];   /* received: live */
    labelled(b, "resops_security_alerts", "gauge",
             "Security alerts by pipeline stage (received, normalized, triaged, failed); "
             "received is live, the others from the scan.",
             "stage", prom_stage_names, stage, PROM_STAGES);
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
                "Age of the counts that read every security alert (stages but received, "
                "routed, grouped, closed, vectors).");
    strbuf_appendf(b, "resops_security_scan_age_seconds %lld.%03lld\n",
                   (long long)(age_ms / 1000), (long long)(age_ms % 1000));
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
    prom_family(b, "resops_similarity_vectors", "gauge",
                "Embedding vectors stored (one per security alert; from the scan).");
    prom_sample(b, "resops_similarity_vectors", "", sc->embeddings);
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

void h_prom_metrics(ApiReq *rq, ApiResp *rs)
{
    PromCounts *c = xmalloc(sizeof *c);
    PromScan sc = {0};
    int64_t age_ms = 0;
    if (prom_repo_counts(rq->st, c) < 0 || scan_counts(rq->st, &sc, &age_ms) < 0) {
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
    write_security(&b, c, &sc, age_ms);
    write_similarity(&b, &sc);
    prom_write_process(&b);
    free(c);
    rs->status = 200;
    rs->body = b.s;
    rs->content_type = PROM_CONTENT_TYPE;
}
