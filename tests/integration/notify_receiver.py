#!/usr/bin/python3
"""A webhook receiver for the notifier tests: answers by path, records all.

usage: notify_receiver.py LOG [--port N] [--secret S]

Paths:
  /ok            200
  /status/NNN    always NNN
  /flaky/N       500 for the first N requests to this path, then 200
  /slow/MS       waits MS milliseconds, then 200
Every request appends one JSON line to LOG, written before the answer:
  {"t": <monotonic s>, "path", "headers": {lower-case name: value},
   "body": <text>, "status": <answered>, "sig_ok": <bool or null>}
sig_ok is the receiver's own check of X-Resops-Signature (HMAC-SHA256 of
the raw body with --secret, Python's hmac), null without --secret.
Prints "PORT <n>" on stdout once listening.
"""
import argparse
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
counts = {}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('log')
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--secret')
    args = ap.parse_args()
    log = open(args.log, 'a', encoding='utf-8')

    class Handler(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def log_message(self, *a):
            pass

        def do_POST(self):
            n = int(self.headers.get('Content-Length') or 0)
            body = self.rfile.read(n)
            parts = self.path.strip('/').split('/')
            status, delay = 200, 0.0
            with lock:
                counts[self.path] = counts.get(self.path, 0) + 1
                seen = counts[self.path]
            if parts[0] == 'status':
                status = int(parts[1])
            elif parts[0] == 'flaky':
                status = 500 if seen <= int(parts[1]) else 200
            elif parts[0] == 'slow':
                delay = int(parts[1]) / 1000.0
            sig_ok = None
            if args.secret is not None:
                want = 'sha256=' + hmac.new(args.secret.encode(), body,
                                            hashlib.sha256).hexdigest()
                sig_ok = hmac.compare_digest(want, self.headers.get('X-Resops-Signature', ''))
            rec = {'t': time.monotonic(), 'path': self.path,
                   'headers': {k.lower(): v for k, v in self.headers.items()},
                   'body': body.decode('utf-8', 'replace'), 'status': status,
                   'sig_ok': sig_ok}
            if delay:
                time.sleep(delay)
            with lock:
                log.write(json.dumps(rec) + '\n')
                log.flush()
            out = json.dumps({'status': status}).encode()
            self.send_response(status)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(out)))
            self.end_headers()
            self.wfile.write(out)

    srv = ThreadingHTTPServer(('127.0.0.1', args.port), Handler)
    srv.daemon_threads = True
    print('PORT', srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
