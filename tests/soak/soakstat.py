#!/usr/bin/python3
"""The soak's sampler and its verdict (issue 13 item 4).

  soakstat.py sample PID CSV [PERIOD_S]
      every PERIOD_S (default 10) append "t_s,rss_kb,fds,threads,load1,cpu"
      of process PID (/proc/PID/status VmRSS and Threads, /proc/PID/fd; cpu:
      the CPUs it used since the last sample, from /proc/PID/stat) to CSV,
      until PID is gone or SIGTERM.

  soakstat.py report CSV WRK_LINE WARMUP_S [key=value ...]
      the Markdown summary of a run and its checks; exit 1 when one fails.
      WRK_LINE is tests/soak/mix.lua's SOAK line; the key=value pairs are
      more figures to print (probe rate, syslog, slowloris, load).

Checks and their slack:
  - wrk socket errors (connect, read, write, timeout) = 0; 5xx answers = 0.
  - RSS at the end <= 1.10 x RSS after the warm-up (the first sample at or
    after WARMUP_S; the end is the last sample taken under load).
  - open fds: the lowest of the last 6 samples <= the lowest of the 6
    after the warm-up + 16. A sample lands anywhere in the engine's 5 s
    probe cycle, and while the probes run their 1,000 sockets are open
    (the soak saw 555 to 1,758), so only the troughs compare; a leak adds
    to the troughs too, and one fd per request or per probe would add
    thousands in ten minutes. The slack: a request wrk gave up on (its
    10 s timeout) keeps its connection open on the server until the
    listener thread that holds it is free again, up to one per thread (64).
    run.sh also compares the idle process before and after the load, the
    exact check.
  - threads: the same medians, slack 2 (the slow pool and the runner start
    threads on demand and keep them; a leak per request would be hundreds).
"""
import csv
import os
import signal
import statistics
import sys
import time

WINDOW = 6
FD_SLACK = 64
THREAD_SLACK = 2
RSS_RATIO = 1.10


def proc_figures(pid):
    rss = threads = None
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                rss = int(line.split()[1])
            elif line.startswith('Threads:'):
                threads = int(line.split()[1])
    fds = len(os.listdir('/proc/%d/fd' % pid))
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])          # utime + stime
    return rss, fds, threads, ticks / os.sysconf('SC_CLK_TCK')


def sample(pid, path, period):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    t0 = time.monotonic()
    with open(path, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['t_s', 'rss_kb', 'fds', 'threads', 'load1', 'cpu'])
        last = None
        while not stop:
            try:
                rss, fds, threads, cpu_s = proc_figures(pid)
            except (FileNotFoundError, ProcessLookupError):
                break
            now = time.monotonic()
            load1 = open('/proc/loadavg').read().split()[0]
            cpu = (cpu_s - last[1]) / (now - last[0]) if last else 0.0
            last = (now, cpu_s)
            w.writerow(['%.1f' % (now - t0), rss, fds, threads, load1, '%.2f' % cpu])
            f.flush()
            nxt = t0 + period * (int((time.monotonic() - t0) / period) + 1)
            while not stop and time.monotonic() < nxt:
                time.sleep(min(0.2, max(0.0, nxt - time.monotonic())))
    return 0


def parse_kv(words):
    out = {}
    for w in words:
        k, _, v = w.partition('=')
        out[k] = v
    return out


def report(path, wrk_line, warmup, extra):
    rows = [{k: float(v) for k, v in r.items()} for r in csv.DictReader(open(path))]
    wrk = parse_kv(wrk_line.split()[1:]) if wrk_line.startswith('SOAK ') else {}
    checks = []
    if not wrk:
        checks.append((False, 'wrk printed its SOAK line', wrk_line[:200]))
        wrk = {k: '0' for k in ('requests', 'connect', 'read', 'write', 'timeout', 'status5xx')}
    after = [r for r in rows if r['t_s'] >= warmup]
    if len(after) < 2 * WINDOW:
        checks.append((False, 'at least %d samples after the warm-up' % (2 * WINDOW),
                       len(after)))
        after = rows if rows else [{'t_s': 0, 'rss_kb': 0, 'fds': 0, 'threads': 0, 'load1': 0,
                                     'cpu': 0}]
    base, end = after[0], after[-1]
    med = lambda rs, k: statistics.median(r[k] for r in rs)
    b_fd, e_fd = min(r['fds'] for r in after[:WINDOW]), min(r['fds'] for r in after[-WINDOW:])
    b_th, e_th = med(after[:WINDOW], 'threads'), med(after[-WINDOW:], 'threads')
    sockerr = sum(int(wrk[k]) for k in ('connect', 'read', 'write', 'timeout'))
    checks += [
        (sockerr == 0, 'socket errors = 0', 'connect %s, read %s, write %s, timeout %s' %
         (wrk['connect'], wrk['read'], wrk['write'], wrk['timeout'])),
        (int(wrk['status5xx']) == 0, '5xx answers = 0', wrk['status5xx']),
        (end['rss_kb'] <= RSS_RATIO * base['rss_kb'],
         'RSS at the end <= %.2f x RSS after the warm-up' % RSS_RATIO,
         '%d kB -> %d kB (%+.1f %%)' % (base['rss_kb'], end['rss_kb'],
                                        100.0 * (end['rss_kb'] - base['rss_kb']) /
                                        max(1, base['rss_kb']))),
        (e_fd <= b_fd + FD_SLACK, 'open fds not growing (lowest of %d samples, slack %d)' %
         (WINDOW, FD_SLACK), '%g -> %g' % (b_fd, e_fd)),
        (e_th <= b_th + THREAD_SLACK, 'threads not growing (median of %d samples, slack %d)' %
         (WINDOW, THREAD_SLACK), '%g -> %g' % (b_th, e_th)),
    ]
    for k, v in extra.items():
        if k.startswith('check:'):
            name, _, diag = v.partition('|')
            checks.append((name.startswith('ok '), name[3:], diag))
    print('## Soak: %s requests in %s s, %s req/s' % (wrk.get('requests'), wrk.get('seconds'),
                                                     wrk.get('rps')))
    print()
    print('| figure | value |')
    print('|---|---|')
    lat = 'p50 %s ms, p90 %s ms, p99 %s ms, p99.9 %s ms, max %s ms' % (
        wrk.get('p50'), wrk.get('p90'), wrk.get('p99'), wrk.get('p999'), wrk.get('max'))
    figures = [
        ('latency', lat),
        ('answers', '2xx %s, 4xx %s, 5xx %s, other %s' % (
            wrk.get('status2xx'), wrk.get('status4xx'), wrk.get('status5xx'),
            wrk.get('statusother'))),
        ('socket errors', '%d' % sockerr),
        ('RSS (kB) after warm-up / end / max', '%d / %d / %d' % (
            base['rss_kb'], end['rss_kb'], max(r['rss_kb'] for r in after))),
        ('fds after warm-up / end (lowest of 6), min-max', '%g / %g, %d-%d' % (
            b_fd, e_fd, min(r['fds'] for r in after), max(r['fds'] for r in after))),
        ('threads after warm-up / end (medians)', '%g / %g' % (b_th, e_th)),
        ('load average (1 min) min / mean / max', '%.1f / %.1f / %.1f' % (
            min(r['load1'] for r in rows), statistics.mean(r['load1'] for r in rows),
            max(r['load1'] for r in rows))),
        ('CPUs used by resops (mean over the run, of %d)' % os.cpu_count(),
         '%.2f' % statistics.mean(r['cpu'] for r in rows[1:] or rows)),
    ]
    figures += [(k, v) for k, v in extra.items() if not k.startswith('check:')]
    for k, v in figures:
        print('| %s | %s |' % (k, v))
    print()
    print('| check | result | figures |')
    print('|---|---|---|')
    for ok, name, diag in checks:
        print('| %s | %s | %s |' % (name, 'ok' if ok else '**FAILED**', diag))
    return 0 if all(c[0] for c in checks) else 1


def main(argv):
    if len(argv) >= 3 and argv[0] == 'sample':
        return sample(int(argv[1]), argv[2], float(argv[3]) if len(argv) > 3 else 10.0)
    if len(argv) >= 4 and argv[0] == 'report':
        extra = {}
        for w in argv[4:]:
            k, _, v = w.partition('=')
            extra[k] = v
        return report(argv[1], argv[2], float(argv[3]), extra)
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
