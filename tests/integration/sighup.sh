#!/usr/bin/env bash
# SIGHUP reloads the configuration (issue 13 item 7), with the real binary
# headless on a config file: a reloadable change (the check interval, the
# log level) takes effect at once, a restart-only change (the listener's
# per-address limit) is logged as a warning and keeps its running value,
# one audit row says what changed, a flag still wins over the file; a
# broken file keeps the running configuration, logs the error and the
# process keeps serving; SIGTERM ends with 0; a new webhook URL and
# heartbeat limits reach the notifier and the engine. The console: SIGHUP reloads
# while its terminal answers; a hung-up terminal ends it cleanly.
. "$(dirname "$0")/tap.sh"

DB=$TMP/h.db
CONF=$TMP/resops.conf
LOG=$TMP/h.log
q() { sqlite3 "$DB" "$1"; }
ticks() { grep -c "engine: tick:" "$LOG"; }
serving() { curl -sf "http://127.0.0.1:$PORT/api/healthz" | grep -q '"ok"'; }

cat >"$CONF" <<'EOF'
[general]
log_level = info
[engine]
check_interval = 3600
down_after = 3
[api]
max_connections_per_ip = 512
EOF

# --log-level is not given: the file's log_level is the one reloaded;
# --check-interval is not given either. A flag that is given (below,
# the second process) keeps winning over the file.
"$RESOPS_BIN" --headless --db "$DB" --config "$CONF" --listen 127.0.0.1:0 2>"$LOG" &
PID=$!
TAP_PIDS+=("$PID")
ok_if "headless resops starts and listens" wait_for 20 grep -q "listening on http://" "$LOG"
PORT=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$LOG" | head -1)
ok_if "it serves /api/healthz" serving
ok_if "at log level info no tick is logged (debug)" test "$(ticks)" = 0

# 1. a reloadable change and a restart-only one
cat >"$CONF" <<'EOF'
[general]
log_level = debug
[engine]
check_interval = 1
down_after = 5
[api]
max_connections_per_ip = 100
EOF
kill -HUP "$PID"
ok_if "SIGHUP: the reload is logged with the count of changes" \
    wait_for 20 grep -q "SIGHUP: configuration reloaded: 4 changed" "$LOG"
ok_if "one line per changed setting (engine.check_interval = 1 (was 3600))" \
    grep -q "reload: engine.check_interval = 1 (was 3600)" "$LOG"
ok_if "general.log_level and engine.down_after too" bash -c \
    "grep -q 'reload: general.log_level = \"debug\" (was \"info\")' '$LOG' &&
     grep -q 'reload: engine.down_after = 5 (was 3)' '$LOG'"
ok_if "the restart-only change is a warning that keeps the running value" \
    grep -q "warn .*reload: api.max_connections_per_ip = 100 needs a restart; it stays 512" "$LOG"
ok_if "the engine takes the new settings (checks every 1 s)" \
    wait_for 20 grep -q "engine: settings reloaded: checks every 1 s" "$LOG"
ok_if "the new interval and log level are in effect: ticks every second, logged" \
    wait_for 30 bash -c "[ \$(grep -c 'engine: tick:' '$LOG') -ge 3 ]"
ok_if "the process is still serving after SIGHUP" serving
ok_if "one audit row 'Config Reloaded' names what changed" bash -c \
    "[ \"\$(sqlite3 '$DB' \"SELECT count(*) FROM audit_log WHERE action = 'Config Reloaded'
        AND detail LIKE '%engine.check_interval%' AND detail LIKE '%restart: api.max_connections_per_ip%'\")\" = 1 ]"

# 2. nothing changed: a reload that says so, the warning again for the
#    restart-only setting that still differs from what runs
kill -HUP "$PID"
ok_if "a second SIGHUP with the same file changes only what still needs a restart" \
    wait_for 20 grep -q "SIGHUP: configuration reloaded: 1 changed (applied: none; needs a restart: api.max_connections_per_ip)" "$LOG"

# 3. a broken file: logged, nothing changes, still serving
cp "$CONF" "$TMP/good.conf"
sed -i 's/^check_interval = 1$/check_interval = soon/' "$CONF"
printf '[engine]\nslow_ms = 7\n' >>"$CONF"
kill -HUP "$PID"
ok_if "a broken file is logged with FILE:LINE and the running configuration stays" \
    wait_for 20 grep -q "error .*SIGHUP: configuration not reloaded (the running one stays): $CONF:4: engine.check_interval: not an integer: 'soon'" "$LOG"
ok_if "the process is still serving after the broken reload" serving
N=$(ticks)
ok_if "the old values stay in effect (still ticking every second, at debug)" \
    wait_for 30 bash -c "[ \$(grep -c 'engine: tick:' '$LOG') -ge $((N + 2)) ]"
ok_if "the broken reload wrote no audit row" \
    test "$(q "SELECT count(*) FROM audit_log WHERE action = 'Config Reloaded'")" = 2

# 4. SIGTERM ends it cleanly
kill -TERM "$PID"
wait "$PID"
RC=$?
ok_if "SIGTERM: exit status 0" test "$RC" = 0
ok_if "SIGTERM: 'stopped cleanly' logged" grep -q "resops: stopped cleanly" "$LOG"

# 5. a flag wins over the file across a reload
cp "$TMP/good.conf" "$CONF"
LOG2=$TMP/h2.log
"$RESOPS_BIN" --headless --db "$DB" --config "$CONF" --listen 127.0.0.1:0 \
    --check-interval 3600 2>"$LOG2" &
PID2=$!
TAP_PIDS+=("$PID2")
ok_if "a second process starts with --check-interval 3600" \
    wait_for 20 grep -q "listening on http://" "$LOG2"
sed -i 's/^check_interval = 1$/check_interval = 2/' "$CONF"
kill -HUP "$PID2"
ok_if "SIGHUP: the second process reloads" \
    wait_for 20 grep -q "SIGHUP: configuration reloaded" "$LOG2"
ok_if "the file's new check_interval does not override the flag: nothing changed" bash -c \
    "grep -q 'SIGHUP: configuration reloaded: 0 changed' '$LOG2' &&
     ! grep -q 'reload: engine.check_interval' '$LOG2'"
kill -TERM "$PID2"
wait "$PID2"
ok_if "the second process also exits 0 on SIGTERM" test $? = 0

# 6. notification targets and the engine's rules reload together: a demo
#    database, no webhook at start; SIGHUP sets the webhook URL and makes
#    heartbeats due within seconds, so the next ticks raise alerts whose
#    notifications reach the new URL
DB3=$TMP/w.db
CONF3=$TMP/w.conf
LOG3=$TMP/w.log
"$RESOPS_BIN" seed --demo --db "$DB3" >/dev/null 2>&1
/usr/bin/python3 "$(dirname "$0")/notify_receiver.py" "$TMP/hooks.log" >"$TMP/recv.out" &
TAP_PIDS+=("$!")
ok_if "the webhook receiver listens" wait_for 10 grep -q PORT "$TMP/recv.out"
RPORT=$(awk '/PORT/ {print $2}' "$TMP/recv.out")
printf '[engine]\ncheck_interval = 3600\n[notify]\ngroup_wait_s = 0\n' >"$CONF3"
"$RESOPS_BIN" --headless --db "$DB3" --config "$CONF3" --listen 127.0.0.1:0 2>"$LOG3" &
PID3=$!
TAP_PIDS+=("$PID3")
ok_if "a third process starts on the demo database without a webhook" \
    wait_for 20 grep -q "listening on http://" "$LOG3"
ok_if "no webhook notification before the reload" \
    test "$(sqlite3 "$DB3" "SELECT count(*) FROM outbox WHERE channel = 'webhook'")" = 0
printf '[engine]\ncheck_interval = 1\nheartbeat_degraded_s = 1\nheartbeat_down_s = 2\n[notify]\ngroup_wait_s = 0\nalert_webhook_url = http://127.0.0.1:%s/ok\n' \
    "$RPORT" >"$CONF3"
kill -HUP "$PID3"
ok_if "after SIGHUP the new rules raise alerts and the new webhook URL receives them" \
    wait_for 30 test -s "$TMP/hooks.log"
kill -TERM "$PID3"
wait "$PID3"
ok_if "the third process exits 0 on SIGTERM" test $? = 0

# 7. the console: SIGHUP reloads while the terminal answers; a hangup
#    (the terminal closed) ends it cleanly
if command -v tmux >/dev/null; then
    SOCK="resops-hup-$$"
    TM=(tmux -L "$SOCK" -f /dev/null)
    CLOG=$TMP/console.log
    cp "$TMP/good.conf" "$CONF"
    printf '[general]\nlog_file = %s\n' "$CLOG" >>"$CONF"
    sed -i 's/^log_level = debug$/log_level = info/' "$CONF"
    "${TM[@]}" new-session -d -s c -x 120 -y 40 \
        "exec env TERM=tmux-256color XDG_STATE_HOME=$TMP/state $RESOPS_BIN --db $TMP/c.db --config $CONF 2>$TMP/c.err"
    ok_if "the console starts" wait_for 20 bash -c "\"\${0}\" -L '$SOCK' capture-pane -t c -p | grep -q ENGINE" tmux
    CPID=$("${TM[@]}" list-panes -t c -F '#{pane_pid}')
    sed -i 's/^down_after = 5$/down_after = 4/' "$CONF"
    kill -HUP "$CPID"
    ok_if "console: SIGHUP reloads (engine.down_after = 4 logged)" \
        wait_for 20 grep -q 'reload: engine.down_after = 4 (was 5)' "$CLOG"
    ok_if "console: still running and drawing after SIGHUP" bash -c \
        "kill -0 $CPID && \"\${0}\" -L '$SOCK' capture-pane -t c -p | grep -q ENGINE" tmux
    "${TM[@]}" kill-server
    ok_if "console: a hung-up terminal ends it" wait_for 20 bash -c "! kill -0 $CPID 2>/dev/null"
    ok_if "console: ... cleanly (Hangup received, stopped cleanly)" bash -c \
        "grep -q 'Hangup received, shutting down' '$CLOG' && grep -q 'stopped cleanly' '$CLOG'"
    ok_if "console: the database is intact" \
        test "$(sqlite3 "$TMP/c.db" 'PRAGMA integrity_check')" = ok
else
    TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - console: SIGHUP # SKIP no tmux"
fi
tap_done
