#!/usr/bin/env bash
# N1: the process that made a temporary demo database (`--demo` without a
# new --db, what `make run` does) removes it at exit only when no other
# process still has it open. A viewer opened on the demo's path takes over
# when the demo's owner quits and keeps a database that is still there.
. "$(dirname "$0")/tap.sh"

DIRS=()
trap 'tap_cleanup; for d in "${DIRS[@]:-}"; do [ -n "$d" ] && rm -rf "$d"; done' EXIT

# demo_path LOG: the database the demo's owner made ("resops: demo database P")
demo_path() { sed -n 's|^resops: demo database \(/tmp/resops-demo-[^ ]*\)$|\1|p' "$1" | head -1; }

# --- alone: the directory goes at exit (B20 still holds) -------------------
"$RESOPS_BIN" --headless --demo --listen 127.0.0.1:0 2>"$TMP/solo.log" &
S=$!
TAP_PIDS+=("$S")
wait_for 20 grep -q "api: listening" "$TMP/solo.log"
SOLO=$(demo_path "$TMP/solo.log")
DIRS+=("$(dirname "${SOLO:-/nonexistent/x}")")
ok_if "the demo's owner names its temporary database" test -n "$SOLO"
ok_if "every process holds <db>.users" wait_for 10 test -e "$SOLO.users"
kill -TERM "$S"
wait "$S"
ok_if "alone, the demo's owner exits 0" test $? -eq 0
ok_if "alone, the demo directory is removed at exit" test ! -e "$(dirname "${SOLO:-/x/y}")"

# --- shared: a viewer on the demo database keeps it ------------------------
"$RESOPS_BIN" --headless --demo --listen 127.0.0.1:0 2>"$TMP/a.log" &
A=$!
TAP_PIDS+=("$A")
wait_for 20 grep -q "api: listening" "$TMP/a.log"
DB=$(demo_path "$TMP/a.log")
DIR=$(dirname "${DB:-/nonexistent/x}")
DIRS+=("$DIR")
ok_if "A made a temporary demo database" test -n "$DB"
"$RESOPS_BIN" --headless --db "$DB" --listen 127.0.0.1:0 --check-interval 1 2>"$TMP/b.log" &
B=$!
TAP_PIDS+=("$B")
ok_if "B on the same file is a viewer" wait_for 20 grep -q "engine: role viewer on $DB" "$TMP/b.log"

kill -TERM "$A"
wait "$A"
ok_if "A exits 0" test $? -eq 0
ok_if "N1: A says the demo database is still in use and where it is" \
    grep -q "demo database $DB is still open in another resops; left in place" "$TMP/a.log"
ok_if "N1: the demo directory is still there" test -e "$DB"
ok_if "B takes over" wait_for 10 grep -q "taking over" "$TMP/b.log"
ok_if "N1: B's database file is not deleted under it (/proc/$B/fd)" \
    wait_for 10 bash -c "ls -l /proc/$B/fd | grep -q '$DB\$' && ! ls -l /proc/$B/fd | grep -qF '$DB (deleted)'"
ok_if "N1: the file on disk still holds the demo for B" \
    wait_for 10 test "$(sqlite3 -cmd '.timeout 2000' "$DB" "SELECT count(*) FROM service")" -gt 0
kill -TERM "$B"
wait "$B"
ok_if "B exits 0" test $? -eq 0
ok_if "the kept database is consistent" test "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok

tap_done
