#!/usr/bin/env bash
# run_one.sh FUZZER NAME DICT SECONDS — run one libFuzzer target for
# SECONDS on a private copy of tests/fuzz/corpus/NAME/ (plus the inputs of
# regressions/NAME/, read only), with tests/fuzz/dict/DICT.dict when DICT
# is not empty. Prints one TAP case:
#   ok 1 - fuzz NAME: N execs, cov C, ft F, corpus K
# or "not ok" with where the crashing input was kept and the sanitizer's
# report as diagnostics; exits 0 or 1 accordingly. The source tree is
# never written.
#
# For tests/fuzz/run.sh (make fuzz), through the environment:
#   FUZZ_CRASH_DIR   keep crash inputs here (default: a folder under /tmp
#                    that is printed)
#   FUZZ_STATS_FILE  write the figures as NAME=VALUE lines here
#   FUZZ_CORPUS_OUT  leave the grown corpus in this folder (it is created)
set -u
exe=$1 name=$2 dict=$3 seconds=$4
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "/tmp/fuzz-$name-XXXXXX")
trap 'rm -rf "$work"' EXIT

corpus=${FUZZ_CORPUS_OUT:-$work/corpus}
mkdir -p "$corpus" "$work/artifacts"
[ -d "$here/corpus/$name" ] && cp -r "$here/corpus/$name/." "$corpus/"
extra=()
[ -d "$here/regressions/$name" ] && extra+=("$here/regressions/$name")
opts=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
      -artifact_prefix="$work/artifacts/")
[ -n "$dict" ] && opts+=(-dict="$here/dict/$dict.dict")

echo "1..1"
"$exe" "${opts[@]}" "$corpus" "${extra[@]}" > "$work/log" 2>&1
rc=$?

# libFuzzer's figures: the last status line ("#N DONE cov: C ft: F corp:
# K/..." or "#N pulse ...") and its final stats.
stat() { sed -n "s/^stat::$1: *//p" "$work/log" | tail -1; }
last=$(grep -E '^#[0-9]+[[:space:]]' "$work/log" | tail -1)
field() { printf '%s\n' "$last" | sed -n "s/.* $1: \([0-9]*\).*/\1/p"; }
execs=$(stat number_of_executed_units)
execs=${execs:-$(printf '%s\n' "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')}
cov=$(field cov) ft=$(field ft) corp=$(field corp)
rate=$(stat average_exec_per_sec)
rss=$(stat peak_rss_mb)

if [ -n "${FUZZ_STATS_FILE:-}" ]; then
    {
        echo "execs=${execs:-0}"
        echo "rate=${rate:-0}"
        echo "cov=${cov:-0}"
        echo "ft=${ft:-0}"
        echo "corpus=${corp:-0}"
        echo "rss=${rss:-0}"
        echo "rc=$rc"
    } > "$FUZZ_STATS_FILE"
fi

crash=$(find "$work/artifacts" -type f ! -name "slow-unit-*" | head -1)
if [ "$rc" -eq 0 ] && [ -z "$crash" ]; then
    echo "ok 1 - fuzz $name: ${execs:-0} execs, cov ${cov:-0}, ft ${ft:-0}, corpus ${corp:-0}"
    exit 0
fi
keep=${FUZZ_CRASH_DIR:-/tmp/fuzz-crashes}
mkdir -p "$keep"
kept=
if [ -n "$crash" ]; then
    kept="$keep/$name-$(basename "$crash")"
    cp "$crash" "$kept"
fi
echo "not ok 1 - fuzz $name: exit $rc after ${execs:-0} execs, input kept at ${kept:-<none>}"
# the report: from the target's, the sanitizer's or libFuzzer's first
# error line on; without one (it did not start), the end of its output
if grep -q -E '^==[0-9]+==|ERROR: libFuzzer|runtime error:|^fuzz_' "$work/log"; then
    sed -n '/^==[0-9]*==\|ERROR: libFuzzer\|runtime error:\|^fuzz_/,$p' "$work/log" |
        head -80 | sed 's/^/# /'
else
    tail -20 "$work/log" | sed 's/^/# /'
fi
[ -n "$kept" ] && echo "# to keep it as a regression: cp $kept $here/regressions/$name/"
exit 1
