#!/usr/bin/python3
"""Seed 001 (incident auto-resolution) against the real binary: the
acceptance table through /api/v1 (below-threshold refused, at-threshold
resolved, category disabled, kill switch mid-batch, notification row,
full audit trail), the concurrency limit under load (100 incidents, a
1-second step, limit 10), retries then a human alert, bad input, roles,
playbook steps (command, HTTP, internal actions), the engine opening
incidents for Down services with its loop guard, and a restart that
resumes an interrupted run.

Issue 9: commands and URLs come only from the host's playbook file (D4:
the API can only name its actions), a partial PUT /api/v1/config that
never lifts a stop (B1), a failed run always alerts a human (B2), an
unknown service_id is a 400 and a batch is checked before it runs (B5,
D1), a run that acts on nothing ends no_action (B7), ack_alerts only
acknowledges cleared alerts, the audit names the signed-in user (B4), and
a waiting request is woken when its run ends.

Prints TAP; one check = one case. Run: RESOPS_BIN=build/resops tests/api/test_v1.py
"""
import http.server
import json
import urllib.parse
import os
import shutil
import tempfile
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, Server, Tap  # noqa: E402

t = Tap()
PY = sys.executable or '/usr/bin/python3'
KILL = 'Auto-resolution is globally disabled (kill switch active)'
NO_ROLE = 'Forbidden: Insufficient role permissions'


def incident(iid, category='database', confidence=0.95, **kw):
    d = {'incident_id': iid, 'title': 'Incident ' + iid, 'description': 'test incident',
         'category': category, 'priority': 'high', 'confidence_score': confidence,
         'created_by': 'user123'}
    d.update(kw)
    return d


def resolve(srv, tok, inc):
    return srv.post('/api/v1/incidents/%s/auto-resolve' % inc['incident_id'], inc, tok)


def trail(srv, tok, iid):
    r = srv.get('/api/v1/audit/incident/' + iid, tok)
    return r.json if r.status == 200 else []


def actions(srv, tok, iid):
    return [e['action'] for e in trail(srv, tok, iid)]


def put_category(srv, tok, category, **kw):
    cc = {'category': category}
    cc.update(kw)
    return srv.put('/api/v1/config', {'category_config': cc}, tok)


def v1_error(r, status, message, name):
    t.ok(r.status == status and isinstance(r.json, dict) and r.json.get('error') == message and
         r.json.get('status_code') == status, name, r)


def action_step(name, **kw):
    d = {'type': 'action', 'action': name}
    d.update(kw)
    return d


def write_playbooks(path, actions, categories=None):
    """The host's playbook file (resolve.playbook_file)."""
    doc = {'actions': actions}
    doc.update(categories or {})
    with open(path, 'w') as f:
        json.dump(doc, f)
    return path


def wait_until(fn, timeout=20.0, step=0.1):
    end = time.time() + timeout
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(step)
    return fn()


# ---------------------------------------------------------------------------
def accounts(srv):
    srv.signup('admin', 'adminpass')
    admin = srv.login('admin', 'adminpass')
    srv.signup('olivia', 'password123', 'Ops Analyst', admin)
    srv.signup('uma', 'password123')
    return admin, srv.login('olivia'), srv.login('uma')


def health_and_roles(srv, admin, oa, user):
    r = srv.get('/health')
    t.eq(r.json, {'status': 'healthy', 'service': 'auto-resolution-system', 'version': r.json.get('version')},
         'GET /health: public, seed 001 shape')
    t.ok(isinstance(r.json.get('version'), str) and r.json['version'], 'GET /health carries our version')
    r = srv.get('/api/v1/config')
    t.eq(r.status, 401, 'GET /api/v1/config needs a token (design: JWT for the seeds\' APIs)')
    r = resolve(srv, None, incident('INC-NOAUTH'))
    t.eq(r.status, 401, 'POST auto-resolve needs a token')
    r = srv.get('/api/v1/config', user)
    t.eq(r.status, 200, 'any signed-in user reads the configuration')
    r = srv.put('/api/v1/config', {'default_confidence_threshold': 0.9}, user)
    t.ok(r.status == 403 and r.error == NO_ROLE, 'PUT /api/v1/config as a plain user: 403', r)
    r = srv.post('/api/v1/config/kill-switch/activate?actor=uma', None, user)
    t.ok(r.status == 403 and r.error == NO_ROLE, 'kill switch as a plain user: 403', r)
    r = srv.post('/api/v1/config/kill-switch/deactivate?actor=uma', None, user)
    t.eq(r.status, 403, 'kill switch deactivate as a plain user: 403')
    r = srv.put('/api/v1/config', {'default_confidence_threshold': 0.9}, oa)
    t.eq(r.status, 200, 'PUT /api/v1/config as Ops Analyst: 200')
    r = srv.get('/api/v1/config', user)
    c = r.json
    t.ok(c['global_enabled'] is True and c['default_confidence_threshold'] == 0.9 and
         c['max_concurrent_resolutions'] == 10 and c['notification_recipients'] == [],
         'GET /api/v1/config: the seed\'s defaults', c)
    t.eq(sorted(c['category_configs']), sorted(['network', 'database', 'application', 'security',
                                                'infrastructure', 'user_access']),
         'category_configs lists the six categories')
    db = c['category_configs']['database']
    t.ok(db['auto_resolution_enabled'] is True and db['confidence_threshold'] == 0.9 and
         db['max_retry_attempts'] == 3 and db['notification_required'] is True,
         'a category\'s defaults (enabled, 0.90, 3 retries, notify)', db)
    t.eq([s['action'] for s in db['playbook']], ['connection_check', 'pool_clear', 'health_check'],
         'database\'s default steps are the seed\'s names')
    r = srv.get('/api/v1/config/category/network', user)
    t.ok(r.status == 200 and r.json['category'] == 'network' and r.json['playbook_source'] == 'default',
         'GET /api/v1/config/category/network', r)


def acceptance(srv, admin, oa):
    # 1. only incidents at or above the threshold are resolved
    r = resolve(srv, admin, incident('INC-LOW', confidence=0.85))
    t.ok(r.status == 200 and r.json['success'] is False and
         r.json['message'] == 'Auto-resolution skipped: Confidence score 85.00% below threshold 90.00%'
         and r.json['resolution_steps'] == [] and r.json['resolved_at'] is None,
         'acceptance: 0.85 is refused with the seed\'s reason', r)
    t.eq(r.json.get('state'), 'skipped', 'N9: a refusal\'s answer carries state skipped, as runs carry theirs')
    r = srv.get('/api/v1/incidents/INC-LOW', admin)
    t.ok(r.status == 200 and r.json['state'] == 'skipped' and r.json['status'] == 'open' and
         'below threshold' in r.json['state_reason'], 'a refused incident is stored skipped, with why', r)
    tr = trail(srv, admin, 'INC-LOW')
    t.eq([e['action'] for e in tr], ['auto_resolution_skipped', 'auto_resolution_attempted'],
         'refusal audited: attempted, then skipped (newest first)')
    t.ok(tr and tr[0]['details'].get('reason') == 'Confidence score 85.00% below threshold 90.00%' and
         tr[0]['confidence_score'] == 0.85, 'the skip entry carries the reason and the confidence', tr[:1])

    # B7: the seed's default steps only record; such a run is never reported
    # as auto-resolved
    r = resolve(srv, admin, incident('INC-NOOP', confidence=0.95))
    t.ok(r.status == 200 and r.json['success'] is False and
         r.json['message'] == 'No action taken: the database playbook has no step that acts' and
         r.json.get('state') == 'no_action' and r.json['resolved_at'] is None and
         [s['action'] for s in r.json['resolution_steps']] == ['connection_check', 'pool_clear', 'health_check'],
         'B7_noop_run_is_no_action: default steps end no_action, success false, steps listed', r)
    g = srv.get('/api/v1/incidents/INC-NOOP', admin).json
    t.ok(g['state'] == 'no_action' and g['status'] == 'open' and g['auto_resolved'] is False,
         'B7_noop_run_is_no_action: stored no_action, status stays open, not auto_resolved', g)
    tr = actions(srv, admin, 'INC-NOOP')
    t.ok(tr[0] == 'auto_resolution_no_action' and 'auto_resolution_success' not in tr and
         'notification_sent' not in tr, 'B7_noop_run_is_no_action: audited no_action, nobody told "resolved"', tr)
    r = put_category(srv, oa, 'database', playbook=[{'type': 'noop', 'action': 'y'}])
    r = resolve(srv, admin, incident('INC-NOOP2', confidence=0.95))
    t.ok(r.json['success'] is False and r.json['message'].startswith('No action taken'),
         'B7_noop_run_is_no_action: a configured noop-only playbook too', r)
    put_category(srv, oa, 'database', playbook=[action_step('db_fix', description='Check connections'),
                                                 {'type': 'noop', 'action': 'pool_clear'},
                                                 {'type': 'noop', 'action': 'health_check'}])

    r = resolve(srv, admin, incident('INC-AT', confidence=0.90))
    ok = r.status == 200 and r.json['success'] is True and \
        r.json['message'] == 'Incident successfully auto-resolved'
    t.ok(ok, 'acceptance: exactly 0.90 is auto-resolved', r)
    steps = r.json.get('resolution_steps', []) if r.json else []
    t.eq([s['action'] for s in steps], ['db_fix', 'pool_clear', 'health_check'],
         'the response lists every executed step')
    t.eq(steps[0]['description'] if steps else None, 'Check connections',
         'a named action: the playbook\'s own description wins')
    t.ok(all(s['success'] is True and s['step_id'] and s['executed_at'] and s['error_message'] is None
             for s in steps) and r.json.get('resolved_at'), 'steps are successful, dated, resolved_at set', steps)
    r = srv.get('/api/v1/incidents/INC-AT', admin)
    t.ok(r.json['state'] == 'resolved' and r.json['status'] == 'auto_resolved' and
         r.json['auto_resolved'] is True and r.json['steps_done'] == 3, 'stored resolved / auto_resolved', r)

    # 2. every action logged in detail: the full trail
    tr = trail(srv, admin, 'INC-AT')
    t.eq([e['action'] for e in tr],
         ['notification_sent', 'auto_resolution_success', 'step_executed', 'step_executed',
          'step_executed', 'auto_resolution_attempted'],
         'acceptance: full audit trail of an auto-resolution, newest first')
    stamps = [e['timestamp'] for e in tr]
    t.ok(stamps == sorted(stamps, reverse=True), 'the trail is ordered newest first', stamps)
    succ = [e for e in tr if e['action'] == 'auto_resolution_success']
    t.ok(succ and succ[0]['details']['step_count'] == 3 and
         len(succ[0]['details']['resolution_steps']) == 3 and succ[0]['confidence_score'] == 0.9 and
         succ[0]['success'] is True and succ[0]['actor'] == 'system',
         'success entry: steps, step_count, confidence, actor system', succ)
    att = [e for e in tr if e['action'] == 'auto_resolution_attempted']
    t.ok(att and att[0]['details'].get('message') == 'Auto-resolution process initiated' and
         att[0]['details'].get('requested_by') == 'admin', 'attempted entry names who asked', att)
    st = [e for e in tr if e['action'] == 'step_executed']
    t.ok(all(e['details'].get('attempt') == 1 for e in st) and
         [e['details'].get('type') for e in st] == ['noop', 'noop', 'command'],
         'step entries: attempt and type (the named action ran its command)', st)

    # 3. the creator is notified (the outbox row is the proof)
    nt = [e for e in tr if e['action'] == 'notification_sent']
    t.ok(nt and nt[0]['details'] == {'recipient': 'user123', 'notification_type': 'auto_resolution'},
         'acceptance: notification_sent names the creator', nt)
    rows = srv.db_query("SELECT channel, payload FROM outbox WHERE payload LIKE '%INC-AT%'")
    p = json.loads(rows[0][1]) if rows else {}
    t.ok(len(rows) == 1 and rows[0][0] == 'event' and p.get('type') == 'auto_resolution' and
         p.get('source') == 'incident' and 'user123' in p.get('message', ''),
         'acceptance: one outbox row tells the creator', rows)

    for cat in ('application', 'network'):
        put_category(srv, oa, cat, playbook=[action_step('ok')])
    r = put_category(srv, oa, 'application', notification_required=False)
    t.eq(r.status, 200, 'notification_required false for application')
    r = resolve(srv, admin, incident('INC-QUIET', 'application'))
    t.ok(r.json['success'] is True and 'notification_sent' not in actions(srv, admin, 'INC-QUIET') and
         not srv.db_query("SELECT 1 FROM outbox WHERE payload LIKE '%INC-QUIET%'"),
         'notification_required false: no notification (the seed notifies anyway: bug)', r)

    r = srv.put('/api/v1/config', {'notification_recipients': ['oncall@example.com']}, oa)
    r = resolve(srv, admin, incident('INC-CC', 'network'))
    nts = [e['details']['recipient'] for e in trail(srv, admin, 'INC-CC') if e['action'] == 'notification_sent']
    t.eq(sorted(nts), ['oncall@example.com', 'user123'], 'notification_recipients are notified too')
    srv.put('/api/v1/config', {'notification_recipients': []}, oa)

    # 4. configurable by category
    r = put_category(srv, oa, 'security', auto_resolution_enabled=False)
    t.ok(r.status == 200 and r.json['category_configs']['security']['auto_resolution_enabled'] is False,
         'PUT category_config disables security', r)
    ks = [e for e in trail(srv, admin, 'SYSTEM') if e['action'] == 'kill_switch_activated']
    t.ok(ks and ks[0]['details'].get('category') == 'security' and ks[0]['actor'] == 'olivia',
         'B1_stop_through_put_is_a_kill_switch: audited kill_switch_activated', ks[:1])
    r = resolve(srv, admin, incident('INC-SEC', 'security', 0.99))
    t.ok(r.json['success'] is False and
         r.json['message'] == 'Auto-resolution skipped: Auto-resolution disabled for category: security',
         'acceptance: a disabled category is refused', r)
    cfg = [e for e in trail(srv, admin, 'SYSTEM') if e['action'] == 'config_updated']
    ch = cfg[0]['details']['changes'] if cfg else {}
    t.ok('category_config.security' in ch and ch['category_config.security']['old'] is None and
         ch['category_config.security']['new']['auto_resolution_enabled'] is False and
         cfg[0]['actor'] == 'olivia', 'config_updated: changes {key: {old, new}}, actor', cfg[:1])
    r = put_category(srv, oa, 'database', confidence_threshold=0.97)
    r = resolve(srv, admin, incident('INC-DB96', 'database', 0.96))
    t.eq(r.json['message'], 'Auto-resolution skipped: Confidence score 96.00% below threshold 97.00%',
         'a category\'s own threshold applies')
    r = resolve(srv, admin, incident('INC-NET96', 'network', 0.96))
    t.eq(r.json['success'], True, 'other categories keep the default threshold')
    put_category(srv, oa, 'database', confidence_threshold=0.9)
    r = srv.post('/api/v1/config/kill-switch/deactivate?category=security', None, oa)
    t.eq(r.json['category_configs']['security']['auto_resolution_enabled'], True,
         'a category stopped through PUT is lifted by the kill-switch endpoint')

    # already resolved
    r = resolve(srv, admin, incident('INC-AT', confidence=0.99))
    t.eq(r.json['message'], 'Auto-resolution skipped: Incident already in status: auto_resolved',
         'a resolved incident is not resolved twice')
    t.eq(srv.get('/api/v1/incidents/INC-AT', admin).json['state'], 'resolved', '... and stays resolved')
    r = resolve(srv, admin, incident('INC-CLOSED', status='closed'))
    t.eq(r.json['message'], 'Auto-resolution skipped: Incident already in status: closed',
         'a closed incident is refused')


def kill_switch(srv, admin, oa, tmp):
    # B4: the audit names the signed-in user; ?actor= may only repeat it
    r = srv.post('/api/v1/config/kill-switch/activate?actor=someone-else&reason=spoof', None, oa)
    v1_error(r, 400, "Query parameter 'actor' must be your own username (olivia): the audit records "
             "the signed-in user", 'B4_actor_is_the_signed_in_user: a forged ?actor= is 400')
    t.ok(srv.get('/api/v1/config', admin).json['global_enabled'] is True, '... and nothing was switched')
    r = srv.post('/api/v1/config/kill-switch/activate', None, oa)
    t.ok(r.status == 200 and r.json['global_enabled'] is False and r.json['kill_switch']['actor'] == 'olivia'
         and r.json['kill_switch']['reason'] == 'Emergency activation',
         'B4_actor_is_the_signed_in_user: activate without ?actor= records the caller', r)
    r = resolve(srv, admin, incident('INC-KS', 'network', 0.99))
    t.eq(r.json['message'], 'Auto-resolution skipped: ' + KILL, 'acceptance: kill switch refuses at once')
    ks = [e for e in trail(srv, admin, 'SYSTEM') if e['action'] == 'kill_switch_activated']
    t.ok(ks and ks[0]['actor'] == 'olivia' and ks[0]['details']['reason'] == 'Emergency activation' and
         'disabled' in ks[0]['details']['message'], 'kill_switch_activated audited with actor and reason', ks[:1])
    v1 = srv.get('/api/v1/audit?action=kill_switch_activated&limit=1', admin).json
    t.ok(v1 and v1[0]['actor'] == 'olivia', 'B4_actor_is_the_signed_in_user: /api/v1/audit shows the username', v1)
    uid = srv.db_query("SELECT id FROM user WHERE username = 'olivia'")
    row = srv.db_query("SELECT user_id, detail FROM audit_log WHERE action = 'Kill Switch Activated' "
                       "ORDER BY id DESC LIMIT 1")
    t.ok(uid and row and row[0][0] == uid[0][0] and 'olivia' in row[0][1],
         'B4_actor_is_the_signed_in_user: the audit_log row carries the user id', (uid, row))
    r = srv.put('/api/v1/config?actor=carol', {'max_concurrent_resolutions': 10}, oa)
    t.ok(r.status == 400 and "'actor' must be your own username (olivia)" in (r.error or ''),
         'B4_actor_is_the_signed_in_user: PUT /api/v1/config with a forged ?actor= is 400', r)
    # B1: PUT never lifts the kill switch; only the endpoint does
    r = srv.put('/api/v1/config', {'global_enabled': True}, oa)
    v1_error(r, 409, "Field 'global_enabled': the kill switch is active; only POST "
             "/api/v1/config/kill-switch/deactivate lifts it", 'B1_put_never_lifts_the_kill_switch: 409')
    t.ok(srv.get('/api/v1/config', admin).json['global_enabled'] is False, '... and it stays active')
    r = srv.post('/api/v1/config/kill-switch/deactivate?actor=OLIVIA', None, oa)
    t.ok(r.status == 200 and r.json['global_enabled'] is True, 'deactivate (?actor= the caller, any case)', r)
    t.ok('kill_switch_deactivated' in actions(srv, admin, 'SYSTEM'), 'kill_switch_deactivated audited')

    # mid-batch: two 2-second steps, two at a time, eight incidents
    log = os.path.join(tmp, 'ks-steps.log')
    put_category(srv, oa, 'infrastructure', playbook=[action_step('drain'), action_step('restart')])
    srv.put('/api/v1/config', {'max_concurrent_resolutions': 2}, oa)
    out = {}
    batch = [incident('KS-%d' % i, 'infrastructure', 0.99) for i in range(8)]
    th = threading.Thread(target=lambda: out.update(r=srv.post('/api/v1/incidents/batch-resolve', batch, admin)))
    th.start()
    # the two running incidents are in their first (2-second) step: both
    # logged their start, and the limit holds the other six queued
    started = wait_until(lambda: os.path.exists(log) and len(open(log).read().splitlines()) >= 2 and
                         srv.db_query("SELECT count(*) FROM incident WHERE incident_id LIKE 'KS-%' "
                                      "AND state = 'resolving'")[0][0] == 2, 10, 0.02)
    t.ok(started, 'two steps of the batch are running')
    r = srv.post('/api/v1/config/kill-switch/activate?reason=mid-batch+test', None, oa)
    after = time.time()
    th.join(60)
    res = out['r'].json or []
    starts = [line.split() for line in open(log).read().splitlines()]
    t.ok(r.status == 200 and r.json['kill_switch']['reason'] == 'mid-batch test', 'activated mid-batch', r)
    t.ok(out['r'].status == 200 and len(res) == 8, 'the batch answers one result per incident', out['r'])
    t.ok(starts and all(float(s[2]) < after for s in starts),
         'acceptance: no step starts after the kill switch is activated', (starts, after))
    t.eq(len(starts), 2, 'only the two running incidents ran a step (limit 2)')
    t.ok(all(x['success'] is False and x['message'].startswith('Auto-resolution skipped: ' + KILL) for x in res),
         'every incident of the batch is skipped with the kill switch reason', res)
    running = [x for x in res if len(x['resolution_steps']) == 1]
    t.ok(len(running) == 2 and all('(stopped before step 2 of 2)' in x['message'] for x in running),
         'running ones stop before their next step', running)
    st = srv.db_query("SELECT count(*) FROM incident WHERE incident_id LIKE 'KS-%' AND state = 'skipped'")
    t.eq(st[0][0], 8, 'all eight stored skipped')
    srv.post('/api/v1/config/kill-switch/deactivate', None, oa)
    srv.put('/api/v1/config', {'max_concurrent_resolutions': 10}, oa)

    # per category (ours): ?category=
    put_category(srv, oa, 'database', confidence_threshold=0.6, max_retry_attempts=1,
                 notification_required=False)
    r = srv.post('/api/v1/config/kill-switch/activate?reason=db+maintenance&category=database',
                 None, oa)
    db = r.json['category_configs']['database'] if r.status == 200 else {}
    t.ok(r.json['global_enabled'] is True and db.get('auto_resolution_enabled') is False and
         db.get('kill_switch', {}).get('reason') == 'db maintenance', 'per-category kill switch', r)
    r1 = resolve(srv, admin, incident('INC-PCK1', 'database', 0.99))
    r2 = resolve(srv, admin, incident('INC-PCK2', 'network', 0.99))
    t.ok(r1.json['message'] == 'Auto-resolution skipped: Auto-resolution disabled for category: database'
         and r2.json['success'] is True, 'it stops only its category', (r1, r2))
    ks = [e for e in trail(srv, admin, 'SYSTEM') if e['action'] == 'kill_switch_activated']
    t.ok(ks and ks[0]['details'].get('category') == 'database', 'audited with details.category', ks[:1])
    # B1 (the review's reproduction): a playbook update keeps the stop and
    # every setting it does not send
    r = put_category(srv, oa, 'database', playbook=[{'type': 'noop', 'action': 'y'}])
    db = r.json['category_configs']['database'] if r.status == 200 else {}
    t.ok(db.get('auto_resolution_enabled') is False and db.get('confidence_threshold') == 0.6 and
         db.get('max_retry_attempts') == 1 and db.get('notification_required') is False and
         [x['action'] for x in db.get('playbook', [])] == ['y'],
         'B1_partial_config_keeps_fields: a playbook update keeps the stop, threshold, retries, notify', r)
    t.ok(actions(srv, admin, 'SYSTEM')[0] == 'config_updated' and
         'kill_switch_deactivated' not in actions(srv, admin, 'SYSTEM')[:3],
         'B1_partial_config_keeps_fields: audited config_updated only')
    r = put_category(srv, oa, 'database', auto_resolution_enabled=True)
    t.ok(r.status == 409 and 'kill-switch/deactivate?category=database' in (r.error or ''),
         'B1_put_never_lifts_a_category_stop: 409 naming the endpoint', r)
    t.eq(srv.get('/api/v1/config/category/database', admin).json['auto_resolution_enabled'], False,
         '... and database stays stopped')
    r = srv.post('/api/v1/config/kill-switch/deactivate?category=database', None, oa)
    t.eq(r.json['category_configs']['database']['auto_resolution_enabled'], True, 'per-category deactivate')
    put_category(srv, oa, 'database', confidence_threshold=0.9, max_retry_attempts=3, notification_required=True,
                 playbook=[action_step('db_fix')])
    r = srv.post('/api/v1/config/kill-switch/activate?category=storage', None, oa)
    v1_error(r, 400, 'Invalid category: storage', 'per-category kill switch: unknown category 400')

    # PUT global_enabled false is the kill switch too (seed)
    r = srv.put('/api/v1/config', {'global_enabled': False}, oa)
    acts = actions(srv, admin, 'SYSTEM')[:2]
    t.ok(r.json['global_enabled'] is False and acts == ['config_updated', 'kill_switch_activated'],
         'PUT global_enabled false: kill_switch_activated + config_updated', acts)
    r = srv.put('/api/v1/config', {'global_enabled': False, 'default_confidence_threshold': 0.9}, oa)
    t.eq(r.status, 200, 'PUT global_enabled false while stopped: accepted, nothing lifted')
    srv.post('/api/v1/config/kill-switch/deactivate', None, oa)


CONC_SCRIPT = '''import fcntl, os, sys, time
d = sys.argv[1]
def bump(delta):
    with open(os.path.join(d, 'lock'), 'a') as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        def rd(n):
            try:
                return int(open(os.path.join(d, n)).read() or 0)
            except OSError:
                return 0
        cur = rd('cur') + delta
        open(os.path.join(d, 'cur'), 'w').write(str(cur))
        if cur > rd('max'):
            open(os.path.join(d, 'max'), 'w').write(str(cur))
        if delta > 0:
            open(os.path.join(d, 'starts'), 'a').write('x\\n')
bump(1)
time.sleep(1)
bump(-1)
'''


def concurrency(srv, admin, oa, tmp):
    d = os.path.join(tmp, 'conc')
    put_category(srv, oa, 'user_access', playbook=[action_step('slow_fix')])
    r = srv.put('/api/v1/config', {'max_concurrent_resolutions': 10}, oa)
    t.eq(r.json['max_concurrent_resolutions'], 10, 'limit set to 10')
    batch = [incident('LOAD-%03d' % i, 'user_access', 0.99) for i in range(100)]
    out = {}
    t0 = time.time()
    th = threading.Thread(target=lambda: out.update(r=srv.post('/api/v1/incidents/batch-resolve', batch, admin)))
    th.start()
    samples = []
    while th.is_alive():
        r = srv.get('/api/v1/incidents?state=resolving&limit=1000', admin)
        c = srv.get('/api/v1/config', admin)
        if r.status == 200:
            samples.append(len(r.json))
        if c.status == 200:
            samples.append(c.json['running_resolutions'])
        time.sleep(0.1)
    th.join()
    took = time.time() - t0
    res = out['r'].json or []
    mx = int(open(os.path.join(d, 'max')).read())
    starts = len(open(os.path.join(d, 'starts')).read().split())
    t.ok(out['r'].status == 200 and len(res) == 100, '100 incidents in one batch: 100 results', out['r'])
    t.ok(len(samples) >= 20 and max(samples) <= 10, 'never more than 10 running (%d samples, max %d)'
         % (len(samples), max(samples or [0])), samples)
    t.ok(mx <= 10, 'the steps themselves never saw more than 10 at once (max %d)' % mx)
    t.ok(mx >= 8, 'and the pool really ran them in parallel (max %d)' % mx)
    t.ok(all(x['success'] for x in res) and starts == 100, 'all 100 finished successfully', res[:3])
    t.ok(took < 25, '100 one-second steps at 10 at a time took %.1f s' % took)
    t.eq(srv.db_query("SELECT count(*) FROM incident WHERE incident_id LIKE 'LOAD-%' AND state = 'resolved'")[0][0],
         100, 'all 100 stored resolved')


def retries(srv, admin, oa, tmp):
    r = srv.post('/api/services', {'name': 'Billing'}, admin)
    sid = r.json['service_id']
    log = os.path.join(tmp, 'retry.log')
    put_category(srv, oa, 'application', max_retry_attempts=2, playbook=[action_step('billing_restart')])
    r = resolve(srv, admin, incident('INC-RETRY', 'application', 0.99, service_id=sid))
    t.ok(r.status == 200 and r.json['success'] is False and r.json['message'] ==
         'Failed to auto-resolve incident: Step 1 (billing_restart) failed after 3 attempts: exit status 7',
         'a failing step: failed with the seed\'s message', r)
    t.eq(len(open(log).read().split()), 3, 'retried exactly max_retry_attempts (2) times: 3 runs')
    s = r.json['resolution_steps']
    t.ok(len(s) == 1 and s[0]['attempts'] == 3 and s[0]['success'] is False and
         s[0]['error_message'] == 'exit status 7', 'the step reports 3 attempts and the error', s)
    tr = trail(srv, admin, 'INC-RETRY')
    acts = [e['action'] for e in tr]
    t.eq(acts, ['auto_resolution_failed', 'step_executed', 'step_retry', 'step_executed', 'step_retry',
                'step_executed', 'auto_resolution_attempted'], 'every attempt and retry is audited')
    rt = [e for e in tr if e['action'] == 'step_retry']
    t.ok([e['details']['delay_ms'] for e in rt] == [200, 100] and
         [e['details']['attempt'] for e in rt] == [3, 2], 'exponential backoff: 100 ms, then 200 ms', rt)
    ex = [e for e in tr if e['action'] == 'step_executed']
    t.ok(all('disk full' in e['details'].get('output', '') and e['details']['exit_code'] == 7 for e in ex),
         'the captured output and exit code are in the audit', ex[:1])
    t.eq(srv.get('/api/v1/incidents/INC-RETRY', admin).json['state'], 'failed', 'stored failed')
    r = srv.get('/api/alerts', admin)
    al = [a for a in r.json if a['type'] == 'AutoResolutionFailed' and a['service_id'] == sid]
    t.ok(len(al) == 1 and al[0]['severity'] == 'Critical' and 'INC-RETRY' in al[0]['message'],
         'a human alert is raised on the service', r.json)
    put_category(srv, oa, 'application', max_retry_attempts=0, playbook=[action_step('once')])
    open(log, 'w').close()
    r = resolve(srv, admin, incident('INC-NORETRY', 'application', 0.99))
    t.ok(r.json['message'].endswith('failed after 1 attempt: exit status 1') and
         len(open(log).read().split()) == 1, 'max_retry_attempts 0: one attempt, no retry', r)
    ev = srv.db_query("SELECT payload FROM outbox WHERE payload LIKE '%AutoResolutionFailed%INC-NORETRY%'")
    t.ok(len(ev) == 1 and json.loads(ev[0][0])['severity'] == 'Critical',
         'without a service the human alert is a Critical notification', ev)
    al = [a for a in srv.get('/api/alerts', admin).json
          if a['type'] == 'AutoResolutionFailed' and 'INC-NORETRY' in a['message']]
    t.ok(len(al) == 1 and al[0]['service_id'] is None and al[0]['severity'] == 'Critical' and
         al[0]['acknowledged'] is False,
         'B2_failed_without_service_alerts_a_human: an incident-level Critical alert in GET /api/alerts', al)
    aid = al[0]['id'] if al else 0
    r = srv.put('/api/alerts', {'id': aid, 'acknowledged': True}, oa)
    t.ok(r.status == 200 and [a for a in srv.get('/api/alerts', admin).json if a['id'] == aid][0]['acknowledged'],
         'B2_failed_without_service_alerts_a_human: a human can acknowledge it', r)
    put_category(srv, oa, 'application', max_retry_attempts=3, playbook=[action_step('ok')])
    r = resolve(srv, admin, incident('INC-NORETRY', 'application', 0.99))
    al = [a for a in srv.get('/api/alerts', admin).json if a['id'] == aid]
    t.ok(r.json['success'] is True and al and al[0]['resolved'] is True,
         'B2_failed_without_service_alerts_a_human: resolved once a later run resolves the incident', al)
    put_category(srv, oa, 'application', playbook=[action_step('sleep5')])
    t0 = time.time()
    r = resolve(srv, admin, incident('INC-TIMEOUT', 'application', 0.99))
    t.ok(r.json['message'].endswith('timed out after 300 ms') and time.time() - t0 < 4,
         'a step is killed at its timeout', r)
    put_category(srv, oa, 'application', playbook=[action_step('nocmd')])
    r = resolve(srv, admin, incident('INC-NOCMD', 'application', 0.99))
    t.ok('cannot run /nonexistent/tool' in r.json['message'], 'a missing command fails cleanly', r)
    put_category(srv, oa, 'application', playbook=None)
    t.eq(srv.get('/api/v1/config/category/application', admin).json['playbook_source'], 'default',
         'playbook null: back to the seed\'s default steps')


class Hook(http.server.BaseHTTPRequestHandler):
    got = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0))).decode()
        Hook.got.append((self.path, body, self.headers.get('X-Token')))
        code = 500 if 'fail' in self.path else 200
        self.send_response(code)
        self.send_header('Content-Length', '2')
        self.end_headers()
        self.wfile.write(b'ok')

    def log_message(self, *a):
        pass


def steps_kinds(srv, admin, oa):
    r = srv.post('/api/services', {'name': 'Web'}, admin)
    sid = r.json['service_id']
    srv.post('/api/services/%d/status' % sid, {'status': 'Down'}, admin)
    n_alerts = len([a for a in srv.get('/api/alerts', admin).json if a['service_id'] == sid and not a['acknowledged']])
    put_category(srv, oa, 'network', playbook=[
        action_step('restart_api'),
        {'type': 'set_status', 'action': 'mark_up', 'status': 'Up'},
        {'type': 'ack_alerts', 'action': 'ack'}])
    r = resolve(srv, admin, incident('INC-HTTP', 'network', 0.99, service_id=sid))
    t.ok(r.json['success'] is True, 'http + set_status + ack_alerts playbook resolves', r)
    t.ok(Hook.got and Hook.got[-1] == ('/restart/INC-HTTP', '{"incident": "INC-HTTP", "service": "Web"}', 's3'),
         'the URL step called with method, body, headers and ${} placeholders', Hook.got)
    svc = [s for s in srv.get('/api/services', admin).json if s['id'] == sid]
    t.eq(svc[0]['status'] if svc else None, 'Up', 'set_status marked the service Up (services_set_status)')
    open_alerts = srv.db_query('SELECT id FROM alert WHERE service_id = ? AND acknowledged = 0 AND '
                               'resolved_at IS NULL', (sid,))
    acked = srv.db_query("SELECT count(*) FROM alert WHERE service_id = ? AND acknowledged_by = "
                         "'playbook:INC-HTTP'", (sid,))[0][0]
    t.ok(n_alerts >= 1 and not open_alerts and acked >= 1,
         'ack_alerts acknowledged the service\'s cleared alerts as playbook:<incident>', (open_alerts, acked))
    # N8: a request's values cannot reshape the operator's URL, body or argv
    iid = 'INC-7?admin=1#"'
    inc = incident(iid, 'network', 0.99, service_id=sid)
    r = srv.post('/api/v1/incidents/%s/auto-resolve' % urllib.parse.quote(iid, safe=''), inc, admin)
    t.ok(r.status == 200 and Hook.got and Hook.got[-1][0] == '/restart/INC-7%3Fadmin%3D1%23%22' and
         json.loads(Hook.got[-1][1]).get('incident') == iid,
         'N8_placeholders_placed_safely: the URL gets one encoded piece, the body one JSON string',
         (r, Hook.got[-1:]))
    put_category(srv, oa, 'network', max_retry_attempts=3, playbook=[action_step('marker')])
    r = resolve(srv, admin, incident('-n', 'network', 0.99))
    runs = srv.db_query("SELECT count(*) FROM playbook_run WHERE incident_id = '-n'")[0][0]
    t.ok(r.json.get('state') == 'failed' and 'placeholder ${incident_id}' in r.json.get('message', '')
         and runs == 1 and not os.path.exists(os.path.join(os.path.dirname(srv.env['RESOPS_PLAYBOOK_FILE']), 'marker--n')),
         'N8: an id that cannot be a command argument fails the step at once, nothing runs',
         (r, runs))
    put_category(srv, oa, 'network', max_retry_attempts=0, playbook=[action_step('http_fail')])
    r = resolve(srv, admin, incident('INC-HTTP500', 'network', 0.99))
    t.ok(r.json['message'].endswith('HTTP 500'), 'an unexpected HTTP status fails the step', r)

    # B7: ack_alerts leaves an alert whose condition is still there for a human
    sid2 = srv.post('/api/services', {'name': 'Cache'}, admin).json['service_id']
    srv.post('/api/services/%d/status' % sid2, {'status': 'Down'}, admin)
    put_category(srv, oa, 'network', max_retry_attempts=3, playbook=[{'type': 'ack_alerts', 'action': 'ack'}])
    r = resolve(srv, admin, incident('INC-ACKDOWN', 'network', 0.99, service_id=sid2))
    still = srv.db_query("SELECT count(*) FROM alert WHERE service_id = ? AND acknowledged = 0 AND "
                         "resolved_at IS NULL", (sid2,))[0][0]
    out = srv.db_query("SELECT output FROM playbook_run WHERE incident_id = 'INC-ACKDOWN'")
    t.ok(still >= 1 and out and '0 cleared alerts' in out[0][0] and 'still active' in out[0][0],
         'B7_ack_alerts_only_cleared: a Down service\'s alert stays unacknowledged', (still, out))
    put_category(srv, oa, 'network', playbook=None)


def bad_input(srv, admin, oa):
    before = srv.get('/api/v1/config', admin).json
    r = srv.put('/api/v1/config', {'default_confidence_treshold': 0.5}, admin)
    t.ok(r.status == 400 and (r.error or '').startswith(
         "Unknown field 'default_confidence_treshold' (accepted: global_enabled, ") and
         r.json.get('status_code') == 400,
         'N13_config_put_unknown_field_400: a mistyped field is named, not ignored', r)
    r = put_category(srv, admin, 'network', confidence_treshold=0.95)
    t.ok(r.status == 400 and (r.error or '').startswith(
         "Unknown field 'category_config.confidence_treshold'"),
         'N13_config_put_unknown_field_400: inside category_config too', r)
    after = srv.get('/api/v1/config', admin).json
    t.ok(before == after, 'N13: a refused PUT changes nothing', (before, after))
    for field in ('title', 'description', 'created_by'):
        body = json.dumps(incident('INC-U8-' + field, **{field: 'PLACEHOLDER'})).encode()
        body = body.replace(b'PLACEHOLDER', b'bad \xff\xfe bytes')
        r = srv.request('POST', '/api/v1/incidents/INC-U8-%s/auto-resolve' % field, raw=body, token=admin)
        v1_error(r, 400, "Field '%s' must be valid UTF-8" % field,
                 'D6_incident_text_must_be_utf8: %s' % field)
    r = srv.request('POST', '/api/v1/incidents/batch-resolve', token=admin,
                    raw=b'[' + json.dumps(incident('INC-U8-B')).encode().replace(
                        b'Incident INC-U8-B', b'Incident \xff') + b']')
    v1_error(r, 400, "Incident 1: Field 'title' must be valid UTF-8", 'D6_incident_text_must_be_utf8: batch')
    t.eq(srv.get('/api/v1/incidents/INC-U8-title', admin).status, 404, 'D6: nothing stored')
    r = resolve(srv, admin, incident('INC-BAD1', 'storage'))
    v1_error(r, 400, 'Invalid category: storage', 'unknown category: 400 {"error", "status_code"}')
    r = resolve(srv, admin, incident('INC-BAD2', confidence=1.5))
    v1_error(r, 400, 'Confidence score must be between 0.0 and 1.0', 'confidence 1.5: 400')
    r = resolve(srv, admin, incident('INC-BAD3', confidence=-0.1))
    v1_error(r, 400, 'Confidence score must be between 0.0 and 1.0', 'confidence -0.1: 400')
    r = resolve(srv, admin, incident('INC-BAD4', confidence='high'))
    v1_error(r, 400, "Field 'confidence_score' must be a number", 'confidence as text: 400')
    for field in ('title', 'description', 'category', 'priority', 'created_by'):
        inc = incident('INC-MISS-' + field)
        del inc[field]
        r = resolve(srv, admin, inc)
        v1_error(r, 400, "Field '%s' is required" % field, 'missing %s: 400' % field)
    inc = incident('INC-X')
    r = srv.post('/api/v1/incidents/INC-Y/auto-resolve', inc, admin)
    v1_error(r, 400, 'Incident ID in path does not match incident data', 'path/body id mismatch: 400')
    r = resolve(srv, admin, incident('INC-BAD5', priority='urgent'))
    v1_error(r, 400, 'Invalid priority: urgent', 'unknown priority: 400')
    r = resolve(srv, admin, incident('INC-BAD6', title=''))
    v1_error(r, 400, 'title must be 1 to 500 characters', 'empty title: 400')
    r = resolve(srv, admin, incident('INC-BAD7', title='x' * 501))
    v1_error(r, 400, 'title must be 1 to 500 characters', 'title over 500: 400')
    r = resolve(srv, admin, incident('INC-BAD8', tags='a'))
    v1_error(r, 400, "Field 'tags' must be an array of strings", 'tags not a list: 400')
    r = srv.post('/api/v1/incidents/INC-J/auto-resolve', token=admin, raw='{"incident_id": ')
    v1_error(r, 400, 'Request body must be valid JSON', 'malformed JSON: 400')
    r = srv.post('/api/v1/incidents/batch-resolve', [incident('B-1'), incident('B-2', confidence=2)], admin)
    v1_error(r, 400, 'Incident 2: Confidence score must be between 0.0 and 1.0', 'batch: one bad incident: 400')
    t.eq(srv.get('/api/v1/incidents/B-1', admin).status, 404, '... and nothing of the batch was written')
    # D1 / B5: an unknown service is a 400 naming the field; a batch runs nothing
    r = resolve(srv, admin, incident('W8', 'network', 0.95, service_id=99999))
    v1_error(r, 400, "Field 'service_id': no service with id 99999", 'D1_unknown_service_is_400')
    t.eq(srv.get('/api/v1/incidents/W8', admin).status, 404, 'D1_unknown_service_is_400: nothing stored')
    r = srv.post('/api/v1/incidents/batch-resolve',
                 [incident('W13', 'network', 0.95), incident('W14', 'network', 0.95, service_id=99999)], admin)
    v1_error(r, 400, "Incident 2: Field 'service_id': no service with id 99999",
             'B5_batch_checks_every_item_first: 400 naming the item and field')
    t.ok(srv.get('/api/v1/incidents/W13', admin).status == 404 and
         not srv.db_query("SELECT 1 FROM incident_audit WHERE incident_id IN ('W13', 'W14')"),
         'B5_batch_checks_every_item_first: W13 was neither stored nor run')
    t.ok(not [x for x in srv.logtext().splitlines() if ' 500 ' in x and 'api:' in x and 'W1' in x],
         'D1_unknown_service_is_400: no 500 in the log')
    r = srv.post('/api/v1/incidents/batch-resolve', {'incidents': []}, admin)
    v1_error(r, 400, 'Request body must be a JSON array', 'batch body not a list: 400')
    r = srv.post('/api/v1/incidents/batch-resolve', [], admin)
    t.ok(r.status == 200 and r.json == [], 'empty batch: []', r)
    for iid in ('INC-BAD1', 'INC-BAD2', 'INC-MISS-title'):
        t.eq(srv.get('/api/v1/incidents/' + iid, admin).status, 404, '%s was not stored' % iid)
    r = srv.get('/api/v1/config/category/storage', admin)
    v1_error(r, 400, 'Invalid category: storage', 'GET category config: unknown category 400')
    r = srv.get('/api/v1/audit?action=bogus', admin)
    v1_error(r, 400, 'Invalid action type: bogus', 'audit: unknown action 400')
    r = srv.get('/api/v1/audit?limit=0', admin)
    t.ok(r.status == 400 and r.json.get('status_code') == 400, 'audit: limit 0 is 400', r)
    r = srv.get('/api/v1/audit?limit=1001', admin)
    v1_error(r, 400, "Query parameter 'limit' must be an integer between 1 and 1000",
             'audit: limit over 1000 is 400 in seed 001\'s words')
    r = srv.put('/api/v1/config', {'default_confidence_threshold': 0.3}, oa)
    v1_error(r, 400, 'Confidence threshold should be at least 0.5 for safety', 'threshold under 0.5: 400')
    r = put_category(srv, oa, 'network', confidence_threshold=0.4)
    v1_error(r, 400, 'Confidence threshold should be at least 0.5 for safety', 'category threshold 0.4: 400')
    r = put_category(srv, oa, 'network', max_retry_attempts=11)
    v1_error(r, 400, 'max_retry_attempts must be between 0 and 10', 'retries 11: 400')
    r = srv.put('/api/v1/config', {'max_concurrent_resolutions': 0}, oa)
    v1_error(r, 400, 'max_concurrent_resolutions must be between 1 and 100', 'concurrency 0: 400')
    r = srv.put('/api/v1/config', {'category_config': {'auto_resolution_enabled': True}}, oa)
    v1_error(r, 400, "Field 'category_config.category' is required", 'category_config without category: 400')
    hint = ('is not allowed through the API: commands and URLs are defined only in the playbook file on '
            'the host (resolve.playbook_file); name one with {"type": "action", "action": "<name>"}')
    r = put_category(srv, oa, 'network', playbook=[{'type': 'command'}])
    v1_error(r, 400, "Playbook step 1: type 'command' " + hint, 'D4_api_cannot_define_commands: type command 400')
    r = put_category(srv, oa, 'network', playbook=[{'type': 'noop'}, {'type': 'http', 'url': 'http://127.0.0.1:1/'}])
    v1_error(r, 400, "Playbook step 2: field 'url' " + hint, 'D4_api_cannot_define_commands: an http step 400')
    r = put_category(srv, oa, 'network', playbook=[{'type': 'action', 'action': 'ok', 'argv': ['id']}])
    v1_error(r, 400, "Playbook step 1: field 'argv' " + hint, 'D4_api_cannot_define_commands: argv on any step 400')
    r = put_category(srv, oa, 'network', playbook=[{'type': 'shell', 'cmd': 'rm -rf /'}])
    v1_error(r, 400, "Playbook step 1: field 'cmd' " + hint, 'D4_api_cannot_define_commands: no shell step')
    r = put_category(srv, oa, 'network', playbook=[{'type': 'shell'}])
    v1_error(r, 400, "Playbook step 1: 'type' must be action, set_status, ack_alerts or noop",
             'D4_api_cannot_define_commands: the API\'s step types')
    r = put_category(srv, oa, 'network', playbook=[action_step('no-such-action')])
    v1_error(r, 400, "Playbook step 1: unknown action 'no-such-action': actions are defined in the playbook "
             "file on the host (resolve.playbook_file)", 'D4_api_names_only_defined_actions: unknown action 400')
    r = srv.put('/api/v1/config', {'category_config': {'category': 'network', 'playbook': 'id'}}, oa)
    v1_error(r, 400, "Field 'category_config.playbook' must be an array of steps", 'playbook as text: 400')
    c = srv.get('/api/v1/config', admin).json
    t.ok(sorted(a['name'] for a in c['actions']) == sorted(PLAYBOOK_ACTIONS) and
         all(set(a) == {'name', 'type', 'description'} for a in c['actions']),
         'GET /api/v1/config lists the file\'s actions by name (no argv, no URL)', c['actions'])
    r = srv.get('/api/v1/incidents?state=done', admin)
    v1_error(r, 400, 'Invalid state: done', 'incident list: unknown state 400')


def wake(srv, admin, oa):
    """Part of issue 9 item 5: a waiting auto-resolve request is woken when
    its run ends (the runner signals), not by polling every 50 ms."""
    put_category(srv, oa, 'infrastructure', playbook=[action_step('ok')])
    took = []
    for i in range(12):
        t0 = time.time()
        r = resolve(srv, admin, incident('WAKE-%d' % i, 'infrastructure', 0.99))
        took.append(time.time() - t0)
        if not (r.status == 200 and r.json['success'] is True):
            break
    took.sort()
    t.ok(len(took) == 12 and took[len(took) // 2] < 0.045,
         'P5_waiter_woken_when_run_ends: median answer %.1f ms for a one-command run '
         '(dispatcher kicked, waiter woken)' % (1000 * took[len(took) // 2]), took)
    put_category(srv, oa, 'infrastructure', playbook=None)


def d4_no_commands(tmp):
    """The reliability review's D4 reproduction: with --open-signup anyone
    can become an Ops Analyst; through the API they still cannot make the
    server run a command or call a URL."""
    srv = Server(args=['--open-signup'])
    marker = os.path.join(srv.dir, 'marker.txt')
    srv.start()
    try:
        srv.signup('admin', 'adminpass')            # the first account is the Admin
        r = srv.post('/api/auth/signup', {'username': 'mallory', 'password': 'secret123', 'role': 'Ops Analyst'})
        t.eq(r.status, 201, 'D4: open signup grants Ops Analyst')
        m = srv.login('mallory', 'secret123')
        r = srv.put('/api/v1/config', {'category_config': {'category': 'security', 'playbook': [
            {'type': 'command', 'action': 'x', 'argv': ['sh', '-c', 'id > ' + marker], 'expect_exit': 0}]}}, m)
        t.ok(r.status == 400 and "field 'argv' is not allowed through the API" in (r.json or {}).get('error', ''),
             'D4_api_cannot_define_commands: the review\'s PUT with argv is 400 naming argv', r)
        r = srv.put('/api/v1/config', {'category_config': {'category': 'security', 'playbook': [
            {'type': 'noop', 'argv': ['sh', '-c', 'id > ' + marker]}]}}, m)
        t.ok(r.status == 400 and "field 'argv'" in (r.json or {}).get('error', ''),
             'D4_api_cannot_define_commands: argv on an internal step is 400 too', r)
        r = resolve(srv, m, incident('INC-RCE', 'security', 0.95, created_by='m'))
        t.ok(r.status == 200 and r.json['success'] is False and r.json.get('state') == 'no_action',
             'D4: the incident runs only the seed\'s recording steps', r)
        t.ok(not os.path.exists(marker), 'D4_api_cannot_define_commands: no file was created')
        c = srv.get('/api/v1/config', m).json
        t.ok(c['actions'] == [] and c['category_configs']['security']['playbook_source'] == 'default',
             'D4: no action is defined without a playbook file', c['actions'])
    finally:
        t.eq(srv.stop(), 0, 'server (D4) exits cleanly')
        srv.cleanup()


def audit_query(srv, admin):
    r = srv.get('/api/v1/audit?incident_id=INC-LOW&action=auto_resolution_skipped', admin)
    t.ok(r.status == 200 and len(r.json) == 1 and r.json[0]['incident_id'] == 'INC-LOW',
         'GET /api/v1/audit filters by incident_id and action', r)
    allr = srv.get('/api/v1/audit?limit=1000', admin).json
    page = srv.get('/api/v1/audit?limit=5&offset=5', admin).json
    t.eq([e['audit_id'] for e in page], [e['audit_id'] for e in allr[5:10]], 'limit and offset page the list')
    t.ok(len(srv.get('/api/v1/audit', admin).json) == min(100, len(allr)), 'default limit 100')
    stamps = [e['timestamp'] for e in allr]
    t.ok(stamps == sorted(stamps, reverse=True), 'newest first')
    keys = set(allr[0])
    t.eq(keys, {'audit_id', 'incident_id', 'action', 'timestamp', 'actor', 'confidence_score', 'details',
                'success', 'error_message'}, 'entries have the seed\'s fields')
    r = srv.get('/api/v1/audit/incident/NOPE', admin)
    t.ok(r.status == 200 and r.json == [], 'trail of an unknown incident: []', r)


def demo_runs(tmp):
    """D4 and the demo: `resops seed --demo`, then a start on that database,
    still runs the demo's application playbook for real (its commands are
    compiled in, loaded like a playbook file), and the API can only name
    those actions."""
    srv = Server()
    p = subprocess.run([BIN, 'seed', '--demo', '--db', srv.db], capture_output=True, text=True, env=srv.env)
    t.eq(p.returncode, 0, 'resops seed --demo')
    srv.start()
    try:
        tok = srv.login('admin', 'admin123')
        done = wait_until(lambda: srv.db_query("SELECT state FROM incident WHERE incident_id = 'INC-DEMO-1'")
                          == [('resolved',)], 20)
        steps = srv.db_query("SELECT action FROM playbook_run WHERE incident_id = 'INC-DEMO-1' ORDER BY id")
        t.ok(done and [x[0] for x in steps] == ['log_check', 'service_restart', 'ack_alerts'],
             'D4_demo_still_runs: the demo playbook ran its commands after a restart', steps)
        ex = [e for e in srv.get('/api/v1/audit/incident/INC-DEMO-1', tok).json if e['action'] == 'step_executed']
        t.ok(sorted(e['details'].get('type') for e in ex) == ['ack_alerts', 'command', 'command'],
             'D4_demo_still_runs: two command steps and the internal ack', ex)
        c = srv.get('/api/v1/config', tok).json
        t.ok(sorted(a['name'] for a in c['actions']) == ['log_check', 'service_restart'] and
             c['category_configs']['application']['playbook_source'] == 'file',
             'D4_demo_still_runs: the demo actions are listed by name', c['actions'])
        r = put_category(srv, tok, 'network', playbook=[action_step('service_restart')])
        t.eq(r.status, 200, 'the demo\'s actions can be named through the API')
    finally:
        t.eq(srv.stop(), 0, 'server (demo) exits cleanly')
        srv.cleanup()


def from_alerts(tmp):
    """A probed service whose probe names a playbook goes Down: the engine
    opens an incident, the runner resolves it; a flapping service is capped
    per hour and a human alerted."""
    flagdir = tempfile.mkdtemp(prefix='resops-v1-flag-')
    srv = Server(args=['--check-interval', '1'], env={'RESOPS_DOWN_AFTER': '1',
                                                      'RESOPS_RETRY_BACKOFF_MS': '50'})
    srv.env['RESOPS_PLAYBOOK_FILE'] = write_playbooks(os.path.join(srv.dir, 'playbooks.json'), {
        'restart_queue': {'type': 'command', 'argv': ['/bin/true']}})
    srv.start()
    try:
        srv.signup('admin', 'adminpass')
        admin = srv.login('admin', 'adminpass')
        sid = srv.post('/api/services', {'name': 'Queue'}, admin).json['service_id']
        flag = os.path.join(flagdir, 'queue-ok')
        p = subprocess.run([BIN, 'probe', '--service', str(sid), '--cmd', 'test -e ' + flag,
                            '--playbook', 'infrastructure', '--confidence', '0.97', '--db', srv.db],
                           capture_output=True, text=True, env=srv.env)
        t.ok(p.returncode == 0 and 'opens infrastructure incidents' in p.stdout,
             'resops probe --playbook names the category', p.stdout + p.stderr)
        p2 = subprocess.run([BIN, 'probe', '--service', str(sid), '--playbook', 'storage', '--db', srv.db],
                            capture_output=True, text=True, env=srv.env)
        t.ok(p2.returncode == 1 and 'Invalid category: storage' in p2.stderr, 'an unknown category is refused',
             p2.stderr)
        def incidents():
            r = srv.get('/api/v1/incidents?limit=100', admin)
            return [i for i in (r.json or []) if i.get('service_id') == sid]

        def status():
            r = srv.get('/api/services/%d/health' % sid, admin)
            return (r.json or {}).get('status')
        # no infrastructure playbook yet: the seed's default steps only
        # record, so "resolving" would claim a fix that never ran
        nop = wait_until(lambda: [a for a in srv.get('/api/alerts', admin).json
                                  if a['type'] == 'NoPlaybook' and a['service_id'] == sid], 20)
        t.ok(nop and nop[0]['severity'] == 'Critical' and
             'no infrastructure playbook is configured' in nop[0]['message'],
             'Down with no playbook configured: a human alert', nop)
        t.eq(len(incidents()), 0, '... and no incident that would resolve nothing')
        srv.put('/api/v1/config', {'max_incidents_per_service_hour': 2, 'category_config': {
            'category': 'infrastructure', 'playbook': [
                action_step('restart_queue'),
                {'type': 'set_status', 'action': 'mark_up', 'status': 'Up'}]}}, admin)
        open(flag, 'w').close()                 # the queue comes back ...
        wait_until(lambda: status() == 'Up', 20)
        os.remove(flag)                         # ... and fails again
        first = wait_until(lambda: [i for i in incidents() if i['state'] == 'resolved'], 20)
        t.ok(first and first[0]['category'] == 'infrastructure' and first[0]['confidence_score'] == 0.97 and
             first[0]['incident_id'].startswith('SVC-%d-' % sid) and first[0]['title'] == 'Service Queue is Down',
             'a Down service opens an incident with the probe\'s category and confidence', incidents())
        tr = srv.get('/api/v1/audit/incident/' + first[0]['incident_id'], admin).json if first else []
        t.ok([e['action'] for e in tr][-1:] == ['auto_resolution_attempted'] and
             'auto_resolution_success' in [e['action'] for e in tr] and tr[-1]['details']['requested_by'] == 'engine',
             '... and the normal decision and runner resolve it', tr)
        lim = wait_until(lambda: [a for a in srv.get('/api/alerts', admin).json
                                  if a['type'] == 'AutoResolutionLimit' and a['service_id'] == sid], 20)
        t.ok(lim and lim[0]['severity'] == 'Critical' and '2 incidents in the last hour' in lim[0]['message'],
             'a flapping service: at most 2 incidents per hour, then a human alert', lim)
        # the engine keeps checking the Down service (two more failed checks
        # after the limit alert), and still opens no third incident
        def streak():
            rows = srv.db_query('SELECT fail_streak FROM probe WHERE service_id = ?', (sid,))
            return rows[0][0] if rows else 0
        base = streak()
        t.ok(wait_until(lambda: streak() >= base + 2, 20, 0.1),
             'the engine checked the Down service twice more after the limit', (base, streak()))
        t.eq(len(incidents()), 2, 'no third incident within the hour')
    finally:
        t.eq(srv.stop(), 0, 'server (probes) exits cleanly')
        srv.cleanup()
        shutil.rmtree(flagdir, ignore_errors=True)


def restart(tmp):
    """A run interrupted by a stop is queued again and finished by the next
    engine (nothing is lost)."""
    srv = Server(env={'RESOPS_RETRY_BACKOFF_MS': '50'})
    mark = os.path.join(srv.dir, 'step-started')
    srv.env['RESOPS_PLAYBOOK_FILE'] = write_playbooks(os.path.join(srv.dir, 'playbooks.json'), {
        'long': {'type': 'command',
                 'argv': ['/bin/sh', '-c', '[ "$RESOPS_RUN" = 2 ] || { touch %s; sleep 30; }' % mark]}})
    srv.start()
    try:
        srv.signup('admin', 'adminpass')
        admin = srv.login('admin', 'adminpass')
        srv.put('/api/v1/config', {'category_config': {'category': 'security', 'playbook': [action_step('long')]}},
                admin)
        th = threading.Thread(target=lambda: srv.post('/api/v1/incidents/INC-LONG/auto-resolve',
                                                      incident('INC-LONG', 'security', 0.99), admin))
        th.daemon = True
        th.start()
        t.ok(wait_until(lambda: os.path.exists(mark), 10, 0.02) and
             srv.db_query("SELECT state FROM incident WHERE incident_id = 'INC-LONG'") == [('resolving',)],
             'the step is in flight (its process started)')
        t0 = time.time()
        rc = srv.stop()
        t.ok(rc == 0 and time.time() - t0 < 10, 'stopping with a step in flight is quick and clean (%.1f s)'
             % (time.time() - t0))
        t.eq(srv.db_query("SELECT state FROM incident WHERE incident_id = 'INC-LONG'"), [('resolving',)],
             'the interrupted incident is left resolving')
        srv.start()
        admin = srv.login('admin', 'adminpass')
        st = wait_until(lambda: srv.db_query("SELECT state, run FROM incident WHERE incident_id = 'INC-LONG'")
                        == [('resolved', 2)], 15)
        t.ok(st, 'after a restart it runs again (run 2) and is resolved',
             srv.db_query("SELECT state, run FROM incident WHERE incident_id = 'INC-LONG'"))
        tr = srv.get('/api/v1/audit/incident/INC-LONG', admin).json
        t.ok(any(e['details'].get('message', '').startswith('Resumed after restart') for e in tr),
             'the resumption is audited', tr)
    finally:
        t.eq(srv.stop(), 0, 'server exits cleanly after the restart')
        srv.cleanup()


def config_file(tmp):
    """resolve.* in the config file: the threshold and limit apply while
    nobody changed them through the API; the playbook file always loads;
    a bad playbook file stops the start."""
    d = os.path.join(tmp, 'cfgfile')
    os.makedirs(d, exist_ok=True)
    pb = os.path.join(d, 'playbooks.json')
    with open(pb, 'w') as f:
        json.dump({'actions': {'page': {'type': 'command', 'argv': ['/bin/true'], 'description': 'Page'}},
                   'network': [{'type': 'command', 'action': 'restart_router', 'argv': ['/bin/true']}],
                   'security': [{'type': 'http', 'url': 'http://127.0.0.1:9/x', 'headers': {'X-Token': 's3cret'}}]},
                  f)
    conf = os.path.join(d, 'resops.conf')
    with open(conf, 'w') as f:
        f.write('[resolve]\ndefault_confidence_threshold = 0.8\nmax_concurrent_resolutions = 4\n'
                'playbook_file = %s\n' % pb)
    srv = Server(args=['--config', conf], workdir=d)
    srv.start()
    try:
        srv.signup('admin', 'adminpass')
        admin = srv.login('admin', 'adminpass')
        c = srv.get('/api/v1/config', admin).json
        net = c['category_configs']['network']
        t.ok(c['default_confidence_threshold'] == 0.8 and c['max_concurrent_resolutions'] == 4 and
             net['playbook_source'] == 'file' and net['playbook'][0]['action'] == 'restart_router' and
             c['actions'] == [{'name': 'page', 'type': 'command', 'description': 'Page'}],
             'the config file sets the threshold, the limit, the network playbook and the actions', c)
        raw = srv.get('/api/v1/config', admin)
        sec = c['category_configs']['security']['playbook']
        t.ok('s3cret' not in json.dumps(raw.json) and sec[0]['headers'] == {'X-Token': '(hidden)'},
             'header values of the file\'s http steps are not shown through the API', sec)
        r = resolve(srv, admin, incident('INC-CF', 'network', 0.85))
        t.ok(r.json['success'] is True and r.json['resolution_steps'][0]['action'] == 'restart_router',
             '0.85 passes the file\'s 0.80 and runs the file\'s playbook', r)
        cu = [e for e in srv.get('/api/v1/audit/incident/SYSTEM', admin).json if e['actor'] == 'config-file']
        t.ok(cu and cu[0]['action'] == 'config_updated' and
             cu[0]['details']['changes']['playbook_file']['new'] == {'actions': ['page'], 'categories': ['network', 'security']},
             'applying the file is audited (actor config-file, its actions and categories)', cu)
        r = put_category(srv, admin, 'network', playbook=[action_step('page')])
        t.ok(r.status == 200 and r.json['category_configs']['network']['playbook_source'] == 'configured',
             'a playbook through the API may name the file\'s actions', r)
        r = resolve(srv, admin, incident('INC-CF2', 'network', 0.85))
        t.ok(r.json['success'] is True and r.json['resolution_steps'][0]['action'] == 'page' and
             r.json['resolution_steps'][0]['description'] == 'Page', '... and runs them', r)
        put_category(srv, admin, 'network', playbook=None)
        srv.put('/api/v1/config', {'default_confidence_threshold': 0.95}, admin)
        t.eq(srv.stop(), 0, 'server (config file) stops cleanly before the restart')
        srv.start()
        admin = srv.login('admin', 'adminpass')
        t.eq(srv.get('/api/v1/config', admin).json['default_confidence_threshold'], 0.95,
             'after a change through the API the file no longer overrides it')
    finally:
        t.eq(srv.stop(), 0, 'server (config file) exits cleanly')
    with open(pb, 'w') as f:
        f.write('{"network": [{"type": "shell"}]}')
    p = subprocess.run([BIN, '--headless', '--db', os.path.join(d, 'bad.db'), '--config', conf,
                        '--listen', '127.0.0.1:0'], capture_output=True, text=True, timeout=30,
                       env=dict(srv.env))
    t.ok(p.returncode == 2 and "Playbook step 1: 'type' must be" in p.stderr,
         'a bad playbook file stops the start with a message', p.stderr)
    srv.cleanup()


PLAYBOOK_ACTIONS = ['ok', 'db_fix', 'drain', 'restart', 'slow_fix', 'billing_restart', 'once', 'sleep5',
                    'nocmd', 'restart_api', 'http_fail', 'marker']


def main_playbooks(d, hook_url):
    """The operator's playbook file for the main server: every command and
    URL the tests run is defined here, on the host (D4)."""
    ks_log = os.path.join(d, 'ks-steps.log')
    ks = ['/bin/sh', '-c', 'echo "$RESOPS_INCIDENT_ID $RESOPS_STEP $(date +%s.%N)" >> ' + ks_log + '; sleep 2']
    conc = os.path.join(d, 'conc')
    os.makedirs(conc)
    script = os.path.join(conc, 'step.py')
    with open(script, 'w') as f:
        f.write(CONC_SCRIPT)
    retry_log = os.path.join(d, 'retry.log')
    acts = {
        'ok': {'type': 'command', 'argv': ['/bin/true']},
        'db_fix': {'type': 'command', 'argv': ['/bin/true'], 'description': 'Fix the database'},
        'drain': {'type': 'command', 'argv': ks},
        'restart': {'type': 'command', 'argv': ks},
        'slow_fix': {'type': 'command', 'argv': [PY, script, conc], 'timeout_ms': 10000},
        'billing_restart': {'type': 'command', 'description': 'Restart billing',
                            'argv': ['/bin/sh', '-c', 'echo try >> ' + retry_log + '; echo "disk full" >&2; exit 7']},
        'once': {'type': 'command', 'argv': ['/bin/sh', '-c', 'echo once >> ' + retry_log + '; exit 1']},
        'sleep5': {'type': 'command', 'argv': ['/bin/sleep', '5'], 'timeout_ms': 300},
        'nocmd': {'type': 'command', 'argv': ['/nonexistent/tool']},
        'restart_api': {'type': 'http', 'url': hook_url + '/restart/${incident_id}', 'method': 'POST',
                        'body': '{"incident": "${incident_id}", "service": "${service}"}',
                        'headers': {'X-Token': 's3'}, 'expect_status': 200},
        'http_fail': {'type': 'http', 'url': hook_url + '/fail', 'expect_status': 200},
        'marker': {'type': 'command', 'argv': ['/usr/bin/touch', os.path.join(d, 'marker-${incident_id}')]},
    }
    assert sorted(acts) == sorted(PLAYBOOK_ACTIONS)
    return write_playbooks(os.path.join(d, 'playbooks.json'), acts)


def main():
    hs = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Hook)
    threading.Thread(target=hs.serve_forever, daemon=True).start()
    srv = Server(env={'RESOPS_RETRY_BACKOFF_MS': '100'})
    tmp = srv.dir
    srv.env['RESOPS_PLAYBOOK_FILE'] = main_playbooks(tmp, 'http://127.0.0.1:%d' % hs.server_address[1])
    srv.start()
    try:
        admin, oa, user = accounts(srv)
        health_and_roles(srv, admin, oa, user)
        acceptance(srv, admin, oa)
        kill_switch(srv, admin, oa, tmp)
        concurrency(srv, admin, oa, tmp)
        retries(srv, admin, oa, tmp)
        steps_kinds(srv, admin, oa)
        bad_input(srv, admin, oa)
        wake(srv, admin, oa)
        audit_query(srv, admin)
    finally:
        t.eq(srv.stop(), 0, 'server exits cleanly')
        if t.failed:
            print('# server log tail:\n' + '\n'.join('#   ' + x for x in srv.logtext().splitlines()[-40:]))
        srv.cleanup()
        hs.shutdown()
    d4_no_commands(tmp)
    demo_runs(tmp)
    from_alerts(tmp)
    restart(tmp)
    config_file(tmp)
    t.done()


main()
