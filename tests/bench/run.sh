#!/bin/sh
# Run the benchmarks from an optimized, non-sanitized build.
#
# usage: tests/bench/run.sh [N ...]
#   N ...  service counts for the cycle benchmark (default 1000 10000 100000)
#
# The build directory is build-release/ at the top of the source tree
# (override with BENCH_BUILD_DIR); it is configured on first use with
# --buildtype=release, no sanitizers and without the test suite, so the
# ASan build in build/ is left alone. Needs what `make run` installs
# (meson, ninja, a C compiler and the -dev packages).
#
# Prints the machine, then the tables of bench_cycle and bench_probes.
# Exits non-zero only when something could not be built or run; a missed
# performance target is printed as MISSED, not turned into a failure.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
bdir=${BENCH_BUILD_DIR:-$root/build-release}

if [ ! -f "$bdir/build.ninja" ]; then
    echo "== configuring $bdir (release, no sanitizers)"
    meson setup "$bdir" "$root" --buildtype=release -Db_sanitize=none -Dtests=disabled
fi

# An existing directory may have been configured by hand: say so when its
# figures would not be comparable.
opts=$(meson introspect --buildoptions "$bdir" | python3 -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(o.get("buildtype"), o.get("b_sanitize"))')
case "$opts" in
    "release none") ;;
    *) echo "warning: $bdir has buildtype/b_sanitize = $opts; figures are not comparable" >&2 ;;
esac

echo "== building benchmarks in $bdir"
if ! out=$(meson compile -C "$bdir" bench_cycle bench_probes collector_bench 2>&1); then
    printf '%s\n' "$out" >&2
    echo "run.sh: build failed in $bdir" >&2
    exit 1
fi

cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)
echo
echo "machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(uname -sr)"
echo "sqlite $(pkg-config --modversion sqlite3 2>/dev/null || echo '?'), " \
     "libcurl $(pkg-config --modversion libcurl 2>/dev/null || echo '?'), " \
     "libmicrohttpd $(pkg-config --modversion libmicrohttpd 2>/dev/null || echo '?')"
echo

echo "== engine cycle (tests/bench/bench_cycle.c)"
"$bdir/tests/bench/bench_cycle" "$@"
echo
echo "== probe batches (tests/bench/bench_probes.c)"
"$bdir/tests/bench/bench_probes"
echo
echo "== metrics collector (tests/bench/collector_bench.c; COLLECTOR_BENCH_S seconds)"
"$bdir/tests/bench/collector_bench" "${COLLECTOR_BENCH_S:-60}" 1
