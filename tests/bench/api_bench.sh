#!/bin/sh
# HTTP API benchmark (issue 4): wrk on loopback against
#   GET /api/services  with 100 services   and
#   GET /api/alerts?limit=1000 with 1,000 alerts (the largest page),
# 2 threads, 64 connections, 10 s each; the same response bytes served by
# nginx (Debian package) are the ceiling, and our share of it is printed.
# Then RSS of resops before and after 1,000,000 requests (growth must stay
# under 10 %).
#
# usage: tests/bench/api_bench.sh [--quick]
#   --quick   3 s runs and 200,000 requests for the RSS check
#   env: API_DUR (wrk duration, default 10s), API_RSS_REQUESTS (requests for
#        the RSS check on GET /api/services, default 1000000; 0 skips it),
#        API_RSS_MAX_S (the check stops after this many seconds, default 300)
#        tests/bench/api_bench.sh --mixed [WARMUP_S MEASURE_S]
#   --mixed   the reliability review's mixed load instead (tests/bench/mixed.lua):
#             wrk -t2 -c256 on a fresh --demo database, 30 % GET /api/services,
#             30 % GET /api/alerts, 20 % GET /api/audit, 10 % POST
#             /api/services/{1..12}/status, 8 % PUT /api/alerts (ack), 2 % POST
#             /api/services, Bearer token of the demo's admin; a warm-up
#             (default 10 s) then the measured run (default 60 s). Prints req/s,
#             p50/p90/p99/p99.9, errors, the load average, threads, fds and RSS.
#             Target: p99 under 250 ms. BENCH_RESOPS=path runs another binary
#             (an older build, for before/after figures).
#        tests/bench/api_bench.sh --resolve [WARMUP_S MEASURE_S]
#   --resolve POST /api/v1/incidents/{id}/auto-resolve at 32 connections for
#             decisions that run no step (tests/bench/resolve.lua: a new incident
#             each time, confidence 0.5 under the 0.90 threshold); prints req/s,
#             mean and p99 latency, and the rows committed. Target: >= 5,000 req/s.
#
# Build: build-rel/ (release, no sanitizers), configured on first use
# like tests/bench/run.sh (BENCH_BUILD_DIR overrides). Needs wrk, curl,
# python3; nginx is optional (without it the ratio is not printed;
# tests/bench/run.sh installs it). resops runs as it would in production:
# its default worker threads, info-level request log (to a file), a real
# JWT on every request; nginx runs with one worker per core and its access
# log on, serving the bodies saved from resops' own answers, at the same
# wrk threads and connections.
# Besides the text, RESULT lines (tests/bench/bench_result.h) for run.sh.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
bdir=${BENCH_BUILD_DIR:-$root/build-rel}
dur=${API_DUR:-10s}
total=${API_RSS_REQUESTS:-1000000}
mixed=
if [ "${1:-}" = "--quick" ]; then dur=3s; total=200000; fi
result() { echo "RESULT $*"; }
if [ "${1:-}" = "--mixed" ]; then mixed=mixed; conns=256; warm=${2:-10}; meas=${3:-60}; fi
if [ "${1:-}" = "--resolve" ]; then mixed=resolve; conns=32; warm=${2:-5}; meas=${3:-30}; fi

for tool in wrk curl python3; do
    command -v $tool >/dev/null || { echo "api_bench: $tool is not installed" >&2; exit 1; }
done
nginx_bin=$(command -v nginx || ls /usr/sbin/nginx 2>/dev/null || true)

if [ ! -f "$bdir/build.ninja" ]; then
    echo "== configuring $bdir (release, no sanitizers)"
    meson setup "$bdir" "$root" --buildtype=release -Db_sanitize=none -Dtests=disabled >/dev/null
fi
resops_bin=${BENCH_RESOPS:-}
if [ -z "$resops_bin" ]; then
    echo "== building resops in $bdir"
    meson compile -C "$bdir" resops >/dev/null
    resops_bin=$bdir/resops
fi

tmp=$(mktemp -d /tmp/resops-apibench-XXXXXX)
chmod 755 "$tmp"
pid=; npid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    [ -n "$npid" ] && kill "$npid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

db=$tmp/bench.db

# ---- the mixed load (--mixed) ----
if [ -n "$mixed" ]; then
    "$resops_bin" --headless --demo --db "$db" --listen 127.0.0.1:0 2>"$tmp/resops.log" &
    pid=$!
    port=
    for _ in $(seq 100); do
        port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/resops.log")
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { echo "api_bench: resops did not start" >&2; cat "$tmp/resops.log" >&2; exit 1; }
    base=http://127.0.0.1:$port
    TOKEN=$(curl -s -XPOST "$base/api/auth/login" -d '{"username":"admin","password":"admin123"}' |
            python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
    export TOKEN
    script=$root/tests/bench/$mixed.lua
    echo "machine: $(nproc) CPUs, $(uname -sr); binary: $resops_bin"
    echo "wrk -t2 -c$conns --timeout 10s, tests/bench/$mixed.lua: ${warm}s warm-up, ${meas}s measured"
    wrk -t2 -c$conns -d"${warm}s" --timeout 10s -s "$script" "$base" | grep '^[A-Z]* rps' |
        sed 's/^[A-Z]*/warm-up:/'
    snap() { printf 'threads %s, fds %s, RSS %s kB' \
        "$(sed -n 's/^Threads:[[:space:]]*//p' /proc/$pid/status)" \
        "$(ls /proc/$pid/fd | wc -l)" "$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' /proc/$pid/status)"; }
    echo "before the run: $(snap); load average $(cut -d' ' -f1-3 /proc/loadavg)"
    wrk -t2 -c$conns -d"${meas}s" --timeout 10s -s "$script" "$base" >"$tmp/wrk.out"
    echo "after the run:  $(snap); load average $(cut -d' ' -f1-3 /proc/loadavg)"
    line=$(grep '^[A-Z]* rps' "$tmp/wrk.out" | sed 's/^[A-Z]* //')
    echo "measured: $line"
    echo "non-2xx answers in the server log (warm-up included):"
    grep -oE 'api: [A-Z]+ [^ ]+ [45][0-9][0-9]' "$tmp/resops.log" |
        sed -E 's#/[0-9]+/#/{id}/#; s#/incidents/[^/ ]+/#/incidents/{id}/#' | sort | uniq -c || true
    grep -E ' (warn|error) ' "$tmp/resops.log" | cut -c26- | sort | uniq -c | sort -rn | head -5 || true
    if [ "$mixed" = resolve ]; then
        rps=$(echo "$line" | sed -n 's/^rps=\([0-9.]*\).*/\1/p')
        verdict=ok; python3 -c "import sys; sys.exit(0 if $rps >= 5000 else 1)" || verdict=MISSED
        echo "${rps} req/s ($verdict, target >= 5,000)"
        result resolve.rps "$rps" req/s
        result resolve.p99_ms "$(echo "$line" | sed -n 's/.*p99=\([0-9.]*\).*/\1/p')" ms
        result resolve.load "$(cut -d' ' -f1 /proc/loadavg)" load
        echo "rows at the end: $(python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(", ".join("%s %d" % (t, c.execute("SELECT count(*) FROM " + t).fetchone()[0])
                for t in ("incident", "incident_audit")))' "$db")"
        exit 0
    fi
    p99=$(echo "$line" | sed -n 's/.*p99=\([0-9.]*\).*/\1/p')
    verdict=ok; python3 -c "import sys; sys.exit(0 if $p99 < 250 else 1)" || verdict=MISSED
    echo "p99 ${p99} ms ($verdict, target < 250 ms)"
    result mixed.rps "$(echo "$line" | sed -n 's/^rps=\([0-9.]*\).*/\1/p')" req/s
    result mixed.p99_ms "$p99" ms
    echo "rows at the end: $(python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(", ".join("%s %d" % (t, c.execute("SELECT count(*) FROM " + t).fetchone()[0])
                for t in ("service", "alert", "audit_log")))' "$db")"
    exit 0
fi
"$resops_bin" seed --services 100 --db "$db" >/dev/null 2>&1

"$resops_bin" --headless --db "$db" --listen 127.0.0.1:0 --check-interval 86400 \
    2>"$tmp/resops.log" &
pid=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/resops.log")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "api_bench: resops did not start" >&2; cat "$tmp/resops.log" >&2; exit 1; }
base=http://127.0.0.1:$port
curl -s -XPOST "$base/api/auth/signup" -d '{"username":"bench","password":"benchpass"}' >/dev/null
token=$(curl -s -XPOST "$base/api/auth/login" -d '{"username":"bench","password":"benchpass"}' |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
auth="Authorization: Bearer $token"
# exactly 1,000 alerts (fixture rows, like the engine's), written after the
# engine's first tick (the next one is a day away)
sleep 1
python3 - "$db" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
ids = [r[0] for r in con.execute("SELECT id FROM service ORDER BY id")]
types = ['StatusChange', 'HighRisk', 'Critical', 'SLA_RTO', 'SLA_RPO']
sev = ['Info', 'Warning', 'Critical']
rows = [(ids[i % len(ids)], types[i % 5], 'Service svc-%d is critical: High criticality in BIA, '
         'RTO < 1 hour, Service marked as CRITICAL based on business rules' % i, sev[i % 3],
         '2026-01-%02dT%02d:%02d:00' % (1 + i % 28, i % 24, i % 60), i % 2) for i in range(1000)]
con.execute("DELETE FROM alert")
con.executemany("INSERT INTO alert (service_id, type, message, severity, created_at, acknowledged) "
                "VALUES (?, ?, ?, ?, ?, ?)", rows)
con.commit()
PY
curl -s -H "$auth" "$base/api/services" >"$tmp/services.json"
curl -s -H "$auth" "$base/api/alerts?limit=1000" >"$tmp/alerts.json"
chmod 644 "$tmp"/*.json
n_s=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$tmp/services.json")
n_a=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$tmp/alerts.json")
[ "$n_s" = 100 ] && [ "$n_a" = 1000 ] || { echo "api_bench: fixture has $n_s services, $n_a alerts" >&2; exit 1; }

nport=
if [ -n "$nginx_bin" ]; then
    nport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    mkdir -p "$tmp/nginx"
    cat >"$tmp/nginx/nginx.conf" <<NGX
worker_processes $(nproc);
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
    access_log $tmp/nginx/access.log;
    client_body_temp_path $tmp/nginx;
    proxy_temp_path $tmp/nginx; fastcgi_temp_path $tmp/nginx;
    uwsgi_temp_path $tmp/nginx; scgi_temp_path $tmp/nginx;
    keepalive_requests 100000000;
    server {
        listen 127.0.0.1:$nport;
        location = /api/services { default_type application/json; alias $tmp/services.json; }
        location = /api/alerts   { default_type application/json; alias $tmp/alerts.json; }
    }
}
NGX
    "$nginx_bin" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" 2>"$tmp/nginx/stderr" &
    npid=$!
    for _ in $(seq 50); do curl -s "http://127.0.0.1:$nport/api/alerts" -o /dev/null && break; sleep 0.1; done
fi

# "req/s p99_ms non2xx socket_errors" of one wrk run (a 10 s timeout, so a
# slow answer counts in the latency instead of vanishing as a wrk timeout)
measure() {
    wrk -t2 -c64 -d"$dur" --timeout 10s --latency -H "$auth" "$1" | python3 -c '
import re, sys
t = sys.stdin.read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", t)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
se = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
print("%.0f %.2f %s %d" % (rps, p99, bad.group(1) if bad else 0,
                          sum(int(x) for x in se.groups()) if se else 0))'
}

cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)
echo
echo "machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(uname -sr)"
echo "wrk -t2 -c64 -d$dur on loopback; resops: default threads, request log on; nginx: $(nproc) workers"
echo
printf '%-26s %12s %10s %12s %10s %8s\n' endpoint "resops req/s" "p99 ms" "nginx req/s" "p99 ms" ratio
for ep in services alerts; do
    # the same path for both: nginx's "location =" ignores the query
    path=/api/$ep
    [ "$ep" = alerts ] && path="/api/alerts?limit=1000"
    wrk -t2 -c64 -d1s --timeout 10s -H "$auth" "$base$path" >/dev/null      # warm-up
    set -- $(measure "$base$path")
    ours=$1 ours_p99=$2 bad=$3
    [ "$bad" = 0 ] || echo "warning: $bad non-2xx answers from resops" >&2
    [ "$4" = 0 ] || echo "warning: $4 socket errors (timeouts included) with resops" >&2
    result "api.$ep.sockerr" "$4" errors
    result "api.$ep.rps" "$ours" req/s
    result "api.$ep.p99_ms" "$ours_p99" ms
    result "api.$ep.non2xx" "$bad" answers
    if [ -n "$nport" ]; then
        wrk -t2 -c64 -d1s "http://127.0.0.1:$nport$path" >/dev/null
        set -- $(measure "http://127.0.0.1:$nport$path")
        ratio=$(python3 -c "print('%.2f' % ($ours / $1))")
        printf '%-26s %12s %10s %12s %10s %8s\n' "GET $path" "$ours" "$ours_p99" "$1" "$2" "$ratio"
        result "nginx.$ep.rps" "$1" req/s
        result "nginx.$ep.p99_ms" "$2" ms
    else
        printf '%-26s %12s %10s %12s %10s %8s\n' "GET $path" "$ours" "$ours_p99" - - -
    fi
done

[ "$total" -gt 0 ] || exit 0
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/status"; }
echo
rss0=$(rss)
done_n=0
rss_end=$(($(date +%s) + ${API_RSS_MAX_S:-300}))
while [ "$done_n" -lt "$total" ] && [ "$(date +%s)" -lt "$rss_end" ]; do
    n=$(wrk -t2 -c64 -d5s -H "$auth" "$base/api/services" | sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')
    done_n=$((done_n + n))
done
rss1=$(rss)
growth=$(python3 -c "print('%.1f' % (100.0 * ($rss1 - $rss0) / $rss0))")
verdict=ok; python3 -c "import sys; sys.exit(0 if $rss1 <= 1.10 * $rss0 else 1)" || verdict=MISSED
echo "RSS: ${rss0} kB after warm-up, ${rss1} kB after $done_n more requests (GET /api/services): ${growth}% ($verdict, target < 10%)"
result api.rss0_kb "$rss0" kB
result api.rss1_kb "$rss1" kB
result api.rss_growth_pct "$growth" %
result api.rss_requests "$done_n" requests
