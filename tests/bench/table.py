#!/usr/bin/env python3
"""table.py -- turn tests/bench/run.sh's results file into one Markdown table.

usage: table.py RESULTS   (prints the table)

The file holds three kinds of line: "META <name> <text>" (the machine, the
commit, the load average), "RESULT <key> <value> <unit> [note]" (one figure,
tests/bench/bench_result.h) and "STEP <name> <exit> <seconds>" (one
benchmark run). ROWS below is the table: each row names the step that
measures it, the figure as a template over result keys (dots become
underscores: cycle.1000.first_ms -> {cycle_1000_first_ms}) and the target
or notes; a part in [[ ]] is left out when its keys are missing (figures an
older run did not print). A row whose keys are missing says why: the step
was not run, it failed, or it measured nothing for that row.
"""
import re
import string
import sys

# (what, step, figure template, target / notes)
ROWS = [
    ("engine cycle, 1,000 services", "cycle",
     "first {cycle_1000_first_ms:,.0f} ms (+ checkpoint {cycle_1000_checkpoint_ms:,.0f} ms); "
     "steady {cycle_1000_steady_ms:,.1f} ms; RSS {cycle_1000_rss_mb:,.0f} MB",
     "`bench_cycle`, one core, median of the steady runs"),
    ("engine cycle, 10,000 services", "cycle",
     "first {cycle_10000_first_ms:,.0f} ms (+ checkpoint {cycle_10000_checkpoint_ms:,.0f} ms); "
     "steady {cycle_10000_steady_ms:,.1f} ms; RSS {cycle_10000_rss_mb:,.0f} MB", ""),
    ("engine cycle, 100,000 services", "cycle",
     "first {cycle_100000_first_ms:,.0f} ms (+ checkpoint {cycle_100000_checkpoint_ms:,.0f} ms); "
     "steady {cycle_100000_steady_ms:,.1f} ms; RSS {cycle_100000_rss_mb:,.0f} MB",
     "steady < 1 s; RSS < 150 MB (the first cycle on a fresh fleet writes every row)"),
    ("probes: {probes_n:,.0f} HTTP / TCP / mixed in one batch", "probes",
     "worst {probes_http_worst_ms:,.0f} / {probes_tcp_worst_ms:,.0f} / "
     "{probes_mixed_worst_ms:,.0f} ms", "within one 10 s interval"),
    ("API `GET /api/services` (100 services)", "api",
     "resops **{api_services_rps:,.0f} req/s** (p99 {api_services_p99_ms:,.1f} ms"
     "[[, {api_services_sockerr:,.0f} socket errors]]); "
     "nginx {nginx_services_rps:,.0f} req/s (p99 {nginx_services_p99_ms:,.1f} ms)",
     "wrk -t2 -c64, same bytes; nginx worker_processes = cores"),
    ("API `GET /api/alerts?limit=1000` (1,000 alerts)", "api",
     "resops **{api_alerts_rps:,.0f} req/s** (p99 {api_alerts_p99_ms:,.1f} ms"
     "[[, {api_alerts_sockerr:,.0f} socket errors]]); "
     "nginx {nginx_alerts_rps:,.0f} req/s (p99 {nginx_alerts_p99_ms:,.1f} ms)", ""),
    ("API RSS growth", "api",
     "{api_rss_growth_pct:+.1f} % ({api_rss0_kb:,.0f} kB -> {api_rss1_kb:,.0f} kB "
     "over {api_rss_requests:,.0f} requests of `GET /api/services`)", "< 10 %"),
    ("mixed load (`api_bench.sh --mixed`, 256 connections)", "mixed",
     "{mixed_rps:,.0f} req/s, p99 {mixed_p99_ms:,.0f} ms", "p99 < 250 ms"),
    ("auto-resolve decisions that run no step, 32 connections", "resolve",
     "{resolve_rps:,.0f} req/s, p99 {resolve_p99_ms:,.0f} ms", ">= 5,000 req/s"),
    ("heartbeat writes `POST /api/services/{{id}}/status`", "ingest",
     "**{heartbeat_rps:,.0f}/s** at {heartbeat_conns:.0f} connections (p99 "
     "{heartbeat_p99_ms:,.0f} ms, {heartbeat_non2xx:.0f} non-2xx)",
     ">= 4,800/s (no more than 20 % below ~6,000/s at NORMAL)"),
    ("ingestion `POST /api/ingestion/raw`, every 2xx fsynced", "ingest",
     "**{ingest_rps:,.0f} alerts/s** (p99 {ingest_p99_ms:,.0f} ms); "
     "{ingest_missing:.0f} of {ingest_ok2xx:,.0f} answered ids missing", ">= 10,000/s; 0 missing"),
    ("security pipeline on that backlog", "ingest",
     "{pipeline_rate:,.0f} alerts/s ({pipeline_backlog:,.0f} waiting)", ">= 2,000/s"),
    ("group commit alone, 64 threads (FULL)", "groupcommit",
     "{groupcommit_group_rate:,.0f} rows/s ({groupcommit_group_batch:.1f} a commit); "
     "one commit per row {groupcommit_single_rate:,.0f} rows/s; disk {disk_fdatasync:,.0f} "
     "fdatasync/s", ""),
    ("auto-resolve decision without the listener", "decision",
     "{decision_rate:,.0f} decisions/s", "one connection"),
    ("normalization, slowest sample", "secnorm", "{secnorm_worst_us:,.1f} us an alert", ""),
    ("pipeline alone, {secpipe_n:,.0f} alerts (exact / auto / index)", "secpipe",
     "{secpipe_exact_rate:,.0f} / {secpipe_auto_rate:,.0f} / {secpipe_index_rate:,.0f} "
     "alerts/s ({secpipe_exact_cpu_rate:,.0f} / {secpipe_auto_cpu_rate:,.0f} / "
     "{secpipe_index_cpu_rate:,.0f} a CPU second)", "`tools/secpipe_bench.sh`; >= 2,000/s"),
]

SIM_EXACT = ("similarity exact top-5, {n} x 384", "{step}",
             "{{sim_{n}_exact_ms:,.2f}} ms a query ({{sim_{n}_exact_ratio:.2f}}x a plain scan "
             "of {{sim_{n}_plain_ms:,.2f}} ms)", "<= 1.2x the plain scan")
SIM_INDEX = ("similarity HNSW, {n} x 384 (clustered)", "{step}",
             "{{sim_{n}_hnsw_ms:,.3f}} ms a query at ef {{sim_{n}_ef:.0f}}, recall@10 "
             "{{sim_{n}_recall:.3f}}; build {{sim_{n}_build_wall_s:,.0f}} s wall, "
             "{{sim_{n}_build_cpu_s:,.0f}} CPU s",
             "M {{sim_{n}_m:.0f}}, ef_construction {{sim_{n}_efc:.0f}}, "
             "{{sim_{n}_threads:.0f}} build threads{note}")
for n, step in ((10000, "sim"), (100000, "sim"), (1000000, "sim1m")):
    note = "; < 2 ms" if n == 1000000 else ""
    for what, st, fig, target in (SIM_EXACT, SIM_INDEX):
        ROWS.append((what.format(n="{:,}".format(n)), st.format(step=step),
                     fig.format(n=n), target.format(n=n, note=note)))

ROWS += [
    ("console keypress -> screen updated", "tui",
     "median {tui_key_median_ms:.2f} ms, p95 {tui_key_p95_ms:.2f} ms ({tui_keys:.0f} keys)",
     "median < 16 ms (1,000 services, 10,000 alerts)"),
    ("console first frame", "tui", "{tui_first_frame_ms:.0f} ms", "< 200 ms"),
    ("console idle CPU", "tui", "{tui_idle_pct:.2f} % of one core over {tui_idle_s:.0f} s",
     "< 1 %"),
    ("outbox drain, {outbox_n:,.0f} alert events", "outbox",
     "{outbox_rate:,.0f} notifications/s", "> 1,000/s"),
    ("metrics collector overhead", "collector",
     "{collector_pct:.3f} % of one core ({collector_tick_us:,.0f} us a tick)", "< 0.5 % at 1 s"),
    ("PostgreSQL", None, "n/a: no PostgreSQL backend yet", ""),
]


class Missing(Exception):
    pass


class Values(dict):
    def __missing__(self, key):
        raise Missing(key)


def load(path):
    meta, vals, steps = {}, Values(), {}
    for line in open(path, encoding="utf-8"):
        parts = line.rstrip("\n").split(" ")
        if parts[0] == "META" and len(parts) >= 2:
            meta[parts[1]] = " ".join(parts[2:])
        elif parts[0] == "RESULT" and len(parts) >= 3:
            try:
                vals[parts[1].replace(".", "_")] = float(parts[2])
            except ValueError:
                pass
        elif parts[0] == "STEP" and len(parts) == 4:
            steps[parts[1]] = (int(parts[2]), int(parts[3]))
    return meta, vals, steps


def fill(template, vals):
    def optional(m):
        try:
            return string.Formatter().vformat(m.group(1), (), vals)
        except Missing:
            return ""
    template = re.sub(r"\[\[(.*?)\]\]", optional, template)
    return string.Formatter().vformat(template, (), vals)


def cell(text):
    return text.replace("|", "\\|")


def main():
    meta, vals, steps = load(sys.argv[1])
    print("machine: %s cores, %s, %s; commit %s; %s; load average %s at the start, %s at "
          "the end; %s run" % (meta.get("cores", "?"), meta.get("cpu", "?"),
                               meta.get("kernel", "?"), meta.get("commit", "?"),
                               meta.get("date", "?"), meta.get("load_start", "?"),
                               meta.get("load_end", "?"), meta.get("mode", "?")))
    print()
    print("| what | figure | target / notes |")
    print("|---|---|---|")
    for what, step, fig, target in ROWS:
        try:
            what = fill(what, vals)
        except Missing:
            what = what.split(",")[0].split(": {")[0]
        if step is None:
            figure = fig
        elif step not in steps:
            continue  # not part of this run (BENCH_QUICK, BENCH_ONLY)
        else:
            try:
                figure = fill(fig, vals)
            except Missing as e:
                rc = steps[step][0]
                figure = ("not measured: step %s failed (exit %d)" % (step, rc) if rc
                          else "not measured in this run (no %s)" % e.args[0])
        try:
            target = fill(target, vals)
        except Missing:
            target = ""
        print("| %s | %s | %s |" % (cell(what), cell(figure), cell(target)))
    took = sum(s[1] for s in steps.values())
    print()
    print("Steps: %s; %d s in all." % (", ".join(
        "%s %s (%d s)" % (k, "ok" if v[0] == 0 else "FAILED", v[1]) for k, v in steps.items()),
        took))


if __name__ == "__main__":
    main()
