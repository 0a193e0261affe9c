#!/usr/bin/env bash
# The engine role between the headless service and the consoles.
#   N5: a viewer shows the ENGINE's last tick ("tick Ns ago (engine)", from
#       <db>.lock), so a stuck engine shows even while the data is fresh.
#   N2: a console that took the role over while the service was down hands
#       it back when the headless service starts again, and says so; a
#       headless engine never hands over.
. "$(dirname "$0")/lib.sh"

DB=$WORK/h.db
make_db "$DB"
PIDS=()
trap 'for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done; cleanup' EXIT

# headless NAME: the service on DB, log in $WORK/NAME.log, pid in $HPID
headless() {
    "$RESOPS_BIN" --headless --db "$DB" --listen 127.0.0.1:0 --check-interval 1 \
        2>"$WORK/$1.log" &
    HPID=$!
    PIDS+=("$HPID")
}
log_wait() {    # log_wait FILE PATTERN: grep -E PATTERN in FILE before the deadline
    local end=$((SECONDS + DEADLINE))
    until grep -Eq -- "$2" "$1" 2>/dev/null; do
        [ $SECONDS -ge $end ] && { echo "# $1 never showed '$2'" >&2; return 1; }
        sleep 0.1
    done
}
port_of() { sed -n 's|.*api: listening on http://[^:]*:\([0-9]*\).*|\1|p' "$1" | head -1; }
# status_tick SESSION: N of "tick Ns ago (engine)" on the status bar, or empty
status_tick() { screen "$1" | sed -n 's/.* tick \([0-9]*\)s ago (engine).*/\1/p' | tail -1; }
tick_at_least() {   # tick_at_least SESSION N
    local end=$((SECONDS + DEADLINE)) t
    while :; do
        t=$(status_tick "$1")
        [ -n "$t" ] && [ "$t" -ge "$2" ] && return 0
        [ $SECONDS -ge $end ] && { echo "# status tick '$t', want >= $2" >&2; screen "$1" | tail -3 | sed 's/^/#   /' >&2; return 1; }
        sleep 0.2
    done
}

headless h1
H1=$HPID
log_wait "$WORK/h1.log" "api: listening"; tap $? "the headless service starts as the engine"
P1=$(port_of "$WORK/h1.log")

start c 200 40 -- --db "$DB" --check-interval 1
wait_for c "VIEWER" "api 127.0.0.1:$P1 (engine)"; tap $? "a console on the same database is a VIEWER showing the engine's API"
wait_for c "ago (engine)"; tap $? "N5: the viewer shows the engine's tick age ('tick Ns ago (engine)')"
wait_for c " tick 0s ago (engine) " >/dev/null || wait_for c " tick 1s ago (engine) "
tap $? "N5: a live engine (ticking every second) shows a tick 0-1 s ago"

# A stuck engine: stopped, while the database keeps changing (another
# writer), so the data is fresh but no tick comes.
kill -STOP "$H1"
for i in 1 2 3 4 5 6; do
    sqlite3 -cmd '.timeout 2000' "$DB" "UPDATE service SET description = 'write $i' WHERE id = 1"
    tick_at_least c "$i" >/dev/null 2>&1
done
tick_at_least c 5; tap $? "N5: a stuck engine shows in the viewer: its tick age grows though data is fresh"
kill -CONT "$H1"
wait_for c " tick 0s ago (engine) " >/dev/null || wait_for c " tick 1s ago (engine) "
tap $? "N5: the engine ticks again: the viewer's tick age falls back"

# The service goes down: the console takes the role over.
kill -TERM "$H1"
wait "$H1"
wait_for c "ENGINE" "The engine stopped: this console is now the ENGINE (checks and notifications run here)."; tap $? "the console takes over when the service stops, and says so in the message line"
wait_for c "api off"; tap $? "the console engine serves no API"

# The service comes back: the console hands the role back.
headless h2
H2=$HPID
log_wait "$WORK/h2.log" "engine: role viewer on $DB"; tap $? "N2: the restarted service finds the console engine (viewer at first)"
log_wait "$WORK/h2.log" "asked the engine on .* to hand the role back"; tap $? "N2: it asks for the role (<db>.handover)"
wait_for c "VIEWER" "Handed the engine role back to the headless engine"
tap $? "N2: the console hands the role back and says so in its message line"
log_wait "$WORK/h2.log" "taking over"; tap $? "N2: the headless service is the ENGINE again"
log_wait "$WORK/h2.log" "api: listening"
P2=$(port_of "$WORK/h2.log")
wait_for c "api 127.0.0.1:$P2 (engine)"; tap $? "N2: the console shows the new engine's API ($P2)"
grep -qx "engine headless" "$DB.lock"; tap $? "N2: the lock file names a headless engine"
test ! -e "$DB.handover"; tap $? "N2: the request is withdrawn once served"

# A headless engine never hands over: a third process, headless, waits.
headless h3
H3=$HPID
log_wait "$WORK/h3.log" "engine: role viewer on $DB"; tap $? "a second headless process is a viewer"
# two more ticks of the engine (the lock file's tick line) before looking
lock_tick() { sed -n 's/^tick \([0-9]*\)$/\1/p' "$DB.lock"; }
t0=$(lock_tick)
end=$((SECONDS + DEADLINE))
until [ "$(lock_tick)" -ge $((${t0:-0} + 2)) ] 2>/dev/null || [ $SECONDS -ge $end ]; do sleep 0.2; done
test "$(lock_tick)" -ge $((${t0:-0} + 2)); tap $? "the headless engine keeps ticking with a headless viewer"
! grep -q "asked the engine" "$WORK/h3.log"; tap $? "N2: the second headless process asks nothing of a headless engine"
kill -TERM "$H3"; wait "$H3"
screen c | grep -q "VIEWER"; tap $? "the console stays a VIEWER under a headless engine"

quit_console c
wait_for c "RESOPS-EXIT=0"; tap $? "the console quits with 0"
kill -TERM "$H2"; wait "$H2"; tap $? "the service exits 0 on SIGTERM"
echo "1..$TAPN"
[ "$FAILS" = 0 ]
