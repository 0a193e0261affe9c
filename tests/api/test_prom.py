#!/usr/bin/python3
"""Issue 12 item 8: GET /api/admin/metrics, the Prometheus exposition,
against the real binary and a real Prometheus.

1. Auth: 401 without a token; any signed-in caller may read it (the
   documented choice: a Prometheus scrapes it with a long-lived token).
2. The answer is text format 0.0.4 and `promtool check metrics` accepts it
   (exit 0; a lint failure prints promtool's findings).
3. Counters: after N requests to a route its requests_total{code} and its
   histogram's _count grew by exactly N; a 404 of no route is counted
   under route="(unmatched)"; every histogram's buckets are cumulative and
   its +Inf bucket equals its _count; the engine's tick histogram has
   counted the first tick; security and alert families are there.
   Alerts ingested through the API count at once in ingested_total; as
   the pipeline triages them the stages (no backlog, adding up to the
   total), routes and vectors follow; verdicts and alerts written by
   another connection show up; build-index makes index_size the loaded
   vectors' count.
4. A real Prometheus (/usr/bin/prometheus, our own config, port and
   storage; scrape_interval 1s, Bearer authorization) scrapes resops: its
   /api/v1/query answers up{job="resops"} == 1 and samples of
   resops_http_requests_total.

Prints TAP. Run: RESOPS_BIN=build/resops tests/api/test_prom.py
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, Tap, wait_for  # noqa: E402

t = Tap()
PROMTOOL = shutil.which('promtool') or '/usr/bin/promtool'
PROMETHEUS = shutil.which('prometheus') or '/usr/bin/prometheus'
PORTS = range(18700, 18800)          # this test's port range (issue 12, H7)
CT = 'text/plain; version=0.0.4; charset=utf-8'

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """{(name, frozenset(labels)): value} and {name: type}."""
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith('# TYPE '):
            _, _, name, typ = line.split(' ', 3)
            types[name] = typ
            continue
        if not line or line.startswith('#'):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError('bad line: %r' % line)
        labels = frozenset(LABEL.findall(m.group(2) or ''))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples, types


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


def histograms(samples, types):
    """Every histogram series: {(name, labels without le): ([(le, v)], count)}."""
    out = {}
    for (name, labels), v in samples.items():
        if name.endswith('_bucket') and types.get(name[:-7]) == 'histogram':
            base = dict(labels)
            le = base.pop('le')
            key = (name[:-7], frozenset(base.items()))
            out.setdefault(key, [[], None])[0].append((float(le), v))
    for (name, labels), entry in out.items():
        entry[1] = samples.get((name + '_count', labels))
    return out


def free_port():
    for p in PORTS:
        s = socket.socket()
        try:
            s.bind(('127.0.0.1', p))
            return p
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError('no free port in %r' % PORTS)


def scrape(srv, tok):
    r = srv.get('/api/admin/metrics', tok)
    return r, (parse(r.raw) if r.status == 200 else ({}, {}))


def check_exposition(srv, tok):
    r = srv.get('/api/admin/metrics')
    t.ok(r.status == 401 and r.error, 'no token: 401 with an error', r)
    r, (s0, types) = scrape(srv, tok)
    t.eq(r.status, 200, 'the Admin reads the metrics')
    t.eq(r.headers.get('content-type'), CT, 'content type is text format 0.0.4')
    p = subprocess.run([PROMTOOL, 'check', 'metrics'], input=r.raw, capture_output=True,
                       text=True, timeout=30)
    t.ok(p.returncode == 0, 'promtool check metrics accepts the exposition',
         p.stdout + p.stderr)
    names = {n for (n, _) in s0}
    for fam in ('resops_http_requests_total', 'resops_engine_tick_seconds', 'resops_alerts',
                'resops_outbox_pending', 'resops_security_ingested_total',
                'resops_security_alerts', 'resops_similarity_vectors',
                'process_resident_memory_bytes', 'process_open_fds'):
        t.ok(fam in types and re.search(r'^# HELP %s ' % fam, r.raw, re.M),
             '%s has # HELP and # TYPE' % fam)
    t.ok({'resops_security_alerts', 'process_open_fds'} <= names, 'families have samples')
    for stage in ('received', 'normalized', 'triaged', 'failed'):
        t.ok(value(s0, 'resops_security_alerts', stage=stage) is not None,
             'resops_security_alerts{stage="%s"}' % stage)
    t.ok(value(s0, 'process_resident_memory_bytes') > 1e6, 'process RSS is plausible')
    t.ok(wait_for(lambda: (value(scrape(srv, tok)[1][0], 'resops_engine_tick_seconds_count')
                           or 0) >= 1, 10), "the engine's first tick is in its histogram")
    return s0


def check_counting(srv, tok):
    _, (s0, _) = scrape(srv, tok)
    key = dict(route='/api/services', method='GET')
    before = value(s0, 'resops_http_requests_total', code='200', **key) or 0
    hbefore = value(s0, 'resops_http_request_duration_seconds_count', **key) or 0
    nf_before = value(s0, 'resops_http_requests_total', route='(unmatched)', method='GET',
                      code='404') or 0
    for _ in range(5):
        srv.get('/api/services', tok)
    srv.get('/api/services')                      # a 401 of the same route
    for _ in range(2):
        srv.get('/api/no-such-route')
    _, (s1, types) = scrape(srv, tok)
    t.eq(value(s1, 'resops_http_requests_total', code='200', **key), before + 5,
         'requests_total{route="/api/services",code="200"} grew by 5')
    t.ok((value(s1, 'resops_http_requests_total', code='401', **key) or 0) >= 1,
         'the 401 is counted under its code')
    t.eq(value(s1, 'resops_http_request_duration_seconds_count', **key), hbefore + 6,
         "the route's latency histogram counted the 6 requests")
    t.eq(value(s1, 'resops_http_requests_total', route='(unmatched)', method='GET', code='404'),
         nf_before + 2, 'requests of no route: route="(unmatched)" grew by 2')
    hs = histograms(s1, types)
    t.ok(len(hs) >= 3, 'several histogram series (%d)' % len(hs))
    bad = []
    for (name, labels), (buckets, count) in hs.items():
        buckets.sort()
        vals = [v for _, v in buckets]
        if vals != sorted(vals) or buckets[-1][0] != float('inf') or vals[-1] != count:
            bad.append((name, dict(labels), buckets, count))
    t.ok(not bad, 'every histogram: cumulative buckets, +Inf == _count', bad[:3])
    # the next scrape never shows a counter lower than this one
    _, (s2, _) = scrape(srv, tok)
    lower = [k for k, v in s1.items() if k[0].endswith('_total') and s2.get(k, 0) < v]
    t.ok(not lower, 'counters never decrease between scrapes', lower[:3])


def check_db_counts(srv, tok):
    """The database families through the real pipeline: alerts ingested by
    the API are counted at once, their stages, routes and vectors follow
    as the pipeline triages them (within the scan's age), verdicts and
    seed 000 alerts written by another connection show up, and after
    build-index the HNSW index's size is the loaded vectors'."""
    _, (s0, _) = scrape(srv, tok)
    ing0 = value(s0, 'resops_security_ingested_total')
    ids = ['prom-%d' % i for i in range(4)]
    for i, aid in enumerate(ids):
        r = srv.post('/api/ingestion/raw', {'id': aid, 'payload': {
            'message': 'Failed password for root from 203.0.113.%d port 22 ssh2' % (i + 7),
            'severity': 'high'}}, tok)
        t.eq(r.status, 201, 'ingested %s' % aid)
    _, (s1, _) = scrape(srv, tok)
    t.eq(value(s1, 'resops_security_ingested_total'), ing0 + 4,
         'resops_security_ingested_total grew by the 4 alerts at once')

    def settled():
        s = scrape(srv, tok)[1][0]
        stages = {st: value(s, 'resops_security_alerts', stage=st) or 0
                  for st in ('received', 'normalized', 'triaged', 'failed')}
        done = stages['received'] == 0 and stages['triaged'] >= 4 and \
            sum(stages.values()) == value(s, 'resops_security_ingested_total')
        return done and (s, stages)
    got = wait_for(settled, 20, 0.25)
    t.ok(got, 'the pipeline triages them: no backlog, the stages add up to the ingested total',
         scrape(srv, tok)[0].raw[-3000:] if not got else None)
    if got:
        s2, stages = got
        routed = sum(value(s2, 'resops_security_routed', route=r) or 0 for r in ('verdict', 'ml'))
        t.eq(routed, stages['triaged'], 'routed{verdict} + routed{ml} == triaged')
        t.ok((value(s2, 'resops_similarity_vectors') or 0) >= 4,
             'resops_similarity_vectors counts their vectors')
    seq = srv.db_query("SELECT seq FROM sec_alert WHERE id = 'prom-0'")[0][0]
    srv.db_exec("INSERT INTO sec_verdict (alert_seq, classification, confidence, created_at) "
                "VALUES (?, 'TP', 0.9, '2026-01-01T00:00:00')", (seq,))
    srv.db_exec("INSERT INTO alert (type, message, severity, acknowledged) VALUES "
                "('status_change', 'x is Down', 'Critical', 0), "
                "('status_change', 'y is Down', 'Critical', 1)")
    _, (s3, _) = scrape(srv, tok)
    t.eq(value(s3, 'resops_security_verdicts_total', classification='TP'), 1,
         'verdicts_total{classification="TP"} (written by another connection)')
    t.eq((value(s3, 'resops_alerts', severity='Critical', state='open'),
          value(s3, 'resops_alerts', severity='Critical', state='acknowledged')), (1, 1),
         'resops_alerts by severity and state')
    t.eq(value(s3, 'resops_similarity_indexed'), 0, 'no HNSW index yet: indexed 0')
    r = srv.post('/api/admin/embeddings/build-index', {}, tok)
    t.eq(r.status, 200, 'build-index')
    _, (s4, _) = scrape(srv, tok)
    t.ok(value(s4, 'resops_similarity_indexed') == 1 and
         value(s4, 'resops_similarity_index_size') ==
         value(s4, 'resops_similarity_loaded_vectors') >= 4,
         'after build-index: indexed 1, index_size == the loaded vectors',
         [(k, v) for k, v in s4.items() if k[0].startswith('resops_similarity')])


def check_roles(srv):
    srv.signup('viewer', 'viewerpass')
    tok = srv.login('viewer', 'viewerpass')
    r = srv.get('/api/admin/metrics', tok)
    t.eq(r.status, 200, "a signed-in user (role 'user') reads the metrics (documented choice)")


def prom_query(port, q):
    url = 'http://127.0.0.1:%d/api/v1/query?%s' % (port, urllib.parse.urlencode({'query': q}))
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return json.loads(resp.read())
    except (OSError, ValueError):
        return None


def check_real_prometheus(srv, tok):
    if not os.access(PROMETHEUS, os.X_OK):
        t.skip('a real Prometheus scrapes resops', 'no %s' % PROMETHEUS)
        return
    d = tempfile.mkdtemp(prefix='resops-prom-')
    port = free_port()
    cfg = os.path.join(d, 'prometheus.yml')
    with open(cfg, 'w') as f:
        f.write('global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n'
                'scrape_configs:\n'
                '  - job_name: resops\n'
                '    metrics_path: /api/admin/metrics\n'
                '    authorization:\n      type: Bearer\n      credentials: %s\n'
                '    static_configs:\n      - targets: ["127.0.0.1:%d"]\n' % (tok, srv.port))
    log = open(os.path.join(d, 'prometheus.log'), 'w')
    p = subprocess.Popen([PROMETHEUS, '--config.file=' + cfg,
                          '--storage.tsdb.path=' + os.path.join(d, 'data'),
                          '--web.listen-address=127.0.0.1:%d' % port],
                         stdout=log, stderr=subprocess.STDOUT)
    try:
        def up():
            r = prom_query(port, 'up{job="resops"}')
            res = r and r.get('data', {}).get('result')
            return res and res[0]['value'][1] == '1' and res
        res = wait_for(up, 30, 0.25)
        t.ok(res, 'Prometheus scrapes resops with the Bearer token: up{job="resops"} == 1',
             open(log.name).read()[-2000:] if not res else None)

        def series():
            r = prom_query(port, 'resops_http_requests_total{job="resops"}')
            return r and r.get('status') == 'success' and r['data']['result']
        res = wait_for(series, 15, 0.25)
        routes = {x['metric'].get('route') for x in res or []}
        t.ok(res and '/api/admin/metrics' in routes,
             "Prometheus's API returns resops_http_requests_total samples (its own scrapes "
             "counted under route /api/admin/metrics)", routes)
        r = prom_query(port, 'resops_http_request_duration_seconds_bucket{job="resops",le="+Inf"}')
        t.ok(r and r['data']['result'], 'the latency histograms are stored too')
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        log.close()
        shutil.rmtree(d, ignore_errors=True)


def main():
    srv = Server().start()
    try:
        srv.signup('admin', 'adminpass')
        tok = srv.login('admin', 'adminpass')
        check_exposition(srv, tok)
        check_counting(srv, tok)
        check_db_counts(srv, tok)
        check_roles(srv)
        check_real_prometheus(srv, tok)
    finally:
        t.eq(srv.stop(), 0, 'server exits cleanly')
        srv.cleanup()
    t.done()


main()
