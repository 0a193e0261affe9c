#!/usr/bin/python3
"""Issue 12 item 2, machine tokens for collectors, against the real binary:
POST/GET/DELETE /api/admin/tokens (Admin only, validation, the secret shown
once), the scopes on real routes (ingest: POST /api/ingestion/raw only;
read: GETs; write: a service created, audited as token:<name>; never an
Admin route), seed 004's token: header, unknown and revoked tokens, a
revoked token's name used again (rotation),
last_used_at written at most once a minute (the injected clock), and the
secret nowhere in the database files (only its SHA-256).

Prints TAP. Run: RESOPS_BIN=build/resops tests/api/test_tokens.py
"""
import hashlib
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, Tap  # noqa: E402

t = Tap()
SECRET_RE = re.compile(r'rsk_[A-Za-z0-9_-]{43}')


def scope_msg(scope):
    return "Token scope '%s' does not allow this request" % scope


def set_clock(path, offset):
    with open(path + '.tmp', 'w') as f:
        f.write('%d\n' % offset)
    os.replace(path + '.tmp', path)


def create(srv, admin, name, scope):
    r = srv.post('/api/admin/tokens', {'name': name, 'scope': scope}, admin)
    return r, (r.json or {}).get('token') if r.status == 201 else None


def admin_api(srv, admin, user, ana):
    r, secret = create(srv, admin, 'alertmanager', 'ingest')
    t.eq(r.status, 201, 'an Admin creates a token: 201')
    body = r.json or {}
    t.eq(sorted(body), ['created_at', 'name', 'prefix', 'scope', 'token'],
         'the answer is {name, scope, token, prefix, created_at}')
    t.ok(secret and SECRET_RE.fullmatch(secret), 'the secret is rsk_ + 43 base64url characters',
         body)
    t.eq(body.get('prefix'), (secret or '')[:12], 'prefix is the secret\'s first 12 characters')
    for who, tok in (('a user', user), ('an Ops Analyst', ana)):
        r = srv.post('/api/admin/tokens', {'name': 'x', 'scope': 'read'}, tok)
        t.eq((r.status, r.error), (403, 'Forbidden: Insufficient role permissions'),
             '%s may not create a token (403)' % who)
        r = srv.get('/api/admin/tokens', tok)
        t.eq(r.status, 403, '%s may not list tokens (403)' % who)
        r = srv.delete('/api/admin/tokens/alertmanager', token=tok)
        t.eq(r.status, 403, '%s may not revoke a token (403)' % who)
    r = srv.get('/api/admin/tokens')
    t.eq(r.status, 401, 'no credentials: 401')
    cases = [({'scope': 'read'}, 400, "Field 'name' is required"),
             ({'name': 'has space'}, 400, 'Token name must be 1 to 64 characters of A-Z a-z 0-9 . _ -'),
             ({'name': 'x' * 65}, 400, 'Token name must be 1 to 64 characters of A-Z a-z 0-9 . _ -'),
             ({'name': 'ok', 'scope': 'admin'}, 400, "Unknown scope 'admin' (ingest, read or write)"),
             ({'name': 'ok', 'scope': 3}, 400, "Field 'scope' must be a string"),
             ({'name': 'alertmanager', 'scope': 'read'}, 409, "Token 'alertmanager' already exists")]
    for body, status, msg in cases:
        r = srv.post('/api/admin/tokens', body, admin)
        t.eq((r.status, r.error), (status, msg), 'create %s: %d %s' % (body, status, msg))
    r = srv.post('/api/admin/tokens', {'name': 'x' * 64}, admin)
    t.eq((r.status, (r.json or {}).get('scope')), (201, 'ingest'),
         'a 64-character name is fine; the scope defaults to ingest')
    r = srv.get('/api/admin/tokens', token=admin)
    t.eq(r.status, 200, 'an Admin lists tokens')
    names = [x['name'] for x in r.json or []]
    t.eq(names, ['alertmanager', 'x' * 64], 'the list holds both, by name')
    row = (r.json or [{}])[0]
    t.eq(sorted(row), ['created_at', 'created_by', 'id', 'last_used_at', 'name', 'prefix',
                       'revoked_at', 'scope'], 'a listed token has no secret field')
    t.ok(secret not in r.raw, 'the secret is not in the list')
    t.eq((row.get('created_by'), row.get('last_used_at'), row.get('revoked_at')),
         ('admin', None, None), 'created_by the Admin, never used, not revoked')
    return secret


def scopes(srv, admin):
    _, ing = create(srv, admin, 'ing', 'ingest')
    _, rd = create(srv, admin, 'rd', 'read')
    _, wr = create(srv, admin, 'wr', 'write')
    raw = {'id': 'tok-1', 'payload': {'title': 'Failed password for root from 203.0.113.9'}}
    r = srv.post('/api/ingestion/raw', raw, ing)
    t.eq(r.status, 201, 'ingest scope: POST /api/ingestion/raw 201')
    r = srv.request('POST', '/api/ingestion/raw', {'id': 'tok-3', 'payload': {'a': 1}},
                    headers={'token': ing})
    t.eq(r.status, 201, "seed 004's token: header carries a machine token too")
    for m, path in (('GET', '/api/services'), ('POST', '/api/services'),
                    ('GET', '/api/admin/tokens'), ('GET', '/api/security/alerts')):
        r = srv.request(m, path, {} if m == 'POST' else None, ing)
        t.eq((r.status, r.error), (403, scope_msg('ingest')), 'ingest scope: %s %s 403' % (m, path))
    r = srv.get('/api/services', rd)
    t.eq(r.status, 200, 'read scope: GET /api/services 200')
    r = srv.request('HEAD', '/api/services', None, rd)
    t.eq(r.status, 200, 'read scope: HEAD /api/services 200')
    r = srv.get('/api/services/integrations', rd)
    t.eq(r.status, 200, 'read scope: GET of an Engineer route 200')
    for m, path, body in (('POST', '/api/services', {'name': 'ByRead'}),
                          ('POST', '/api/ingestion/raw', raw), ('GET', '/api/admin/tokens', None)):
        r = srv.request(m, path, body, rd)
        t.eq((r.status, r.error), (403, scope_msg('read')), 'read scope: %s %s 403' % (m, path))
    r = srv.post('/api/services', {'name': 'ByWrite', 'description': 'a token wrote it'}, wr)
    t.eq(r.status, 201, 'write scope: POST /api/services 201 (Business Owner route)')
    sid = (r.json or {}).get('service_id')
    r = srv.put('/api/services', {'id': sid, 'description': 'updated by token'}, wr)
    t.eq(r.status, 200, 'write scope: PUT /api/services 200')
    r = srv.post('/api/ingestion/raw', dict(raw, id='tok-4'), wr)
    t.eq(r.status, 201, 'write scope: POST /api/ingestion/raw 201')
    for m, path in (('GET', '/api/admin/tokens'), ('POST', '/api/admin/tokens'),
                    ('DELETE', '/api/admin/tokens/ing')):
        r = srv.request(m, path, {'name': 'y'} if m == 'POST' else None, wr)
        t.eq((r.status, r.error), (403, scope_msg('write')),
             'write scope: %s %s 403 (Admin only)' % (m, path))
    actors = srv.db_query("SELECT DISTINCT actor FROM audit_log WHERE action LIKE 'Service%' "
                          "AND entity_id = ?", (sid,))
    t.eq(actors, [('token:wr',)], 'the audit names the token as the actor: token:wr')
    return ing, rd, wr


def bad_tokens(srv, admin, ing):
    for tok, msg in (('rsk_' + 'A' * 43, 'Invalid token'), ('rsk_short', 'Invalid token'),
                     (ing[:-1] + ('A' if ing[-1] != 'A' else 'B'), 'Invalid token')):
        r = srv.get('/api/ingestion/raw-url', tok)
        t.eq((r.status, r.error), (401, msg), 'an unknown token %s...: 401 %s' % (tok[:8], msg))
    r = srv.delete('/api/admin/tokens/ing', token=admin)
    t.eq((r.status, (r.json or {}).get('name')), (200, 'ing'), 'an Admin revokes a token: 200')
    t.ok((r.json or {}).get('revoked_at'), 'the answer carries revoked_at')
    r = srv.post('/api/ingestion/raw', {'payload': {'a': 1}}, ing)
    t.eq((r.status, r.error), (401, 'Token has been revoked'), 'a revoked token: 401')
    r = srv.delete('/api/admin/tokens/ing', token=admin)
    t.eq((r.status, r.error), (409, "Token 'ing' is already revoked"), 'revoking again: 409')
    r = srv.delete('/api/admin/tokens/nosuch', token=admin)
    t.eq((r.status, r.error), (404, "Token 'nosuch' not found"), 'an unknown name: 404')
    tid = srv.db_query("SELECT id FROM api_token WHERE name = 'rd'")[0][0]
    r = srv.delete('/api/admin/tokens/%d' % tid, token=admin)
    t.eq((r.status, (r.json or {}).get('name')), (200, 'rd'), 'revoke by id when no name matches')
    audit = srv.db_query("SELECT action, actor FROM audit_log WHERE entity = 'ApiToken' "
                         "ORDER BY id")
    t.eq(audit.count(('API Token Created', 'admin')), 5, 'five creations audited by admin')
    t.eq(audit.count(('API Token Revoked', 'admin')), 2, 'two revocations audited by admin')


def rotate(srv, admin, ing):
    """A revoked token's name can be used again (a key rotated under the same
    name); revoke by name acts on the live one; the list shows both."""
    r, new = create(srv, admin, 'ing', 'ingest')
    t.eq((r.status, r.error), (201, None), "a revoked token's name is used again: 201")
    t.ok(new and new != ing, 'the rotated token has a new secret')
    r = srv.post('/api/ingestion/raw', {'id': 'tok-rot', 'payload': {'a': 1}}, new)
    t.eq(r.status, 201, 'the new token ingests: 201')
    r = srv.post('/api/ingestion/raw', {'payload': {'a': 1}}, ing)
    t.eq((r.status, r.error), (401, 'Token has been revoked'), 'the old one stays revoked: 401')
    r = srv.post('/api/admin/tokens', {'name': 'ing'}, admin)
    t.eq((r.status, r.error), (409, "Token 'ing' already exists"),
         'a second live token of that name: 409')
    rows = [x for x in srv.get('/api/admin/tokens', admin).json or [] if x['name'] == 'ing']
    t.eq([bool(x['revoked_at']) for x in rows], [True, False],
         'the list shows both: the revoked one (with its time), then the live one')
    r = srv.delete('/api/admin/tokens/ing', token=admin)
    t.eq((r.status, (r.json or {}).get('id')), (200, rows[-1]['id'] if rows else None),
         'revoke by name acts on the live one')
    r = srv.delete('/api/admin/tokens/ing', token=admin)
    t.eq((r.status, r.error), (409, "Token 'ing' is already revoked"),
         'every token of that name revoked: 409 already revoked')
    return new


def last_used(srv, admin, wr, clock):
    def used():
        return srv.db_query("SELECT last_used_at FROM api_token WHERE name = 'wr'")[0][0]
    first = used()
    t.ok(first, 'last_used_at is set once the token is used', first)
    srv.get('/api/services', wr)
    t.eq(used(), first, 'used again at once: last_used_at not rewritten')
    set_clock(clock, 30)
    srv.get('/api/services', wr)
    t.eq(used(), first, '30 s later: not rewritten (at most once a minute)')
    set_clock(clock, 90)
    srv.get('/api/services', wr)
    later = used()
    t.ok(later and later > first, '90 s later: rewritten (%s -> %s)' % (first, later))
    r = srv.get('/api/admin/tokens', admin)
    row = [x for x in r.json or [] if x['name'] == 'wr']
    t.eq(row and row[0]['last_used_at'], later + 'Z', 'the list shows last_used_at (RFC 3339, Z)')
    set_clock(clock, 0)


def never_in_clear(srv, secrets):
    srv.stop()
    blobs = b''
    for suffix in ('', '-wal', '-shm', '.jwt-secret'):
        p = srv.db + suffix
        if os.path.exists(p):
            with open(p, 'rb') as f:
                blobs += f.read()
    for s in secrets:
        t.ok(s.encode() not in blobs and s[12:].encode() not in blobs,
             'the secret %s... is in no database file' % s[:12])
    stored = {bytes(h) for (h,) in srv.db_query('SELECT hash FROM api_token')}
    t.ok(all(hashlib.sha256(s.encode()).digest() in stored for s in secrets),
         'each row stores the SHA-256 of its secret')


def main():
    d = tempfile.mkdtemp(prefix='resops-tokens-')
    clock = os.path.join(d, 'clock')
    set_clock(clock, 0)
    srv = Server(workdir=d, env={'RESOPS_CLOCK_OFFSET_FILE': clock})
    srv.start()
    try:
        srv.signup('admin', 'adminpass')
        admin = srv.login('admin', 'adminpass')
        srv.signup('bob', 'password123')
        srv.signup('ana', 'password123', 'Ops Analyst', admin)
        user, ana = srv.login('bob'), srv.login('ana')
        am = admin_api(srv, admin, user, ana)
        ing, rd, wr = scopes(srv, admin)
        # an Admin's write after a token's request: not attributed to the token
        r = srv.post('/api/services', {'name': 'ByAdmin'}, admin)
        sid = (r.json or {}).get('service_id')
        actors = srv.db_query("SELECT DISTINCT actor FROM audit_log WHERE entity_id = ? AND "
                              "action LIKE 'Service%'", (sid,))
        t.eq(actors, [('admin',)], 'a user\'s request after a token\'s is audited as the user')
        bad_tokens(srv, admin, ing)
        ing2 = rotate(srv, admin, ing)
        last_used(srv, admin, wr, clock)
        never_in_clear(srv, [am, ing, rd, wr, ing2])
    finally:
        srv.stop()
        srv.cleanup()
    t.done()


main()
