#!/usr/bin/env bash
# silences.sh — issue 11 item 4 in the console (tmux, 120x40): the status
# bar counts active silences (none: no segment); `:silence SERVICE 2h REASON` silences
# a service (row, audit) and the bar shows it with its end; the service's
# open alert is dimmed with "silenced until HH:MM by ACTOR: REASON";
# `:silences` shows the Silences pane; `x` there expires one after y/N;
# bad input is refused with nothing written.
set -u
. "$(dirname "$0")/lib.sh"

echo "1..9"
DB=$WORK/s.db
make_db "$DB" || { echo "Bail out! cannot seed $DB"; exit 1; }
q() { sqlite3 -cmd '.timeout 2000' "$DB" "$1"; }
# bar_has SESSION REGEX: the status bar (line 39 of 40) matches REGEX
bar_has() {
    local end=$((SECONDS + DEADLINE))
    while ! screen "$1" | sed -n 39p | grep -qE -- "$2"; do
        if [ $SECONDS -ge $end ]; then
            echo "# the status bar never matched '$2': $(screen "$1" | sed -n 39p)" >&2
            return 1
        fi
        sleep 0.1
    done
}

start a 120 40 -- --db "$DB"
wait_for a "1 Services" "ENGINE" >/dev/null
SVC="Message Queue"
wait_sql "$DB" "SELECT count(*) > 0 FROM alert a JOIN service s ON s.id = a.service_id WHERE s.name = '$SVC' AND a.resolved_at IS NULL" "1" >/dev/null
ID=$(q "SELECT a.id FROM alert a JOIN service s ON s.id = a.service_id WHERE s.name = '$SVC' AND a.resolved_at IS NULL AND a.kind = 'condition' ORDER BY a.id DESC LIMIT 1")

# bar_lacks SESSION REGEX: the status bar stops matching REGEX
bar_lacks() {
    local end=$((SECONDS + DEADLINE))
    while screen "$1" | sed -n 39p | grep -qE -- "$2"; do
        if [ $SECONDS -ge $end ]; then
            echo "# the status bar still matches '$2': $(screen "$1" | sed -n 39p)" >&2
            return 1
        fi
        sleep 0.1
    done
}

# 1 no silence yet: the bar has no silences segment (fix round item 18:
# no bare "S0" / "silences: 0" at any width)
bar_has a "ENGINE"; r1=$?
bar_lacks a " S0 |silences|silenced"; r2=$?
tap $((r1 + r2)) "the status bar shows no silences segment while there is none"

# 2 :silence SERVICE 2h REASON
keys a :; literal a "silence $SVC 2h broker upgrade"; keys a Enter
wait_for a "silenced until" "by "; r1=$?
wait_sql "$DB" "SELECT count(*) FROM silence s JOIN service v ON v.id = s.service_id WHERE v.name = '$SVC' AND s.comment = 'broker upgrade' AND strftime('%s', s.ends_at) - strftime('%s', s.starts_at) = 7200 AND s.expired_at IS NULL" "1"; r2=$?
wait_sql "$DB" "SELECT count(*) FROM audit_log WHERE action = 'Silence Created' AND entity = 'Silence'" "1"; r3=$?
tap $((r1 + r2 + r3)) ":silence $SVC 2h REASON stores a 2-hour silence, audited"
SID=$(q "SELECT max(id) FROM silence")
END=$(date -d "@$(q "SELECT strftime('%s', ends_at) FROM silence WHERE id = $SID")" +%H:%M)

# 3 the status bar: one active silence and its end
bar_has a " silenced 1 (→|->)$END |silences: 1, first ends $END"
tap $? "the status bar shows 1 active silence ending $END"

# 4 the alert is dimmed with "silenced until HH:MM by ACTOR: REASON"
keys a 4; wait_pane a Alerts
keys a /; literal a "$SVC"; keys a Enter
wait_row a "$ID" "silenced until $END by" >/dev/null; r1=$?
keys a Enter                    # the detail has the whole reason
wait_for a "Alert #$ID" "Silenced" "until $END by" "broker upgrade (silence #$SID)" >/dev/null; r2=$?
keys a Escape
r3=0
screen_e a | grep "silenced until $END" | grep -q '38;5;245\|\[2m' || r3=1
[ $r3 = 0 ] || screen_e a | grep "silenced until" | sed 's/^/#   /' >&2
tap $((r1 + r2 + r3)) "the silenced alert shows 'silenced until $END by ...: broker upgrade', dimmed"
keys a Escape

# 4b what a silence covers waits below: the silenced service goes Down
# (a Critical newer than the live outage) and still sorts after it; the
# bar's unacked counts leave it out
keys a :; literal a "status $SVC Down"; keys a Enter
wait_sql "$DB" "SELECT count(*) FROM alert a JOIN service s ON s.id = a.service_id JOIN alert_silence x ON x.alert_id = a.id WHERE s.name = '$SVC' AND a.severity = 'Critical' AND a.kind = 'condition' AND a.resolved_at IS NULL" "1" >/dev/null; r1=$?
keys a 4; wait_pane a Alerts >/dev/null
C=$(q "SELECT count(*) FROM alert WHERE acknowledged = 0 AND resolved_at IS NULL AND kind = 'condition' AND severity = 'Critical' AND id NOT IN (SELECT alert_id FROM alert_silence)")
wait_for a "unacked: $C crit" >/dev/null; r2=$?
TOP=$(screen a | sed -n 4p)
r3=0
case "$TOP" in *"$SVC"*) r3=1 ;; esac
[ "$C" -ge 1 ] || r3=1
[ $r3 = 0 ] || echo "# top row: $TOP" >&2
tap $((r1 + r2 + r3)) "a silenced Critical sorts below the live outage; unacked counts leave it out ($C crit)"

# 5 :silences shows the Silences pane with the row
keys a :; literal a "silences"; keys a Enter
wait_pane a Silences; r1=$?
wait_row a "$SID" "active" >/dev/null; r2=$?
wait_row a "$SID" "broker upgrade" >/dev/null; r3=$?
tap $((r1 + r2 + r3)) ":silences shows the Silences pane with the active silence"

# 6 bad input: nothing written
N=$(q "SELECT count(*) FROM silence")
keys a :; literal a "silence No Such Service 2h x"; keys a Enter
wait_for a 'No service named "No Such Service"'; r1=$?
keys a :; literal a "silence $SVC 8d too long"; keys a Enter
wait_for a "at most 10080 minutes"; r2=$?
keys a :; literal a "silence $SVC 2h"; keys a Enter
wait_for a "usage: :silence SERVICE"; r3=$?
[ "$(q "SELECT count(*) FROM silence")" = "$N" ]; r4=$?
tap $((r1 + r2 + r3 + r4)) "unknown service, over 7 days, no reason: refused, nothing stored"

# 7 x asks, n keeps it
keys a 0; wait_pane a Silences >/dev/null
wait_row a "$SID" "active" >/dev/null
keys a x
wait_for a "Expire silence #$SID (service=$SVC) now?" "[y/N]"; r1=$?
keys a n
wait_for a "Cancelled" >/dev/null
[ "$(q "SELECT expired_at IS NULL FROM silence WHERE id = $SID")" = 1 ]; r2=$?
tap $((r1 + r2)) "x asks before expiring (matchers without a stray space); n keeps the silence"

# 8 x, y expires it: the bar is back to 0, the alert no longer dimmed
keys a x
wait_for a "Expire silence #$SID" >/dev/null
keys a y
wait_for a "Silence #$SID expired by"; r1=$?
wait_sql "$DB" "SELECT expired_at IS NOT NULL FROM silence WHERE id = $SID" "1"; r2=$?
wait_sql "$DB" "SELECT count(*) FROM audit_log WHERE action = 'Silence Expired' AND entity_id = $SID" "1"; r3=$?
bar_lacks a " S1 |silences|silenced"; r4=$?
wait_row a "$SID" "expired" >/dev/null; r5=$?
tap $((r1 + r2 + r3 + r4 + r5)) "x then y expires it (audited); the bar's silences segment goes"

quit_console a
wait_for a "RESOPS-EXIT=0" >/dev/null
[ "$FAILS" = 0 ]
