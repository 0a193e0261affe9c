"""Black-box test harness: the real resops binary on a random loopback
port, a real HTTP client (http.client), TAP output.

Used by test_api.py, test_seed_examples.py and test_openapi.py. Only the
Python standard library is needed (run with Debian's /usr/bin/python3).

Under valgrind (`meson test --setup valgrind`, tests/meson.build) the
environment's RESOPS_WRAPPER is the valgrind command: every server runs as
wrapper argv + binary argv with its own log file, its start, stop and waits
get SLOW times longer, and each run that was stopped with SIGTERM adds one
case at the end (Tap.done) from tests/valgrind/vgcheck.py's verdict on its
log: zero errors, no definite leak.
"""
import base64
import http.client
import json
import os
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

BIN = os.environ.get('RESOPS_BIN') or os.path.join(os.path.dirname(__file__), '../../build/resops')
SRC = os.environ.get('RESOPS_SOURCE_ROOT') or os.path.join(os.path.dirname(__file__), '../..')
WRAPPER = shlex.split(os.environ.get('RESOPS_WRAPPER', ''))
# how much longer a start, a stop and a wait may take under the wrapper
SLOW = 20 if WRAPPER else 1
# one (name, ok, summary) a wrapped server run, reported by Tap.done()
VALGRIND_RUNS = []
if WRAPPER:
    sys.path.insert(0, os.path.join(SRC, 'tests/valgrind'))
    sys.dont_write_bytecode = True   # no __pycache__ in the source tree
    import vgcheck  # noqa: E402


class Tap:
    """TAP producer: every check is one numbered case; the plan goes last."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=None):
        self.n += 1
        if cond:
            print('ok %d - %s' % (self.n, name), flush=True)
        else:
            self.failed += 1
            print('not ok %d - %s' % (self.n, name), flush=True)
            if diag is not None:
                for line in str(diag).splitlines()[:30]:
                    print('#   ' + line, flush=True)
        return bool(cond)

    def eq(self, got, want, name):
        return self.ok(got == want, name, 'got:  %r\nwant: %r' % (got, want))

    def skip(self, name, why):
        self.n += 1
        print('ok %d - %s # SKIP %s' % (self.n, name, why), flush=True)

    def done(self):
        for name, ok, summary in VALGRIND_RUNS:
            self.ok(ok, name, summary)
        print('1..%d' % self.n, flush=True)
        sys.exit(1 if self.failed else 0)


class Response:
    def __init__(self, status, body, headers):
        self.status = status
        self.raw = body
        self.headers = headers
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    @property
    def error(self):
        return self.json.get('error') if isinstance(self.json, dict) else None

    @property
    def message(self):
        return self.json.get('message') if isinstance(self.json, dict) else None

    def __repr__(self):
        return '<%d %s>' % (self.status, self.raw[:300])


class Server:
    """One resops --headless process with its own temporary database."""

    def __init__(self, args=(), env=None, workdir=None, tls=None):
        self.dir = workdir or tempfile.mkdtemp(prefix='resops-api-')
        self.db = os.path.join(self.dir, 'resops.db')
        self.args = list(args)
        self.env = dict(os.environ)
        self.env.setdefault('RESOPS_PASSWORD_LIMITS', 'min')
        for k in ('JWT_SECRET_KEY', 'RESOPS_LISTEN', 'CORS_ORIGINS', 'RESOPS_OPEN_SIGNUP'):
            self.env.pop(k, None)
        self.env['XDG_CONFIG_HOME'] = self.dir      # no user config file
        if env:
            self.env.update(env)
        self.tls = tls
        self.proc = None
        self.log = []
        self.port = None

    def start(self, timeout=20):
        cmd = [BIN, '--headless', '--db', self.db, '--listen', '127.0.0.1:0',
               '--check-interval', '3600'] + self.args
        if WRAPPER:
            cmd = WRAPPER + ['--log-file=' + os.path.join(self.dir, 'valgrind.%p.log')] + cmd
            timeout *= SLOW
        self.log = []
        self.proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     env=self.env, text=True)
        ready = threading.Event()

        def reader():
            for line in self.proc.stderr:
                self.log.append(line)
                m = re.search(r'listening on https?://[^ ]*:(\d+)', line)
                if m:
                    self.port = int(m.group(1))
                    ready.set()
            ready.set()
        self.thread = threading.Thread(target=reader, daemon=True)
        self.thread.start()
        if not ready.wait(timeout) or not self.port:
            self.stop()
            raise RuntimeError('resops did not start:\n' + ''.join(self.log))
        return self

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Stop the process; returns its exit code. Under the wrapper a run
        stopped with SIGTERM is checked (valgrind_verdict)."""
        if not self.proc:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout * SLOW)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            if WRAPPER:
                VALGRIND_RUNS.append(('valgrind: server run %d stops' % (len(VALGRIND_RUNS) + 1),
                                      False, 'pid %d did not exit %d s after signal %d'
                                      % (self.proc.pid, timeout * SLOW, sig)))
            sig = signal.SIGKILL
        self.thread.join(5)
        if WRAPPER and sig != signal.SIGKILL:
            self.valgrind_verdict()
        self.proc = None
        return rc

    def valgrind_verdict(self):
        """One VALGRIND_RUNS row for the run that just ended."""
        pid = self.proc.pid
        ok, summary = vgcheck.check(os.path.join(self.dir, 'valgrind.%d.log' % pid))
        VALGRIND_RUNS.append(('valgrind: server run %d (%s) exits with 0 errors, no definite leak'
                              % (len(VALGRIND_RUNS) + 1, ' '.join(self.args)[:60] or 'no options'),
                              ok, 'pid %d: %s' % (pid, summary)))

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def logtext(self):
        return ''.join(self.log)

    def conn(self):
        if self.tls:
            return http.client.HTTPSConnection('127.0.0.1', self.port, timeout=30,
                                               context=self.tls)
        return http.client.HTTPConnection('127.0.0.1', self.port, timeout=30)

    def request(self, method, path, body=None, token=None, headers=None, raw=None):
        h = {}
        if body is not None:
            raw = json.dumps(body)
        if raw is not None:
            h['Content-Type'] = 'application/json'
        if token:
            h['Authorization'] = 'Bearer ' + token
        if headers:
            h.update(headers)
        c = self.conn()
        try:
            c.request(method, path, body=raw.encode() if isinstance(raw, str) else raw,
                      headers=h)
            r = c.getresponse()
            data = r.read().decode('utf-8', 'replace')
            return Response(r.status, data, {k.lower(): v for k, v in r.getheaders()})
        finally:
            c.close()

    def get(self, path, token=None, **kw):
        return self.request('GET', path, token=token, **kw)

    def post(self, path, body=None, token=None, **kw):
        return self.request('POST', path, body, token, **kw)

    def put(self, path, body=None, token=None, **kw):
        return self.request('PUT', path, body, token, **kw)

    def delete(self, path, body=None, token=None, **kw):
        return self.request('DELETE', path, body, token, **kw)

    def signup(self, username, password='password123', role=None, token=None):
        body = {'username': username, 'password': password}
        if role is not None:
            body['role'] = role
        return self.post('/api/auth/signup', body, token)

    def login(self, username, password='password123'):
        r = self.post('/api/auth/login', {'username': username, 'password': password})
        return r.json.get('access_token') if r.status == 200 else None

    def db_query(self, sql, args=()):
        con = sqlite3.connect(self.db, timeout=10)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def db_exec(self, sql, args=()):
        con = sqlite3.connect(self.db, timeout=10)
        try:
            con.execute(sql, args)
            con.commit()
        finally:
            con.close()

    def secret(self):
        with open(self.db + '.jwt-secret', 'rb') as f:
            return f.read().strip()


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


def b64u_decode(s):
    return base64.urlsafe_b64decode(s + '=' * (-len(s) % 4))


def jwt_parts(token):
    h, p, s = token.split('.')
    return json.loads(b64u_decode(h)), json.loads(b64u_decode(p)), s


def jwt_make(header, payload, key, digest='sha256'):
    import hashlib
    import hmac
    h = b64u(json.dumps(header, separators=(',', ':')).encode())
    p = b64u(json.dumps(payload, separators=(',', ':')).encode())
    if header.get('alg') == 'none':
        return h + '.' + p + '.'
    sig = hmac.new(key, (h + '.' + p).encode(), getattr(hashlib, digest)).digest()
    return h + '.' + p + '.' + b64u(sig)


def wait_for(fn, timeout=30.0, step=0.05):
    """fn() until it returns something truthy or the deadline passes (a
    condition, not a fixed sleep; SLOW times longer under the wrapper);
    returns its last value."""
    end = time.monotonic() + timeout * SLOW
    while True:
        v = fn()
        if v or time.monotonic() > end:
            return v
        time.sleep(step)


def start_receiver(dirpath, name='webhook.log'):
    """The notifier tests' HTTP receiver (tests/integration/notify_receiver.py)
    on a loopback port: (process, port, log path)."""
    log = os.path.join(dirpath, name)
    p = subprocess.Popen([sys.executable, os.path.join(SRC, 'tests/integration/notify_receiver.py'),
                          log, '--port', '0'], stdout=subprocess.PIPE, text=True)
    port = int(p.stdout.readline().split()[1])
    return p, port, log


def received(log):
    """The receiver's log: one dict a request, oldest first."""
    try:
        with open(log) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []
