#!/usr/bin/env python3
"""The floors are enforced by the compiler: prove it, one include at a time.

For each floor this takes the real compile command of one of its files from
build/compile_commands.json, swaps the source for a two-line file holding
one #include, and checks the compiler's answer: what the floor may see
compiles, what is above it or across a wing fails. TAP output.
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile

BUILD = os.environ.get('RESOPS_BUILD_ROOT') or os.path.dirname(os.environ['RESOPS_BIN'])

# floor: (a file of that floor, [(include, may it compile?)])
CASES = {
    'base': ('src/base/util.c', [
        ('"util.h"', True), ('"config.h"', False), ('"store/store.h"', False),
        ('"model/alert.h"', False), ('<sqlite3.h>', True)]),
    # issue 12 (vec): the pure vector floor, below the domain, above base
    'vector': ('src/vector/vecmat.c', [
        ('"vector/hnsw.h"', True), ('"util.h"', True), ('"config.h"', False),
        ('"store/store.h"', False), ('"domain/similarity.h"', False),
        ('"model/alert.h"', False)]),
    'store': ('src/store/alert_repo.c', [
        ('"store/db.h"', True), ('<sqlite3.h>', True), ('"config.h"', True),
        ('"domain/alerts.h"', False), ('"snapshot.h"', False), ('"engine.h"', False)]),
    'domain': ('src/domain/alerts.c', [
        ('"store/store.h"', True), ('"model/alert.h"', True), ('"domain/notify.h"', True),
        ('"snapshot.h"', True), ('"vector/vecmat.h"', True),
        ('<sqlite3.h>', False), ('"store/db.h"', False), ('"engine.h"', False),
        ('"api/http.h"', False), ('"tui.h"', False)]),
    'engine': ('engine/engine.c', [
        ('"domain/alerts.h"', True), ('"snapshot.h"', True), ('"probes.h"', True),
        ('"vector/vecmat.h"', False), ('<sqlite3.h>', False), ('"store/db.h"', False), ('"api/http.h"', False),
        ('"tui.h"', False), ('"pane.h"', False)]),
    'api': ('src/api/router.c', [
        ('"domain/alerts.h"', True), ('"api/http.h"', True), ('"store/store.h"', True),
        ('<sqlite3.h>', False), ('"store/db.h"', False), ('"engine.h"', False),
        ('"tui.h"', False)]),
    'ui': ('ui/tui.c', [
        ('"snapshot.h"', True), ('"domain/alerts.h"', True), ('"pane.h"', True),
        ('<sqlite3.h>', False), ('"store/db.h"', False), ('"engine.h"', False),
        ('"api/http.h"', False)]),
}


def command_for(entries, rel):
    for e in entries:
        if os.path.normpath(os.path.join(e['directory'], e['file'])).endswith(rel):
            return e
    return None


def compiles(entry, rel, include, tmpdir):
    # The probe is written outside the tree; -iquote gives it the lookup a
    # real source of that folder has (its own folder first, for "...").
    src_dir = os.path.dirname(os.path.normpath(os.path.join(entry['directory'], entry['file'])))
    probe = os.path.join(tmpdir, 'floors_probe.c')
    with open(probe, 'w') as f:
        f.write('#include %s\nint floors_probe;\n' % include)
    try:
        args = shlex.split(entry['command'])
        out = []
        skip = False
        for a in args:
            if skip:
                skip = False
                continue
            if a in ('-o', '-MF', '-MQ'):
                skip = True
                continue
            if a in ('-MD',) or a.endswith(os.path.basename(rel)) and not a.startswith('-'):
                continue
            out.append(a)
        out += ['-iquote', src_dir, '-o', os.path.join(tmpdir, 'probe.o'), probe]
        r = subprocess.run(out, cwd=entry['directory'], capture_output=True, text=True)
        return r.returncode == 0, r.stderr
    finally:
        os.unlink(probe)


def main():
    with open(os.path.join(BUILD, 'compile_commands.json')) as f:
        entries = json.load(f)
    total = sum(len(c[1]) for c in CASES.values())
    print('1..%d' % total)
    n = 0
    failed = 0
    with tempfile.TemporaryDirectory() as tmpdir:
        for floor, (rel, cases) in CASES.items():
            entry = command_for(entries, rel)
            for include, want in cases:
                n += 1
                name = '%s floor: #include %s %s' % (floor, include,
                                                     'compiles' if want else 'is refused')
                if entry is None:
                    print('not ok %d - %s (no compile command for %s)' % (n, name, rel))
                    failed += 1
                    continue
                ok, err = compiles(entry, rel, include, tmpdir)
                if ok == want:
                    print('ok %d - %s' % (n, name))
                else:
                    failed += 1
                    print('not ok %d - %s' % (n, name))
                    for line in err.splitlines()[:5]:
                        print('# ' + line)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
