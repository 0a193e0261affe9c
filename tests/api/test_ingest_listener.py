#!/usr/bin/python3
"""Durable ingestion through the real listener (issue 12, performance,
first bullet): the real binary on loopback, real sockets, TAP output.

- Concurrent POST /api/ingestion/raw from many keep-alive connections:
  every 201 id is in sec_alert, read from the database file, and the
  requests shared commits (the listener logs the group commit's counters
  when it stops: fewer commits than calls, a batch of several).
- Heartbeats (POST /api/services/{id}/status, serialized under the
  listener's write lock) run at the same time as ingestion (group commit,
  not under that lock): all answered, none stuck (no deadlock).
- The body limit: 1 MiB everywhere (a 2 MiB POST /api/ingestion/raw is
  413 "limit 1 MiB"), but the upload URL (ROUTE_LARGE_BODY) takes up to
  security.upload_max_bytes (3 MiB here through RESOPS_UPLOAD_MAX_BYTES):
  2 MiB is 201 and kept byte for byte, 4 MiB is 413 naming the limit.

Every wait is bounded and on a condition. Run:
RESOPS_BIN=build/resops tests/api/test_ingest_listener.py
"""
import http.client
import json
import os
import re
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, Tap  # noqa: E402

t = Tap()
UPLOAD_MAX = 3 * 1024 * 1024
THREADS, PER_THREAD = 32, 12


def ingest_worker(port, tok, tid, out):
    """PER_THREAD ingests on one keep-alive connection; (status, id) pairs."""
    c = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
    try:
        for n in range(PER_THREAD):
            aid = 'gc-%d-%d' % (tid, n)
            body = json.dumps({'id': aid, 'payload': {
                'message': 'User login failed', 'source': 'syslog',
                'timestamp': '2025-08-17T12:01:00Z',
                'details': {'user': 'alice', 'ip': '10.0.0.1', 'port': 22}}})
            c.request('POST', '/api/ingestion/raw', body=body,
                      headers={'Authorization': 'Bearer ' + tok,
                               'Content-Type': 'application/json'})
            r = c.getresponse()
            data = r.read()
            got = json.loads(data).get('id') if r.status == 201 else data[:200]
            out.append((r.status, aid, got))
    except OSError as e:
        out.append(('error', str(e), None))
    finally:
        c.close()


def heartbeat_worker(port, tok, sid, out):
    c = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
    try:
        for n in range(PER_THREAD):
            c.request('POST', '/api/services/%d/status' % sid,
                      body=json.dumps({'status': 'Up' if n % 2 else 'Degraded'}),
                      headers={'Authorization': 'Bearer ' + tok,
                               'Content-Type': 'application/json'})
            r = c.getresponse()
            r.read()
            out.append(r.status)
    except OSError as e:
        out.append('error %s' % e)
    finally:
        c.close()


def concurrent_ingest_and_heartbeats(srv, tok):
    r = srv.post('/api/services', {'name': 'hb-svc', 'owner': 'ops', 'criticality': 'High'}, tok)
    sid = (r.json or {}).get('id') or (r.json or {}).get('service_id')
    t.ok(r.status == 201 and sid, 'a service for the heartbeats', r)
    ing, hb = [], []
    ths = [threading.Thread(target=ingest_worker, args=(srv.port, tok, i, ing))
           for i in range(THREADS)]
    ths += [threading.Thread(target=heartbeat_worker, args=(srv.port, tok, sid, hb))
            for _ in range(4)]
    for th in ths:
        th.start()
    for th in ths:
        th.join(120)
    t.ok(not any(th.is_alive() for th in ths), 'every client finished within 120 s (no deadlock)')
    ok = [x for x in ing if x[0] == 201]
    t.eq(len(ok), THREADS * PER_THREAD, 'every concurrent ingest answered 201')
    t.ok(all(x[1] == x[2] for x in ok), 'each 201 names the id that was sent',
         [x for x in ok if x[1] != x[2]][:3])
    t.eq(sorted(set(hb)), [200], 'every heartbeat during the ingestion answered 200')
    ids = {x[1] for x in ok}
    rows = {r[0] for r in srv.db_query("SELECT id FROM sec_alert WHERE id LIKE 'gc-%'")}
    t.eq(len(ids - rows), 0, 'every id answered 201 is in sec_alert (read from the file)')
    t.eq(len(rows), THREADS * PER_THREAD, 'and no other row')


def body_limits(srv, tok):
    MiB = 1024 * 1024
    big = b'{"id":"big-raw","payload":{"blob":"' + b'x' * (2 * MiB) + b'"}}'
    c = http.client.HTTPConnection('127.0.0.1', srv.port, timeout=60)
    try:
        c.request('POST', '/api/ingestion/raw', body=big,
                  headers={'Authorization': 'Bearer ' + tok, 'Content-Type': 'application/json'})
        r = c.getresponse()
        st, data = r.status, r.read()
    except (BrokenPipeError, ConnectionResetError):
        st, data = 'closed early', b''
    finally:
        c.close()
    t.ok(st == 413 and b'1 MiB' in data or st == 'closed early',
         'a 2 MiB POST /api/ingestion/raw: 413 (the 1 MiB limit stays on other routes)',
         (st, data[:200]))

    r = srv.get('/api/ingestion/raw-url', tok)
    t.ok(r.status == 200 and (r.json or {}).get('max_bytes') == UPLOAD_MAX,
         'raw-url announces max_bytes = security.upload_max_bytes', r)
    url = (r.json or {}).get('url', '')
    payload = b'{"message":"' + b'y' * (2 * MiB) + b'"}'
    c = http.client.HTTPConnection('127.0.0.1', srv.port, timeout=60)
    try:
        c.request('PUT', url, body=payload, headers={'Content-Type': 'application/json'})
        r2 = c.getresponse()
        st, data = r2.status, r2.read()
    finally:
        c.close()
    t.eq(st, 201, 'a 2 MiB PUT to the upload URL (ROUTE_LARGE_BODY): 201')
    loc = json.loads(data).get('location') if st == 201 else None
    if loc:
        got = srv.get(loc, tok)
        t.eq(len(got.raw), len(payload), 'the 2 MiB payload is kept whole (GET location)')
    else:
        t.ok(False, 'the 2 MiB payload is kept whole (GET location)', data[:200])

    url = srv.get('/api/ingestion/raw-url', tok).json.get('url', '')
    s = socket.create_connection(('127.0.0.1', srv.port), timeout=20)
    s.sendall(b'PUT %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
              b'Content-Length: %d\r\n\r\n' % (url.encode(), 4 * MiB))
    resp = b''
    try:
        while b'\r\n\r\n' not in resp or not resp.rstrip().endswith(b'}'):
            chunk = s.recv(65536)
            if not chunk:
                break
            resp += chunk
    except OSError:
        pass
    s.close()
    m = re.match(rb'HTTP/1\.[01] (\d+)', resp)
    t.ok(m and m.group(1) == b'413' and b'%d bytes' % UPLOAD_MAX in resp,
         'a 4 MiB upload (Content-Length over 3 MiB): 413 naming the limit, from the headers',
         resp[:300])


def group_commit_counters(srv):
    rc = srv.stop()
    t.eq(rc, 0, 'resops stops cleanly')
    m = re.search(r'group commit: (\d+) calls in (\d+) commits \(([\d.]+) a commit, largest '
                  r'(\d+)\), (\d+) failed', srv.logtext())
    t.ok(m, 'the listener logs the group commit counters at stop', srv.logtext()[-800:])
    if m:
        calls, commits, largest = int(m.group(1)), int(m.group(2)), int(m.group(4))
        t.ok(calls >= THREADS * PER_THREAD and commits < calls and largest >= 2,
             'concurrent ingests shared commits (%d calls in %d commits, largest batch %d)'
             % (calls, commits, largest))
        t.eq(int(m.group(5)), 0, 'no commit failed')


def main():
    srv = Server(env={'RESOPS_UPLOAD_MAX_BYTES': str(UPLOAD_MAX)})
    try:
        srv.start()
        srv.signup('admin', 'password123')
        tok = srv.login('admin', 'password123')
        t.ok(tok, 'the first account (Admin) signs in')
        concurrent_ingest_and_heartbeats(srv, tok)
        body_limits(srv, tok)
        group_commit_counters(srv)
    finally:
        srv.stop()
        srv.cleanup()
    t.done()


main()
