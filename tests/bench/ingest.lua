-- POST /api/ingestion/raw (seed 003) with unique ids: "<run>-<thread>-<n>",
-- the seed's request example as the payload. Bearer token from $TOKEN.
-- Every 2xx answer's id is appended to $IDS_DIR/ids-<thread>.txt, so
-- ingest_bench.sh can check that each one is in the database; the other
-- statuses are counted. Used by tests/bench/ingest_bench.sh.
local token = os.getenv("TOKEN") or ""
local ids_dir = os.getenv("IDS_DIR") or "/tmp"
local path = os.getenv("INGEST_PATH") or "/api/ingestion/raw"
local counter = 0
local threads = {}
-- globals, not locals: setup() writes them into each thread's own script
tid = 0
run = 0
ok = 0
other = 0
local out = nil

function setup(thread)
    table.insert(threads, thread)
    thread:set("tid", #threads)
    thread:set("run", os.time())
end

function init(args)
    out = io.open(string.format("%s/ids-%d.txt", ids_dir, tid), "w")
    out:setvbuf("line")        -- wrk never closes it: no id may stay in a buffer
end

local headers = {["Authorization"] = "Bearer " .. token,
                 ["Content-Type"] = "application/json"}

function request()
    counter = counter + 1
    local id = string.format("bench-%d-%d-%d", run, tid, counter)
    local b = '{"id":"' .. id .. '","payload":{"message":"User login failed",'
        .. '"source":"syslog","timestamp":"2025-08-17T12:01:00Z",'
        .. '"details":{"user":"alice","ip":"10.0.0.1","port":22}}}'
    return wrk.format("POST", path, headers, b)
end

function response(status, hdrs, body)
    if status >= 200 and status < 300 then
        ok = ok + 1
        local id = string.match(body, '"id"%s*:%s*"([^"]+)"')
        out:write((id or "?") .. "\n")
    else
        other = other + 1
        if other <= 3 then io.stderr:write(string.format("status %d: %s\n", status, body)) end
    end
end

function done(summary, latency, requests)
    local n2xx, nother = 0, 0
    for _, t in ipairs(threads) do
        n2xx = n2xx + (t:get("ok") or 0)
        nother = nother + (t:get("other") or 0)
    end
    io.write(string.format("INGEST rps=%.1f p50=%.2f p99=%.2f max=%.2f requests=%d "
                           .. "ok2xx=%d non2xx=%d sockerr=%d\n",
        summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000, summary.requests, n2xx, nother,
        summary.errors.connect + summary.errors.read + summary.errors.write
        + summary.errors.timeout))
end
