#!/usr/bin/python3
"""An SMTP sink for the notifier tests (Debian's python3-aiosmtpd).

usage: notify_smtp_sink.py LOG [--port N]

Accepts every message; a recipient whose local part starts with "bounce"
is refused with 550. Each accepted message appends one JSON line to LOG:
  {"mail_from", "rcpt_tos": [...], "data": <message text>}
Prints "PORT <n>" on stdout once listening.
"""
import argparse
import asyncio
import json
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, log):
        self.log = log

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split('@')[0].startswith('bounce'):
            return '550 5.1.1 no such user'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        data = envelope.content
        if isinstance(data, bytes):
            data = data.decode('utf-8', 'replace')
        self.log.write(json.dumps({'mail_from': envelope.mail_from,
                                   'rcpt_tos': envelope.rcpt_tos, 'data': data}) + '\n')
        self.log.flush()
        return '250 Message accepted for delivery'


async def serve(args):
    sink = Sink(open(args.log, 'a', encoding='utf-8'))
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(lambda: SMTP(sink, hostname='sink.test'),
                                   '127.0.0.1', args.port)
    print('PORT', srv.sockets[0].getsockname()[1], flush=True)
    await srv.serve_forever()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('log')
    ap.add_argument('--port', type=int, default=0)
    args = ap.parse_args()
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
