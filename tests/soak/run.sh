#!/bin/sh
# The soak (issue 13 item 4), `make soak`: an optimised resops, headless,
# on a fresh database of 1,000 services whose health probes run every 5 s
# against a local target (tests/soak/target.py: 900 http, 100 tcp), plus 12
# services without a probe that get heartbeats (all from `resops seed`); the syslog listener fed all along by
# logger(1) (UDP RFC 3164 and TCP RFC 5424, octet counting); then wrk -t2
# -c256 for SOAK_SECONDS over tests/soak/mix.lua (reads of services,
# alerts, incidents, metrics, security alerts, audit; heartbeats, acks,
# ingestion). tests/soak/soakstat.py samples RSS, fds and threads every
# 10 s into soak.csv and judges the run: no socket errors, no 5xx, RSS at
# the end within 10 % of RSS after WARMUP_SECONDS, fds and threads not
# growing (and the idle process's fds the same before and after the load,
# after a 15 s load that makes every listener thread open its database);
# the probes kept their interval; p50/p99 reported. Then the slowloris run (tests/soak/
# slowloris.py) against the same process. A Markdown summary goes to
# stdout; the exit status is 1 when a check failed.
#
# usage: tests/soak/run.sh
#   env: SOAK_SECONDS (600), WARMUP_SECONDS (60), SOAK_CONNS (256),
#        INGEST_PER_S (10: POST /api/ingestion/raw a second, at most),
#        SYSLOG_PER_S (4: lines a second, half UDP, half TCP),
#        SLOWLORIS (1; 0 skips it), SLOWLORIS_ONLY=1 (only the slowloris
#        run, on a fresh database), SLOWLORIS_CONNS (400),
#        SLOWLORIS_SECONDS (30), BENCH_BUILD_DIR (default build-rel),
#        SOAK_RESOPS (another binary), SOAK_KEEP=1 (keep the run's folder)
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/soak
bdir=${BENCH_BUILD_DIR:-$root/build-rel}
secs=${SOAK_SECONDS:-600}
warm=${WARMUP_SECONDS:-60}
conns=${SOAK_CONNS:-256}
ingest_rate=${INGEST_PER_S:-10}
syslog_rate=${SYSLOG_PER_S:-4}
sl_conns=${SLOWLORIS_CONNS:-400}
sl_secs=${SLOWLORIS_SECONDS:-30}
only=${SLOWLORIS_ONLY:-}
nsvc=1000
interval=5

for tool in wrk curl python3 logger; do
    command -v $tool >/dev/null || { echo "soak: $tool is not installed" >&2; exit 1; }
done
resops_bin=${SOAK_RESOPS:-}
if [ -z "$resops_bin" ]; then
    if [ ! -f "$bdir/build.ninja" ]; then
        echo "== configuring $bdir (release, no sanitizers)" >&2
        meson setup "$bdir" "$root" --buildtype=release -Db_sanitize=none >/dev/null
    fi
    echo "== building resops in $bdir" >&2
    meson compile -C "$bdir" resops >/dev/null
    resops_bin=$bdir/resops
fi

tmp=$(mktemp -d /tmp/soak-run-XXXXXX)
pids=
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    for p in $pids; do wait "$p" 2>/dev/null || true; done
    [ -n "${SOAK_KEEP:-}" ] && echo "soak: the run's files are in $tmp" >&2 || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
db=$tmp/soak.db
log=$tmp/resops.log
ts() { date -u +%H:%M:%S; }

# a port free for both TCP and UDP (the syslog listener takes both)
free_port() { python3 -c '
import socket
while True:
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); break
    except OSError:
        t.close()
    finally:
        u.close()
print(p)'; }

start_resops() {
    "$resops_bin" --headless --db "$db" --listen 127.0.0.1:0 "$@" 2>"$log" &
    rpid=$!
    pids="$pids $rpid"
    port=
    for _ in $(seq 200); do
        port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$log")
        [ -n "$port" ] && break
        kill -0 "$rpid" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$port" ] || { echo "soak: resops did not start" >&2; cat "$log" >&2; exit 1; }
    base=http://127.0.0.1:$port
    # the engine's first cycle brings the seeded statuses in line with the
    # probes (a few hundred changes in one transaction): wait for it, so
    # the warm-up starts from the steady state
    [ -z "$first_cycle" ] || python3 - "$db" "$nsvc" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], timeout=60)
t0 = time.monotonic()
while time.monotonic() - t0 < 120:
    if c.execute("SELECT count(*) FROM probe WHERE last_checked IS NOT NULL").fetchone()[0] \
            >= int(sys.argv[2]):
        break
    time.sleep(0.5)
else:
    sys.exit("soak: the engine's first cycle did not check every probe in 120 s")
PY
    # the first account is the Admin; on a busy machine the engine's first
    # cycles may keep the database locked past the API's busy timeout (a
    # 500, which the soak counts only once the load runs): try again
    TOKEN=
    for _ in $(seq 30); do
        curl -s -XPOST "$base/api/auth/signup" -d '{"username":"soak","password":"soakpass1"}' \
            >/dev/null
        TOKEN=$(curl -s -XPOST "$base/api/auth/login" -d '{"username":"soak","password":"soakpass1"}' |
                python3 -c 'import json,sys; print(json.load(sys.stdin).get("access_token", ""))' \
                2>/dev/null || true)
        [ -n "$TOKEN" ] && break
        sleep 2
    done
    [ -n "$TOKEN" ] || { echo "soak: no token (see $log)" >&2; exit 1; }
    export TOKEN
}

# the slow connections the reaper closed, from its log lines
reaped() { sed -n 's/.*api: closed \([0-9]*\) connection(s) without headers.*/\1/p' "$log" |
           awk '{n += $1} END {print n + 0}'; }

slowloris() {
    echo "== $(ts) slowloris: $sl_conns connections, ${sl_secs}s" >&2
    before=$(reaped)
    rc=0
    python3 "$here/slowloris.py" --port "$port" --conns "$sl_conns" --seconds "$sl_secs" \
        --requests 300 --path /api/services --token "$TOKEN" >"$tmp/slowloris.out" || rc=$?
    sl_line=$(grep '^SLOWLORIS ' "$tmp/slowloris.out" | sed 's/^SLOWLORIS //')
    sl_fail=$(grep 'FAILED' "$tmp/slowloris.out" | tr '\n' ' ')
    sl_reaped=$(( $(reaped) - before ))
    return $rc
}

machine="$(nproc) CPUs, $(uname -sr), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo ?)"

first_cycle=
if [ -n "$only" ]; then
    start_resops --check-interval 86400
    rc=0
    slowloris || rc=$?
    echo "## Slowloris ($machine; load average $(cut -d' ' -f1-3 /proc/loadavg))"
    echo
    echo "$sl_line; the reaper's log: $sl_reaped closed without headers"
    cat "$tmp/slowloris.out" | grep -v '^SLOWLORIS ' || true
    exit $rc
fi

# ---- the health-check target and the database ----
python3 "$here/target.py" "$tmp/target.port" "$tmp/target.count" 2>"$tmp/target.err" &
pids="$pids $!"
for _ in $(seq 100); do [ -s "$tmp/target.port" ] && break; sleep 0.1; done
tport=$(cat "$tmp/target.port")
echo "== $(ts) seeding $nsvc services with probes (target 127.0.0.1:$tport)" >&2
"$resops_bin" seed --services $((nsvc + 12)) --db "$db" 2>/dev/null >/dev/null
# service 1 through `resops probe` (the CLI's write path), the rest in one
# transaction with the row probe_repo_set writes (1,000 CLI runs take
# minutes on a busy machine)
"$resops_bin" probe --db "$db" --service 1 --http "http://127.0.0.1:$tport/svc/1" \
    --timeout-ms 4000 >/dev/null
python3 - "$db" "$tport" "$nsvc" <<'PY'
import sqlite3, sys
db, tport, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = sqlite3.connect(db, timeout=30)
rows = [(i, 'tcp' if i % 10 == 0 else 'http',
         '127.0.0.1:%s' % tport if i % 10 == 0 else 'http://127.0.0.1:%s/svc/%d' % (tport, i))
        for i in range(2, n + 1)]
with c:
    c.executemany("INSERT INTO probe (service_id, kind, target, timeout_ms, expect_status) "
                  "VALUES (?, ?, ?, 4000, 0)", rows)
PY
nprobe=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(
    "SELECT count(*) FROM probe").fetchone()[0])' "$db")
[ "$nprobe" = "$nsvc" ] || { echo "soak: $nprobe probes, want $nsvc" >&2; exit 1; }

sport=$(free_port)
first_cycle=1
start_resops --check-interval "$interval" --syslog "127.0.0.1:$sport"
hb=$(seq -s, $((nsvc + 1)) $((nsvc + 12)))
export HB_IDS=$hb ACK_MAX=400 INGEST_PER_S=$ingest_rate

# ---- syslog all along: logger(1) reading lines from a paced generator ----
gen() { python3 -u -c '
import sys, time
rate, tag = float(sys.argv[1]), sys.argv[2]
i, t0 = 0, time.monotonic()
while True:
    i += 1
    print("Failed password for invalid user %s%d from 10.%d.%d.%d port 22 ssh2"
          % (tag, i % 40, i % 7, i // 250 % 250, i % 250))
    time.sleep(max(0.0, t0 + i / rate - time.monotonic()))' "$1" "$2" 2>/dev/null; }
half=$(python3 -c "print($syslog_rate / 2)")
gen "$half" u | logger --udp --rfc3164 -n 127.0.0.1 -P "$sport" -t sshd &
pids="$pids $!"
gen "$half" t | logger --tcp --rfc5424 --octet-count -n 127.0.0.1 -P "$sport" -t sshd &
pids="$pids $!"

# fds of the idle process: the fewest over 8 s (the probes' sockets come
# and go every 5 s), once wrk's connections are gone
idle_fds() {
    sleep 3
    for _ in $(seq 16); do ls /proc/$rpid/fd | wc -l; sleep 0.5; done | sort -n | head -1
}
# what the process's fds point at, counted by kind (socket, pipe, file...)
fd_kinds() {
    for f in /proc/$rpid/fd/*; do readlink "$f"; done 2>/dev/null |
        sed -e 's/:\[[0-9]*\]$//' -e 's|^/.*/|file:|' | sort | uniq -c | sort -rn
}
# a short load first, so every listener thread has opened its database
# connection (3 fds each, on first use) before the idle count
echo "== $(ts) wrk -t2 -c$conns -d15s, so every listener thread opens its Store" >&2
wrk -t2 -c"$conns" -d15s --timeout 10s -s "$here/mix.lua" "$base" >/dev/null 2>&1 || true
fds_idle0=$(idle_fds)
fd_kinds >"$tmp/fds-idle0.txt"

# ---- the load, sampled ----
python3 "$here/soakstat.py" sample "$rpid" "$tmp/soak.csv" 10 &
spid=$!
pids="$pids $spid"
hits0=$(cut -d' ' -f1 "$tmp/target.count" 2>/dev/null || echo 0)
t_hits0=$(date +%s)
echo "== $(ts) wrk -t2 -c$conns -d${secs}s over tests/soak/mix.lua (warm-up ${warm}s)" >&2
wrk -t2 -c"$conns" -d"${secs}s" --timeout 10s -s "$here/mix.lua" "$base" \
    >"$tmp/wrk.out" 2>"$tmp/wrk.err" || true
hits1=$(cut -d' ' -f1 "$tmp/target.count")
t_hits1=$(date +%s)
kill "$spid" 2>/dev/null || true
wait "$spid" 2>/dev/null || true
fds_idle1=$(idle_fds)
fd_kinds >"$tmp/fds-idle1.txt"
fds_check=ok
if [ "$fds_idle1" -gt $((fds_idle0 + 8)) ]; then
    fds_check=no
    echo "== idle fds by kind, before vs after the load:" >&2
    diff "$tmp/fds-idle0.txt" "$tmp/fds-idle1.txt" >&2 || true
fi
wrk_line=$(grep '^SOAK ' "$tmp/wrk.out" || echo "no SOAK line: $(head -c 300 "$tmp/wrk.err")")
echo "== $(ts) $wrk_line" >&2
head -5 "$tmp/wrk.err" >&2

# the probes: http checks a second at the target, against 900 every 5 s
probe_rate=$(python3 -c "print('%.1f' % (($hits1 - $hits0) / max(1, $t_hits1 - $t_hits0)))")
want_rate=$(python3 -c "print('%.1f' % ($nsvc * 0.9 / $interval))")
probe_ok=$(python3 -c "print('ok' if $probe_rate >= 0.5 * $want_rate else 'no')")
sl_sent=$(python3 -c 'import sqlite3,sys; c = sqlite3.connect(sys.argv[1], timeout=30)
print(c.execute("SELECT count(*) FROM sec_alert WHERE source = ?", ("syslog",)).fetchone()[0],
      c.execute("SELECT count(*) FROM sec_alert").fetchone()[0],
      c.execute("SELECT count(*) FROM sec_alert WHERE stage = ?", ("received",)).fetchone()[0])' "$db")
set -- $sl_sent
syslog_rows=$1 secalerts=$2 waiting=$3

rc=0
if [ "${SLOWLORIS:-1}" != 0 ]; then
    slowloris || rc=1
    sl_check="ok every check of slowloris.py"
    [ $rc = 0 ] || sl_check="no slowloris.py: $sl_fail"
fi
rss_idle=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' /proc/$rpid/status)
fds_idle=$(ls /proc/$rpid/fd | wc -l)
warn=$(grep -E ' (warn|error) ' "$log" | cut -c26- | sed -E 's/[0-9]+/N/g' | sort | uniq -c |
       sort -rn | head -3 | awk '{$1 = $1 "x"; print}' | tr '\n' ';' || true)

echo
echo "machine: $machine; binary: $resops_bin"
echo "services: $nsvc with probes every ${interval}s (900 http, 100 tcp) + 12 heartbeat-only;" \
     "wrk -t2 -c$conns --timeout 10s, ${secs}s, warm-up ${warm}s"
echo
set -- "probe checks/s at the target (http)=$probe_rate (900 every ${interval}s = $want_rate)" \
    "check:probes=$probe_ok the probes ran at the interval (>= half the expected rate)|$probe_rate/s" \
    "check:idlefds=$fds_check fds of the idle process before and after the load (slack 8)|$fds_idle0 -> $fds_idle1" \
    "security alerts stored=$secalerts ($syslog_rows from syslog; $waiting still 'received' at the end)" \
    "after the run (slowloris included)=RSS $rss_idle kB, fds $fds_idle" \
    "server warnings (top 3)=${warn:-none}"
if [ "${SLOWLORIS:-1}" != 0 ]; then
    set -- "$@" "slowloris=$sl_line; reaper closed $sl_reaped without headers" "check:slowloris=$sl_check|"
fi
python3 "$here/soakstat.py" report "$tmp/soak.csv" "$wrk_line" "$warm" "$@" || rc=1
echo
echo "samples (t_s,rss_kb,fds,threads,load1,cpu), every minute:"
awk 'NR == 1 || (NR - 2) % 6 == 0' "$tmp/soak.csv" | tr '\n' ' '
echo
exit $rc
