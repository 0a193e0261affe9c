#!/usr/bin/python3
"""Issue 12: the collectors' ingestion endpoints through the real listener.

POST /api/ingest/alertmanager, /wazuh, /syslog and /generic: success with
the real-format samples of tests/data/security/ (each arrives normalized:
severity, OCSF severity_id, title, observables), the raw payload kept at
the answer's location, an Alertmanager "resolved" closing the earlier
alert, and every error path (malformed JSON, wrong shapes, empty bodies,
wrong Content-Type, a line that is not syslog — and then nothing is
stored: a request is all or none).
"""
import json
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SRC, Server, Tap, wait_for  # noqa: E402

t = Tap()
DATA = os.path.join(SRC, 'tests/data/security')


def sample(name, mode='r'):
    with open(os.path.join(DATA, name), mode) as f:
        return f.read()


def normalized(srv, tok, alert_id):
    """The alert once the pipeline normalized it (forcing triage, which
    normalizes first, if no pipeline thread did it within a few seconds)."""
    def get():
        r = srv.get('/api/security/alerts/' + alert_id, tok)
        return r.json if r.status == 200 and r.json.get('stage') in ('normalized', 'triaged') else None
    a = wait_for(get, timeout=5)
    if not a:
        srv.post('/api/triage/%s/score/triage' % alert_id, {}, tok)
        a = wait_for(get, timeout=10)
    if not a:
        return None, None
    doc = a.get('normalized') or {}
    if isinstance(doc, dict) and isinstance(doc.get('normalized'), dict):
        doc = doc['normalized']
    return a, doc


def obs(doc):
    return [(o['type'], o['value']) for o in (doc or {}).get('observables', [])]


def count(srv):
    return srv.db_query('SELECT count(*) FROM sec_alert')[0][0]


def post_text(srv, path, text, tok, ctype='text/plain'):
    return srv.request('POST', path, token=tok, raw=text, headers={'Content-Type': ctype})


def alertmanager(srv, tok):
    hook = json.loads(sample('alertmanager_v4.json'))
    r = srv.request('POST', '/api/ingest/alertmanager', raw=json.dumps(hook))
    t.eq(r.status, 401, 'alertmanager: 401 without a token')
    r = srv.post('/api/ingest/alertmanager', hook, tok)
    t.ok(r.status == 200 and r.json['accepted'] == 1 and r.json['resolved'] == 0
         and len(r.json['ids']) == 1, 'alertmanager: the docs sample is accepted (200, 1 id)', r)
    aid = r.json['ids'][0]
    a, doc = normalized(srv, tok, aid)
    t.ok(a is not None, 'alertmanager: the alert gets normalized', a)
    t.eq((doc or {}).get('severity'), 'critical', 'alertmanager: severity from labels.severity')
    t.eq((doc or {}).get('severity_id'), 5, 'alertmanager: OCSF severity_id 5')
    t.eq((doc or {}).get('title'), 'BlackBox Probe Failure: https://server.example.org',
         'alertmanager: title from annotations.summary')
    t.eq(obs(doc), [('host', 'server.example.org'), ('url', 'https://server.example.org')],
         'alertmanager: observables')
    t.eq((a or {}).get('fingerprint'), '1a30ba71cca2921f', 'alertmanager: fingerprint kept')
    raw = srv.get('/api/objects/raw/' + aid, tok)
    t.ok(raw.status == 200 and json.loads(raw.raw) == hook['alerts'][0],
         'alertmanager: the raw payload (that alert\'s object) answers at its location', raw)

    hook['status'] = hook['alerts'][0]['status'] = 'resolved'
    hook['alerts'][0]['endsAt'] = '2023-02-06T13:20:45.828Z'
    n0 = count(srv)
    r = srv.post('/api/ingest/alertmanager', hook, tok)
    t.ok(r.status == 200 and r.json == {'accepted': 0, 'resolved': 1, 'closed': 1, 'ids': []},
         'alertmanager: a resolved alert closes the earlier one', r)
    t.eq(count(srv), n0, 'alertmanager: a resolution stores no new alert')
    a = srv.get('/api/security/alerts/' + aid, tok).json
    t.ok(a.get('closed_at'), 'alertmanager: the alert has closed_at', a)

    gist = json.loads(sample('alertmanager_gist.json'))
    r = srv.post('/api/ingest/alertmanager', gist, tok)
    t.ok(r.status == 200 and r.json['accepted'] == 1, 'alertmanager: an alert without fingerprint', r)
    _, doc = normalized(srv, tok, r.json['ids'][0])
    t.ok(doc and doc['severity'] == 'unknown' and doc['title'] == 'Test',
         'alertmanager: no severity label -> unknown, title from alertname', doc)

    bad = [
        ('{"alerts": [', 'Request body must be valid JSON'),
        ('[]', 'Request body must be a JSON object'),
        ('{"version": "4"}', "Field 'alerts' must be an array"),
        ('{"alerts": {}}', "Field 'alerts' must be an array"),
        ('{"alerts": []}', "Field 'alerts' must hold 1 to 1000 alerts"),
        ('{"version": "3", "alerts": [{"labels": {}}]}', "Field 'version' must be \"4\" "
         "(Alertmanager's webhook version)"),
        ('{"alerts": [{"labels": "x"}]}', "Field 'alerts[0]' must be an object with 'labels'"),
        ('{"alerts": [{"labels": {}}, 7]}', "Field 'alerts[1]' must be an object with 'labels'"),
        ('{"alerts": [{"labels": {}, "fingerprint": 5}]}',
         "Field 'alerts[0].fingerprint' must be a string"),
    ]
    n0 = count(srv)
    for body, err in bad:
        r = srv.request('POST', '/api/ingest/alertmanager', token=tok, raw=body)
        t.ok(r.status == 400 and r.error == err, 'alertmanager: 400 for %s' % body, r)
    t.eq(count(srv), n0, 'alertmanager: nothing stored by the refused requests')


def wazuh(srv, tok):
    one = sample('wazuh_ssh_invalid_user.json')
    two = sample('wazuh_fim_changed.json')
    r = post_text(srv, '/api/ingest/wazuh', one, tok, 'application/json')
    t.ok(r.status == 201 and r.json['accepted'] == 1 and r.json['items'][0]['status'] == 'created'
         and r.json['items'][0]['location'].endswith(r.json['ids'][0]),
         'wazuh: one alert object (201, id, location)', r)
    raw = srv.get(r.json['items'][0]['location'], tok)
    t.ok(raw.status == 200 and raw.raw == one, 'wazuh: the raw payload is the body as sent', raw)
    _, doc = normalized(srv, tok, r.json['ids'][0])
    t.ok(doc and doc['severity'] == 'low' and doc['severity_id'] == 2,
         'wazuh: rule.level 5 -> low (2)', doc)
    t.eq((doc or {}).get('title'), 'sshd: Attempt to login using a non-existent user',
         'wazuh: title from rule.description')
    t.eq(obs(doc), [('host', 'linux-agent'), ('ip', '18.18.18.18'), ('user', 'blimey')],
         'wazuh: observables (agent, srcip, srcuser)')

    arr = '[%s, %s]' % (one, two)
    r = post_text(srv, '/api/ingest/wazuh', arr, tok, 'application/json')
    t.ok(r.status == 201 and r.json['accepted'] == 2 and len(set(r.json['ids'])) == 2,
         'wazuh: an array of two alerts', r)
    _, doc = normalized(srv, tok, r.json['ids'][1])
    t.ok(doc and doc['severity'] == 'medium' and ('hash', '48f09f8c313b303ce2ca9365f70ae8d992c'
         '5589c56493ac055f0ab129d82c365') in obs(doc), 'wazuh: FIM alert: medium, SHA256 observable',
         doc)
    lines = json.dumps(json.loads(one)) + '\n' + json.dumps(json.loads(two)) + '\n'
    r = post_text(srv, '/api/ingest/wazuh', lines, tok, 'application/json')
    t.ok(r.status == 201 and r.json['accepted'] == 2, 'wazuh: alerts.json lines (one a line)', r)
    raw = srv.get(r.json['items'][1]['location'], tok) if r.status == 201 else None
    t.ok(raw and raw.status == 200 and raw.raw == lines.split('\n')[1],
         'wazuh: each line kept as sent', raw)

    n0 = count(srv)
    for body, err in [
            ('{"rule": ', 'Request body must be valid JSON (line 1 is not)'),
            ('[]', 'No alert in the request body'),
            ('', 'Request body must be a JSON object, an array of objects or one object a line'),
            ('{"a": 1}', "Alert 0 is not a Wazuh alert: it has no 'rule' object"),
            ('[{"rule": {}}, 1]', 'Alert 1 must be a JSON object'),
            ('{"rule": {}}\n{"rule"', 'Request body must be valid JSON (line 2 is not)')]:
        r = post_text(srv, '/api/ingest/wazuh', body, tok, 'application/json')
        t.ok(r.status == 400 and r.error == err, 'wazuh: 400 for %r' % body, r)
    t.eq(count(srv), n0, 'wazuh: nothing stored by the refused requests')

    # a rule.level that is no Wazuh level (an integer 0..15) is refused, naming item and field
    n0 = count(srv)
    ok = json.loads(one)
    for level, shown in [('x', '"x"'), (99, '99'), (-1, '-1'), (3.5, '3.5'), (None, 'null'),
                         (True, 'true'), ('16', '"16"')]:
        bad = json.loads(one)
        bad['rule']['level'] = level
        r = post_text(srv, '/api/ingest/wazuh', json.dumps([ok, bad]), tok, 'application/json')
        t.ok(r.status == 400 and r.error == "Alert 1: field 'rule.level' must be an integer "
             "from 0 to 15, not %s" % shown, 'wazuh: 400 for rule.level %r' % (level,), r)
    t.eq(count(srv), n0, 'wazuh: nothing stored for the refused levels')
    ok['rule']['level'] = '12'
    r = post_text(srv, '/api/ingest/wazuh', json.dumps(ok), tok, 'application/json')
    _, doc = normalized(srv, tok, r.json['ids'][0]) if r.status == 201 else (None, None)
    t.ok(doc and doc['severity'] == 'high', 'wazuh: a level as a string of digits ("12") is a level',
         (r, doc))

    # one that came another way (the upload URL, detected as Wazuh) is Unknown, with the reason
    j = srv.get('/api/ingestion/raw-url', tok).json
    r = srv.request('PUT', j['url'], raw=b'{"rule": {"level": 99, "description": "odd"}}',
                    headers={'Content-Type': 'application/json'})
    a, doc = normalized(srv, tok, j['id']) if r.status == 201 else (None, None)
    t.ok(doc and doc['severity'] == 'unknown' and doc['severity_id'] == 0
         and doc['metadata'].get('severity_reason') ==
         'rule.level must be an integer from 0 to 15, not 99',
         'wazuh: level 99 arriving by upload normalizes to unknown (0), the reason in metadata',
         (r, doc))
    a = wait_for(lambda: (lambda x: x if x.get('stage') == 'triaged' else None)(
        srv.get('/api/security/alerts/' + j['id'], tok).json), timeout=10)
    t.ok(a and not a.get('incident_id') and (a.get('s0') or 0) < 90,
         'wazuh: ... and opens no incident', a)


def syslog(srv, tok):
    names = ['rfc5424_ex%d.log' % i for i in range(1, 5)] + \
            ['rfc3164_ex%d.log' % i for i in range(1, 5)]
    body = b''.join(sample(n, 'rb') for n in names)
    r = post_text(srv, '/api/ingest/syslog', body, tok)
    t.ok(r.status == 201 and r.json['accepted'] == 8, 'syslog: the 8 RFC examples, one a line', r)
    ids = r.json['ids']
    want = [('critical', 5, "su: 'su root' failed for lonvick on /dev/pts/8"),
            ('low', 2, "myproc: %% It's time to make the do-nuts.")]
    for i, (sev, sid, title) in enumerate(want):
        _, doc = normalized(srv, tok, ids[i])
        t.ok(doc and doc['severity'] == sev and doc['severity_id'] == sid and doc['title'] == title,
             'syslog: %s normalized (%s, %d)' % (names[i], sev, sid), doc)
    _, doc = normalized(srv, tok, ids[4])
    t.ok(doc and doc['metadata'].get('format') == 'rfc3164' and obs(doc) == [('host', 'mymachine')],
         'syslog: RFC 3164 example 1 normalized', doc)
    raw = srv.get('/api/objects/raw/' + ids[0], tok)
    t.ok(raw.status == 200 and raw.raw.encode() == sample(names[0], 'rb').rstrip(b'\n'),
         'syslog: the raw line answers at its location', raw)
    r = post_text(srv, '/api/ingest/syslog', '<13>1 - - - - - - a\r\n\r\n<14>Oct  1 00:00:00 h b', tok)
    t.ok(r.status == 201 and r.json['accepted'] == 2, 'syslog: CR LF and blank lines', r)

    n0 = count(srv)
    for body, ctype, status, err in [
            ('<13>1 - - - - - - x', 'application/json', 415,
             'Content-Type must be text/plain (one syslog message a line)'),
            ('hello', 'text/plain', 400,
             'Line 1 is not a syslog message (RFC 5424 or RFC 3164, starting with <PRI>)'),
            ('<13>1 - - - - - - ok\nnot syslog', 'text/plain', 400,
             'Line 2 is not a syslog message (RFC 5424 or RFC 3164, starting with <PRI>)'),
            ('\n\n', 'text/plain', 400, 'Request body must hold syslog messages, one a line'),
            ('', 'text/plain', 400, 'Request body must hold syslog messages, one a line')]:
        r = post_text(srv, '/api/ingest/syslog', body, tok, ctype)
        t.ok(r.status == status and r.error == err, 'syslog: %d for %r (%s)' % (status, body, ctype), r)
    t.eq(count(srv), n0, 'syslog: nothing stored by the refused requests (all or none)')


def generic(srv, tok):
    r = post_text(srv, '/api/ingest/generic', sample('falco_generic.json'), tok, 'application/json')
    t.ok(r.status == 201 and r.json['accepted'] == 1, 'generic: the Falco sample', r)
    _, doc = normalized(srv, tok, r.json['ids'][0])
    t.ok(doc and doc['severity'] == 'high' and doc['title'] == 'Write below binary dir'
         and doc['timestamp'] == '2019-10-03T16:31:56Z' and obs(doc) == [('user', 'root')],
         'generic: normalized through security.map.* (priority, rule, time, user)', doc)
    r = srv.post('/api/ingest/generic', [{'title': 'a', 'severity': 'low'},
                                         {'title': 'b', 'ip': '192.0.2.1'}], tok)
    t.ok(r.status == 201 and r.json['accepted'] == 2, 'generic: an array', r)
    n0 = count(srv)
    for body, err in [('nope', 'Request body must be valid JSON (line 1 is not)'),
                      ('[]', 'No alert in the request body'),
                      ('[1, 2]', 'Alert 0 must be a JSON object'),
                      ('"text"', 'Alert 0 must be a JSON object')]:
        r = post_text(srv, '/api/ingest/generic', body, tok, 'application/json')
        t.ok(r.status == 400 and r.error == err, 'generic: 400 for %r' % body, r)
    t.eq(count(srv), n0, 'generic: nothing stored by the refused requests')


def defaults_and_large(srv, tok):
    """A server without security.map.*: Falco's JSON output as the README
    shows it, and whole alerts.json files over the listener's 1 MiB."""
    r = post_text(srv, '/api/ingest/generic', sample('falco_generic.json'), tok, 'application/json')
    t.ok(r.status == 201 and r.json['accepted'] == 1, 'generic: the Falco sample without a mapping', r)
    _, doc = normalized(srv, tok, r.json['ids'][0]) if r.status == 201 else (None, None)
    t.ok(doc and doc['severity'] == 'high' and doc['severity_id'] == 4
         and doc['title'] == 'Write below binary dir'
         and doc['description'].startswith('16:31:56.746609046: Error File below')
         and doc['timestamp'] == '2019-10-03T16:31:56Z' and obs(doc) == [('user', 'root')]
         and doc['metadata'].get('sensor') == 'falco',
         'generic: Falco without a mapping: rule, output, priority, time, output_fields', doc)
    falco = json.loads(sample('falco_generic.json'))
    falco['priority'] = 'Critical'
    falco['output_fields'].update({'fd.sip': '198.51.100.9', 'fd.cip': '10.1.2.3',
                                   'container.id': '3ad7b26ded6d'})
    r = srv.post('/api/ingest/generic', falco, tok)
    _, doc = normalized(srv, tok, r.json['ids'][0]) if r.status == 201 else (None, None)
    t.ok(doc and doc['severity'] == 'critical' and obs(doc) == [
        ('user', 'root'), ('ip', '198.51.100.9'), ('ip', '10.1.2.3'), ('host', '3ad7b26ded6d')],
         'generic: Falco priority Critical, fd.sip/fd.cip/container.id observables', doc)

    # a real alerts.json is bigger than 1 MiB: the ingest routes take security.upload_max_bytes
    alert = json.loads(sample('wazuh_ssh_invalid_user.json'))
    alert['full_log'] += ' ' + 'x' * 8000
    lines = []
    for i in range(250):
        alert['id'] = '1571166477.%d' % i
        lines.append(json.dumps(alert))
    body = ('\n'.join(lines) + '\n').encode()
    t.ok(len(body) > 2 * 1024 * 1024, 'large: the alerts.json body is over 2 MiB (%d)' % len(body))
    n0 = count(srv)
    r = post_text(srv, '/api/ingest/wazuh', body, tok, 'application/json')
    t.ok(r.status == 201 and r.json['accepted'] == 250, 'large: 2 MiB of 250 Wazuh alerts: 201', r)
    t.eq(count(srv), n0 + 250, 'large: all 250 stored')
    big = ('[' + ','.join([json.dumps({'title': 'big %d' % i, 'pad': 'y' * 9000})
                          for i in range(240)]) + ']').encode()
    r = post_text(srv, '/api/ingest/generic', big, tok, 'application/json')
    t.ok(r.status == 201 and r.json['accepted'] == 240, 'large: 2 MiB to /api/ingest/generic: 201', r)
    # over security.upload_max_bytes (3 MiB here): 413 from the headers, the body never read
    s = socket.create_connection(('127.0.0.1', srv.port), timeout=20)
    s.sendall(b'POST /api/ingest/wazuh HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n'
              b'Content-Type: application/json\r\nContent-Length: %d\r\n\r\n'
              % (tok.encode(), 4 * 1024 * 1024))
    resp = b''
    try:
        while b'\r\n\r\n' not in resp or not resp.rstrip().endswith(b'}'):
            chunk = s.recv(65536)
            if not chunk:
                break
            resp += chunk
    except OSError:
        pass
    s.close()
    t.ok(resp.startswith(b'HTTP/1.1 413') and
         resp.rstrip().endswith(b'{"error":"Request body too large (limit 3145728 bytes)"}'),
         'large: over security.upload_max_bytes: 413 naming the limit', resp[:300])


def main():
    env = {'RESOPS_MAP_SEVERITY': 'priority', 'RESOPS_MAP_TIMESTAMP': 'time',
           'RESOPS_MAP_TITLE': 'rule', 'RESOPS_MAP_DESCRIPTION': 'output',
           'RESOPS_MAP_USER': 'output_fields.user.name'}
    srv = Server(env=env).start()
    try:
        srv.signup('admin', 'adminpass')
        tok = srv.login('admin', 'adminpass')
        t.ok(tok, 'signed in')
        alertmanager(srv, tok)
        wazuh(srv, tok)
        syslog(srv, tok)
        generic(srv, tok)
    finally:
        t.eq(srv.stop(), 0, 'server exits cleanly')
        srv.cleanup()
    srv = Server(env={'RESOPS_UPLOAD_MAX_BYTES': str(3 * 1024 * 1024)}).start()
    try:
        srv.signup('admin', 'adminpass')
        tok = srv.login('admin', 'adminpass')
        defaults_and_large(srv, tok)
    finally:
        t.eq(srv.stop(), 0, 'the second server exits cleanly')
        srv.cleanup()
    t.done()


main()
