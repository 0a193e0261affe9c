#!/usr/bin/env bash
# Nothing is lost (design rule 5) with the real binary: resops raises the
# demo alerts while the webhook receiver is down, retries, is stopped;
# the receiver comes up, resops starts again and delivers every
# notification exactly once, signed, with its idempotency key.
. "$(dirname "$0")/tap.sh"

PY=/usr/bin/python3
RECEIVER="$(dirname "$0")/notify_receiver.py"
DB=$TMP/n.db
PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export ALERT_WEBHOOK_URL="http://127.0.0.1:$PORT/ok"
export ALERT_WEBHOOK_SECRET="restart-secret"
export ALERT_WEBHOOK_BACKOFF=0.1
export ALERT_WEBHOOK_RETRIES=3
# delivery across a restart, not root-cause grouping: no group_wait (issue 11)
export RESOPS_NOTIFY_GROUP_WAIT_S=0

q() { sqlite3 "$DB" "$1"; }
run_resops() {
    "$RESOPS_BIN" --headless --db "$DB" --check-interval 3600 --listen 127.0.0.1:0 \
        --log-level debug 2>"$1" &
    RESOPS_PID=$!
    TAP_PIDS+=("$RESOPS_PID")
}

"$RESOPS_BIN" seed --demo --db "$DB" >/dev/null 2>&1
run_resops "$TMP/a.log"
ok_if "the first run ticks" wait_for 20 grep -q "engine: tick:" "$TMP/a.log"
ok_if "webhook rows are queued and retried while the receiver is down" wait_for 20 \
    bash -c "[ \"\$(sqlite3 '$DB' \"SELECT count(*) FROM outbox WHERE channel = 'webhook' AND attempts >= 2\")\" -gt 0 ]"
kill -TERM "$RESOPS_PID"
wait "$RESOPS_PID"
ok_if "resops stops cleanly with notifications pending" test $? -eq 0
QUEUED=$(q "SELECT count(*) FROM outbox WHERE channel = 'webhook'")
ok_if "nothing was delivered, nothing died" \
    test "$(q "SELECT count(*) FROM outbox WHERE channel = 'webhook' AND delivered_at IS NULL AND dead_at IS NULL")" = "$QUEUED"
ok_if "the failures are recorded" \
    test "$(q "SELECT count(*) FROM outbox WHERE channel = 'webhook' AND last_error LIKE '%connect%'")" = "$QUEUED"

# The receiver comes up on that port; resops starts again.
$PY "$RECEIVER" "$TMP/hooks.log" --port "$PORT" --secret "$ALERT_WEBHOOK_SECRET" >"$TMP/recv.out" &
TAP_PIDS+=("$!")
ok_if "the receiver listens" wait_for 10 grep -q PORT "$TMP/recv.out"
run_resops "$TMP/b.log"
ok_if "the second run ticks" wait_for 20 grep -q "engine: tick:" "$TMP/b.log"
ok_if "every queued notification is delivered" wait_for 20 \
    bash -c "[ \"\$(sqlite3 '$DB' \"SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND dead_at IS NULL\")\" = 0 ]"
kill -TERM "$RESOPS_PID"
wait "$RESOPS_PID"
ok_if "resops stops cleanly" test $? -eq 0

ROWS=$(q "SELECT count(*) FROM outbox WHERE channel = 'webhook'")
ok_if "at least the queued ones were sent" test "$ROWS" -ge "$QUEUED"
ok_if "the receiver got one request per notification" test "$(wc -l <"$TMP/hooks.log")" = "$ROWS"
check_log() {
    $PY - "$TMP/hooks.log" "$DB" <<'PY'
import json, sqlite3, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
keys = [r['headers'].get('idempotency-key') for r in recs]
db = sqlite3.connect(sys.argv[2])
want = {k for (k,) in db.execute("SELECT idempotency_key FROM outbox WHERE channel = 'webhook'")}
assert len(keys) == len(set(keys)), 'an idempotency key arrived twice'
assert set(keys) == want, 'received keys differ from the outbox'
assert all(r['sig_ok'] for r in recs), 'a signature did not verify'
assert all(json.loads(r['body']).keys() >= {'type', 'value', 'ts', 'generated_at'} for r in recs)
PY
}
ok_if "no key twice, every key of the outbox, every signature valid" check_log
tap_done
