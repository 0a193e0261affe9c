#!/usr/bin/python3
"""Issue 12, seed 003's security alerts (wt-core's routes) against the real
binary: ingestion (POST /api/ingestion/raw, the one-time upload URL and its
PUT, the raw object at the location), the pipeline end to end (ingest ->
normalized and triaged within seconds, near-duplicates grouped under the
first alert), normalization submit and trigger, triage with the seed's
response shape, verdicts (roles, validation, audit, their effect on the
next similar alert), thresholds GET/PATCH (Admin, validation, audit), and
GET /api/security/alerts (filters, paging, X-Total-Count) and /{id}. The
seed's request examples are replayed as they are.

Prints TAP; one check = one case. Run: RESOPS_BIN=build/resops tests/api/test_security.py
"""
import http.client
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, Tap, wait_for  # noqa: E402

t = Tap()
RFC3339_Z = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')


def raw_request(srv, method, path, token=None, body=None):
    """(status, body bytes): http.client as it is, the path sent untouched."""
    c = srv.conn()
    try:
        h = {'Authorization': 'Bearer ' + token} if token else {}
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()

SEED_RAW = {"id": "alert-123", "payload": {"message": "User login failed", "source": "syslog",
                                           "timestamp": "2025-08-17T12:01:00Z",
                                           "details": {"user": "alice", "ip": "10.0.0.1", "port": 22}}}
SEED_NORMALIZED = {
    "id": "alert-123",
    "original": {"source": "syslog", "raw": {"msg": "Failed SSH"}},
    "mappings": [{"field": "host", "value": "host-1"}],
    "normalized": {
        "severity": "high", "timestamp": "2025-08-17T12:00:00Z", "title": "Failed SSH login",
        "description": "Multiple failed SSH logins from 10.0.0.1",
        "observables": [{"type": "ip", "value": "10.0.0.1"}],
        "metadata": {"sensor": "ossec", "facility": "auth"}}}
SEED_VERDICT = {"classification": "TP", "confidence": 0.95, "notes": "Confirmed by SOC analyst"}


def triaged(srv, tok, aid):
    r = srv.get('/api/security/alerts/' + aid, tok)
    return r.json if r.status == 200 and r.json.get('stage') in ('triaged', 'failed') else None


def ingestion(srv, admin, user):
    r = srv.post('/api/ingestion/raw', SEED_RAW, user)
    t.ok(r.status == 201 and r.json == {'id': 'alert-123', 'status': 'created',
                                        'location': '/api/objects/raw/alert-123',
                                        'received_at': r.json.get('received_at')}
         and r.json['received_at'], 'the seed example ingests: 201 {id, status, location, received_at}', r)
    t.ok(RFC3339_Z.match(r.json.get('received_at') or ''), 'received_at is RFC 3339 with Z like the seed', r)
    t.eq(srv.db_query("SELECT id, source FROM sec_alert WHERE id = 'alert-123'"),
         [('alert-123', 'raw')], 'the alert row is committed before the 201')
    r = srv.post('/api/ingestion/raw', SEED_RAW, user)
    t.ok(r.status == 409 and r.error == "Alert 'alert-123' already exists", 'a duplicate id is a 409', r)
    r = srv.post('/api/ingestion/raw', {'payload': {'message': 'no id'}}, user)
    t.ok(r.status == 201 and r.json['id'].startswith('sec-') and len(r.json['id']) == 20,
         'without an id one is made (sec-<16 hex>)', r)
    r2 = srv.post('/api/ingestion/raw', {'id': None, 'payload': {'message': 'null id'}}, user)
    t.ok(r2.status == 201 and r2.json['id'] != r.json['id'], 'a null id also gets a new id', r2)
    bad = [
        ({'id': 'x'}, "Field 'payload' is required"),
        ({'id': 'x', 'payload': None}, "Field 'payload' is required"),
        ({'id': 'x', 'payload': 'text'}, "Field 'payload' must be an object"),
        ({'id': 'x', 'payload': [1]}, "Field 'payload' must be an object"),
        ({'id': 7, 'payload': {}}, "Field 'id' must be a string"),
        ({'id': '', 'payload': {}}, "Field 'id' must not be empty"),
        ({'id': 'a/b', 'payload': {}}, None),
        ({'id': 'has space', 'payload': {}}, None),
        ({'id': 'x' * 129, 'payload': {}}, None),
    ]
    for body, msg in bad:
        r = srv.post('/api/ingestion/raw', body, user)
        t.ok(r.status == 400 and (msg is None or r.error == msg),
             'ingestion refuses %s: 400 %s' % (str(body)[:40], msg or r.error), r)
    r = srv.request('POST', '/api/ingestion/raw', raw='{"id": "x", "payload": {', token=user)
    t.ok(r.status == 400 and r.error == 'Request body must be valid JSON', 'malformed JSON: 400', r)
    r = srv.request('POST', '/api/ingestion/raw', raw='[1]', token=user)
    t.ok(r.status == 400 and r.error == 'Request body must be a JSON object', 'an array body: 400', r)
    r = srv.post('/api/ingestion/raw', SEED_RAW)
    t.ok(r.status == 401 and r.error, 'ingestion needs a token: 401', r)
    t.ok(srv.request('GET', '/api/ingestion/raw').status == 405, 'GET of the ingestion path: 405')

    # the location answers the payload as it came
    r = srv.get('/api/objects/raw/alert-123', user)
    t.ok(r.status == 200 and r.json == SEED_RAW['payload']
         and r.headers.get('content-type') == 'application/json',
         'GET of the location: the payload with its content type', r)
    r = srv.get('/api/objects/raw/alert-999', user)
    t.ok(r.status == 404 and r.error == "Alert 'alert-999' not found", 'an unknown location: 404', r)
    t.ok(srv.get('/api/objects/raw/alert-123').status == 401, 'the location needs a token')


def upload(srv, user):
    r = srv.get('/api/ingestion/raw-url', user)
    j = r.json or {}
    t.ok(r.status == 200 and j.get('method') == 'PUT' and j.get('url', '').startswith('/api/ingestion/upload/')
         and j.get('id', '').startswith('sec-') and j.get('expires_at') and j.get('max_bytes') == 16 * 1024 * 1024,
         'raw-url: {url, method PUT, id, expires_at, max_bytes 16 MiB}', r)
    t.ok(RFC3339_Z.match(j.get('expires_at') or ''), 'expires_at is RFC 3339 with Z', j)
    t.ok(srv.get('/api/ingestion/raw-url').status == 401, 'raw-url needs a token')
    payload = b'<134>1 2025-08-17T12:00:00Z host-1 sshd 42 - - Failed password for root from 10.9.8.7\n' * 200
    r = srv.request('PUT', j['url'], raw=payload, headers={'Content-Type': 'text/plain'})
    t.ok(r.status == 201 and r.json['id'] == j['id'] and r.json['location'] == '/api/objects/raw/' + j['id'],
         'PUT of the payload to the URL (no token needed): 201 with the promised id', r)
    r2 = srv.get(r.json['location'], user)
    t.ok(r2.status == 200 and r2.raw.encode() == payload and r2.headers.get('content-type') == 'text/plain',
         'the uploaded bytes come back as they were, with their content type', r2)
    t.eq(srv.db_query('SELECT source, length(raw) FROM sec_alert WHERE id = ?', (j['id'],)),
         [('upload', len(payload))], 'stored as source upload, byte for byte')
    r = srv.request('PUT', j['url'], raw=b'again')
    t.ok(r.status == 404 and r.error == 'Upload URL not found, used or expired', 'a used URL: 404', r)
    r = srv.request('PUT', '/api/ingestion/upload/' + '0' * 64, raw=b'x')
    t.ok(r.status == 404, 'an unknown token: 404', r)
    j2 = srv.get('/api/ingestion/raw-url', user).json
    r = srv.request('PUT', j2['url'], raw=b'')
    t.ok(r.status == 400, 'an empty upload: 400', r)
    # a refused PUT (400, like a 413) leaves the URL usable; up to 16 MiB, binary
    big = bytes(range(256)) * 7812 + b'\x00\x01\x00tail'
    big = big[:2000000]
    r = srv.request('PUT', j2['url'], raw=big, headers={'Content-Type': 'application/octet-stream'})
    t.ok(r.status == 201 and r.json['id'] == j2['id'], 'the URL of a refused PUT still takes 2,000,000 bytes: 201', r)
    st, got = raw_request(srv, 'GET', '/api/objects/raw/' + j2['id'], user)
    t.ok(st == 200 and got == big, 'a binary upload (NUL bytes) comes back byte for byte (%d of %d)' % (len(got), len(big)))


def pipeline(srv, admin, user):
    # alert-123 (ingested above) is normalized and triaged by the pipeline thread
    a = wait_for(lambda: triaged(srv, user, 'alert-123'), timeout=10)
    t.ok(a and a['stage'] == 'triaged' and a['s0'] is not None and a['route'] in ('verdict', 'ml')
         and a['normalized'] and a['normalized']['normalized'].get('title'),
         'pipeline: the ingested alert is normalized and triaged within seconds', a)
    t.ok(a and a['triage']['decision']['reason'].get('severity_base') is not None,
         'the detail carries the triage reason', a)
    # near-duplicates: three identical alerts in a burst -> one group of the first
    same = {"message": "Brute force: 50 failed SSH logins for root from 198.51.100.23", "severity": "critical",
            "source": "syslog"}
    for i in range(3):
        srv.post('/api/ingestion/raw', {'id': 'dup-%d' % i, 'payload': same}, user)
    other = {"message": "New admin account created on domain controller dc-01", "severity": "high"}
    srv.post('/api/ingestion/raw', {'id': 'other-1', 'payload': other}, user)
    done = wait_for(lambda: all(triaged(srv, user, x) for x in ('dup-0', 'dup-1', 'dup-2', 'other-1')), timeout=10)
    t.ok(done, 'the burst is triaged')
    d0, d1, d2, o = (triaged(srv, user, x) for x in ('dup-0', 'dup-1', 'dup-2', 'other-1'))
    t.ok(d0['group_of'] is None and d0['group_count'] == 2, 'the first alert heads the group with a count of 2', d0)
    t.ok(d1['group_of'] == d0['seq'] and d2['group_of'] == d0['seq'], 'the duplicates are grouped under it',
         (d1['group_of'], d2['group_of']))
    t.ok(d1['triage']['decision']['reason'].get('grouped_under') == 'dup-0', 'the reason names the group head', d1)
    t.ok(o['group_of'] is None and o['group_count'] == 0, 'a different alert is not grouped', o)
    t.ok(d0['s0'] >= 90 and d0['route'] == 'verdict' and d0['incident_id'],
         'a verdict-routed alert at or above the escalation threshold opens its security incident', d0)
    t.ok(not d1['incident_id'] and not d2['incident_id'], 'its near-duplicates escalate nothing', (d1, d2))
    inc = srv.get('/api/v1/incidents/' + (d0['incident_id'] or 'none'), admin)
    t.ok(inc.status == 200, 'the incident exists (seed 001)', inc)
    r = srv.get('/api/security/alerts?grouped=false&limit=1000', user)
    ids = [x['id'] for x in r.json]
    t.ok('dup-0' in ids and 'dup-1' not in ids and 'dup-2' not in ids, 'grouped=false shows one line for the group', ids)


def normalization(srv, admin, user, analyst):
    r = srv.post('/api/normalization/alert-123/normalized', SEED_NORMALIZED, user)
    t.ok(r.status == 200 and r.json['id'] == 'alert-123' and r.json['status'] == 'normalized' and r.json['stored_at'],
         'the seed example normalized form is stored: 200 {id, status, stored_at}', r)
    a = srv.get('/api/security/alerts/alert-123', user).json
    n = a['normalized']
    t.ok(n['normalized']['title'] == 'Failed SSH login' and n['mappings'] == SEED_NORMALIZED['mappings']
         and n['original'] == SEED_NORMALIZED['original'] and a['severity'] == 'high' and a['severity_id'] == 4,
         'it replaces the stored normalized form (severity high = OCSF 4)', a)
    t.ok(a['stage'] == 'triaged' and a['triage']['decision']['reason']['severity_base'] == 85,
         'and re-triages it with the new severity', a)
    t.ok(a['event_at'] and a['event_at'].startswith('2025-08-17T12:00:00'), 'the event time is the normalized timestamp', a)
    bad = [
        ({'original': {}}, "Field 'normalized' is required"),
        ({'normalized': 'high'}, "Field 'normalized' must be an object"),
        ({'normalized': {}, 'mappings': {}}, "Field 'mappings' must be an array"),
        ({'normalized': {}, 'original': []}, "Field 'original' must be an object"),
        ({'normalized': {'severity': 5}}, "Field 'normalized.severity' must be a string"),
        ({'normalized': {'timestamp': 'yesterday'}}, "Field 'normalized.timestamp' must be an RFC 3339 date-time"),
        ({'normalized': {'observables': 'x'}}, "Field 'normalized.observables' must be an array"),
        ({'id': 'alert-other', 'normalized': {}}, "Field 'id' must be the alert id of the path"),
        ({'normalized': {'severity': 'apocalyptic'}},
         "Field 'normalized.severity' must be one of critical, high, medium, low, info, fatal, unknown"),
        ({'normalized': {'observables': ['10.0.0.1']}},
         "normalized.observables[0] must be an object with string 'type' and 'value'"),
        ({'normalized': {'observables': [{'type': 'ip', 'value': '1.2.3.4'}, {'type': 'ip'}]}},
         "normalized.observables[1] must be an object with string 'type' and 'value'"),
        ({'normalized': {'observables': [{'type': 4, 'value': 'x'}]}},
         "normalized.observables[0] must be an object with string 'type' and 'value'"),
    ]
    for body, msg in bad:
        r = srv.post('/api/normalization/alert-123/normalized', body, user)
        t.ok(r.status == 400 and r.error == msg, 'normalized refuses %s: 400 %s' % (str(body)[:40], msg), r)
    r = srv.post('/api/normalization/alert-404/normalized', {'normalized': {}}, user)
    t.ok(r.status == 404 and r.error == "Alert 'alert-404' not found", 'normalized for an unknown alert: 404', r)
    # trigger: back through the pipeline from the raw payload
    r = srv.post('/api/normalization/normalize/trigger/other-1', None, user)
    t.ok(r.status == 403, 'trigger as a plain user: 403 (it stores a decision: Ops Analyst)', r)
    r = srv.post('/api/normalization/normalize/trigger/other-1', None, analyst)
    t.ok(r.status == 202 and r.json == {'id': 'other-1', 'status': 'queued'}, 'trigger: 202 {id, status queued}', r)
    a = wait_for(lambda: triaged(srv, user, 'other-1'), timeout=10)
    t.ok(a and a['stage'] == 'triaged', 'the triggered alert is processed again', a)
    r = srv.post('/api/normalization/normalize/trigger/nope', None, analyst)
    t.ok(r.status == 404, 'trigger of an unknown alert: 404', r)
    t.ok(srv.post('/api/normalization/normalize/trigger/other-1').status == 401, 'trigger needs a token')


def triage(srv, admin, user):
    r = srv.post('/api/triage/alert-123/score/triage', {'severity': 'high'}, user)
    j = r.json or {}
    d = j.get('decision', {})
    t.ok(r.status == 200 and set(j) == {'id', 's0', 'decision'} and j['id'] == 'alert-123'
         and isinstance(j['s0'], int) and 0 <= j['s0'] <= 100 and d.get('route') in ('verdict', 'ml')
         and d.get('s1') == j['s0'] and {'similarity_mean', 'severity_base', 'recency_factor'} <= set(d.get('reason', {})),
         'the seed example: {id, s0, decision: {route, s1, reason: {similarity_mean, severity_base, recency_factor}}}', r)
    t.eq(d.get('reason', {}).get('severity_base'), 85, 'severity high: base 85')
    r2 = srv.post('/api/triage/alert-123/score/triage', {'severity': 'low'}, user)
    t.ok(r2.status == 200 and r2.json['decision']['reason']['severity_base'] == 40 and r2.json['s0'] < j['s0']
         and r2.json['decision']['route'] == 'ml', 'a low override scores lower and routes ml', r2)
    a = srv.get('/api/security/alerts/alert-123', user).json
    t.ok(a['s0'] == r2.json['s0'] and a['route'] == 'ml', 'the computed triage is stored', a)
    r = srv.post('/api/triage/alert-123/score/triage', None, user)
    t.ok(r.status == 200 and r.json['decision']['reason']['severity_base'] == 85,
         'without a body: the alert\'s own severity', r)
    rows = srv.db_query("SELECT actor, detail FROM audit_log WHERE action = 'Security Triage Scored' ORDER BY id")
    t.ok(len(rows) == 3 and rows[1] == ('ana', 'alert-123: S0 %d, route ml, severity override low' % r2.json['s0']),
         'each scoring is audited "Security Triage Scored" with the caller', rows)
    r = srv.post('/api/triage/alert-123/score/triage', {'severity': 'apocalyptic'}, user)
    t.ok(r.status == 400 and 'severity' in r.error, 'an unknown severity: 400', r)
    r = srv.post('/api/triage/alert-123/score/triage', {'severity': 3}, user)
    t.ok(r.status == 400, 'a non-string severity: 400', r)
    r = srv.post('/api/triage/nope/score/triage', {}, user)
    t.ok(r.status == 404 and r.error == "Alert 'nope' not found", 'triage of an unknown alert: 404', r)


def verdicts(srv, admin, user, analyst):
    r = srv.post('/api/verdicts/alert-123/verdict', SEED_VERDICT, analyst)
    j = r.json or {}
    t.ok(r.status == 201 and j.get('classification') == 'TP' and j.get('confidence') == 0.95
         and j.get('notes') == 'Confirmed by SOC analyst' and j.get('actor') == 'ana' and j.get('alert_id') == 'alert-123'
         and j.get('id') and j.get('created_at'), 'the seed example verdict: 201 with the stored verdict', r)
    r = srv.post('/api/verdicts/alert-123/verdict', SEED_VERDICT, user)
    t.ok(r.status == 403, 'a plain user may not record a verdict: 403', r)
    bad = [
        ({'confidence': 0.5}, "Field 'classification' is required"),
        ({'classification': 'TP'}, "Field 'confidence' is required"),
        ({'classification': 'MAYBE', 'confidence': 0.5}, "Field 'classification' must be one of TP, FP, ESCALATE"),
        ({'classification': 'TP', 'confidence': 1.5}, "Field 'confidence' must be a number from 0 to 1"),
        ({'classification': 'TP', 'confidence': -0.1}, "Field 'confidence' must be a number from 0 to 1"),
        ({'classification': 'TP', 'confidence': '0.5'}, "Field 'confidence' must be a number from 0 to 1"),
        ({'classification': 'TP', 'confidence': 0.5, 'notes': 5}, "Field 'notes' must be a string"),
    ]
    for body, msg in bad:
        r = srv.post('/api/verdicts/alert-123/verdict', body, analyst)
        t.ok(r.status == 400 and r.error == msg, 'verdict refuses %s: 400 %s' % (str(body)[:45], msg), r)
    r = srv.post('/api/verdicts/nope/verdict', SEED_VERDICT, analyst)
    t.ok(r.status == 404, 'a verdict on an unknown alert: 404', r)
    r = srv.post('/api/verdicts/alert-123/verdict', {'classification': 'FP', 'confidence': 0.4}, admin)
    t.ok(r.status == 201 and r.json['notes'] is None, 'an Admin may too; notes optional', r)
    srv.post('/api/ingestion/raw', {'id': 'esc-1', 'payload': {'message': 'Odd cron job on db-7', 'severity': 'low'}}, user)
    e = wait_for(lambda: triaged(srv, user, 'esc-1'), timeout=10)
    t.ok(e and not e['incident_id'] and e['route'] == 'ml', 'a low alert opens no incident', e)
    r = srv.post('/api/verdicts/esc-1/verdict', {'classification': 'ESCALATE', 'confidence': 0.8}, analyst)
    e = srv.get('/api/security/alerts/esc-1', user).json
    t.ok(r.status == 201 and e['incident_id'], 'an ESCALATE verdict opens its incident', e)
    r = srv.get('/api/verdicts/alert-123/verdicts', user)
    t.ok(r.status == 200 and [v['classification'] for v in r.json] == ['TP', 'FP'], 'the verdicts, oldest first', r)
    t.ok(srv.get('/api/verdicts/nope/verdicts', user).status == 404, 'verdicts of an unknown alert: 404')
    a = srv.get('/api/security/alerts/alert-123', user).json
    t.ok(a['verdict'] == 'FP' and len(a['verdicts']) == 2, 'the detail shows the latest verdict and the history', a)
    rows = srv.db_query("SELECT actor, detail FROM audit_log WHERE action = 'Security Verdict' ORDER BY id")
    t.ok(len(rows) == 3 and rows[0][0] == 'ana' and 'alert-123' in rows[0][1], 'verdicts are audited "Security Verdict"', rows)

    # verdicts steer the next similar alert: an FP on a family lowers it
    fam = {"message": "Port scan detected from 192.0.2.44 against web tier", "severity": "high"}
    srv.post('/api/thresholds', {}, None)
    srv.request('PATCH', '/api/admin/config/thresholds', {'group_window_s': 0}, admin)
    srv.post('/api/ingestion/raw', {'id': 'scan-1', 'payload': fam}, user)
    base = wait_for(lambda: triaged(srv, user, 'scan-1'), timeout=10)
    srv.post('/api/verdicts/scan-1/verdict', {'classification': 'FP', 'confidence': 1.0}, analyst)
    time.sleep(1.1)       # a later second: outside the 0 s grouping window
    srv.post('/api/ingestion/raw', {'id': 'scan-2', 'payload': fam}, user)
    nxt = wait_for(lambda: triaged(srv, user, 'scan-2'), timeout=10)
    t.ok(base and nxt and nxt['s0'] < base['s0'] and nxt['group_of'] is None
         and nxt['triage']['decision']['reason']['fp_neighbours'] >= 1,
         'an alert like a past FP scores lower (%s -> %s)' % (base and base['s0'], nxt and nxt['s0']), nxt)
    srv.post('/api/verdicts/scan-2/verdict', {'classification': 'TP', 'confidence': 1.0}, analyst)
    srv.post('/api/verdicts/scan-1/verdict', {'classification': 'TP', 'confidence': 1.0}, analyst)
    time.sleep(1.1)
    srv.post('/api/ingestion/raw', {'id': 'scan-3', 'payload': fam}, user)
    third = wait_for(lambda: triaged(srv, user, 'scan-3'), timeout=10)
    t.ok(third and third['s0'] > base['s0'] and third['route'] == 'verdict',
         'an alert like past TPs scores higher (%s -> %s)' % (base and base['s0'], third and third['s0']), third)
    srv.request('PATCH', '/api/admin/config/thresholds', {'group_window_s': 600}, admin)


def thresholds(srv, admin, user, analyst):
    r = srv.get('/api/admin/config/thresholds', admin)
    t.ok(r.status == 200 and r.json == {'triage_threshold': 79, 'escalation_threshold': 90, 'k': 5,
                                        'group_similarity': 0.97, 'group_window_s': 600},
         'thresholds: the seed defaults (79, 90) and ours', r)
    t.ok(srv.get('/api/admin/config/thresholds', analyst).status == 403, 'thresholds: Admin only (403)')
    t.ok(srv.get('/api/admin/config/thresholds').status == 401, 'thresholds: 401 without a token')
    r = srv.request('PATCH', '/api/admin/config/thresholds', {'triage_threshold': 79, 'escalation_threshold': 90}, admin)
    t.ok(r.status == 200 and r.json['triage_threshold'] == 79, 'the seed PATCH example: 200 with the values', r)
    r = srv.request('PATCH', '/api/admin/config/thresholds', {'triage_threshold': 70, 'k': 8}, admin)
    t.ok(r.status == 200 and r.json['triage_threshold'] == 70 and r.json['k'] == 8 and r.json['escalation_threshold'] == 90,
         'a partial update keeps the rest', r)
    t.eq(srv.get('/api/admin/config/thresholds', admin).json['k'], 8, 'and is stored')
    bad = [({'triage_threshold': 101}, "Field 'triage_threshold' must be an integer from 0 to 100"),
           ({'escalation_threshold': -1}, "Field 'escalation_threshold' must be an integer from 0 to 100"),
           ({'k': 0}, "Field 'k' must be an integer from 1 to 50"),
           ({'k': 2.5}, "Field 'k' must be an integer from 1 to 50"),
           ({'group_similarity': 2}, "Field 'group_similarity' must be a number from 0 to 1"),
           ({'group_window_s': -5}, "Field 'group_window_s' must be an integer of at least 0"),
           ({'triage_threshold': '80'}, "Field 'triage_threshold' must be an integer from 0 to 100"),
           ({'speed': 1}, "Unknown field 'speed'"),
           ({'triage_threshold': 95}, 'triage_threshold (95) must not be greater than escalation_threshold (90)'),
           ({'escalation_threshold': 60}, 'triage_threshold (70) must not be greater than escalation_threshold (60)'),
           ({'triage_threshold': 50, 'escalation_threshold': 40},
            'triage_threshold (50) must not be greater than escalation_threshold (40)')]
    for body, msg in bad:
        r = srv.request('PATCH', '/api/admin/config/thresholds', body, admin)
        t.ok(r.status == 400 and r.error == msg, 'PATCH refuses %s: 400 %s' % (body, msg), r)
    t.eq(srv.get('/api/admin/config/thresholds', admin).json['k'], 8, 'a refused PATCH changes nothing')
    t.ok(srv.request('PATCH', '/api/admin/config/thresholds', {'k': 3}, analyst).status == 403, 'PATCH: Admin only')
    rows = srv.db_query("SELECT count(*) FROM audit_log WHERE action = 'Security Thresholds Updated'")
    t.ok(rows[0][0] >= 2, 'PATCH is audited "Security Thresholds Updated"', rows)
    srv.request('PATCH', '/api/admin/config/thresholds', {'triage_threshold': 79, 'k': 5}, admin)


def listing(srv, admin, user):
    r = srv.get('/api/security/alerts?limit=2', user)
    total = int(r.headers.get('x-total-count', '-1'))
    all_ = srv.get('/api/security/alerts?limit=1000', user).json
    t.ok(r.status == 200 and len(r.json) == 2 and total == len(all_) and total >= 10,
         'list: a page of 2 with X-Total-Count of all (%d)' % total, r)
    seqs = [a['seq'] for a in all_]
    t.ok(seqs == sorted(seqs, reverse=True), 'newest first')
    r2 = srv.get('/api/security/alerts?limit=2&offset=2', user)
    t.ok([a['id'] for a in r2.json] == [a['id'] for a in all_[2:4]], 'offset pages on', r2)
    r = srv.get('/api/security/alerts?source=upload', user)
    t.ok(r.status == 200 and r.json and all(a['source'] == 'upload' for a in r.json), 'filter by source', r)
    r = srv.get('/api/security/alerts?route=verdict&limit=1000', user)
    t.ok(r.status == 200 and all(a['route'] == 'verdict' for a in r.json), 'filter by route', r)
    t.ok(srv.get('/api/security/alerts?route=maybe', user).status == 400, 'a bad route: 400')
    t.ok(srv.get('/api/security/alerts?limit=0', user).status == 400, 'a bad limit: 400')
    t.ok(srv.get('/api/security/alerts?open=perhaps', user).status == 400, 'a bad open: 400')
    r = srv.get('/api/security/alerts?grouped=bogus', user)
    t.ok(r.status == 400 and r.error == "Query parameter 'grouped' must be true or false", 'a bad grouped: 400', r)
    t.ok(srv.get('/api/security/alerts?grouped=true', user).status == 200, 'grouped=true: 200')
    a = srv.get('/api/security/alerts/alert-123', user).json
    t.ok(all(a[k] is None or RFC3339_Z.match(a[k]) for k in ('received_at', 'event_at', 'triaged_at', 'closed_at'))
         and RFC3339_Z.match(a['received_at']) and a['event_at'] == '2025-08-17T12:00:00Z',
         'the detail\'s dates are RFC 3339 with Z', a)
    r = srv.get('/api/security/alerts?open=true&min_severity_id=5&limit=1000', user)
    t.ok(r.status == 200 and all((a['severity_id'] or 0) >= 5 and a['closed_at'] is None for a in r.json),
         'open=true and min_severity_id filter', r)
    t.ok(srv.get('/api/security/alerts').status == 401, 'the list needs a token')
    r = srv.get('/api/security/alerts/nope', user)
    t.ok(r.status == 404 and r.error == "Alert 'nope' not found", 'an unknown alert: 404', r)


def nul_paths(srv, admin, user):
    """A %00 in the path must not cut it short (libmicrohttpd decodes it)."""
    srv.signup('wr', 'password123', 'user', admin)
    cases = [('GET', '/api/security/alerts/alert-123%00x', user),
             ('GET', '/api/objects/raw/alert-123%00x', user),
             ('POST', '/api/triage/alert-123%00junk/score/triage', admin),
             ('PATCH', '/api/tasks/1%00junk', admin),
             ('DELETE', '/api/admin/tokens/wr%00x', admin),
             ('GET', '/api/services%00', user),
             ('GET', '/api/security/alerts?source=up%00load', user)]
    for method, path, tok in cases:
        st, body = raw_request(srv, method, path, tok, b'{}' if method in ('POST', 'PATCH') else None)
        t.ok(st == 400 and json.loads(body) == {'error': 'Request path must not contain NUL (%00)'},
             '%s %s: 400 NUL refused' % (method, path), (st, body))
    st, body = raw_request(srv, 'GET', '/api/security/alerts/alert-123', user)
    t.ok(st == 200, 'the same connection code still answers a clean path', (st, body[:80]))
    st, body = raw_request(srv, 'GET', '/api/security/alerts/alert%2d123', user)
    t.ok(st == 200 and json.loads(body)['id'] == 'alert-123', 'other escapes are still decoded', (st, body[:80]))


def main():
    srv = Server().start()
    try:
        srv.signup('admin', 'adminpass')
        admin = srv.login('admin', 'adminpass')
        srv.signup('uma', 'password123', 'user', admin)
        srv.signup('ana', 'password123', 'Ops Analyst', admin)
        user = srv.login('uma')
        analyst = srv.login('ana')
        t.ok(admin and user and analyst, 'three roles signed in')
        ingestion(srv, admin, user)
        upload(srv, user)
        pipeline(srv, admin, user)
        normalization(srv, admin, user, analyst)
        t.ok(srv.post('/api/triage/alert-123/score/triage', None, user).status == 403,
             'triage as a plain user: 403 (it stores a decision: Ops Analyst)')
        triage(srv, admin, analyst)
        nul_paths(srv, admin, user)
        thresholds(srv, admin, user, analyst)
        verdicts(srv, admin, user, analyst)
        listing(srv, admin, user)
    finally:
        t.eq(srv.stop(), 0, 'server exits cleanly')
        srv.cleanup()
    t.done()


main()
