#!/bin/sh
# The security pipeline alone (issue 12): secpipe_bench at 2,000, 10,000
# and 50,000 alerts, exact (no index), auto (the index builds itself at
# 5,000 vectors) and index (built after the first batch). From a release
# build: meson setup build-rel --buildtype=release && ninja -C build-rel
#   tools/secpipe_bench.sh [build dir=build-rel] [sizes="2000 10000 50000"]
# Each run prints its line and RESULT lines (tests/bench/bench_result.h);
# tests/bench/run.sh (`make bench`) runs one size. Exits non-zero when a
# run failed.
B=${1:-build-rel}/tests/bench/secpipe_bench
SIZES=${2:-2000 10000 50000}
DB=${TMPDIR:-/tmp}/resops-secpipe-bench-$$.db
rc=0
for n in $SIZES; do
    for mode in exact auto index; do
        "$B" "$n" "$DB" "$mode" 2>/dev/null || rc=1
    done
done
exit $rc
