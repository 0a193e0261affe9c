#!/usr/bin/env python3
"""gen_corpus.py — (re)write the seed corpora of the fuzz targets api, jwt,
config, playbook and rrule, and dict/json.dict, from what the project
already has: the route table (src/api/router.c), every request the API
tests make (tests/api/*.py, read with ast), the seeds' curl examples
(/work/shared/seeds or $SEEDS), data/openapi.json, the example config,
the demo playbook file and the silences tests' RRULEs.

    python3 tests/fuzz/tools/gen_corpus.py [--seeds DIR]

Files are named by the SHA-1 of their content, so running it again adds
only what is new; libFuzzer's own finds (make fuzz) sit beside them.
The input formats are those of the targets' opening comments.
"""
import argparse
import ast
import base64
import glob
import hashlib
import hmac
import json
import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
FUZZ = os.path.join(ROOT, 'tests', 'fuzz')
PER_ROUTE_MAX = 40


def write(target, data):
    d = os.path.join(FUZZ, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def routes():
    text = open(os.path.join(ROOT, 'src', 'api', 'router.c')).read()
    table = text[text.index('routes[] = {'):]
    return re.findall(r'\{"(GET|POST|PUT|DELETE|PATCH)",\s*"([^"]+)"', table)


def pattern_re(pattern):
    return re.compile('^' + re.sub(r'\\\{[^}]*\\\}', '([^/]+)', re.escape(pattern)) + '$')


# ---- api ---------------------------------------------------------------

class Requests(ast.NodeVisitor):
    """Every harness call (h.get/post/put/delete/patch/request) with a
    literal-ish path; values the test computes become 1 or "x"."""

    def __init__(self):
        self.found = []

    def value(self, n):
        if isinstance(n, ast.Constant):
            return n.value
        if isinstance(n, ast.Dict):
            return {self.value(k) if k else 'x': self.value(v) for k, v in zip(n.keys, n.values)}
        if isinstance(n, (ast.List, ast.Tuple)):
            return [self.value(e) for e in n.elts]
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            v = self.value(n.operand)
            return -v if isinstance(v, (int, float)) else v
        if isinstance(n, ast.JoinedStr):
            return ''.join(str(v.value) if isinstance(v, ast.Constant) else '1'
                           for v in n.values)
        return 1

    def visit_Call(self, node):
        f = node.func
        if isinstance(f, ast.Attribute) and f.attr in (
                'get', 'post', 'put', 'delete', 'patch', 'request'):
            args = list(node.args)
            method = f.attr.upper()
            if f.attr == 'request' and args and isinstance(args[0], ast.Constant):
                method = str(args.pop(0).value)
            kw = {k.arg: k.value for k in node.keywords if k.arg}
            if args and isinstance(args[0], (ast.Constant, ast.JoinedStr)):
                path = self.value(args[0])
                body = args[1] if len(args) > 1 else kw.get('body')
                raw = kw.get('raw')
                if isinstance(path, str) and path.startswith('/'):
                    b = None
                    if raw is not None:
                        v = self.value(raw)
                        b = v.encode() if isinstance(v, str) else v if isinstance(v, bytes) \
                            else None
                    elif body is not None:
                        v = self.value(body)
                        if v is not None:
                            b = json.dumps(v).encode()
                    hdrs = self.value(kw['headers']) if 'headers' in kw else {}
                    self.found.append((method, path, b, hdrs if isinstance(hdrs, dict) else {}))
        self.generic_visit(node)


def seed_requests(seeds):
    out = []
    for p in sorted(glob.glob(os.path.join(seeds, '*.txt'))):
        for m in re.finditer(r"curl -X (\w+) https?://[^/\s]+(/\S*)(.*)", open(p).read()):
            body = re.search(r"-d '([^']*)'", m.group(3))
            out.append((m.group(1), m.group(2).rstrip("\\"),
                        body.group(1).encode() if body else None, {}))
    return out


DEFAULT_PARAM = {'incident_id': 'INC-DEMO-1', 'category': 'application', 'id': 'alert-123',
                 'file': 'index.html', 'token_name': 'fuzz-write', 'token': 'x'}


def api_record(table, method, path, body, headers):
    path, _, query = path.partition('?')
    line, idx = None, 255
    for i, (m, pat) in enumerate(table):
        g = pattern_re(pat).match(path)
        if m == method and g:
            line, idx = '/'.join(g.groups()), i
            break
    if line is None:
        line = '%s %s' % (method, path)
    if query:
        line += '?' + query
    hdrs = dict(headers)
    if body is not None:
        hdrs.setdefault('Content-Type', 'application/json')
    if path.startswith('/admin/'):
        hdrs.setdefault('x-admin-token', 'fuzz-admin-token')
    head = ''.join('%s: %s\n' % (k, v) for k, v in hdrs.items()
                   if isinstance(k, str) and '\n' not in str(v))
    return bytes([idx]) + (line + '\n' + head + '\n').encode() + (body or b'')


def gen_api(seeds):
    table = routes()
    reqs = []
    for p in sorted(glob.glob(os.path.join(ROOT, 'tests', 'api', '*.py'))):
        v = Requests()
        v.visit(ast.parse(open(p).read()))
        reqs += v.found
    reqs += seed_requests(seeds)
    per = {}
    for method, path, body, hdrs in reqs:
        rec = api_record(table, method, path, body, hdrs)
        if per.setdefault(rec[0], 0) < PER_ROUTE_MAX or rec[0] == 255:
            per[rec[0]] += 1
            write('api', rec)
    samples = {'alertmanager': '/api/ingest/alertmanager', 'wazuh': '/api/ingest/wazuh',
               'rfc': '/api/ingest/syslog', 'falco': '/api/ingest/generic',
               'seed': '/api/ingestion/raw'}
    for p in sorted(glob.glob(os.path.join(ROOT, 'tests', 'data', 'security', '*_*'))):
        path = samples.get(os.path.basename(p).split('_')[0].rstrip('0123456789'))
        ctype = 'text/plain' if p.endswith('.log') else 'application/json'
        if path:
            write('api', api_record(table, 'POST', path, open(p, 'rb').read(),
                                    {'Content-Type': ctype}))
            write('api', api_record(table, 'PUT', '/api/ingestion/upload/x',
                                    open(p, 'rb').read(), {'Content-Type': ctype}))
    for i, (m, pat) in enumerate(table):   # every route once, even untested ones
        params = '/'.join(DEFAULT_PARAM.get(n, '1') for n in re.findall(r'\{([^}]*)\}', pat))
        body = b'' if m in ('GET', 'DELETE') else b'{}'
        write('api', bytes([i]) + (params + '\nContent-Type: application/json\n'
                                   'x-admin-token: fuzz-admin-token\n\n').encode() + body)
    return len(reqs)


# ---- jwt ---------------------------------------------------------------

JWT_KEY = b'fuzz-jwt-key-0123456789abcdef0123456789'   # fuzz_jwt.c's fixture
JTI = '00112233445566778899aabbccddeeff'
NOW = 1767225600


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b'=').decode()


def jwt(header, claims, key=JWT_KEY, digest='sha256'):
    h = b64u(json.dumps(header).encode()) + '.' + b64u(json.dumps(claims).encode())
    sig = hmac.new(key, h.encode(), digest).digest()
    return h + '.' + b64u(sig)


def gen_jwt():
    table = routes()
    pick = [i for i, (m, p) in enumerate(table)
            if p in ('/api/healthz', '/api/services', '/api/auth/signup', '/api/admin/tokens',
                     '/api/ingestion/raw', '/api/alerts')]
    good = {'sub': '1', 'username': 'admin', 'role': 'Admin', 'jti': JTI, 'iat': NOW - 10,
            'exp': NOW + 3600}
    hs = {'alg': 'HS256', 'typ': 'JWT'}
    tokens = [
        jwt(hs, good),
        jwt(hs, dict(good, exp=NOW - 1)),
        jwt(hs, {k: v for k, v in good.items() if k != 'exp'}),
        jwt(hs, dict(good, sub='abc')),
        jwt(hs, dict(good, sub='2')),
        jwt(hs, dict(good, jti='short')),
        jwt(hs, dict(good, nbf=NOW + 3600)),
        jwt(hs, dict(good, exp='soon')),
        jwt({'alg': 'HS512', 'typ': 'JWT'}, good, digest='sha512'),
        jwt(hs, good, key=b'another-key-another-key-another-key'),
        b64u(json.dumps({'alg': 'none'}).encode()) + '.' + b64u(json.dumps(good).encode()) + '.',
        'rsk_' + 'A' * 43, 'rsk_' + 'B' * 43, 'rsk_' + 'C' * 43, 'rsk_' + 'D' * 43, 'rsk_',
        'not-a-token', '',
    ]
    for i, tok in enumerate(tokens):
        r = pick[i % len(pick)]
        write('jwt', bytes([r, 1]) + ('Bearer ' + tok + '\n').encode())
        write('jwt', bytes([pick[(i + 1) % len(pick)], 2]) + ('\n' + tok).encode())
    for auth in ('Basic YWRtaW46YWRtaW4=', 'bearer   x.y.z', 'Bearer', '  Bearer ' + tokens[0]):
        write('jwt', bytes([pick[0], 3]) + (auth + '\n' + tokens[0]).encode())


# ---- config, playbook, rrule ---------------------------------------------

def gen_config():
    example = open(os.path.join(ROOT, 'data', 'resops.conf.example'), 'rb').read()
    write('config', b'\0' + example)
    write('config', b'\0[api]\nlisten = "127.0.0.1:0"  # quoted\nopen_signup = true\n'
                    b'[engine]\ncheck_interval = 5 ; comment\n')
    write('config', b'\0[api]\nlisten\n[nosuch]\nx = 1\n')
    write('config', b'\0[engine]\ncheck_interval = abc\n')
    write('config', b'\x01api.listen=127.0.0.1:8080\nengine.check_interval=5\n'
                    b'api.open_signup=yes\nnotify.repeat_interval=0\n')
    write('config', b'\x01nosuch.key=1\napi.listen=\n')


PLAYBOOKS = [
    '[{"type":"noop","action":"health_check","description":"Check ${service}"}]',
    '[{"type":"set_status","action":"mark","status":"Down","service_id":3},'
    '{"type":"ack_alerts","action":"ack_alerts"}]',
    '[{"type":"command","action":"restart","argv":["systemctl","restart","${service}"],'
    '"expect":0,"timeout_ms":5000}]',
    '[{"type":"http","action":"hook","url":"https://example.org/h?i=${incident_id}",'
    '"method":"POST","body":"{\\"id\\":\\"${incident_id}\\"}","headers":["X-A: ${category}"],'
    '"expect":200}]',
    '[{"type":"action","action":"log_check","description":"from the file"}]',
    '[]', '{}', '[1]', '[{"type":"nope"}]',
]


def gen_playbook():
    demo = re.search(r'demo_playbooks\[\] =\n(.*?);\n',
                     open(os.path.join(ROOT, 'src', 'domain', 'seed.c')).read(), re.S)
    file_text = ''.join(ast.literal_eval(s) for s in re.findall(r'"(?:[^"\\]|\\.)*"',
                                                                 demo.group(1)))
    for sel in (2, 3):
        write('playbook', bytes([sel]) + file_text.encode())
        write('playbook', bytes([sel]) + b'{"actions":{"restart-web":{"type":"command",'
              b'"argv":["true"]}},"network":[{"type":"action","action":"restart-web"}]}')
    for p in PLAYBOOKS:
        write('playbook', b'\0' + p.encode())
        write('playbook', b'\1' + p.encode())


RRULES = [
    ('FREQ=WEEKLY;BYDAY=SU;BYHOUR=2', 'Europe/Berlin', '2h'),
    ('FREQ=WEEKLY;BYDAY=SU;BYHOUR=4', '', '60'),
    ('FREQ=DAILY;COUNT=1', 'UTC', '30m'),
    ('FREQ=DAILY;BYHOUR=2,3;BYMINUTE=0,30', 'Europe/Berlin', '45m'),
    ('FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=23', 'America/New_York', '1d'),
    ('FREQ=HOURLY;INTERVAL=6;UNTIL=20260301T000000Z', 'Asia/Kolkata', '15'),
    ('FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU;BYHOUR=2;BYMINUTE=30', 'Europe/London', '1h'),
    ('FREQ=SOMETIMES', '', '1h'), ('BYDAY=SU', '', ''), ('FREQ=WEEKLY', 'Mars/Olympus', 'x'),
]


def gen_rrule():
    for i, (r, tz, d) in enumerate(RRULES):
        write('rrule', bytes([i * 7 % 256, i * 13 % 256]) + ('%s\n%s\n%s' % (r, tz, d)).encode())


# ---- dict/json.dict ----------------------------------------------------

def gen_json_dict(seeds):
    words = set()
    spec = json.load(open(os.path.join(ROOT, 'data', 'openapi.json')))

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                if k == 'properties' and isinstance(x, dict):
                    words.update(x.keys())
                if k == 'enum' and isinstance(x, list):
                    words.update(e for e in x if isinstance(e, str))
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    walk(spec)
    for p in glob.glob(os.path.join(seeds, '*.txt')):
        words.update(re.findall(r'"([a-z][a-z0-9_]{2,30})"\s*:', open(p).read()))
    words = sorted(w for w in words if re.fullmatch(r'[A-Za-z0-9_.\- ]{2,40}', w))
    tokens = ['{', '}', '[', ']', ':', ',', '""', '"', 'true', 'false', 'null', '0', '-1',
              '1e308', '-0.0', '9223372036854775807', '-9223372036854775808',
              '18446744073709551616', '\\u0000', '\\ud800', '\\"', '\\\\', '{}', '[]',
              '"\\u00e9"', '?limit=', '&offset=', '%00', '%2F']
    with open(os.path.join(FUZZ, 'dict', 'json.dict'), 'w') as f:
        f.write('# json.dict — JSON tokens and the field names and enum values of\n'
                '# data/openapi.json and the seeds (tools/gen_corpus.py writes it)\n')
        for i, t in enumerate(tokens):
            f.write('tok%d="%s"\n' % (i, t.replace('\\', '\\\\').replace('"', '\\"')))
        for w in words:
            f.write('"\\"%s\\""\n' % w)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--seeds', default=os.environ.get('SEEDS', '/work/shared/seeds'))
    a = ap.parse_args()
    n = gen_api(a.seeds)
    gen_jwt()
    gen_config()
    gen_playbook()
    gen_rrule()
    gen_json_dict(a.seeds)
    for t in ('api', 'jwt', 'config', 'playbook', 'rrule'):
        print('%s: %d files' % (t, len(os.listdir(os.path.join(FUZZ, 'corpus', t)))))
    print('api: %d requests read from tests/api and the seeds' % n)


if __name__ == '__main__':
    main()
