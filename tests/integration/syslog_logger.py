#!/usr/bin/python3
"""Issue 12: the syslog listener (--syslog ADDR:PORT) fed by the real
logger(1) of util-linux: RFC 5424 and RFC 3164, over UDP and TCP, TCP with
LF framing and with RFC 6587 octet counting. Each line arrives as a
security alert of source "syslog", normalized (severity from PRI, title
"app: message", the sender's host an observable). Then a raw TCP client:
several frames in one write and one frame split across writes, a mix of
both framings on one connection, a line that is not syslog (dropped), and
an oversized frame (the connection is closed, the listener lives on).
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'api'))
from harness import Server, Tap, wait_for  # noqa: E402

t = Tap()


def free_port():
    """A port free for both TCP and UDP in this test's range (18220-18299)."""
    for p in range(18220, 18300):
        ok = True
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_INET, kind)
            try:
                s.bind(('127.0.0.1', p))
            except OSError:
                ok = False
            finally:
                s.close()
        if ok:
            return p
    raise RuntimeError('no free port in 18220-18299')


def syslog_alerts(srv, tok):
    r = srv.get('/api/security/alerts?limit=1000', tok)
    items = r.json if isinstance(r.json, list) else (r.json or {}).get('alerts', [])
    return [a for a in items if a.get('source') == 'syslog'] if r.status == 200 else []


def normalized(srv, tok, aid):
    def get():
        r = srv.get('/api/security/alerts/' + aid, tok)
        return r.json if r.status == 200 and r.json.get('stage') in ('normalized', 'triaged') else None
    a = wait_for(get, timeout=5)
    if not a:        # no pipeline thread yet: triage normalizes first
        srv.post('/api/triage/%s/score/triage' % aid, {}, tok)
        a = wait_for(get, timeout=10)
    doc = (a or {}).get('normalized') or {}
    return doc['normalized'] if isinstance(doc.get('normalized'), dict) else doc


def raw_of(srv, tok, aid):
    r = srv.get('/api/objects/raw/' + aid, tok)
    return r.raw if r.status == 200 else ''


def main():
    if not shutil.which('logger'):
        t.skip('logger feeds the syslog listener', 'logger (util-linux) not installed')
        t.done()
    port = free_port()
    srv = Server(args=['--syslog', '127.0.0.1:%d' % port]).start()
    try:
        t.ok(wait_for(lambda: 'syslogd: listening' in srv.logtext(), timeout=10),
             'the syslog listener is up', srv.logtext())
        srv.signup('admin', 'adminpass')
        tok = srv.login('admin', 'adminpass')
        runs = []
        for fmt in ('--rfc5424', '--rfc3164'):
            for transport in (['--udp'], ['--tcp'], ['--tcp', '--octet-count']):
                mark = uuid.uuid4().hex[:12]
                msg = 'Failed password for root from 203.0.113.5 port 22 ssh2 m%s' % mark
                cmd = ['logger', '--server', '127.0.0.1', '--port', str(port), fmt] + transport + \
                      ['-t', 'sshd', '-p', 'auth.err', msg]
                p = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
                runs.append((fmt, ' '.join(transport), mark, msg))
                t.eq(p.returncode, 0, 'logger %s %s exits 0' % (fmt, ' '.join(transport)))
        got = wait_for(lambda: len(syslog_alerts(srv, tok)) >= len(runs) and syslog_alerts(srv, tok),
                       timeout=20) or []
        t.eq(len(got), len(runs), 'every logger line arrived as one alert')
        by_mark = {}
        for a in got:
            raw = raw_of(srv, tok, a['id'])
            for _, _, mark, _ in runs:
                if mark in raw:
                    by_mark[mark] = (a, raw)
        host = socket.gethostname()
        for fmt, transport, mark, msg in runs:
            a, raw = by_mark.get(mark, (None, ''))
            name = 'logger %s %s' % (fmt, transport)
            if not a:
                t.ok(False, name + ': arrived')
                continue
            t.ok(raw.startswith('<35>') and raw.endswith(msg), name + ': raw line kept (PRI 35)', raw)
            doc = normalized(srv, tok, a['id'])
            t.ok(doc.get('severity') == 'high' and doc.get('severity_id') == 4,
                 name + ': auth.err -> high (4)', doc)
            t.eq(doc.get('title'), 'sshd: ' + msg, name + ': title')
            t.eq(doc.get('metadata', {}).get('format'), fmt[2:], name + ': format')
            o = [(x['type'], x['value']) for x in doc.get('observables', [])]
            t.ok(('ip', '203.0.113.5') in o and ('user', 'root') in o and
                 any(v == host.split('.')[0] or v == host for k, v in o if k == 'host'),
                 name + ': observables (host, ip, user)', o)

        # a raw TCP peer: frames in one write, one split across writes, both
        # framings on one connection
        n0 = len(syslog_alerts(srv, tok))
        a1 = '<13>1 2026-12-01T00:00:00Z h1 app - - - one'
        a2 = '<14>Dec  1 00:00:00 h2 app: two'
        a3 = '<13>1 2026-12-01T00:00:00Z h3 app - - - three'
        c = socket.create_connection(('127.0.0.1', port))
        c.sendall(('%d %s' % (len(a1), a1) + a2 + '\n').encode())
        frame = ('%d %s' % (len(a3), a3)).encode()
        c.sendall(frame[:7])
        time.sleep(0.2)
        c.sendall(frame[7:] + b'not syslog at all\n')
        c.close()
        got = wait_for(lambda: len(syslog_alerts(srv, tok)) >= n0 + 3 and syslog_alerts(srv, tok),
                       timeout=10) or []
        raws = sorted(raw_of(srv, tok, a['id']) for a in got[:len(got) - n0])
        t.eq(raws, sorted([a1, a2, a3]), 'one TCP peer: octet counting, LF, a split frame')
        time.sleep(0.5)
        t.eq(len(syslog_alerts(srv, tok)), n0 + 3, 'a line that is not syslog is dropped')

        big = socket.create_connection(('127.0.0.1', port))
        big.sendall(b'70000 <13>1 - - - - - - x')
        big.settimeout(5)
        try:
            closed = big.recv(1) == b''
        except OSError:
            closed = True
        big.close()
        t.ok(closed, 'a frame over 64 KiB closes its connection')
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.sendto(b'<13>1 - after - - - - still listening', ('127.0.0.1', port))
        u.close()
        t.ok(wait_for(lambda: len(syslog_alerts(srv, tok)) == n0 + 4, timeout=10),
             'the listener still takes messages after that')
    finally:
        t.eq(srv.stop(), 0, 'server exits cleanly')
        t.ok('syslogd: stopped' in srv.logtext(), 'the listener stopped with the server')
        srv.cleanup()
    t.done()


main()
