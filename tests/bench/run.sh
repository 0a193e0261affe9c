#!/bin/sh
# The one benchmark command (issue 13, item 6): `make bench` runs this.
#
# usage: tests/bench/run.sh
#   env: BENCH_QUICK=1  a small version of everything (about 3-5 minutes)
#        BENCH_FULL=1   the 1M-vector HNSW row with production settings (M 16,
#                       ef_construction 200: 20-35 CPU minutes here) instead of
#                       the cheaper build that keeps the run to minutes
#        BENCH_BUILD_DIR  the build directory (default build-rel/)
#        BENCH_ONLY="cycle api ..."  run only these steps (names below)
#
# How it works: bench-deps installs what the benchmarks need and `make
# deps` does not (nginx, for the API's side-by-side ceiling); the build
# directory is configured release, no sanitizers, no test suite, and built
# whole. Then every benchmark runs in turn, one step at a time (nothing of
# ours runs beside another step, so each figure is its own), with its
# output appended to $bdir/bench.log. Each benchmark prints, besides its
# own text, machine-readable lines "RESULT <key> <value> <unit>"
# (tests/bench/bench_result.h; the shell scripts print the same); they are
# collected with one "STEP <name> <exit> <seconds>" line per step into
# $bdir/bench-results.txt, and tests/bench/table.py turns that into one
# Markdown table headed by the machine, the commit, the date and the load
# average at the start and the end: printed, and written to $bdir/bench.md.
#
# Exits non-zero when the build or a step failed (the table still says what
# was measured); a missed target is a figure, not a failure.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
bdir=${BENCH_BUILD_DIR:-$root/build-rel}
quick=${BENCH_QUICK:-}
[ "$quick" = 0 ] && quick=
full=${BENCH_FULL:-}
[ "$full" = 0 ] && full=
cores=$(nproc)
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

# ---- bench-deps: what the benchmarks need beyond `make deps` ----
bench_deps() {
    missing=
    for p in nginx wrk tmux sqlite3 curl python3; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
            missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    echo "== bench-deps: installing$missing"
    $SUDO apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
            $missing >/dev/null
}
bench_deps

# ---- the optimised build ----
if [ ! -f "$bdir/build.ninja" ]; then
    echo "== configuring $bdir (release, no sanitizers)"
    meson setup "$bdir" "$root" --buildtype=release -Db_sanitize=none -Dtests=disabled >/dev/null
fi
opts=$(meson introspect --buildoptions "$bdir" | python3 -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(o.get("buildtype"), o.get("b_sanitize"))')
case "$opts" in
    "release none") ;;
    *) echo "warning: $bdir has buildtype/b_sanitize = $opts; figures are not comparable" >&2 ;;
esac
echo "== building $bdir"
if ! out=$(ninja -C "$bdir" 2>&1); then
    printf '%s\n' "$out" | tail -40 >&2
    echo "run.sh: build failed in $bdir" >&2
    exit 1
fi

log=$bdir/bench.log
res=$bdir/bench-results.txt
: >"$log"
: >"$res"
export BENCH_BUILD_DIR="$bdir"
bb=$bdir/tests/bench

mode=standard
[ -n "$full" ] && mode="BENCH_FULL=1"
[ -n "$quick" ] && mode="BENCH_QUICK=1"
sha=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
git -C "$root" diff --quiet HEAD 2>/dev/null || sha="$sha (with uncommitted changes)"
{
    echo "META cores $cores"
    echo "META cpu $(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)"
    echo "META kernel $(uname -sr)"
    echo "META commit $sha"
    echo "META date $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "META load_start $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "META mode $mode"
} >>"$res"

# step NAME CMD...: run one benchmark, its output to the log, its RESULT
# lines (prefixed with nothing) and a STEP line to the results.
failed=0
step() {
    name=$1
    shift
    case " ${BENCH_ONLY:-$name} " in *" $name "*) ;; *) return 0 ;; esac
    printf '== %-12s ' "$name"
    echo "==== $name: $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >>"$log"
    t0=$(date +%s)
    rc=0
    "$@" >"$bdir/bench-step.out" 2>&1 || rc=$?
    t1=$(date +%s)
    cat "$bdir/bench-step.out" >>"$log"
    grep '^RESULT ' "$bdir/bench-step.out" >>"$res" || true
    echo "STEP $name $rc $((t1 - t0))" >>"$res"
    rm -f "$bdir/bench-step.out"
    if [ "$rc" = 0 ]; then echo "ok ($((t1 - t0)) s)"; else echo "FAILED (exit $rc; see $log)"; failed=1; fi
}

# similarity NAME SIZES HNSW_MAX M EFC: one similarity_bench run
similarity() {
    "$bb/similarity_bench" --sizes "$1" --hnsw-max "$2" --m "$3" --efc "$4" \
        --threads "$cores" --data clustered --queries "$5"
}

if [ -n "$quick" ]; then
    step cycle     "$bb/bench_cycle" --runs 3 1000 10000
    step probes    "$bb/bench_probes" --runs 1
    step api       env API_DUR=2s API_RSS_REQUESTS=0 "$root/tests/bench/api_bench.sh"
    step resolve   "$root/tests/bench/api_bench.sh" --resolve 1 4
    step mixed     "$root/tests/bench/api_bench.sh" --mixed 1 4
    step ingest    env PIPE_MAX_S=10 "$root/tests/bench/ingest_bench.sh" 3
    step groupcommit "$bb/groupcommit_bench" 64 1
    step decision  "$bb/decision_bench" 2000
    step secnorm   "$bb/secnorm_bench" 2000
    step secpipe   "$root/tools/secpipe_bench.sh" "$bdir" 2000
    step sim       similarity 10000,100000 10000 16 200 50
    step tui       env IDLE_S=5 "$root/tests/bench/tui_bench.sh"
    step outbox    "$bb/outbox_bench" 2000
    step collector "$bb/collector_bench" 5 1
else
    step cycle     "$bb/bench_cycle" 1000 10000 100000
    step probes    "$bb/bench_probes"
    step api       env API_DUR=10s API_RSS_REQUESTS=300000 API_RSS_MAX_S=90 "$root/tests/bench/api_bench.sh"
    step resolve   "$root/tests/bench/api_bench.sh" --resolve 5 20
    step mixed     "$root/tests/bench/api_bench.sh" --mixed 10 30
    step ingest    "$root/tests/bench/ingest_bench.sh" 15
    step groupcommit "$bb/groupcommit_bench" 64 5
    step decision  "$bb/decision_bench" 20000
    step secnorm   "$bb/secnorm_bench" 20000
    step secpipe   "$root/tools/secpipe_bench.sh" "$bdir" 10000
    step sim       similarity 10000,100000 100000 16 200 100
    # 1M: production settings only with BENCH_FULL=1; by default a cheaper
    # graph (M 12, ef_construction 64) built on every core, its recall in the table
    if [ -n "$full" ]; then
        step sim1m similarity 1000000 1000000 16 200 100
    else
        step sim1m similarity 1000000 1000000 12 64 100
    fi
    step tui       env IDLE_S=30 "$root/tests/bench/tui_bench.sh"
    step outbox    "$bb/outbox_bench" 10000
    step collector "$bb/collector_bench" 30 1
fi

echo "META load_end $(cut -d' ' -f1-3 /proc/loadavg)" >>"$res"
python3 "$root/tests/bench/table.py" "$res" >"$bdir/bench.md"
echo
cat "$bdir/bench.md"
echo
echo "(written to $bdir/bench.md; every benchmark's own output is in $log)"
exit $failed
