#!/usr/bin/env bash
# `resops token create|list|revoke` (issue 12 item 2): the secret printed
# once on stdout (a note on stderr), the list with last use, revocation,
# and the exit codes of the errors (unknown scope 2, duplicate 1, unknown
# name 1, no database 1); then the created token on the real listener
# (curl): accepted on POST /api/ingestion/raw, refused once revoked; the
# name used again after revocation (rotation).
. "$(dirname "$0")/tap.sh"

DB="$TMP/t.db"
PORT=18417
# run CMD: $RC, $OUT (stdout), $ERR (stderr)
run() {
    OUT=$("$@" 2>"$TMP/err" </dev/null)
    RC=$?
    ERR=$(cat "$TMP/err")
}

run "$RESOPS_BIN" token create am --db "$DB"
ok_if "no database: exit 1, named" bash -c "test $RC -eq 1 && grep -q 'no database at' <<<\"\$0\"" "$ERR"
"$RESOPS_BIN" seed --services 1 --db "$DB" >/dev/null 2>&1

run "$RESOPS_BIN" token create am --scope ingest --db "$DB"
SECRET=$OUT
ok_if "create exits 0" test $RC -eq 0
ok_if "stdout is the secret alone" bash -c '[[ $0 =~ ^rsk_[A-Za-z0-9_-]{43}$ ]]' "$SECRET"
ok_if "stderr says it is shown once" grep -q "shown this once" <<<"$ERR"

run "$RESOPS_BIN" token create am --scope read --db "$DB"
ok_if "duplicate name: exit 1" test $RC -eq 1
ok_if "duplicate name: said" grep -q "Token 'am' already exists" <<<"$ERR"
run "$RESOPS_BIN" token create other --scope root --db "$DB"
ok_if "unknown scope: exit 2" test $RC -eq 2
ok_if "unknown scope: said" grep -q "unknown scope 'root'" <<<"$ERR"
run "$RESOPS_BIN" token create "bad name" --db "$DB"
ok_if "bad name: exit 2" test $RC -eq 2
run "$RESOPS_BIN" token frobnicate --db "$DB"
ok_if "unknown action: exit 2" test $RC -eq 2
run "$RESOPS_BIN" token create --db "$DB"
ok_if "create without NAME: exit 2" test $RC -eq 2
run "$RESOPS_BIN" token create w --scope write --db "$DB"
ok_if "a write token" test $RC -eq 0

run "$RESOPS_BIN" token list --db "$DB"
ok_if "list exits 0" test $RC -eq 0
ok_if "list has a header with LAST USED" grep -q "LAST USED" <<<"$OUT"
ok_if "list shows am, ingest, its prefix, never used" \
    grep -Eq "^am +ingest +${SECRET:0:12} .* never " <<<"$OUT"
ok_if "list never shows the secret" bash -c '! grep -qF -- "$1" <<<"$0"' "$OUT" "$SECRET"

# the token on the real listener
"$RESOPS_BIN" --headless --db "$DB" --listen 127.0.0.1:$PORT --check-interval 3600 \
    2>"$TMP/server.log" &
TAP_PIDS+=($!)
wait_for 20 curl -sf "http://127.0.0.1:$PORT/api/healthz" -o /dev/null
code=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $SECRET" \
    -H 'Content-Type: application/json' -d '{"payload": {"title": "cli token"}}' \
    "http://127.0.0.1:$PORT/api/ingestion/raw")
ok_if "the CLI's token ingests: 201" test "$code" = 201
run "$RESOPS_BIN" token list --db "$DB"
ok_if "list shows a last use now" bash -c '! grep -Eq "^am .* never " <<<"$0"' "$OUT"

run "$RESOPS_BIN" token revoke am --db "$DB"
ok_if "revoke exits 0" test $RC -eq 0
code=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $SECRET" \
    -H 'Content-Type: application/json' -d '{"payload": {"title": "after"}}' \
    "http://127.0.0.1:$PORT/api/ingestion/raw")
ok_if "revoked from the shell: the listener answers 401" test "$code" = 401
ok_if "... Token has been revoked" grep -q "Token has been revoked" "$TMP/body"
run "$RESOPS_BIN" token revoke am --db "$DB"
ok_if "revoke again: exit 1" test $RC -eq 1
run "$RESOPS_BIN" token revoke nobody --db "$DB"
ok_if "revoke an unknown name: exit 1, said" \
    bash -c "test $RC -eq 1 && grep -q \"Token 'nobody' not found\" <<<\"\$0\"" "$ERR"
run "$RESOPS_BIN" token list --db "$DB"
ok_if "list shows the revocation time" grep -Eq "^am +ingest +[^ ]+ +[^ ]+ +[^ ]+ +[0-9]{4}-[0-9]{2}-[0-9]{2}T" <<<"$OUT"
ok_if "audited: created and revoked" test "$(sqlite3 "$DB" \
    "SELECT count(*) FROM audit_log WHERE entity = 'ApiToken'")" -eq 3

# rotation: a revoked token's name is used again
run "$RESOPS_BIN" token create am --scope ingest --db "$DB"
NEW=$OUT
ok_if "a revoked name is used again: exit 0, a new secret" \
    bash -c "test $RC -eq 0 && [[ \$0 =~ ^rsk_ ]] && test \"\$0\" != \"\$1\"" "$NEW" "$SECRET"
run "$RESOPS_BIN" token list --db "$DB"
ok_if "list shows both am: the revoked one and the live one" \
    bash -c 'grep -Eq "^am +ingest +[^ ]+ +[^ ]+ +[^ ]+ +[0-9]{4}-" <<<"$0" &&
             grep -Eq "^am +ingest +${1:0:12} .* - +[^ ]+$" <<<"$0"' "$OUT" "$NEW"
code=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $NEW" \
    -H 'Content-Type: application/json' -d '{"payload": {"title": "rotated"}}' \
    "http://127.0.0.1:$PORT/api/ingestion/raw")
ok_if "the rotated token ingests: 201" test "$code" = 201
tap_done
