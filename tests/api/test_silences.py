#!/usr/bin/python3
"""Issue 11 item 4, silences and maintenance windows, against the real
binary: POST/GET/DELETE /api/silences (roles, validation, the configured
maximum), matchers (service by id and name, type, severity, category),
overlapping silences, GET /api/alerts silenced_by, expiry by the injected
clock (RESOPS_CLOCK_OFFSET_FILE), a weekly window in Europe/Berlin across
the March 2027 DST change, and notifications kept back while silenced:
no page while silenced, one page when the silence ends with the condition
still open, none when it resolved meanwhile (a real webhook receiver).

Prints TAP; one check = one case. Run: RESOPS_BIN=build/resops tests/api/test_silences.py
"""
import calendar
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, SRC, Server, Tap, wait_for  # noqa: E402

t = Tap()
RECEIVER = os.path.join(SRC, 'tests/integration/notify_receiver.py')
MAX_MIN = 600       # notify.silence_max_minutes for this server


def epoch(iso):
    return calendar.timegm(time.strptime(iso[:19], '%Y-%m-%dT%H:%M:%S'))


def iso(ts):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(ts))


class Clock:
    """The server's wall clock: real time plus the offset in the file."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.set(0)

    def set(self, offset):
        self.offset = int(offset)
        with open(self.path + '.tmp', 'w') as f:
            f.write('%d\n' % self.offset)
        os.replace(self.path + '.tmp', self.path)

    def now(self):
        return int(time.time()) + self.offset

    def go(self, ts):
        """Move the server's clock to epoch ts."""
        self.set(ts - int(time.time()))


def pages(recv_log, alert_id=None, service_id=None):
    try:
        lines = [json.loads(x) for x in open(recv_log)]
    except OSError:
        return []
    out = []
    for x in lines:
        b = json.loads(x['body'])
        if alert_id is not None and b.get('alert_id') != alert_id:
            continue
        if service_id is not None and b.get('service_id') != service_id:
            continue
        out.append(b)
    return out


def setup_users(srv):
    r = srv.signup('admin', 'adminpass')
    t.eq(r.status, 201, 'the first signup is the Admin')
    admin = srv.login('admin', 'adminpass')
    tk, ids = {}, {}
    for name, role in (('oa', 'Ops Analyst'), ('eng', 'Engineer'), ('bo', 'Business Owner'),
                       ('user', None)):
        r = srv.signup(name, role=role, token=admin)
        ids[name] = (r.json or {}).get('user_id')
        tk[name] = srv.login(name)
    return tk, ids


def service(srv, bo, name):
    r = srv.post('/api/services', {'name': name, 'description': 'silence test'}, bo)
    return r.json['service_id']


def alerts_of(srv, tok, sid):
    return [a for a in srv.get('/api/alerts?limit=1000', tok).json if a['service_id'] == sid]


def open_alert(srv, tok, sid, typ='StatusChange'):
    al = [a for a in alerts_of(srv, tok, sid) if not a['resolved'] and a['type'] == typ]
    return al[0] if al else None


def count_silences(srv):
    return srv.db_query('SELECT count(*) FROM silence')[0][0]


def audit_has(srv, tok, action, entity_id, user_id):
    return any((e['action'], e['entity'], e['entity_id'], e['user_id']) ==
               (action, 'Silence', entity_id, user_id) for e in srv.get('/api/audit', tok).json or [])


# ---------------------------------------------------------------------------
def roles(srv, tk, a):
    body = {'matchers': {'service_id': a}, 'duration_minutes': 30, 'comment': 'role check'}
    for who in ('user', 'bo'):
        r = srv.post('/api/silences', body, tk[who])
        t.ok(r.status == 403 and r.error, 'POST /api/silences as %s: 403' % who, r)
    r = srv.post('/api/silences', body)
    t.eq(r.status, 401, 'POST /api/silences without a token: 401')
    made = []
    for who in ('oa', 'eng'):
        r = srv.post('/api/silences', body, tk[who])
        t.ok(r.status == 201 and isinstance((r.json or {}).get('id'), int)
             and r.json['created_by'] == who, 'POST /api/silences as %s: 201 with its id' % who, r)
        made.append((r.json or {}).get('id'))
    r = srv.get('/api/silences', tk['user'])
    t.ok(r.status == 200 and {x['id'] for x in r.json} >= set(made),
         'GET /api/silences: any signed-in user', r)
    t.eq(srv.get('/api/silences').status, 401, 'GET /api/silences without a token: 401')
    r = srv.delete('/api/silences/%d' % made[0], token=tk['user'])
    t.eq(r.status, 403, 'DELETE /api/silences/{id} as a plain user: 403')
    for sid in made:
        srv.delete('/api/silences/%d' % sid, token=tk['oa'])


def validation(srv, tk, a, clock):
    oa = tk['oa']
    now = clock.now()
    cases = [
        ({'duration_minutes': 30, 'comment': 'x'}, 'matchers'),
        ({'matchers': {}, 'duration_minutes': 30, 'comment': 'x'}, 'at least one'),
        ({'matchers': 'svc', 'duration_minutes': 30, 'comment': 'x'}, 'matchers'),
        ({'matchers': {'colour': 'red'}, 'duration_minutes': 30, 'comment': 'x'}, 'colour'),
        ({'matchers': {'service_id': a}, 'start_at': iso(now + 3600), 'duration_minutes': 60,
          'comment': 'tonight'}, "Unknown field 'start_at'"),
        ({'matchers': {'service_id': a}, 'duration_minutes': 30, 'comment': 'x', 'id': 7},
         "Unknown field 'id'"),
        ({'matchers': {'service_id': a, 'services': 'Alpha'}, 'duration_minutes': 30,
          'comment': 'x'}, "'matchers.services'"),
        ({'matchers': {'severity': 'Loud'}, 'duration_minutes': 30, 'comment': 'x'}, 'severity'),
        ({'matchers': {'category': 'plumbing'}, 'duration_minutes': 30, 'comment': 'x'}, 'category'),
        ({'matchers': {'service': 'No Such Service'}, 'duration_minutes': 30, 'comment': 'x'},
         'No Such Service'),
        ({'matchers': {'service_id': 999999}, 'duration_minutes': 30, 'comment': 'x'}, 'service_id'),
        ({'matchers': {'service_id': 'one'}, 'duration_minutes': 30, 'comment': 'x'},
         "'matchers.service_id' must be an integer"),
        ({'matchers': {'type': 5}, 'duration_minutes': 30, 'comment': 'x'},
         "'matchers.type' must be a string"),
        ({'matchers': {'service_id': a}, 'duration_minutes': 30}, 'comment'),
        ({'matchers': {'service_id': a}, 'duration_minutes': 30, 'comment': '  '}, 'comment'),
        ({'matchers': {'service_id': a}, 'duration_minutes': 30, 'comment': 'a\nb'}, 'comment'),
        ({'matchers': {'service_id': a}, 'comment': 'x'}, 'ends_at'),
        ({'matchers': {'service_id': a}, 'comment': 'x', 'ends_at': 'tomorrow'}, 'ends_at'),
        ({'matchers': {'service_id': a}, 'comment': 'x', 'starts_at': iso(now + 600),
          'ends_at': iso(now + 300)}, 'ends_at'),
        ({'matchers': {'service_id': a}, 'comment': 'x', 'starts_at': iso(now - 7200),
          'ends_at': iso(now - 3600)}, 'future'),
        ({'matchers': {'service_id': a}, 'comment': 'x', 'ends_at': iso(now + 600),
          'duration_minutes': 10}, 'not both'),
        ({'matchers': {'service_id': a}, 'comment': 'x', 'duration_minutes': MAX_MIN + 1},
         str(MAX_MIN)),
        ({'matchers': {'service_id': a}, 'comment': 'x', 'ends_at': iso(now + MAX_MIN * 60 + 120)},
         'at most %d minutes' % MAX_MIN),
        ({'matchers': {'service_id': a}, 'comment': 'x', 'rrule': 'FREQ=SOMETIMES',
          'duration_minutes': 60}, 'rrule'),
        ({'matchers': {'service_id': a}, 'comment': 'x', 'rrule': 'BYDAY=SU',
          'duration_minutes': 60}, 'rrule'),
        ({'matchers': {'service_id': a}, 'comment': 'x', 'rrule': 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2'},
         'duration_minutes'),
        ({'matchers': {'service_id': a}, 'comment': 'x', 'rrule': 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2',
          'duration_minutes': MAX_MIN + 1}, 'duration_minutes'),
        ({'matchers': {'service_id': a}, 'comment': 'x', 'rrule': 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2',
          'duration_minutes': 60, 'timezone': 'Mars/Olympus'}, 'timezone'),
        ({'matchers': {'service_id': a}, 'comment': 'x', 'duration_minutes': 60,
          'timezone': 'Europe/Berlin'}, 'timezone'),
        ({'matchers': {'service_id': a}, 'comment': 'x', 'rrule': 'FREQ=DAILY;COUNT=1',
          'starts_at': iso(now - 10 * 86400), 'duration_minutes': 60}, 'never'),
    ]
    n0 = count_silences(srv)
    for body, word in cases:
        r = srv.post('/api/silences', body, oa)
        t.ok(r.status == 400 and r.error and word in r.error,
             'bad silence %s: 400 naming %r' % (json.dumps(body)[:70], word), r)
    r = srv.post('/api/silences', raw='{"matchers": ', token=oa)
    t.ok(r.status == 400 and r.error == 'Request body must be valid JSON', 'bad JSON: 400', r)
    t.eq(count_silences(srv), n0, 'refused silences stored nothing')
    r = srv.post('/api/silences', {'matchers': {'service_id': a}, 'comment': 'exactly the max',
                                   'duration_minutes': MAX_MIN}, oa)
    t.ok(r.status == 201 and epoch(r.json['ends_at']) - epoch(r.json['starts_at']) == MAX_MIN * 60,
         'a silence of exactly notify.silence_max_minutes: 201', r)
    srv.delete('/api/silences/%d' % r.json['id'], token=oa)
    r = srv.get('/api/silences?state=sleeping', oa)
    t.ok(r.status == 400 and 'state' in (r.error or ''), 'GET ?state=sleeping: 400', r)
    r = srv.delete('/api/silences/999999', token=oa)
    t.ok(r.status == 404 and r.error == 'Silence not found', 'DELETE a missing silence: 404', r)


def matchers(srv, tk, ids, svc):
    """service by name and id, type, severity, category; overlap."""
    oa, bo = tk['oa'], tk['bo']
    a, b, c = svc['a'], svc['b'], svc['c']
    for s in (a, b):
        r = srv.post('/api/services/%d/status' % s, {'status': 'Down'}, bo)
        t.eq(r.status, 200, 'service %d set Down' % s)
    al_c = wait_for(lambda: open_alert(srv, oa, c), 60)
    t.ok(al_c and al_c['type'] == 'StatusChange', 'the probed service (category database) raised '
         'an alert', al_c)
    al_a, al_b = open_alert(srv, oa, a), open_alert(srv, oa, b)
    t.ok(al_a and al_b and al_a['silenced_by'] is None and al_b['silenced_by'] is None,
         'GET /api/alerts: silenced_by is null when no silence matches', (al_a, al_b))
    r = srv.post('/api/silences', {'matchers': {'service': 'Alpha', 'type': 'StatusChange'},
                                   'duration_minutes': 60, 'comment': 'alpha deploy'}, oa)
    t.ok(r.status == 201 and r.json['matchers'] == {'service_id': a, 'service': 'Alpha',
                                                     'type': 'StatusChange'}
         and r.json['state'] == 'active' and r.json['created_by'] == 'oa'
         and r.json['comment'] == 'alpha deploy',
         'POST: a service given by name is stored by id; the stored silence comes back', r)
    s1 = r.json['id']
    t.ok(audit_has(srv, oa, 'Silence Created', s1, ids['oa']), 'audited "Silence Created" as oa')
    r = srv.post('/api/silences', {'matchers': {'category': 'DataBase'}, 'duration_minutes': 60,
                                   'comment': 'db maintenance'}, tk['eng'])
    t.ok(r.status == 201 and r.json['matchers'].get('category') == 'database',
         'a category matcher is taken without case and stored as the category', r)
    s2 = r.json['id']
    r = srv.post('/api/silences', {'matchers': {'service_id': b, 'severity': 'Info'},
                                   'duration_minutes': 60, 'comment': 'wrong severity'}, oa)
    s_info = r.json['id']
    x = {al['service_id']: al['silenced_by'] for al in srv.get('/api/alerts?limit=1000', oa).json
         if not al['resolved']}
    t.eq(x.get(a), s1, 'service (by name) + type matcher: the alert is silenced_by it')
    t.eq(x.get(c), s2, 'category matcher: the probed database service\'s alert is silenced')
    t.eq(x.get(b), None, 'a severity matcher that differs leaves the alert alone')
    sev = al_a['severity']
    r = srv.post('/api/silences', {'matchers': {'severity': sev}, 'duration_minutes': 120,
                                   'comment': 'overlap'}, oa)
    s3 = r.json['id']
    x = {al['service_id']: al['silenced_by'] for al in srv.get('/api/alerts?limit=1000', oa).json
         if not al['resolved']}
    t.ok(x.get(a) in (s1, s3) and x.get(b) == s3,
         'overlapping silences: both alerts are silenced (by one of them)', x)
    r = srv.delete('/api/silences/%d' % s1, token=oa)
    t.ok(r.status == 200 and r.json['state'] == 'expired' and r.json['expired_by'] == 'oa'
         and r.json['expired_at'], 'DELETE: 200 with the expired silence', r)
    t.ok(audit_has(srv, oa, 'Silence Expired', s1, ids['oa']), 'audited "Silence Expired" as oa')
    t.eq(open_alert(srv, oa, a)['silenced_by'], s3,
         'one of two overlapping silences expired: the other still covers the alert')
    r = srv.delete('/api/silences/%d' % s1, token=oa)
    t.ok(r.status == 409 and r.error == 'Silence already expired', 'DELETE twice: 409', r)
    st = {x['id']: x['state'] for x in srv.get('/api/silences', oa).json}
    t.ok(st.get(s1) == 'expired' and st.get(s2) == 'active' and st.get(s3) == 'active',
         'GET /api/silences: states after the early expiry', st)
    act = [x['id'] for x in srv.get('/api/silences?state=active', oa).json]
    t.ok(s3 in act and s2 in act and s1 not in act, 'GET ?state=active filters', act)
    every = srv.get('/api/silences', oa)
    page = srv.get('/api/silences?limit=2&offset=1', oa)
    t.ok(page.status == 200 and [x['id'] for x in page.json] == [x['id'] for x in every.json[1:3]]
         and page.headers.get('x-total-count') == str(len(every.json)) and len(every.json) > 3,
         'GET ?limit=2&offset=1: the second and third, X-Total-Count the whole list', page)
    r = srv.get('/api/silences?state=active&limit=1', oa)
    t.ok(r.headers.get('x-total-count') == str(len(act)) and len(r.json) == 1,
         'X-Total-Count counts the silences of ?state', r)
    r = srv.get('/api/silences?limit=0', oa)
    t.ok(r.status == 400 and 'limit' in (r.error or ''), 'GET ?limit=0: 400', r)
    for s in (s2, s3, s_info):
        srv.delete('/api/silences/%d' % s, token=oa)
    t.eq(open_alert(srv, oa, a)['silenced_by'], None, 'all expired: silenced_by is null again')
    r = srv.post('/api/silences', {'matchers': {'service': 'ALPHA', 'severity': sev.lower(),
                                                'type': 'statuschange'},
                                   'duration_minutes': 60, 'comment': 'any case'}, oa)
    t.ok(r.status == 201 and r.json['matchers'].get('service_id') == a
         and r.json['matchers'].get('type') == 'statuschange'
         and open_alert(srv, oa, a)['silenced_by'] == r.json['id'],
         'matchers without case: service "ALPHA", severity %r and type "statuschange" (stored '
         'as given) silence the open %s StatusChange alert' % (sev.lower(), sev), r)
    srv.delete('/api/silences/%d' % r.json['id'], token=oa)
    for s in (a, b):
        srv.post('/api/services/%d/status' % s, {'status': 'Up'}, bo)


def kept_back(srv, tk, svc, clock, recv_log):
    """No page while silenced; one when it ends with the condition open;
    none when it resolved meanwhile."""
    oa, bo = tk['oa'], tk['bo']
    d, e, f = svc['d'], svc['e'], svc['f']
    made = {}
    for s in (d, e):
        r = srv.post('/api/silences', {'matchers': {'service_id': s}, 'duration_minutes': 30,
                                       'comment': 'kept back %d' % s}, oa)
        made[s] = r.json['id']
    srv.post('/api/services/%d/status' % d, {'status': 'Down'}, bo)
    srv.post('/api/services/%d/status' % e, {'status': 'Down'}, bo)
    al_d, al_e = open_alert(srv, oa, d), open_alert(srv, oa, e)
    t.ok(al_d and al_e and al_d['silenced_by'] == made[d] and al_e['silenced_by'] == made[e],
         'a silenced alert is still stored and listed, with silenced_by', (al_d, al_e))
    # the positive sign: an unsilenced service's page arrives after both
    srv.post('/api/services/%d/status' % f, {'status': 'Down'}, bo)
    t.ok(wait_for(lambda: pages(recv_log, service_id=f)), 'an unsilenced service is paged')
    t.eq(pages(recv_log, service_id=d) + pages(recv_log, service_id=e), [],
         'no page for the silenced services while silenced')
    held = {x['id']: x['suppressed'] for x in srv.get('/api/silences', oa).json}
    t.ok(held.get(made[d]) == 1 and held.get(made[e]) == 1,
         'each silence counts its kept-back notification (suppressed)', held)
    srv.post('/api/services/%d/status' % e, {'status': 'Up'}, bo)   # resolves during the silence
    t.ok(any(x['id'] == al_e['id'] and x['resolved'] for x in alerts_of(srv, oa, e)),
         'service e recovered while silenced (its Down alert resolved)')
    clock.set(clock.offset + 31 * 60)
    b = wait_for(lambda: pages(recv_log, alert_id=al_d['id']), 30)
    t.ok(b and len(b) == 1 and b[0]['event'] == 'raised' and b[0]['service_id'] == d,
         'the silence ended by the clock with the condition open: one page then', b)
    t.ok(wait_for(lambda: srv.db_query(
        "SELECT count(*) FROM silence_suppressed WHERE released_at IS NULL")[0][0] == 0, 30),
        'every kept-back notification was released')
    rows = srv.db_query("SELECT alert_id, outcome FROM silence_suppressed ORDER BY id")
    t.ok(all(o == 'cleared' for a_id, o in rows if a_id == al_e['id'])
         and any(a_id == al_d['id'] and o == 'notified' for a_id, o in rows),
         'released: notified (still open) / cleared (resolved meanwhile)', rows)
    st = {x['id']: x['state'] for x in srv.get('/api/silences?state=expired', oa).json}
    t.ok(made[d] in st and made[e] in st, 'GET ?state=expired: both ended by the clock', st)
    # a few more evaluations: still exactly one page, none for the resolved one
    n = srv.db_query("SELECT count(*) FROM outbox")[0][0]
    wait_for(lambda: srv.db_query("SELECT count(*) FROM outbox")[0][0] > n, 5)
    time.sleep(2.5)
    t.eq(len(pages(recv_log, alert_id=al_d['id'])), 1, 'notified once, not at every evaluation')
    t.eq(pages(recv_log, alert_id=al_e['id']), [],
         'the condition that resolved during the silence produced no page at all')
    al = open_alert(srv, oa, d)
    t.ok(al and al['silenced_by'] is None, 'after the end the alert is no longer silenced', al)
    srv.post('/api/services/%d/status' % d, {'status': 'Up'}, bo)
    srv.post('/api/services/%d/status' % f, {'status': 'Up'}, bo)


def early_delete_notifies(srv, tk, svc, recv_log):
    oa, bo = tk['oa'], tk['bo']
    g = svc['g']
    r = srv.post('/api/silences', {'matchers': {'service_id': g}, 'duration_minutes': 60,
                                   'comment': 'early end'}, oa)
    sid = r.json['id']
    srv.post('/api/services/%d/status' % g, {'status': 'Down'}, bo)
    al = open_alert(srv, oa, g)
    t.ok(wait_for(lambda: srv.db_query("SELECT count(*) FROM silence_suppressed WHERE "
                                       "alert_id = ?", (al['id'],))[0][0] == 1, 20),
         'the raise is kept back at fan-out')
    t.eq(pages(recv_log, alert_id=al['id']), [], 'no page while silenced')
    srv.delete('/api/silences/%d' % sid, token=oa)
    b = wait_for(lambda: pages(recv_log, alert_id=al['id']), 30)
    t.ok(b and len(b) == 1, 'deleted early with the condition open: one page at once', b)
    srv.post('/api/services/%d/status' % g, {'status': 'Up'}, bo)


def dst_window(srv, tk, clock):
    """FREQ=WEEKLY;BYDAY=SU;BYHOUR=4 in Europe/Berlin: 04:00 local is 03:00 UTC
    on 21 March 2027 (CET) and 02:00 UTC on 28 March 2027 (CEST)."""
    oa = tk['oa']
    r = srv.post('/api/silences', {'matchers': {'type': 'NoSuchType'}, 'comment': 'weekly window',
                                   'rrule': 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=4', 'duration_minutes': 60,
                                   'timezone': 'Europe/Berlin', 'starts_at': iso(clock.now())}, oa)
    t.ok(r.status == 201 and r.json['rrule'] == 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=4'
         and r.json['duration_minutes'] == 60 and r.json['timezone'] == 'Europe/Berlin'
         and r.json['ends_at'] is None, 'a recurring window: 201 with rrule, duration, timezone', r)
    sid = r.json['id']

    def at(ts):
        clock.go(ts)
        tok = srv.login('oa')       # a token of the moved clock's time
        return next(x for x in srv.get('/api/silences', tok).json if x['id'] == sid)
    x = at(epoch('2027-03-21T02:30:00'))
    t.ok(x['state'] == 'pending' and x['window_start'] == '2027-03-21T03:00:00'
         and x['window_end'] == '2027-03-21T04:00:00',
         'before the window (CET): pending, next window 03:00-04:00 UTC', x)
    x = at(epoch('2027-03-21T03:30:00'))
    t.ok(x['state'] == 'active' and x['window_start'] == '2027-03-21T03:00:00',
         'inside the window (CET, 04:00 local = 03:00 UTC): active', x)
    x = at(epoch('2027-03-28T02:30:00'))
    t.ok(x['state'] == 'active' and x['window_start'] == '2027-03-28T02:00:00'
         and x['window_end'] == '2027-03-28T03:00:00',
         'after the DST change (CEST, 04:00 local = 02:00 UTC): active 02:00-03:00 UTC', x)
    x = at(epoch('2027-03-28T03:30:00'))
    t.ok(x['state'] == 'pending' and x['window_start'] == '2027-04-04T02:00:00',
         'the window closed at 05:00 local; next one a week later, still 04:00 local', x)
    r = srv.delete('/api/silences/%d' % sid, token=srv.login('oa'))
    t.ok(r.status == 200 and r.json['state'] == 'expired', 'a pending window can be expired', r)
    clock.go(epoch('2027-03-27T12:00:00'))
    tok = srv.login('oa')
    r = srv.post('/api/silences', {'matchers': {'type': 'NoSuchType'}, 'comment': 'in the gap',
                                   'rrule': 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2', 'duration_minutes': 60,
                                   'timezone': 'Europe/Berlin', 'starts_at': '2027-03-22T00:00:00Z'},
                 tok)
    t.ok(r.status == 201 and r.json['state'] == 'pending'
         and r.json['window_start'] == '2027-03-28T01:00:00'
         and r.json['window_end'] == '2027-03-28T02:00:00',
         '02:00 Europe/Berlin on 28 March 2027 falls in the DST gap: the window starts at '
         '03:00 CEST (01:00 UTC, RFC 5545 3.3.5)', r)
    srv.delete('/api/silences/%d' % r.json['id'], token=tok)
    clock.set(0)


def ended_between_evaluations():
    """Checks every hour: the notifier, not the evaluation, sees the
    silence end (by the clock) and sends the kept-back page then."""
    d = tempfile.mkdtemp(prefix='resops-silences2-')
    recv_log = os.path.join(d, 'hook.log')
    recv = subprocess.Popen(['/usr/bin/python3', RECEIVER, recv_log], stdout=subprocess.PIPE,
                            text=True)
    port = int(recv.stdout.readline().split()[1])
    clock = Clock(os.path.join(d, 'clock'))
    srv = Server(workdir=d, env={
        'ALERT_WEBHOOK_URL': 'http://127.0.0.1:%d/ok' % port,
        'RESOPS_CLOCK_OFFSET_FILE': clock.path,
        'RESOPS_HEARTBEAT_DEGRADED_S': '1000000000', 'RESOPS_HEARTBEAT_DOWN_S': '1000000000'})
    srv.start()
    try:
        srv.signup('admin', 'adminpass')
        admin = srv.login('admin', 'adminpass')
        s = service(srv, admin, 'Hotel')
        r = srv.post('/api/silences', {'matchers': {'service_id': s}, 'duration_minutes': 10,
                                       'comment': 'between evaluations'}, admin)
        srv.post('/api/services/%d/status' % s, {'status': 'Down'}, admin)
        al = open_alert(srv, admin, s)
        t.ok(r.status == 201 and al and wait_for(lambda: srv.db_query(
            "SELECT count(*) FROM silence_suppressed WHERE alert_id = ?", (al['id'],))[0][0], 20),
            'checks every hour: the raise is kept back at fan-out')
        clock.set(11 * 60)
        b = wait_for(lambda: pages(recv_log, alert_id=al['id']), 90)
        t.ok(b and len(b) == 1 and b[0]['event'] == 'raised',
             'the silence ended between evaluations: the notifier sent the page (once)', b)
    finally:
        t.eq(srv.stop(), 0, 'second server exits cleanly')
        srv.cleanup()
        recv.terminate()
        recv.wait()


def main():
    d = tempfile.mkdtemp(prefix='resops-silences-')
    recv_log = os.path.join(d, 'hook.log')
    recv = subprocess.Popen(['/usr/bin/python3', RECEIVER, recv_log], stdout=subprocess.PIPE,
                            text=True)
    port = int(recv.stdout.readline().split()[1])
    clock = Clock(os.path.join(d, 'clock'))
    srv = Server(args=['--check-interval', '1'], workdir=d, env={
        'ALERT_WEBHOOK_URL': 'http://127.0.0.1:%d/ok' % port,
        'RESOPS_CLOCK_OFFSET_FILE': clock.path,
        'RESOPS_SILENCE_MAX_MINUTES': str(MAX_MIN),
        'RESOPS_HEARTBEAT_DEGRADED_S': '1000000000', 'RESOPS_HEARTBEAT_DOWN_S': '1000000000',
        'RESOPS_DOWN_AFTER': '1'}).start()
    try:
        tk, ids = setup_users(srv)
        svc = {k: service(srv, tk['bo'], n) for k, n in (
            ('a', 'Alpha'), ('b', 'Bravo'), ('c', 'Charlie DB'), ('d', 'Delta'), ('e', 'Echo'),
            ('f', 'Foxtrot'), ('g', 'Golf'))}
        r = subprocess.run([BIN, 'probe', '--db', srv.db, '--service', str(svc['c']),
                            '--tcp', '127.0.0.1:9', '--playbook', 'database'],
                           capture_output=True, text=True, timeout=30)
        t.eq(r.returncode, 0, 'resops probe: a TCP probe in category database for Charlie DB')
        roles(srv, tk, svc['a'])
        validation(srv, tk, svc['a'], clock)
        matchers(srv, tk, ids, svc)
        kept_back(srv, tk, svc, clock, recv_log)
        early_delete_notifies(srv, tk, svc, recv_log)
        dst_window(srv, tk, clock)
    finally:
        t.eq(srv.stop(), 0, 'server exits cleanly')
        srv.cleanup()
        recv.terminate()
        recv.wait()
    ended_between_evaluations()
    t.done()


main()
