#!/usr/bin/python3
"""Issue 13 item 4, the fast form of the soak's slowloris run (TAP).

1. 200 connections from 127.0.0.3 send a request's headers a byte at a
   time (a third stop after a few bytes) for 6 s, reopened when closed,
   against a listener with a 2 s header deadline; a normal client on
   127.0.0.2 makes 60 sequential GETs meanwhile. Every GET answers 200,
   the listener closes the slow connections within the deadline (plus the
   reaper's period and slack) and answers none of them
   (tests/soak/slowloris.py's checks).
2. The connection limit is a total: with api.max_connections 100 and 64
   worker threads, 90 idle connections are all kept (MHD alone would give
   each thread 1 or 2 of them and refuse the rest) and of 110 exactly 10
   are refused, which the log says; the server still answers.
"""
import os
import socket
import sys
import time
from types import SimpleNamespace

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'api'))
sys.path.insert(0, os.path.join(HERE, '..', 'soak'))
from harness import Server, Tap, wait_for  # noqa: E402
import slowloris  # noqa: E402

t = Tap()


def slow_clients():
    srv = Server(env={'RESOPS_HEADER_TIMEOUT_S': '2'}).start()
    try:
        o = SimpleNamespace(host='127.0.0.1', port=srv.port, src='127.0.0.3',
                            normal_src='127.0.0.2', conns=200, seconds=6, byte_interval=0.5,
                            requests=60, request_timeout=5, path='/api/healthz', token='',
                            header_timeout=2, slack=3)
        f = slowloris.run(o)
        print('# ' + slowloris.summary_line(f), flush=True)
        for ok, name, diag in slowloris.checks(o, f):
            t.ok(ok, 'slowloris: ' + name, diag)
        t.ok(wait_for(lambda: any('without headers after 2s' in l for l in srv.log), timeout=5),
             'slowloris: the reaper logs what it closed', srv.log[-3:])
        t.eq(srv.get('/api/healthz').status, 200, 'slowloris: the server answers afterwards')
    finally:
        t.eq(srv.stop(), 0, 'slowloris: the server exits cleanly')
        srv.cleanup()


def hold(port, n):
    """Open n idle connections; how many the server closed within 1.5 s."""
    socks = [socket.create_connection(('127.0.0.1', port), timeout=5) for _ in range(n)]
    time.sleep(1.5)
    closed = 0
    for s in socks:
        s.setblocking(False)
        try:
            closed += s.recv(16) == b''
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
    for s in socks:
        s.close()
    return closed


def total_limit():
    srv = Server(env={'RESOPS_MAX_CONNECTIONS': '100'}).start()
    try:
        # the limits line follows the "listening" line the start waits for
        wait_for(lambda: any('limits: 100 connections' in l for l in srv.log), 10)
        t.ok(any('limits: 100 connections' in l for l in srv.log) and
             any('(64 threads)' in l for l in srv.log),
             'limit: 100 connections over 64 worker threads', [l for l in srv.log if 'api:' in l][:2])
        t.eq(hold(srv.port, 90), 0, 'limit: 90 idle connections of 100 are all kept')
        # the server sees the 90 closes before the next round counts
        time.sleep(2)
        t.eq(hold(srv.port, 110), 10, 'limit: of 110, exactly 10 are refused')
        t.ok(wait_for(lambda: any('refused 10 connection(s) over the limit of 100' in l
                                  for l in srv.log), timeout=5),
             'limit: the refusals are logged', [l for l in srv.log if 'refused' in l][-2:])
        t.eq(srv.get('/api/healthz').status, 200, 'limit: the server answers afterwards')
    finally:
        t.eq(srv.stop(), 0, 'limit: the server exits cleanly')
        srv.cleanup()


slow_clients()
total_limit()
t.done()
