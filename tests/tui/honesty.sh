#!/usr/bin/env bash
# honesty.sh — the console is honest about itself (issue 9): one check per
# defect of the newcomer review (B3, B4, B7, B16-B22), the reliability
# review (D5) and the test audit's survivors (M33, M34, M43), each named
# after what it protects. The real binary in tmux (tests/tui/lib.sh); every
# wait is on a condition (screen text or a database answer).
set -u
. "$(dirname "$0")/lib.sh"

echo "1..22"
ME=$(id -un)
q() { sqlite3 -cmd '.timeout 2000' "$1" "$2"; }
# rows SESSION: the names of the table rows on screen (first 11 columns
# of the Name column), one a line; the table starts after the header line
rows() {
    screen "$1" | awk '/^ Name +Status +Criticality/ { on = 1; next }
                       on && /^ [^ ]/ { print substr($0, 2, 11) }
                       on && /^ *$/ { exit }'
}
# names DB ORDER: the same 11 columns from the database in that order
names() {
    q "$1" "SELECT substr(s.name, 1, 11) FROM service s LEFT JOIN status st ON st.service_id = s.id
            LEFT JOIN risk_current r ON r.service_id = s.id ORDER BY $2" | sed 's/ *$//'
}
same_rows() {   # same_rows SESSION DB ORDER
    local got want
    got=$(rows "$1" | sed 's/ *$//')
    want=$(names "$2" "$3")
    [ "$got" = "$want" ] && return 0
    echo "# rows on screen:" >&2; printf '%s\n' "$got" | sed 's/^/#   /' >&2
    echo "# want ($3):" >&2; printf '%s\n' "$want" | sed 's/^/#   /' >&2
    return 1
}
STATUS_RANK="CASE coalesce(st.status, 'Unknown') WHEN 'Down' THEN 3 WHEN 'Degraded' THEN 2
             WHEN 'Unknown' THEN 1 ELSE 0 END"

# ---- database A: B3, B4, B16, B17, B22, D5 ----------------------------------
A=$WORK/a.db
make_db "$A" || { echo "Bail out! cannot seed $A"; exit 1; }
"$RESOPS_BIN" probe --db "$A" --service Reporting --tcp 127.0.0.1:1 >/dev/null 2>>"$WORK/seed.stderr"
RID=$(q "$A" "SELECT id FROM service WHERE name = 'Reporting'")
start a 120 40 -- --db "$A" --check-interval 300
wait_for a "Services  12 services" "tick " >/dev/null
wait_sql "$A" "SELECT last_checked IS NOT NULL FROM probe WHERE service_id = $RID" "1" >/dev/null

# 1 B16: nobody moved the cursor, so the selected row is the first row, even
# after the order changed under it (here: the first row's service recovers)
FIRST=$(rows a | head -1 | sed 's/ *$//')
FID=$(q "$A" "SELECT id FROM service WHERE name LIKE '$FIRST%'")
q "$A" "UPDATE status SET status = 'Up' WHERE service_id = $FID"
NEWFIRST=$(names "$A" "$STATUS_RANK DESC, coalesce(r.risk_score, 0) DESC, lower(s.name), s.id" | head -1)
end=$((SECONDS + DEADLINE))
while [ "$(rows a | head -1 | sed 's/ *$//')" != "$NEWFIRST" ] && [ $SECONDS -lt $end ]; do sleep 0.1; done
keys a Enter
wait_for a "Needed by" >/dev/null
DETAIL=$(screen a | sed -n 2p)
case "$DETAIL" in " $NEWFIRST"*) r=0 ;; *) r=1; echo "# detail opened on: $DETAIL (first row: $NEWFIRST)" >&2 ;; esac
keys a Escape
tap $r "B16: the first selected row is the first row (Services, after the order changed)"

# 2 B16 in the Alerts pane too: Enter opens the first row's alert
keys a 4; wait_pane a Alerts
AID=$(screen a | awk '/^ +ID +Created/ { getline; print $1; exit }')
keys a Enter
wait_for a "Alert #$AID"; r=$?
keys a Escape
tap $r "B16: the first selected row is the first row (Alerts: #$AID)"

# 3 B3: a kill-switch toggle runs no round of probes; only `r` (an explicit
# "check now") does, and exactly one
FS0=$(q "$A" "SELECT fail_streak FROM probe WHERE service_id = $RID")
LC0=$(q "$A" "SELECT last_checked FROM probe WHERE service_id = $RID")
keys a :; literal a "kill on b3 test"; keys a Enter
wait_for a "KILL SWITCH ON" >/dev/null
keys a :; literal a "kill off"; keys a Enter
wait_for a "auto-resolution on" >/dev/null
keys a K; wait_for a "[y/N]" >/dev/null; keys a y; wait_for a "Reason" >/dev/null; keys a Enter
wait_for a "KILL SWITCH ON" >/dev/null
keys a K; wait_for a "[y/N]" >/dev/null; keys a y; wait_for a "Reason" >/dev/null; keys a Enter
wait_for a "auto-resolution on" >/dev/null
keys a r
wait_sql "$A" "SELECT last_checked != '$LC0' FROM probe WHERE service_id = $RID" "1"; r1=$?
FS1=$(q "$A" "SELECT fail_streak FROM probe WHERE service_id = $RID")
[ "$FS1" = $((FS0 + 1)) ] || { echo "# fail_streak $FS0 -> $FS1 after 4 toggles and one r" >&2; r1=1; }
tap $r1 "B3: four kill-switch toggles run no probes (fail_streak $FS0 -> $FS1 only through r)"

# 4 B4: :status carries the login name; the ack records it with the alert's id
keys a :; literal a "status Reporting Down"; keys a Enter
wait_for a "is now Down" >/dev/null
wait_sql "$A" "SELECT actor FROM audit_log WHERE action = 'Status Updated' AND entity_id = $RID ORDER BY id DESC LIMIT 1" "$ME"
tap $? "B4: :status is audited with the console's login name ($ME)"
keys a 4; wait_pane a Alerts
AID=$(screen a | awk '/^ +ID +Created/ { getline; print $1; exit }')
keys a a
wait_for a "Alert #$AID acknowledged by $ME" >/dev/null
wait_sql "$A" "SELECT actor, alert_id FROM audit_log WHERE action = 'Alert Acknowledged' ORDER BY id DESC LIMIT 1" "$ME|$AID"
tap $? "B4: an ack is audited with the login name and the alert's own id"
q "$A" "SELECT action FROM audit_log WHERE action LIKE 'Kill Switch%' AND actor = '$ME'" | grep -q . && r=0 || r=1
tap $r "B4: the console's kill switch is audited with the login name"

# 6 B4: the Audit Log pane shows names, never "sys" or user numbers, and #id on alert rows
keys a 8; wait_pane a "Audit Log"
wait_for a "Alert Acknowledged" >/dev/null
line=$(screen a | grep "Alert Acknowledged" | head -1)
r=0
case "$line" in *"#$AID"*"$ME"*) ;; *) r=1; echo "# ack row: $line" >&2 ;; esac
screen a | grep -E "Alert Created" | head -3 | grep -q " system " || { r=1; screen a | grep "Alert Created" | head -2 | sed 's/^/#   /' >&2; }
screen a | grep -qE ' sys +' && { r=1; echo "# a row says sys" >&2; }
tap $r "B4: the Audit Log pane shows user names and the alert's own id"

# 7 B17: a resolved alert says resolved, even when it was acknowledged first
q "$A" "UPDATE alert SET resolved_at = strftime('%Y-%m-%dT%H:%M:%S', 'now') WHERE id = $AID"
keys a 4; wait_pane a Alerts
keys a /; literal a "$AID"; keys a Enter
wait_row a "$AID" "resolved"; r=$?
screen a | grep -E "^[ >]+$AID " | grep -q "acked by" && r=1
tap $r "B17: a resolved alert's State column says resolved (not acked by)"

# 7b B2: an incident-level alert (no service) names the incident, not "#0"
IAID=$(q "$A" "INSERT INTO alert (service_id, incident_id, type, message, severity, created_at)
               VALUES (NULL, 'INC-TUI', 'AutoResolutionFailed', 'Auto-resolution of incident INC-TUI failed',
                       'Critical', strftime('%Y-%m-%dT%H:%M:%S', 'now')) RETURNING id")
keys a Escape
end=$((SECONDS + DEADLINE)); r=1
while [ $SECONDS -lt $end ]; do
    screen a | grep -E "^[ >]+$IAID " | grep -qF "(incident)" && { r=0; break; }
    sleep 0.1
done
[ $r = 0 ] || screen a | grep -E "^[ >]+$IAID " | sed 's/^/#   /' >&2
screen a | grep -E "^[ >]+$IAID " | grep -q "#0" && r=1
tap $r "B2: an incident-level alert shows (incident) in the Service column, not #0"

# 8 B22: a prompt takes no keys while the terminal is too small
keys a Escape
keys a K; wait_for a "[y/N]" >/dev/null
"${TMUX_CMD[@]}" resize-window -t a -x 30 -y 10
wait_for a "Terminal too small" >/dev/null
keys a y
"${TMUX_CMD[@]}" resize-window -t a -x 120 -y 40
wait_gone a "Terminal too small"; r=$?
wait_for a "[y/N]" || r=1
screen a | grep -q "Reason (optional" && { r=1; echo "# the y reached the hidden prompt" >&2; }
keys a n; wait_for a "Kill switch unchanged" >/dev/null
tap $r "B22: y pressed while the terminal is too small does not answer the prompt"

# 9 D5: Ctrl-S does not freeze the screen
keys a 1; wait_for a "Services  12 services" >/dev/null
keys a C-s; keys a 4
wait_for a "Alerts  "; r=$?
keys a C-q
tap $r "D5: Ctrl-S does not stop the output (XON/XOFF off)"

# 10 B21: :info names the database
keys a :; literal a "info"; keys a Enter
wait_for a "database $A"
tap $? "B21: :info shows the database path"
quit_console a; wait_for a "RESOPS-EXIT=0" >/dev/null

# ---- B21: a viewer shows the engine's API address -----------------------------
"$RESOPS_BIN" --headless --db "$A" --listen 127.0.0.1:0 --check-interval 300 2>"$WORK/h.stderr" &
HPID=$!
end=$((SECONDS + DEADLINE))
while ! grep -q "^api 127.0.0.1:" "$A.lock" 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 0.1; done
ADDR=$(sed -n 's/^api //p' "$A.lock")
start v 160 40 -- --db "$A"
wait_for v "VIEWER" "api ${ADDR:-none} (engine)"
tap $? "B21: a viewer's status bar shows the engine's API (${ADDR:-none})"
quit_console v; wait_for v "RESOPS-EXIT=0" >/dev/null
kill -TERM $HPID; wait $HPID

# ---- database B: M33, M43, B7, B18, no_action -------------------------------
B=$WORK/b.db
make_db "$B" || { echo "Bail out! cannot seed $B"; exit 1; }
BRID=$(q "$B" "SELECT id FROM service WHERE name = 'Reporting'")
NOW="strftime('%Y-%m-%dT%H:%M:%S', 'now')"
q "$B" "INSERT INTO category_config (category, playbook) VALUES ('network',
          '[{\"type\": \"set_status\", \"status\": \"Degraded\", \"service_id\": $BRID}]');
        INSERT INTO category_config (category, auto_resolution_enabled, kill_switch_actor,
                                     kill_switch_reason, kill_switch_at)
          VALUES ('database', 0, 'olga', 'db maintenance', $NOW);
        INSERT INTO incident (incident_id, title, category, priority, state, confidence_score,
                              created_by, created_at, updated_at, service_id) VALUES
          ('INC-M33', 'forced run', 'network', 'high', 'open', 0.50, 'tests', $NOW, $NOW, $BRID),
          ('INC-M43', 'normal decision', 'network', 'high', 'open', 0.50, 'tests', $NOW, $NOW, $BRID),
          ('INC-B7', 'nothing to run', 'user_access', 'low', 'open', 0.99, 'tests', $NOW, $NOW, NULL);"
start b 160 40 -- --db "$B" --check-interval 300
wait_for b "Services  12 services" >/dev/null
keys b 6; wait_for b "INC-M33" >/dev/null

# 12 B18: a category stopped by its own kill switch is shown, not "enabled"
wait_for b "Auto-resolution STOPPED for database (by olga: db maintenance)"; r=$?
screen b | grep -q "Auto-resolution enabled" && r=1
tap $r "B18: the Incidents pane shows the per-category stop"

# 13 M33: x + y on an open 0.50 incident runs it with the threshold waived
keys b /; literal b "INC-M33"; keys b Enter
keys b x; wait_for b "Run the network playbook for INC-M33 now (confidence 50% waived)? [y/N]" >/dev/null; r1=$?
keys b y
wait_sql "$B" "SELECT state FROM incident WHERE incident_id = 'INC-M33'" "resolved"; r2=$?
wait_sql "$B" "SELECT status FROM status WHERE service_id = $BRID" "Degraded"; r3=$?
tap $((r1 + r2 + r3)) "M33: x + y on a 0.50 incident runs its playbook (threshold waived): resolved"

# 14 M43: t on an open 0.50 incident takes the normal decision: not run
keys b Escape; keys b /; literal b "INC-M43"; keys b Enter
keys b t
wait_for b "Incident INC-M43 not resolved" >/dev/null; r1=$?
wait_sql "$B" "SELECT state FROM incident WHERE incident_id = 'INC-M43'" "skipped"; r2=$?
q "$B" "SELECT count(*) FROM playbook_run WHERE incident_id = 'INC-M43'" | grep -qx 0 || r2=1
tap $((r1 + r2)) "M43: t on a 0.50 incident uses the normal decision: skipped, no step ran"

# 15 B7: x on an incident whose playbook only records says so before asking
keys b Escape; keys b /; literal b "INC-B7"; keys b Enter
keys b x
wait_for b "The user_access playbook does nothing: no step acts" "[y/N]"; r=$?
keys b n; wait_for b "Incident INC-B7 unchanged" >/dev/null || r=1
wait_sql "$B" "SELECT state FROM incident WHERE incident_id = 'INC-B7'" "open" || r=1
tap $r "B7: x on a records-only playbook says it does nothing before asking"

# 16 no_action (the state another change adds for runs that only recorded):
# shown as such, never as resolved; skipped where the schema lacks it
if q "$B" "INSERT INTO incident (incident_id, title, category, priority, state, confidence_score,
             created_by, created_at, updated_at) VALUES ('INC-NOOP', 'recorded only',
             'user_access', 'low', 'no_action', 0.99, 'tests', $NOW, $NOW)" 2>/dev/null; then
    keys b Escape; keys b Escape
    wait_row b "INC-NOOP" "no_action"; r=$?
    # the summary line is cut at 120 columns beside the detail ("1 no ac…")
    wait_for b "1 no ac" || r=1
    tap $r "no_action incidents are shown as no_action"
else
    TAPN=$((TAPN + 1)); echo "ok $TAPN - no_action incidents are shown as no_action # SKIP no such state in this schema"
fi
quit_console b; wait_for b "RESOPS-EXIT=0" >/dev/null

# ---- database C: M34, B19 ---------------------------------------------------
C=$WORK/c.db
make_db "$C" || { echo "Bail out! cannot seed $C"; exit 1; }
start c 120 40 -- --db "$C" --check-interval 300
wait_for c "Services  12 services" "tick " >/dev/null
# 17 M34: s cycles the sort status -> risk -> name -> id -> status, rows follow
r=0
same_rows c "$C" "$STATUS_RANK DESC, coalesce(r.risk_score, 0) DESC, lower(s.name), s.id" || r=1
keys c s; wait_for c "Sorted by risk" "(sort: risk)" >/dev/null || r=1
same_rows c "$C" "coalesce(r.risk_score, 0) DESC, lower(s.name), s.id" || r=1
keys c s; wait_for c "Sorted by name" "(sort: name)" >/dev/null || r=1
same_rows c "$C" "lower(s.name), s.id" || r=1
keys c s; wait_for c "Sorted by id" "(sort: id)" >/dev/null || r=1
same_rows c "$C" "s.id" || r=1
keys c s; wait_for c "Sorted by status" "(sort: status)" >/dev/null || r=1
same_rows c "$C" "$STATUS_RANK DESC, coalesce(r.risk_score, 0) DESC, lower(s.name), s.id" || r=1
tap $r "M34: s in Services cycles status, risk, name, id and back, rows in that order"

# 18 B19: at 200x50 a risk reason too long for its three lines ends with an
# ellipsis instead of losing its end silently; one that fits keeps its last word
"${TMUX_CMD[@]}" resize-window -t c -x 200 -y 50
keys c /; literal c "Payments API"; keys c Enter
wait_for c "Needed by" >/dev/null
LONG="Risk fixture: $(printf 'word%02d ' $(seq 1 60))LASTWORD"
q "$C" "UPDATE risk_current SET reason = '$LONG' WHERE service_id = (SELECT id FROM service WHERE name = 'Payments API')"
wait_for c "word01" >/dev/null; r=0
screen c | grep -q "LASTWORD" && { r=1; echo "# the clipped reason shows its last word?" >&2; }
screen c | grep -q "word.. …" || { r=1; screen c | grep "word" | sed 's/^/#   /' >&2; }
q "$C" "UPDATE risk_current SET reason = 'Risk fixture: short enough reason based on business rules' WHERE service_id = (SELECT id FROM service WHERE name = 'Payments API')"
wait_for c "based on business rules" || r=1
tap $r "B19: a wrapped reason keeps its last word, or ends with an ellipsis when clipped"
quit_console c; wait_for c "RESOPS-EXIT=0" >/dev/null

# ---- B20: terminals and temporary databases -----------------------------------
# 19 TERM=dumb is refused before anything is created; an unknown TERM
# exits without a LeakSanitizer report
"${TMUX_CMD[@]}" new-session -d -s d -x 120 -y 40 \
    "sh -c 'cd $WORK; env TERM=dumb $RESOPS_BIN --db $WORK/dumb.db 2>$WORK/d.stderr; echo RESOPS-EXIT=\$?; env TERM=nosuchterm $RESOPS_BIN --db $WORK/dumb.db 2>$WORK/n.stderr; echo RESOPS-EXIT=\$?; sleep 3600'"
wait_for d "RESOPS-EXIT=1" >/dev/null
end=$((SECONDS + DEADLINE))
while [ "$(screen d | grep -c RESOPS-EXIT=1)" -lt 2 ] && [ $SECONDS -lt $end ]; do sleep 0.1; done
r=0
grep -q "TERM=dumb cannot move the cursor" "$WORK/d.stderr" || { r=1; sed 's/^/#   /' "$WORK/d.stderr" >&2; }
grep -q "TERM=nosuchterm" "$WORK/n.stderr" || r=1
grep -q "LeakSanitizer\|AddressSanitizer" "$WORK/n.stderr" "$WORK/d.stderr" && { r=1; head -20 "$WORK/n.stderr" | sed 's/^/#   /' >&2; }
[ -e "$WORK/dumb.db" ] && { r=1; echo "# dumb.db was created" >&2; }
[ "$(screen d | grep -c RESOPS-EXIT=1)" = 2 ] || r=1
tap $r "B20: TERM=dumb and an unknown TERM are refused first, no database, no leak report"

# 20 no tty: the message comes before any demo database; a console --demo
# removes its temporary directory when it quits
# (TMPDIR is this test's own, so demo runs of tests beside it cannot interfere)
DT=$WORK/dtmp; mkdir -p "$DT"
TMPDIR=$DT "$RESOPS_BIN" --demo </dev/null >"$WORK/notty.out" 2>"$WORK/notty.err"; rc=$?
r=0
[ $rc = 1 ] && grep -q "needs a terminal" "$WORK/notty.err" || { r=1; cat "$WORK/notty.err" | sed 's/^/#   /' >&2; }
grep -q "demo database" "$WORK/notty.err" && r=1
[ -z "$(ls -A "$DT")" ] || { r=1; echo "# the no-tty run left: $(ls "$DT")" >&2; }
start e 120 40 XDG_CONFIG_HOME=$WORK XDG_DATA_HOME=$WORK TMPDIR=$DT -- --demo
wait_for e "Services  12 services" >/dev/null || r=1
keys e :; literal e "info"; keys e Enter
wait_for e "database $DT/resops-demo-" >/dev/null || r=1
DEMO=$(screen e | grep -o "database $DT/resops-demo-[A-Za-z0-9]*" | cut -d' ' -f2)
[ -n "$DEMO" ] && [ -d "$DEMO" ] || r=1
quit_console e; wait_for e "RESOPS-EXIT=0" >/dev/null || r=1
[ -n "$DEMO" ] && [ -e "$DEMO" ] && { r=1; echo "# $DEMO left behind" >&2; }
[ -z "$(ls -A "$DT")" ] || { r=1; echo "# left in TMPDIR: $(ls "$DT")" >&2; }
tap $r "B20: no tty is refused before a demo database exists; --demo leaves nothing in /tmp"

# no sanitizer report from any console
bad=0
for f in "$WORK"/[abcev].stderr "$WORK/h.stderr"; do
    [ -f "$f" ] || continue
    if grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:" "$f"; then
        echo "# sanitizer report in $f:" >&2; head -30 "$f" | sed 's/^/#   /' >&2; bad=1
    fi
done
[ $bad = 0 ] || { TAPN=$((TAPN + 1)); echo "not ok $TAPN - sanitizer report"; FAILS=$((FAILS + 1)); }

exit $((FAILS > 0))
