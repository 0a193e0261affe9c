#!/usr/bin/env python3
"""Build one include directory per floor, so the compiler enforces the floors.

usage: floors.py OUTDIR SOURCE_ROOT FLOOR=ENTRY,ENTRY... ...

A C compiler finds "domain/alerts.h" through any -I directory that holds a
domain/ folder, so -Isrc would let every file include every floor. Instead
each floor gets OUTDIR/FLOOR/, holding only what that floor may see:

  see:DIR          OUTDIR/FLOOR/<name of DIR> -> SOURCE_ROOT/DIR (all of it)
  public:DIR       OUTDIR/FLOOR/<name of DIR>/ holds links to DIR's headers,
                   except those whose opening says "internal to DIR"
  deny:HEADER      OUTDIR/FLOOR/HEADER is an #error, so <HEADER> fails here

Run by meson at configure time; meson re-runs it whenever a meson.build
changes, which adding a source file always does.
"""
import os
import shutil
import sys


def link(src, dst):
    os.symlink(src, dst)


def public(root, rel, dst):
    os.makedirs(dst)
    src = os.path.join(root, rel)
    marker = ('internal to %s' % rel).lower()
    for name in sorted(os.listdir(src)):
        if not name.endswith('.h'):
            continue
        path = os.path.join(src, name)
        with open(path, encoding='utf-8') as f:
            if marker in f.read(2000).lower():
                continue
        link(path, os.path.join(dst, name))


def deny(header, dst, floor):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    with open(dst, 'w') as f:
        f.write('#error "%s is not visible from the %s floor (see HACKING.md, floors)"\n'
                % (header, floor))


def build(outdir, root, spec):
    floor, _, entries = spec.partition('=')
    top = os.path.join(outdir, floor)
    os.makedirs(top)
    for entry in filter(None, entries.split(',')):
        kind, _, arg = entry.partition(':')
        dst = os.path.join(top, os.path.basename(arg.rstrip('/')))
        if kind == 'see':
            link(os.path.join(root, arg), dst)
        elif kind == 'public':
            public(root, arg, dst)
        elif kind == 'deny':
            deny(arg, os.path.join(top, arg), floor)
        else:
            sys.exit('floors.py: unknown entry %r in %r' % (entry, spec))


def main():
    outdir, root = sys.argv[1], sys.argv[2]
    if os.path.isdir(outdir):
        shutil.rmtree(outdir)
    for spec in sys.argv[3:]:
        build(outdir, root, spec)


if __name__ == '__main__':
    main()
