#!/usr/bin/python3
"""The injected test clock (RESOPS_CLOCK_OFFSET_FILE) and what it makes
testable without waiting: an ack with an expiry that runs out while the
condition still holds reopens the alert within seconds (no engine tick
needed), is audited "Alert Ack Expired"
by system and is notified again exactly once (issue 11 item 3), checked
at a real webhook receiver.

Prints TAP; one check = one case. Run: RESOPS_BIN=build/resops tests/api/test_clock.py
"""
import datetime
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SRC, Server, Tap, received, wait_for  # noqa: E402

t = Tap()
RECEIVER = os.path.join(SRC, 'tests/integration/notify_receiver.py')


def set_offset(path, seconds):
    with open(path + '.tmp', 'w') as f:
        f.write('%d\n' % seconds)
    os.replace(path + '.tmp', path)


class Tokens:
    """Signed-in users whose tokens follow the moved clock (a token from
    before a jump of days has expired on the server's clock)."""
    def __init__(self, srv):
        self.srv = srv

    def __getattr__(self, name):
        pw = 'adminpass' if name == 'admin' else 'password123'
        return self.srv.login(name, pw)


def iso(s):
    return datetime.datetime.strptime(s[:19], '%Y-%m-%dT%H:%M:%S')


def pages(log, alert_id):
    """The webhook documents about alert_id, as (event, severity)."""
    out = []
    for rec in received(log):
        try:
            b = json.loads(rec['body'])
        except (ValueError, KeyError):
            continue
        if b.get('source') == 'alert' and b.get('alert_id') == alert_id:
            out.append(b.get('event'))
    return out


def main():
    # the engine's own tick is an hour away: an expired ack must reopen
    # without it (the notifier looks every scan)
    srv = Server(args=['--check-interval', '3600'])
    clock = os.path.join(srv.dir, 'clock')
    set_offset(clock, 0)
    log = os.path.join(srv.dir, 'hook.log')
    rp = subprocess.Popen([sys.executable, RECEIVER, log, '--port', '0'], stdout=subprocess.PIPE,
                          text=True)
    port = int(rp.stdout.readline().split()[1])
    srv.env.update({'RESOPS_CLOCK_OFFSET_FILE': clock,
                    'ALERT_WEBHOOK_URL': 'http://127.0.0.1:%d/ok' % port})
    srv.start()
    try:
        run(srv, clock, log)
    finally:
        t.eq(srv.stop(), 0, 'the server stops cleanly')
        rp.terminate()
        rp.wait()
    t.done()


def run(srv, clock, log):
    srv.signup('admin', 'adminpass')
    admin = srv.login('admin', 'adminpass')
    srv.signup('oa', 'password123', role='Ops Analyst', token=admin)
    tk = Tokens(srv)
    sid = srv.post('/api/services', {'name': 'Queue', 'criticality': 'High'}, admin).json['service_id']
    srv.post('/api/services/%d/status' % sid, {'status': 'Down'}, tk.admin)
    alert = wait_for(lambda: next((a for a in srv.get('/api/alerts', tk.oa).json
                                   if a['service_id'] == sid and a['type'] == 'StatusChange'
                                   and not a['resolved']), None))
    t.ok(alert, 'a Down status raises an open StatusChange alert', alert)
    if not alert:
        return
    aid = alert['id']

    # the clock moves what the server stamps
    before = iso(srv.get('/api/alerts', tk.oa).json[0]['created_at'])
    set_offset(clock, 3 * 86400)
    srv.put('/api/alerts', {'id': aid, 'acknowledged': True, 'note': 'restarting',
                            'expires_in_minutes': 30}, tk.oa)
    x = next(a for a in srv.get('/api/alerts', tk.oa).json if a['id'] == aid)
    shift = (iso(x['acknowledged_at']) - before).total_seconds()
    t.ok(3 * 86400 - 60 <= shift <= 3 * 86400 + 60,
         'with the offset file at +3 days, the ack is stamped 3 days later', (before, x))
    t.ok(x['acknowledged'] and (iso(x['ack_expires_at']) - iso(x['acknowledged_at'])).total_seconds()
         == 1800, 'the ack expires 30 minutes after it was given', x)
    first = wait_for(lambda: pages(log, aid))
    t.eq(first, ['raised'], 'the Down alert was paged once before the ack')

    # 29 minutes later: still acknowledged, nothing sent
    set_offset(clock, 3 * 86400 + 29 * 60)
    time.sleep(2.5)
    x = next(a for a in srv.get('/api/alerts', tk.oa).json if a['id'] == aid)
    t.ok(x['acknowledged'] is True, 'before its expiry the ack holds', x)
    t.eq(pages(log, aid), ['raised'], 'and no new page went out')

    # 31 minutes later: reopened, audited, paged again once
    set_offset(clock, 3 * 86400 + 31 * 60)
    x = wait_for(lambda: next((a for a in srv.get('/api/alerts', tk.oa).json
                               if a['id'] == aid and not a['acknowledged']), None))
    t.ok(x and x['acknowledged_by'] is None and x['ack_note'] is None and x['ack_expires_at'] is None
         and not x['resolved'], 'after its expiry the alert is open again, owner and note cleared', x)
    rows = srv.db_query("SELECT user_id FROM audit_log WHERE action = 'Alert Ack Expired'")
    t.ok(len(rows) == 1 and rows[0][0] == 0, 'audited once "Alert Ack Expired" by system', rows)
    got = wait_for(lambda: len(pages(log, aid)) >= 2 and pages(log, aid))
    t.eq(got, ['raised', 'raised'], 'the reopened alert is paged again')
    time.sleep(3)   # several notifier scans
    t.eq(pages(log, aid), ['raised', 'raised'], 'exactly once: later ticks send nothing more')
    rows = srv.db_query("SELECT count(*) FROM audit_log WHERE action = 'Alert Ack Expired'")
    t.eq(rows[0][0], 1, 'and audit nothing more')

    # an ack whose condition cleared before the expiry stays as it was
    srv.put('/api/alerts', {'id': aid, 'acknowledged': True, 'expires_in_minutes': 5}, tk.oa)
    srv.post('/api/services/%d/status' % sid, {'status': 'Up'}, tk.admin)
    wait_for(lambda: next((a for a in srv.get('/api/alerts', tk.oa).json
                           if a['id'] == aid and a['resolved']), None))
    set_offset(clock, 3 * 86400 + 60 * 60)
    time.sleep(2.5)
    x = next(a for a in srv.get('/api/alerts', tk.oa).json if a['id'] == aid)
    t.ok(x['resolved'] and x['acknowledged'], 'a resolved alert keeps its expired ack', x)
    t.eq([e for e in pages(log, aid) if e == 'raised'], ['raised', 'raised'],
         'and is not paged again')


if __name__ == '__main__':
    main()
