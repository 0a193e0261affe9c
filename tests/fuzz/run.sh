#!/usr/bin/env bash
# run.sh BUILD — `make fuzz`: every libFuzzer target of BUILD (a fuzz
# build, `make build-fuzz`) for FUZZ_SECONDS each (default 300), one after
# the other, through run_one.sh. New inputs each run found are merged
# into tests/fuzz/corpus/NAME/ with -merge=1 (only those that add
# coverage), so the corpus grows when a developer runs it; crash inputs
# go to tests/fuzz/crashes/ (ignored by git). Ends with one Markdown
# table. FUZZ_TARGETS="api jwt" runs a subset. Exit 1 when a target
# crashed.
#
# A crash becomes a regression case of `make test` by copying its input
# to tests/fuzz/regressions/NAME/ (README.md in this folder).
set -u
build=${1:?usage: run.sh BUILD}
seconds=${FUZZ_SECONDS:-300}
here=$(cd "$(dirname "$0")" && pwd)
crashes=$here/crashes
work=$(mktemp -d /tmp/fuzz-run-XXXXXX)
trap 'rm -rf "$work"' EXIT

# name and dictionary of every target, from tests/fuzz/meson.build
# (lines "  'name' : ['dict', [...]],")
declare -A dicts
while read -r n d; do dicts[$n]=$d; done < <(
    sed -n "s/^ *'\([a-z0-9_]*\)' *: *\['\([a-z0-9_]*\)'.*/\1 \2/p" "$here/meson.build")
targets=${FUZZ_TARGETS:-$(sed -n "s/^ *'\([a-z0-9_]*\)' *: *\['.*/\1/p" "$here/meson.build")}

rows=() bad=0
for name in $targets; do
    exe=$build/tests/fuzz/fuzz_$name
    if [ ! -x "$exe" ]; then
        rows+=("| $name | - | - | - | - | - | not built ($exe) |")
        bad=1
        continue
    fi
    echo "== $name: ${seconds}s"
    stats=$work/$name.stats out=$work/$name.corpus
    FUZZ_CRASH_DIR=$crashes FUZZ_STATS_FILE=$stats FUZZ_CORPUS_OUT=$out \
        "$here/run_one.sh" "$exe" "$name" "${dicts[$name]:-}" "$seconds"
    rc=$?
    result=ok
    [ $rc -eq 0 ] || { result="**crash** (tests/fuzz/crashes/)"; bad=1; }
    # merge what this run found into the source corpus
    mkdir -p "$here/corpus/$name"
    before=$(find "$here/corpus/$name" -type f | wc -l)
    "$exe" -merge=1 "$here/corpus/$name" "$out" > "$work/$name.merge" 2>&1 ||
        echo "merge of $name failed (see $work/$name.merge)"
    after=$(find "$here/corpus/$name" -type f | wc -l)
    execs=0 rate=0 cov=0 ft=0 corpus=0
    # shellcheck disable=SC1090
    [ -f "$stats" ] && . "$stats"
    rows+=("| $name | $seconds | $execs | $rate | $cov / $ft | $corpus (+$((after - before)) kept) | $result |")
done

echo
echo "| target | seconds | executions | exec/s | coverage (cov / ft) | corpus | result |"
echo "|---|---:|---:|---:|---|---:|---|"
printf '%s\n' "${rows[@]}"
if [ $bad -ne 0 ]; then
    echo
    echo "A crash input is in tests/fuzz/crashes/; reproduce it with \`$build/tests/fuzz/fuzz_NAME FILE\`,"
    echo "fix it, and copy it to tests/fuzz/regressions/NAME/ so \`make test\` keeps it."
fi
exit $bad
