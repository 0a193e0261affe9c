#!/bin/sh
# Durable ingestion benchmark (issue 12): wrk at 64 connections on
# POST /api/ingestion/raw (seed 003's request example, a unique id per
# request: tests/bench/ingest.lua), every 2xx committed with
# synchronous=FULL through the group commit. Prints req/s, p50/p99, the
# non-2xx count, then checks that every id answered 2xx is in sec_alert
# (and that no more rows than requests sent are there). Then the pipeline
# behind it: how fast alerts leave stage 'received' (normalize + embed +
# index + triage), polled from the database until the backlog is gone or
# PIPE_MAX_S passed. Before all that, heartbeats (POST
# /api/services/{id}/status) at 64 connections on the fresh database, the
# issue 13 baseline (~6,000/s; RESOPS_API_THREADS=4 gives the listener as
# it was before issue 12). Also the disk's fdatasync rate in the same run
# (every commit waits for one) and the load average.
#
# usage: tests/bench/ingest_bench.sh [SECONDS]       (default 15)
#   env: BENCH_BUILD_DIR (default build-rel), BENCH_RESOPS (another binary),
#        BENCH_CONNS (64), PIPE_MAX_S (60), BENCH_DIR (where the database
#        lives; default a new directory under /tmp), BENCH_COMBINED=1 (the
#        pipeline runs during the ingestion; by default a flock(1) on the
#        engine lock keeps it off until the ingestion is measured, so each
#        figure is its own)
# Targets: >= 10,000 alerts/s ingested, >= 2,000 alerts/s through the
# pipeline, heartbeats not below the baseline. Besides the text, RESULT
# lines (tests/bench/bench_result.h) for tests/bench/run.sh.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
bdir=${BENCH_BUILD_DIR:-$root/build-rel}
dur=${1:-15}
conns=${BENCH_CONNS:-64}
pipe_max=${PIPE_MAX_S:-60}
result() { echo "RESULT $*"; }

for tool in wrk curl python3; do
    command -v $tool >/dev/null || { echo "ingest_bench: $tool is not installed" >&2; exit 1; }
done
if [ ! -f "$bdir/build.ninja" ]; then
    echo "== configuring $bdir (release, no sanitizers)"
    meson setup "$bdir" "$root" --buildtype=release -Db_sanitize=none -Dtests=disabled >/dev/null
fi
resops_bin=${BENCH_RESOPS:-}
if [ -z "$resops_bin" ]; then
    meson compile -C "$bdir" resops tests/bench/groupcommit_bench >/dev/null
    resops_bin=$bdir/resops
fi

tmp=$(mktemp -d "${BENCH_DIR:-/tmp}/resops-ingestbench-XXXXXX")
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    [ -n "${holder:-}" ] && kill "$holder" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
db=$tmp/bench.db
mkdir "$tmp/ids"

# The pipeline runs in the engine's process only: while a flock(1) holds
# the engine lock, resops is a viewer and ingestion is measured alone;
# releasing it lets the engine (and the pipeline) start on the backlog.
holder=
if [ -z "${BENCH_COMBINED:-}" ]; then
    # the sleep itself holds the lock (flock(1) on its fd, then exec):
    # killing it releases the lock
    (flock 9 && exec sleep 100000) 9>"$db.lock" &
    holder=$!
fi
"$resops_bin" --headless --db "$db" --listen 127.0.0.1:0 --check-interval 86400 \
    2>"$tmp/resops.log" &
pid=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/resops.log")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "ingest_bench: resops did not start" >&2; cat "$tmp/resops.log" >&2; exit 1; }
base=http://127.0.0.1:$port
# the first account is the Admin
curl -s -XPOST "$base/api/auth/signup" -d '{"username":"bench","password":"benchpass1"}' >/dev/null
TOKEN=$(curl -s -XPOST "$base/api/auth/login" -d '{"username":"bench","password":"benchpass1"}' |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
export TOKEN

sql() { python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=30)
print(c.execute(sys.argv[2]).fetchone()[0])' "$db" "$1"; }

echo "machine: $(nproc) CPUs, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg); binary: $resops_bin"
probe=$bdir/tests/bench/groupcommit_bench
[ -x "$probe" ] && "$probe" 1 0.2 "$tmp" 2>/dev/null | sed -n 's/^disk: /disk before: /p'

# ---- heartbeats first, on the fresh database (issue 13's baseline: ~6,000/s) ----
echo "== POST /api/services/{id}/status: wrk -t2 -c$conns -d${dur}s"
for i in $(seq 12); do
    curl -s -XPOST "$base/api/services" -H "Authorization: Bearer $TOKEN" \
        -d "{\"name\":\"hb-$i\",\"owner\":\"bench\",\"criticality\":\"High\"}" >/dev/null
done
cat >"$tmp/hb.lua" <<'LUA'
local token = os.getenv("TOKEN") or ""
local n = 0
local statuses = {"Up", "Degraded", "Up", "Down"}
function request()
    n = n + 1
    return wrk.format("POST", string.format("/api/services/%d/status", 1 + n % 12),
        {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"},
        string.format('{"status":"%s"}', statuses[1 + n % 4]))
end
function done(summary, latency, requests)
    io.write(string.format("HB rps=%.1f p50=%.2f p99=%.2f non2xx=%d\n",
        summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
        latency:percentile(99) / 1000, summary.errors.status))
end
LUA
hb=$(wrk -t2 -c"$conns" -d"${dur}s" --timeout 10s -s "$tmp/hb.lua" "$base" | grep '^HB ' |
    sed 's/^HB //')
echo "heartbeats: $hb"
result heartbeat.rps "$(echo "$hb" | sed -n 's/^rps=\([0-9.]*\).*/\1/p')" req/s
result heartbeat.p99_ms "$(echo "$hb" | sed -n 's/.*p99=\([0-9.]*\).*/\1/p')" ms
result heartbeat.non2xx "$(echo "$hb" | sed -n 's/.*non2xx=\([0-9]*\).*/\1/p')" answers
result heartbeat.conns "$conns" connections
# ---- ingestion ----
echo "== POST /api/ingestion/raw: wrk -t2 -c$conns -d${dur}s"
IDS_DIR=$tmp/ids wrk -t2 -c"$conns" -d"${dur}s" --timeout 10s --latency \
    -s "$root/tests/bench/ingest.lua" "$base" >"$tmp/wrk.out" 2>"$tmp/wrk.err" || true
t_end=$(date +%s.%N)
line=$(grep '^INGEST ' "$tmp/wrk.out" | sed 's/^INGEST //')
echo "wrk: $line"
head -3 "$tmp/wrk.err"
ok2xx=$(echo "$line" | sed -n 's/.*ok2xx=\([0-9]*\).*/\1/p')
sent=$(echo "$line" | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
cat "$tmp"/ids/ids-*.txt >"$tmp/ids.all"
python3 - "$db" "$tmp/ids.all" "$ok2xx" "$conns" <<'PY'
import sqlite3, sys
db, idfile, ok2xx, conns = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ids = [l.strip() for l in open(idfile) if l.strip()]
c = sqlite3.connect(db, timeout=30)
c.execute("CREATE TEMP TABLE want (id TEXT PRIMARY KEY)")
c.executemany("INSERT OR IGNORE INTO want VALUES (?)", ((i,) for i in ids))
rows = c.execute("SELECT count(*) FROM sec_alert WHERE id LIKE 'bench-%'").fetchone()[0]
missing = c.execute("SELECT count(*) FROM want WHERE id NOT IN (SELECT id FROM sec_alert)").fetchone()[0]
print("RESULT ingest.missing %d ids" % missing)
print("RESULT ingest.ok2xx %d answers" % ok2xx)
print("2xx answers %d, ids recorded %d, rows in sec_alert %d, 2xx ids missing from the "
      "database: %d (%s); rows without a 2xx seen by wrk: %d (in flight when wrk stopped: "
      "at most %d)" % (ok2xx, len(ids), rows, missing, "ok" if missing == 0 and len(ids) == ok2xx
      else "LOST", rows - len(ids), conns))
sys.exit(0 if missing == 0 and len(ids) == ok2xx else 1)
PY
rps=$(echo "$line" | sed -n 's/^rps=\([0-9.]*\).*/\1/p')
verdict=ok; python3 -c "import sys; sys.exit(0 if $rps >= 10000 else 1)" || verdict=MISSED
echo "ingestion: ${rps} alerts/s ($verdict, target >= 10,000)"
result ingest.rps "$rps" alerts/s
result ingest.p99_ms "$(echo "$line" | sed -n 's/.*p99=\([0-9.]*\).*/\1/p')" ms
[ -x "$probe" ] && "$probe" 1 0.2 "$tmp" 2>/dev/null | sed -n 's/^disk: /disk after: /p'

# ---- the pipeline behind it ----
if [ -n "$holder" ]; then
    echo "== pipeline: the engine lock released; alerts leaving stage 'received'"
    kill "$holder"; holder=
else
    echo "== pipeline (it ran during the ingestion too): alerts leaving stage 'received'"
fi
python3 - "$db" "$pipe_max" <<'PY'
import sqlite3, sys, time
db, pipe_max = sys.argv[1], float(sys.argv[2])
c = sqlite3.connect(db, timeout=30)
def left():
    return c.execute("SELECT count(*) FROM sec_alert WHERE stage = 'received'").fetchone()[0]
total = c.execute("SELECT count(*) FROM sec_alert").fetchone()[0]
t0, l0 = time.monotonic(), left()
samples = [(t0, l0)]
while samples[-1][1] > 0 and time.monotonic() - t0 < pipe_max:
    time.sleep(0.25)
    samples.append((time.monotonic(), left()))
    if samples[-1][1] == l0 and samples[-1][0] - t0 > 10:
        print("nothing left stage 'received' in 10 s: is the pipeline running?")
        break
moved = next((i for i, s in enumerate(samples) if s[1] < l0), None)
stages = dict(c.execute("SELECT stage, count(*) FROM sec_alert GROUP BY stage").fetchall())
print("stages now: %s (of %d alerts; %d waiting when the poll began)" % (stages, total, l0))
if l0 == 0:
    print("pipeline: kept up during the ingestion (nothing waiting after it)")
elif moved is None:
    print("pipeline: 0 alerts/s (MISSED, target >= 2,000)")
    print("RESULT pipeline.rate 0 alerts/s")
else:
    # from the last sample before the first movement to the last sample
    ta, la = samples[moved - 1]
    tb, lb = samples[-1]
    rate = (la - lb) / (tb - ta) if tb > ta else float("nan")
    print("pipeline: %d alerts left stage 'received' in %.1f s: %.0f alerts/s (%s, target >= "
          "2,000)" % (la - lb, tb - ta, rate, "ok" if rate >= 2000 else "MISSED"))
    print("RESULT pipeline.rate %.1f alerts/s" % rate)
    print("RESULT pipeline.backlog %d alerts" % l0)
PY

echo "server warnings/errors:"
grep -E ' (warn|error) ' "$tmp/resops.log" | cut -c26- | sort | uniq -c | sort -rn | head -5 || true
kill "$pid" && wait "$pid" 2>/dev/null || true
pid=
grep -o 'group commit: .*' "$tmp/resops.log" | tail -1 | sed 's/^/ingestion /' || true
