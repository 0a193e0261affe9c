#!/usr/bin/env bash
# N3: the team's shape from README's *Production*: the service writes the
# database in a setgid group directory with umask 007, and consoles of the
# group's members (other uids, run here with setpriv) act on it. Files are
# made 0666 less the umask (group rw), the JWT secret stays 0600. A member
# for whom the database is read-only is told so, not "Internal server error".
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null || { echo "1..0 # SKIP needs root and setpriv"; exit 0; }
GID=4242; MEMBER=4243
chmod 711 "$WORK"                 # the members reach team/ through it
TEAM=$WORK/team
mkdir "$TEAM" && chgrp "$GID" "$TEAM" && chmod 2770 "$TEAM"
DB=$TEAM/team.db
PIDS=()
trap 'for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done; cleanup' EXIT

(umask 007; exec "$RESOPS_BIN" seed --demo --db "$DB" >/dev/null 2>>"$WORK/seed.stderr")
(umask 007; exec "$RESOPS_BIN" --headless --db "$DB" --listen 127.0.0.1:0 --check-interval 1 \
    2>"$WORK/engine.log") &
E=$!
PIDS+=("$E")
end=$((SECONDS + DEADLINE))
until grep -q "api: listening" "$WORK/engine.log" && [ -e "$DB.jwt-secret" ] && [ -e "$DB-shm" ]; do
    [ $SECONDS -ge $end ] && break
    sleep 0.1
done
PORT=$(sed -n 's|.*api: listening on http://[^:]*:\([0-9]*\).*|\1|p' "$WORK/engine.log" | head -1)

mode() { stat -c '%a %g' "$1" 2>/dev/null; }
for f in "" -wal -shm .lock .users; do
    test "$(mode "$DB$f")" = "660 $GID"; tap $? "N3: team.db$f is group rw with umask 007 (660, group $GID): $(mode "$DB$f")"
done
test "$(mode "$DB.jwt-secret")" = "600 $GID"; tap $? "N3: the JWT secret stays 0600: $(mode "$DB.jwt-secret")"

# A member's console: a VIEWER that shows the engine's API and can act.
start m 200 40 setpriv --reuid=$MEMBER --regid=$MEMBER --groups=$GID -- --db "$DB"
wait_for m "VIEWER" "api 127.0.0.1:$PORT (engine)"; tap $? "N3: a member's console is a VIEWER that reads the engine's API from <db>.lock"
keys m K; wait_for m "[y/N]" >/dev/null; keys m y; wait_for m "Reason" >/dev/null; keys m Enter
wait_for m "KILL SWITCH ON: auto-resolution disabled by"; tap $? "N3: K y Enter works from a member's console"
wait_sql "$DB" "SELECT global_enabled FROM resolution_config" 0; tap $? "N3: ... and the kill switch is on in the database"
keys m K; wait_for m "[y/N]" >/dev/null; keys m y; wait_for m "Reason" >/dev/null; keys m Enter
wait_for m "Kill switch off"; r1=$?
wait_sql "$DB" "SELECT global_enabled FROM resolution_config" 1; tap $((r1 + $?)) "N3: ... and off again"
quit_console m; wait_for m "RESOPS-EXIT=0" >/dev/null

# The database made read-only for the group: the console says why.
chmod 640 "$DB"
start r 200 40 setpriv --reuid=$MEMBER --regid=$MEMBER --groups=$GID -- --db "$DB"
wait_for r "VIEWER"; tap $? "a member with a read-only database still gets a viewer"
keys r K; wait_for r "[y/N]" >/dev/null; keys r y; wait_for r "Reason" >/dev/null; keys r Enter
wait_for r "Kill switch: the database is read-only for you ($DB"; tap $? "N3: a write on a read-only database says so, not 'Internal server error'"
quit_console r; wait_for r "RESOPS-EXIT=0"; tap $? "that console quits with 0"

kill -TERM "$E"; wait "$E"; tap $? "the engine exits 0"
echo "1..$TAPN"
[ "$FAILS" = 0 ]
