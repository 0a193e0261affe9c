#!/usr/bin/env bash
# rootcause.sh — issue 11 items 1 and 2 in the console (tmux, 120x40), on
# the demo (`--demo`): `4 a` from launch acknowledges the live outage (a
# Down condition), not a classification nor yesterday's SLA breach; a fold
# group "Message Queue ... dependents affected" expands and folds; `/`
# filters the Alerts list as you type, Enter brings the rows back, `f`
# applies the pattern as a filter, Esc clears; Dependencies `/` finds any
# service and re-roots; Services and Health show "Blocked by" (impaired
# dependents only).
set -u
. "$(dirname "$0")/lib.sh"

echo "1..11"
DB=$WORK/demo.db
q() { sqlite3 -cmd '.timeout 2000' "$DB" "$1"; }
row1() { screen a | sed -n 4p; }     # the first table row

start a 120 40 -- --demo --db "$DB"
wait_for a "1 Services" "ENGINE" >/dev/null

# 1 launch -> 4 a: two keys acknowledge the live Down alert
keys a 4; wait_pane a Alerts
wait_for a "Service Search Index is Down" >/dev/null
keys a a
wait_for a "acknowledged by" >/dev/null
wait_sql "$DB" "SELECT s.name || '|' || a.type || '|' || a.kind || '|' || a.severity FROM alert a JOIN service s ON s.id = a.service_id WHERE a.acknowledged = 1" "Search Index|StatusChange|condition|Critical"
tap $? "launch, 4, a (2 keys): the acknowledged alert is Search Index's live Down condition"

# 1b u right after a undoes it (the cursor had moved on), then a again
SI=$(q "SELECT a.id FROM alert a JOIN service s ON s.id = a.service_id WHERE s.name = 'Search Index' AND a.acknowledged = 1")
keys a u
wait_for a "Undone: alert #$SI unacknowledged by" >/dev/null; r1=$?
wait_sql "$DB" "SELECT acknowledged FROM alert WHERE id = ${SI:-0}" "0"; r2=$?
keys a a
wait_sql "$DB" "SELECT acknowledged FROM alert WHERE id = ${SI:-0}" "1"; r3=$?
tap $((r1 + r2 + r3)) "4 a u: u undoes the ack a just made; the cursor is back on it (a acks it again)"

# 2 no classification and no SLA alert of yesterday's outage among the open conditions
r=0
[ "$(q "SELECT count(*) FROM alert WHERE type IN ('SLA_RTO','SLA_RPO') AND resolved_at IS NULL")" = 0 ] || r=1
[ "$(q "SELECT count(*) FROM sla_breach")" -ge 1 ] || r=1           # kept as history
screen a | grep -q "\[+\] [0-9]* classifications" || r=1
C=$(q "SELECT count(*) FROM alert WHERE acknowledged = 0 AND resolved_at IS NULL AND kind = 'condition' AND severity = 'Critical'")
screen a | grep -q "unacked: $C crit" || r=1
tap $r "the ended outage's SLA breach is history; classifications are one row; the status bar counts conditions ($C crit)"

# 3 a dependent of the Message Queue fails: its alert folds under the root's row
OS=$(q "SELECT id FROM service WHERE name = 'Email Gateway'")   # no demo incident acks it
q "INSERT INTO alert (service_id, type, message, severity, created_at) VALUES ($OS, 'StatusChange', 'Service Email Gateway is Down', 'Critical', strftime('%Y-%m-%dT%H:%M:%S', 'now'))"
C=$(q "SELECT count(*) FROM alert WHERE acknowledged = 0 AND resolved_at IS NULL AND kind = 'condition' AND severity = 'Critical'")
wait_for a "unacked: $C crit" >/dev/null             # the console has the new alert
wait_for a "[+] Message Queue Degraded" "dependen"; r1=$?
screen a | grep -q "Service Email Gateway is Down" && r1=1        # folded: not a row of its own
keys a g
row1 | grep -q "\[+\] Message Queue" || r1=1
tap $r1 "the dependent's Critical alert folds under one Message Queue row, sorted first"

# 4 Enter expands the group, Enter again folds it
keys a Enter
wait_for a "[-] Message Queue" "Service Email Gateway is Down"; r1=$?
keys a Enter
wait_for a "[+] Message Queue" >/dev/null; r2=$?
wait_gone a "Service Email Gateway is Down" || { r2=1; screen a | sed 's/^/#   /' | head -12; }
tap $((r1 + r2)) "Enter expands the folded row to show the dependent's alert, and folds it again"

# 4b a on the expanded group acks the root's alert and the folded one (the
# cursor leaves them); u right after undoes both (newcomer review: it took
# back only the folded one the cursor had landed on)
MQ=$(q "SELECT a.id FROM alert a JOIN service s ON s.id = a.service_id WHERE s.name = 'Message Queue' AND a.acknowledged = 0 AND a.resolved_at IS NULL AND a.kind = 'condition' ORDER BY a.id LIMIT 1")
EG=$(q "SELECT id FROM alert WHERE service_id = $OS AND resolved_at IS NULL ORDER BY id DESC LIMIT 1")
keys a g Enter
wait_for a "[-] Message Queue" "Service Email Gateway is Down" >/dev/null
keys a a
wait_sql "$DB" "SELECT sum(acknowledged) FROM alert WHERE id IN (${MQ:-0}, ${EG:-0})" "2"; r1=$?
keys a u
wait_sql "$DB" "SELECT sum(acknowledged) FROM alert WHERE id IN (${MQ:-0}, ${EG:-0})" "0"; r2=$?
wait_for a "alerts unacknowledged by" >/dev/null || r2=1
keys a g Enter
wait_for a "[+] Message Queue" >/dev/null
tap $((r1 + r2)) "a on the expanded group acks the root and the folded alert; u right after undoes both"

# 5 / filters live as you type (before Enter)
keys a /; literal a "Search Ind"
wait_gone a "Message Queue"; r1=$?
screen a | grep -q "Service Search Index is Down" || r1=1
tap $r1 "/ filters the Alerts list as the pattern is typed"

# 6 Enter: every row back, cursor on the match; f: the pattern as a filter; Esc clears
keys a Enter
wait_for a "Message Queue" "f filter"; r1=$?
keys a f
wait_for a "Filter on" >/dev/null; r2=$?
wait_gone a "Message Queue" || r2=1
keys a Escape
wait_for a "[+] Message Queue" >/dev/null; r3=$?
tap $((r1 + r2 + r3)) "Enter shows all rows again, f applies the search as a filter, Esc clears it"

# 7 Dependencies: / finds a service outside the tree and re-roots on it
keys a 2; wait_pane a Dependencies
keys a /; literal a "Object Sto"; keys a Enter
wait_for a "Depends on (what Object Storage needs)" "Impact (what breaks if Object Storage is down)"
tap $? "Dependencies: / finds any service and re-roots the trees on it"

# 8 Services: Blocked by names the root cause; classification badges
keys a 1; wait_pane a Services
wait_for a "Blocked by" >/dev/null; r1=$?
screen a | grep "Email Gateway" | grep -q "Message Queue" || r1=1
screen a | grep "Order Service" | grep -q "Message Queue" && r1=1   # Up, no open condition
screen a | grep "Internal DNS" | grep -q "crit" || r1=1
tap $r1 "Services: Email Gateway (Down) is blocked by Message Queue, Order Service (Up) is not; Internal DNS has its crit badge"

# 9 Health: Blocked by
keys a 3; wait_pane a Health
wait_for a "Blocked by" >/dev/null; r1=$?
screen a | grep "Email Gateway" | grep -q "Message Queue" || r1=1
screen a | grep "Order Service" | grep -q "Message Queue" && r1=1   # Up, no open condition
quit_console a; wait_for a "RESOPS-EXIT=0" >/dev/null || r1=1
tap $r1 "Health: Email Gateway is blocked by Message Queue, Order Service (Up) is not; clean exit"
