#!/usr/bin/python3
"""Issue 13 item 2: crash consistency under kill -9.

The real binary (--headless with the API) takes writes from six client
threads, each doing its own kind with unique names or ids so that presence
can be checked exactly: services created, status heartbeats, alert
acknowledgements, the kill switch (category network) on and off, incident
submits (seed 001 auto-resolve) and security ingestion (seed 003
POST /api/ingestion/raw). About one request in five is deliberately
invalid (a 4xx that must leave no row). The process is killed with SIGKILL
at a random moment 0.2-1.5 s into each of ROUNDS rounds (default 20) over
one database. While it is down, each round checks on the file: PRAGMA
integrity_check is ok, every request answered 2xx is there, nothing
answered 4xx (or refused before it reached the listener) is, and the
webhook notifications stay pending. The next round checks that the
restarted server answers.

Every answer is recorded: a request cut by the kill (no answer) may or may
not be there. Heartbeats carry no unique field, so a service's audited
status sequence must be the sequence of its 2xx heartbeats with any of the
unanswered ones in between (the threads send one request at a time and
never the same status twice in a row).

Notifications: a webhook receiver in this test answers 503 during the kill
rounds, so every outbox row stays pending. Then one round where the kill
lands while deliveries are in flight: the receiver takes each request (it
has processed it) and answers 200 only after 3 s, so resops dies before it
can record the delivery. At the end the receiver answers 200 at once and
resops starts once more: every outbox row is delivered; each delivery
carries the row's Idempotency-Key, and only the keys that were in flight at
that kill arrive twice, with the same key and body. That is at-least-once
delivery plus a stable id: exactly-once for a receiver that dedupes on
Idempotency-Key (the guarantee resops gives, notifier.c's DESIGN).

This test folds in issue 12's ingest_kill (kill -9 during ingestion): at the
end every acknowledged security alert is triaged by the pipeline.

Prints TAP. Run: RESOPS_BIN=build/resops tests/integration/crash_consistency.py
Environment: RESOPS_CRASH_ROUNDS (default 20), RESOPS_KILL_SEED (random seed).
"""
import http.client
import os
import random
import signal
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '../api'))
from harness import Server, Tap, wait_for  # noqa: E402

t = Tap()
ROUNDS = int(os.environ.get('RESOPS_CRASH_ROUNDS', '20'))
SLOW_S = 3.0          # the in-flight round: the receiver answers after this long
NOT_SENT = 'refused'  # connection refused: the request never reached resops

# ---- the webhook receiver ----------------------------------------------------


class Receiver:
    """An HTTP receiver on loopback whose answer the test switches: '503'
    (refuse: deliveries stay pending), 'slow' (processed on arrival,
    answered 200 after SLOW_S) and 'ok'. Records every request."""

    def __init__(self):
        self.mode = '503'
        self.lock = threading.Lock()
        self.log = []            # {'key', 'mode', 'body'}
        rcv = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
                with rcv.lock:
                    mode = rcv.mode
                    rcv.log.append({'key': self.headers.get('Idempotency-Key'), 'mode': mode,
                                    'body': body.decode('utf-8', 'replace')})
                if mode == 'slow':
                    time.sleep(SLOW_S)
                status = 503 if mode == '503' else 200
                try:
                    self.send_response(status)
                    self.send_header('Content-Length', '0')
                    self.end_headers()
                except OSError:
                    pass          # resops died while we were answering

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass              # a connection reset by the killed resops

        self.srv = Quiet(('127.0.0.1', 0), Handler)
        self.srv.daemon_threads = True
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def set_mode(self, mode):
        with self.lock:
            self.mode = mode

    def records(self, mode=None):
        with self.lock:
            return [r for r in self.log if mode is None or r['mode'] == mode]

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


# ---- the writers --------------------------------------------------------------


def call(srv, method, path, body, tok):
    """The answer's status, NOT_SENT when the connection was refused (the
    process is down: nothing reached it) or None when it was cut."""
    try:
        return srv.request(method, path, body, tok).status
    except ConnectionRefusedError:
        return NOT_SENT
    except (OSError, http.client.HTTPException):
        return None


class Writer:
    """One client thread: its kind of write, over every round. ops is a
    list of (key, valid, status) in the order sent."""

    def __init__(self, name, step, ctx):
        self.name, self.step, self.ctx = name, step, ctx
        self.ops = []
        self.n = 0
        self.error = None

    def run(self, srv, tok, rnd, stop):
        try:
            while not stop.is_set():
                self.n += 1
                bad = self.n % 5 == 0
                key = '%s-r%d-%d' % (self.name, rnd, self.n)
                fields, (method, path, body) = self.step(key, bad, self.ctx)
                self.ops.append(fields + (call(srv, method, path, body, tok),))
        except Exception as e:      # a bug in the test: reported, not hidden
            self.error = repr(e)

    def answered(self, cls):
        """Keys (or op tuples) whose status is of class cls: '2xx', '4xx',
        'unknown' (cut), NOT_SENT, 'other'."""
        return [op for op in self.ops if status_class(op[-1]) == cls]


def status_class(s):
    if s is None:
        return 'unknown'
    if s == NOT_SENT:
        return NOT_SENT
    if 200 <= s < 300:
        return '2xx'
    if 400 <= s < 500:
        return '4xx'
    return 'other'


def step_service(key, bad, ctx):
    name = key if not bad else (key + '-' + 'x' * 101)[:101]       # over 100: 400
    req = ('POST', '/api/services', {'name': name})
    return (name, not bad), req


def step_heartbeat(key, bad, ctx):
    sid = random.choice(ctx['hb'])
    if bad:
        req = ('POST', '/api/services/%d/status' % sid, {'status': 'Sleeping'})
        return (sid, False, 'Sleeping'), req
    prev = ctx['last'].get(sid)
    status = random.choice([s for s in ('Up', 'Down', 'Degraded') if s != prev])
    ctx['last'][sid] = status
    req = ('POST', '/api/services/%d/status' % sid, {'status': status})
    return (sid, True, status), req


def step_ack(key, bad, ctx):
    aid = random.choice(ctx['alerts'])
    body = {'id': aid, 'acknowledged': 'yes' if bad else True, 'note': key}
    req = ('PUT', '/api/alerts', body)
    return (key, not bad), req


def step_kill(key, bad, ctx):
    ctx['on'] = not ctx.get('on')
    what = 'activate' if ctx['on'] else 'deactivate'
    cat = 'bogus' if bad else 'network'
    req = ('POST', '/api/v1/config/kill-switch/%s?category=%s&reason=%s' % (what, cat, key), None)
    return (key, not bad, 'on:' + key if ctx['on'] else 'off'), req


def step_incident(key, bad, ctx):
    iid = 'INC-' + key
    inc = {'incident_id': iid, 'title': 'crash ' + key, 'description': 'crash consistency',
           'category': 'nonsense' if bad else 'database', 'priority': 'high',
           'confidence_score': random.choice([0.5, 0.95]), 'created_by': 'crash'}
    req = ('POST', '/api/v1/incidents/%s/auto-resolve' % iid, inc)
    return (iid, not bad), req


def step_ingest(key, bad, ctx):
    body = {'id': key}
    if not bad:
        body['payload'] = {'message': 'Failed SSH login for root from 10.1.%d.%d'
                                      % (random.randrange(250), random.randrange(7)),
                           'severity': random.choice(['low', 'high', 'critical'])}
    req = ('POST', '/api/ingestion/raw', body)
    return (key, not bad), req


STEPS = [('svc', step_service), ('hb', step_heartbeat), ('ack', step_ack),
         ('kill', step_kill), ('inc', step_incident), ('ing', step_ingest)]


# ---- what the database must hold --------------------------------------------


def present_sets(srv):
    """Every checkable key in the database (the server is down)."""
    q = srv.db_query
    acks = {d.rsplit(': ', 1)[-1] for (d,) in q("SELECT detail FROM audit_log WHERE action = "
                                               "'Alert Acknowledged' AND detail LIKE '%: ack-r%'")}
    return {'svc': {n for (n,) in q('SELECT name FROM service')},
            'ack': acks,
            'inc': {i for (i,) in q('SELECT incident_id FROM incident')} |
                   {i for (i,) in q('SELECT DISTINCT incident_id FROM incident_audit')},
            'ing': {i for (i,) in q('SELECT id FROM sec_alert')}}


def sequence_ok(ops, seq):
    """Is seq (what the database audited, in order) the 2xx ops, in order,
    with any of the unanswered ones in between? ops are (id, valid,
    token, answer). A set of positions in seq (an NFA) walks ops: a 2xx
    must match, an unanswered one may, a 4xx or refused one must not."""
    pos = {0}
    for (_id, valid, token, answer) in ops:
        c = status_class(answer)
        step = {j + 1 for j in pos if j < len(seq) and seq[j] == token}
        if c == '2xx':
            pos = step
        elif c == 'unknown' and valid:
            pos = pos | step
        if not pos:
            return False
    return len(seq) in pos


def check_heartbeats(srv, w, base):
    """Per service: the user's audited statuses after setup follow the
    heartbeats; the status row is the last audited one (the engine's own
    first 'Unknown' is audited as the system, user 0)."""
    bad = []
    for sid in w.ctx['hb']:
        rows = srv.db_query("SELECT detail, user_id FROM audit_log WHERE action = 'Status Updated' "
                            "AND entity_id = ? ORDER BY id", (sid,))
        seq = [d for (d, u) in rows[base[sid]:] if u != 0]
        ops = [op for op in w.ops if op[0] == sid]
        now = srv.db_query('SELECT status FROM status WHERE service_id = ?', (sid,))
        if not sequence_ok(ops, seq) or (seq and now[0][0] != rows[-1][0]):
            bad.append('service %d: audited %s, status %s; sent %s' % (
                sid, seq[-6:], now, [(o[2], o[3]) for o in ops[-6:]]))
    return bad


def check_kill_switch(srv, w):
    """The kill switch's audit (every category) follows the 2xx toggles of
    category network; its row is in the last audited state."""
    seq = []
    for (action, d) in srv.db_query("SELECT action, detail FROM audit_log WHERE action LIKE "
                                    "'Kill Switch %' ORDER BY id"):
        if not d.endswith('(category network)'):
            seq.append('other: ' + d)
        elif action == 'Kill Switch Activated':
            seq.append('on:' + d.split(': ', 1)[1].split(' (category', 1)[0])
        else:
            seq.append('off')
    row = srv.db_query("SELECT auto_resolution_enabled FROM category_config WHERE category = 'network'")
    state_ok = not seq or (row and row[0][0] == (seq[-1] == 'off'))
    if sequence_ok(w.ops, seq) and state_ok:
        return []
    return ['kill switch: audited %s, row %s; sent %s' % (seq[-6:], row, [o[2:] for o in w.ops[-6:]])]


def check_acks(srv, w):
    """Each alert's row holds the note of its last audited ack (the row
    and its audit entry are one transaction)."""
    bad = []
    for aid in w.ctx['alerts']:
        last = srv.db_query("SELECT detail FROM audit_log WHERE action = 'Alert Acknowledged' AND "
                            "detail LIKE ? ORDER BY id DESC LIMIT 1", ('alert %d acknowledged by %%' % aid,))
        row = srv.db_query('SELECT acknowledged, ack_note FROM alert WHERE id = ?', (aid,))
        if last and row != [(1, last[0][0].rsplit(': ', 1)[-1])]:
            bad.append('alert %d: row %s, last audited %s' % (aid, row, last))
    return bad


def check_round(srv, writers, base):
    """(missing 2xx, present 4xx/refused, counts) over every round so far."""
    have = present_sets(srv)
    missing, extra = [], []
    counts = {'2xx': 0, '4xx': 0, 'unknown': 0, NOT_SENT: 0, 'other': 0}
    for w in writers:
        for op in w.ops:
            counts[status_class(op[-1])] += 1
        if w.name in ('hb', 'kill'):
            missing += check_heartbeats(srv, w, base) if w.name == 'hb' else check_kill_switch(srv, w)
            continue
        if w.name == 'ack':
            missing += check_acks(srv, w)
        got = have[w.name]
        missing += ['%s %s' % (w.name, op[0]) for op in w.answered('2xx') if op[0] not in got]
        extra += ['%s %s (%s)' % (w.name, op[0], op[-1]) for op in w.ops
                  if status_class(op[-1]) in ('4xx', NOT_SENT) and op[0] in got]
    return missing, extra, counts


def outbox_pending(srv):
    rows = srv.db_query("SELECT id, channel, delivered_at, dead_at FROM outbox")
    return {r[0]: r for r in rows}


# ---- the test -------------------------------------------------------------------


def setup(srv):
    """Users, the heartbeat services and the ack thread's open alerts."""
    srv.signup('admin', 'adminpass')
    tok = srv.login('admin', 'adminpass')
    hb = [srv.post('/api/services', {'name': 'hb-%d' % i}, tok).json['service_id'] for i in range(3)]
    acks = [srv.post('/api/services', {'name': 'acked-%d' % i}, tok).json['service_id'] for i in range(3)]
    for sid in acks:
        srv.post('/api/services/%d/status' % sid, {'status': 'Down'}, tok)
    alerts = [a['id'] for a in srv.get('/api/alerts', tok).json if a['service_id'] in acks]
    t.ok(len(hb) == 3 and len(alerts) == 3, 'setup: three heartbeat services, three open alerts to ack',
         alerts)
    return tok, hb, alerts


def one_round(srv, tok, writers, rnd):
    stop = threading.Event()
    ths = [threading.Thread(target=w.run, args=(srv, tok, rnd, stop)) for w in writers]
    for th in ths:
        th.start()
    time.sleep(random.uniform(0.2, 1.5))
    srv.proc.send_signal(signal.SIGKILL)
    stop.set()
    srv.proc.wait()
    for th in ths:
        th.join(60)
    srv.stop()


def rounds(srv, rcv, tok, writers, base):
    seen_outbox = {}
    for rnd in range(1, ROUNDS + 1):
        if rnd > 1:
            srv.start()
            r = srv.get('/api/healthz')
            t.ok(r.status == 200, 'round %d: the restarted server answers' % rnd, r)
        one_round(srv, tok, writers, rnd)
        ic = srv.db_query('PRAGMA integrity_check')
        t.eq(ic, [('ok',)], 'round %d: PRAGMA integrity_check is ok' % rnd)
        missing, extra, c = check_round(srv, writers, base)
        t.ok(not missing, 'round %d: every 2xx is in the database (%d so far; %d cut by the kill)'
             % (rnd, c['2xx'], c['unknown']), missing[:10])
        t.ok(not extra, 'round %d: none of the %d 4xx answers (nor %d refused '
             'requests) left a row' % (rnd, c['4xx'], c[NOT_SENT]), extra[:10])
        t.ok(c['other'] == 0 and not any(w.error for w in writers),
             'round %d: no other answer, no client error' % rnd,
             [(w.name, w.error, w.answered('other')[:3]) for w in writers])
        ob = outbox_pending(srv)
        lost = [i for i in seen_outbox if i not in ob]
        done = [r for r in ob.values() if r[1] != 'event' and (r[2] or r[3])]
        pending = sum(1 for r in ob.values() if r[1] != 'event')
        t.ok(not lost and not done,
             'round %d: %d webhook notifications all still pending (receiver answering 503)'
             % (rnd, pending), (lost[:5], done[:5]))
        seen_outbox = ob
    t.ok(c['2xx'] > 0 and c['4xx'] > 0 and c['unknown'] > 0,
         'the rounds had %d 2xx answers, %d 4xx and %d requests cut by a kill' % (c['2xx'], c['4xx'],
                                                                               c['unknown']))
    t.ok(len(rcv.records('503')) > 0 and pending > 0,
         'the receiver refused %d delivery attempts of %d notifications during the rounds'
         % (len(rcv.records('503')), pending))


def inflight_round(srv, rcv):
    """Kill -9 while deliveries are in flight: the receiver has them."""
    rcv.set_mode('slow')
    srv.start()
    got = wait_for(lambda: rcv.records('slow'), timeout=30)
    time.sleep(random.uniform(0.2, 1.0))
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait()
    srv.stop()
    keys = {r['key'] for r in rcv.records('slow')}
    undelivered = {k for (k,) in srv.db_query('SELECT idempotency_key FROM outbox WHERE '
                                               'delivered_at IS NULL AND dead_at IS NULL')}
    t.ok(got and keys and keys <= undelivered,
         'in-flight kill: %d deliveries the receiver took are still pending in the outbox' % len(keys),
         sorted(keys - undelivered)[:5])
    t.eq(srv.db_query('PRAGMA integrity_check'), [('ok',)], 'in-flight kill: integrity_check is ok')
    return keys


def final_delivery(srv, rcv, inflight, tok, writers):
    rcv.set_mode('ok')
    srv.start()

    def drained():
        return srv.db_query('SELECT count(*) FROM outbox WHERE delivered_at IS NULL '
                            'AND dead_at IS NULL')[0][0] == 0
    ok = wait_for(drained, timeout=60, step=0.2)
    rows = srv.db_query("SELECT idempotency_key, delivered_at, dead_at FROM outbox WHERE channel <> 'event'")
    t.ok(ok and rows and all(r[1] and not r[2] for r in rows),
         'after the last restart all %d webhook notifications are delivered, none dead' % len(rows),
         [r for r in rows if not r[1] or r[2]][:5])
    delivered = rcv.records('slow') + rcv.records('ok')
    per_key = {}
    for r in delivered:
        per_key.setdefault(r['key'], []).append(r['body'])
    want = {r[0] for r in rows}
    t.ok(None not in per_key and set(per_key) == want,
         'every delivery carries its row\'s Idempotency-Key; the receiver got exactly the outbox\'s keys',
         (sorted(want - set(per_key))[:5], sorted(set(per_key) - want)[:5]))
    twice = {k for k, b in per_key.items() if len(b) > 1}
    t.ok(twice <= inflight and all(len(set(per_key[k])) == 1 for k in twice),
         'exactly once per key: only the %d in flight at the kill came again (%d did), same key and body'
         % (len(inflight), len(twice)), sorted(twice - inflight)[:5])
    bodies = [b[0] for b in per_key.values()]
    t.ok(len(bodies) == len(set(bodies)), 'no notification arrived twice under two keys')
    return len(rows), len(twice)


def final_state(srv, tok, writers):
    ing = next(w for w in writers if w.name == 'ing')
    want = {op[0] for op in ing.answered('2xx')}

    def all_triaged():
        return want <= {r[0] for r in srv.db_query("SELECT id FROM sec_alert WHERE stage = 'triaged'")}
    ok = wait_for(all_triaged, timeout=120, step=0.5)
    t.ok(ok and want, 'every one of the %d acknowledged security alerts is triaged after the restarts'
         % len(want), srv.db_query('SELECT stage, count(*) FROM sec_alert GROUP BY stage'))
    first = next((op[0] for op in ing.answered('2xx')), '')
    r = srv.get('/api/security/alerts/' + first, tok)
    t.ok(r.status == 200 and r.json['stage'] == 'triaged' and r.json['s0'] is not None,
         'and the API shows them triaged', r)
    stuck = wait_for(lambda: not srv.db_query("SELECT incident_id FROM incident WHERE state IN "
                                              "('open', 'resolving')"), timeout=60, step=0.5)
    t.ok(stuck, 'no incident is left open or resolving: runs cut by a kill were resumed',
         srv.db_query("SELECT incident_id, state FROM incident WHERE state IN ('open', 'resolving')"))
    t.eq(srv.stop(), 0, 'the last run exits cleanly')
    t.eq(srv.db_query('PRAGMA integrity_check'), [('ok',)], 'integrity_check is ok at the end')


def torn_secret():
    """A first start killed between creating <db>.jwt-secret and writing
    it left an empty file that every later start refused ("shorter than
    32 characters"): the secret is now linked into place whole, and an
    empty file is replaced."""
    srv = Server()
    try:
        open(srv.db + '.jwt-secret', 'w').close()
        try:
            srv.start()
        except RuntimeError as e:
            t.ok(False, 'a start finding an empty .jwt-secret starts', str(e)[-300:])
            return
        r = srv.signup('admin', 'adminpass')
        t.ok(r.status == 201 and len(srv.secret()) == 64,
             'a start finding an empty .jwt-secret (a kill during the first start) makes a whole one', r)
        t.eq(sorted(f for f in os.listdir(srv.dir) if 'jwt-secret' in f), ['resops.db.jwt-secret'],
             'and leaves no temporary file beside it')
    finally:
        srv.stop()
        srv.cleanup()


def main():
    seed = int(os.environ.get('RESOPS_KILL_SEED', time.time()))
    random.seed(seed)
    print('# seed %d, %d rounds' % (seed, ROUNDS), flush=True)
    t0 = time.monotonic()
    rcv = Receiver()
    work = tempfile.mkdtemp(prefix='crash-')
    srv = Server(workdir=work, env={'ALERT_WEBHOOK_URL': 'http://127.0.0.1:%d/hook' % rcv.port,
                                    'ALERT_WEBHOOK_BACKOFF': '0.2', 'ALERT_WEBHOOK_RETRIES': '100',
                                    'RESOPS_NOTIFY_GROUP_WAIT_S': '0'})
    try:
        srv.start()
        tok, hb, alerts = setup(srv)
        ctx = {'hb': hb, 'alerts': alerts, 'last': {}}
        writers = []
        for name, step in STEPS:
            writers.append(Writer(name, step, dict(ctx, last={})))
        base = {sid: srv.db_query("SELECT count(*) FROM audit_log WHERE action = 'Status Updated' "
                                  "AND entity_id = ?", (sid,))[0][0] for sid in hb}
        rounds(srv, rcv, tok, writers, base)
        inflight = inflight_round(srv, rcv)
        n, twice = final_delivery(srv, rcv, inflight, tok, writers)
        final_state(srv, tok, writers)
        torn_secret()
        print('# %d rounds, %d requests (%s), %d notifications, %d redelivered after the in-flight '
              'kill, %.1f s' % (ROUNDS, sum(len(w.ops) for w in writers),
                                ', '.join('%s %d' % (w.name, len(w.ops)) for w in writers),
                                n, twice, time.monotonic() - t0), flush=True)
    finally:
        srv.stop()
        rcv.close()
        srv.cleanup()
    t.done()


main()
