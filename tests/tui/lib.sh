# lib.sh — helpers for the tmux-driven console tests (sourced).
#
# Each test script gets a private tmux server (-L), so it never touches the
# user's tmux, and prints TAP: "ok N - name" / "not ok N - name", plan first.
# Waits poll capture-pane against a deadline; nothing sleeps a fixed time.

: "${RESOPS_BIN:?RESOPS_BIN must point at the built resops}"
SOCK="resops-tui-$$"
TMUX_CMD=(tmux -L "$SOCK" -f /dev/null)
WORK=$(mktemp -d /tmp/resops-tui-XXXXXX)
# the console's `:` history goes here, not into the user's ~/.local/state
export XDG_STATE_HOME="$WORK/state"
TAPN=0
FAILS=0
DEADLINE=${TUI_DEADLINE:-15}
# Under valgrind (`meson test --setup valgrind`) RESOPS_WRAPPER is the
# valgrind command: start() runs the console through it with a log file a
# session ($WORK/SESSION.vg.PID.log, see vg_check), and waits get longer.
if [ -n "${RESOPS_WRAPPER:-}" ]; then DEADLINE=${TUI_DEADLINE:-120}; fi

cleanup() {
    "${TMUX_CMD[@]}" kill-server >/dev/null 2>&1
    if [ "$FAILS" = 0 ] && [ -z "${TUI_KEEP:-}" ]; then rm -rf "$WORK"; else echo "# kept $WORK"; fi
}
trap cleanup EXIT

tap() {   # tap STATUS NAME
    TAPN=$((TAPN + 1))
    if [ "$1" = 0 ]; then
        echo "ok $TAPN - $2"
    else
        echo "not ok $TAPN - $2"
        FAILS=$((FAILS + 1))
    fi
}

# start SESSION COLS ROWS ENV... -- ARGS...: run resops in a new session;
# the shell around it prints RESOPS-EXIT=<code> when it ends.
start() {
    local s=$1 cols=$2 rows=$3
    shift 3
    local envs=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
    shift
    local wrap=""
    [ -n "${RESOPS_WRAPPER:-}" ] && wrap="$RESOPS_WRAPPER --log-file=$WORK/$s.vg.%p.log"
    local cmd="cd $WORK; printf 'shell before resops\n'; env TERM=tmux-256color ${envs[*]} $wrap $RESOPS_BIN $*"
    cmd="$cmd 2>>$WORK/$s.stderr; echo RESOPS-EXIT=\\\$?; sleep 3600"
    "${TMUX_CMD[@]}" new-session -d -s "$s" -x "$cols" -y "$rows" "sh -c \"$cmd\""
}

# vg_check SESSION...: under valgrind, the named sessions' consoles all
# exited with zero errors and no definite leak (tests/valgrind/vgcheck.py
# prints each verdict); without the wrapper it returns 2 (nothing checked)
vg_check() {
    [ -n "${RESOPS_WRAPPER:-}" ] || return 2
    local s logs=()
    for s in "$@"; do logs+=("$WORK/$s".vg.*.log); done
    python3 "${RESOPS_SOURCE_ROOT:-$(dirname "$0")/../..}/tests/valgrind/vgcheck.py" "${logs[@]}" 2>&1 \
        | sed 's/^#*/#/'
    return "${PIPESTATUS[0]}"
}

screen() { "${TMUX_CMD[@]}" capture-pane -t "$1" -p; }
screen_e() { "${TMUX_CMD[@]}" capture-pane -t "$1" -p -e -N; }
keys() { local s=$1; shift; "${TMUX_CMD[@]}" send-keys -t "$s" "$@"; }
literal() { "${TMUX_CMD[@]}" send-keys -t "$1" -l "$2"; }

# wait_for SESSION TEXT...: every TEXT (fixed strings) on screen before the deadline
wait_for() {
    local s=$1
    shift
    local end=$((SECONDS + DEADLINE)) scr t ok
    while :; do
        scr=$(screen "$s" 2>/dev/null)
        ok=1
        for t in "$@"; do
            case "$scr" in *"$t"*) ;; *) ok=0 ;; esac
        done
        [ $ok = 1 ] && return 0
        if [ $SECONDS -ge $end ]; then
            echo "# timed out waiting for: $*" >&2
            printf '%s\n' "$scr" | sed 's/^/#   /' >&2
            return 1
        fi
        sleep 0.1
    done
}

# wait_gone SESSION TEXT: TEXT no longer on screen
wait_gone() {
    local end=$((SECONDS + DEADLINE))
    while screen "$1" | grep -qF -- "$2"; do
        [ $SECONDS -ge $end ] && return 1
        sleep 0.1
    done
    return 0
}

# wait_sql DB QUERY EXPECTED: sqlite3 answer equals EXPECTED before the deadline
wait_sql() {
    local end=$((SECONDS + DEADLINE)) got
    while :; do
        got=$(sqlite3 -cmd '.timeout 2000' "$1" "$2" 2>/dev/null)
        [ "$got" = "$3" ] && return 0
        if [ $SECONDS -ge $end ]; then
            echo "# sql '$2' gave '$got', want '$3'" >&2
            return 1
        fi
        sleep 0.1
    done
}

# A demo database with fixtures the panes can show: a closed downtime an
# hour ago that breaches Auth Service's RTO/RPO, and one incident.
make_db() {
    local db=$1
    "$RESOPS_BIN" seed --demo --db "$db" >/dev/null 2>>"$WORK/seed.stderr" || return 1
    sqlite3 "$db" "
      INSERT INTO downtime (service_id, start_time, end_time, reason)
        SELECT id, strftime('%Y-%m-%dT%H:%M:%S', 'now', '-3 hours'),
               strftime('%Y-%m-%dT%H:%M:%S', 'now', '-2 hours'), 'test fixture outage'
        FROM service WHERE name = 'Auth Service';
      INSERT INTO incident (incident_id, title, category, priority, state, confidence_score,
                            created_by, created_at, updated_at)
        VALUES ('INC-TUI-1', 'Disk full on db-2', 'database', 'high', 'open', 0.95, 'tests',
                strftime('%Y-%m-%dT%H:%M:%S', 'now'), strftime('%Y-%m-%dT%H:%M:%S', 'now'));"
}

# pid_of SESSION: the resops process (child of the pane's shell)
pid_of() {
    local sh
    sh=$("${TMUX_CMD[@]}" display-message -p -t "$1" '#{pane_pid}') || return 1
    pgrep -P "$sh" | head -1
}

# wait_pane SESSION TITLE: the pane TITLE is the one shown (its header is
# line 2; the tab bar on line 1 always names every pane, so a plain
# wait_for on the title would not wait at all)
wait_pane() {
    local end=$((SECONDS + DEADLINE))
    while ! screen "$1" | sed -n 2p | grep -q "^ $2 "; do
        if [ $SECONDS -ge $end ]; then
            echo "# pane '$2' never showed; line 2: $(screen "$1" | sed -n 2p)" >&2
            return 1
        fi
        sleep 0.1
    done
}

# wait_row SESSION ID TEXT: the table row starting with ID contains TEXT
wait_row() {
    local end=$((SECONDS + DEADLINE))
    while ! screen "$1" | grep -E "^[ >]+$2 " | grep -qF -- "$3"; do
        if [ $SECONDS -ge $end ]; then
            echo "# row $2 never showed '$3':" >&2
            screen "$1" | grep -E "^[ >]+$2 " | sed 's/^/#   /' >&2
            return 1
        fi
        sleep 0.1
    done
}

# quit_console SESSION: q, then y when the console is the ENGINE and asks
# "Quit? [y/N]" (a viewer quits on q at once). Returns once resops has
# exited or the question was answered; callers still wait for RESOPS-EXIT.
quit_console() {
    keys "$1" q
    local end=$((SECONDS + DEADLINE)) scr
    while :; do
        scr=$(screen "$1" 2>/dev/null)
        case "$scr" in
        *"RESOPS-EXIT="*) return 0 ;;
        *"is the ENGINE: quitting"*) keys "$1" y; return 0 ;;
        esac
        if [ $SECONDS -ge $end ]; then
            echo "# quit_console $1: neither the question nor the exit showed" >&2
            return 1
        fi
        sleep 0.05
    done
}
