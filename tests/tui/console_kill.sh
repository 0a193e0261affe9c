#!/usr/bin/env bash
# console_kill.sh — issue 13 item 2: the console killed with SIGKILL in
# the middle of an action. The console runs from a plain shell (sh, which
# repairs nothing itself) in a tmux pane; kill -9 runs no handler, so the
# terminal is left in curses' modes (no echo, no canonical input) on the
# alternate screen with the cursor hidden. Checked: the database is
# intact (integrity_check), the confirmed ack is there and the half-typed
# kill switch is not; the next console takes the engine role over the
# dead one's lock file; after the next start and a clean quit the pane's
# terminal is exactly as the shell had it (stty -g), off the alternate
# screen, cursor visible. The repair comes from the console's record of
# the terminal modes it was given (ui/tty.c, state directory, per
# terminal); a torn record is ignored and replaced.
set -u
. "$(dirname "$0")/lib.sh"

echo "1..12"
DB=$WORK/k.db
make_db "$DB" || { echo "Bail out! cannot seed $DB"; exit 1; }
q() { sqlite3 -cmd '.timeout 2000' "$DB" "$1"; }
RECDIR=$WORK/state/resops

# The pane's program is an interactive sh; commands are typed and ended
# with C-j (a newline: after a kill the terminal maps no CR to NL).
"${TMUX_CMD[@]}" new-session -d -s k -x 120 -y 40 \
    "env TERM=tmux-256color PS1='$ ' XDG_STATE_HOME=$WORK/state sh"
TTY=$("${TMUX_CMD[@]}" display-message -p -t k '#{pane_tty}')
run() { literal k "$1"; keys k C-j; }
flags() { "${TMUX_CMD[@]}" display-message -p -t k 'alternate_on=#{alternate_on} cursor_flag=#{cursor_flag}'; }
console() {   # console N: start resops in the pane, wait until it draws as ENGINE
    run clear; wait_gone k "12 services" || return 1
    run "$RESOPS_BIN --db $DB 2>>$WORK/k$1.stderr; echo RESOPS-EXIT=\$?"
    wait_for k "ENGINE" "Services  12 services" >/dev/null
}
kill9() {     # kill9: SIGKILL the console, wait for the shell to see it die
    local pid
    pid=$(pid_of k) || return 1
    kill -9 "$pid" && while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
}
record() { ls "$RECDIR"/tty-* 2>/dev/null | grep -v '\.[0-9]*$' | head -1; }

wait_for k '$' >/dev/null
SANE=$(stty -g -F "$TTY")
stty -a -F "$TTY" | grep -qw icanon && stty -a -F "$TTY" | grep -qw echo
tap $? "the pane's shell has a sane terminal (icanon echo) to begin with"

# 1 first console: a confirmed ack, then the kill switch's reason prompt
#   half-typed, and kill -9
console 1; r1=$?
REC=$(record)
[ -n "$REC" ] || r1=1
tap $r1 "the console starts as the ENGINE and records the terminal modes it was given ($REC)"

ID=$(q "SELECT id FROM alert WHERE acknowledged = 0 AND resolved_at IS NULL ORDER BY id LIMIT 1")
keys k 4; wait_pane k Alerts
keys k :; literal k "ack $ID"; keys k Enter
wait_for k "Alert #$ID acknowledged by"; r1=$?
wait_sql "$DB" "SELECT acknowledged FROM alert WHERE id = $ID" "1" || r1=1
keys k K; wait_for k "[y/N] or 1-6: one category" >/dev/null || r1=1
keys k 2; wait_for k "Reason (optional" >/dev/null || r1=1
literal k "half typed reason"
kill9; r2=$?
tap $((r1 + r2)) "ack of alert #$ID confirmed, the kill switch's reason prompt open: kill -9"

r=0
[ "$(q 'PRAGMA integrity_check')" = ok ] || r=1
[ "$(q "SELECT acknowledged FROM alert WHERE id = $ID")" = 1 ] || r=1
[ "$(q "SELECT count(*) FROM audit_log WHERE action = 'Alert Acknowledged' AND detail LIKE 'alert $ID acknowledged by %'")" = 1 ] || r=1
[ "$(q "SELECT count(*) FROM audit_log WHERE action LIKE 'Kill Switch%'")" = 0 ] || r=1
[ "$(q "SELECT count(*) FROM category_config WHERE auto_resolution_enabled = 0")" = 0 ] || r=1
tap $r "after the kill: integrity_check ok, the confirmed ack and its audit row there, the unconfirmed kill switch not"

# What the kill left for the next start to repair (if the terminal were
# already sane here, the checks below would prove nothing).
r=0
[ "$(flags)" = "alternate_on=1 cursor_flag=0" ] || r=1
stty -a -F "$TTY" | grep -qw -- -icanon || r=1
stty -a -F "$TTY" | grep -qw -- -echo || r=1
grep -q "^engine console" "$DB.lock" || r=1
[ -n "$(record)" ] || r=1
tap $r "the kill left the alternate screen on, the cursor hidden, -icanon -echo, the lock file's text and the record ($(flags))"

# 2 second console: takes the engine role, shows the ack; killed again
#   with the `:` line open
console 2; r1=$?
keys k 4; wait_pane k Alerts || r1=1
keys k :; literal k "silence Payments 30m half typed"
kill9 || r1=1
[ "$(q 'PRAGMA integrity_check')" = ok ] || r1=1
[ "$(q "SELECT count(*) FROM silence")" = 0 ] || r1=1
tap $r1 "the next console takes the ENGINE role over the dead one's lock; killed with the : line open, nothing half-done is stored"

# 3 third console: a clean quit gives the shell its terminal back
console 3; r1=$?
quit_console k || r1=1
wait_for k "RESOPS-EXIT=0" >/dev/null || r1=1
tap $r1 "the third console starts as the ENGINE and quits cleanly (exit 0)"
r=0
[ "$(stty -g -F "$TTY")" = "$SANE" ] || { r=1; stty -a -F "$TTY" | sed 's/^/#   /'; }
stty -a -F "$TTY" | grep -qw icanon && stty -a -F "$TTY" | grep -qw echo || r=1
tap $r "the terminal modes are the shell's own again (stty -g equal; icanon echo)"
[ "$(flags)" = "alternate_on=0 cursor_flag=1" ]
tap $? "off the alternate screen, the cursor visible ($(flags))"
r=0
[ -z "$(record)" ] || r=1
grep -q "tty: restored the terminal modes left by console" "$WORK/resops.log" || r=1
tap $r "the repair is logged and the record is gone after the clean exit"

# 4 a torn record (a half-written file) is ignored and replaced
mkdir -p "$RECDIR"
TORN="$RECDIR/$(basename "$REC")"
printf 'rsp' >"$TORN"
console 4; r=$?
[ "$(stat -c %s "$TORN")" -gt 3 ] || r=1
quit_console k || r=1
wait_for k "RESOPS-EXIT=0" >/dev/null || r=1
[ "$(stty -g -F "$TTY")" = "$SANE" ] && [ ! -e "$TORN" ] || r=1
grep -q "tty: ignoring a torn terminal record" "$WORK/resops.log" || r=1
tap $r "a torn record: the console starts, replaces it, quits cleanly and removes it"

# no sanitizer report from any console
bad=0
for f in "$WORK"/k*.stderr; do
    if grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:" "$f" 2>/dev/null; then
        bad=1; sed 's/^/#   /' "$f" >&2
    fi
done
tap $bad "no sanitizer report from any console"
exit $((FAILS > 0))
