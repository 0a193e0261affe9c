#!/usr/bin/env bash
# Bad input on the command line never starts half-way: a message and a
# non-zero exit, and stored data is left as it was.
. "$(dirname "$0")/tap.sh"

# run CMD, keep its exit code in $RC and its stderr in $ERR
run() {
    ERR=$("$@" 2>&1 >/dev/null </dev/null)
    RC=$?
}

run "$RESOPS_BIN" --version
ok_if "--version exits 0" test $RC -eq 0
run "$RESOPS_BIN" --help
ok_if "--help exits 0" test $RC -eq 0

run "$RESOPS_BIN" --no-such-flag
ok_if "unknown flag exits 2" test $RC -eq 2
ok_if "unknown flag is named" grep -q -- "--no-such-flag" <<<"$ERR"

printf '[engine]\ncheck_interval = 30\n\n[engine]\nbogus line here\n' > "$TMP/bad.conf"
run "$RESOPS_BIN" --headless --config "$TMP/bad.conf" --db "$TMP/x.db"
ok_if "corrupt config exits 2" test $RC -eq 2
ok_if "corrupt config names file:line" grep -q "bad.conf:5:" <<<"$ERR"
ok_if "corrupt config writes no database" test ! -e "$TMP/x.db"

printf '[engine]\ncheck_interval = soon\n' > "$TMP/type.conf"
run "$RESOPS_BIN" --headless --config "$TMP/type.conf" --db "$TMP/x.db"
ok_if "wrong value type exits 2 with file:line" \
    bash -c "test $RC -eq 2 && grep -q 'type.conf:2:' <<<\"\$0\"" "$ERR"

run "$RESOPS_BIN" --headless --config "$TMP/missing.conf"
ok_if "missing config file exits 2" test $RC -eq 2

CHECK_INTERVAL=abc run "$RESOPS_BIN" --headless --db "$TMP/x.db"
ok_if "bad environment value exits 2 naming the variable" \
    bash -c "test $RC -eq 2 && grep -q CHECK_INTERVAL <<<\"\$0\"" "$ERR"

run "$RESOPS_BIN" --headless --check-interval 0 --db "$TMP/x.db"
ok_if "out-of-range flag exits 2" test $RC -eq 2

run "$RESOPS_BIN" --headless --db /proc/resops-no-such-dir/x.db
ok_if "unwritable database path exits 1" test $RC -eq 1
ok_if "unwritable database path is named" grep -q "/proc/resops-no-such-dir" <<<"$ERR"

mkdir "$TMP/dir.db"
run "$RESOPS_BIN" --headless --db "$TMP/dir.db"
ok_if "a directory as database exits 1" test $RC -eq 1

echo "this is not a database" > "$TMP/garbage.db"
run "$RESOPS_BIN" --headless --db "$TMP/garbage.db"
ok_if "a non-SQLite file is refused" test $RC -eq 1
ok_if "the non-SQLite file is left untouched" \
    test "$(cat "$TMP/garbage.db")" = "this is not a database"

"$RESOPS_BIN" seed --services 3 --db "$TMP/new.db" >/dev/null 2>&1
sqlite3 "$TMP/new.db" "PRAGMA user_version = 99"
run "$RESOPS_BIN" --headless --db "$TMP/new.db"
ok_if "a newer schema is refused" test $RC -eq 1
ok_if "the refusal says newer" grep -q "newer" <<<"$ERR"
ok_if "the newer database keeps its data" \
    test "$(sqlite3 "$TMP/new.db" 'SELECT count(*) FROM service')" = 3

run "$RESOPS_BIN" seed --db "$TMP/s.db"
ok_if "seed without --services or --demo exits 2" test $RC -eq 2
run "$RESOPS_BIN" seed --services -5 --db "$TMP/s.db"
ok_if "seed with a negative count exits 2" test $RC -eq 2

# resops probe: validated, audited, and bad input changes nothing
"$RESOPS_BIN" seed --services 2 --db "$TMP/p.db" >/dev/null 2>&1
run "$RESOPS_BIN" probe --service svc-000001 --http http://127.0.0.1:9/health --db "$TMP/p.db"
ok_if "probe by name attaches an HTTP probe" \
    bash -c "test $RC -eq 0 && test \"\$(sqlite3 '$TMP/p.db' 'SELECT kind, target FROM probe WHERE service_id = 1')\" = 'http|http://127.0.0.1:9/health'"
run "$RESOPS_BIN" probe --service 2 --tcp no-port --db "$TMP/p.db"
ok_if "a TCP probe without a port is refused as a usage error" \
    bash -c "test $RC -eq 2 && grep -q 'host:port' <<<\"\$0\" && test \"\$(sqlite3 '$TMP/p.db' 'SELECT count(*) FROM probe')\" = 1" "$ERR"
run "$RESOPS_BIN" probe --service 77 --cmd true --db "$TMP/p.db"
ok_if "a probe for an unknown service is refused" \
    bash -c "test $RC -eq 1 && grep -q 'Service not found' <<<\"\$0\"" "$ERR"
run "$RESOPS_BIN" probe --service 1 --cmd true --tcp a:1 --db "$TMP/p.db"
ok_if "two probe kinds at once is a usage error" test $RC -eq 2
run "$RESOPS_BIN" probe --service 1 --remove --db "$TMP/p.db"
ok_if "probe --remove deletes it and audits" \
    test "$(sqlite3 "$TMP/p.db" "SELECT count(*) FROM probe; SELECT count(*) FROM audit_log WHERE action IN ('Probe Updated', 'Probe Removed')")" = "0
2"

run "$RESOPS_BIN" probe --service 1 --tcp 127.0.0.1:99999 --db "$TMP/p.db"
ok_if "a TCP port out of range is refused" test $RC -eq 2
run "$RESOPS_BIN" probe --service 1 --http http://127.0.0.1:9/ --expect 999 --db "$TMP/p.db"
ok_if "an HTTP status out of range is refused" test $RC -eq 2
run "$RESOPS_BIN" probe --service 1 --cmd true --db "$TMP/nowhere/p.db"
ok_if "probe on a missing database says so and creates nothing" \
    bash -c "test $RC -eq 1 && grep -q 'no database at' <<<\"\$0\" && test ! -e '$TMP/nowhere'" "$ERR"
# a usage error is one (2) whatever --db says: the arguments come first
run "$RESOPS_BIN" probe --service 1 --bogus --db "$TMP/nowhere/p.db"
ok_if "probe: an unknown flag is a usage error (2) before the missing database" \
    bash -c "test $RC -eq 2 && ! grep -q 'no database at' <<<\"\$0\"" "$ERR"
run "$RESOPS_BIN" token create y --scope bogus --db "$TMP/nowhere/p.db"
ok_if "token: an unknown scope is a usage error (2) before the missing database" \
    bash -c "test $RC -eq 2 && grep -q 'unknown scope' <<<\"\$0\"" "$ERR"
run "$RESOPS_BIN" token frob --db "$TMP/nowhere/p.db"
ok_if "token: an unknown action is a usage error (2)" test $RC -eq 2
run "$RESOPS_BIN" seed --demo --db "$TMP/p.db"
ok_if "seed --demo into a database with services refuses clearly" \
    bash -c "test $RC -eq 1 && grep -q 'already has services' <<<\"\$0\"" "$ERR"

# N4: a bad playbook file is bad configuration: exit 2 naming the file (and
# the config file:line that set it), before any database is created
printf '{"actions": {' > "$TMP/broken.json"
printf '{"actions":{"x":{"type":"command"}}}' > "$TMP/noargv.json"
for pb in broken.json noargv.json missing.json; do
    RESOPS_PLAYBOOK_FILE="$TMP/$pb" run "$RESOPS_BIN" --headless --db "$TMP/pb-$pb.db" --listen 127.0.0.1:0
    ok_if "N4: RESOPS_PLAYBOOK_FILE=$pb exits 2" test $RC -eq 2
    ok_if "N4: the message names $pb and the variable" \
        bash -c "grep -q '$TMP/$pb' <<<\"\$0\" && grep -q RESOPS_PLAYBOOK_FILE <<<\"\$0\"" "$ERR"
    ok_if "N4: RESOPS_PLAYBOOK_FILE=$pb creates no database, lock or secret" \
        bash -c "! ls '$TMP'/pb-$pb.db* 2>/dev/null | grep -q ."
done
printf '[general]\nlog_level = info\n\n[resolve]\nplaybook_file = %s\n' "$TMP/noargv.json" > "$TMP/pb.conf"
run "$RESOPS_BIN" --headless --config "$TMP/pb.conf" --db "$TMP/pbconf.db" --listen 127.0.0.1:0
ok_if "N4: playbook_file in a config file: exit 2 with the config's file:line" \
    bash -c "test $RC -eq 2 && grep -q 'pb.conf:5: resolve.playbook_file' <<<\"\$0\" && grep -q noargv.json <<<\"\$0\"" "$ERR"
ok_if "N4: ... and no database" bash -c "! ls '$TMP'/pbconf.db* 2>/dev/null | grep -q ."
ok_if "N4: a console with a bad playbook file also exits 2 before anything (no tty needed)" \
    bash -c "RESOPS_PLAYBOOK_FILE='$TMP/broken.json' '$RESOPS_BIN' --db '$TMP/pbc.db' </dev/null >/dev/null 2>&1; test \$? -eq 2 && ! ls '$TMP'/pbc.db* 2>/dev/null | grep -q ."

# N4: a busy --listen port leaves no new database, .jwt-secret or .lock
python3 -c 'import signal, socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True); signal.pause()' > "$TMP/busy.port" &
BUSY=$!
TAP_PIDS+=("$BUSY")
wait_for 10 test -s "$TMP/busy.port"
PORT=$(cat "$TMP/busy.port")
run "$RESOPS_BIN" --headless --db "$TMP/busy/new.db" --listen "127.0.0.1:$PORT"
ok_if "N4: a busy --listen port exits 1" test $RC -eq 1
ok_if "N4: ... and leaves no new database, secret, lock or users file" \
    bash -c "! ls '$TMP'/busy/new.db* 2>/dev/null | grep -q ."
"$RESOPS_BIN" seed --services 2 --db "$TMP/old.db" >/dev/null 2>&1
run "$RESOPS_BIN" --headless --db "$TMP/old.db" --listen "127.0.0.1:$PORT"
ok_if "N4: a busy port keeps an existing database and its data" \
    bash -c "test $RC -eq 1 && test \"\$(sqlite3 '$TMP/old.db' 'SELECT count(*) FROM service')\" = 2"
kill "$BUSY" 2>/dev/null

tap_done
