#!/usr/bin/env bash
# tokens.sh — issue 12 item 2 in the console (tmux, 120x40): `:token new
# NAME` shows the secret once, until a key, and stores only its hash
# (scope ingest by default; a SCOPE word sets it); the shown secret works
# on the real listener; `:tokens` lists them with their last use; Tab
# completes the words; `:token revoke NAME` asks y/N (n keeps it, y
# revokes, audited); bad input is refused with nothing written; the
# revoked name can be used again.
set -u
. "$(dirname "$0")/lib.sh"

echo "1..10"
DB=$WORK/t.db
PORT=18433
make_db "$DB" || { echo "Bail out! cannot seed $DB"; exit 1; }
q() { sqlite3 -cmd '.timeout 2000' "$DB" "$1"; }

start a 120 40 -- --db "$DB" --listen 127.0.0.1:$PORT
wait_for a "1 Services" "ENGINE" >/dev/null

# 1 :token new NAME: the secret on screen until a key
keys a :; literal a "token new alertmanager"; keys a Enter
wait_for a "Token alertmanager (ingest), shown once" >/dev/null; r1=$?
SECRET=$(screen a | grep -oE 'rsk_[A-Za-z0-9_-]{43}' | head -1)
[ -n "$SECRET" ]; r2=$?
tap $((r1 + r2)) ":token new alertmanager shows an rsk_ secret (scope ingest)"

# 2 it stays until a key, then is gone from the screen
sleep 0.3
screen a | grep -qF "$SECRET"; r1=$?
keys a x
wait_gone a "$SECRET"; r2=$?
wait_for a "not shown again" >/dev/null; r3=$?
tap $((r1 + r2 + r3)) "the secret stays until a key is pressed, then is gone"

# 3 stored: the hash, never the secret
wait_sql "$DB" "SELECT scope || ' ' || prefix FROM api_token WHERE name = 'alertmanager'" "ingest ${SECRET:0:12}"; r1=$?
wait_sql "$DB" "SELECT hex(hash) FROM api_token WHERE name = 'alertmanager'" \
    "$(printf '%s' "$SECRET" | sha256sum | cut -d' ' -f1 | tr a-f A-F)"; r2=$?
r3=0
for f in "$DB" "$DB-wal"; do [ -e "$f" ] && grep -qaF "${SECRET:12}" "$f" && r3=1; done
tap $((r1 + r2 + r3)) "the row holds the SHA-256 and the prefix, no file holds the secret"

# 4 the shown secret works on the real listener
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $SECRET" \
    -H 'Content-Type: application/json' -d '{"payload": {"title": "from tmux"}}' \
    "http://127.0.0.1:$PORT/api/ingestion/raw")
[ "$code" = 201 ]
tap $? "the secret from the screen ingests on the listener (201, got $code)"

# 5 a SCOPE word; Tab completes the verb and the scope
keys a :; literal a "token n"; keys a Tab; literal a "collector wr"; keys a Tab
wait_for a ":token new collector write" >/dev/null; r1=$?
keys a Enter
wait_for a "Token collector (write), shown once" >/dev/null; r2=$?
keys a Escape
wait_sql "$DB" "SELECT scope FROM api_token WHERE name = 'collector'" "write"; r3=$?
tap $((r1 + r2 + r3)) "Tab completes ':token n' and 'wr'; :token new NAME write"

# 6 :tokens lists them with the last use
keys a :; literal a "tokens"; keys a Enter
wait_for a "2 tokens:" "alertmanager ingest (20" "collector write (never used)" >/dev/null
tap $? ":tokens lists both, alertmanager with its last use"

# 7 bad input: nothing written
keys a :; literal a "token new bad/name"; keys a Enter
wait_for a "Token name must be 1 to 64 characters" >/dev/null; r1=$?
keys a :; literal a "token new other admin"; keys a Enter
wait_for a "Unknown scope 'admin'" >/dev/null; r2=$?
keys a :; literal a "token new alertmanager"; keys a Enter
wait_for a "Token 'alertmanager' already exists" >/dev/null; r3=$?
screen a | grep -qF "Token: Token" && r3=1
keys a :; literal a "token frob"; keys a Enter
wait_for a "usage: :token new NAME" >/dev/null; r4=$?
[ "$(q 'SELECT count(*) FROM api_token')" = 2 ]; r5=$?
tap $((r1 + r2 + r3 + r4 + r5)) "bad name, unknown scope, duplicate (said once, no 'Token: Token'), bad verb: refused, nothing written"

# 8 :token revoke NAME asks; n keeps it; Tab completes the name
keys a :; literal a "token revoke al"; keys a Tab
wait_for a ":token revoke alertmanager" >/dev/null; r1=$?
keys a Enter
wait_for a "Revoke token alertmanager (ingest" "[y/N]" >/dev/null; r2=$?
keys a n
wait_for a "Cancelled" >/dev/null; r3=$?
[ -z "$(q "SELECT revoked_at FROM api_token WHERE name = 'alertmanager'")" ]; r4=$?
tap $((r1 + r2 + r3 + r4)) ":token revoke asks y/N (Tab completes the name); n keeps the token"

# 9 y revokes, audited; the listener refuses it
keys a :; literal a "token revoke alertmanager"; keys a Enter
wait_for a "[y/N]" >/dev/null
keys a y
wait_for a "Token alertmanager revoked by" >/dev/null; r1=$?
wait_sql "$DB" "SELECT count(*) FROM audit_log WHERE action = 'API Token Revoked'" "1"; r2=$?
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $SECRET" \
    -H 'Content-Type: application/json' -d '{"payload": {"title": "after"}}' \
    "http://127.0.0.1:$PORT/api/ingestion/raw")
[ "$code" = 401 ]; r3=$?
tap $((r1 + r2 + r3)) "y revokes (audited); the listener answers 401 (got $code)"

# 10 rotation: the revoked name is used again; :tokens shows both
keys a :; literal a "token new alertmanager"; keys a Enter
wait_for a "Token alertmanager (ingest), shown once" >/dev/null; r1=$?
keys a x
wait_sql "$DB" "SELECT count(*) FROM api_token WHERE name = 'alertmanager' AND revoked_at IS NULL" "1"; r2=$?
keys a :; literal a "tokens"; keys a Enter
wait_for a "3 tokens:" "alertmanager ingest (revoked 20" "alertmanager ingest (never used)" >/dev/null; r3=$?
tap $((r1 + r2 + r3)) "a revoked name is used again; :tokens lists both (revoked with its time)"

keys a :; literal a "q!"; keys a Enter
wait_for a "RESOPS-EXIT=0" >/dev/null || true
