#!/usr/bin/env bash
# export.sh — issue 11 item 6 in the console (tmux, 120x40): `:export FILE`
# writes the Markdown timeline of the selected incident (Incidents) or of
# the selected service's newest downtime (Services) or of the selected
# breach's downtime (SLA Breaches); an existing FILE is
# refused unless `:export! FILE`; a bad path, no FILE or a pane without a
# selection say so; the service detail shows the runbook.
set -u
. "$(dirname "$0")/lib.sh"

echo "1..10"
DB=$WORK/x.db
make_db "$DB" || { echo "Bail out! cannot seed $DB"; exit 1; }
sqlite3 "$DB" "UPDATE service SET runbook_url = 'https://wiki.example/rb/auth' WHERE name = 'Auth Service'"

start a 120 40 -- --db "$DB"
wait_for a "1 Services" "ENGINE" >/dev/null

# 1 the service detail shows the runbook
keys a /; literal a "Auth Service"; keys a Enter
wait_for a "/Auth Service" >/dev/null
keys a Enter
wait_for a "Runbook" "https://wiki.example/rb/auth"
tap $? "the service detail shows its runbook_url"
keys a Escape

# 2 Services: the selected service's newest downtime
keys a :; literal a "export auth.md"; keys a Enter
wait_for a "Exported the timeline of downtime #" "to auth.md"; r1=$?
r2=0
grep -q '^# Postmortem: Auth Service downtime #' "$WORK/auth.md" || r2=1
grep -q '^- \*\*Service:\*\* Auth Service (id ' "$WORK/auth.md" || r2=1
grep -q '^- \*\*Runbook:\*\* https://wiki.example/rb/auth$' "$WORK/auth.md" || r2=1
grep -q '^| Time (UTC) | Who | What |$' "$WORK/auth.md" || r2=1
[ $r2 = 0 ] || sed 's/^/#   /' "$WORK/auth.md" >&2
tap $((r1 + r2)) ":export FILE on Services writes the downtime's timeline (header, runbook, table)"

# 3 Incidents: the selected incident
keys a 6; wait_pane a Incidents
keys a /; literal a "INC-TUI-1"; keys a Enter
keys a :; literal a "export inc.md"; keys a Enter
wait_for a "Exported the timeline of incident INC-TUI-1 to inc.md"; r1=$?
r2=0
grep -q '^# Postmortem: Disk full on db-2$' "$WORK/inc.md" || r2=1
grep -q '^- \*\*Incident:\*\* INC-TUI-1 (database, high priority' "$WORK/inc.md" || r2=1
grep -q '^- \*\*End:\*\* ongoing$' "$WORK/inc.md" || r2=1
tap $((r1 + r2)) ":export FILE on Incidents writes the incident's timeline"

# 4 an existing file is refused and kept; 5 :export! overwrites it
printf 'keep me\n' > "$WORK/inc.md"
keys a :; literal a "export inc.md"; keys a Enter
wait_for a "inc.md exists; :export! inc.md overwrites it"; r1=$?
[ "$(cat "$WORK/inc.md")" = "keep me" ]; r2=$?
tap $((r1 + r2)) ":export refuses an existing file and leaves it as it was"
keys a :; literal a "export! inc.md"; keys a Enter
wait_for a "Exported the timeline of incident INC-TUI-1 to inc.md"; r1=$?
grep -q '^# Postmortem: Disk full on db-2$' "$WORK/inc.md"; r2=$?
tap $((r1 + r2)) ":export! FILE overwrites it"

# 6 a path that cannot be written
keys a :; literal a "export $WORK/no/such/dir/x.md"; keys a Enter
wait_for a "cannot write $WORK/no/such/dir/x.md: No such file or directory"
tap $? ":export to a bad path says why"

# 7 no FILE
keys a :; literal a "export"; keys a Enter
wait_for a "usage: :export FILE"
tap $? ":export without FILE shows the usage"

# 8 SLA Breaches: the downtime of the breach under the cursor
keys a 5; wait_pane a "SLA Breaches"
keys a /; literal a "Auth Service"; keys a Enter
keys a :; literal a "export sla.md"; keys a Enter
wait_for a "Exported the timeline of downtime #" "to sla.md"; r1=$?
r2=0
grep -q '^# Postmortem: Auth Service downtime #' "$WORK/sla.md" || r2=1
grep -q '^- \*\*Reason:\*\* test fixture outage$' "$WORK/sla.md" || r2=1
grep -q '^- \*\*Duration:\*\* 1:00:00$' "$WORK/sla.md" || r2=1
tap $((r1 + r2)) ":export FILE on SLA Breaches writes the breached downtime's timeline"

# 9 a pane with nothing to export
keys a 8; wait_pane a "Audit Log"
keys a :; literal a "export audit.md"; keys a Enter
wait_for a ":export: select an incident"; r1=$?
[ ! -e "$WORK/audit.md" ]; r2=$?
tap $((r1 + r2)) ":export on a pane without an incident or downtime says so, writes nothing"

# 10 a pane whose list is empty (Silences, none yet) gives the same answer
# (review item 17: it said "nothing selected")
keys a 0; wait_pane a "Silences"
keys a :; literal a "export sil.md"; keys a Enter
wait_for a ":export: select an incident (Incidents), a breach (SLA Breaches)"; r1=$?
screen a | grep -q "nothing selected" && r1=1
[ ! -e "$WORK/sil.md" ]; r2=$?
tap $((r1 + r2)) ":export on a pane with an empty list: the same 'select an incident, a breach or a service first'"

quit_console a
wait_for a "RESOPS-EXIT=0" >/dev/null
[ "$FAILS" = 0 ]
