#!/usr/bin/env python3
"""includes — SQLite stays on the store's floor (TAP).

Only src/store/ may see SQLite: <sqlite3.h> and the store's internal
headers (store/db.h, store/migrations.h) are included nowhere else, not
directly and not through another header. The store's public headers
(store/store.h and the repositories) name no SQLite either, and the
plain model headers (src/model/) include nothing but the C library.

Each quoted include is followed the way the compiler finds it (the
including file's folder, then the project's include folders), so a
wing that reaches SQLite through a header fails here too, with the
chain that leads there. Run from meson with RESOPS_SOURCE_ROOT set, or
from anywhere with the source root as the first argument.
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
    "RESOPS_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
INCLUDE_DIRS = ["src", "engine", "src/base", "src/config", "src/snapshot", "ui"]
FORBIDDEN_SYSTEM = {"sqlite3.h"}
FORBIDDEN_LOCAL = {"src/store/db.h", "src/store/migrations.h"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def includes(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8", errors="replace") as f:
        return INCLUDE.findall(f.read())


def resolve(rel, name):
    """The project file a quoted include names, relative to ROOT, or None."""
    for d in [os.path.dirname(rel)] + INCLUDE_DIRS:
        cand = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(os.path.join(ROOT, cand)):
            return cand
    return None


def leak(rel, seen=None):
    """The include chain from rel to something forbidden, or None."""
    seen = set() if seen is None else seen
    if rel in seen:
        return None
    seen.add(rel)
    for kind, name in includes(rel):
        if kind == "<":
            if name in FORBIDDEN_SYSTEM:
                return [rel, "<" + name + ">"]
            continue
        target = resolve(rel, name)
        if target is None:
            continue
        if target in FORBIDDEN_LOCAL:
            return [rel, target]
        chain = leak(target, seen)
        if chain:
            return [rel] + chain
    return None


def sources(folder, recurse=True, exts=(".c", ".h")):
    top = os.path.join(ROOT, folder)
    out = []
    for dirpath, dirnames, files in os.walk(top):
        rel_dir = os.path.relpath(dirpath, ROOT)
        if not recurse and rel_dir != folder:
            continue
        for f in sorted(files):
            if f.endswith(exts):
                out.append(os.path.normpath(os.path.join(rel_dir, f)))
    return sorted(out)


def above_store():
    """Every source file outside src/store/, by folder: ui/, engine/, each
    folder under src/ but the store, and src/'s own files (main, cli)."""
    groups = {"ui": sources("ui"), "engine": sources("engine")}
    for d in sorted(os.listdir(os.path.join(ROOT, "src"))):
        if os.path.isdir(os.path.join(ROOT, "src", d)) and d != "store":
            groups["src/" + d] = sources("src/" + d)
    groups["src (main, cli)"] = [p for p in sources("src") if os.path.dirname(p) == "src"]
    return groups


results = []


def check(desc, files, test):
    bad = []
    for rel in files:
        why = test(rel)
        if why:
            bad.append(why)
    results.append((not bad and bool(files), desc, bad, len(files)))


def chain_of(rel):
    c = leak(rel)
    return " -> ".join(c) if c else None


for folder, files in above_store().items():
    check("%s: no <sqlite3.h> or store-internal header, directly or through a header" % folder,
          files, chain_of)

public = ["src/store/store.h"] + [p for p in sources("src/store") if p.endswith("_repo.h")]
check("store's public headers (store.h, *_repo.h) name no SQLite", public, chain_of)


def model_only_libc(rel):
    quoted = [n for k, n in includes(rel) if k == '"']
    return "%s includes %s" % (rel, ", ".join(quoted)) if quoted else None


check("src/model/ headers include only the C library", sources("src/model"), model_only_libc)

# The check sees what it looks for: the store's own internal header does
# include SQLite (else every line above would pass for nothing).
found = leak("src/store/db.h")
results.append((bool(found), "the check finds <sqlite3.h> in src/store/db.h itself",
                [] if found else ["src/store/db.h: no chain found"], 1))

print("1..%d" % len(results))
failed = 0
for i, (ok, desc, bad, n) in enumerate(results, 1):
    print("%s %d - %s (%d file%s)" % ("ok" if ok else "not ok", i, desc, n, "" if n == 1 else "s"))
    for b in bad:
        print("#   " + b)
    failed += not ok
sys.exit(1 if failed else 0)
