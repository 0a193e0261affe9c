#!/usr/bin/env bash
# coverage.sh TARGET [DIR...] — line, region and branch coverage of the
# code a fuzz-b target is for (issue 13: "report coverage per target").
# Builds the target with driver.c and only the files it needs, with
# clang's source coverage (-fprofile-instr-generate -fcoverage-mapping,
# no sanitizers), feeds it corpus/TARGET, regressions/TARGET and every
# DIR given (e.g. the corpus a fuzzing run grew), and prints llvm-cov's
# report for those files. Needs clang, llvm-profdata, llvm-cov and a
# configured build/ (for build/floors/tests). Scratch: /tmp/fuzzcov-$USER.
set -euo pipefail
t=${1:?usage: coverage.sh TARGET [DIR...]}; shift
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
sec="src/domain/secnorm.c src/domain/secnorm_obs.c src/domain/secnorm_sources.c src/domain/secnorm_syslog.c"
case $t in
  syslog5424|syslog3164)             src="$sec";  show="src/domain/secnorm_syslog.c src/domain/secnorm.c src/domain/secnorm_obs.c";;
  wazuh|alertmanager|generic|falco)  src="$sec";  show="src/domain/secnorm_sources.c src/domain/secnorm.c src/domain/secnorm_obs.c";;
  syslogframe) src="$sec engine/syslogframe.c";   show="engine/syslogframe.c src/domain/secnorm_syslog.c";;
  logparse)    src="src/domain/logparse.c";       show="$src";;
  procstat)    src="engine/procfs.c";             show="$src";;
  *) echo "coverage.sh: no such target: $t" >&2; exit 2;;
esac
out=/tmp/fuzzcov-${USER:-$(id -u)}
mkdir -p "$out"
clang -O1 -g -D_GNU_SOURCE -fprofile-instr-generate -fcoverage-mapping \
  -Isrc/base -Isrc/config -Isrc/snapshot -Iengine -Isrc -Ibuild/floors/tests \
  $(pkg-config --cflags libcjson) -o "$out/cov_$t" "tests/fuzz/fuzz_$t.c" tests/fuzz/driver.c \
  $src src/base/util.c $(pkg-config --libs libcjson) -lm
rm -f "$out/$t.profraw"
LLVM_PROFILE_FILE="$out/$t.profraw" "$out/cov_$t" "tests/fuzz/corpus/$t" \
  "tests/fuzz/regressions/$t" "$@" > /dev/null
llvm-profdata merge -o "$out/$t.profdata" "$out/$t.profraw"
llvm-cov report "$out/cov_$t" -instr-profile="$out/$t.profdata" $show
