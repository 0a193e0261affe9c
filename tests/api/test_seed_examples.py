#!/usr/bin/python3
"""Seed 000 §7 "Example Requests", run as written with curl against a
server started with --open-signup (seed 000's own signup flow). Only the
base URL (http://127.0.0.1:PORT instead of https://localhost:5001, no TLS
here) and the <JWT_TOKEN> placeholder are substituted.

§7.3 and §7.4 need data the examples assume exists: service 1 (for the
dependency and for §7.4/§7.5) and, for §7.3, a Business Owner, since
testuser signs up as Ops Analyst. So before §7: the bootstrap Admin signs
up, a Business Owner signs up (open signup), creates service 1. With
testuser's own token §7.3 is 403 (as the seed's roles say); with the
Business Owner's token it is 201.
"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, Tap  # noqa: E402

t = Tap()

# §7 verbatim (curl continuation lines joined).
EX_7_1 = '''curl -X POST https://localhost:5001/api/auth/signup \\
-H "Content-Type: application/json" \\
-d '{"username": "testuser", "password": "password123", "role": "Ops Analyst"}\''''
EX_7_2 = '''curl -X POST https://localhost:5001/api/auth/login \\
-H "Content-Type: application/json" \\
-d '{"username": "testuser", "password": "password123"}\''''
EX_7_3 = '''curl -X POST https://localhost:5001/api/services \\
-H "Content-Type: application/json" \\
-H "Authorization: Bearer <JWT_TOKEN>" \\
-d '{"name": "Test Service", "description": "A test service", "criticality": "High", "impact": "Severe", "rto": 30, "rpo": 15, "signed_off": true, "dependencies": [1]}\''''
EX_7_4 = '''curl -X PUT https://localhost:5001/api/risk/1/manual \\
-H "Content-Type: application/json" \\
-H "Authorization: Bearer <JWT_TOKEN>" \\
-d '{"risk_score": 80, "risk_level": "High", "reason": "Manual override", "is_critical": true}\''''
EX_7_5 = '''curl -X GET https://localhost:5001/api/services/1/health \\
-H "Authorization: Bearer <JWT_TOKEN>"'''


def run(example, port, token=None):
    cmd = example.replace('https://localhost:5001', 'http://127.0.0.1:%d' % port)
    if token:
        cmd = cmd.replace('<JWT_TOKEN>', token)
    cmd = cmd.replace('curl ', 'curl -s -w "\\n%{http_code}" ', 1)
    p = subprocess.run(['bash', '-c', cmd], capture_output=True, text=True, timeout=60)
    body, _, code = p.stdout.rpartition('\n')
    try:
        return int(code), json.loads(body)
    except ValueError:
        return int(code or 0), body


def main():
    if not shutil.which('curl'):
        t.skip('seed 000 §7 examples', 'curl not installed')
        t.done()
    srv = Server(args=['--open-signup']).start()
    try:
        admin = srv.signup('admin', 'adminpass')
        t.eq(admin.status, 201, 'setup: the bootstrap Admin signs up')
        r = srv.signup('owner', 'ownerpass', role='Business Owner')
        t.ok(r.status == 201 and r.json.get('role') == 'Business Owner',
             'setup: with --open-signup anyone gets the role asked for', r)
        owner = srv.login('owner', 'ownerpass')
        r = srv.post('/api/services', {'name': 'Core Database'}, owner)
        t.ok(r.status == 201 and r.json.get('service_id') == 1, 'setup: service 1 exists', r)

        code, body = run(EX_7_1, srv.port)
        t.ok(code == 201 and body == {'message': 'User registered successfully', 'user_id': 3,
                                      'role': 'Ops Analyst'}, '§7.1 signup: 201', (code, body))
        code, body = run(EX_7_2, srv.port)
        t.ok(code == 200 and isinstance(body, dict) and body.get('access_token'),
             '§7.2 login: 200 with access_token', (code, body))
        tok = body.get('access_token') if isinstance(body, dict) else ''

        code, body = run(EX_7_3, srv.port, tok)
        t.ok(code == 403 and body == {'error': 'Forbidden: Insufficient role permissions'},
             '§7.3 create service with testuser (Ops Analyst): 403', (code, body))
        code, body = run(EX_7_3, srv.port, owner)
        t.ok(code == 201 and body == {'message': 'Service created', 'service_id': 2},
             '§7.3 create service with a Business Owner token: 201', (code, body))

        code, body = run(EX_7_4, srv.port, tok)
        t.ok(code == 200 and body == {'message': 'Manual risk score updated'},
             '§7.4 update manual risk score: 200', (code, body))
        r = srv.get('/api/risk/1', tok)
        t.ok(r.status == 200 and (r.json['risk_score'], r.json['risk_level'], r.json['is_critical'],
                                  r.json['reason'], r.json['source']) ==
             (80, 'High', True, 'Manual override', 'manual'), '§7.4 is the latest risk of service 1', r)

        # Service 1 has no BIA and no status yet: Unknown, computed risk 0
        # (Low; health uses the rules, not §7.4's manual override), so
        # neither Healthy (needs Up) nor Unhealthy (needs Down or High).
        code, body = run(EX_7_5, srv.port, tok)
        t.ok(code == 200 and isinstance(body, dict) and body.get('service_id') == 1
             and body.get('name') == 'Core Database', '§7.5 service health: 200', (code, body))
        b = body if isinstance(body, dict) else {}
        t.eq((b.get('status'), b.get('overall_health')), ('Unknown', 'Degraded'),
             '§7.5 service 1 (no status, low risk) is Degraded')
        r = srv.get('/api/services', tok).json
        t.eq([s['bia']['dependencies'] for s in r if s['id'] == 2], [[1]], '§7.3 service depends on 1')
        r = srv.signup('wannabe', 'password123', role='Admin')
        t.eq(r.status, 403, 'open signup never grants Admin')
    finally:
        t.eq(srv.stop(), 0, 'server exits cleanly')
        srv.cleanup()
    t.done()


main()
