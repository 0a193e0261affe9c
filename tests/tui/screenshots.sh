#!/usr/bin/env bash
# screenshots.sh — regenerate screenshots/*.png from a real run: resops
# --demo in tmux at 120x40 (and 180x45 for the side-by-side layout), every
# pane visited, each capture (tmux capture-pane -e) turned into HTML by aha
# and rendered by headless Chromium with DejaVu Sans Mono.
#
#   ninja -C build screenshots        (a meson run_target), or
#   RESOPS_BIN=build/resops tests/tui/screenshots.sh [OUTDIR]
#
# Not part of the test suite (it asserts nothing; meson test does not run
# it): a tool that lives beside the tests because it drives the console
# through the same tmux helpers (lib.sh).
#
# Needs: tmux, sqlite3, aha, chromium (apt-get install aha chromium).
# The metrics collector samples every second here (METRICS_INTERVAL=1) so
# the sparklines have a minute of history by the time they are captured.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RESOPS_BIN=${RESOPS_BIN:-$ROOT/build/resops}
OUT=${1:-$ROOT/screenshots}
TUI_DEADLINE=30
. "$(dirname "$0")/lib.sh"
mkdir -p "$OUT"
for t in aha chromium sqlite3; do
    command -v $t >/dev/null || { echo "screenshots.sh: $t is not installed" >&2; exit 1; }
done

DB=$WORK/demo.db
"$RESOPS_BIN" seed --demo --db "$DB" >/dev/null 2>&1
# A closed outage of Auth Service an hour ago, longer than its RTO and RPO:
# the engine's first tick records the SLA breaches the SLA pane shows.
sqlite3 "$DB" "INSERT INTO downtime (service_id, start_time, end_time, reason)
  SELECT id, strftime('%Y-%m-%dT%H:%M:%S', 'now', '-3 hours'),
         strftime('%Y-%m-%dT%H:%M:%S', 'now', '-2 hours'), 'Certificate expired on the IdP'
  FROM service WHERE name = 'Auth Service';"

# shot NAME SESSION COLS ROWS: capture the pane and render it to OUT/NAME.png
shot() {
    local name=$1 s=$2 cols=$3 rows=$4
    local html=$WORK/$name.html
    {
        printf '<!DOCTYPE html><html><head><meta charset="utf-8"><style>'
        printf 'body{margin:0;background:#000;}'
        printf 'pre{margin:0;padding:8px;font-family:"DejaVu Sans Mono",monospace;'
        printf 'font-size:14px;line-height:17px;color:#d0d0d0;background:#000;}'
        printf '</style></head><body><pre>'
        screen_e "$s" | aha --no-header
        printf '</pre></body></html>\n'
    } >"$html"
    local w=$((cols * 843 / 100 + 16)) h=$((rows * 17 + 16))
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$WORK/chromium" --hide-scrollbars \
        --screenshot="$OUT/$name.png" --window-size="$w,$h" "file://$html" >/dev/null 2>&1
    echo "screenshots: $OUT/$name.png"
}

# Seed 003's security alerts (issue 12): real-format samples stored as
# received; the console's pipeline normalizes, embeds, triages and groups
# them (three copies of one Wazuh alert make one group of +2).
SAMPLES=$ROOT/tests/data/security
ago() { echo "strftime('%Y-%m-%dT%H:%M:%S', 'now', '-$1 minutes')"; }
sqlite3 "$DB" "INSERT INTO sec_alert (id, source, content_type, raw, received_at) VALUES
  ('wazuh-ssh-1', 'wazuh', 'application/json', readfile('$SAMPLES/wazuh_ssh_invalid_user.json'), $(ago 25)),
  ('wazuh-ssh-2', 'wazuh', 'application/json', readfile('$SAMPLES/wazuh_ssh_invalid_user.json'), $(ago 24)),
  ('wazuh-ssh-3', 'wazuh', 'application/json', readfile('$SAMPLES/wazuh_ssh_invalid_user.json'), $(ago 23)),
  ('syslog-su-1', 'syslog', 'text/plain', readfile('$SAMPLES/rfc5424_ex1.log'), $(ago 15)),
  ('wazuh-fim-1', 'wazuh', 'application/json', readfile('$SAMPLES/wazuh_fim_changed.json'), $(ago 4));"

start s 120 40 METRICS_INTERVAL=1 -- --db "$DB"
wait_for s "Services  12 services" "tick" >/dev/null
wait_for s "Search Index" >/dev/null

# 1 services, cursor on Payments API
keys s /; literal s "Payments API"; keys s Enter
wait_for s "/Payments API" >/dev/null
keys s Escape
shot 1-services s 120 40
# 2 dependencies of Payments API
keys s 2; wait_for s "Depends on (what Payments API needs)" >/dev/null
shot 2-dependencies s 120 40
keys s 3; wait_for s "Uptime 7d" >/dev/null
shot 3-health s 120 40
# 4 alerts, one acknowledged through the console
keys s 4; wait_for s "OPEN" >/dev/null
keys s a                        # the live outage is on top: 4 a acknowledges it
wait_for s "acknowledged by" >/dev/null
keys s g
shot 4-alerts s 120 40
keys s 5; wait_for s "SLA Breaches " "RTO" >/dev/null
shot 5-sla-breaches s 120 40
# 6 incidents with the kill switch on (K, y, a reason)
keys s 6; wait_for s "Incidents " >/dev/null
keys s K; wait_for s "[y/N]" >/dev/null; keys s y
wait_for s "Reason" >/dev/null; literal s "Database failover in progress"; keys s Enter
wait_for s "KILL SWITCH ON: AUTO-RESOLUTION DISABLED" "kill_switch_activated" >/dev/null
shot 6-incidents-kill-switch s 120 40
keys s K; wait_for s "[y/N]" >/dev/null; keys s y; wait_for s "Reason" >/dev/null; keys s Enter
wait_for s "auto-resolution on" >/dev/null
# 7 metrics once a minute of samples is in
keys s 7
end=$((SECONDS + 90))
until screen s | grep -q "samples (1m"; do [ $SECONDS -lt $end ] || break; sleep 1; done
shot 7-metrics s 120 40
keys s 8; wait_for s "Audit Log " "Kill Switch" >/dev/null
shot 8-audit-log s 120 40
keys s '?'; wait_for s "Help: keys and commands" >/dev/null
shot 9-help s 120 40
keys s Escape
# wide: list and detail side by side
"${TMUX_CMD[@]}" resize-window -t s -x 180 -y 45
keys s 1; wait_for s "Needed by" >/dev/null
shot 10-wide-services-detail s 180 45
keys s 4; wait_for s "Acknowledged" >/dev/null
shot 11-wide-alerts-detail s 180 45
keys s Escape
# a silence: the status bar's count and end, the Silences pane
"${TMUX_CMD[@]}" resize-window -t s -x 120 -y 40
keys s :; literal s "silence Message Queue 2h broker upgrade"; keys s Enter
wait_for s "silenced until" >/dev/null
keys s 0; wait_for s "Silences " "broker upgrade" >/dev/null
shot 12-silences s 120 40
# 13 the Security pane (issue 12), list and detail side by side
"${TMUX_CMD[@]}" resize-window -t s -x 180 -y 45
keys s 9; wait_for s "Security " "+2" "Nearest neighbours" >/dev/null
shot 13-security s 180 45
"${TMUX_CMD[@]}" resize-window -t s -x 120 -y 40
quit_console s
wait_for s "RESOPS-EXIT=0" >/dev/null
