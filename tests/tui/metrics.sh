#!/usr/bin/env bash
# metrics.sh — issue 11 item 8: the Metrics pane shows the stored history
# (the demo's seeded day of minute averages and its last half hour of raw
# samples), not only this run's samples: last hour by default, `h` goes to
# the last 24 hours, then this run, then back; and the seeded memory
# alert reads "clearing", not "ALERT >75%", while the value is under it.
set -u
. "$(dirname "$0")/lib.sh"

echo "1..6"
DB=$WORK/d.db
make_db "$DB" || { echo "Bail out! cannot seed $DB"; exit 1; }
# the stored CPU above any live reading (review item 13 saw "CPU 20.4% min
# 39.1%" on the seeded curve; 100 % makes that certain on any machine)
sqlite3 "$DB" "UPDATE metric_sample SET value = 100 WHERE name = 'cpu'"

start a 120 40 HOME=$WORK -- --db "$DB"
wait_for a "ENGINE" "Services  12 services" >/dev/null || { echo "Bail out! no first frame"; exit 1; }
keys a 7

# 1 last hour, stored: many points spanning most of the hour (this run has one or two)
wait_for a "Metrics  stored, last 1h: " "h: 24h"; r=$?
LINE=$(screen a | grep -o "stored, last 1h: [0-9]* points of [^(]*([^)]*)")
PTS=$(echo "$LINE" | sed 's/.*1h: \([0-9]*\) points.*/\1/')
SPAN=$(echo "$LINE" | sed 's/.*(\(.*\))/\1/')
[ "${PTS:-0}" -ge 40 ] || r=1
case "$SPAN" in 5[0-9]m|1h00m) ;; *) r=1 ;; esac
[ $r = 0 ] || echo "# summary: $LINE" >&2
tap $r "Metrics at launch: the stored last hour ($PTS points over $SPAN), not this run's samples"

# 2 the stored memory average is the seeded curve (about 76-78 % in the last half hour)
AVG=$(screen a | grep "^ Memory" | grep -o "avg [0-9.]*%" | head -1 | tr -dc '0-9.')
r=0
awk -v a="${AVG:-0}" 'BEGIN { exit !(a > 60 && a < 80) }' || r=1
[ $r = 0 ] || screen a | grep "Memory" | sed 's/^/# /' >&2
tap $r "Metrics 1h: the memory average comes from the stored samples (avg ${AVG:-?}%)"

# 3 h: the last 24 hours, spanning the seeded day
keys a h
wait_for a "stored, last 24h: " "h: this run"; r=$?
SPAN=$(screen a | grep -o "stored, last 24h: [0-9]* points of [^(]*([^)]*)" | sed 's/.*(\(.*\))/\1/')
case "$SPAN" in 2[0-3]h[0-9][0-9]m|1d00h) ;; *) r=1 ;; esac
[ $r = 0 ] || echo "# 24h span: $SPAN" >&2
tap $r "h: the stored last 24 hours (spanning $SPAN)"

# 4 h again: this run's samples; h once more: back to the last hour
keys a h
wait_for a "samples (" "h: 1h" "Metrics: this run"; r=$?
screen a | grep -q "stored, last" && r=1
keys a h; wait_for a "stored, last 1h: " || r=1
tap $r "h: this run's samples, then the stored last hour again"

# 5 the seeded memory alert: while memory is under 75 % the limit says clearing, never ALERT
ROW=$(screen a | grep "^ Memory")
CUR=$(echo "$ROW" | awk '{print $2}' | tr -dc '0-9.')
r=0
if awk -v c="${CUR:-100}" 'BEGIN { exit !(c < 75) }'; then
    case "$ROW" in *"ALERT >75%"*) r=1 ;; esac
    case "$ROW" in *"clearing >75%"*|*"limit 75%"*) ;; *) r=1 ;; esac
fi
[ $r = 0 ] || echo "# memory row: $ROW" >&2
tap $r "the seeded memory alert does not show ALERT >75% while memory is ${CUR:-?}%"

# 6 min <= current <= max on CPU, Memory and Load, over the stored last hour
# and the last 24 hours (review item 13: the current sample was in none of
# the stored bucket averages, so "min" could sit above it)
in_range() {   # in_range LABEL: the row's current value within its min and max
    local row cur mn mx
    row=$(screen a | grep "^ $1 " | head -1)
    cur=$(echo "$row" | sed 's/^ [A-Za-z]* *\((1m)\)\? *\([0-9.]*\).*/\2/')
    mn=$(echo "$row" | grep -o "min [0-9.]*" | tr -dc '0-9.')
    mx=$(echo "$row" | grep -o "max [0-9.]*" | tr -dc '0-9.')
    awk -v c="${cur:-x}" -v a="${mn:-x}" -v b="${mx:-x}" \
        'BEGIN { exit !(c != "" && a != "" && b != "" && a + 0 <= c + 0 && c + 0 <= b + 0) }' ||
        { echo "# $1 row: $row (cur '$cur' min '$mn' max '$mx')" >&2; return 1; }
}
r=0
wait_for a "stored, last 1h: " >/dev/null || r=1
sleep 1
for row in CPU Memory Load; do in_range "$row" || r=1; done
keys a h; wait_for a "stored, last 24h: " >/dev/null || r=1
sleep 1
for row in CPU Memory Load; do in_range "$row" || r=1; done
tap $r "Metrics 1h and 24h: min <= current <= max on CPU, Memory and Load"
