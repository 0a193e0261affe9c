#!/usr/bin/python3
"""Seed 000's API against the real binary: every endpoint's success path
and documented errors, the whole role matrix, token attacks, the login
throttle, HTTP hygiene, audit entries, cascade delete, restart, TLS.

Prints TAP; one check = one case. Run: RESOPS_BIN=build/resops tests/api/test_api.py
"""
import datetime
import http.client
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, Tap, jwt_make, jwt_parts  # noqa: E402

t = Tap()
NO_ROLE = 'Forbidden: Insufficient role permissions'


def iso(dt):
    return dt.strftime('%Y-%m-%dT%H:%M:%S')


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)


def audit_has(srv, tok, action, entity, entity_id, user_id):
    r = srv.get('/api/audit', tok)
    for e in r.json or []:
        if (e['action'], e['entity'], e['entity_id'], e['user_id']) == (action, entity,
                                                                         entity_id, user_id):
            return True
    return False


# ---------------------------------------------------------------------------
def hygiene(srv):
    r = srv.get('/api/healthz')
    t.ok(r.status == 200 and r.json.get('status') == 'ok', 'GET /api/healthz answers without auth', r)
    r = srv.get('/api/openapi.json')
    t.ok(r.status == 200 and r.json and r.json.get('openapi', '').startswith('3.'),
         'GET /api/openapi.json serves an OpenAPI 3 document', r.raw[:200])
    t.eq(r.headers.get('content-type'), 'application/json', 'openapi.json is application/json')
    r = srv.get('/api/nowhere')
    t.ok(r.status == 404 and r.error, 'unknown path: 404 with {"error": ...}', r)
    r = srv.get('/api/services/abc/health')
    t.ok(r.status == 404 and r.error, 'non-integer service id: 404 JSON', r)
    r = srv.request('PATCH', '/api/services')
    t.ok(r.status == 405 and r.error == 'Method not allowed', 'wrong method: 405 JSON', r)
    t.ok('GET' in r.headers.get('allow', '') and 'DELETE' in r.headers.get('allow', ''),
         '405 carries an Allow header', r.headers)
    r = srv.get('/api/services')
    t.ok(r.status == 401 and r.error == 'Missing Authorization header', 'no token: 401 JSON', r)
    r = srv.get('/api/services', headers={'Authorization': 'Basic YTpi'})
    t.ok(r.status == 401 and r.error, 'non-Bearer Authorization: 401', r)
    r = srv.get('/api/services', headers={'Authorization': 'Bearer garbage'})
    t.ok(r.status == 401 and r.error == 'Invalid token', 'garbage token: 401 "Invalid token"', r)
    r = srv.post('/api/auth/login', raw='{"username": "x", ')
    t.ok(r.status == 400 and r.error == 'Request body must be valid JSON', 'malformed JSON: 400', r)
    r = srv.post('/api/auth/login', raw='[1, 2]')
    t.ok(r.status == 400 and r.error == 'Request body must be a JSON object', 'JSON array body: 400', r)
    r = srv.post('/api/auth/login', raw='{"username": "x"} trailing')
    t.ok(r.status == 400, 'trailing garbage after JSON: 400', r)
    r = srv.post('/api/auth/login', {'username': 5, 'password': 'x'})
    t.ok(r.status == 400 and "'username'" in (r.error or ''), 'wrong field type: 400 naming the field', r)
    r = srv.post('/api/auth/login', raw='')
    t.ok(r.status == 400, 'empty body where one is needed: 400', r)
    # Content-Length over the limit: answered before the body is read, so
    # the client sends headers only and reads the answer.
    import socket
    s = socket.create_connection(('127.0.0.1', srv.port), timeout=30)
    s.sendall(b'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
              b'Content-Length: %d\r\n\r\n{"username": "' % (2 * 1024 * 1024))
    data = b''
    while b'\r\n\r\n' not in data or not data.rstrip().endswith(b'}'):
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    t.ok(data.startswith(b'HTTP/1.1 413') and b'"error"' in data,
         'body over 1 MiB (Content-Length): 413 JSON before the body is read', data[:200])
    big = '{"username": "' + 'a' * (1024 * 1024 - 40) + '", "password": "x"}'
    r = srv.post('/api/auth/login', raw=big)
    t.ok(r.status == 401, 'a body just under 1 MiB is accepted', r)
    c = srv.conn()
    try:
        def chunks():
            for _ in range(20):
                yield b'x' * 65536
        c.request('POST', '/api/auth/login', body=chunks(), encode_chunked=True,
                  headers={'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked'})
        resp = c.getresponse()
        status, body = resp.status, resp.read()
    finally:
        c.close()
    t.ok(status == 413 and b'"error"' in body, 'chunked body over 1 MiB: 413 JSON', (status, body[:100]))
    r = srv.get('/api/healthz', headers={'Origin': 'http://evil.example'})
    t.ok('access-control-allow-origin' not in r.headers, 'CORS is off unless configured', r.headers)
    r = srv.request('HEAD', '/api/healthz')
    t.eq(r.status, 200, 'HEAD works like GET')


# ---------------------------------------------------------------------------
def accounts(srv):
    r = srv.signup('admin', 'adminpass')
    t.ok(r.status == 201 and r.message == 'User registered successfully',
         'signup: 201 "User registered successfully"', r)
    t.eq(r.json.get('role'), 'Admin', 'the very first account is Admin')
    admin = srv.login('admin', 'adminpass')
    t.ok(admin, 'login: 200 with access_token')
    hdr, claims, _ = jwt_parts(admin)
    t.eq(hdr.get('alg'), 'HS256', 'token alg is HS256')
    t.eq((claims.get('sub'), claims.get('username'), claims.get('role')), ('1', 'admin', 'Admin'),
         'token claims: sub = user id (string), username, role')
    t.ok(re.fullmatch(r'[0-9a-f]{32}', claims.get('jti', '')), 'token has a random jti', claims)
    t.eq(claims.get('exp', 0) - claims.get('iat', 0), 3600, 'token expires after 1 hour')
    t.ok(audit_has(srv, admin, 'User Signup', 'User', 1, 1), 'audit: User Signup / User / id')

    cases = [
        ({'password': 'password123'}, 400, 'Username is required'),
        ({'username': 'u1'}, 400, 'Password is required'),
        ({'username': 'u1', 'password': '12345'}, 400, 'Password must be at least 6 characters long'),
        ({'username': 'admin', 'password': 'password123'}, 400, 'User already exists'),
        ({'username': 'u1', 'password': 'password123', 'role': 'ops analyst'}, 400, None),
        ({'username': 'u1', 'password': 'password123', 'role': 'Engineer'}, 403, None),
        ({'username': 'u1', 'password': 'password123', 'role': 'Admin'}, 403, None),
    ]
    for body, status, msg in cases:
        r = srv.post('/api/auth/signup', body)
        t.ok(r.status == status and r.error and (msg is None or r.error == msg),
             'signup %s: %d %s' % (json.dumps(body), status, msg or ''), r)
    r = srv.signup('plain', 'password123')
    t.ok(r.status == 201 and r.json.get('role') == 'user', 'signup without role: "user"', r)
    r = srv.signup('plain2', 'password123', role='user')
    t.ok(r.status == 201 and r.json.get('role') == 'user', 'asking for "user" needs no Admin', r)
    r = srv.signup('x', 'password123', token='not.a.token')
    t.eq(r.status, 401, 'signup with an invalid token: 401')

    tokens = {'Admin': admin, 'user': srv.login('plain')}
    for role, name in (('Business Owner', 'bo'), ('Ops Analyst', 'oa'), ('Engineer', 'eng')):
        r = srv.signup(name, 'password123', role=role, token=admin)
        t.ok(r.status == 201 and r.json.get('role') == role, 'an Admin grants role %r' % role, r)
        tokens[role] = srv.login(name)
    r = srv.signup('admin2', 'password123', role='Admin', token=admin)
    t.ok(r.status == 201 and r.json.get('role') == 'Admin', 'an Admin may create an Admin', r)
    r = srv.signup('x2', 'password123', role='Engineer', token=tokens['Business Owner'])
    t.eq(r.status, 403, 'a non-Admin cannot grant roles')

    for body, status, msg in [({'username': 'admin'}, 400, 'Username and password are required'),
                              ({'password': 'x'}, 400, 'Username and password are required'),
                              ({'username': 'admin', 'password': 'wrong!'}, 401,
                               'Invalid username or password'),
                              ({'username': 'ghost', 'password': 'whatever'}, 401,
                               'Invalid username or password')]:
        r = srv.post('/api/auth/login', body)
        t.ok(r.status == status and r.error == msg, 'login %s: %d %s' % (json.dumps(body), status, msg), r)
    r = srv.get('/api/services', headers={'token': admin})
    t.eq(r.status, 200, "seed 004's token: header is accepted")
    return tokens


def throttle(srv):
    srv.signup('victim', 'rightpass')
    codes = [srv.post('/api/auth/login', {'username': 'victim', 'password': 'nope%d' % i}).status
             for i in range(5)]
    t.eq(codes, [401] * 5, 'five failed logins: 401 each')
    r = srv.post('/api/auth/login', {'username': 'victim', 'password': 'rightpass'})
    t.ok(r.status == 429 and r.error, 'sixth attempt within 15 minutes: 429, even with the right password', r)
    t.ok(r.headers.get('retry-after'), '429 carries Retry-After', r.headers)
    t.eq(srv.post('/api/auth/login', {'username': 'admin', 'password': 'adminpass'}).status, 200,
         'the throttle is per username')
    srv.db_exec("UPDATE login_failure SET at = strftime('%Y-%m-%dT%H:%M:%S', 'now', '-16 minutes') "
                "WHERE username = 'victim'")
    r = srv.post('/api/auth/login', {'username': 'victim', 'password': 'rightpass'})
    t.eq(r.status, 200, 'once the 15-minute window has passed, login works again')


def token_attacks(srv, tokens):
    good = tokens['Admin']
    hdr, claims, sig = jwt_parts(good)
    key = srv.secret()
    now = int(time.time())
    bad = {
        'expired': jwt_make(hdr, dict(claims, exp=now - 5, iat=now - 3605), key),
        'signed with another key': jwt_make(hdr, claims, b'k' * 64),
        'alg none': jwt_make({'alg': 'none', 'typ': 'JWT'}, claims, key),
        'HS512 with the right key (alg pinned)': jwt_make({'alg': 'HS512', 'typ': 'JWT'}, claims, key, 'sha512'),
        'tampered payload': good.split('.')[0] + '.' + jwt_make(hdr, dict(claims, role='Admin', sub='2'), key).split('.')[1] + '.' + sig,
        'stripped signature': '.'.join(good.split('.')[:2]) + '.',
        'no exp claim': jwt_make(hdr, {k: v for k, v in claims.items() if k != 'exp'}, key),
        'unknown jti': jwt_make(hdr, dict(claims, jti='0' * 32), key),
    }
    for name, tok in bad.items():
        r = srv.get('/api/services', tok)
        t.ok(r.status == 401 and r.error, 'token %s: 401' % name, r)
    r = srv.get('/api/services', bad['expired'])
    t.eq(r.error, 'Token has expired', 'expired token says so')
    tok = srv.login('oa')
    r = srv.post('/api/auth/logout', token=tok)
    t.ok(r.status == 200 and r.message == 'Logged out', 'logout: 200', r)
    r = srv.get('/api/services', tok)
    t.ok(r.status == 401 and r.error == 'Token has been revoked', 'revoked token: 401', r)
    tokens['Ops Analyst'] = srv.login('oa')


# ---------------------------------------------------------------------------
# (method, path, body, roles allowed, what an allowed role gets: status and
# error); bodies point at missing ids so an allowed call answers 404/400/200
# but never 401/403 or a 5xx, and changes nothing.
ANY = {'user', 'Business Owner', 'Ops Analyst', 'Engineer', 'Admin'}
BO, OA, ENG = {'Business Owner', 'Admin'}, {'Ops Analyst', 'Admin'}, {'Engineer', 'Admin'}
NO_SERVICE = (404, 'Service not found')
LISTED = (200, None)
MATRIX = [
    ('GET', '/api/services', None, ANY, LISTED),
    ('POST', '/api/services', {'name': 'x', 'dependencies': [999999]}, BO,
     (400, 'Invalid dependency IDs: [999999]')),
    ('PUT', '/api/services', {'id': 999999}, BO, NO_SERVICE),
    ('DELETE', '/api/services', {'id': 999999}, BO, NO_SERVICE),
    ('POST', '/api/services/999999/status', {'status': 'Up'}, BO, NO_SERVICE),
    ('PUT', '/api/services/999999/status', {'status': 'Up'}, BO, NO_SERVICE),
    ('PUT', '/api/services/999999/bia', {'criticality': 'Low'}, BO, NO_SERVICE),
    ('DELETE', '/api/services/999999/bia', None, BO, NO_SERVICE),
    ('POST', '/api/services/999999/downtime', {'start_time': '2024-01-01T00:00:00'}, ANY, NO_SERVICE),
    ('GET', '/api/services/999999/downtime', None, ANY, NO_SERVICE),
    ('POST', '/api/services/integrations', {'service_id': 999999, 'type': 'x', 'config': {'a': 1}}, ENG,
     NO_SERVICE),
    ('GET', '/api/services/integrations', None, ENG, LISTED),
    ('GET', '/api/services/dependencies', None, ENG, LISTED),
    ('GET', '/api/services/999999/health', None, ANY, NO_SERVICE),
    ('GET', '/api/risk/999999', None, ANY, NO_SERVICE),
    ('POST', '/api/risk/999999/save', None, OA, NO_SERVICE),
    ('POST', '/api/risk/999999/manual', {'risk_score': 1, 'risk_level': 'Low'}, OA, NO_SERVICE),
    ('PUT', '/api/risk/999999/manual', {'risk_score': 1, 'risk_level': 'Low'}, OA, NO_SERVICE),
    ('GET', '/api/audit', None, ANY, LISTED),
    ('GET', '/api/alerts', None, ANY, LISTED),
    ('PUT', '/api/alerts', {'id': 999999, 'acknowledged': True}, OA, (404, 'Alert not found')),
    ('GET', '/api/alerts/sla_breaches', None, ANY, LISTED),
    ('POST', '/api/auth/logout', None, set(), None),       # checked below: it revokes the token
]


def role_matrix(srv, tokens):
    for method, path, body, allowed, (want, want_err) in ((m, p, b, a, w or (None, None))
                                                          for m, p, b, a, w in MATRIX):
        if not allowed:
            continue
        for role in ('user', 'Business Owner', 'Ops Analyst', 'Engineer', 'Admin'):
            r = srv.request(method, path, body, tokens[role])
            if role in allowed:
                t.ok(r.status == want and (want_err is None or r.error == want_err)
                     and (want != 200 or r.json is not None),
                     'role %-14s %-6s %s: allowed, %d %s' % (role, method, path, want, want_err or ''), r)
            else:
                t.ok(r.status == 403 and r.error == NO_ROLE,
                     'role %-14s %-6s %s: 403' % (role, method, path), r)
        r = srv.request(method, path, body)
        t.eq(r.status, 401, 'no token %-6s %s: 401' % (method, path))
    # logout: any signed-in role may (token_attacks logs out and checks the
    # revocation); without a token, or with a bad one, it is a 401
    r = srv.post('/api/auth/logout')
    t.ok(r.status == 401 and r.error == 'Missing Authorization header',
         'no token POST   /api/auth/logout: 401', r)
    r = srv.post('/api/auth/logout', token='not.a.token')
    t.ok(r.status == 401 and r.error, 'bad token POST  /api/auth/logout: 401', r)


# ---------------------------------------------------------------------------
def services(srv, tk, ctx):
    bo, admin = tk['Business Owner'], tk['Admin']
    bo_id = srv.db_query("SELECT id FROM user WHERE username = 'bo'")[0][0]
    n_before = len(srv.get('/api/services', bo).json)
    r = srv.post('/api/services', {'name': 'Payments', 'description': 'Card payments',
                                   'criticality': 'High', 'impact': 'Severe', 'rto': 30,
                                   'rpo': 15, 'signed_off': True, 'dependencies': []}, bo)
    t.ok(r.status == 201 and r.message == 'Service created' and isinstance(r.json.get('service_id'), int),
         'POST /api/services: 201 "Service created" with service_id', r)
    a = r.json['service_id']
    t.ok(audit_has(srv, bo, 'Service Created', 'Service', a, bo_id), 'audit: Service Created / Service / id / caller')
    r = srv.post('/api/services', {'name': 'Ledger', 'dependencies': [a]}, bo)
    b = r.json['service_id']
    r = srv.post('/api/services', {'name': 'Reports', 'criticality': 'Low', 'rto': 10, 'rpo': 5}, bo)
    c = r.json['service_id']
    ctx.update(a=a, b=b, c=c, bo_id=bo_id)

    r = srv.post('/api/services', {'description': 'no name'}, bo)
    t.ok(r.status == 400 and r.error == 'Service name is required', 'create without name: 400', r)
    audit_n = len(srv.get('/api/audit', admin).json)
    r = srv.post('/api/services', {'name': 'Ghost', 'dependencies': [a, 999998, 999999]}, bo)
    t.ok(r.status == 400 and r.error == 'Invalid dependency IDs: [999998, 999999]',
         'create with invalid dependencies: 400 naming them', r)
    names = [s['name'] for s in srv.get('/api/services', bo).json]
    t.ok('Ghost' not in names and len(names) == n_before + 3,
         'a create with invalid dependencies writes nothing', names)
    t.eq(len(srv.get('/api/audit', admin).json), audit_n, '... and audits nothing')
    r = srv.post('/api/services', {'name': 'x', 'rto': 'thirty'}, bo)
    t.ok(r.status == 400 and "'rto'" in r.error, 'rto of the wrong type: 400', r)
    r = srv.post('/api/services', {'name': 'x', 'dependencies': 'all'}, bo)
    t.eq(r.status, 400, 'dependencies not a list: 400')

    lst = srv.get('/api/services', tk['user'])
    t.eq(lst.status, 200, 'GET /api/services: 200 for any signed-in user')
    sa = next(s for s in lst.json if s['id'] == a)
    t.eq(sorted(sa.keys()), sorted(['id', 'name', 'description', 'created_by', 'bia', 'status',
                                    'last_updated', 'runbook_url']),
         'service fields as in seed 000 §2.2.2 (and ours: runbook_url, issue 11)')
    t.eq(sa['bia'], {'criticality': 'High', 'impact': 'Severe', 'rto': 30, 'rpo': 15,
                     'signed_off': True, 'dependencies': []}, 'service bia object')
    t.eq((sa['created_by'], sa['status'], sa['last_updated']), ('bo', 'Unknown', None),
         'created_by = username; no status yet: Unknown, last_updated null')
    sb = next(s for s in lst.json if s['id'] == b)
    t.eq(sb['bia']['dependencies'], [a], 'dependencies listed in the bia')

    # update
    r = srv.put('/api/services', {'id': b, 'name': 'General Ledger', 'rto': 45, 'dependencies': [a, c]}, bo)
    t.ok(r.status == 200 and r.message == 'Service updated successfully', 'PUT /api/services: 200', r)
    sb = next(s for s in srv.get('/api/services', bo).json if s['id'] == b)
    t.eq((sb['name'], sb['bia']['rto'], sb['bia']['dependencies']), ('General Ledger', 45, [a, c]),
         'update changes name, BIA field and dependencies')
    t.ok(audit_has(srv, bo, 'Service Updated', 'Service', b, bo_id), 'audit: Service Updated / Service')
    r = srv.put('/api/services', {'name': 'no id'}, bo)
    t.ok(r.status == 400 and r.error == 'Service ID is required', 'update without id: 400', r)
    r = srv.put('/api/services', {'id': 999999, 'name': 'x'}, bo)
    t.ok(r.status == 404 and r.error == 'Service not found', 'update unknown id: 404', r)
    r = srv.put('/api/services', {'id': b, 'dependencies': [777777]}, bo)
    t.ok(r.status == 400 and r.error == 'Invalid dependency IDs: [777777]', 'update with invalid deps: 400', r)
    sb = next(s for s in srv.get('/api/services', bo).json if s['id'] == b)
    t.eq(sb['bia']['dependencies'], [a, c], '... and nothing changed')

    # status
    r = srv.post('/api/services/%d/status' % a, {'status': 'Up'}, bo)
    t.ok(r.status == 200 and r.message == 'Status updated successfully', 'POST status: "Status updated successfully"', r)
    r = srv.put('/api/services/%d/status' % c, {'status': 'Degraded'}, bo)
    t.ok(r.status == 200 and r.message == 'Status updated successfully', 'PUT status: 200', r)
    sa = next(s for s in srv.get('/api/services', bo).json if s['id'] == a)
    t.ok(sa['status'] == 'Up' and sa['last_updated'], 'status and last_updated are listed', sa)
    t.ok(audit_has(srv, bo, 'Status Updated', 'Status', a, bo_id), 'audit: Status Updated / Status / service id')
    for body, status, msg in [({}, 400, 'Status is required'), ({'status': ''}, 400, 'Status is required'),
                              ({'status': 'Sleeping'}, 400, None), ({'status': 3}, 400, None)]:
        r = srv.post('/api/services/%d/status' % a, body, bo)
        t.ok(r.status == status and r.error and (msg is None or r.error == msg),
             'status %s: 400' % json.dumps(body), r)
    r = srv.post('/api/services/999999/status', {'status': 'Up'}, bo)
    t.ok(r.status == 404 and r.error == 'Service not found', 'status of unknown service: 404', r)

    # BIA
    r = srv.put('/api/services/%d/bia' % c, {'criticality': 'Medium', 'dependencies': [a]}, bo)
    t.ok(r.status == 200 and r.message == 'BIA updated successfully', 'PUT bia: 200', r)
    sc = next(s for s in srv.get('/api/services', bo).json if s['id'] == c)
    t.eq((sc['bia']['criticality'], sc['bia']['rto'], sc['bia']['dependencies']), ('Medium', 10, [a]),
         'BIA merged: given fields change, others stay')
    t.ok(audit_has(srv, bo, 'BIA Updated', 'BIA', c, bo_id), 'audit: BIA Updated / BIA')
    r = srv.put('/api/services/%d/bia' % c, {'dependencies': [888888]}, bo)
    t.ok(r.status == 400 and r.error == 'Invalid dependency IDs: [888888]', 'BIA with invalid deps: 400', r)
    r = srv.put('/api/services/999999/bia', {'criticality': 'Low'}, bo)
    t.ok(r.status == 404 and r.error == 'Service not found', 'BIA of unknown service: 404', r)
    r = srv.delete('/api/services/%d/bia' % c, token=bo)
    t.ok(r.status == 200 and r.message == 'BIA deleted successfully', 'DELETE bia: 200', r)
    lst = srv.get('/api/services', bo).json
    sc = next(s for s in lst if s['id'] == c)
    t.ok(any(s['id'] == a for s in lst) and sc['bia']['dependencies'] == [] and sc['bia']['criticality'] is None,
         'BIA delete only unlinks: the dependency service still exists', sc)
    t.ok(audit_has(srv, bo, 'BIA Deleted', 'BIA', c, bo_id), 'audit: BIA Deleted / BIA')
    r = srv.delete('/api/services/%d/bia' % c, token=bo)
    t.ok(r.status == 404 and r.error == 'No BIA found for this service', 'DELETE bia twice: 404', r)
    r = srv.delete('/api/services/999999/bia', token=bo)
    t.ok(r.status == 404 and r.error == 'Service not found', 'DELETE bia of unknown service: 404', r)
    r = srv.put('/api/services/%d/bia' % c, {'criticality': 'Low', 'rto': 10, 'rpo': 5}, bo)
    t.eq(r.status, 200, 'PUT bia creates a BIA again')

    # dependencies (Engineer)
    r = srv.get('/api/services/dependencies', tk['Engineer'])
    t.eq(r.status, 200, 'GET /api/services/dependencies: 200')
    entry = next((d for d in r.json['dependencies'] if d['service_id'] == b), None)
    t.ok(entry and entry['service_name'] == 'General Ledger' and
         [d['service_id'] for d in entry['dependencies']] == [a, c], 'dependencies of a service', r.json)
    da = entry['dependencies'][0]
    t.eq(da, {'service_id': a, 'service_name': 'Payments', 'criticality': 'High', 'impact': 'Severe',
              'rto': 30, 'rpo': 15, 'status': 'Up'}, 'dependency fields as in seed 000 §2.2.12')
    t.ok(all(d['service_id'] != a for d in r.json['dependencies']), 'services without dependencies are left out')


def downtime(srv, tk, ctx):
    a, c = ctx['a'], ctx['c']
    user = tk['user']
    uid = srv.db_query("SELECT id FROM user WHERE username = 'plain'")[0][0]
    # issue 9 (B12): a downtime cannot outlast the service, whose history
    # starts at its created_at (registered today, existing since 2023)
    for sid in (a, ctx['b'], c):
        r = srv.put('/api/services', {'id': sid, 'created_at': '2023-06-01T00:00:00'},
                    tk['Business Owner'])
        t.eq(r.status, 200, 'PUT created_at: service %d exists since 2023' % sid)
    r = srv.post('/api/services/%d/downtime' % a, {'start_time': '2024-01-01T00:00:00',
                                                   'end_time': '2024-01-02T02:30:15',
                                                   'reason': 'DB failover'}, user)
    t.ok(r.status == 200 and r.message == 'Downtime logged', 'POST downtime: 200 "Downtime logged"', r)
    t.eq(r.json.get('downtime'), {'service_id': a, 'start_time': '2024-01-01T00:00:00',
                                  'end_time': '2024-01-02T02:30:15', 'reason': 'DB failover'},
         'downtime echo fields')
    t.ok(audit_has(srv, user, 'Downtime Logged', 'Downtime', a, uid), 'audit: Downtime Logged / Downtime')
    r = srv.post('/api/services/%d/downtime' % a, {'start_time': '2024-03-01T10:00:00Z'}, user)
    t.ok(r.status == 200 and r.json['downtime']['reason'] == 'Not specified' and
         r.json['downtime']['end_time'] is None, 'reason defaults to "Not specified"; end optional', r)
    for body, msg in [({}, 'Start time is required'), ({'start_time': ''}, 'Start time is required'),
                      ({'start_time': 'yesterday'}, 'Invalid date format. Use ISO 8601 (YYYY-MM-DDTHH:MM:SS)'),
                      ({'start_time': '2024-01-02T00:00:00', 'end_time': '2024-13-01T00:00:00'},
                       'Invalid date format. Use ISO 8601 (YYYY-MM-DDTHH:MM:SS)'),
                      ({'start_time': '2024-01-02T00:00:00', 'end_time': '2024-01-01T00:00:00'},
                       'End time cannot be before start time')]:
        r = srv.post('/api/services/%d/downtime' % a, body, user)
        t.ok(r.status == 400 and r.error == msg, 'downtime %s: 400 %s' % (json.dumps(body), msg), r)
    r = srv.post('/api/services/999999/downtime', {'start_time': '2024-01-01T00:00:00'}, user)
    t.ok(r.status == 404 and r.error == 'Service not found', 'downtime of unknown service: 404', r)

    r = srv.get('/api/services/%d/downtime' % a, user)
    t.ok(r.status == 200 and r.json['service_id'] == a and r.json['service_name'] == 'Payments'
         and r.json['downtime_count'] == 2, 'GET downtime: id, name, count', r)
    d = r.json['downtimes']
    t.eq([x['start_time'] for x in d], ['2024-03-01T10:00:00', '2024-01-01T00:00:00'], 'downtimes newest first')
    t.eq((d[1]['duration'], d[1]['total_minutes'], d[1]['end_time'], d[1]['reason']),
         ('1 day, 2:30:15', 1590, '2024-01-02T02:30:15', 'DB failover'),
         'duration like Python timedelta text, total_minutes truncated')
    t.ok(d[0]['end_time'] is None and re.fullmatch(r'\d+ days, \d+:\d\d:\d\d', d[0]['duration']),
         'an open downtime runs to now', d[0])
    r = srv.get('/api/services/999999/downtime', user)
    t.ok(r.status == 404 and r.error == 'Service not found', 'GET downtime of unknown service: 404', r)

    # an SLA-breaching downtime for service c (rto 10, rpo 5), ended 30 min ago
    now = utcnow()
    r = srv.post('/api/services/%d/downtime' % c, {'start_time': iso(now - datetime.timedelta(minutes=60)),
                                                   'end_time': iso(now - datetime.timedelta(minutes=30)),
                                                   'reason': 'disk full'}, user)
    t.eq(r.status, 200, 'a recent 30-minute downtime logged')


def integrations(srv, tk, ctx):
    eng, a = tk['Engineer'], ctx['a']
    eng_id = srv.db_query("SELECT id FROM user WHERE username = 'eng'")[0][0]
    cfg = {'webhook_url': 'http://127.0.0.1:9/slack-hook', 'channel': 'ops'}
    r = srv.post('/api/services/integrations', {'service_id': a, 'type': 'Slack', 'config': cfg}, eng)
    t.ok(r.status == 201 and r.message == 'Integration added successfully', 'POST integrations: 201', r)
    rows = srv.db_query("SELECT channel, target, payload FROM outbox WHERE channel = 'slack' "
                        "AND idempotency_key LIKE 'integration-added-%'")
    t.ok(len(rows) == 1 and rows[0][1] == cfg['webhook_url'] and
         'New Slack integration added!' in json.loads(rows[0][2])['text'] and
         'Service: *Payments*' in json.loads(rows[0][2])['text'] and
         'Channel: `#ops`' in json.loads(rows[0][2])['text'],
         'Slack integration: the seed\'s notice is queued in the outbox', rows)
    r = srv.post('/api/services/integrations', {'service_id': a, 'type': 'PagerDuty', 'config': {'key': 'k'}}, eng)
    t.eq(r.status, 201, 'a non-Slack integration: 201')
    for body in [{'type': 'Slack', 'config': cfg}, {'service_id': a, 'config': cfg},
                 {'service_id': a, 'type': 'Slack'}, {'service_id': a, 'type': '', 'config': cfg}]:
        r = srv.post('/api/services/integrations', body, eng)
        t.ok(r.status == 400 and r.error == 'Service ID, type, and config are required',
             'integration %s: 400' % json.dumps(body), r)
    r = srv.post('/api/services/integrations', {'service_id': a, 'type': 'x', 'config': 'str'}, eng)
    t.eq(r.status, 400, 'config that is not an object: 400')
    r = srv.post('/api/services/integrations', {'service_id': 999999, 'type': 'x', 'config': {'a': 1}}, eng)
    t.ok(r.status == 404 and r.error == 'Service not found', 'integration for unknown service: 404', r)
    r = srv.get('/api/services/integrations', eng)
    t.eq(r.status, 200, 'GET integrations: 200')
    i0 = r.json[0]
    t.eq(sorted(i0.keys()), ['config', 'created_at', 'created_by', 'id', 'service_id', 'type'],
         'integration fields as in seed 000 §2.2.11')
    t.eq((i0['service_id'], i0['type'], i0['config'], i0['created_by']), (a, 'Slack', cfg, 'eng'),
         'integration values; config is a JSON object')
    t.ok(audit_has(srv, eng, 'Integration Added', 'Integration', a, eng_id), 'audit: Integration Added (ours)')


def risk(srv, tk, ctx):
    oa, c, a = tk['Ops Analyst'], ctx['c'], ctx['a']
    oa_id = srv.db_query("SELECT id FROM user WHERE username = 'oa'")[0][0]
    # S3: scored when created (and on each BIA change), not a tick later
    r = srv.get('/api/risk/%d' % c, oa)
    t.ok(r.status == 200 and r.json['source'] == 'automated' and r.json['created_by'] == 'system',
         'GET risk of a new service: its automated score at once', r)
    saved = srv.db_query('SELECT * FROM risk WHERE service_id = ?', (c,))
    srv.db_exec('DELETE FROM risk WHERE service_id = ?', (c,))
    r = srv.get('/api/risk/%d' % c, oa)
    t.ok(r.status == 404 and r.error == 'No risk score available for this service',
         'GET risk with no row (a service from before S3): 404', r)
    ncols = len(saved[0]) if saved else 0
    for row in saved:
        srv.db_exec('INSERT INTO risk VALUES (%s)' % ', '.join('?' * ncols), row)
    r = srv.get('/api/risk/999999', oa)
    t.ok(r.status == 404 and r.error == 'Service not found', 'GET risk of unknown service: 404', r)
    r = srv.post('/api/risk/%d/save' % a, token=oa)
    want_reason = ('High criticality in BIA, High impact in BIA: Severe, RTO < 1 hour, RPO < 1 hour, '
                   'Service marked as CRITICAL based on business rules')
    t.ok(r.status == 200 and r.message == 'Risk score saved', 'POST risk save: 200 "Risk score saved"', r)
    t.eq({k: r.json.get(k) for k in ('service_id', 'risk_score', 'risk_level', 'is_critical', 'reason')},
         {'service_id': a, 'risk_score': 40, 'risk_level': 'Low', 'is_critical': True, 'reason': want_reason},
         'automated score = seed 000 §3.2 (15 + 10 + 10 + 5, critical by BIA)')
    r = srv.get('/api/risk/%d' % a, tk['user'])
    t.eq({k: r.json.get(k) for k in ('risk_score', 'risk_level', 'is_critical', 'source', 'created_by')},
         {'risk_score': 40, 'risk_level': 'Low', 'is_critical': True, 'source': 'automated',
          'created_by': 'oa'}, 'GET risk: the saved automated row')
    t.eq(sorted(r.json.keys()), sorted(['service_id', 'risk_score', 'risk_level', 'is_critical', 'reason',
                                        'source', 'created_by', 'created_at']), 'risk fields as in §2.3.1')
    t.ok(audit_has(srv, oa, 'Automated Risk Score Saved', 'Risk', a, oa_id), 'audit: Automated Risk Score Saved / Risk')
    r = srv.post('/api/risk/999999/save', token=oa)
    t.ok(r.status == 404 and r.error == 'Service not found', 'risk save of unknown service: 404', r)

    r = srv.post('/api/risk/%d/manual' % c, {'risk_score': 0, 'risk_level': 'Low'}, oa)
    t.ok(r.status == 200 and r.message == 'Manual risk score added', 'manual POST with score 0: 200', r)
    r = srv.get('/api/risk/%d' % c, oa)
    t.eq((r.json['risk_score'], r.json['source'], r.json['reason']), (0, 'manual', ''), 'latest risk is the manual 0')
    t.ok(audit_has(srv, oa, 'Manual Risk Score Added', 'Risk', c, oa_id), 'audit: Manual Risk Score Added / Risk')
    r = srv.put('/api/risk/%d/manual' % c, {'risk_score': 80, 'risk_level': 'High', 'reason': 'Manual override',
                                            'is_critical': True}, oa)
    t.ok(r.status == 200 and r.message == 'Manual risk score updated', 'manual PUT: 200', r)
    r = srv.get('/api/risk/%d' % c, oa)
    t.eq((r.json['risk_score'], r.json['risk_level'], r.json['is_critical'], r.json['reason']),
         (80, 'High', True, 'Manual override'), 'GET risk returns the updated manual row')
    t.ok(audit_has(srv, oa, 'Manual Risk Score Updated', 'Risk', c, oa_id), 'audit: Manual Risk Score Updated / Risk')
    for body, msg in [({'risk_level': 'Low'}, 'Risk score and risk level are required'),
                      ({'risk_score': 5}, 'Risk score and risk level are required'),
                      ({'risk_score': 101, 'risk_level': 'High'}, 'Risk score must be an integer between 0 and 100'),
                      ({'risk_score': -1, 'risk_level': 'Low'}, 'Risk score must be an integer between 0 and 100'),
                      ({'risk_score': 50.5, 'risk_level': 'Low'}, 'Risk score must be an integer between 0 and 100'),
                      # issue 9 (B15): a wrong type names its field
                      ({'risk_score': '50', 'risk_level': 'Low'},
                       "Field 'risk_score' must be an integer between 0 and 100"),
                      ({'risk_score': 50, 'risk_level': 'high'}, 'Risk level must be Low, Medium, or High'),
                      ({'risk_score': 50, 'risk_level': 'Critical'}, 'Risk level must be Low, Medium, or High')]:
        for m in ('POST', 'PUT'):
            r = srv.request(m, '/api/risk/%d/manual' % c, body, oa)
            t.ok(r.status == 400 and r.error == msg, 'manual %s %s: 400' % (m, json.dumps(body)), r)
    r = srv.post('/api/risk/999999/manual', {'risk_score': 5, 'risk_level': 'Low'}, oa)
    t.ok(r.status == 404 and r.error == 'Service not found', 'manual risk for unknown service: 404', r)


def health(srv, tk, ctx):
    a, b, user = ctx['a'], ctx['b'], tk['user']
    r = srv.get('/api/services/%d/health' % a, user)
    t.eq(r.status, 200, 'GET health: 200')
    h = r.json
    t.eq(sorted(k for k in h if k != 'risk_level'),
         sorted(['service_id', 'name', 'status', 'last_updated', 'bia', 'downtime', 'overall_health',
                 'risk_score', 'is_critical', 'reason', 'uptime_percentage']), 'health fields as in §2.2.13')
    t.eq((h['status'], h['overall_health'], h['risk_score'], h['is_critical']), ('Up', 'Healthy', 40, True),
         'Up with Low risk: Healthy')
    t.eq(h['bia'], {'criticality': 'High', 'rto': 30, 'rpo': 15}, 'health bia')
    t.eq(h['downtime'], {'start_time': '2024-03-01T10:00:00', 'reason': 'Not specified'}, 'health: latest downtime')
    t.ok(isinstance(h['uptime_percentage'], float) and h['uptime_percentage'] == 0.0,
         'uptime_percentage is a float; a downtime still open since 2024 covers all 30 days',
         h['uptime_percentage'])
    now = utcnow()
    srv.post('/api/services/%d/downtime' % b, {'start_time': iso(now - datetime.timedelta(days=10)),
                                               'end_time': iso(now - datetime.timedelta(days=7))}, user)
    srv.post('/api/services/%d/downtime' % b, {'start_time': iso(now - datetime.timedelta(days=9)),
                                               'end_time': iso(now - datetime.timedelta(days=8))}, user)
    h = srv.get('/api/services/%d/health' % b, user).json
    t.eq(h['uptime_percentage'], 90.0, 'uptime: 3 days of 30 down (overlaps counted once) = 90.0')
    t.eq((h['status'], h['overall_health']), ('Unknown', 'Degraded'), 'no status: Unknown, Degraded')
    srv.post('/api/services/%d/status' % a, {'status': 'Down'}, tk['Business Owner'])
    h = srv.get('/api/services/%d/health' % a, user).json
    t.eq((h['status'], h['overall_health'], h['risk_score']), ('Down', 'Unhealthy', 80),
         'Down: Unhealthy, risk +40')
    t.ok(h['reason'].startswith('Service is currently down, '), 'reason lists the factors', h['reason'])
    h = srv.get('/api/services/%d/health' % b, user).json
    t.ok('Dependencies down: Payments' in h['reason'], 'a Down dependency shows in the dependent\'s reason', h['reason'])
    r = srv.get('/api/services/999999/health', user)
    t.ok(r.status == 404 and r.error == 'Service not found', 'health of unknown service: 404', r)


def alerts(srv, tk, ctx):
    oa, a = tk['Ops Analyst'], ctx['a']
    oa_id = srv.db_query("SELECT id FROM user WHERE username = 'oa'")[0][0]
    r = srv.get('/api/alerts', tk['user'])
    t.eq(r.status, 200, 'GET /api/alerts: 200')
    down = [x for x in r.json if x['service_id'] == a and x['type'] == 'StatusChange']
    t.ok(down and down[0]['message'] == 'Service Payments is Down' and down[0]['severity'] == 'Critical'
         and down[0]['acknowledged'] is False, 'status Down raised a StatusChange alert', r.json)
    t.eq(sorted(r.json[0].keys()), sorted(['id', 'service_id', 'type', 'message', 'severity', 'created_at',
                                           'acknowledged', 'resolved', 'resolved_at', 'acknowledged_by',
                                           'acknowledged_at', 'ack_note', 'ack_expires_at', 'silenced_by',
                                           'kind', 'root_cause_service_id']),
         'alert fields as in §2.5.1, plus ours: resolved, resolved_at, the ack\'s owner, time, note, expiry, '
         'silenced_by, kind, root_cause_service_id (issue 11)')
    t.ok(down and down[0]['resolved'] is False and down[0]['resolved_at'] is None,
         'the current Down alert is not resolved', down[:1])
    keys = [(x['created_at'], x['id']) for x in r.json]
    t.eq(keys, sorted(keys, reverse=True), 'alerts newest first')
    alert_id = down[0]['id']
    r = srv.put('/api/alerts', {'id': alert_id, 'acknowledged': True}, oa)
    t.ok(r.status == 200 and r.message == 'Alert updated', 'PUT /api/alerts: 200 "Alert updated"', r)
    x = next(x for x in srv.get('/api/alerts', oa).json if x['id'] == alert_id)
    t.eq(x['acknowledged'], True, 'the alert is acknowledged')
    t.ok(audit_has(srv, oa, 'Alert Acknowledged', 'Alert', a, oa_id),
         'audit: Alert Acknowledged / Alert / entity_id = the alert\'s service_id')
    r = srv.put('/api/alerts', {'acknowledged': True}, oa)
    t.ok(r.status == 400 and r.error == 'Alert ID is required', 'PUT alert without id: 400', r)
    r = srv.put('/api/alerts', {'id': 999999, 'acknowledged': True}, oa)
    t.ok(r.status == 404 and r.error == 'Alert not found', 'PUT unknown alert: 404', r)
    r = srv.put('/api/alerts', {'id': alert_id, 'acknowledged': 'yes'}, oa)
    t.eq(r.status, 400, 'acknowledged that is not a boolean: 400')
    ack_note_expiry(srv, oa, oa_id, a, alert_id)


def alert_row(srv, tok, alert_id):
    return next(x for x in srv.get('/api/alerts', tok).json if x['id'] == alert_id)


def ack_note_expiry(srv, oa, oa_id, a, alert_id):
    """Issue 11 item 3: an ack's owner, note and expiry; un-ack clears them."""
    x = alert_row(srv, oa, alert_id)
    t.ok(x['acknowledged_by'] == 'oa' and x['acknowledged_at'] and x['ack_note'] is None
         and x['ack_expires_at'] is None, 'a plain ack: owner and time, no note or expiry', x)
    r = srv.put('/api/alerts', {'id': alert_id, 'acknowledged': True, 'note': 'on it: queue restart',
                                'expires_in_minutes': 30}, oa)
    t.eq(r.status, 200, 'PUT /api/alerts with note and expires_in_minutes: 200')
    x = alert_row(srv, oa, alert_id)
    ok = False
    if x['acknowledged_at'] and x['ack_expires_at']:
        at = datetime.datetime.strptime(x['acknowledged_at'][:19], '%Y-%m-%dT%H:%M:%S')
        ex = datetime.datetime.strptime(x['ack_expires_at'][:19], '%Y-%m-%dT%H:%M:%S')
        ok = (ex - at).total_seconds() == 30 * 60
    t.ok(x['acknowledged'] is True and x['acknowledged_by'] == 'oa'
         and x['ack_note'] == 'on it: queue restart' and ok,
         'the note, the owner and an expiry 30 minutes after the ack are returned', x)
    t.ok(audit_has(srv, oa, 'Alert Acknowledged', 'Alert', a, oa_id), 'the ack with a note is audited')
    for body, field in (({'note': 'x' * 501}, 'note'), ({'note': 'a\x07b'}, 'note'),
                        ({'note': 5}, 'note'), ({'expires_in_minutes': 0}, 'expires_in_minutes'),
                        ({'expires_in_minutes': 10081}, 'expires_in_minutes'),
                        ({'expires_in_minutes': 'soon'}, 'expires_in_minutes'),
                        ({'expires_in_minutes': 1.5}, 'expires_in_minutes')):
        body.update({'id': alert_id, 'acknowledged': True})
        r = srv.put('/api/alerts', body, oa)
        t.ok(r.status == 400 and r.error and field in r.error,
             'bad %s %r: 400 naming the field' % (field, str(body[field])[:12]), r)
    t.eq(alert_row(srv, oa, alert_id), x, 'a refused ack changed nothing')
    r = srv.put('/api/alerts', {'id': alert_id, 'acknowledged': False}, oa)
    t.eq(r.status, 200, 'un-ack: 200')
    x = alert_row(srv, oa, alert_id)
    t.ok(x['acknowledged'] is False and x['acknowledged_by'] is None and x['acknowledged_at'] is None
         and x['ack_note'] is None and x['ack_expires_at'] is None,
         'un-ack clears owner, time, note and expiry', x)
    t.ok(audit_has(srv, oa, 'Alert Unacknowledged', 'Alert', a, oa_id), 'un-ack audited Alert Unacknowledged')
    srv.put('/api/alerts', {'id': alert_id, 'acknowledged': True}, oa)


def audit(srv, tk):
    r = srv.get('/api/audit', tk['user'])
    t.eq(r.status, 200, 'GET /api/audit: 200 for any signed-in user')
    t.eq(sorted(r.json[0].keys()), sorted(['id', 'action', 'entity', 'entity_id', 'timestamp', 'user_id',
                                           'actor']),
         'audit fields as in §2.4.1, plus actor (issue 9, B4)')
    t.ok(all(e['actor'] == 'system' for e in r.json if e['user_id'] == 0 and e['action'].startswith('Alert Created')),
         'B4: audit rows the engine wrote name the actor system')
    keys = [(x['timestamp'], x['id']) for x in r.json]
    t.eq(keys, sorted(keys, reverse=True), 'audit newest first')
    r2 = srv.get('/api/audit?limit=2&offset=1', tk['user'])
    t.eq([x['id'] for x in r2.json], [x['id'] for x in r.json[1:3]], 'audit ?limit&offset (ours)')
    t.eq(srv.get('/api/audit?limit=x', tk['user']).status, 400, 'bad ?limit: 400')


def after_restart(srv, tk, ctx):
    """Tokens survive a restart (secret file); the engine's first tick
    turns the logged downtime of service c into SLA breaches."""
    rc = srv.stop()
    t.eq(rc, 0, 'SIGTERM: clean exit 0 (and no leak reports)')
    t.ok('resops: stopped cleanly' in srv.logtext() and 'api: stopped' in srv.logtext(),
         'graceful shutdown stops the listener, then the engine', srv.logtext()[-500:])
    mode = os.stat(srv.db + '.jwt-secret').st_mode & 0o777
    t.eq(mode, 0o600, 'generated JWT secret file has mode 0600')
    srv.start()
    r = srv.get('/api/services', tk['user'])
    t.eq(r.status, 200, 'a token issued before the restart still works')
    breaches = []
    for _ in range(100):
        breaches = [x for x in srv.get('/api/alerts/sla_breaches', tk['user']).json or []
                    if x['service_id'] == ctx['c']]
        if len(breaches) == 2:
            break
        time.sleep(0.1)
    t.eq(sorted(x['type'] for x in breaches), ['RPO', 'RTO'], 'SLA breaches: RTO and RPO for service c')
    if breaches:
        x = next(b for b in breaches if b['type'] == 'RTO')
        t.eq(sorted(x.keys()), sorted(['id', 'service_id', 'type', 'downtime_minutes', 'threshold_minutes',
                                       'start_time', 'end_time', 'reason', 'created_at']),
             'SLA breach fields as in §2.5.3')
        t.eq((x['downtime_minutes'], x['threshold_minutes'], x['reason']),
             (30, 10, 'Downtime exceeded RTO of 10 minutes'), 'RTO breach values')
        allb = srv.get('/api/alerts/sla_breaches', tk['user']).json
        keys = [(b['created_at'], b['id']) for b in allb]
        t.eq(keys, sorted(keys, reverse=True), 'SLA breaches newest first')
    # issue 11 item 1: the breach of an outage that had already ended is
    # history (the SLA breaches above), not an open Critical alert
    al = [x for x in srv.get('/api/alerts', tk['user']).json if x['service_id'] == ctx['c']]
    t.ok(not any(x['type'] in ('SLA_RTO', 'SLA_RPO') for x in al),
         'no SLA alert for the breach of an outage that ended before it was seen', al)


def cascade(srv, tk, ctx):
    bo, a, b = tk['Business Owner'], ctx['a'], ctx['b']
    tables = ['bia', 'status', 'downtime', 'integration', 'risk', 'risk_current', 'alert', 'sla_breach', 'probe']
    before = {tb: srv.db_query('SELECT count(*) FROM %s WHERE service_id = ?' % tb, (a,))[0][0] for tb in tables}
    t.ok(before['bia'] and before['status'] and before['downtime'] and before['integration']
         and before['risk'] and before['alert'], 'service a has rows in the related tables', before)
    r = srv.delete('/api/services', {}, bo)
    t.ok(r.status == 400 and r.error == 'Service ID is required', 'DELETE without id: 400', r)
    r = srv.delete('/api/services', {'id': 999999}, bo)
    t.ok(r.status == 404 and r.error == 'Service not found', 'DELETE unknown service: 404', r)
    r = srv.delete('/api/services', {'id': a}, bo)
    t.ok(r.status == 200 and r.message == 'Service deleted successfully', 'DELETE /api/services: 200', r)
    left = {tb: srv.db_query('SELECT count(*) FROM %s WHERE service_id = ?' % tb, (a,))[0][0] for tb in tables}
    t.eq(left, {tb: 0 for tb in tables}, 'cascade delete leaves no orphan rows')
    edges = srv.db_query('SELECT count(*) FROM service_dependencies WHERE service_id = ? OR dependency_id = ?', (a, a))[0][0]
    t.eq(edges, 0, 'no dependency edge points to or from the deleted service')
    orphans = srv.db_query("""SELECT (SELECT count(*) FROM bia WHERE service_id NOT IN (SELECT id FROM service))
        + (SELECT count(*) FROM status WHERE service_id NOT IN (SELECT id FROM service))
        + (SELECT count(*) FROM downtime WHERE service_id NOT IN (SELECT id FROM service))
        + (SELECT count(*) FROM alert WHERE service_id NOT IN (SELECT id FROM service))
        + (SELECT count(*) FROM service_dependencies WHERE dependency_id NOT IN (SELECT id FROM service))""")[0][0]
    t.eq(orphans, 0, 'no orphan rows anywhere')
    t.ok(audit_has(srv, bo, 'Service Deleted', 'Service', a, ctx['bo_id']), 'audit: Service Deleted / Service')
    sb = next(s for s in srv.get('/api/services', bo).json if s['id'] == b)
    t.ok(a not in sb['bia']['dependencies'], 'dependents lose the edge, keep themselves', sb)


def cache(srv, tk):
    """GET lists are answered from a per-thread cache while the database
    is unchanged: any commit, by any connection, must show at once."""
    tok = tk['user']
    for _ in range(8):                      # warm every worker thread
        srv.get('/api/alerts', tok)
    first = srv.get('/api/services', tok).json
    sid = first[0]['id']
    srv.db_exec("UPDATE service SET name = 'renamed-outside' WHERE id = ?", (sid,))
    names = {next(s['name'] for s in srv.get('/api/services', tok).json if s['id'] == sid)
             for _ in range(8)}
    t.eq(names, {'renamed-outside'}, 'cache: a commit by another connection shows on every thread')
    n = len(srv.get('/api/alerts', tok).json)
    srv.db_exec("INSERT INTO alert (service_id, type, message, severity, created_at) "
                "VALUES (?, 'Manual', 'm', 'Info', '2000-01-01T00:00:00')", (sid,))
    counts = {len(srv.get('/api/alerts', tok).json) for _ in range(8)}
    t.eq(counts, {n + 1}, 'cache: a new alert shows on every thread')
    r = srv.put('/api/services', {'id': sid, 'name': 'renamed-api'}, tk['Business Owner'])
    names = {next(s['name'] for s in srv.get('/api/services', tok).json if s['id'] == sid)
             for _ in range(8)}
    t.eq(names, {'renamed-api'}, 'cache: a write through the API shows on every thread')
    r = srv.get('/api/services', tk['Engineer'])
    t.eq(r.status, 200, 'cache: still authenticated per request')
    r = srv.get('/api/services/integrations', tk['user'])
    t.eq(r.status, 403, 'cache: roles still checked per request')
    t.eq(srv.get('/api/services').status, 401, 'cache: no token is still 401')
    t.ok('(cached)' in srv.logtext(), 'cache: repeated GETs were served from the cache')


def request_log(srv, secret_words):
    text = srv.logtext()
    t.ok(re.search(r'api: GET /api/services 200 [0-9.]+ ms', text), 'requests are logged: method, path, status, duration')
    leaked = [w for w in secret_words if w and w in text]
    t.eq(leaked, [], 'the log never holds a password or a token')


def cors():
    srv = Server(env={'CORS_ORIGINS': 'http://ops.example, http://b.example'}).start()
    try:
        r = srv.request('OPTIONS', '/api/services', headers={'Origin': 'http://ops.example',
                                                             'Access-Control-Request-Method': 'GET'})
        t.ok(r.status == 204 and r.headers.get('access-control-allow-origin') == 'http://ops.example',
             'CORS preflight for a configured origin: 204 with Allow-Origin', (r, r.headers))
        r = srv.get('/api/healthz', headers={'Origin': 'http://b.example'})
        t.eq(r.headers.get('access-control-allow-origin'), 'http://b.example', 'CORS header on a response')
        r = srv.get('/api/healthz', headers={'Origin': 'http://evil.example'})
        t.ok('access-control-allow-origin' not in r.headers, 'other origins get no CORS header')
    finally:
        t.eq(srv.stop(), 0, 'CORS server exits cleanly')
        srv.cleanup()


def graceful():
    """SIGTERM while a request is in flight: the listener stops accepting,
    the request is still answered, then the process exits 0."""
    import socket
    srv = Server().start()
    try:
        body = b'{"username": "nobody", "password": "whatever"}'
        s = socket.create_connection(('127.0.0.1', srv.port), timeout=30)
        s.sendall(b'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
                  b'Expect: 100-continue\r\nContent-Length: %d\r\n\r\n' % len(body) + body[:10])
        # MHD sends 100 Continue after the handler's first call: the request
        # is then in flight (counted), not just queued in the kernel
        got = b''
        while b'\r\n\r\n' not in got:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
        t.ok(got.startswith(b'HTTP/1.1 100'), 'the request is in flight (100 Continue)', got[:100])
        srv.proc.send_signal(signal.SIGTERM)
        refused = False
        deadline = time.monotonic() + 10
        while not refused and time.monotonic() < deadline:   # until the listener closes
            try:
                socket.create_connection(('127.0.0.1', srv.port), timeout=2).close()
                time.sleep(0.02)
            except OSError:
                refused = True
        t.ok(refused, 'after SIGTERM no new connection is accepted')
        s.sendall(body[10:])
        data = b''
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
            if data.rstrip().endswith(b'}'):
                break
        s.close()
        t.ok(data.startswith(b'HTTP/1.1 401') and b'Invalid username or password' in data,
             'the in-flight request is still answered', data[:200])
    finally:
        t.eq(srv.stop(), 0, 'then the process exits 0')
        srv.cleanup()


def tls():
    import shutil
    if not shutil.which('openssl'):
        t.skip('HTTPS with --tls-cert/--tls-key', 'openssl not installed')
        return
    srv = Server()
    cert, key = os.path.join(srv.dir, 'cert.pem'), os.path.join(srv.dir, 'key.pem')
    p = subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key,
                        '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], capture_output=True)
    if p.returncode != 0:
        t.skip('HTTPS with --tls-cert/--tls-key', 'openssl could not make a certificate')
        return
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    srv.args = ['--tls-cert', cert, '--tls-key', key]
    srv.tls = ctx
    srv.start()
    try:
        t.ok('listening on https://' in srv.logtext(), 'TLS listener says https')
        r = srv.get('/api/healthz')
        t.eq(r.status, 200, 'GET /api/healthz over HTTPS')
    finally:
        t.eq(srv.stop(), 0, 'TLS server exits cleanly')
        srv.cleanup()
    srv = Server(args=['--tls-cert', cert])
    p = subprocess.run([os.environ.get('RESOPS_BIN', 'build/resops'), '--headless', '--db', srv.db,
                        '--listen', '127.0.0.1:0', '--tls-cert', cert], capture_output=True, text=True,
                       env=srv.env, timeout=30)
    t.ok(p.returncode != 0 and 'TLS needs both' in p.stderr, 'a certificate without a key is refused', p.stderr)
    srv.cleanup()


SECTION_LOG_TAIL = 3000


def run_section(srv, name, fn, *args):
    """Run one section; an exception fails that section only. A server
    that died in it is reported and started again on the same database, so
    the later sections still check something."""
    import traceback
    try:
        fn(*args)
        return
    except Exception as e:  # a crash of the harness is a failed case, not a silent stop
        t.ok(False, 'section %s raised %s' % (name, type(e).__name__),
             traceback.format_exc() + '\n' + srv.logtext()[-SECTION_LOG_TAIL:])
    alive = srv.proc is not None and srv.proc.poll() is None
    if alive:
        try:
            alive = srv.get('/api/healthz').status == 200
        except OSError:
            alive = False
    if not alive:
        rc = srv.stop(signal.SIGKILL)
        t.ok(False, 'the server died during section %s (exit %s)'
             % (name, 'stopped' if rc is None else rc), srv.logtext()[-SECTION_LOG_TAIL:])
        try:
            srv.start()
        except RuntimeError as e:
            t.ok(False, 'the server restarts after section %s' % name, e)


def standalone(name, fn):
    """A section with its own servers (cors, graceful, tls)."""
    import traceback
    try:
        fn()
    except Exception as e:
        t.ok(False, 'section %s raised %s' % (name, type(e).__name__), traceback.format_exc())


def main():
    # the operator allows Slack webhooks at the test's loopback address (S1)
    srv = Server(env={'RESOPS_SLACK_WEBHOOK_PREFIXES': 'http://127.0.0.1:9/'}).start()
    tokens = {}
    ctx = {}

    def acc():
        tokens.update(accounts(srv))
    try:
        run_section(srv, 'hygiene', hygiene, srv)
        run_section(srv, 'accounts', acc)
        for name, fn, args in (
                ('throttle', throttle, (srv,)),
                ('token_attacks', token_attacks, (srv, tokens)),
                ('role_matrix', role_matrix, (srv, tokens)),
                ('services', services, (srv, tokens, ctx)),
                ('downtime', downtime, (srv, tokens, ctx)),
                ('integrations', integrations, (srv, tokens, ctx)),
                ('risk', risk, (srv, tokens, ctx)),
                ('health', health, (srv, tokens, ctx)),
                ('alerts', alerts, (srv, tokens, ctx)),
                ('audit', audit, (srv, tokens)),
                ('after_restart', after_restart, (srv, tokens, ctx)),
                ('cascade', cascade, (srv, tokens, ctx)),
                ('cache', cache, (srv, tokens)),
                ('request_log', lambda: request_log(
                    srv, ['adminpass', 'password123', 'rightpass'] + list(tokens.values())), ())):
            run_section(srv, name, fn, *args)
    finally:
        rc = srv.stop()
        t.eq(rc, 0, 'server exits 0 at the end')
        srv.cleanup()
    standalone('cors', cors)
    standalone('graceful', graceful)
    standalone('tls', tls)
    t.done()


main()
