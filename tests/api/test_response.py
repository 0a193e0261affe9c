#!/usr/bin/python3
"""Issue 12 (wt-resp): seed 003's response side through the real listener.

- POST /api/response/{id}/response-action runs a REAL command through
  seed 001's resolution runner: security.actions (in a config file this
  test writes) points block_ip at a small script under a temp dir that
  writes its argv to a file; the file holds exactly the target's values
  (each one argv element, a shell string is refused), and the
  sec_response row ends "success". An http action reaches a real
  receiver. A failing command ends "failed".
- The kill switch refuses (409, the refused row recorded, the script did
  not run); max_concurrent_resolutions = 1 and a slow script: the second
  run waits queued while the first runs, and the two never overlap.
- response-result, responses, ML agent output / aggregate / LLM result,
  tasks (create, list with filters and X-Total-Count, PATCH), admin
  export / export-ready / healthz: success and error paths, roles.
"""
import json
import os
import stat
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, Tap, received, start_receiver, wait_for  # noqa: E402

t = Tap()

SCRIPT = """#!/bin/sh
# writes its argv, one element a line, then a blank line
{ for a in "$@"; do printf '%%s\\n' "$a"; done; echo; } >> %(log)s
"""
SLOW = """#!/bin/sh
echo "start $(date +%%s.%%N) $1" >> %(log)s
sleep 1.5
echo "end $(date +%%s.%%N) $1" >> %(log)s
"""
FAIL = """#!/bin/sh
echo "refusing $1" >&2
exit 3
"""


def write_script(path, text, **kw):
    with open(path, 'w') as f:
        f.write(text % kw)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)


def setup(tmp, hook_port):
    argv_log = os.path.join(tmp, 'argv.log')
    slow_log = os.path.join(tmp, 'slow.log')
    write_script(os.path.join(tmp, 'block'), SCRIPT, log=argv_log)
    write_script(os.path.join(tmp, 'slow'), SLOW, log=slow_log)
    write_script(os.path.join(tmp, 'fail'), FAIL)
    write_script(os.path.join(tmp, 'gone'), FAIL)
    actions = {
        'block_ip': {'kind': 'command', 'timeout_s': 10,
                     'argv': [os.path.join(tmp, 'block'), '${target.ip}',
                              '${param.duration_minutes}', '${alert.id}'],
                     'defaults': {'duration_minutes': 60}},
        'disable_user': {'kind': 'command', 'argv': [os.path.join(tmp, 'block'), 'user',
                                                     '${target.user}']},
        'slow': {'kind': 'command', 'argv': [os.path.join(tmp, 'slow'), '${target.host}']},
        'fail': {'kind': 'command', 'argv': [os.path.join(tmp, 'fail'), '${target.ip}']},
        'missing': {'kind': 'command', 'argv': [os.path.join(tmp, 'not-installed'),
                                                '${target.ip}']},
        'gone': {'kind': 'command', 'argv': [os.path.join(tmp, 'gone'), '${target.ip}']},
        'hook': {'kind': 'http', 'method': 'POST',
                 'url': 'http://127.0.0.1:%d/hook/${target.ip}' % hook_port,
                 'body': '{"alert": "${alert.id}", "who": "${target.user}"}'},
    }
    conf = os.path.join(tmp, 'resops.conf')
    with open(conf, 'w') as f:
        f.write('[resolve]\nmax_concurrent_resolutions = 1\nretry_backoff_ms = 0\n\n')
        f.write('[security]\nactions = %s\n' % json.dumps(actions))
    return conf, argv_log, slow_log


def argv_runs(path):
    """The block script's runs: a list of argv lists."""
    try:
        text = open(path).read()
    except FileNotFoundError:
        return []
    return [chunk.split('\n') for chunk in text.split('\n\n') if chunk.strip()]


def add_alert(srv, tok, alert_id):
    """An alert through the ingestion route when this build has it, else
    a row written straight into sec_alert."""
    r = srv.post('/api/ingestion/raw', {'id': alert_id, 'payload': {'message': 'ssh fail'}}, tok)
    if r.status == 201:
        return
    srv.db_exec("INSERT INTO sec_alert (id, source, raw, received_at, stage, title) "
                "VALUES (?, 'raw', '{}', '2026-01-01T00:00:00', 'received', 'test')", (alert_id,))


def responses(srv, tok, alert_id):
    r = srv.get('/api/response/%s/responses' % alert_id, tok)
    return r.json if r.status == 200 else []


def wait_state(srv, tok, alert_id, rid, states, timeout=20):
    def check():
        for x in responses(srv, tok, alert_id):
            if x['id'] == rid and x['state'] in states:
                return x
        return None
    return wait_for(check, timeout)


def users(srv):
    t.eq(srv.signup('admin', 'adminpass').status, 201, 'the first signup is the Admin')
    admin = srv.login('admin', 'adminpass')
    for name, role in (('oa', 'Ops Analyst'), ('user', None)):
        srv.signup(name, role=role, token=admin)
    return admin, srv.login('oa'), srv.login('user')


def test_action_runs(srv, admin, oa, user, argv_log, hook_log):
    url = '/api/response/alert-r1/response-action'
    body = {'action': 'block_ip', 'target': {'ip': '10.0.0.1'},
            'parameters': {'duration_minutes': 15}}
    t.eq(srv.post(url, body).status, 401, 'response-action without a token: 401')
    t.eq(srv.post(url, body, user).status, 403, 'response-action as a User: 403 (Ops Analyst)')
    r = srv.post('/api/response/nope/response-action', body, oa)
    t.ok(r.status == 404 and r.error == "Alert 'nope' not found", 'unknown alert: 404', r)
    r = srv.post(url, {'action': 'rm_rf', 'target': {}}, oa)
    t.ok(r.status == 400 and 'known actions: block_ip, disable_user, slow, fail, missing, gone, hook' in r.error,
         'unknown action: 400 listing the known ones', r)
    r = srv.post(url, {'action': 'block_ip', 'target': {'ip': '1.2.3.4; rm -rf /'}}, oa)
    t.ok(r.status == 400 and 'target.ip must be an IPv4 or IPv6 address' in r.error,
         'an IP with a shell string: 400', r)
    r = srv.post(url, {'action': 'disable_user', 'target': {'user': '$(reboot)'}}, oa)
    t.ok(r.status == 400 and 'target.user' in r.error, 'a user with $(...): 400', r)
    r = srv.post(url, {'action': 'block_ip', 'target': {}}, oa)
    t.ok(r.status == 400 and r.error == "Action 'block_ip' needs target.ip", 'missing target.ip', r)
    r = srv.post(url, {'target': {'ip': '10.0.0.1'}}, oa)
    t.ok(r.status == 400 and "Field 'action' is required" in r.error, 'no action: 400', r)
    r = srv.post(url, {'action': 'block_ip', 'target': 'x'}, oa)
    t.ok(r.status == 400 and r.error == "Field 'target' must be an object", 'target not an object', r)
    t.eq(srv.request('POST', url, raw='{', token=oa).status, 400, 'bad JSON: 400')
    t.eq(argv_runs(argv_log), [], 'no refused request ran the script')

    r = srv.post(url, body, oa)
    t.ok(r.status == 202 and r.json['state'] == 'queued' and r.json['action'] == 'block_ip'
         and r.json['incident_id'] == 'SECRESP-%d' % r.json['id'], '202 {id, action, state, '
         'incident_id}', r)
    rid = r.json['id']
    done = wait_state(srv, oa, 'alert-r1', rid, ('success', 'failed'))
    t.ok(done and done['state'] == 'success', 'the row ends success', done)
    t.eq(argv_runs(argv_log), [['10.0.0.1', '15', 'alert-r1']],
         'the script ran once with the values as argv elements')
    steps = (done or {}).get('details', {}).get('steps', [])
    t.ok(steps and steps[0]['success'] and done['finished_at'], 'details has the step outcome', done)
    inc = srv.get('/api/v1/incidents/SECRESP-%d' % rid, oa)
    t.ok(inc.status == 200 and inc.json.get('category') == 'security',
         'the run is a seed 001 incident in category security', inc)

    # a value the shell would split is refused before anything runs; a
    # parameter default applies when the request leaves it out
    r = srv.post(url, {'action': 'block_ip', 'target': {'ip': '2001:db8::7'}}, oa)
    t.eq(r.status, 202, 'an IPv6 target: 202')
    wait_state(srv, oa, 'alert-r1', r.json['id'], ('success', 'failed'))
    t.eq(argv_runs(argv_log)[-1], ['2001:db8::7', '60', 'alert-r1'],
         'the action default for duration_minutes applied')

    r = srv.post(url, {'action': 'fail', 'target': {'ip': '10.0.0.3'}}, oa)
    done = wait_state(srv, oa, 'alert-r1', r.json['id'], ('success', 'failed'))
    t.ok(done and done['state'] == 'failed' and done['details']['incident_state'] == 'failed',
         'a command that exits 3 ends failed', done)

    r = srv.post(url, {'action': 'hook', 'target': {'ip': '10.0.0.2', 'user': 'bob'}}, oa)
    done = wait_state(srv, oa, 'alert-r1', r.json['id'], ('success', 'failed'))
    t.ok(done and done['state'] == 'success', 'the http action ends success', done)
    got = wait_for(lambda: received(hook_log), 5)
    t.ok(got and got[-1].get('path') == '/hook/10.0.0.2'
         and json.loads(got[-1].get('body', '{}')) == {'alert': 'alert-r1', 'who': 'bob'},
         'the receiver got the POST with the values placed', got)


def test_concurrency(srv, oa, slow_log):
    url = '/api/response/alert-r2/response-action'
    a = srv.post(url, {'action': 'slow', 'target': {'host': 'web-1'}}, oa)
    b = srv.post(url, {'action': 'slow', 'target': {'host': 'web-2'}}, oa)
    t.ok(a.status == 202 and b.status == 202, 'two slow actions accepted', (a, b))

    def both_seen():
        st = {x['id']: x['state'] for x in responses(srv, oa, 'alert-r2')}
        return st.get(a.json['id']) == 'running' and st.get(b.json['id']) == 'queued'
    t.ok(wait_for(both_seen, 10), 'max_concurrent_resolutions 1: the second waits queued while '
         'the first runs')
    for x in (a, b):
        done = wait_state(srv, oa, 'alert-r2', x.json['id'], ('success', 'failed'), 30)
        t.ok(done and done['state'] == 'success', 'slow action %d ends success' % x.json['id'])
    lines = [ln.split() for ln in open(slow_log).read().splitlines()]
    t.ok(len(lines) == 4 and [ln[0] for ln in lines] == ['start', 'end', 'start', 'end']
         and float(lines[2][1]) >= float(lines[1][1]), 'the two runs did not overlap', lines)


def test_not_installed(srv, oa, tmp):
    """An action whose program is not there: a warning at start, 409 and
    a refused row at the request, nothing queued; a program that vanishes
    after the request fails once at the runner, not four times."""
    prog = os.path.join(tmp, 'not-installed')
    t.ok("response action 'missing' is not installed: %s does not exist" % prog
         in srv.logtext(), 'a warning at start names the missing program', srv.logtext()[-600:])
    t.ok("'gone' is not installed" not in srv.logtext(), 'no warning for an installed one')
    r = srv.post('/api/response/alert-r1/response-action',
                 {'action': 'missing', 'target': {'ip': '10.0.0.5'}}, oa)
    t.ok(r.status == 409 and r.error == "Response action 'missing' is not installed: %s "
         "does not exist" % prog, 'a missing program: 409 naming it', r)
    last = responses(srv, oa, 'alert-r1')[-1]
    t.ok(last['action'] == 'missing' and last['state'] == 'refused'
         and last['incident_id'] is None and 'does not exist' in last['details']['reason'],
         'the refused row is recorded, with no incident', last)
    t.eq(srv.db_query("SELECT COUNT(*) FROM incident WHERE incident_id = ?",
                      ('SECRESP-%d' % last['id'],))[0][0], 0, 'nothing was queued')
    # installed later: the next request runs it (checked at each request)
    write_script(prog, SCRIPT, log=os.path.join(tmp, 'late.log'))
    r = srv.post('/api/response/alert-r1/response-action',
                 {'action': 'missing', 'target': {'ip': '10.0.0.6'}}, oa)
    t.eq(r.status, 202, 'once installed, the action is accepted')
    done = wait_state(srv, oa, 'alert-r1', r.json['id'], ('success', 'failed'), 30)
    t.ok(done and done['state'] == 'success', 'and runs', done)
    # the runner's side: gone after the request (the one slot is held by a
    # slow run, so the request waits queued while the program is removed)
    slow = srv.post('/api/response/alert-r2/response-action',
                    {'action': 'slow', 'target': {'host': 'web-3'}}, oa)
    t.ok(wait_state(srv, oa, 'alert-r2', slow.json['id'], ('running',), 10),
         'a slow run holds the slot')
    r = srv.post('/api/response/alert-r1/response-action',
                 {'action': 'gone', 'target': {'ip': '10.0.0.7'}}, oa)
    t.eq(r.status, 202, 'an installed action is accepted')
    os.unlink(os.path.join(tmp, 'gone'))
    done = wait_state(srv, oa, 'alert-r1', r.json['id'], ('success', 'failed'), 30)
    steps = (done or {}).get('details', {}).get('steps') or [{}]
    t.ok(done and done['state'] == 'failed' and steps[0].get('attempts') == 1
         and 'No such file or directory' in (steps[0].get('error') or ''),
         'a program that cannot be executed fails once: no retries', done)
    t.ok(done and 'after 1 attempt:' in done['details'].get('reason', ''),
         'the reason names one attempt', done)
    wait_state(srv, oa, 'alert-r2', slow.json['id'], ('success', 'failed'), 30)


def test_kill_switch(srv, oa, argv_log):
    before = len(argv_runs(argv_log))
    t.eq(srv.post('/api/v1/config/kill-switch/activate', {'reason': 'drill'}, oa).status, 200,
         'kill switch activated')
    r = srv.post('/api/response/alert-r1/response-action',
                 {'action': 'block_ip', 'target': {'ip': '10.9.9.9'}}, oa)
    t.ok(r.status == 409 and r.error == "Auto-resolution is stopped (kill switch): response "
         "'block_ip' not run", 'kill switch: 409', r)
    last = responses(srv, oa, 'alert-r1')[-1]
    t.ok(last['state'] == 'refused' and 'kill switch' in last['details']['reason']
         and last['target'] == {'ip': '10.9.9.9'}, 'the refused row is recorded', last)
    time.sleep(0.5)
    t.eq(len(argv_runs(argv_log)), before, 'the script did not run')
    t.eq(srv.post('/api/v1/config/kill-switch/deactivate', {}, oa).status, 200,
         'kill switch deactivated')


def test_replay_refused(srv, user, argv_log):
    """Seed 001's auto-resolve must not let a plain user run a security
    response again (SECRESP-/SECALERT- ids or category security)."""
    before = len(argv_runs(argv_log))
    for iid, cat in (('SECRESP-1', 'database'), ('SECALERT-1', 'database'), ('SEC-X', 'security')):
        inc = {'incident_id': iid, 'title': 'replay', 'description': 'replay', 'category': cat,
               'priority': 'high', 'confidence_score': 0.99, 'created_by': 'user'}
        r = srv.post('/api/v1/incidents/%s/auto-resolve' % iid, inc, user)
        t.ok(r.status == 403 and 'Ops Analyst' in (r.error or ''),
             'a User re-submitting %s (%s) through seed 001: 403' % (iid, cat), r)
    time.sleep(0.5)
    t.eq(len(argv_runs(argv_log)), before, 'no response action ran again')


def test_results_and_ml(srv, oa, user):
    url = '/api/response/alert-r1/response-result'
    r = srv.post(url, {'status': 'success', 'details': {'action_id': 'act-456',
                                                        'applied_at': '2025-08-17T12:05:00Z'}},
                 user)
    t.ok(r.status == 201 and r.json['state'] == 'reported' and r.json['action'] == 'result'
         and r.json['details']['details']['action_id'] == 'act-456', 'response-result: 201', r)
    first = responses(srv, oa, 'alert-r1')[0]
    r = srv.post(url, {'status': 'rolled_back', 'details': {'action_id': first['id']}}, user)
    t.ok(r.status == 201 and r.json['action'] == 'block_ip'
         and r.json['incident_id'] == first['incident_id'],
         'a report naming a response takes its action and incident', r)
    t.eq(responses(srv, oa, 'alert-r1')[0]['state'], 'success', 'the run row is not changed')
    r = srv.post(url, {'details': {}}, user)
    t.ok(r.status == 400 and r.error == "Field 'status' is required", 'no status: 400', r)
    r = srv.post(url, {'status': 'x', 'details': []}, user)
    t.eq(r.status, 400, 'details not an object: 400')
    r = srv.post('/api/response/nope/response-result', {'status': 'x'}, user)
    t.ok(r.status == 404 and r.error == "Alert 'nope' not found", 'response-result 404', r)
    r = srv.get('/api/response/nope/responses', user)
    t.eq(r.status, 404, 'responses of an unknown alert: 404')
    r = srv.get('/api/response/alert-r1/responses', user)
    t.ok(r.status == 200 and r.headers.get('x-total-count') == str(len(r.json)),
         'responses: 200 with X-Total-Count', r)

    r = srv.post('/api/ml/alert-r1/agent-output', {'agent': 'anomaly-detector-v1', 'score': 0.72,
                                                   'metadata': {'window': 'w'}}, user)
    t.ok(r.status == 201 and r.json['kind'] == 'agent' and r.json['score'] == 0.72,
         'agent-output: 201', r)
    r = srv.post('/api/ml/alert-r1/agent-output', {'agent': 'a'}, user)
    t.ok(r.status == 400 and "'score' is required" in r.error, 'agent-output without score', r)
    r = srv.post('/api/ml/alert-r1/agent-output', {'agent': 'a', 'score': '0.7'}, user)
    t.ok(r.status == 400 and r.error == "Field 'score' must be a number", 'score a string', r)
    r = srv.post('/api/ml/nope/agent-output', {'agent': 'a', 'score': 1}, user)
    t.eq(r.status, 404, 'agent-output of an unknown alert: 404')
    t.eq(srv.post('/api/ml/alert-r1/agent-output', {'agent': 'a', 'score': 1}).status, 401,
         'agent-output without a token: 401')
    r = srv.post('/api/ml/alert-r1/aggregate-score', {'combined_score': 78,
                                                      'weights': {'anomaly': 0.6}}, user)
    t.ok(r.status == 201 and r.json['combined_score'] == 78 and r.json['weights'] == {'anomaly': 0.6},
         'aggregate-score: 201', r)
    r = srv.post('/api/ml/alert-r1/aggregate-score', {'weights': {}}, user)
    t.eq(r.status, 400, 'aggregate-score without combined_score: 400')
    r = srv.post('/api/llm/alert-r1/llm-result', {'summary': 'credential stuffing'}, user)
    t.ok(r.status == 201 and r.json['score'] is None and r.json['kind'] == 'llm',
         'llm-result without a score: 201', r)
    r = srv.post('/api/llm/alert-r1/llm-result', {'score': 0.5}, user)
    t.eq(r.status, 400, 'llm-result without summary: 400')
    rows = srv.db_query("SELECT kind, score FROM sec_ml_output ORDER BY id")
    t.eq(rows, [('agent', 0.72), ('aggregate', 78.0), ('llm', None)],
         'sec_ml_output holds the three outputs')


def test_tasks(srv, oa, user):
    r = srv.post('/api/tasks', {'title': 'Investigate alert-r1', 'assignee': 'alice',
                                'meta': {'priority': 'high'}, 'alert_id': 'alert-r1'}, user)
    t.ok(r.status == 201 and r.json['state'] == 'open' and r.json['meta'] == {'priority': 'high'},
         'POST /api/tasks: 201', r)
    tid = r.json['id']
    srv.post('/api/tasks', {'title': 'Other', 'assignee': 'bob'}, user)
    srv.post('/api/tasks', {'title': 'Third'}, user)
    t.eq(srv.post('/api/tasks', {'assignee': 'x'}, user).status, 400, 'task without title: 400')
    t.eq(srv.post('/api/tasks', {'title': ''}, user).status, 400, 'empty title: 400')
    t.eq(srv.post('/api/tasks', {'title': 'x', 'meta': 3}, user).status, 400, 'meta not an object')
    r = srv.post('/api/tasks', {'title': 'x', 'alert_id': 'nope'}, user)
    t.ok(r.status == 404 and r.error == "Alert 'nope' not found", 'task of an unknown alert', r)
    r = srv.get('/api/tasks', user)
    t.ok(r.status == 200 and len(r.json) == 3 and r.headers.get('x-total-count') == '3'
         and r.json[0]['title'] == 'Third', 'GET /api/tasks: newest first with X-Total-Count', r)
    r = srv.get('/api/tasks?assignee=alice', user)
    t.ok([x['id'] for x in r.json] == [tid], 'filter by assignee', r)
    r = srv.get('/api/tasks?limit=1&offset=1', user)
    t.ok(len(r.json) == 1 and r.json[0]['title'] == 'Other' and r.headers['x-total-count'] == '3',
         'paging', r)
    t.eq(srv.get('/api/tasks?state=closed', user).status, 400, 'bad state filter: 400')
    r = srv.request('PATCH', '/api/tasks/%d' % tid, {'state': 'in_progress'}, user)
    t.ok(r.status == 403, 'PATCH a task as a plain user: 403 (Ops Analyst or Engineer)', r)
    r = srv.request('PATCH', '/api/tasks/%d' % tid, {'state': 'in_progress', 'assignee': 'carol'},
                    oa)
    t.ok(r.status == 200 and r.json['state'] == 'in_progress' and r.json['assignee'] == 'carol',
         'PATCH a task: 200', r)
    r = srv.get('/api/tasks?state=in_progress&alert_id=alert-r1', user)
    t.ok([x['id'] for x in r.json] == [tid], 'filter by state and alert', r)
    t.eq(srv.request('PATCH', '/api/tasks/%d' % tid, {'state': 'closed'}, oa).status, 400,
         'PATCH a bad state: 400')
    t.eq(srv.request('PATCH', '/api/tasks/%d' % tid, {}, oa).status, 400, 'PATCH nothing: 400')
    r = srv.request('PATCH', '/api/tasks/999999', {'state': 'done'}, oa)
    t.ok(r.status == 404 and r.error == 'Task 999999 not found', 'PATCH an unknown task: 404', r)
    t.eq(srv.get('/api/tasks').status, 401, 'tasks without a token: 401')


def test_admin(srv, admin, oa):
    t.eq(srv.get('/api/admin/export', oa).status, 403, 'export as Ops Analyst: 403')
    r = srv.get('/api/admin/export', admin)
    t.ok(r.status == 200 and r.json['count'] == 0 and r.json['scope'] == 'export_ready',
         'export: nothing marked yet', r)
    r = srv.post('/api/admin/alert-r1/export-ready', None, admin)
    t.ok(r.status == 200 and r.json['id'] == 'alert-r1' and r.json['export_ready_at'],
         'export-ready: 200', r)
    r = srv.post('/api/admin/nope/export-ready', None, admin)
    t.ok(r.status == 404 and r.error == "Alert 'nope' not found", 'export-ready 404', r)
    t.eq(srv.post('/api/admin/alert-r1/export-ready', None, oa).status, 403,
         'export-ready as Ops Analyst: 403')
    r = srv.get('/api/admin/export', admin)
    t.ok(r.json['count'] == 1 and r.json['alerts'][0]['id'] == 'alert-r1'
         and r.json['alerts'][0]['export_ready_at'], 'export: the marked alert', r)
    r = srv.get('/api/admin/export?all=1', admin)
    t.ok(r.json['count'] == 2 and r.json['scope'] == 'all', 'export ?all=1: every alert', r)
    t.eq(srv.get('/api/admin/export?all=2', admin).status, 400, 'export ?all=2: 400')
    r = srv.get('/api/admin/healthz', admin)
    t.ok(r.status == 200 and r.json['status'] == 'ok' and r.json['checks']['database'] == 'ok'
         and 'received' in r.json['checks']['pipeline_backlog']
         and r.json['checks']['index'].get('kind') in ('exact', 'hnsw'),
         'admin healthz: 200 ok with its checks', r)
    t.eq(srv.get('/api/admin/healthz', oa).status, 403, 'admin healthz as Ops Analyst: 403')
    audit = dict(srv.db_query("SELECT action, COUNT(*) FROM audit_log WHERE entity = "
                              "'SecurityAlert' GROUP BY action"))
    t.ok(audit.get('Security Response Requested', 0) >= 5 and audit.get('Security Response Refused')
         == 2 and audit.get('Security Response Finished', 0) >= 5
         and audit.get('Security Export Ready') == 1, 'the decisions are audited', audit)


def test_escalation(tmp):
    """An ESCALATE verdict opens the alert's security incident; with
    security.escalation_action = block_ip its run blocks the alert's first
    IP observable through the runner (S0 95: confidence 0.95 passes the
    default 0.90)."""
    log = os.path.join(tmp, 'esc-argv.log')
    write_script(os.path.join(tmp, 'esc-block'), SCRIPT, log=log)
    conf = os.path.join(tmp, 'esc.conf')
    actions = {'block_ip': {'kind': 'command', 'argv': [os.path.join(tmp, 'esc-block'),
                                                        '${target.ip}', '${alert.id}']}}
    with open(conf, 'w') as f:
        f.write('[security]\nactions = %s\nescalation_action = block_ip\n' % json.dumps(actions))
    srv = Server(args=['--config', conf]).start()
    try:
        admin, oa, user = users(srv)
        add_alert(srv, admin, 'alert-e1')
        if srv.get('/api/security/alerts/alert-e1', admin).status != 200:
            t.skip('escalation end to end', 'this build has no security alerts routes (wt-core)')
            return
        wait_for(lambda: srv.get('/api/security/alerts/alert-e1', admin).json.get('stage')
                 in ('triaged', 'failed'), 10)
        norm = {'original': {'source': 'syslog'}, 'mappings': [],
                'normalized': {'severity': 'high', 'title': 'Failed SSH login',
                               'observables': [{'type': 'user', 'value': 'root'},
                                               {'type': 'ip', 'value': '192.0.2.77'}]}}
        r = srv.post('/api/normalization/alert-e1/normalized', norm, admin)
        t.eq(r.status, 200, 'normalized form with an IP observable stored')
        srv.db_exec("UPDATE sec_alert SET s0 = 95 WHERE id = 'alert-e1'")
        r = srv.post('/api/verdicts/alert-e1/verdict', {'classification': 'ESCALATE',
                                                        'confidence': 0.9}, oa)
        t.eq(r.status, 201, 'ESCALATE verdict: 201')
        row = srv.db_query("SELECT incident_id FROM sec_alert WHERE id = 'alert-e1'")
        inc = row[0][0] if row else None
        t.ok(inc and inc.startswith('SECALERT-'), 'the alert records its incident', row)
        i = srv.get('/api/v1/incidents/%s' % inc, oa)
        t.ok(i.status == 200 and i.json['category'] == 'security'
             and i.json['priority'] == 'critical', 'a security incident, priority from S0', i)
        got = wait_for(lambda: argv_runs(log), 15)
        t.eq(got, [['192.0.2.77', 'alert-e1']], 'its run blocked the first IP observable')
        done = wait_for(lambda: [x for x in responses(srv, oa, 'alert-e1')
                                 if x['state'] in ('success', 'failed')], 10)
        t.ok(done and done[0]['state'] == 'success' and done[0]['incident_id'] == inc
             and done[0]['actor'] == 'oa', 'the escalation response row ends success', done)
        r = srv.post('/api/verdicts/alert-e1/verdict', {'classification': 'ESCALATE',
                                                        'confidence': 0.9}, oa)
        time.sleep(0.5)
        t.eq(len(argv_runs(log)), 1, 'a second ESCALATE does not escalate again')
    finally:
        srv.stop()
        srv.cleanup()


def main():
    tmp = tempfile.mkdtemp(prefix='resops-resp-')
    recv, hook_port, hook_log = start_receiver(tmp, 'hook.log')
    conf, argv_log, slow_log = setup(tmp, hook_port)
    srv = Server(args=['--config', conf]).start()
    try:
        admin, oa, user = users(srv)
        add_alert(srv, admin, 'alert-r1')
        add_alert(srv, admin, 'alert-r2')
        test_action_runs(srv, admin, oa, user, argv_log, hook_log)
        test_concurrency(srv, oa, slow_log)
        test_not_installed(srv, oa, tmp)
        test_kill_switch(srv, oa, argv_log)
        test_replay_refused(srv, user, argv_log)
        test_results_and_ml(srv, oa, user)
        test_tasks(srv, oa, user)
        test_admin(srv, admin, oa)
    finally:
        srv.stop()
        srv.cleanup()
        recv.terminate()
        recv.wait()
    test_escalation(tmp)
    # a bad security.actions is a usage error before anything starts
    bad = os.path.join(tmp, 'bad.conf')
    with open(bad, 'w') as f:
        f.write('[security]\nactions = {"x": {"kind": "command", "argv": ["/bin/true", '
                '"${secret}"]}}\n')
    s2 = Server(args=['--config', bad])
    try:
        s2.start(timeout=5)
        t.ok(False, 'a bad security.actions refuses to start')
    except RuntimeError as e:
        t.ok('security.actions.x: unknown placeholder ${secret}' in str(e)
             and s2.proc is None, 'a bad security.actions: exit with the reason', str(e)[-300:])
    s2.cleanup()
    import shutil
    shutil.rmtree(tmp, ignore_errors=True)
    t.done()


main()
