#!/usr/bin/python3
"""Issue 9, "bad input never gets in": one check per defect of the
new-user review (B6, B8-B15) and the reliability run (D6, D9), named
after the defect, against the real binary on a loopback port with a real
HTTP client. Each check fails on the code before the fix.

Prints TAP; run: RESOPS_BIN=build/resops tests/api/test_validation.py
"""
import datetime
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SRC, Server, Tap, received, start_receiver, wait_for  # noqa: E402

t = Tap()


def raw_json(srv, method, path, data, token):
    """Send bytes exactly as given (invalid UTF-8, raw NUL...)."""
    return srv.request(method, path, token=token, raw=data)


def strict_get(srv, path, token):
    """GET and decode the body as strict UTF-8 JSON, as a strict client does."""
    c = srv.conn()
    try:
        c.request('GET', path, headers={'Authorization': 'Bearer ' + token})
        r = c.getresponse()
        body = r.read()
    finally:
        c.close()
    try:
        return json.loads(body.decode('utf-8'))
    except (UnicodeDecodeError, ValueError) as e:
        return e


def iso(dt):
    return dt.strftime('%Y-%m-%dT%H:%M:%S')


def names_of(srv, tok):
    return [s['name'] for s in srv.get('/api/services', tok).json]


def create(srv, tok, **body):
    return srv.post('/api/services', body, tok)


def bad(r, status, field, name):
    """An error answer with that status whose message names the field."""
    return t.ok(r.status == status and isinstance(r.error, str) and field in r.error, name, r)


# ---------------------------------------------------------------------------
def b6(srv, tok, ops):
    sid = create(srv, tok, name='B6 svc').json['service_id']
    srv.db_exec("INSERT INTO alert (service_id, type, message, severity, created_at) "
                "VALUES (?, 'StatusChange', 'B6 test', 'Warning', '2026-01-01T00:00:00')", (sid,))
    aid = srv.db_query('SELECT max(id) FROM alert')[0][0]
    r = srv.put('/api/alerts', {'id': aid, 'acknowledged': True}, ops)
    t.eq(r.status, 200, 'B6 setup: ack the alert')
    n_audit = srv.db_query('SELECT count(*) FROM audit_log')[0][0]
    r = srv.put('/api/alerts', {'id': aid}, ops)
    bad(r, 400, 'acknowledged', 'B6_alert_update_without_acknowledged_is_400')
    r = srv.put('/api/alerts', {'id': aid, 'acknowledged': 'false'}, ops)
    bad(r, 400, 'acknowledged', 'B6_alert_update_non_boolean_acknowledged_is_400')
    t.eq(srv.db_query('SELECT acknowledged FROM alert WHERE id = ?', (aid,))[0][0], 1,
         'B6_alert_update_without_acknowledged_changes_nothing')
    t.eq(srv.db_query('SELECT count(*) FROM audit_log')[0][0], n_audit,
         'B6_alert_update_refused_writes_no_audit_row')


def b8_d6(srv, tok, eng):
    # invalid UTF-8 in each text field of seed 000 that the API stores
    r = raw_json(srv, 'POST', '/api/services', b'{"name":"bad\xff\xfeutf8"}', tok)
    bad(r, 400, 'name', 'B8_service_name_invalid_utf8_is_400')
    r = raw_json(srv, 'POST', '/api/services',
                 b'{"name":"utf8-probe","description":"bad \xff\xfe bytes"}', tok)
    bad(r, 400, 'description', 'D6_service_description_invalid_utf8_is_400')
    r = raw_json(srv, 'POST', '/api/services', b'{"name":"u3","criticality":"Hi\xc0\xafgh"}', tok)
    bad(r, 400, 'criticality', 'D6_criticality_invalid_utf8_is_400')
    r = raw_json(srv, 'POST', '/api/services', b'{"name":"u4","impact":"\xed\xa0\x80"}', tok)
    bad(r, 400, 'impact', 'D6_impact_surrogate_bytes_is_400')
    sid = create(srv, tok, name='utf8 ok \u00e9\u2603\U0001F680').json['service_id']
    r = raw_json(srv, 'POST', '/api/services/%d/downtime' % sid,
                 b'{"start_time":"2026-01-01T00:00:00","reason":"over\xe2\x82"}', tok)
    bad(r, 400, 'reason', 'D6_downtime_reason_invalid_utf8_is_400')
    r = raw_json(srv, 'POST', '/api/services/integrations',
                 b'{"service_id":%d,"type":"Sl\xf8ck","config":{}}' % sid, eng)
    bad(r, 400, 'type', 'D6_integration_type_invalid_utf8_is_400')
    r = raw_json(srv, 'POST', '/api/services/integrations',
                 b'{"service_id":%d,"type":"Slack","config":{"channel":"\xff"}}' % sid, eng)
    bad(r, 400, 'config', 'D6_integration_config_invalid_utf8_is_400')
    r = raw_json(srv, 'POST', '/api/auth/signup',
                 b'{"username":"b\xe9d","password":"password123"}', None)
    bad(r, 400, 'username', 'D6_signup_username_invalid_utf8_is_400')
    r = raw_json(srv, 'PUT', '/api/services',
                 b'{"id":%d,"name":"x\x80y"}' % sid, tok)
    bad(r, 400, 'name', 'B8_service_update_name_invalid_utf8_is_400')
    got = strict_get(srv, '/api/services', tok)
    t.ok(isinstance(got, list), 'B8_service_list_stays_strict_utf8_json', got)
    got = strict_get(srv, '/api/audit', tok)
    t.ok(isinstance(got, list), 'D6_audit_list_stays_strict_utf8_json', got)
    t.ok('utf8 ok \u00e9\u2603\U0001F680' in names_of(srv, tok),
         'B8_valid_multibyte_name_is_kept_exactly')


def b9(srv, tok):
    r = create(srv, tok, name='tab\there\nnewline')
    bad(r, 400, 'name', 'B9_service_name_with_tab_and_newline_is_400')
    r = create(srv, tok, name='esc\x1b[31mred')
    bad(r, 400, 'name', 'B9_service_name_with_escape_is_400')
    r = create(srv, tok, name='del\x7f')
    bad(r, 400, 'name', 'B9_service_name_with_del_is_400')
    r = create(srv, tok, name='c1\u0085next')
    bad(r, 400, 'name', 'B9_service_name_with_c1_control_is_400')
    r = raw_json(srv, 'POST', '/api/services', '{"name":"ctl\\u0000nul"}', tok)
    bad(r, 400, 'name', 'B9_service_name_with_escaped_nul_is_400_not_truncated')
    r = raw_json(srv, 'POST', '/api/services', b'{"name":"raw\x00nul"}', tok)
    t.ok(r.status == 400, 'B9_service_name_with_raw_nul_is_400', r)
    t.ok(not any(n.startswith(('ctl', 'raw', 'tab', 'esc', 'del', 'c1')) for n in names_of(srv, tok)),
         'B9_refused_names_are_not_stored')
    r = create(srv, tok, name='multi line ok', description='line one\nline two\ttabbed')
    t.eq(r.status, 201, 'B9_description_may_hold_newlines_and_tabs')
    r = create(srv, tok, name='desc esc', description='bell\x07')
    bad(r, 400, 'description', 'B9_description_with_other_control_is_400')
    r = srv.signup('new\nline', 'password123')
    bad(r, 400, 'username', 'B9_username_with_control_is_400')


def b10(srv, tok):
    r = create(srv, tok, name='\u00e9' * 100)
    t.eq(r.status, 201, 'B10_name_of_100_two_byte_characters_is_accepted')
    r = create(srv, tok, name='\U0001F680' * 30)
    t.eq(r.status, 201, 'B10_name_of_30_four_byte_characters_is_accepted')
    r = create(srv, tok, name='\u00e8' * 101)
    t.ok(r.status == 400 and 'name' in (r.error or '') and '100 characters' in r.error,
         'B10_name_of_101_characters_is_400_with_the_limit', r)
    r = create(srv, tok, name='big', description='D' * 1048000)
    t.ok(r.status in (400, 413) and r.status != 201, 'D7_megabyte_description_is_refused', r)
    r = create(srv, tok, name='desc limit', description='\u00e9' * 2001)
    t.ok(r.status == 400 and 'description' in (r.error or '') and '2000 characters' in r.error,
         'B10_description_over_2000_characters_is_400_with_the_limit', r)
    r = create(srv, tok, name='desc at limit', description='\u00e9' * 2000)
    t.eq(r.status, 201, 'B10_description_of_2000_characters_is_accepted')
    sid = r.json['service_id'] if r.status == 201 else 0
    start = iso(datetime.datetime.utcnow() - datetime.timedelta(seconds=30))
    r = srv.post('/api/services/%d/downtime' % sid, {'start_time': start, 'reason': 'r' * 256}, tok)
    t.ok(r.status == 400 and '255 characters' in (r.error or ''),
         'B10_downtime_reason_over_255_characters_is_400', r)
    r = srv.post('/api/services/%d/downtime' % sid, {'start_time': start, 'reason': '\u00fc' * 255},
                 tok)
    t.eq(r.status, 200, 'B10_downtime_reason_of_255_characters_is_accepted')
    r = srv.signup('\u00f1' * 80, 'password123')
    t.eq(r.status, 201, 'B10_username_of_80_two_byte_characters_is_accepted')
    r = srv.signup('\u00f1' * 81, 'password123')
    t.ok(r.status == 400 and '80 characters' in (r.error or ''), 'B10_username_over_80_characters_is_400', r)


def b11(srv, tok):
    r = create(srv, tok, name='Billing Batch')
    t.eq(r.status, 201, 'B11 setup: first Billing Batch')
    first = r.json['service_id']
    for name, label in (('Billing Batch', 'same'), ('billing batch', 'other_case'),
                        ('  Billing Batch  ', 'surrounding_spaces')):
        r = create(srv, tok, name=name)
        t.ok(r.status == 409 and r.error and 'Billing Batch' in r.error,
             'B11_duplicate_service_name_%s_is_409' % label, r)
    other = create(srv, tok, name='Billing Other').json['service_id']
    r = srv.put('/api/services', {'id': other, 'name': 'BILLING BATCH'}, tok)
    t.ok(r.status == 409 and r.error, 'B11_rename_to_a_taken_name_is_409', r)
    r = srv.put('/api/services', {'id': first, 'name': 'billing batch'}, tok)
    t.eq(r.status, 200, 'B11_a_service_may_change_the_case_of_its_own_name')
    t.eq(names_of(srv, tok).count('billing batch'), 1, 'B11_one_service_per_name')
    r = create(srv, tok, name='  Padded Name ')
    t.eq(r.status, 201, 'B11 setup: padded name')
    t.ok('Padded Name' in names_of(srv, tok), 'B11_service_name_is_stored_trimmed')


def b12(srv, tok):
    sid = create(srv, tok, name='B12 svc').json['service_id']
    now = datetime.datetime.utcnow()
    r = srv.post('/api/services/%d/downtime' % sid,
                 {'start_time': iso(now - datetime.timedelta(seconds=20)),
                  'end_time': '9999-12-31T23:59:59'}, tok)
    bad(r, 400, 'end_time', 'B12_downtime_cannot_end_in_future')
    r = srv.post('/api/services/%d/downtime' % sid,
                 {'start_time': iso(now + datetime.timedelta(days=2))}, tok)
    bad(r, 400, 'start_time', 'B12_downtime_cannot_start_in_future')
    r = srv.post('/api/services/%d/downtime' % sid,
                 {'start_time': iso(now - datetime.timedelta(seconds=10)),
                  'end_time': iso(now - datetime.timedelta(seconds=20))}, tok)
    t.ok(r.status == 400 and r.error == 'End time cannot be before start time',
         'B12_downtime_cannot_end_before_it_starts', r)
    r = srv.post('/api/services/%d/downtime' % sid,
                 {'start_time': '1971-01-01T00:00:00', 'end_time': iso(now)}, tok)
    bad(r, 400, 'start_time', 'B12_downtime_cannot_last_longer_than_the_service_existed')
    r = srv.post('/api/services/%d/downtime' % sid,
                 {'start_time': iso(now - datetime.timedelta(days=3))}, tok)
    bad(r, 400, 'start_time', 'B12_open_downtime_cannot_last_longer_than_the_service_existed')
    r = srv.post('/api/services/%d/downtime' % sid,
                 {'start_time': iso(now - datetime.timedelta(seconds=5)),
                  'end_time': iso(now - datetime.timedelta(seconds=1)), 'reason': 'short'}, tok)
    t.eq(r.status, 200, 'B12_a_past_downtime_within_the_service_life_is_accepted')
    n = srv.get('/api/services/%d/downtime' % sid, tok).json['downtime_count']
    t.eq(n, 1, 'B12_refused_downtimes_are_not_stored')
    r = create(srv, tok, name='B12 old', created_at='2020-01-01T00:00:00')
    t.eq(r.status, 201, 'B12_a_service_may_say_since_when_it_exists')
    old = r.json['service_id']
    r = srv.post('/api/services/%d/downtime' % old,
                 {'start_time': '2024-01-01T00:00:00', 'end_time': '2024-01-02T00:00:00'}, tok)
    t.eq(r.status, 200, 'B12_history_within_created_at_is_accepted')
    r = srv.put('/api/services', {'id': old, 'created_at': '2025-01-01T00:00:00'}, tok)
    bad(r, 400, 'created_at', 'B12_created_at_cannot_move_after_the_first_downtime')
    r = create(srv, tok, name='B12 future', created_at=iso(now + datetime.timedelta(days=1)))
    bad(r, 400, 'created_at', 'B12_created_at_cannot_be_in_the_future')


def b13(srv, tok):
    a = create(srv, tok, name='B13 a').json['service_id']
    b = create(srv, tok, name='B13 b', dependencies=[a]).json['service_id']
    r = srv.put('/api/services', {'id': b, 'dependencies': [a, b]}, tok)
    bad(r, 400, 'dependencies', 'B13_service_cannot_depend_on_itself_update')
    r = srv.put('/api/services/%d/bia' % b, {'dependencies': [b]}, tok)
    bad(r, 400, 'dependencies', 'B13_service_cannot_depend_on_itself_bia')
    deps = {s['id']: s['bia']['dependencies'] for s in srv.get('/api/services', tok).json}
    t.eq(deps.get(b), [a], 'B13_refused_self_dependency_changes_nothing')
    # seed 000 allows any valid ids, so a longer cycle is kept (README)
    r = srv.put('/api/services', {'id': a, 'dependencies': [b]}, tok)
    t.eq(r.status, 200, 'B13_a_two_service_cycle_is_allowed_as_in_seed_000')


def b14(srv, tok):
    sid = create(srv, tok, name='B14 crit').json['service_id']
    r = srv.delete('/api/services', {'id': sid}, tok)
    t.eq(r.status, 200, 'B14 setup: delete the newest service')
    r = create(srv, tok, name='B14 bensvc')
    t.ok(r.status == 201 and r.json['service_id'] > sid, 'B14_service_id_not_reused_after_delete',
         (sid, r))
    srv.db_exec("INSERT INTO alert (service_id, type, message, severity) "
                "VALUES (?, 'T', 'm', 'Info')", (r.json['service_id'],))
    aid = srv.db_query('SELECT max(id) FROM alert')[0][0]
    srv.db_exec('DELETE FROM alert WHERE id = ?', (aid,))
    srv.db_exec("INSERT INTO alert (service_id, type, message, severity) "
                "VALUES (?, 'T', 'm', 'Info')", (r.json['service_id'],))
    t.ok(srv.db_query('SELECT max(id) FROM alert')[0][0] > aid, 'B14_alert_id_not_reused_after_delete')


def b15(srv, tok, ops):
    for name, label in (('   ', 'spaces'), ('\u00a0\u3000', 'unicode_spaces')):
        r = create(srv, tok, name=name)
        bad(r, 400, "Field 'name' must not be blank", 'B15_blank_service_name_%s_is_400' % label)
    r = srv.signup('  ', 'password123')
    bad(r, 400, "Field 'username' must not be blank", 'B15_blank_username_is_400')
    r = create(srv, tok, name='enum1', criticality='Extreme')
    bad(r, 400, 'criticality', 'B15_unknown_criticality_is_400')
    r = create(srv, tok, name='enum2', impact='whatever')
    bad(r, 400, 'impact', 'B15_unknown_impact_is_400')
    r = create(srv, tok, name='enum3', criticality='high', impact='severe')
    t.eq(r.status, 201, 'B15_enumerations_match_case_insensitively')
    sid = r.json['service_id']
    bia = [s['bia'] for s in srv.get('/api/services', tok).json if s['id'] == sid][0]
    t.eq((bia['criticality'], bia['impact']), ('High', 'Severe'),
         'B15_enumerations_are_stored_in_canonical_spelling')
    r = srv.put('/api/services/%d/bia' % sid, {'impact': 'Catastrophic'}, tok)
    bad(r, 400, 'impact', 'B15_unknown_impact_in_bia_put_is_400')
    r = srv.post('/api/risk/%d/manual' % sid, {'risk_score': 90, 'risk_level': 'Low'}, ops)
    bad(r, 400, 'risk_level', 'B15_manual_risk_level_must_match_score')
    for score, level in ((80, 'High'), (79, 'Medium'), (50, 'Medium'), (49, 'Low'), (0, 'Low')):
        r = srv.post('/api/risk/%d/manual' % sid, {'risk_score': score, 'risk_level': level}, ops)
        t.eq(r.status, 200, 'B15_manual_risk_%d_%s_matches_the_formula_thresholds' % (score, level))
    r = srv.post('/api/risk/%d/manual' % sid, {'risk_score': 'high'}, ops)
    bad(r, 400, 'risk_score', 'B15_risk_score_string_is_a_type_error_naming_the_field')
    r = srv.post('/api/risk/%d/manual' % sid, {'risk_score': 10, 'risk_level': 3}, ops)
    bad(r, 400, 'risk_level', 'B15_risk_level_number_is_a_type_error_naming_the_field')


def d9(srv):
    r = srv.signup('demo', 'password123')
    t.eq(r.status, 201, 'D9 setup: demo')
    # S5: seed 000 documents 400 for a taken username; a look-alike gets the
    # same 400 and message as the exact name, so spelling changes nothing
    for name, label in (('admin ', 'trailing_space'), ('Demo', 'other_case'), (' DEMO ', 'both'),
                        ('demo', 'exact')):
        r = srv.signup(name, 'password123')
        t.ok(r.status == 400 and r.error == 'User already exists',
             'S5_D9_taken_username_%s_is_400_user_already_exists' % label, r)
    r = srv.post('/register', {'username': 'ADMIN', 'password': 'password123'})
    t.ok(r.status == 400 and r.error == 'User already exists',
         'S5_D9_lookalike_username_at_seed004_register_is_400', r)
    t.eq(srv.db_query("SELECT count(*) FROM user WHERE lower(trim(username)) IN ('demo', 'admin')"),
         [(2,)], 'D9_no_lookalike_account_is_created')
    t.ok(srv.login(' Admin ', 'adminpass'), 'D9_login_ignores_case_and_surrounding_spaces')
    r = srv.signup('  spaced  ', 'password123')
    t.eq(r.status, 201, 'D9 setup: spaced')
    t.eq(srv.db_query("SELECT username FROM user WHERE username LIKE '%spaced%'"), [('spaced',)],
         'D9_username_is_stored_trimmed')
    # the throttle counts the account, however its name is spelled
    for i, n in enumerate(('victim', 'Victim', 'VICTIM', ' victim', 'victiM')):
        srv.post('/api/auth/login', {'username': n, 'password': 'wrong-password'})
    srv.signup('victim', 'password123')
    r = srv.post('/api/auth/login', {'username': 'victim', 'password': 'password123'})
    t.eq(r.status, 429, 'D9_login_throttle_counts_lookalike_spellings_together')


def s1(srv, owner, eng, receiver):
    """S1: no user makes the server POST to a URL of their choosing."""
    _, port, log = receiver
    sid = create(srv, owner, name='S1 svc').json['service_id']
    hook = 'http://127.0.0.1:%d/ok' % port
    for ty in ('Slack', 'slack', 'SLACK'):
        r = srv.post('/api/services/integrations',
                     {'service_id': sid, 'type': ty, 'config': {'webhook_url': hook, 'channel': 'x'}}, eng)
        t.ok(r.status == 400 and 'config.webhook_url' in (r.error or '')
             and 'https://hooks.slack.com/' in r.error,
             'S1_slack_webhook_url_off_the_allow_list_is_400_naming_field_and_prefixes_%s' % ty, r)
    for bad_url, label in (('https://hooks.slack.com.evil.example/x', 'lookalike_host'),
                           ('http://hooks.slack.com/services/x', 'plain_http'),
                           ('http://169.254.169.254/latest/meta-data/', 'metadata_address')):
        r = srv.post('/api/services/integrations',
                     {'service_id': sid, 'type': 'Slack', 'config': {'webhook_url': bad_url}}, eng)
        bad(r, 400, 'config.webhook_url', 'S1_slack_webhook_url_%s_is_400' % label)
    t.eq(srv.db_query('SELECT count(*) FROM integration WHERE service_id = ?', (sid,)), [(0,)],
         'S1_refused_integration_is_not_stored')
    t.eq(srv.db_query("SELECT count(*) FROM outbox WHERE channel = 'slack'"), [(0,)],
         'S1_refused_integration_queues_no_notice')
    r = srv.post('/api/services/integrations',
                 {'service_id': sid, 'type': 'Jira', 'config': {'webhook_url': hook}}, eng)
    t.eq(r.status, 201, 'S1 setup: a non-Slack integration is stored (never contacted)')

    # A Slack URL stored before the operator narrowed the list: delivery
    # checks again, the row is dead with a reason, nothing is contacted.
    srv.db_exec("INSERT INTO integration (service_id, type, config, created_by) "
                "VALUES (?, 'Slack', ?, 'before')", (sid, json.dumps({'webhook_url': hook})))
    t.eq(srv.post('/api/services/%d/status' % sid, {'status': 'Up'}, owner).status, 200, 'S1 setup: Up')
    t.eq(srv.post('/api/services/%d/status' % sid, {'status': 'Down'}, owner).status, 200,
         'S1 setup: Down raises an alert')
    dead = wait_for(lambda: srv.db_query(
        "SELECT last_error FROM outbox WHERE channel = 'slack' AND target = ? "
        "AND dead_at IS NOT NULL", (hook,)))
    t.ok(dead and 'notify.slack_webhook_prefixes' in dead[0][0] and 'not contacted' in dead[0][0],
         'S1_stored_slack_url_off_the_list_is_dead_at_delivery_with_a_reason', dead)
    t.eq(srv.db_query("SELECT count(*) FROM outbox WHERE channel = 'slack' "
                      "AND delivered_at IS NOT NULL"), [(0,)],
         'S1_stored_slack_url_off_the_list_is_never_delivered')
    t.eq(received(log), [], 'S1_receiver_off_the_list_gets_no_request')


def s1_allowed(receiver):
    """S1: with the operator's prefix for the receiver, the same body is
    accepted and the seed's notice arrives (only loopback traffic)."""
    _, port, log = receiver
    srv = Server(env={'RESOPS_SLACK_WEBHOOK_PREFIXES':
                      'https://hooks.slack.com/, http://127.0.0.1:%d/' % port}).start()
    try:
        srv.signup('admin', 'adminpass')
        tok = srv.login('admin', 'adminpass')
        sid = create(srv, tok, name='S1 allowed').json['service_id']
        hook = 'http://127.0.0.1:%d/ok' % port
        r = srv.post('/api/services/integrations',
                     {'service_id': sid, 'type': 'Slack', 'config': {'webhook_url': hook, 'channel': 'ops'}},
                     tok)
        t.eq(r.status, 201, 'S1_slack_webhook_url_on_the_allow_list_is_201')
        got = wait_for(lambda: [x for x in received(log) if 'New Slack integration added' in x.get('body', '')])
        t.ok(got, 'S1_slack_url_on_the_list_gets_the_seed_notice', received(log))
    finally:
        t.eq(srv.stop(), 0, 'S1 allowed server exits cleanly')
        srv.cleanup()


def s2(srv, tok, ops):
    sid = create(srv, tok, name='S2 svc').json['service_id']
    srv.db_exec("INSERT INTO alert (service_id, type, message, severity, created_at) "
                "VALUES (?, 'StatusChange', 'S2 test', 'Warning', '2026-01-01T00:00:00')", (sid,))
    aid = srv.db_query('SELECT max(id) FROM alert')[0][0]
    t.eq(srv.put('/api/alerts', {'id': aid, 'acknowledged': True}, ops).status, 200, 'S2 setup: ack')
    r = srv.put('/api/alerts', {'id': aid, 'acknowledged': False}, ops)
    t.eq(r.status, 200, 'S2 setup: unacknowledge')
    rows = srv.db_query('SELECT action, alert_id, entity_id FROM audit_log WHERE alert_id = ? '
                        'ORDER BY id', (aid,))
    t.eq(rows, [('Alert Acknowledged', aid, sid), ('Alert Unacknowledged', aid, sid)],
         'S2_unacknowledge_is_audited_as_alert_unacknowledged_with_the_alert_id')


def s3(srv, tok):
    r = create(srv, tok, name='S3 svc', criticality='High', impact='Severe', rto=30, rpo=5)
    t.eq(r.status, 201, 'S3 setup: create')
    sid = r.json['service_id']
    r = srv.get('/api/risk/%d' % sid, tok)
    t.ok(r.status == 200 and (r.json['risk_score'], r.json['risk_level'], r.json['is_critical'],
                              r.json['source']) == (40, 'Low', True, 'automated'),
         'S3_new_service_has_its_risk_score_at_once', r)
    h = srv.get('/api/services/%d/health' % sid, tok).json
    t.eq((r.json.get('risk_score'), r.json.get('is_critical')), (h['risk_score'], h['is_critical']),
         'S3_stored_risk_equals_what_health_computes')
    r = srv.put('/api/services/%d/bia' % sid, {'criticality': 'Low', 'impact': 'Low', 'rto': 120,
                                                'rpo': 120}, tok)
    t.eq(r.status, 200, 'S3 setup: BIA put')
    r = srv.get('/api/risk/%d' % sid, tok)
    t.ok(r.status == 200 and (r.json['risk_score'], r.json['is_critical']) == (0, False),
         'S3_bia_change_rescores_at_once', r)
    r = srv.put('/api/services', {'id': sid, 'rto': 10}, tok)
    r = srv.get('/api/risk/%d' % sid, tok)
    t.ok(r.status == 200 and (r.json['risk_score'], r.json['is_critical']) == (10, True),
         'S3_service_update_rescores_at_once', r)
    n = srv.db_query('SELECT count(*) FROM risk WHERE service_id = ?', (sid,))[0][0]
    srv.put('/api/services/%d/bia' % sid, {'rto': 10}, tok)
    t.eq(srv.db_query('SELECT count(*) FROM risk WHERE service_id = ?', (sid,))[0][0], n,
         'S3_unchanged_score_appends_no_history_row_as_the_engine')
    t.eq(srv.db_query('SELECT risk_score FROM risk_current WHERE service_id = ?', (sid,)), [(10,)],
         'S3_risk_current_is_written_in_the_same_change')


def s4(srv, tok, eng, ops):
    r = raw_json(srv, 'POST', '/api/services', '{"name":"S4 a","name":"S4 b"}', tok)
    t.ok(r.status == 400 and r.error == "Duplicate field 'name'", 'S4_duplicate_top_level_key_is_400', r)
    sid = create(srv, tok, name='S4 svc').json['service_id']
    r = raw_json(srv, 'POST', '/api/services/integrations',
                 '{"service_id":%d,"type":"Slack","config":{"webhook_url":"https://hooks.slack.com/a",'
                 '"webhook_url":"http://127.0.0.1:5999/x"}}' % sid, eng)
    t.ok(r.status == 400 and r.error == "Duplicate field 'config.webhook_url'",
         'S4_duplicate_nested_key_is_400_with_its_path', r)
    r = raw_json(srv, 'PUT', '/api/alerts', '{"id":1,"acknowledged":true,"acknowledged":false}', ops)
    t.ok(r.status == 400 and r.error == "Duplicate field 'acknowledged'",
         'S4_duplicate_boolean_key_is_400', r)
    t.ok(not any(n.startswith('S4 a') or n.startswith('S4 b') for n in names_of(srv, tok)),
         'S4_duplicate_key_body_stores_nothing')
    r = create(srv, tok, name='S4 ok', description='"name":"x","name":"y" is only text')
    t.eq(r.status, 201, 'S4_key_like_text_inside_a_string_is_fine')
    for ch, label in (('\u200b', 'zero_width_space'), ('\u200d', 'zero_width_joiner'),
                      ('\u202e', 'rtl_override'), ('\u2066', 'isolate'), ('\u200f', 'rtl_mark'),
                      ('\u2060', 'word_joiner'), ('\ufeff', 'bom')):
        r = create(srv, tok, name='ad' + ch + 'min')
        bad(r, 400, "Field 'name'", 'S4_service_name_with_%s_is_400' % label)
    r = srv.signup('ad\u200bmin', 'password123')
    bad(r, 400, "Field 'username'", 'S4_username_with_zero_width_space_is_400')
    r = srv.signup('\u202enimda', 'password123')
    bad(r, 400, "Field 'username'", 'S4_username_with_bidi_override_is_400')
    r = srv.signup('blankpw', '        ')
    t.ok(r.status == 400 and r.error == 'Password must not be blank', 'S4_password_of_only_spaces_is_400', r)
    for raw, label in ('1e12', '1e12'), ('-5', 'negative'), ('1e300', '1e300'):
        r = raw_json(srv, 'POST', '/api/services', '{"name":"S4 rto %s","rto":%s}' % (label, raw), tok)
        t.ok(r.status == 400 and r.error == "Field 'rto' must be an integer between 0 and 2147483647 "
             "(minutes)", 'S4_rto_%s_says_the_range' % label, r)
    r = raw_json(srv, 'POST', '/api/services', '{"name":"S4 rpo","rpo":2147483648}', tok)
    t.ok(r.status == 400 and "Field 'rpo' must be an integer between 0 and 2147483647" in (r.error or ''),
         'S4_rpo_just_over_int_max_says_the_range', r)
    r = raw_json(srv, 'POST', '/api/services', '{"name":"S4 rto frac","rto":1.5}', tok)
    t.ok(r.status == 400 and r.error == "Field 'rto' must be an integer", 'S4_fractional_rto_is_a_type_error', r)


def b14_upgrade():
    """A database from before 0006 (schema 5, duplicate names, a deleted
    newest id) upgrades with its data intact."""
    import sqlite3
    srv = Server()
    try:
        con = sqlite3.connect(srv.db)
        base = os.path.join(os.environ.get('RESOPS_SOURCE_ROOT', '.'), 'data/migrations')
        for f in sorted(os.listdir(base))[:5]:
            con.executescript(open(os.path.join(base, f)).read())
        con.executescript('''
            PRAGMA user_version = 5;
            INSERT INTO user (id, username, password, role) VALUES (1, 'admin', 'x', 'Admin');
            INSERT INTO service (id, name, description) VALUES
                (1, 'Billing Batch', 'one'), (2, 'Other', 'two'), (3, 'billing batch ', 'three');
            INSERT INTO bia (service_id, criticality) VALUES (3, 'High');
            INSERT INTO service_dependencies VALUES (2, 3);
            INSERT INTO alert (id, service_id, type, message, severity) VALUES (7, 3, 'T', 'm', 'Info');
            INSERT INTO audit_log (action, entity, entity_id, timestamp, user_id) VALUES
                ('Service Created', 'Service', 4, '2026-01-01T00:00:00', 1),
                ('Service Deleted', 'Service', 4, '2026-01-02T00:00:00', 1),
                ('Service Created', 'Service', 1, '2026-01-03T00:00:00', 1);
        ''')
        con.commit()
        con.close()
        srv.start()
        rows = srv.db_query('SELECT id, name, description, created_at FROM service ORDER BY id')
        t.eq(rows, [(1, 'Billing Batch', 'one', '2026-01-03T00:00:00'), (2, 'Other', 'two', None),
                    (3, 'billing batch (2)', 'three', None)],
             'B14_upgrade_keeps_every_service_and_renames_the_later_duplicate')
        t.eq(srv.db_query('SELECT criticality FROM bia WHERE service_id = 3'), [('High',)],
             'B14_upgrade_keeps_child_rows')
        t.eq(srv.db_query('SELECT * FROM service_dependencies'), [(2, 3)],
             'B14_upgrade_keeps_dependency_edges')
        t.eq(srv.db_query('SELECT id, service_id, message FROM alert WHERE id <= 7'), [(7, 3, 'm')],
             'B14_upgrade_keeps_alerts')
        t.ok(srv.db_query("SELECT count(*) FROM audit_log WHERE action = 'Service Renamed' "
                          "AND detail LIKE '%billing batch %'")[0][0] == 1,
             'B14_upgrade_audits_the_rename_with_the_old_name')
        t.eq(srv.db_query('PRAGMA foreign_key_check'), [], 'B14_upgrade_leaves_no_broken_foreign_key')
        srv.db_exec('DELETE FROM user')       # 'x' is no password hash: a fresh account
        srv.signup('owner', 'password123')
        tok = srv.login('owner', 'password123')
        r = create(srv, tok, name='after upgrade')
        t.ok(r.status == 201 and r.json['service_id'] == 5,
             'B14_upgrade_never_reuses_an_id_seen_only_in_the_audit_log', r)
        r = srv.delete('/api/services', {'id': 3}, tok)
        t.ok(r.status == 200 and srv.db_query('SELECT count(*) FROM service_dependencies') == [(0,)]
             and srv.db_query('SELECT count(*) FROM alert WHERE service_id = 3') == [(0,)],
             'B14_upgrade_keeps_cascades_from_the_rebuilt_service_table', r)
    finally:
        srv.stop()
        srv.cleanup()


def main():
    rdir = tempfile.mkdtemp(prefix='resops-s1-')
    receiver = start_receiver(rdir)
    srv = Server(args=['--open-signup']).start()
    try:
        t.eq(srv.signup('admin', 'adminpass').status, 201, 'setup: admin')
        admin = srv.login('admin', 'adminpass')
        srv.signup('owner', 'password123', 'Business Owner')
        srv.signup('ops', 'password123', 'Ops Analyst')
        srv.signup('eng', 'password123', 'Engineer')
        eng = srv.login('eng', 'password123')
        tok = srv.login('owner', 'password123')
        ops = srv.login('ops', 'password123')
        t.ok(tok and ops and admin, 'setup: tokens')
        b6(srv, tok, ops)
        b8_d6(srv, tok, eng)
        b9(srv, tok)
        b10(srv, tok)
        b11(srv, tok)
        b12(srv, tok)
        b13(srv, tok)
        b14(srv, tok)
        b15(srv, tok, ops)
        d9(srv)
        s1(srv, tok, eng, receiver)
        s2(srv, tok, ops)
        s3(srv, tok)
        s4(srv, tok, eng, ops)
    finally:
        rc = srv.stop()
        t.eq(rc, 0, 'server exits cleanly')
        srv.cleanup()
    try:
        s1_allowed(receiver)
    finally:
        receiver[0].terminate()
        receiver[0].wait()
        shutil.rmtree(rdir, ignore_errors=True)
    b14_upgrade()
    t.done()


main()
