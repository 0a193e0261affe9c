# tap.sh — sourced by the shell tests: TAP output and waiting on conditions.
#   ok_if NAME CMD...   run CMD; print "ok N - NAME" or "not ok N - NAME"
#   wait_for SECS CMD... poll CMD every 0.1 s until it succeeds or SECS pass
#   tap_done            print the plan and exit non-zero on any failure
TAP_N=0
TAP_FAILED=0
RESOPS_BIN=${RESOPS_BIN:?RESOPS_BIN must point at the resops binary}
TMP=$(mktemp -d /tmp/resops-test-XXXXXX)
trap 'tap_cleanup' EXIT
TAP_PIDS=()

tap_cleanup() {
    for p in "${TAP_PIDS[@]:-}"; do
        [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    rm -rf "$TMP"
}

ok_if() {
    local name=$1
    shift
    TAP_N=$((TAP_N + 1))
    if "$@"; then
        echo "ok $TAP_N - $name"
    else
        echo "not ok $TAP_N - $name"
        TAP_FAILED=$((TAP_FAILED + 1))
    fi
}

wait_for() {
    local secs=$1
    shift
    local deadline=$(( $(date +%s%N) / 1000000 + secs * 1000 ))
    while ! "$@" 2>/dev/null; do
        [ $(( $(date +%s%N) / 1000000 )) -ge $deadline ] && return 1
        sleep 0.1
    done
    return 0
}

tap_done() {
    echo "1..$TAP_N"
    [ "$TAP_FAILED" -eq 0 ]
}
