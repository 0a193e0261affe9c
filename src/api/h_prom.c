/* h_prom — GET /api/admin/metrics: the Prometheus exposition (text format
 * 0.0.4) of issue 12 item 8. Seed 004's GET /metrics keeps its JSON.
 *
 * Families: the listener's requests and latencies per route (prom.c),
 * the engine's tick durations (counters.h), seed 000 alerts by severity
 * and state, the outbox, the security pipeline (ingested, stages, routes,
 * verdicts, responses, tasks, vectors) from the database (prom_repo), the
 * vector index (similarity.h), and the process from /proc/self. Counts
 * read from the database are exposed as counters only where their rows
 * are never deleted.
 *
 * Who may read it: any signed-in caller (a JWT, or a machine token of
 * scope "read"), so that a Prometheus server scrapes it with a long-lived
 * token; it holds counts and timings, no alert contents (README,
 * "Observability").
 */
#include "api/handlers.h"
#include "api/prom.h"
#include "store/prom_repo.h"
#include "counters.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>

#ifndef RESOPS_VERSION
#define RESOPS_VERSION "dev"
#endif

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

static void write_security(StrBuf *b, const PromCounts *c)
{
    prom_family(b, "resops_security_ingested_total", "counter",
                "Security alerts ingested and committed (every source).");
    prom_sample(b, "resops_security_ingested_total", "", c->sec_total);
    labelled(b, "resops_security_alerts", "gauge",
             "Security alerts by pipeline stage (received, normalized, triaged, failed).",
             "stage", prom_stage_names, c->stage, PROM_STAGES);
    labelled(b, "resops_security_routed", "gauge",
             "Triaged security alerts by the route S0 gave them (verdict, ml).", "route",
             prom_route_names, c->route, PROM_ROUTES);
    prom_family(b, "resops_security_grouped", "gauge",
                "Security alerts grouped under an earlier near-duplicate.");
    prom_sample(b, "resops_security_grouped", "", c->sec_grouped);
    prom_family(b, "resops_security_closed", "gauge",
                "Security alerts their source reported resolved.");
    prom_sample(b, "resops_security_closed", "", c->sec_closed);
    labelled(b, "resops_security_verdicts_total", "counter",
             "Verdicts recorded, by classification.", "classification", prom_verdict_names,
             c->verdict, PROM_VERDICTS);
    labelled(b, "resops_security_responses", "gauge", "Response actions by state.", "state",
             prom_response_names, c->response, PROM_RESPONSES);
    labelled(b, "resops_security_tasks", "gauge", "Tasks by state.", "state", prom_task_names,
             c->task, PROM_TASKS);
}

static void write_similarity(StrBuf *b, const PromCounts *c)
{
    prom_family(b, "resops_similarity_vectors", "gauge",
                "Embedding vectors stored (one per security alert).");
    prom_sample(b, "resops_similarity_vectors", "", c->embeddings);
}

void h_prom_metrics(ApiReq *rq, ApiResp *rs)
{
    PromCounts *c = xmalloc(sizeof *c);
    if (prom_repo_counts(rq->st, c) < 0) {
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
    write_security(&b, c);
    write_similarity(&b, c);
    prom_write_process(&b);
    free(c);
    rs->status = 200;
    rs->body = b.s;
    rs->content_type = PROM_CONTENT_TYPE;
}
