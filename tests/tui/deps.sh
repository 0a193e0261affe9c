#!/usr/bin/env bash
# deps.sh — the Dependencies pane's title (review item 17): "1 dependency"
# and "1 dependent" in the singular; the "search /PAT" label names how the
# root on screen was found, so Backspace, Enter (a new root) and a failed
# `/` leave no stale label.
set -u
. "$(dirname "$0")/lib.sh"

echo "1..4"
DB=$WORK/d.db
make_db "$DB" || { echo "Bail out! cannot seed $DB"; exit 1; }

start a 120 40 -- --db "$DB"
wait_for a "ENGINE" "Services  12 services" >/dev/null || { echo "Bail out! no first frame"; exit 1; }
keys a 2; wait_pane a Dependencies

title() { screen a | sed -n 2p; }

# 1 singular: Search Index needs Object Storage only; Object Storage has one dependent
keys a /; literal a "Search Ind"; keys a Enter
wait_for a "Search Index: 1 dependency, 0 dependents" "search /Search Ind" >/dev/null; r=$?
keys a /; literal a "Object Sto"; keys a Enter
wait_for a "Object Storage: 0 dependencies, 1 dependent " >/dev/null || r=1
[ $r = 0 ] || echo "# title: $(title)" >&2
tap $r "Dependencies title: '1 dependency', '1 dependent' (no '1 dependencies')"

# 2 Backspace goes back to the previous root and drops the label
keys a BSpace
wait_for a "Search Index: 1 dependency" >/dev/null; r=$?
sleep 0.3
title | grep -q "search /" && r=1
[ $r = 0 ] || echo "# title: $(title)" >&2
tap $r "Backspace: the previous root, no stale 'search /Object Sto' label"

# 3 a failed search keeps the trees and drops the old label
keys a /; literal a "Object Sto"; keys a Enter
wait_for a "search /Object Sto" >/dev/null; r=$?
keys a /; literal a "zzznothing"; keys a Enter
wait_for a "No service matches: zzznothing" >/dev/null || r=1
title | grep -q "Object Storage: 0 dependencies" || r=1
title | grep -q "search /" && r=1
[ $r = 0 ] || echo "# title: $(title)" >&2
tap $r "a failed / says so and leaves no stale 'search /Object Sto' label"

# 4 Enter on another service re-roots without the label
keys a /; literal a "Search Ind"; keys a Enter
wait_for a "search /Search Ind" >/dev/null; r=$?
keys a j j; sleep 0.3
keys a Enter
wait_gone a "Search Index: 1 dependency" || r=1
title | grep -q "search /" && r=1
[ $r = 0 ] || echo "# title: $(title)" >&2
tap $r "Enter re-roots and drops the label of the search that found the old root"

quit_console a
wait_for a "RESOPS-EXIT=0" >/dev/null
[ "$FAILS" = 0 ]
