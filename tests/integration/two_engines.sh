#!/usr/bin/env bash
# Two resops processes on one database file: the first is the engine, the
# second a viewer that runs no checks; when the engine exits, the viewer
# takes over. SIGTERM shuts each down cleanly. The engine publishes its API
# address in the lock file, so viewers can show it (B21); the new engine
# replaces it after a takeover.
. "$(dirname "$0")/tap.sh"

DB=$TMP/two.db
"$RESOPS_BIN" seed --demo --db "$DB" >/dev/null 2>&1

"$RESOPS_BIN" --headless --db "$DB" --listen 127.0.0.1:0 --check-interval 1 --log-level debug 2>"$TMP/a.log" &
A=$!
TAP_PIDS+=("$A")
# The exact lines an engine logs (engine/engine.c): the absence checks on
# the viewer below use the same patterns, so they are shown to match here.
TICK='debug engine: tick: [0-9]+ services, [0-9]+ risk changes, [0-9]+ alerts, [0-9]+ breaches'
SERVICE='info  engine: service [0-9]+ is (Up|Down|Degraded|Unknown)'
ok_if "first process is the engine" wait_for 10 grep -q "engine: role engine on $DB" "$TMP/a.log"
ok_if "the engine ticks (\"engine: tick: N services, ...\")" wait_for 10 grep -Eq "$TICK" "$TMP/a.log"
ok_if "the engine logs the status changes its probes make (\"engine: service N is ...\")" \
    wait_for 10 grep -Eq "$SERVICE" "$TMP/a.log"
# the port a process serves on, from its "api: listening on http://H:P" line
port_of() { sed -n 's|.*api: listening on http://[^:]*:\([0-9]*\).*|\1|p' "$1" | head -1; }
wait_for 10 grep -q "api: listening" "$TMP/a.log"
PA=$(port_of "$TMP/a.log")
ok_if "B21: the lock file names the engine's API ($PA)" \
    wait_for 10 grep -qx "api 127.0.0.1:${PA:-none}" "$DB.lock"

"$RESOPS_BIN" --headless --db "$DB" --listen 127.0.0.1:0 --check-interval 1 --log-level debug 2>"$TMP/b.log" &
B=$!
TAP_PIDS+=("$B")
ok_if "second process is a viewer" wait_for 10 grep -q "engine: role viewer on $DB" "$TMP/b.log"

# Let the engine run several ticks (the positive sign that time passed);
# the viewer must run none. Its log is taken before the takeover below.
start=$(grep -Ec "$TICK" "$TMP/a.log")
ok_if "the engine keeps ticking" \
    wait_for 10 bash -c "[ \$(grep -Ec '$TICK' '$TMP/a.log') -ge $((start + 2)) ]"
cp "$TMP/b.log" "$TMP/b.before"
ok_if "the viewer ran no checks (no tick line)" test "$(grep -Ec "$TICK" "$TMP/b.before")" -eq 0
ok_if "the viewer changed no status (no service line)" bash -c "! grep -Eq '$SERVICE' '$TMP/b.before'"
ok_if "the viewer's only engine line is its role" \
    test "$(grep -o 'engine: .*' "$TMP/b.before")" = "engine: role viewer on $DB"

# Stop the engine cleanly: the viewer takes over.
kill -TERM "$A"
wait "$A"
ok_if "the engine exits 0 on SIGTERM" test $? -eq 0
ok_if "the engine logged a clean stop" grep -q "stopped cleanly" "$TMP/a.log"
ok_if "the viewer takes over" wait_for 10 grep -q "taking over" "$TMP/b.log"
# also shows the viewer logged at debug all along: its silence above counts
ok_if "the new engine ticks" wait_for 10 grep -Eq "$TICK" "$TMP/b.log"
PB=$(port_of "$TMP/b.log")
ok_if "B21: after the takeover the lock file names the new engine's API ($PB)" \
    wait_for 10 grep -qx "api 127.0.0.1:${PB:-none}" "$DB.lock"

kill -INT "$B"
wait "$B"
ok_if "the second exits 0 on SIGINT" test $? -eq 0
ok_if "the database is consistent" test "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok
ok_if "no orphan alert rows" \
    test "$(sqlite3 "$DB" 'SELECT count(*) FROM alert WHERE service_id NOT IN (SELECT id FROM service)')" = 0

tap_done
