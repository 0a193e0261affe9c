#!/usr/bin/python3
"""Slowloris against the resops listener (issue 13 item 4).

CONNS connections from one address (the attacker, --src, default
127.0.0.3) send a request's headers one byte at a time and never end them:
two in three trickle a byte every --byte-interval seconds for ever, one in
three send a few bytes and then go silent. When the listener closes one,
the attacker opens another, so the pressure stays at CONNS for --seconds.
Meanwhile a normal client from another address (--normal-src, default
127.0.0.2) makes --requests sequential GETs, spread over the run; each must
answer 200 within --request-timeout.

Checks (exit 1 on any failure): every normal request answered 200; the
listener closed slow connections (at least CONNS of them once the run is
longer than the header deadline) and none lived longer than
--header-timeout plus --slack seconds (the reaper's period, scheduling on
a busy machine). Prints one "SLOWLORIS key=value ..." line of figures, and
with --tap a TAP report instead of exiting on the first failure.

usage: slowloris.py --port PORT [--host 127.0.0.1] [--conns 400]
       [--seconds 30] [--requests 300] [--path /api/healthz] [--token T]
       [--header-timeout 10] [--slack 3] [--tap]

Importable: run(opts) returns the figures; tests/integration/slowloris.py
uses it against the ASan build.
"""
import argparse
import errno
import http.client
import resource
import selectors
import socket
import sys
import threading
import time

HEAD = (b'GET /api/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\n'
        b'Accept: */*\r\n')


def filler(i):
    """The endless header lines after HEAD (never the empty line)."""
    return b'X-Slow-%d: %s\r\n' % (i, b'y' * (i % 7 + 1))


class Slow:
    """One slow connection: its socket, its bytes to send, when it began."""

    def __init__(self, sock, trickle, now):
        self.sock = sock
        self.trickle = trickle       # False: a few bytes, then silence
        self.begun = now             # connect() issued
        self.sent = 0
        self.pending = bytearray(HEAD)
        self.lines = 0
        self.next_at = now

    def next_byte(self):
        if not self.pending:
            self.lines += 1
            self.pending += filler(self.lines)
        b = bytes(self.pending[:1])
        del self.pending[:1]
        return b


class Attack:
    """CONNS slow connections kept open (reopened when closed) in one
    selector loop; the figures of the connections the server closed."""

    def __init__(self, o):
        self.o = o
        self.sel = selectors.DefaultSelector()
        self.conns = {}
        self.opened = 0
        self.open_failed = 0
        self.lifetimes = []          # seconds each closed connection lived
        self.quick = 0               # closed within 1 s: refused (limits)
        self.serial = 0

    def open_one(self, now):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind((self.o.src, 0))
            s.setblocking(False)
            s.connect_ex((self.o.host, self.o.port))
        except OSError:
            s.close()
            self.open_failed += 1
            return
        self.serial += 1
        c = Slow(s, self.serial % 3 != 0, now)
        self.conns[s.fileno()] = c
        self.sel.register(s, selectors.EVENT_READ, c)
        self.opened += 1

    def closed(self, c, now):
        self.sel.unregister(c.sock)
        del self.conns[c.sock.fileno()]
        c.sock.close()
        life = now - c.begun
        self.lifetimes.append(life)
        if life < 1.0:
            self.quick += 1

    def send_due(self, now):
        for c in list(self.conns.values()):
            if now < c.next_at or (not c.trickle and c.sent >= 12):
                continue
            try:
                n = c.sock.send(c.next_byte())
                c.sent += n
            except BlockingIOError:
                pass
            except OSError as e:
                if e.errno in (errno.ENOTCONN, errno.EAGAIN):
                    c.next_at = now + 0.05          # connect() not done yet
                    continue
                self.closed(c, now)
                continue
            c.next_at = now + self.o.byte_interval

    def read_ready(self, timeout):
        for key, _ in self.sel.select(timeout):
            c = key.data
            try:
                data = c.sock.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                data = b''
            if not data:       # EOF or reset: the server closed it (an answer is a bug)
                self.closed(c, time.monotonic())
            else:
                self.answers = getattr(self, 'answers', 0) + 1

    def run(self, until, started):
        while True:
            now = time.monotonic()
            if now >= until:
                break
            while len(self.conns) < self.o.conns and now < until:
                self.open_one(now)
                if self.open_failed > 10 * self.o.conns:
                    break
            if len(self.conns) >= self.o.conns:
                started.set()
            self.send_due(now)
            self.read_ready(0.05)
        started.set()
        for c in list(self.conns.values()):
            c.sock.close()
        # still open at the end: how long the oldest had lived
        now = time.monotonic()
        self.open_at_end = len(self.conns)
        self.oldest_open = max((now - c.begun for c in self.conns.values()), default=0.0)


def normal_client(o, started, out):
    """o.requests sequential GETs from o.normal_src, spread over the run."""
    started.wait(30)
    gap = max(0.0, (o.seconds * 0.8) / max(1, o.requests))
    hdrs = {'Authorization': 'Bearer ' + o.token} if o.token else {}
    for _ in range(o.requests):
        t0 = time.monotonic()
        try:
            c = http.client.HTTPConnection(o.host, o.port, timeout=o.request_timeout,
                                           source_address=(o.normal_src, 0))
            c.request('GET', o.path, headers=hdrs)
            r = c.getresponse()
            r.read()
            c.close()
            status = r.status
        except OSError as e:
            status = 'error: %s' % e
        took = time.monotonic() - t0
        out.append((status, took))
        time.sleep(max(0.0, gap - took))


def pct(xs, p):
    if not xs:
        return float('nan')
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def run(o):
    """Run the attack and the normal client; the figures as a dict."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, 2 * o.conns + 256))
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    a = Attack(o)
    started = threading.Event()
    results = []
    th = threading.Thread(target=normal_client, args=(o, started, results), daemon=True)
    th.start()
    t0 = time.monotonic()
    a.run(t0 + o.seconds, started)
    th.join(o.request_timeout * 2 + 5)
    lat = [x[1] * 1000 for x in results if x[0] == 200]
    bad = [x for x in results if x[0] != 200]
    return {
        'conns': o.conns, 'seconds': o.seconds, 'opened': a.opened,
        'open_failed': a.open_failed, 'closed_by_server': len(a.lifetimes),
        'refused_fast': a.quick,
        'life_p50_s': pct(a.lifetimes, 50), 'life_max_s': max(a.lifetimes, default=0.0),
        'open_at_end': a.open_at_end, 'oldest_open_s': a.oldest_open,
        'answered_slow': getattr(a, 'answers', 0),
        'normal_sent': len(results), 'normal_ok': len(lat), 'normal_bad': bad[:5],
        'normal_p50_ms': pct(lat, 50), 'normal_p99_ms': pct(lat, 99),
        'normal_max_ms': max(lat, default=float('nan')),
    }


def checks(o, f):
    """(ok, name, diagnostic) for each property the run must show."""
    deadline = o.header_timeout + o.slack
    long_run = o.seconds > o.header_timeout + o.slack
    return [
        (f['normal_sent'] == o.requests and f['normal_ok'] == o.requests,
         'every normal request answered 200 while %d slow connections were open' % o.conns,
         (f['normal_sent'], f['normal_ok'], f['normal_bad'])),
        (f['opened'] >= o.conns and f['open_failed'] == 0,
         'the attacker held %d connections open' % o.conns, (f['opened'], f['open_failed'])),
        (not long_run or f['closed_by_server'] >= o.conns,
         'the listener closed the slow connections (at least %d)' % o.conns,
         f['closed_by_server']),
        (f['life_max_s'] <= deadline and f['oldest_open_s'] <= deadline,
         'no slow connection lived longer than the %g s header deadline + %g s' %
         (o.header_timeout, o.slack), (f['life_max_s'], f['oldest_open_s'])),
        (f['answered_slow'] == 0, 'no slow connection got an answer', f['answered_slow']),
    ]


def summary_line(f):
    return ('SLOWLORIS conns=%d seconds=%g opened=%d closed_by_server=%d refused_fast=%d '
            'life_p50=%.1fs life_max=%.1fs normal=%d/%d p50=%.1fms p99=%.1fms max=%.1fms' %
            (f['conns'], f['seconds'], f['opened'], f['closed_by_server'], f['refused_fast'],
             f['life_p50_s'], f['life_max_s'], f['normal_ok'], f['normal_sent'],
             f['normal_p50_ms'], f['normal_p99_ms'], f['normal_max_ms']))


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--src', default='127.0.0.3', help='the attacker\'s address')
    p.add_argument('--normal-src', default='127.0.0.2', help='the normal client\'s address')
    p.add_argument('--conns', type=int, default=400)
    p.add_argument('--seconds', type=float, default=30)
    p.add_argument('--byte-interval', type=float, default=0.5)
    p.add_argument('--requests', type=int, default=300)
    p.add_argument('--request-timeout', type=float, default=5)
    p.add_argument('--path', default='/api/healthz')
    p.add_argument('--token', default='')
    p.add_argument('--header-timeout', type=float, default=10)
    p.add_argument('--slack', type=float, default=3)
    p.add_argument('--tap', action='store_true')
    return p.parse_args(argv)


def main(argv):
    o = parse(argv)
    f = run(o)
    print(summary_line(f), flush=True)
    res = checks(o, f)
    if o.tap:
        print('1..%d' % len(res))
    for i, (ok, name, diag) in enumerate(res, 1):
        if o.tap:
            print('%s %d - %s' % ('ok' if ok else 'not ok', i, name))
            if not ok:
                print('#   got: %r' % (diag,))
        elif not ok:
            print('slowloris: FAILED: %s (%r)' % (name, diag))
    return 0 if all(r[0] for r in res) else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
