#!/usr/bin/env bash
# acks.sh — issue 11 item 3 in the console (tmux, 120x40): `u` takes an
# ack back, `:unack ID`, `:snooze ID 30m NOTE` acks with an expiry and a
# note (database row, audit), the detail shows owner, note and expiry,
# and after `a` the cursor moves to the next open row.
set -u
. "$(dirname "$0")/lib.sh"

echo "1..9"
DB=$WORK/k.db
make_db "$DB" || { echo "Bail out! cannot seed $DB"; exit 1; }
q() { sqlite3 -cmd '.timeout 2000' "$DB" "$1"; }

start a 120 40 -- --db "$DB"
wait_for a "1 Services" "ENGINE" >/dev/null
keys a 4; wait_pane a Alerts
ID=$(q "SELECT id FROM alert WHERE acknowledged = 0 AND resolved_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1")
MSG=$(q "SELECT message FROM alert WHERE id = $ID" | cut -c1-30)   # ids also match "15 minutes"

# 1 :snooze ID 30m NOTE: acked with the note and an expiry 30 minutes on
keys a :; literal a "snooze $ID 30m restarting the broker"; keys a Enter
wait_for a "Alert #$ID snoozed for 30m"; r1=$?
wait_sql "$DB" "SELECT acknowledged, ack_note, strftime('%s', ack_expires_at) - strftime('%s', acknowledged_at) FROM alert WHERE id = $ID" "1|restarting the broker|1800"; r2=$?
tap $((r1 + r2)) ":snooze $ID 30m NOTE acks with the note and a 30-minute expiry"
wait_sql "$DB" "SELECT count(*) FROM audit_log WHERE action = 'Alert Acknowledged' AND detail LIKE 'alert $ID acknowledged by % until %: restarting the broker'" "1"
tap $? "the snooze is audited with the actor, the expiry and the note"

# 2 the detail view shows owner, note and expiry
keys a /; literal a "$MSG"; keys a Enter
UNTIL=$(date -d "@$(q "SELECT strftime('%s', ack_expires_at) FROM alert WHERE id = $ID")" +%H:%M)
wait_row a "$ID" "until $UNTIL"
tap $? "the row of a snoozed alert says until when ($UNTIL)"
keys a Enter
wait_for a "Alert #$ID" "Ack note" "restarting the broker" "Ack expires" "Acked at"
tap $? "the detail shows the ack's owner, time, note and expiry"
keys a Escape

# 3 u on the selected (acked) alert takes the ack back
keys a u
wait_for a "Alert #$ID unacknowledged by"; r1=$?
wait_sql "$DB" "SELECT acknowledged, ack_note IS NULL, ack_expires_at IS NULL FROM alert WHERE id = $ID" "0|1|1"; r2=$?
wait_sql "$DB" "SELECT count(*) FROM audit_log WHERE action = 'Alert Unacknowledged' AND detail LIKE 'alert $ID unacknowledged by %'" "1"; r3=$?
tap $((r1 + r2 + r3)) "u takes the ack back (note and expiry cleared, audited)"

# 4 :unack ID
keys a :; literal a "ack $ID"; keys a Enter
wait_sql "$DB" "SELECT acknowledged FROM alert WHERE id = $ID" "1" >/dev/null
keys a :; literal a "unack $ID"; keys a Enter
wait_for a "Alert #$ID unacknowledged by"; r1=$?
wait_sql "$DB" "SELECT acknowledged FROM alert WHERE id = $ID" "0"; r2=$?
tap $((r1 + r2)) ":unack $ID takes the ack back"

# 5 after a, the cursor is on another open row, not on the acked alert
keys a /; literal a "$MSG"; keys a Enter
wait_row a "$ID" "OPEN" >/dev/null
keys a a
wait_for a "Alert #$ID acknowledged by" >/dev/null
wait_row a "$ID" "acked by" >/dev/null
keys a Enter                    # the detail names the selected alert
wait_for a "Acknowledged" >/dev/null
SEL=$(screen a | grep -o 'Alert #[0-9]*$\|Alert #[0-9]* ' | head -1 | grep -o '[0-9]*')
r=0
[ -n "$SEL" ] && [ "$SEL" != "$ID" ] || r=1
[ "$(q "SELECT acknowledged = 0 AND resolved_at IS NULL FROM alert WHERE id = ${SEL:-0}")" = 1 ] || r=1
[ $r = 0 ] || echo "# selected after a: #${SEL:-none} (acked: #$ID)" >&2
keys a Escape
tap $r "after a the cursor is on the next open row"

# 5b a in a detail view acks the alert shown and the detail stays on it
keys a Enter
wait_for a "Alert #$SEL" >/dev/null
keys a a
wait_sql "$DB" "SELECT acknowledged FROM alert WHERE id = ${SEL:-0}" "1"; r1=$?
sleep 1                         # a redraw after the re-sort
wait_for a "Alert #$SEL" "Acknowledged" >/dev/null; r2=$?
r3=0
screen a | sed -n 2p | grep -q "Alert #$SEL\b" || r3=1     # the detail's title, not the message line
[ $r3 = 0 ] || screen a | head -3 | sed 's/^/#   /' >&2
keys a Escape
tap $((r1 + r2 + r3)) "a in the detail of #$SEL acks it and the detail keeps showing it"

# 6 a bad duration is refused, nothing written
keys a :; literal a "snooze $ID 9d x"; keys a Enter
wait_for a "usage: :snooze ID"; r1=$?
wait_sql "$DB" "SELECT ack_expires_at IS NULL FROM alert WHERE id = $ID" "1"; r2=$?
tap $((r1 + r2)) ":snooze with more than 7 days is refused"

quit_console a
wait_for a "RESOPS-EXIT=0" >/dev/null
[ "$FAILS" = 0 ]
