#!/usr/bin/python3
"""Issue 12: ingestion never loses an accepted alert. The real binary
(--headless with the API) takes POST /api/ingestion/raw from several
threads and is killed with SIGKILL at a random moment, five rounds over one
database; after each restart every id that got a 2xx is in the database,
and at the end every one of them gets triaged by the pipeline (alerts
left in stage received by a kill are picked up on restart).

Prints TAP. Run: RESOPS_BIN=build/resops tests/integration/ingest_kill.py
"""
import os
import random
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '../api'))
from harness import Server, Tap, wait_for  # noqa: E402

t = Tap()
ROUNDS = 5
THREADS = 4


def writer(srv, tok, prefix, stop, acked, errors):
    n = 0
    while not stop.is_set():
        aid = '%s-%d' % (prefix, n)
        n += 1
        body = {'id': aid, 'payload': {'message': 'Failed SSH login for root from 10.1.%d.%d' % (n % 250, n % 7),
                                       'severity': random.choice(['low', 'high', 'critical'])}}
        try:
            r = srv.post('/api/ingestion/raw', body, tok)
        except OSError:
            errors.append(aid)         # the process died mid-request: not acknowledged
            continue
        if 200 <= r.status < 300:
            acked.append(aid)
        elif r.status != 409:
            errors.append(aid)


def main():
    random.seed(int(os.environ.get('RESOPS_KILL_SEED', time.time())))
    work = tempfile.mkdtemp(prefix='resops-kill-')
    srv = Server(workdir=work)
    acked_all = []
    try:
        srv.start()
        srv.signup('admin', 'adminpass')
        for rnd in range(ROUNDS):
            if rnd:
                srv.start()
            tok = srv.login('admin', 'adminpass')
            stop = threading.Event()
            acked, errors = [], []
            ths = [threading.Thread(target=writer, args=(srv, tok, 'r%d-t%d' % (rnd, i), stop, acked, errors))
                   for i in range(THREADS)]
            for th in ths:
                th.start()
            wait_for(lambda: len(acked) > 0, timeout=30)   # writing has begun
            time.sleep(random.uniform(0.1, 1.0))
            srv.proc.send_signal(signal.SIGKILL)
            srv.proc.wait()
            stop.set()
            for th in ths:
                th.join(30)
            srv.stop()
            got = {r[0] for r in srv.db_query('SELECT id FROM sec_alert')}
            missing = [a for a in acked if a not in got]
            t.ok(acked and not missing, 'round %d: kill -9 after %d acknowledged alerts: every one is in the '
                 'database' % (rnd + 1, len(acked)), missing[:5])
            acked_all += acked
        srv.start()
        tok = srv.login('admin', 'adminpass')
        want = set(acked_all)

        def all_triaged():
            rows = srv.db_query("SELECT id FROM sec_alert WHERE stage = 'triaged'")
            return want <= {r[0] for r in rows}
        ok = wait_for(all_triaged, timeout=120, step=0.5)
        left = srv.db_query("SELECT stage, count(*) FROM sec_alert GROUP BY stage")
        t.ok(ok, 'after the last restart all %d acknowledged alerts get triaged' % len(want), left)
        r = srv.get('/api/security/alerts/' + acked_all[0], tok)
        t.ok(r.status == 200 and r.json['stage'] == 'triaged' and r.json['s0'] is not None,
             'and the API shows them triaged', r)
        t.eq(srv.stop(), 0, 'the last run exits cleanly')
    finally:
        srv.stop()
        srv.cleanup()
    t.done()


main()
