#!/usr/bin/python3
"""Issue 12: a REAL Prometheus Alertmanager (Debian's prometheus-alertmanager)
on loopback, its webhook receiver pointing at resops's
/api/ingest/alertmanager with a Bearer credential in http_config. An alert
posted to Alertmanager's API v2 arrives in resops normalized (severity,
title, fingerprint, observables); posting it again with endsAt in the past
resolves it in Alertmanager, whose resolved notification closes it in
resops.

The credential is a machine token of scope ingest (`resops token create
NAME --scope ingest`) where this build has them, else (before wt-tok is
merged) a signed-in user's session JWT: both are Bearer tokens.
"""
import datetime
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, Server, Tap, wait_for  # noqa: E402

t = Tap()
AM = shutil.which('prometheus-alertmanager') or '/usr/bin/prometheus-alertmanager'

CONFIG = """route:
  receiver: resops
  group_by: ['alertname']
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: resops
    webhook_configs:
      - url: http://127.0.0.1:%(port)d/api/ingest/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: %(token)s
"""


def free_port():
    """A free port of this test's range (18210-18299)."""
    for p in range(18210, 18300):
        s = socket.socket()
        try:
            s.bind(('127.0.0.1', p))
            return p
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError('no free port in 18210-18299')


def iso(dt):
    return dt.strftime('%Y-%m-%dT%H:%M:%S.000Z')


def am_post(port, alerts):
    req = urllib.request.Request('http://127.0.0.1:%d/api/v2/alerts' % port,
                                 data=json.dumps(alerts).encode(), method='POST',
                                 headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status


def am_ready(port):
    try:
        with urllib.request.urlopen('http://127.0.0.1:%d/-/ready' % port, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def ours(srv, tok):
    r = srv.get('/api/security/alerts?limit=100', tok)
    if r.status != 200:
        return []
    items = r.json if isinstance(r.json, list) else (r.json or {}).get('alerts', [])
    return [a for a in items if a.get('source') == 'alertmanager']


def main():
    if not os.path.exists(AM):
        t.skip('a real Alertmanager delivers to resops', 'prometheus-alertmanager not installed')
        t.done()
    srv = Server().start()
    work = tempfile.mkdtemp(prefix='resops-am-')
    am = None
    try:
        srv.signup('collector', 'collectorpass')
        tok = srv.login('collector', 'collectorpass')     # reads the alerts back
        mk = subprocess.run([BIN, 'token', 'create', 'alertmanager', '--scope', 'ingest',
                             '--db', srv.db], capture_output=True, text=True, env=srv.env,
                            timeout=60)
        cred = mk.stdout.strip() if mk.returncode == 0 and mk.stdout.strip() else None
        if cred:
            t.ok(True, 'a machine token of scope ingest for Alertmanager')
        else:
            print('# no `resops token create` in this build: a session JWT instead', flush=True)
            cred = tok
            t.ok(tok, 'a Bearer credential for Alertmanager (session JWT)')
        cfg = os.path.join(work, 'alertmanager.yml')
        with open(cfg, 'w') as f:
            f.write(CONFIG % {'port': srv.port, 'token': cred})
        port = free_port()
        am = subprocess.Popen([AM, '--config.file=' + cfg, '--storage.path=' + work,
                               '--web.listen-address=127.0.0.1:%d' % port,
                               '--cluster.listen-address=', '--log.level=warn'],
                              stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, 'am.log'), 'w'))
        t.ok(wait_for(lambda: am_ready(port), timeout=30), 'Alertmanager is up on loopback')

        start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
        alert = {'labels': {'alertname': 'SSHBruteForce', 'severity': 'critical',
                            'instance': '10.20.30.40:22', 'job': 'sshd'},
                 'annotations': {'summary': 'SSH brute force from 203.0.113.7',
                                 'description': 'Failed password for root from 203.0.113.7'},
                 'startsAt': iso(start), 'generatorURL': 'http://127.0.0.1:9090/graph'}
        t.eq(am_post(port, [alert]), 200, 'the alert is posted to Alertmanager\'s API v2')
        got = wait_for(lambda: ours(srv, tok), timeout=30)
        t.ok(len(got) == 1, 'it arrives in resops through the webhook', got)
        aid = got[0]['id'] if got else 'none'

        def norm():
            r = srv.get('/api/security/alerts/' + aid, tok)
            if r.status == 200 and r.json.get('stage') in ('normalized', 'triaged'):
                return r.json
            return None
        a = wait_for(norm, timeout=5)
        if not a:        # no pipeline thread yet: triage normalizes first
            srv.post('/api/triage/%s/score/triage' % aid, {}, tok)
            a = wait_for(norm, timeout=10)
        doc = (a or {}).get('normalized') or {}
        if isinstance(doc.get('normalized'), dict):
            doc = doc['normalized']
        t.ok(doc.get('severity') == 'critical' and doc.get('severity_id') == 5
             and doc.get('title') == 'SSH brute force from 203.0.113.7',
             'it is normalized (critical, 5, title from the summary)', a)
        o = [(x['type'], x['value']) for x in doc.get('observables', [])]
        t.ok(('ip', '10.20.30.40') in o and ('ip', '203.0.113.7') in o and ('user', 'root') in o,
             'observables from labels and annotations', o)
        t.ok(a and a.get('fingerprint') and len(a['fingerprint']) == 16,
             'Alertmanager\'s fingerprint is kept', a)
        t.ok(a and not a.get('closed_at'), 'it is open')

        alert['endsAt'] = iso(datetime.datetime.now(datetime.timezone.utc) -
                              datetime.timedelta(seconds=1))
        t.eq(am_post(port, [alert]), 200, 'the alert is posted again with endsAt in the past')

        def closed():
            r = srv.get('/api/security/alerts/' + aid, tok)
            return r.json if r.status == 200 and r.json.get('closed_at') else None
        c = wait_for(closed, timeout=30)
        t.ok(c, 'Alertmanager\'s resolved notification closes it in resops', c)
        t.eq(len(ours(srv, tok)), 1, 'the resolution stored no second alert')
        audit_calls = srv.db_query("SELECT count(*) FROM sec_alert WHERE fingerprint = ?",
                                   (a.get('fingerprint') if a else '',))
        t.eq(audit_calls[0][0], 1, 'one row with that fingerprint')
    finally:
        if am:
            am.terminate()
            try:
                am.wait(10)
            except subprocess.TimeoutExpired:
                am.kill()
                am.wait()
        t.eq(srv.stop(), 0, 'server exits cleanly')
        srv.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    t.done()


main()
