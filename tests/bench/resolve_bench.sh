#!/bin/sh
# Auto-resolve decisions that run no step (issue 9, item 5): wrk, 2
# threads, 32 connections, POST /api/v1/incidents/{id}/auto-resolve with a
# new incident on every request, in two cases:
#   below   confidence 0.50 < threshold 0.90: refused by check 4
#   kill    confidence 0.99 with the kill switch active: refused by check 1
# Each request writes the incident and two audit rows in one transaction;
# after each run the script counts the committed auto_resolution_skipped
# rows and compares them with the 200s wrk saw (every answer must have its
# audit row). Not part of `make test`: figures depend on the machine.
#
# usage: tests/bench/resolve_bench.sh [SECONDS]     (default 10)
#   BENCH_BIN=path/to/resops   measure that binary instead of building
#   BENCH_BUILD_DIR=dir        release build directory (default build-release)
# Target (issue 9): >= 5,000 req/s with every audit row committed.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
dur=${1:-10}
for tool in wrk curl python3 sqlite3; do
    command -v $tool >/dev/null || { echo "resolve_bench: $tool is not installed" >&2; exit 1; }
done
if [ -n "${BENCH_BIN:-}" ]; then
    bin=$BENCH_BIN
else
    bdir=${BENCH_BUILD_DIR:-$root/build-release}
    if [ ! -f "$bdir/build.ninja" ]; then
        echo "== configuring $bdir (release, no sanitizers)"
        meson setup "$bdir" "$root" --buildtype=release -Db_sanitize=none -Dtests=disabled >/dev/null
    fi
    meson compile -C "$bdir" resops >/dev/null
    bin=$bdir/resops
fi

tmp=$(mktemp -d /tmp/resops-resolvebench-XXXXXX)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

db=$tmp/bench.db
RESOPS_PASSWORD_LIMITS=min "$bin" --headless --db "$db" --listen 127.0.0.1:0 \
    --check-interval 86400 2>"$tmp/resops.log" &
pid=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/resops.log")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "resolve_bench: resops did not start" >&2; cat "$tmp/resops.log" >&2; exit 1; }
base=http://127.0.0.1:$port
curl -s -XPOST "$base/api/auth/signup" -d '{"username":"bench","password":"benchpass1"}' >/dev/null
tok=$(curl -s -XPOST "$base/api/auth/login" -d '{"username":"bench","password":"benchpass1"}' |
      python3 -c 'import sys, json; print(json.load(sys.stdin)["access_token"])')

echo "== $bin"
echo "== $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
run() {  # name confidence
    before=$(sqlite3 "$db" "SELECT count(*) FROM incident_audit WHERE action = 'auto_resolution_skipped'")
    out=$(wrk -t2 -c32 -d"${dur}s" -s "$root/tests/bench/resolve_bench.lua" "$base" \
          -- "$tok" "$2" "$1" 2>&1)
    line=$(printf '%s\n' "$out" | grep '^RESULT' || true)
    after=$(sqlite3 "$db" "SELECT count(*) FROM incident_audit WHERE action = 'auto_resolution_skipped'")
    printf '%-6s %s audit_rows=%d\n' "$1" "${line#RESULT }" $((after - before))
    printf '%s\n' "$out" | grep -i 'socket errors' || true
}
run below 0.50
curl -s -XPOST -H "Authorization: Bearer $tok" "$base/api/v1/config/kill-switch/activate?actor=bench&reason=bench" >/dev/null ||
    true
run kill 0.99
