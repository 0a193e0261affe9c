#!/usr/bin/python3
"""Issue 11 items 5 and 6 against the real binary, a real webhook receiver
and the injected clock (RESOPS_CLOCK_OFFSET_FILE):

- reminders: an open, unacknowledged Critical condition is notified again
  once per notify.repeat_interval; none after an ack; none after it is
  resolved; the reminder carries "reminder": n and the runbook;
- flapping: more than flapping.changes status changes within
  flapping.window make one Flapping alert and no notification per change;
  when it stops, one notification of the settled state;
- runbook_url: create / update / clear / validation, GET, the webhook
  document;
- timeline.md: headers, entries in time order with the actors, the
  notifications, 404s, for a downtime and for an incident; a downtime's
  SLA breach found after it ended, the silence that covered it and the
  notification it kept back and released.
"""
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SRC, Server, Tap, start_receiver, wait_for  # noqa: E402

t = Tap()
REPEAT = 600          # notify.repeat_interval for this server (10m)
WINDOW = 600          # flapping.window (10m)
CHANGES = 3           # flapping.changes


def docs(log):
    try:
        with open(log) as f:
            return [json.loads(json.loads(line)['body']) for line in f if line.strip()]
    except FileNotFoundError:
        return []


class Clock:
    def __init__(self, path):
        self.path, self.offset = path, 0
        self.set(0)

    def set(self, s):
        self.offset = s
        with open(self.path + '.tmp', 'w') as f:
            f.write('%d\n' % s)
        os.replace(self.path + '.tmp', self.path)

    def advance(self, s):
        self.set(self.offset + s)


def ticks(srv, n=3):
    """Let the engine (1 s interval) run about n more evaluations: a check
    that nothing MORE happens can only wait (the server's own clock is
    moved by the offset file, so no expiry is waited for)."""
    time.sleep(n * 1.2)


def create(srv, tok, name, **kw):
    body = {'name': name, 'description': 'oncall test', 'criticality': 'Low', 'impact': 'Low'}
    body.update(kw)
    return srv.post('/api/services', body, tok)


def status(srv, tok, sid, s):
    r = srv.post('/api/services/%d/status' % sid, {'status': s}, tok)
    assert r.status == 200, r
    return r


def of(log, sid, **match):
    return [d for d in docs(log) if d.get('service_id') == sid and
            all(d.get(k) == v for k, v in match.items())]


# ---- runbook_url ----------------------------------------------------------------

def runbooks(srv, tok):
    rb = 'https://wiki.example/runbooks/payments?x=1#top'
    r = create(srv, tok, 'RB one', runbook_url=rb)
    t.eq(r.status, 201, 'runbook_url: a create with an https URL is 201')
    sid = r.json['service_id']
    svc = [s for s in srv.get('/api/services', tok).json if s['id'] == sid]
    t.ok(svc and svc[0]['runbook_url'] == rb, 'runbook_url: GET /api/services returns it', svc)
    r = create(srv, tok, 'RB none')
    nid = r.json['service_id']
    svc = [s for s in srv.get('/api/services', tok).json if s['id'] == nid]
    t.ok(svc and 'runbook_url' in svc[0] and svc[0]['runbook_url'] is None,
         'runbook_url: a service without one has runbook_url null', svc)
    for bad, label in (('ftp://wiki.example/x', 'ftp_scheme'), ('wiki.example/x', 'no_scheme'),
                       ('https://', 'no_host'), ('https:///path', 'empty_host'),
                       ('https://wiki.example/a b', 'space'),
                       ('https://wiki.example/' + 'a' * 2030, 'over_2048'),
                       ('https://ex.com:99999/x', 'port_99999'),
                       ('https://ex.com:0/x', 'port_0'), ('https://ex.com:65536', 'port_65536'),
                       ('https://ex.com:8a/x', 'port_not_digits'),
                       ('https://ex.com:+80/x', 'port_signed'), ('https://ex.com:/x', 'port_empty'),
                       ('https://:443/x', 'port_without_host'),
                       ('https://[::1]:70000/x', 'ipv6_port_70000'),
                       (42, 'a_number')):
        before = srv.db_query('SELECT count(*) FROM service')[0][0]
        r = create(srv, tok, 'RB bad ' + label, runbook_url=bad)
        t.ok(r.status == 400 and 'runbook_url' in (r.error or ''),
             'runbook_url: create with %s is 400 naming the field' % label, r)
        t.eq(srv.db_query('SELECT count(*) FROM service')[0][0], before,
             'runbook_url: a refused create with %s stores no service' % label)
    for good, label in (('https://ex.com:65535/x', 'port_65535'), ('http://ex.com:1', 'port_1'),
                        ('https://u:pw@ex.com:8443/x?a=b:c', 'userinfo_and_port'),
                        ('https://[::1]:8080/x', 'ipv6_port'), ('https://ex.com/a:b', 'colon_in_path')):
        r = create(srv, tok, 'RB ok ' + label, runbook_url=good)
        t.eq(r.status, 201, 'runbook_url: create with %s is 201' % label)
    r = create(srv, tok, 'RB exact', runbook_url='http://h/' + 'a' * (2048 - 9))
    t.eq(r.status, 201, 'runbook_url: exactly 2048 characters is accepted')
    r = srv.put('/api/services', {'id': nid, 'runbook_url': 'http://runbooks.local/db'}, tok)
    t.eq(r.status, 200, 'runbook_url: PUT sets it')
    t.eq(srv.db_query('SELECT runbook_url FROM service WHERE id = ?', (nid,)),
         [('http://runbooks.local/db',)], 'runbook_url: PUT stored it')
    r = srv.put('/api/services', {'id': nid, 'runbook_url': 'javascript:alert(1)'}, tok)
    t.ok(r.status == 400 and 'runbook_url' in r.error, 'runbook_url: PUT with a bad URL is 400', r)
    t.eq(srv.db_query('SELECT runbook_url FROM service WHERE id = ?', (nid,)),
         [('http://runbooks.local/db',)], 'runbook_url: a refused PUT changes nothing')
    r = srv.put('/api/services', {'id': nid, 'runbook_url': None}, tok)
    t.eq(r.status, 200, 'runbook_url: PUT null clears it')
    t.eq(srv.db_query('SELECT runbook_url FROM service WHERE id = ?', (nid,)), [(None,)],
         'runbook_url: cleared')
    t.ok(srv.db_query("SELECT count(*) FROM audit_log WHERE action = 'Runbook Updated' "
                      "AND entity_id = ? AND actor = 'ana'", (nid,))[0][0] == 2,
         'runbook_url: each change is audited "Runbook Updated" by the real user')
    return sid, rb


# ---- reminders ---------------------------------------------------------------------

def reminders(srv, tok, log, clock, rb_sid, rb):
    status(srv, tok, rb_sid, 'Up')
    status(srv, tok, rb_sid, 'Down')
    raised = wait_for(lambda: of(log, rb_sid, type='StatusChange', event='raised',
                                 severity='Critical'))
    t.ok(raised and raised[0]['runbook_url'] == rb,
         'runbook_url: the webhook document of the service\'s alert carries it', raised)
    aid = raised[0]['alert_id'] if raised else 0
    # a second service: Down then Up (resolved) - never reminded
    other = create(srv, tok, 'Resolved before the interval').json['service_id']
    status(srv, tok, other, 'Up')
    status(srv, tok, other, 'Down')
    status(srv, tok, other, 'Up')
    wait_for(lambda: of(log, other, type='StatusChange', severity='Info'))
    ticks(srv, 2)
    t.eq(len(of(log, rb_sid, reminder=1)), 0, 'reminders: none before the repeat interval')

    clock.advance(REPEAT + 1)
    first = wait_for(lambda: of(log, rb_sid, reminder=1))
    t.ok(len(first) == 1 and first[0]['event'] == 'raised' and first[0]['alert_id'] == aid
         and first[0]['severity'] == 'Critical' and first[0]['type'] == 'StatusChange',
         'reminders: after the repeat interval one reminder ("reminder": 1) of the same alert',
         first)
    t.ok(first and first[0]['runbook_url'] == rb, 'reminders: the reminder carries the runbook')
    ticks(srv, 3)
    t.eq(len([d for d in of(log, rb_sid) if d.get('reminder')]), 1,
         'reminders: one reminder per interval (several ticks later, still one)')
    t.eq([d for d in of(log, other) if d.get('reminder')], [],
         'reminders: a resolved alert is never reminded')

    clock.advance(REPEAT)
    second = wait_for(lambda: of(log, rb_sid, reminder=2))
    t.eq(len(second), 1, 'reminders: the next interval gives reminder 2')
    t.eq(srv.db_query('SELECT reminders FROM alert WHERE id = ?', (aid,)), [(2,)],
         'reminders: the alert counts its reminders (migration 0013)')
    t.ok(srv.db_query("SELECT count(*) FROM audit_log WHERE action = 'Alert Reminder' "
                      "AND alert_id = ?", (aid,))[0][0] == 2, 'reminders: each one is audited')

    r = srv.put('/api/alerts', {'id': aid, 'acknowledged': True}, tok)
    t.eq(r.status, 200, 'reminders setup: ack')
    clock.advance(REPEAT * 2)
    ticks(srv, 3)
    t.eq(len([d for d in of(log, rb_sid) if d.get('reminder')]), 2,
         'reminders: none after an ack, two intervals later')
    return aid


# ---- flapping ------------------------------------------------------------------------

def flapping(srv, tok, log, clock):
    sid = create(srv, tok, 'Flappy').json['service_id']
    status(srv, tok, sid, 'Up')                     # a first status: no change
    seq = ['Down', 'Up', 'Down']                    # 3 changes: not yet (more than 3)
    for s in seq:
        status(srv, tok, sid, s)
    wait_for(lambda: len(of(log, sid, type='StatusChange', event='raised')) >= 3)
    t.eq(srv.db_query("SELECT count(*) FROM alert WHERE service_id = ? AND type = 'Flapping'",
                      (sid,)), [(0,)], 'flapping: %d changes is not flapping yet' % CHANGES)
    for s in ['Up', 'Down', 'Up', 'Down', 'Up', 'Down']:   # the 4th change starts it
        status(srv, tok, sid, s)
    flap = wait_for(lambda: of(log, sid, type='Flapping', event='raised'))
    ticks(srv, 2)
    raised_changes = of(log, sid, type='StatusChange', event='raised')
    t.eq(len(raised_changes), 3, 'flapping: no StatusChange notification after it starts '
         '(9 changes, 3 notified)')
    t.eq(len(of(log, sid, type='Flapping', event='raised')), 1,
         'flapping: one Flapping notification for 6 more changes')
    t.ok(flap and flap[0]['severity'] == 'Warning' and 'flapping' in flap[0]['message'],
         'flapping: the Flapping alert says so', flap)
    rows = srv.db_query("SELECT type, count(*) FROM alert WHERE service_id = ? "
                        "AND resolved_at IS NULL GROUP BY type", (sid,))
    t.eq(rows, [('Flapping', 1)], 'flapping: the only open alert of the service is Flapping')
    r = srv.get('/api/alerts', tok)
    t.ok(len([a for a in r.json if a['service_id'] == sid and a['type'] == 'Flapping']) == 1,
         'flapping: GET /api/alerts shows the one Flapping alert')

    clock.advance(WINDOW + 60)                     # no change for the window: settled
    settled = wait_for(lambda: of(log, sid, type='Flapping', event='resolved'))
    t.ok(len(settled) == 1 and settled[0].get('settled_status') == 'Down'
         and 'settled Down' in settled[0]['message'],
         'flapping: when it stops, one notification of the settled state (Down)', settled)
    ticks(srv, 2)
    t.eq(len(of(log, sid, type='Flapping', event='resolved')), 1,
         'flapping: the settled notification is sent once')
    t.eq(len(of(log, sid, type='StatusChange', event='raised')), 3,
         'flapping: settling sends no second notification')
    open_ = srv.db_query("SELECT type, severity, message FROM alert WHERE service_id = ? "
                         "AND resolved_at IS NULL", (sid,))
    t.eq(open_, [('StatusChange', 'Critical', 'Service Flappy is Down')],
         'flapping: the settled Down stays an open StatusChange alert')
    # and a change after it settled is an ordinary change again
    status(srv, tok, sid, 'Up')
    t.ok(wait_for(lambda: len(of(log, sid, type='StatusChange', event='raised')) == 4),
         'flapping: after settling a change is notified again')


# ---- timelines -------------------------------------------------------------------------

ROW = re.compile(r'^\| (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) \| ([^|]*) \| (.*) \|$')


def entries(md):
    return [ROW.match(line).groups() for line in md.splitlines() if ROW.match(line)]


def timelines(srv, tok, log, clock, aid):
    sid = srv.db_query('SELECT service_id FROM alert WHERE id = ?', (aid,))[0][0]
    r = srv.get('/api/services/%d/downtime' % sid, tok)
    dts = r.json['downtimes']
    t.ok(r.status == 200 and dts and isinstance(dts[0].get('id'), int) and dts[0]['end_time'] is None,
         'timeline: GET downtime gives each downtime its id', r)
    did = dts[0]['id']
    wait_for(lambda: srv.db_query("SELECT count(*) FROM outbox WHERE service_id = ? AND "
                                  "channel = 'webhook' AND delivered_at IS NULL", (sid,))[0][0] == 0)
    r = srv.get('/api/services/%d/downtime/%d/timeline.md' % (sid, did), tok)
    t.ok(r.status == 200 and r.headers.get('content-type') == 'text/markdown; charset=utf-8',
         'timeline: downtime timeline.md is 200 text/markdown; charset=utf-8', r)
    md = r.raw
    t.ok(md.startswith('# Postmortem: RB one downtime #%d\n' % did), 'timeline: title', md[:200])
    t.ok('- **Service:** RB one (id %d)' % sid in md and '- **Start:** ' in md and
         '- **End:** ongoing' in md and '- **Duration:** ' in md and
         '- **Runbook:** https://wiki.example/runbooks/payments' in md,
         'timeline: header names service, start, end (ongoing), duration, runbook', md[:600])
    e = entries(md)
    t.ok(e and [x[0] for x in e] == sorted(x[0] for x in e), 'timeline: entries in time order', e)
    whats = [x[2] for x in e]
    t.ok(any(w == 'Status Updated: Down' and who == 'ana' for _, who, w in e),
         'timeline: the status change by the real user (ana)', e)
    t.ok(any(w.startswith('Alert #%d raised (StatusChange, Critical)' % aid) for w in whats),
         'timeline: the alert raised', whats)
    t.ok(any(w.startswith('Notification webhook (alert-%d-raised' % aid) and
             re.search(r': delivered \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$', w) for w in whats),
         'timeline: its webhook notification, delivered (when, UTC)', whats)
    t.ok(any(who == 'ana' and w.startswith('Alert Acknowledged') for _, who, w in e),
         'timeline: the acknowledgement by ana', e)
    t.ok(sum('Alert Reminder' in w for w in whats) == 2, 'timeline: both reminders', whats)
    i_down = next(i for i, w in enumerate(whats) if w == 'Status Updated: Down')
    i_ack = next(i for i, w in enumerate(whats) if w.startswith('Alert Acknowledged'))
    t.ok(i_down < i_ack, 'timeline: the Down comes before the ack')
    t.ok('Status Updated: Up' not in whats[i_down:], 'timeline: nothing from before the downtime')

    status(srv, tok, sid, 'Up')
    md = srv.get('/api/services/%d/downtime/%d/timeline.md' % (sid, did), tok).raw
    t.ok('- **End:** ' in md and '- **End:** ongoing' not in md and '(so far)' not in md,
         'timeline: an ended downtime has its end', md[:600])

    for path, label in (('/api/services/%d/downtime/999999/timeline.md' % sid, 'unknown_downtime'),
                        ('/api/services/999999/downtime/%d/timeline.md' % did, 'unknown_service')):
        r = srv.get(path, tok)
        t.ok(r.status == 404 and r.error in ('Downtime not found', 'Service not found'),
             'timeline: %s is 404 with a JSON error' % label, r)
    other = create(srv, tok, 'Not the owner').json['service_id']
    r = srv.get('/api/services/%d/downtime/%d/timeline.md' % (other, did), tok)
    t.ok(r.status == 404 and r.error == 'Downtime not found',
         'timeline: another service\'s downtime is 404', r)
    r = srv.get('/api/services/%d/downtime/%d/timeline.md' % (sid, did))
    t.eq(r.status, 401, 'timeline: needs a token like the other reads')

    # an incident of the same service, auto-resolved by the default playbook
    inc = {'incident_id': 'INC-TL-1', 'title': 'Payments | slow', 'description': 'timeline',
           'category': 'database', 'priority': 'high', 'confidence_score': 0.95,
           'created_by': 'ana', 'service_id': sid}
    r = srv.post('/api/v1/incidents/INC-TL-1/auto-resolve', inc, tok)
    t.ok(r.status == 200, 'timeline setup: an incident auto-resolved', r)
    r = srv.get('/api/v1/incidents/INC-TL-1/timeline.md', tok)
    md = r.raw
    t.ok(r.status == 200 and r.headers.get('content-type') == 'text/markdown; charset=utf-8'
         and md.startswith('# Postmortem: Payments \\| slow\n'),
         'timeline: incident timeline.md is 200 Markdown with its title (| escaped)', md[:300])
    t.ok('- **Service:** RB one (id %d)' % sid in md and '- **Incident:** INC-TL-1 (database' in md
         and '- **End:** ' in md and '- **Duration:** ' in md,
         'timeline: incident header (service, incident, end, duration)', md[:600])
    e = entries(md)
    t.ok(any(w.startswith('Step ') and 'succeeded' in w for _, _, w in e),
         'timeline: the playbook steps', e)
    t.ok(any(w.startswith('Incident: ') for _, _, w in e), 'timeline: the incident audit', e)
    t.ok([x[0] for x in e] == sorted(x[0] for x in e), 'timeline: incident entries in time order')
    r = srv.get('/api/v1/incidents/NOPE-1/timeline.md', tok)
    t.ok(r.status == 404 and r.error == 'Incident not found' and r.json.get('status_code') == 404,
         'timeline: an unknown incident is 404 in seed 001\'s error shape', r)


def downtime_md(srv, tok, sid):
    """The newest downtime's timeline.md of a service: (id, md)."""
    did = srv.get('/api/services/%d/downtime' % sid, tok).json['downtimes'][0]['id']
    return did, srv.get('/api/services/%d/downtime/%d/timeline.md' % (sid, did), tok).raw


def timeline_breach_and_silence(srv, tok, clock):
    """Review item 12: a downtime's SLA breach found after it ended, and
    the silence that covered it with the notification it kept back."""
    now = int(time.time()) + clock.offset
    iso = lambda ts: time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(ts))  # noqa: E731
    sid = create(srv, tok, 'TL breach', rto=30, created_at=iso(now - 86400)).json['service_id']
    r = srv.post('/api/services/%d/downtime' % sid, {'start_time': iso(now - 3 * 3600),
                                                      'end_time': iso(now - 3600),
                                                      'reason': 'past outage'}, tok)
    t.ok(r.status in (200, 201), 'timeline setup: a past downtime of 2 hours recorded', r)
    t.ok(wait_for(lambda: srv.db_query("SELECT count(*) FROM sla_breach WHERE service_id = ? AND "
                                       "type = 'RTO'", (sid,))[0][0], 30),
         'timeline setup: the engine finds its RTO breach after the downtime ended')
    _, md = downtime_md(srv, tok, sid)
    whats = [w for _, _, w in entries(md)]
    t.ok(any(w.startswith('SLA Breach (RTO) found after the downtime: Downtime exceeded RTO of 30')
             for w in whats), 'timeline: the SLA breach found after the downtime ended', md)

    sid = create(srv, tok, 'TL silenced').json['service_id']
    r = srv.post('/api/silences', {'matchers': {'service_id': sid}, 'duration_minutes': 60,
                                   'comment': 'planned work'}, tok)
    t.ok(r.status == 201, 'timeline setup: a silence on the service', r)
    sil = r.json['id']
    status(srv, tok, sid, 'Down')
    held = wait_for(lambda: srv.db_query("SELECT alert_id FROM silence_suppressed WHERE "
                                         "silence_id = ?", (sil,)), 30)
    t.ok(held, 'timeline setup: the Down alert\'s page is kept back')
    r = srv.delete('/api/silences/%d' % sil, token=tok)
    t.ok(r.status == 200, 'timeline setup: the silence expired early', r)
    aid = held[0][0] if held else 0
    _, md = downtime_md(srv, tok, sid)
    e = entries(md)
    t.ok(any(who == 'ana' and w == 'Silence #%d created: planned work (until %sZ)'
             % (sil, r.json['ends_at'][:19]) for _, who, w in e),
         'timeline: the silence that covered the downtime, created by ana', e)
    t.ok(any(w == 'Notification kept back by silence #%d (alert-%d-raised)' % (sil, aid)
             for _, _, w in e), 'timeline: the notification kept back', e)
    t.ok(any(who == 'ana' and w == 'Silence #%d expired' % sil for _, who, w in e),
         'timeline: the silence expired by ana', e)
    t.ok(any(w == 'Notification released by silence #%d (alert-%d-raised): notified' % (sil, aid)
             for _, _, w in e), 'timeline: the kept-back notification released (notified)', e)
    t.ok([x[0] for x in e] == sorted(x[0] for x in e), 'timeline: still in time order', e)


def main():
    srv = None
    rec = None
    try:
        srv = Server(args=['--check-interval', '1'])
        clock = Clock(os.path.join(srv.dir, 'clock'))
        rec = start_receiver(srv.dir)
        _, port, log = rec
        srv.env.update({
            'ALERT_WEBHOOK_URL': 'http://127.0.0.1:%d/ok' % port,
            'RESOPS_CLOCK_OFFSET_FILE': clock.path,
            'RESOPS_NOTIFY_REPEAT_INTERVAL': '10m',
            'RESOPS_FLAPPING_CHANGES': str(CHANGES),
            'RESOPS_FLAPPING_WINDOW': '10m',
            # heartbeat services must not go Down while the clock moves
            'RESOPS_HEARTBEAT_DEGRADED_S': '100000000',
            'RESOPS_HEARTBEAT_DOWN_S': '200000000',
        })
        srv.start()
        srv.signup('ana', 'password123')
        tok = srv.login('ana', 'password123')
        rb_sid, rb = runbooks(srv, tok)
        flapping(srv, tok, log, clock)
        aid = reminders(srv, tok, log, clock, rb_sid, rb)
        timelines(srv, tok, log, clock, aid)
        timeline_breach_and_silence(srv, tok, clock)
    finally:
        if srv:
            srv.stop()
            srv.cleanup()
        if rec:
            rec[0].terminate()
            rec[0].wait()
    t.done()


main()
