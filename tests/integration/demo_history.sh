#!/usr/bin/env bash
# N6: the demo services carry days of history (downtimes two days ago,
# metrics), so they must have existed before it: a demo service accepts a
# downtime logged for earlier today (before the fix it was "created" at
# seed time and the API answered "cannot be before the service existed").
. "$(dirname "$0")/tap.sh"

DB=$TMP/demo.db
TOKEN=$("$RESOPS_BIN" seed --demo --db "$DB" 2>/dev/null | tail -1)
ok_if "the demo seed prints a token" test -n "$TOKEN"
ok_if "N6: every demo service was created before its oldest downtime" \
    test "$(sqlite3 "$DB" "SELECT count(*) FROM service s WHERE s.created_at >
            (SELECT ifnull(min(d.start_time), s.created_at) FROM downtime d WHERE d.service_id = s.id)")" = 0
ok_if "N6: demo services are created well before the seed (30+ days)" \
    test "$(sqlite3 "$DB" "SELECT count(*) FROM service WHERE created_at > datetime('now', '-30 days')")" = 0

"$RESOPS_BIN" --headless --db "$DB" --listen 127.0.0.1:0 2>"$TMP/e.log" &
E=$!
TAP_PIDS+=("$E")
wait_for 20 grep -q "api: listening" "$TMP/e.log"
PORT=$(sed -n 's|.*api: listening on http://[^:]*:\([0-9]*\).*|\1|p' "$TMP/e.log" | head -1)
START=$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%S)
END=$(date -u -d '-1 hours' +%Y-%m-%dT%H:%M:%S)
ANSWER=$(curl -s -o "$TMP/body" -w '%{http_code}' -X POST \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"start_time\":\"$START\",\"end_time\":\"$END\",\"reason\":\"earlier today\"}" \
    "http://127.0.0.1:${PORT:-9}/api/services/2/downtime")
echo "# POST /api/services/2/downtime: $ANSWER $(cat "$TMP/body" 2>/dev/null)"
ok_if "N6: POST /api/services/2/downtime for earlier today is accepted" \
    test "$ANSWER" = 200 -o "$ANSWER" = 201
ok_if "N6: the downtime is stored" \
    test "$(sqlite3 "$DB" "SELECT count(*) FROM downtime WHERE service_id = 2 AND reason = 'earlier today'")" = 1

kill -TERM "$E"
wait "$E"
ok_if "the engine exits 0" test $? -eq 0
tap_done
