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
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, Tap  # noqa: E402

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
    for name, label in (('admin ', 'trailing_space'), ('Demo', 'other_case'), (' DEMO ', 'both')):
        r = srv.signup(name, 'password123')
        t.ok(r.status == 409 and r.error, 'D9_lookalike_username_%s_is_409' % label, r)
    r = srv.post('/register', {'username': 'ADMIN', 'password': 'password123'})
    t.eq(r.status, 409, 'D9_lookalike_username_at_seed004_register_is_409')
    r = srv.signup('demo', 'password123')
    t.ok(r.status == 400 and r.error == 'User already exists', 'D9_exact_duplicate_keeps_the_seed_400', r)
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
    finally:
        rc = srv.stop()
        t.eq(rc, 0, 'server exits cleanly')
        srv.cleanup()
    b14_upgrade()
    t.done()


main()
