#!/usr/bin/python3
"""Issue 13 item 3: durable answers, through the real listener.

A 2xx to a request that wrote waits until the write-ahead log holding its
commit is fdatasynced (store_sync_answer, src/store/groupcommit.c: what a
synchronous=FULL COMMIT does, one fsync shared by every answer committed
meanwhile). Observed through /api/admin/metrics:

1. one write request (create a service, a heartbeat) adds exactly one
   durable answer and at least one WAL fsync before its 2xx arrives;
2. reads and refused writes (400, 404) add none;
3. 32 clients sending heartbeats at once: every 2xx was counted, they
   shared fsyncs (fewer fsyncs than answers), and every heartbeat is in
   the database;
4. the server's shutdown log gives the same totals.

tests/unit/test_groupcommit.c checks, with fsync(2)/fdatasync(2)
interposed, that the sync really reaches the -wal file.

Prints TAP. Run: RESOPS_BIN=build/resops tests/api/test_durable.py
"""
import os
import re
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, Tap  # noqa: E402

t = Tap()
THREADS, EACH = 32, 15


def counters(srv, tok):
    r = srv.get('/api/admin/metrics', tok)
    out = {}
    for key, name in (('answers', 'resops_durable_answers_total'),
                      ('fsyncs', 'resops_durable_fsyncs_total'),
                      ('failures', 'resops_durable_fsync_failures_total')):
        m = re.search(r'^%s (\d+)$' % name, r.raw, re.M)
        out[key] = int(m.group(1)) if m else None
    return out


def main():
    srv = Server().start()
    try:
        srv.signup('admin', 'adminpass1')
        tok = srv.login('admin', 'adminpass1')
        c0 = counters(srv, tok)
        t.ok(c0['answers'] is not None and c0['fsyncs'] is not None,
             'metrics expose resops_durable_answers_total and _fsyncs_total', c0)
        r = srv.post('/api/services', {'name': 'db', 'owner': 'ops', 'criticality': 'High'}, tok)
        t.eq(r.status, 201, 'POST /api/services answers 201')
        sid = r.json.get('service_id') if r.status == 201 else 0
        c1 = counters(srv, tok)
        t.eq(c1['answers'] - c0['answers'], 1, 'one write request: one durable answer')
        t.ok(c1['fsyncs'] - c0['fsyncs'] >= 1, 'its answer waited for a WAL fsync', (c0, c1))
        r = srv.post('/api/services/%d/status' % sid, {'status': 'Down'}, tok)
        t.eq(r.status, 200, 'a heartbeat answers 200')
        c2 = counters(srv, tok)
        t.eq(c2['answers'] - c1['answers'], 1, 'a heartbeat: one durable answer')
        srv.get('/api/services', tok)
        srv.get('/api/services/%d' % sid, tok)
        bad = srv.post('/api/services', {'owner': 'ops'}, tok)
        missing = srv.post('/api/services/999999/status', {'status': 'Up'}, tok)
        c3 = counters(srv, tok)
        t.ok(bad.status == 400 and missing.status == 404, 'refused writes answer 400 and 404',
             (bad.status, missing.status))
        t.eq(c3['answers'] - c2['answers'], 0, 'reads and refused writes wait for no fsync')

        ok = [0] * THREADS

        def client(i):
            for k in range(EACH):
                st = ('Up', 'Degraded', 'Down')[(i + k) % 3]
                if srv.post('/api/services/%d/status' % sid, {'status': st}, tok).status < 300:
                    ok[i] += 1
        th = [threading.Thread(target=client, args=(i,)) for i in range(THREADS)]
        for x in th:
            x.start()
        for x in th:
            x.join()
        c4 = counters(srv, tok)
        n = sum(ok)
        t.eq(n, THREADS * EACH, '%d concurrent heartbeats all answered 2xx' % (THREADS * EACH))
        t.eq(c4['answers'] - c3['answers'], n, 'each of them was a durable answer')
        fs = c4['fsyncs'] - c3['fsyncs']
        print('# %d answers shared %d WAL fsyncs' % (n, fs))
        t.ok(1 <= fs < n, 'concurrent answers shared fsyncs (%d fsyncs for %d answers)' % (fs, n))
        t.eq(c4['failures'], 0, 'no fsync failed')
        rows = srv.db_query("SELECT count(*) FROM audit_log WHERE action LIKE '%Status%'")[0][0]
        t.ok(rows >= n, 'every heartbeat left its audit row in the database', (rows, n))
    finally:
        rc = srv.stop()
        log = srv.logtext()
        srv.cleanup()
    t.eq(rc, 0, 'SIGTERM stops the server with exit 0')
    m = re.search(r'durable answers: (\d+) in (\d+) WAL fsyncs', log)
    t.ok(m and int(m.group(1)) >= THREADS * EACH + 2,
         'the shutdown log totals the durable answers', m.group(0) if m else log[-2000:])
    t.done()


main()
