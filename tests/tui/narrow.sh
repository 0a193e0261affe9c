#!/usr/bin/env bash
# narrow.sh — issue 11 item 8 at 80x24, the most common terminal size (the
# newcomer review's "UX frictions" 6): names keep their width before
# Criticality does (no "Message Que…"), the status bar keeps its labels
# ("unacked: N crit", not "C12 W3 I0"), the tab bar ends with a whole
# label (no "8 Au…"), the hint line keeps q:quit, and `?` shows the
# actions on its first page and says that more follows (PgDn reaches the
# `:` commands).
set -u
. "$(dirname "$0")/lib.sh"

echo "1..10"
DB=$WORK/d.db
make_db "$DB" || { echo "Bail out! cannot seed $DB"; exit 1; }

start a 80 24 HOME=$WORK -- --db "$DB"
wait_for a "ENGINE" "Services  12 services" >/dev/null || { echo "Bail out! no first frame"; exit 1; }

# 1 Services: whole names, Criticality still there
wait_for a "PostgreSQL Primary " "Message Queue " "Customer Portal "; r=$?
screen a | grep -q "…  *\(Up\|Down\|Degraded\|Unknown\) " && r=1
screen a | sed -n 3p | grep -q "Crit" || r=1
screen a | sed -n 3p | grep -q "Blocked by" || r=1
tap $r "80x24 Services: names are not cut at 12 columns; Criticality and Blocked by still show"

# 2 the tab bar ends with a whole label; ten panes (issue 12's 9 Security)
# do not fit at 80 by name: the current one whole, the others abbreviated
# on purpose (layout_tabs), never cut with an ellipsis
TABS=$(screen a | sed -n 1p)
r=0
case "$TABS" in *"…"*) r=1 ;; esac
case "$TABS" in *"1 Services "*"8 Audi"*"9 Secu"*"0 Sile"*) ;; *) r=1 ;; esac
[ $r = 0 ] || echo "# tab bar: $TABS" >&2
tap $r "80x24 tab bar: the current label whole, the others abbreviated, no '8 Au…'"

# 3 the status bar keeps readable labels; no silence: no silences segment
# (fix round item 18: the bar ended in a bare "S0" and had dropped the
# tick for it), the tick's age shows
wait_for a " tick " >/dev/null
STATUS=$(screen a | sed -n 23p)
r=0
case "$STATUS" in *"ENGINE"*"auto-res"*"unacked: "*" crit "*" warn "*"notify"*" tick "*) ;; *) r=1 ;; esac
echo "$STATUS" | grep -Eq " C[0-9]+ W[0-9]+ | N[0-9]+ | S[0-9]+( |$)|silence" && r=1
[ $r = 0 ] || echo "# status bar: $STATUS" >&2
tap $r "80x24 status bar: role, kill switch, 'unacked: N crit N warn', 'notify N', tick (no C12 W3 I0, N0, S0)"

# 4 the hint line keeps ?:help and q:quit
HINT=$(screen a | sed -n 24p)
r=0
case "$HINT" in "?:help"*"q:quit"*) ;; *) r=1 ;; esac
case "$HINT" in *"…"*) r=1 ;; esac
[ $r = 0 ] || echo "# hint line: $HINT" >&2
tap $r "80x24 hint line: ?:help ... q:quit, nothing cut"

# 5 the help: actions on the first page, and a visible 'more' line
keys a 4; wait_pane a "Alerts" >/dev/null
keys a '?'
wait_for a "Help: keys and commands" "Actions" "kill switch on/off: y all, 1-6 a category (asks why)" "command line" \
         "quit (the ENGINE console asks" "acknowledge the selected alert" "more lines: j or PgDn"; r=$?
tap $r "80x24 ?: the actions (K with its 1-6 categories, :, q) and the pane's keys on the first page, 'more lines' said"

# 6 PgDn reaches the : commands
keys a PgDn
wait_for a "Commands (:)" ":ack ID" ":kill off"; r=$?
keys a Escape; wait_gone a "Help: keys and commands" || r=1
tap $r "80x24 ?: PgDn shows the : commands"

# 8 Alerts: the service name and the message keep their width; Type and
# Created give way (the detail has them)
keys a 4
wait_for a "Alerts  " "Message Queue " "[+] Message Queue Degraded" >/dev/null; r=$?
HDR=$(screen a | sed -n 3p)
case "$HDR" in *"Service"*"State"*"Message"*) ;; *) r=1 ;; esac
case "$HDR" in *"Created"*|*"Type"*) r=1 ;; esac
[ $r = 0 ] || screen a | sed -n 2,8p | sed 's/^/#   /' >&2
tap $r "80x24 Alerts: whole service names and a wide message; Type and Created give way"
keys a 1

# 7 with the kill switch on, the bar still says so and keeps the unacked label
keys a :; literal a "kill on narrow test"; keys a Enter
wait_for a "KILL SWITCH ON: auto-resolution disabled by" >/dev/null
wait_for a " KILL SWITCH ON " >/dev/null
STATUS=$(screen a | sed -n 23p)
r=0
case "$STATUS" in *"ENGINE"*"KILL SWITCH ON"*"unacked: "*" crit "*) ;; *) r=1 ;; esac
[ $r = 0 ] || echo "# status bar: $STATUS" >&2
tap $r "80x24 status bar with the kill switch on: ENGINE, KILL SWITCH ON, 'unacked: N crit'"

# 9 a category stopped by its own switch shows in the bar, short at 80
# columns (review item 11: "auto-res on" hid it); the counts stay (their
# "unacked:" label gives way to it)
keys a :; literal a "kill off"; keys a Enter
wait_for a " auto-res on " >/dev/null
keys a K; wait_for a "[y/N] or 1-6: one category" >/dev/null; keys a 3
wait_for a "Reason (optional" >/dev/null; keys a Escape
wait_for a "Auto-resolution STOPPED for application" >/dev/null; r=$?
wait_for a " auto-res on, 1 cat stopped " >/dev/null || r=1
STATUS=$(screen a | sed -n 23p)
case "$STATUS" in *"ENGINE"*"auto-res on, 1 cat stopped"*" crit "*" warn "*" info "*) ;; *) r=1 ;; esac
[ $r = 0 ] || echo "# status bar: $STATUS" >&2
tap $r "80x24 status bar with a category stopped: 'auto-res on, 1 cat stopped', 'N crit N warn N info'"

# 10 a silence shows in words at 80 columns ("silenced 1 ->HH:MM", not
# "S1"); the counts keep their crit/warn/info words
keys a :; literal a "silence Message Queue 1h narrow test"; keys a Enter
wait_for a "silenced 1 " >/dev/null; r=$?
STATUS=$(screen a | sed -n 23p)
case "$STATUS" in *"ENGINE"*" crit "*" warn "*" info "*"silenced 1 "*:[0-5][0-9]*) ;; *) r=1 ;; esac
echo "$STATUS" | grep -Eq " S[0-9]+ " && r=1
[ $r = 0 ] || echo "# status bar: $STATUS" >&2
tap $r "80x24 status bar with a silence: 'silenced 1 ->HH:MM', counts with their words"
