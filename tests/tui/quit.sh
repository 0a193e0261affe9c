#!/usr/bin/env bash
# quit.sh — issue 11 item 7, "monitoring survives the person": `q` in the
# ENGINE console asks before it stops checks and notifications (n keeps it
# running, y exits 0 with the terminal restored), `q` in a detail view goes
# back like Esc, `:q` asks like `q`, and a VIEWER console quits on `q` at
# once; Ctrl-C quits at once (SIGTERM: console.sh).
set -u
. "$(dirname "$0")/lib.sh"

echo "1..7"
DB=$WORK/d.db
make_db "$DB" || { echo "Bail out! cannot seed $DB"; exit 1; }
QUESTION="This console is the ENGINE: quitting stops checks and notifications. Quit? [y/N]"

# 1 q in the engine console asks; n keeps it running and drawing
start a 120 40 -- --db "$DB"
wait_for a "ENGINE" "Services  12 services" >/dev/null
PID=$(pid_of a)
keys a q; wait_for a "$QUESTION"; r1=$?
keys a n; wait_for a "Not quitting" "Services  12 services" "ENGINE"; r2=$?
kill -0 "$PID" 2>/dev/null; r3=$?
case "$(screen a)" in *RESOPS-EXIT*) r3=1 ;; esac
tap $((r1 + r2 + r3)) "engine: q asks '$QUESTION'; n keeps it running"

# 2 the engine keeps working after the cancelled question: keys still act
keys a 4; wait_pane a "Alerts"; r1=$?
keys a 1; wait_pane a "Services"; r2=$?
tap $((r1 + r2)) "engine: after n the console still takes keys"

# 3 q in a detail view goes back, without asking
keys a Enter; wait_for a "Needed by" "Integrations" >/dev/null; r1=$?
keys a q; wait_gone a "Needed by"; r2=$?
wait_for a "Services  12 services" >/dev/null; r3=$?
case "$(screen a)" in *"is the ENGINE: quitting"*) r3=1 ;; esac
kill -0 "$PID" 2>/dev/null || r3=1
tap $((r1 + r2 + r3)) "engine: q in a detail view goes back like Esc"

# 4 a viewer on the same database quits on q at once
start v 120 40 -- --db "$DB"
wait_for v "VIEWER" "Services  12 services" >/dev/null; r1=$?
keys v q; wait_for v "RESOPS-EXIT=0" "shell before resops"; r2=$?
grep -q "is the ENGINE: quitting" < <(screen v) && r2=1
tap $((r1 + r2)) "viewer: q quits at once with 0"

# 5 :q asks like q; y exits 0 and gives the terminal back
keys a :; literal a "q"; keys a Enter
wait_for a "$QUESTION"; r1=$?
keys a y; wait_for a "RESOPS-EXIT=0" "shell before resops"; r2=$?
tap $((r1 + r2)) "engine: :q asks too; y exits 0 and restores the terminal"

# 6 Ctrl-C (SIGINT) still quits an ENGINE console at once, without the
# question. Sent with kill: a C-c typed into tmux would also stop the
# wrapper shell that prints RESOPS-EXIT.
start c 120 40 -- --db "$DB"
wait_for c "ENGINE" "Services  12 services" >/dev/null; r1=$?
kill -INT "$(pid_of c)"; wait_for c "RESOPS-EXIT=0" "shell before resops"; r2=$?
tap $((r1 + r2)) "engine: SIGINT (Ctrl-C) quits at once with 0 (no question)"

# 7 no sanitizer report from any console
bad=0
for f in "$WORK"/a.stderr "$WORK"/v.stderr "$WORK"/c.stderr; do
    if grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:" "$f" 2>/dev/null; then
        bad=1; sed 's/^/#   /' "$f" >&2
    fi
done
tap $bad "no sanitizer report from any console"
exit $((FAILS > 0))
