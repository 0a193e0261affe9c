#!/usr/bin/env bash
# cmdline.sh — issue 11 item 8, the `:` line and the kill switch (part D):
# Up/Down walk the history (most recent first, no repeats), which a new
# console reads back from $HOME/.local/state/resops/history; Tab completes
# a command name and a service name (common prefix, a second Tab lists the
# candidates); `:q!` quits the ENGINE console without the question; Esc at
# the kill switch's reason prompt engages it with no reason, Ctrl-G
# cancels; K lists the per-category stops and a digit stops one category.
set -u
. "$(dirname "$0")/lib.sh"

echo "1..11"
DB=$WORK/d.db
make_db "$DB" || { echo "Bail out! cannot seed $DB"; exit 1; }
H=$WORK/home
mkdir -p "$H"

start a 120 40 HOME=$H XDG_STATE_HOME= -- --db "$DB"
wait_for a "ENGINE" "Services  12 services" >/dev/null || { echo "Bail out! no first frame"; exit 1; }

# 1 Up recalls the last command, most recent first, without repeats
keys a :; literal a "threshold swap 55"; keys a Enter
wait_for a "swap threshold set to 55%" >/dev/null
keys a :; literal a "info"; keys a Enter; wait_for a "ENGINE as" >/dev/null
keys a :; literal a "threshold swap 55"; keys a Enter
wait_for a "swap threshold set to 55%" >/dev/null
keys a : Up; wait_for a ":threshold swap 55"; r1=$?
keys a Up; wait_for a ":info"; r2=$?
keys a Up; literal a "X"; wait_for a ":infoX" || r2=1     # the repeat is not listed twice
keys a BSpace Down Down; literal a "Y"
wait_for a ":Y" || r2=1                                      # Down past the newest: the draft
keys a Escape
tap $((r1 + r2)) "Up recalls the last : command first, then older ones without repeats; Down back to the empty line"

# 2 Enter on a recalled line runs it again
keys a : Up Up Enter; wait_for a "ENGINE as root" >/dev/null || wait_for a "ENGINE as"
tap $? "a recalled :info runs again with Enter"

# 3 Tab completes a command name
keys a :; literal a "thr"; keys a Tab
wait_for a ":threshold"; r=$?
literal a "swap 60"; keys a Enter       # the completion ends with a space
wait_for a "swap threshold set to 60%" || r=1
tap $r "Tab completes :thr to :threshold (and a space), and the line runs"

# 4 Tab completes a service name (the common prefix, then the one)
keys a :; literal a "status Pay"; keys a Tab
wait_for a ":status Payments API"; r1=$?
keys a Escape
keys a :; literal a "status mess"; keys a Tab; wait_for a ":status Message Queue"; r2=$?
literal a "Degraded"; keys a Enter
wait_for a "Message Queue (#" "is now Degraded"; r3=$?
tap $((r1 + r2 + r3)) "Tab completes service names for :status, case-insensitive, and the line runs"

# 5 ambiguous: common prefix, a second Tab lists the candidates
keys a :; literal a "s"; keys a Tab
wait_for a "candidates: Tab again lists them"; r1=$?
keys a Tab; wait_for a "snooze, silence, silences, status"; r2=$?
keys a Escape
tap $((r1 + r2)) "an ambiguous Tab says how many; a second Tab lists them beside the line"

# 6 K lists every category's state; 2 stops the database category
keys a K
wait_for a "Kill switch: auto-resolution, all and per category" "ALL: running" "1    network" \
         "2    database        running" "6    user_access"; r1=$?
wait_for a "[y/N] or 1-6: one category"; r2=$?
keys a 2
wait_for a "Reason (optional; Enter or Esc: none, Ctrl-G: cancel)"; r3=$?
literal a "db failover drill"; keys a Enter
wait_for a "Auto-resolution STOPPED for database by"; r4=$?
wait_sql "$DB" "SELECT auto_resolution_enabled FROM category_config WHERE category = 'database'" "0" || r4=1
wait_sql "$DB" "SELECT (SELECT global_enabled FROM resolution_config), count(*) FROM category_config WHERE auto_resolution_enabled = 0" "1|1" || r4=1
wait_for a " auto-resolution on, 1 category stopped " >/dev/null; r5=$?   # review item 11
tap $((r1 + r2 + r3 + r4 + r5)) "K lists the per-category stops; 2 + reason stops the database category only; the bar says 1 category stopped"

# 7 K shows it stopped; 2 starts it again
keys a K
wait_for a "2    database        STOPPED by" "db failover drill"; r1=$?
keys a 2
wait_for a "Auto-resolution started again for database"; r2=$?
wait_sql "$DB" "SELECT auto_resolution_enabled FROM category_config WHERE category = 'database'" "1" || r2=1
wait_for a " auto-resolution on " >/dev/null || r2=1
screen a | grep -q "category stopped" && r2=1
tap $((r1 + r2)) "K shows the stopped category with who and why; 2 starts it again; the bar no longer says stopped"

# 8 Esc at the reason prompt engages the switch with no reason
keys a K; wait_for a "[y/N]" >/dev/null; keys a y
wait_for a "Reason (optional" >/dev/null; keys a Escape
wait_for a "KILL SWITCH ON: AUTO-RESOLUTION DISABLED"; r=$?
wait_sql "$DB" "SELECT global_enabled FROM resolution_config" "0" || r=1
tap $r "Esc at the reason prompt skips the reason: the kill switch is ON"

# 9 Ctrl-G at the reason prompt cancels
keys a K; wait_for a "Turn the kill switch OFF" >/dev/null; keys a y
wait_for a "Reason (optional" >/dev/null; keys a C-g
wait_for a "Kill switch unchanged"; r=$?
wait_sql "$DB" "SELECT global_enabled FROM resolution_config" "0" || r=1
keys a K; wait_for a "[y/N]" >/dev/null; keys a Escape
wait_for a "Kill switch unchanged" || r=1
tap $r "Ctrl-G at the reason prompt, and Esc at K's question, still cancel"

# 10 :q! quits the ENGINE console without the question
keys a :; literal a "q!"; keys a Enter
wait_for a "RESOPS-EXIT=0"; r=$?
screen a | grep -q "Quit? \[y/N\]" && r=1
tap $r ":q! quits the ENGINE console at once (exit 0, no question)"

# 11 the history survives: a new console recalls the last command
start b 120 40 HOME=$H XDG_STATE_HOME= -- --db "$DB"
wait_for b "Services  12 services" >/dev/null
keys b : Up; wait_for b ":q!"; r1=$?
keys b Up; wait_for b ":status Message Queue Degraded"; r2=$?
keys b Escape
grep -qx "q!" "$H/.local/state/resops/history" || r1=1
tap $((r1 + r2)) "the history is kept in ~/.local/state/resops/history and read by the next console"
