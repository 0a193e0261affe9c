#!/usr/bin/env bash
# run_one.sh FUZZER NAME DICT SECONDS — placeholder, filled in by the fuzz work
echo "1..0 # SKIP no run_one.sh yet"
