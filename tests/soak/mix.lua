-- The soak's read/write mix (issue 13 item 4), per request:
--   24 % GET /api/services           18 % GET /api/alerts
--   10 % GET /api/v1/incidents        8 % GET /metrics (seed 004)
--    5 % GET /api/admin/metrics       5 % GET /api/security/alerts
--    3 % GET /api/audit              15 % POST /api/services/{hb}/status
--    8 % PUT /api/alerts (ack)        4 % POST /api/ingestion/raw
-- Heartbeats go to the services named by $HB_IDS (comma-separated, the
-- ones without a probe): mostly "Up", one in ten "Degraded", so a few
-- change status (alerts, downtimes) and most only refresh the heartbeat.
-- Acks name an alert id in 1..$ACK_MAX (ids that do not exist answer 404).
-- Ingestion is capped at $INGEST_PER_S alerts a second over all threads
-- (unique ids "soak-<run>-<thread>-<n>"): every stored alert keeps its
-- embedding in memory, so an uncapped rate would grow the process by
-- design and hide a leak; over the cap the request is a GET
-- /api/security/alerts instead. Bearer token from $TOKEN.
-- response() counts answers by class (2xx, 4xx, 5xx, other) and keeps the
-- first 5xx bodies; done() prints one SOAK line.
local token = os.getenv("TOKEN") or ""
local hb = {}
for id in string.gmatch(os.getenv("HB_IDS") or "1", "%d+") do table.insert(hb, tonumber(id)) end
local ack_max = tonumber(os.getenv("ACK_MAX") or "200")
local ingest_per_s = tonumber(os.getenv("INGEST_PER_S") or "10")
local threads = {}

-- globals, not locals: setup() writes them into each thread's own script
tid = 0
nthreads = 1
run = 0
c2xx, c4xx, c5xx, cother, ingest_sent = 0, 0, 0, 0, 0
local counter, sec, in_sec = 0, 0, 0

function setup(thread)
    table.insert(threads, thread)
    thread:set("tid", #threads)
    thread:set("run", os.time())
end

function init(args)
    math.randomseed(os.time() + tid * 7919)
    nthreads = #threads > 0 and #threads or 2
end

local function hdrs(body)
    local h = {["Authorization"] = "Bearer " .. token}
    if body then h["Content-Type"] = "application/json" end
    return h
end

-- this thread's share of the ingestion cap, counted per wall-clock second
local function may_ingest()
    local now = os.time()
    if now ~= sec then sec, in_sec = now, 0 end
    if in_sec * 2 >= ingest_per_s then return false end   -- wrk -t2: half each
    in_sec = in_sec + 1
    return true
end

local function ingest()
    counter = counter + 1
    ingest_sent = ingest_sent + 1
    local b = string.format('{"id":"soak-%d-%d-%d","payload":{"message":"User login failed",'
        .. '"source":"soak","timestamp":"2026-12-01T12:01:00Z","details":{"user":"u%d",'
        .. '"ip":"10.9.%d.%d","port":22}}}', run, tid, counter, counter % 50,
        counter % 200, tid)
    return wrk.format("POST", "/api/ingestion/raw", hdrs(b), b)
end

function request()
    local r = math.random(100)
    if r <= 24 then
        return wrk.format("GET", "/api/services", hdrs())
    elseif r <= 42 then
        return wrk.format("GET", "/api/alerts", hdrs())
    elseif r <= 52 then
        return wrk.format("GET", "/api/v1/incidents", hdrs())
    elseif r <= 60 then
        return wrk.format("GET", "/metrics", hdrs())
    elseif r <= 65 then
        return wrk.format("GET", "/api/admin/metrics", hdrs())
    elseif r <= 70 then
        return wrk.format("GET", "/api/security/alerts", hdrs())
    elseif r <= 73 then
        return wrk.format("GET", "/api/audit", hdrs())
    elseif r <= 88 then
        local b = math.random(10) == 1 and '{"status":"Degraded"}' or '{"status":"Up"}'
        return wrk.format("POST", string.format("/api/services/%d/status", hb[math.random(#hb)]),
                          hdrs(b), b)
    elseif r <= 96 then
        local b = string.format('{"id":%d,"acknowledged":true}', math.random(ack_max))
        return wrk.format("PUT", "/api/alerts", hdrs(b), b)
    elseif may_ingest() then
        return ingest()
    end
    return wrk.format("GET", "/api/security/alerts", hdrs())
end

function response(status, headers, body)
    if status >= 200 and status < 300 then
        c2xx = c2xx + 1
    elseif status >= 400 and status < 500 then
        c4xx = c4xx + 1
    elseif status >= 500 and status < 600 then
        c5xx = c5xx + 1
        if c5xx <= 3 then io.stderr:write(string.format("5xx %d: %s\n", status, body)) end
    else
        cother = cother + 1
    end
end

function done(summary, latency, requests)
    local s = {c2xx = 0, c4xx = 0, c5xx = 0, cother = 0, ingest_sent = 0}
    for _, t in ipairs(threads) do
        for k, _ in pairs(s) do s[k] = s[k] + (t:get(k) or 0) end
    end
    local e = summary.errors
    io.write(string.format("SOAK requests=%d seconds=%.1f rps=%.1f p50=%.2f p90=%.2f p99=%.2f "
                           .. "p999=%.2f max=%.2f connect=%d read=%d write=%d timeout=%d "
                           .. "status2xx=%d status4xx=%d status5xx=%d statusother=%d "
                           .. "ingest_sent=%d\n",
        summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(90) / 1000,
        latency:percentile(99) / 1000, latency:percentile(99.9) / 1000, latency.max / 1000,
        e.connect, e.read, e.write, e.timeout, s.c2xx, s.c4xx, s.c5xx, s.cother, s.ingest_sent))
end
