#!/usr/bin/python3
"""vgcheck.py — the verdict on valgrind logs (issue 13 item 5).

A run is clean when its log (--log-file, one per process) has memcheck's
closing "ERROR SUMMARY: 0 errors" and no "definitely lost" bytes. A log
without the summary means the process never reached its exit (killed, or
still running), which is not clean either. The tests call this in three
ways:

  vgcheck.py LOG...                 check logs; print each verdict, exit 1 if any is bad
  vgcheck.py --run VALGRIND... -- PROG ARGS...
                                    run PROG under VALGRIND with its own log file,
                                    pass its output through, then check the log
  import vgcheck; vgcheck.check(path) -> (ok, summary)   (tests/api/harness.py)

Only the Python standard library.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

SUMMARY_LINES = 40


def _tail(text):
    """The log's summary: what a reader needs to see why the run failed —
    the first error reports and the closing summaries."""
    body = [re.sub(r'^==\d+== ?', '', x) for x in text.splitlines()]
    # valgrind's own notes (--PID-- lines: an unhandled syscall) are not findings
    body = [x for x in body if x.strip() and not re.match(r'--\d+--', x)]
    half = SUMMARY_LINES // 2
    closing = [i for i, x in enumerate(body) if x.startswith(('HEAP SUMMARY', 'ERROR SUMMARY'))]
    end = closing[0] if closing else len(body)
    if end <= SUMMARY_LINES:
        return '\n'.join(body[:SUMMARY_LINES] + (['...'] if len(body) > SUMMARY_LINES else []))
    return '\n'.join(body[:half] + ['...'] + body[end:end + half])


def check(path):
    """(ok, summary) for one valgrind log."""
    try:
        with open(path, errors='replace') as f:
            text = f.read()
    except OSError as e:
        return False, 'no valgrind log %s: %s' % (path, e)
    m = re.search(r'ERROR SUMMARY: (\d+) errors', text)
    if not m:
        return False, 'no ERROR SUMMARY in %s (the process did not exit):\n%s' % (path, _tail(text))
    errors = int(m.group(1))
    lost = [int(x.replace(',', '')) for x in re.findall(r'definitely lost: ([\d,]+) bytes', text)]
    ok = errors == 0 and not any(lost)
    summary = 'ERROR SUMMARY: %d errors, definitely lost: %d bytes' % (errors, sum(lost))
    return ok, summary if ok else summary + '\n' + _tail(text)


def check_logs(paths):
    """Print one verdict a log; True when every log is clean."""
    good = True
    for p in paths:
        ok, summary = check(p)
        good = good and ok
        print('# valgrind %s: %s' % (os.path.basename(p), 'clean' if ok else 'NOT CLEAN'),
              file=sys.stderr)
        if not ok:
            for line in summary.splitlines():
                print('#   ' + line, file=sys.stderr)
    return good


def run(argv):
    """--run VALGRIND... -- PROG ARGS...: the program's exit status, or 1
    when it exited 0 but its log is not clean."""
    if '--' not in argv:
        sys.exit('usage: vgcheck.py --run VALGRIND... -- PROG ARGS...')
    i = argv.index('--')
    tmp = tempfile.mkdtemp(prefix='resops-vg-')
    try:
        cmd = argv[:i] + ['--log-file=' + os.path.join(tmp, 'vg.%p.log')] + argv[i + 1:]
        rc = subprocess.call(cmd)
        logs = sorted(glob.glob(os.path.join(tmp, 'vg.*.log')))
        clean = check_logs(logs) and bool(logs)
        return rc or (0 if clean else 1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == '--run':
        sys.exit(run(sys.argv[2:]))
    if len(sys.argv) < 2:
        sys.exit('usage: vgcheck.py LOG... | --run VALGRIND... -- PROG ARGS...')
    sys.exit(0 if check_logs(sys.argv[1:]) else 1)


if __name__ == '__main__':
    main()
