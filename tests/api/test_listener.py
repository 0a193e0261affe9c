#!/usr/bin/python3
"""The listener under abuse (issue 9 item 5, reliability review D2, D3,
D7, D8) and the test audit's survivors M24, M26, M27, M40: the real
binary on loopback, real sockets and http.client, TAP output.

Every wait is on a condition (a socket becoming readable, a file
appearing, a thread's answer) with a bounded deadline, never a fixed
sleep. Run: RESOPS_BIN=build/resops tests/api/test_listener.py
"""
import datetime
import http.client
import json
import os
import select
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, Tap, jwt_make, jwt_parts  # noqa: E402

t = Tap()


def wait_until(cond, timeout=20.0, step=0.05):
    """Poll cond() until it is true or the deadline passes; its last value."""
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v or time.monotonic() > end:
            return v
        time.sleep(step)


def raw(port, data, timeout=10.0, src=None):
    """Send raw bytes, read until the server closes or timeout; the bytes."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if src:
        s.bind((src, 0))
    s.settimeout(timeout)
    s.connect(('127.0.0.1', port))
    s.sendall(data)
    out = b''
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
            if b'\r\n\r\n' in out:
                head, _, body = out.partition(b'\r\n\r\n')
                for line in head.split(b'\r\n'):
                    if line.lower().startswith(b'content-length:'):
                        if len(body) >= int(line.split(b':')[1]):
                            s.close()
                            return out
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    return out


def status_of(resp):
    try:
        return int(resp.split(b' ', 2)[1])
    except (IndexError, ValueError):
        return None


def body_json(resp):
    try:
        return json.loads(resp.partition(b'\r\n\r\n')[2])
    except ValueError:
        return None


def closed_by_peer(sock, timeout):
    """Wait (bounded) for the peer to close: True when recv sees EOF/reset."""
    r, _, _ = select.select([sock], [], [], timeout)
    if not r:
        return False
    try:
        return sock.recv(4096) == b''
    except (ConnectionResetError, BrokenPipeError):
        return True


def proc_threads(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('Threads:'):
                return int(line.split()[1])
    return -1


def admin_server(**kw):
    srv = Server(**kw).start()
    srv.signup('admin', 'adminpass')       # the first account is the Admin
    return srv, srv.login('admin', 'adminpass')


# ---------------------------------------------------------------------------
def D8_duplicate_content_length_400(srv, tok):
    body = b'{"name":"cl2"}'
    for cls, what in (((14, 2), 'different'), ((14, 14), 'equal')):
        req = (b'POST /api/services HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ' + tok.encode() +
               b'\r\nContent-Type: application/json\r\n' +
               b''.join(b'Content-Length: %d\r\n' % n for n in cls) + b'Connection: close\r\n\r\n' +
               body)
        resp = raw(srv.port, req)
        j = body_json(resp)
        t.ok(status_of(resp) == 400 and isinstance(j, dict) and 'Content-Length' in j.get('error', ''),
             'D8_duplicate_content_length_400: two %s Content-Length headers: 400 {"error"}' % what,
             resp[:300])
    names = [s['name'] for s in srv.get('/api/services?limit=1000', tok).json]
    t.ok('cl2' not in names, 'D8: nothing was created', names[-5:])


def M27_body_limit_boundary(srv, tok):
    """Exactly 1 MiB is accepted (not 413); one byte more is 413."""
    MiB = 1024 * 1024
    # one byte over: the answer comes from the headers alone, before any body
    resp = raw(srv.port, b'POST /api/services HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ' +
               tok.encode() + b'\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n'
               % (MiB + 1))
    t.ok(status_of(resp) == 413 and 'error' in (body_json(resp) or {}),
         'M27: Content-Length 1,048,577: 413 {"error"}', resp[:300])
    for size, want_413 in ((MiB, False), (MiB + 1, True)):
        prefix = b'{"name":"big%d","description":"' % size
        body = prefix + b'D' * (size - len(prefix) - 2) + b'"}'
        assert len(body) == size
        c = http.client.HTTPConnection('127.0.0.1', srv.port, timeout=60)
        try:
            c.request('POST', '/api/services', body=body,
                      headers={'Authorization': 'Bearer ' + tok, 'Content-Type': 'application/json'})
            r = c.getresponse()
            st, data = r.status, r.read()
        except (BrokenPipeError, ConnectionResetError):
            st, data = 'closed early', b''
        finally:
            c.close()
        if want_413:
            # the 413 may come (and the socket close) while the client still sends
            t.ok(st in (413, 'closed early'), 'M27: sending a 1,048,577-byte body: 413 or cut off',
                 (st, data[:200]))
        else:
            t.ok(st in (201, 400) and b'error' in data or st == 201,
                 'M27_body_exactly_1MiB_not_413: a body of exactly 1,048,576 bytes is read and '
                 'answered (%s), not 413' % st, (st, data[:200]))


def M24_jwt_nbf_future_401(srv, tok):
    key = srv.secret()
    h, p, _ = jwt_parts(tok)
    now = int(time.time())
    ahead = jwt_make(h, dict(p, nbf=now + 3600), key)
    r = srv.get('/api/services', ahead)
    t.ok(r.status == 401 and r.error, 'M24_jwt_nbf_future_401: a token valid only in one hour: 401', r)
    ok = jwt_make(h, dict(p, nbf=now - 10), key)
    t.eq(srv.get('/api/services', ok).status, 200, 'M24: the same token with nbf in the past: 200')
    near = jwt_make(h, dict(p, nbf=now + 30), key)
    t.eq(srv.get('/api/services', near).status, 200, 'M24: nbf 30 s ahead is within the 60 s leeway')


def iso(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S')


def M26_M40_throttle_window(srv):
    srv.signup('victim', 'rightpass')
    srv.signup('victim2', 'rightpass')
    srv.signup('victim3', 'rightpass')
    # failures 12 to 14 minutes ago still count (15-minute window)
    now = int(time.time())
    for k in range(5):
        srv.db_exec('INSERT INTO login_failure (username, at) VALUES (?, ?)',
                    ('victim', iso(now - 14 * 60 + k * 30)))
    t0 = int(time.time())
    r = srv.post('/api/auth/login', {'username': 'victim', 'password': 'rightpass'})
    t1 = int(time.time())
    t.ok(r.status == 429 and r.error, 'M26_throttle_window_15min: 5 failures 12-14 min ago: 429', r)
    ra = int(r.headers.get('retry-after', '-1'))
    # the oldest failure was at now-840: its window ends 60 s after now
    t.ok(60 - (t1 - now) <= ra <= 60 - (t0 - now),
         'M40_retry_after_is_seconds_left: Retry-After is the rest of the window (about 60)', ra)
    # 16 minutes ago: outside the window
    for k in range(5):
        srv.db_exec('INSERT INTO login_failure (username, at) VALUES (?, ?)',
                    ('victim3', iso(now - 16 * 60 + k)))
    r = srv.post('/api/auth/login', {'username': 'victim3', 'password': 'rightpass'})
    t.eq(r.status, 200, 'M26: failures 16 minutes ago no longer count')
    # a real lockout: Retry-After 900 (minus the seconds the 5 failures took)
    t0 = int(time.time())
    for _ in range(5):
        srv.post('/api/auth/login', {'username': 'victim2', 'password': 'wrong'})
    r = srv.post('/api/auth/login', {'username': 'victim2', 'password': 'rightpass'})
    t1 = int(time.time())
    ra = int(r.headers.get('retry-after', '-1'))
    t.ok(r.status == 429 and 900 - (t1 - t0) <= ra <= 900,
         'M40_retry_after_900_after_lockout: 429 right after the lockout says Retry-After 900',
         (r.status, ra, t1 - t0))


def D7_paging(srv, tok):
    for i in range(105):
        r = srv.post('/api/services', {'name': 'svc-%03d' % i, 'description': 'x'}, tok)
        if r.status != 201:
            t.ok(False, 'creating services for the paging test', r)
            return
    r = srv.get('/api/services', tok)
    total = int(r.headers.get('x-total-count', '-1'))
    t.ok(r.status == 200 and isinstance(r.json, list) and len(r.json) == 100 and total >= 105,
         'D7_list_default_page: GET /api/services without paging: a bare array of 100 and '
         'X-Total-Count', (r.status, len(r.json or []), total))
    r2 = srv.get('/api/services', tok)
    t.ok(r2.headers.get('x-total-count') == str(total) and r2.json == r.json,
         'D7: the cached answer carries the same X-Total-Count', r2.headers)
    ids = [s['id'] for s in srv.get('/api/services?limit=1000', tok).json]
    t.eq(len(ids), total, 'D7: ?limit=1000 returns every service')
    r = srv.get('/api/services?limit=3&offset=2', tok)
    t.ok(r.status == 200 and [s['id'] for s in r.json] == ids[2:5] and
         r.headers.get('x-total-count') == str(total), 'D7: ?limit=3&offset=2 is the third to fifth', r)
    r = srv.get('/api/services?offset=%d' % total, tok)
    t.ok(r.status == 200 and r.json == [], 'D7: an offset past the end: []', r)
    for path in ('/api/services', '/api/alerts', '/api/audit', '/api/alerts/sla_breaches',
                 '/api/services/integrations'):
        r = srv.get(path + '?limit=2', tok)
        t.ok(r.status == 200 and isinstance(r.json, list) and len(r.json) <= 2 and
             r.headers.get('x-total-count', '').isdigit(), 'D7: %s?limit=2 pages, with X-Total-Count' % path, r)
        for q in ('limit=0', 'limit=1001', 'limit=-1', 'limit=x', 'limit=', 'offset=-1', 'offset=y',
                  'limit=99999999999999999999'):
            r = srv.get('%s?%s' % (path, q), tok)
            if not (r.status == 400 and r.error):
                t.ok(False, 'D7_bad_paging_400: %s?%s: 400' % (path, q), r)
                break
        else:
            t.ok(True, 'D7_bad_paging_400: %s: limit outside 1..1000, bad offset: 400 {"error"}' % path)
    r = srv.get('/api/audit', tok)
    t.ok(len(r.json) == 100 and int(r.headers.get('x-total-count', '-1')) >= 105,
         'D7: GET /api/audit answers its newest 100 by default', (len(r.json), r.headers.get('x-total-count')))
    r = srv.get('/api/audit?limit=1000', tok)
    t.ok(len(r.json) == min(1000, int(r.headers.get('x-total-count', '-1'))), 'D7: /api/audit?limit=1000', len(r.json))


def low(iid, confidence=0.5):
    """An incident the default 0.90 threshold refuses: no step runs."""
    return {'incident_id': iid, 'title': 'Paging ' + iid, 'description': 'paging test',
            'category': 'network', 'priority': 'low', 'confidence_score': confidence,
            'created_by': 'user123'}


def bad_v1_paging(srv, tok, path):
    """Every bad ?limit / ?offset of a v1 list is a 400 in seed 001's shape."""
    sep = '&' if '?' in path else '?'
    for q in ('limit=0', 'limit=1001', 'limit=-1', 'limit=x', 'limit=', 'offset=-1', 'offset=y',
              'limit=99999999999999999999'):
        r = srv.get(path + sep + q, tok)
        if not (r.status == 400 and r.error and r.json.get('status_code') == 400):
            return (q, r)
    return None


def D7_v1_incidents_paged(srv, tok):
    ids = ['PAGE-%02d' % i for i in range(7)]
    for iid in ids:
        r = srv.post('/api/v1/incidents/%s/auto-resolve' % iid, low(iid), tok)
        if r.status != 200:
            t.ok(False, 'D7_v1_incidents_paged: creating incidents', r)
            return
    r = srv.get('/api/v1/incidents', tok)
    total = int(r.headers.get('x-total-count', '-1'))
    t.ok(r.status == 200 and isinstance(r.json, list) and total == len(r.json) and
         set(ids) <= {i['incident_id'] for i in r.json},
         'D7_v1_incidents_paged: GET /api/v1/incidents without paging: the bare array of every '
         'incident (under 100) and X-Total-Count', (r.status, total, r.raw[:200]))
    every = [i['incident_id'] for i in r.json]
    r = srv.get('/api/v1/incidents?limit=3&offset=2', tok)
    t.ok(r.status == 200 and [i['incident_id'] for i in r.json] == every[2:5] and
         r.headers.get('x-total-count') == str(total),
         'D7_v1_incidents_paged: ?limit=3&offset=2 is the third to fifth, X-Total-Count the whole list', r)
    r = srv.get('/api/v1/incidents?state=skipped&limit=2', tok)
    skipped = [i for i in srv.get('/api/v1/incidents?state=skipped&limit=1000', tok).json]
    t.ok(r.status == 200 and len(r.json) == 2 and len(skipped) >= 7 and
         r.headers.get('x-total-count') == str(len(skipped)),
         'D7_v1_incidents_paged: ?state=skipped&limit=2: X-Total-Count counts the filtered list', r)
    r = srv.get('/api/v1/incidents?offset=%d' % total, tok)
    t.ok(r.status == 200 and r.json == [] and r.headers.get('x-total-count') == str(total),
         'D7_v1_incidents_paged: an offset past the end: [] and the total', r)
    r = srv.get('/api/v1/incidents?limit=1000', tok)
    t.ok(r.status == 200 and len(r.json) == total, 'D7_v1_incidents_paged: ?limit=1000 is allowed', r)
    bad = bad_v1_paging(srv, tok, '/api/v1/incidents')
    t.ok(bad is None, 'D7_v1_incidents_paged: limit outside 1..1000, bad offset: 400 '
         '{"error", "status_code"}', bad)


def D7_v1_audit_paged(srv, tok):
    # the incidents of D7_v1_incidents_paged: 2 entries each (attempted, skipped)
    r = srv.get('/api/v1/audit', tok)
    total = int(r.headers.get('x-total-count', '-1'))
    t.ok(r.status == 200 and isinstance(r.json, list) and len(r.json) == min(100, total) and
         total >= 14, 'D7_v1_audit_paged: GET /api/v1/audit without paging: the newest 100 at most '
         '(seed 001 limit=100&offset=0), bare array, X-Total-Count', (r.status, total, len(r.json or [])))
    every = [e['audit_id'] for e in srv.get('/api/v1/audit?limit=1000', tok).json]
    t.eq(len(every), min(1000, total), 'D7_v1_audit_paged: ?limit=1000 answers up to 1000')
    r = srv.get('/api/v1/audit?limit=4&offset=3', tok)
    t.ok(r.status == 200 and [e['audit_id'] for e in r.json] == every[3:7] and
         r.headers.get('x-total-count') == str(total),
         'D7_v1_audit_paged: ?limit=4&offset=3 is the fourth to seventh, X-Total-Count the whole trail', r)
    r = srv.get('/api/v1/audit?incident_id=PAGE-03&limit=1', tok)
    t.ok(r.status == 200 and len(r.json) == 1 and r.json[0]['incident_id'] == 'PAGE-03' and
         r.headers.get('x-total-count') == '2',
         'D7_v1_audit_paged: ?incident_id=PAGE-03&limit=1: one entry, X-Total-Count 2 (attempted, skipped)', r)
    r = srv.get('/api/v1/audit?action=auto_resolution_skipped&limit=1', tok)
    t.ok(r.status == 200 and len(r.json) == 1 and int(r.headers.get('x-total-count', '0')) >= 7,
         'D7_v1_audit_paged: ?action=...&limit=1: X-Total-Count counts the filtered trail', r)
    r = srv.get('/api/v1/audit/incident/PAGE-04', tok)
    t.ok(r.status == 200 and [e['action'] for e in r.json] ==
         ['auto_resolution_skipped', 'auto_resolution_attempted'] and r.headers.get('x-total-count') == '2',
         'D7_v1_audit_incident_paged: /api/v1/audit/incident/{id}: the whole trail and X-Total-Count', r)
    r2 = srv.get('/api/v1/audit/incident/PAGE-04?limit=1&offset=1', tok)
    t.ok(r2.status == 200 and r2.json == r.json[1:] and r2.headers.get('x-total-count') == '2',
         'D7_v1_audit_incident_paged: ?limit=1&offset=1 is its second entry', r2)
    for path in ('/api/v1/audit', '/api/v1/audit/incident/PAGE-04'):
        bad = bad_v1_paging(srv, tok, path)
        t.ok(bad is None, 'D7_v1_audit_paged: %s: limit outside 1..1000, bad offset: 400 '
             '{"error", "status_code"}' % path, bad)


def D7_downtime_paged(srv, tok):
    r = srv.post('/api/services', {'name': 'paged-downtimes', 'description': 'x'}, tok)
    if r.status != 201:
        t.ok(False, 'D7_downtime_paged: creating the service', r)
        return
    sid = r.json['service_id']
    r = srv.put('/api/services', {'id': sid, 'created_at': '2023-06-01T00:00:00'}, tok)
    t.eq(r.status, 200, 'D7_downtime_paged: the service exists since 2023 (its downtimes fit)')
    starts = ['2024-%02d-01T00:00:00' % m for m in range(1, 6)]
    for st in starts:
        r = srv.post('/api/services/%d/downtime' % sid,
                     {'start_time': st, 'end_time': st[:11] + '01:00:00', 'reason': 'r' + st[5:7]}, tok)
        if r.status != 200:
            t.ok(False, 'D7_downtime_paged: logging downtimes', r)
            return
    newest = list(reversed(starts))
    r = srv.get('/api/services/%d/downtime' % sid, tok)
    t.ok(r.status == 200 and set(r.json) == {'service_id', 'service_name', 'downtime_count', 'downtimes'}
         and r.json['downtime_count'] == 5 and [d['start_time'] for d in r.json['downtimes']] == newest
         and r.headers.get('x-total-count') == '5',
         'D7_downtime_paged: without paging: the seed\'s object, all 5, downtime_count 5, X-Total-Count 5', r)
    r = srv.get('/api/services/%d/downtime?limit=2&offset=1' % sid, tok)
    t.ok(r.status == 200 and [d['start_time'] for d in r.json['downtimes']] == newest[1:3] and
         r.json['downtime_count'] == 5 and r.headers.get('x-total-count') == '5' and
         r.json['downtimes'][0]['total_minutes'] == 60,
         'D7_downtime_paged: ?limit=2&offset=1: the second and third newest; downtime_count stays '
         'the whole number', r)
    r = srv.get('/api/services/%d/downtime?offset=5' % sid, tok)
    t.ok(r.status == 200 and r.json['downtimes'] == [] and r.json['downtime_count'] == 5,
         'D7_downtime_paged: an offset past the end: no downtimes, the count', r)
    for q in ('limit=0', 'limit=1001', 'limit=x', 'offset=-1', 'offset=y'):
        r = srv.get('/api/services/%d/downtime?%s' % (sid, q), tok)
        if not (r.status == 400 and r.error):
            t.ok(False, 'D7_downtime_paged: ?%s: 400' % q, r)
            break
    else:
        t.ok(True, 'D7_downtime_paged: limit outside 1..1000, bad offset: 400 {"error"}')


def D5_refusals_on_listener(srv, tok):
    """Issue 9 item 5: decisions that run no step are answered by the
    listener's own threads (committed together, group commit), never handed
    to the slow pool: 32 at once all get their answer and their two audit
    rows, and no pool thread starts."""
    # the kill switch refuses even a confident incident
    r = srv.post('/api/v1/config/kill-switch/activate', None, tok)
    t.eq(r.status, 200, 'D5: kill switch on')
    before = proc_threads(srv.proc.pid)
    results = {}

    def fire(i):
        iid = 'BURST-LOW-%02d' % i
        try:
            results[i] = srv.post('/api/v1/incidents/%s/auto-resolve' % iid,
                                  low(iid, 0.99 if i % 2 else 0.2), tok)
        except OSError as e:
            results[i] = e
    ths = [threading.Thread(target=fire, args=(i,)) for i in range(32)]
    for th in ths:
        th.start()
    for th in ths:
        th.join(60)
    ok = [i for i, r in results.items()
          if not isinstance(r, Exception) and r.status == 200 and r.json.get('success') is False and
          r.json.get('incident_id') == 'BURST-LOW-%02d' % i and 'skipped' in r.json.get('message', '')]
    t.eq(len(ok), 32, 'D5_refusals_grouped: 32 concurrent refusals (kill switch, below threshold): '
         'each answered 200 with its own incident')
    rows = srv.db_query("SELECT action, count(*) FROM incident_audit WHERE incident_id LIKE 'BURST-LOW-%' "
                        "GROUP BY action ORDER BY action")
    t.eq(rows, [('auto_resolution_attempted', 32), ('auto_resolution_skipped', 32)],
         'D5_refusals_grouped: every refusal\'s two audit rows are committed')
    reasons = {r.json['message'] for r in results.values() if not isinstance(r, Exception) and r.json}
    t.ok(any('kill switch' in m.lower() for m in reasons),
         'D5_refusals_grouped: the kill switch is the reason given', reasons)
    t.ok(proc_threads(srv.proc.pid) <= before,
         'D5_refusals_on_listener: no slow-pool thread started for them', (before, proc_threads(srv.proc.pid)))
    r = srv.post('/api/v1/config/kill-switch/deactivate', None, tok)
    t.eq(r.status, 200, 'D5: kill switch off')


def request_log_user(srv, tok):
    srv.get('/api/alerts?limit=1', tok)
    srv.get('/api/healthz')
    ok = wait_until(lambda: any('api: GET /api/alerts 200' in l and l.rstrip().endswith(' ms admin')
                                for l in srv.log), 5)
    t.ok(ok, 'request_log_user: the request log names the authenticated user',
         [l for l in srv.log if 'api: GET /api/alerts' in l][-2:])
    ok = wait_until(lambda: any('api: GET /api/healthz 200' in l and l.rstrip().endswith(' ms -')
                                for l in srv.log), 5)
    t.ok(ok, 'request_log_user: an anonymous request is logged with "-"',
         [l for l in srv.log if 'api: GET /api/healthz' in l][-2:])


def N7_long_ids_and_v1_error_shape(srv, tok):
    """A text parameter over 128 characters is a 400 naming it (not a 404
    echoing the path); the listener's own errors on seed 001's paths carry
    status_code like its handlers' do; an unknown long path is echoed cut."""
    long_id = 'I' * 200
    body = {'incident_id': long_id, 'title': 't', 'description': 'd', 'category': 'network',
            'priority': 'low', 'confidence_score': 0.5, 'created_by': 'x'}
    for method, path, b in (('POST', '/api/v1/incidents/%s/auto-resolve' % long_id, body),
                            ('GET', '/api/v1/incidents/%s' % long_id, None),
                            ('GET', '/api/v1/config/category/%s' % ('c' * 129), None)):
        r = srv.request(method, path, b, tok)
        want = 'incident_id' if 'incidents' in path else 'category'
        t.ok(r.status == 400 and "Field '%s' is too long (at most 128 characters)" % want
             == r.error and (r.json or {}).get('status_code') == 400,
             'N7_long_text_param_400: %s %s... names %s' % (method, path[:24], want), r)
    r = srv.request('GET', '/api/v1/incidents/' + 'I' * 128, None, tok)
    t.ok(r.status == 404, 'N7: exactly 128 characters is a valid id (404: no such incident)', r)
    r = srv.get('/api/v1/config')
    t.ok(r.status == 401 and (r.json or {}).get('status_code') == 401 and r.error,
         'N7_v1_listener_errors_carry_status_code: 401 without a token', r)
    r = srv.get('/api/services')
    t.ok(r.status == 401 and 'status_code' not in (r.json or {}),
         'N7: seed 000 errors keep their shape (no status_code)', r)
    r = srv.get('/nope/' + 'x' * 5000, tok)
    t.ok(r.status == 404 and len(r.error or '') < 300 and r.error.endswith('...'),
         'N7: a 404 echoes at most 200 characters of the path', r)


def basics():
    srv, tok = admin_server()
    try:
        D8_duplicate_content_length_400(srv, tok)
        M27_body_limit_boundary(srv, tok)
        M24_jwt_nbf_future_401(srv, tok)
        M26_M40_throttle_window(srv)
        D7_paging(srv, tok)
        D7_v1_incidents_paged(srv, tok)
        D7_v1_audit_paged(srv, tok)
        D7_downtime_paged(srv, tok)
        D5_refusals_on_listener(srv, tok)
        request_log_user(srv, tok)
        N7_long_ids_and_v1_error_shape(srv, tok)
    finally:
        t.eq(srv.stop(), 0, 'server exits cleanly')
        srv.cleanup()


# ---------------------------------------------------------------------------
def D3_slowloris_deadlines():
    """A request must send its headers within header_timeout_s and its body
    within body_timeout_s; a slow client is cut off, a normal one served."""
    srv = Server(env={'RESOPS_HEADER_TIMEOUT_S': '2', 'RESOPS_BODY_TIMEOUT_S': '4'}).start()
    try:
        s = socket.create_connection(('127.0.0.1', srv.port), timeout=5)
        s.sendall(b'GET /api/healthz HTTP/1.1\r\nHost: x\r\n')
        t0 = time.monotonic()
        closed = False
        for i in range(30):                       # one header line a second, for at most 30 s
            try:
                s.sendall(b'X-Slow-%d: y\r\n' % i)
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            if closed_by_peer(s, 1.0):
                closed = True
                break
            if i == 0:
                r = srv.get('/api/healthz')
                t.eq(r.status, 200, 'D3: a normal client is served while the slow one trickles')
        took = time.monotonic() - t0
        s.close()
        t.ok(closed and 1.5 <= took <= 5.0,
             'D3_header_deadline: a client sending one header line a second is closed after the '
             '2 s header deadline', (closed, took))
        # the body deadline: headers in time, the body a few bytes a second
        s = socket.create_connection(('127.0.0.1', srv.port), timeout=5)
        s.sendall(b'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
                  b'Content-Length: 200\r\n\r\n')
        t0 = time.monotonic()
        closed = False
        for i in range(30):
            try:
                s.sendall(b'          ')
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            if closed_by_peer(s, 1.0):
                closed = True
                break
        took = time.monotonic() - t0
        s.close()
        t.ok(closed and 3.0 <= took <= 7.0,
             'D3_body_deadline: a body trickling in is closed after the 4 s body deadline', (closed, took))
        t.ok(any('without headers after 2s' in l for l in srv.log), 'D3: the cut is logged',
             [l for l in srv.log if 'closed' in l][-2:])
        t.eq(srv.get('/api/healthz').status, 200, 'D3: the server still answers')
    finally:
        t.eq(srv.stop(), 0, 'slowloris server exits cleanly')
        srv.cleanup()


def D3_per_address_limit():
    """N connections from one address are allowed, the N+1st is refused,
    another address is still served."""
    srv = Server(env={'RESOPS_MAX_CONNECTIONS_PER_IP': '4'}).start()
    held = []
    try:
        for _ in range(4):
            s = socket.create_connection(('127.0.0.1', srv.port), timeout=5)
            s.sendall(b'GET /api/healthz HTTP/1.1\r\nHost: x\r\n')   # headers never finished
            held.append(s)
        # the 4 are accepted (a complete request on each would be answered):
        # wait until the server has them all, then the fifth is refused
        extra = None
        for attempt in range(50):
            e = socket.create_connection(('127.0.0.1', srv.port), timeout=5)
            e.sendall(b'GET /api/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
            r, _, _ = select.select([e], [], [], 2.0)
            data = b''
            try:
                data = e.recv(4096) if r else b'?'
            except ConnectionResetError:
                data = b''
            e.close()
            if data == b'':
                extra = 'refused'
                break
        t.eq(extra, 'refused', 'D3_per_ip_limit: the 5th connection from 127.0.0.1 is closed unanswered')
        resp = raw(srv.port, b'GET /api/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
                   src='127.0.0.2')
        t.eq(status_of(resp), 200, 'D3_per_ip_limit: a client from 127.0.0.2 still gets answers')
        for s in held:
            s.close()
        held = []
        ok = wait_until(lambda: status_of(raw(srv.port, b'GET /api/healthz HTTP/1.1\r\nHost: x\r\n'
                                                       b'Connection: close\r\n\r\n')) == 200, 10, 0.1)
        t.ok(ok, 'D3: once they close, 127.0.0.1 is served again')
        t.ok(any('per address' in l for l in srv.log), 'D3: the limits are logged at start')
    finally:
        for s in held:
            s.close()
        t.eq(srv.stop(), 0, 'per-address server exits cleanly')
        srv.cleanup()


def D3_nofile_raised_and_connection_limit():
    """Started with a soft file limit of 256 (hard 4096), the listener
    raises it to 4096 and keeps its connection limit below it."""
    import resource
    import subprocess
    import tempfile
    from harness import BIN
    d = tempfile.mkdtemp(prefix='resops-nofile-')
    env = dict(os.environ, RESOPS_PASSWORD_LIMITS='min', XDG_CONFIG_HOME=d)
    for k in ('RESOPS_LISTEN', 'RESOPS_MAX_CONNECTIONS'):
        env.pop(k, None)
    p = subprocess.Popen([BIN, '--headless', '--db', os.path.join(d, 'r.db'), '--listen', '127.0.0.1:0',
                          '--check-interval', '3600'], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                         text=True, env=env,
                         preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (256, 4096)))
    line = ''
    try:
        for line in p.stderr:                 # ends when the process does
            if 'api: limits:' in line:
                break
        with open('/proc/%d/limits' % p.pid) as f:
            soft = [l.split()[3] for l in f if l.startswith('Max open files')]
        import re
        m = re.search(r'limits: (\d+) connections .*file limit (\d+)', line)
        t.ok(soft == ['4096'] and m and m.group(2) == '4096',
             'D3_nofile_raised: the soft file limit is raised to the hard limit at start', (soft, line))
        t.ok(m and 16 <= int(m.group(1)) < 4096 - 128,
             'D3_connection_limit_below_nofile: the connection limit leaves room for the rest', line)
    finally:
        p.terminate()
        t.eq(p.wait(30), 0, 'nofile server exits cleanly')
        import shutil
        shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------------------
def incident(iid):
    return {'incident_id': iid, 'title': 'Incident ' + iid, 'description': 'pile-up test',
            'category': 'network', 'priority': 'high', 'confidence_score': 0.95,
            'created_by': 'user123'}


def D2_slow_requests_bounded():
    """At most 3 resolve requests wait at once, at most 2 per user; beyond
    that 429 / 503 with Retry-After and {"error"}, and the thread count
    stays bounded; once the runs end new requests succeed."""
    import tempfile
    d = tempfile.mkdtemp(prefix='resops-slow-')
    gate = os.path.join(d, 'go')
    pb = os.path.join(d, 'playbooks.json')
    with open(pb, 'w') as f:
        json.dump({'network': [{'type': 'command', 'action': 'wait_for_gate', 'timeout_ms': 120000,
                                'argv': ['/bin/sh', '-c', 'touch "%s/started.$RESOPS_INCIDENT_ID"; '
                                         'i=0; while [ ! -e "%s" ] && [ $i -lt 1200 ]; do sleep 0.05; '
                                         'i=$((i+1)); done' % (d, gate)]}]}, f)
    srv = Server(workdir=d, env={'RESOPS_MAX_WAITING_RESOLVES': '3',
                                 'RESOPS_MAX_WAITING_RESOLVES_PER_USER': '2',
                                 'RESOPS_PLAYBOOK_FILE': pb}).start()
    results = {}

    def fire(name, tok, iid):
        c = http.client.HTTPConnection('127.0.0.1', srv.port, timeout=120)
        try:
            c.request('POST', '/api/v1/incidents/%s/auto-resolve' % iid, body=json.dumps(incident(iid)),
                      headers={'Authorization': 'Bearer ' + tok, 'Content-Type': 'application/json'})
            r = c.getresponse()
            results[name] = (r.status, r.getheader('Retry-After'), r.read())
        except OSError as e:
            results[name] = (None, None, repr(e).encode())
        finally:
            c.close()

    def started(iid):
        return os.path.exists(os.path.join(d, 'started.' + iid))

    threads = []
    try:
        srv.signup('admin', 'adminpass')
        admin = srv.login('admin', 'adminpass')
        srv.signup('other', 'otherpass', 'Ops Analyst', admin)
        other = srv.login('other', 'otherpass')
        base = proc_threads(srv.proc.pid)
        for name, tok, iid in (('a1', admin, 'PILE-A1'), ('a2', admin, 'PILE-A2'), ('o1', other, 'PILE-O1')):
            th = threading.Thread(target=fire, args=(name, tok, iid), daemon=True)
            th.start()
            threads.append(th)
        t.ok(wait_until(lambda: started('PILE-A1') and started('PILE-A2') and started('PILE-O1'), 30),
             'D2: three resolve requests are running and waiting')
        mid = proc_threads(srv.proc.pid)   # + 3 pool threads (+ the runner's own)
        fire('a3', admin, 'PILE-A3')
        st, ra, body = results['a3']
        t.ok(st == 429 and ra and int(ra) > 0 and b'"error"' in body,
             'D2_slow_cap_per_user: a third waiting request of one user: 429 + Retry-After + {"error"}',
             results['a3'])
        fire('o2', other, 'PILE-O2')
        st, ra, body = results['o2']
        t.ok(st == 503 and ra and int(ra) > 0 and b'"error"' in body,
             'D2_slow_cap_server: a fourth waiting request on the server: 503 + Retry-After + {"error"}',
             results['o2'])
        # a decision that runs no step never waits: answered on the listener's
        # own thread while the pool is full, its audit rows already committed
        r = srv.post('/api/v1/incidents/LOW-1/auto-resolve', low('LOW-1'), admin)
        rows = srv.db_query("SELECT action FROM incident_audit WHERE incident_id = 'LOW-1'")
        t.ok(r.status == 200 and r.json.get('success') is False and 'skipped' in r.json.get('message', '')
             and sorted(a for (a,) in rows) == ['auto_resolution_attempted', 'auto_resolution_skipped'],
             'D2_refusal_never_waits: below the threshold with the pool full: 200 skipped, not 429/503, '
             'both audit rows committed', (r, rows))
        r = srv.post('/api/v1/incidents/batch-resolve', [low('LOW-2'), low('LOW-3', 0.1)], other)
        t.ok(r.status == 200 and [x.get('success') for x in (r.json or [])] == [False, False],
             'D2_refusal_never_waits: a batch the decision refuses entirely: 200 with the pool full', r)
        # a burst of extra requests all bounce at once, and threads stay bounded
        burst = [threading.Thread(target=fire, args=('b%d' % i, other if i % 2 else admin, 'BURST-%d' % i),
                                  daemon=True) for i in range(20)]
        for th in burst:
            th.start()
        for th in burst:
            th.join(30)
        bounced = [results.get('b%d' % i, (None,))[0] for i in range(20)]
        t.ok(all(b in (429, 503) for b in bounced), 'D2: 20 more concurrent requests: all 429/503', bounced)
        now = proc_threads(srv.proc.pid)
        # 3 pool threads + up to 3 runner workers + a few of libcurl's and
        # the engine's short-lived ones; unbounded would be one per request (25)
        t.ok(now <= mid + 2 and mid <= base + 12,
             'D2_threads_bounded: threads %d idle, %d with 3 waiting, %d after 22 more requests'
             % (base, mid, now), (base, mid, now))
        t.ok(not any(started('BURST-%d' % i) for i in range(20)), 'D2: no refused request ran a step')
        open(gate, 'w').close()
        for th in threads:
            th.join(60)
        t.ok(all(results.get(n, (None,))[0] == 200 for n in ('a1', 'a2', 'o1')),
             'D2: the waiting requests are answered once their runs end',
             {n: results.get(n, (None, None, b''))[:2] for n in ('a1', 'a2', 'o1')})
        fire('after', admin, 'PILE-AFTER')
        t.eq(results['after'][0], 200, 'D2: after the runs ended a new request succeeds')
        t.ok(proc_threads(srv.proc.pid) <= mid + 2, 'D2: the pool does not grow beyond its cap')
    finally:
        open(gate, 'w').close()
        t.eq(srv.stop(), 0, 'slow-pool server exits cleanly')
        srv.cleanup()


basics()
D3_slowloris_deadlines()
D3_per_address_limit()
D3_nofile_raised_and_connection_limit()
D2_slow_requests_bounded()
t.done()
