#!/usr/bin/python3
"""Issue 12 item 1: Swagger UI at /api/docs/ui from a packaged Swagger UI
distribution (api.docs_dir, default Debian's python3-flasgger), rendered
by a real headless Chromium.

1. /api/docs/ui and /api/docs/ui/ answer our page (text/html) that loads
   the packaged bundle; the bundle, preset, CSS and icon are served byte
   for byte from api.docs_dir with their content types; our
   swagger-initializer.js points the bundle at /api/openapi.json.
2. Names outside the rule (dot files, other extensions, missing files)
   are 404 with an error; nothing outside the folder is reachable.
3. With api.docs_dir pointing at a folder without Swagger UI, the page
   is a 404 whose error says Swagger UI is not installed.
4. Chromium (--headless --dump-dom, virtual time) renders the page: the
   DOM lists every operation of data/openapi.json (one "opblock" per
   method and path, each path shown), /api/ingestion/raw among them when
   it is documented.

Prints TAP. Run: RESOPS_BIN=build/resops tests/api/test_docs_ui.py
"""
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SRC, Server, Tap  # noqa: E402

t = Tap()
DOCS = '/usr/lib/python3/dist-packages/flasgger/ui3/static'   # = API_DOCS_DIR_DEFAULT
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
METHODS = ('get', 'put', 'post', 'delete', 'patch')


def fetch(srv, path):
    c = http.client.HTTPConnection('127.0.0.1', srv.port, timeout=30)
    try:
        c.request('GET', path)
        r = c.getresponse()
        return r.status, r.getheader('Content-Type'), r.read()
    finally:
        c.close()


def check_files(srv):
    for path in ('/api/docs/ui', '/api/docs/ui/', '/api/docs/ui/index.html'):
        st, ct, body = fetch(srv, path)
        t.ok(st == 200 and ct.startswith('text/html') and b'/api/docs/ui/swagger-ui-bundle.js'
             in body and b'id="swagger-ui"' in body, '%s is our page loading the bundle' % path,
             (st, ct, body[:200]))
    for name, ctype in (('swagger-ui-bundle.js', 'application/javascript'),
                        ('swagger-ui-standalone-preset.js', 'application/javascript'),
                        ('swagger-ui.css', 'text/css'), ('favicon-32x32.png', 'image/png')):
        st, ct, body = fetch(srv, '/api/docs/ui/' + name)
        with open(os.path.join(DOCS, name), 'rb') as f:
            want = f.read()
        t.ok(st == 200 and ct.startswith(ctype) and body == want,
             '%s: the packaged file byte for byte, %s' % (name, ctype), (st, ct, len(body)))
    st, ct, body = fetch(srv, '/api/docs/ui/swagger-initializer.js')
    t.ok(st == 200 and b'url: "/api/openapi.json"' in body and b'SwaggerUIBundle(' in body,
         'our swagger-initializer.js points the bundle at /api/openapi.json', body[:300])
    for path in ('/api/docs/ui/.hidden.js', '/api/docs/ui/x.txt', '/api/docs/ui/nope.js',
                 '/api/docs/ui/..%2F..%2Fetc%2Fpasswd', '/api/docs/ui/../../../etc/passwd',
                 '/api/docs/ui/lib'):
        st, ct, body = fetch(srv, path)
        err = json.loads(body).get('error') if ct == 'application/json' else None
        t.ok(st == 404 and err, '%s: 404 with an error' % path, (st, body[:200]))


def check_missing():
    empty = tempfile.mkdtemp(prefix='resops-nodocs-')
    srv = Server(env={'RESOPS_DOCS_DIR': empty}).start()
    try:
        st, ct, body = fetch(srv, '/api/docs/ui')
        err = json.loads(body).get('error', '') if ct == 'application/json' else ''
        t.ok(st == 404 and 'Swagger UI is not installed' in err and empty in err,
             'no Swagger UI in api.docs_dir: 404 "Swagger UI is not installed: ..."', body)
        st, _, _ = fetch(srv, '/api/docs/ui/swagger-ui.css')
        t.eq(st, 404, 'and its files are 404 too')
    finally:
        t.eq(srv.stop(), 0, 'server (no docs) exits cleanly')
        srv.cleanup()
        shutil.rmtree(empty, ignore_errors=True)


def operations():
    with open(os.path.join(SRC, 'data/openapi.json')) as f:
        doc = json.load(f)
    return [(m, p) for p, item in doc['paths'].items() for m in item if m in METHODS]


def check_chromium(srv):
    if not CHROMIUM:
        t.skip('Chromium renders the operations', 'chromium not installed')
        return
    prof = tempfile.mkdtemp(prefix='resops-chromium-')
    try:
        p = subprocess.run([CHROMIUM, '--headless', '--disable-gpu', '--no-sandbox',
                            '--no-first-run', '--user-data-dir=' + prof,
                            '--virtual-time-budget=10000', '--dump-dom',
                            'http://127.0.0.1:%d/api/docs/ui/' % srv.port],
                           capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(prof, ignore_errors=True)
    dom = p.stdout
    t.ok(p.returncode == 0 and 'swagger-ui' in dom, 'Chromium renders /api/docs/ui/',
         p.stderr[-1500:])
    ops = operations()
    blocks = re.findall(r'class="opblock opblock-(get|put|post|delete|patch)\b', dom)
    t.eq(len(blocks), len(ops), 'one opblock per documented operation (%d)' % len(ops))
    shown = set(re.findall(r'data-path="([^"]+)"', dom))
    missing = sorted({path for _, path in ops} - shown)
    t.ok(not missing, 'every documented path is listed in the rendered page', missing[:10])
    t.ok('/api/admin/metrics' in shown and '/api/docs/ui' in shown,
         'the page lists /api/admin/metrics and /api/docs/ui')
    if any(path == '/api/ingestion/raw' for _, path in ops):
        t.ok('/api/ingestion/raw' in shown, 'the page lists /api/ingestion/raw')
    else:
        t.skip('the page lists /api/ingestion/raw', 'not documented in this build yet')


def main():
    if not os.path.isfile(os.path.join(DOCS, 'swagger-ui-bundle.js')):
        t.skip('Swagger UI', 'python3-flasgger is not installed (make deps)')
        t.done()
    srv = Server(env={'RESOPS_DOCS_DIR': DOCS}).start()
    try:
        check_files(srv)
        check_chromium(srv)
    finally:
        t.eq(srv.stop(), 0, 'server exits cleanly')
        srv.cleanup()
    check_missing()
    t.done()


main()
