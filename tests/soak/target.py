#!/usr/bin/python3
"""The soak's health-check target: an asyncio HTTP/1.1 server on
127.0.0.1 (port 0: any free port, written to PORTFILE) answering every
request with 200 "ok" (keep-alive). The engine starts its 1,000 probes at
once every 5 s; one event loop accepts such a burst where a thread per
connection (http.server) did not within the probes' timeout on a busy
machine. The engine's http probes GET it, its tcp probes only connect.
It counts the requests it answered and rewrites COUNTFILE with that
number every second, so run.sh can tell the probes really ran at the
check interval.

usage: target.py PORTFILE COUNTFILE
"""
import asyncio
import os
import sys
import time

hits = 0
ANSWER = (b'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n')


async def serve(reader, writer):
    global hits
    try:
        while True:
            head = await reader.readuntil(b'\r\n\r\n')
            n = 0
            for line in head.split(b'\r\n'):
                if line.lower().startswith(b'content-length:'):
                    n = int(line.split(b':', 1)[1])
            if n:
                await reader.readexactly(n)
            hits += 1
            writer.write(ANSWER)
            await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def counter(path):
    while True:
        await asyncio.sleep(1)
        with open(path + '.tmp', 'w') as f:
            f.write('%d %.3f\n' % (hits, time.time()))
        os.rename(path + '.tmp', path)


async def main(portfile, countfile):
    srv = await asyncio.start_server(serve, '127.0.0.1', 0, backlog=4096)
    with open(portfile + '.tmp', 'w') as f:
        f.write('%d\n' % srv.sockets[0].getsockname()[1])
    os.rename(portfile + '.tmp', portfile)
    asyncio.get_running_loop().create_task(counter(countfile))
    async with srv:
        await srv.serve_forever()


if __name__ == '__main__':
    asyncio.run(main(sys.argv[1], sys.argv[2]))
