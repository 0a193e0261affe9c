-- The reliability review's mixed load (2026-12, test 2): per request
--   30 % GET /api/services        30 % GET /api/alerts
--   20 % GET /api/audit           10 % POST /api/services/{1..12}/status
--    8 % PUT /api/alerts (ack)     2 % POST /api/services (unique name)
-- with the Bearer token from $TOKEN. Used by api_bench.sh --mixed.
local token = os.getenv("TOKEN") or ""
local statuses = {"Up", "Down", "Degraded"}
local counter = 0
local started = os.time()        -- names stay unique across the warm-up and measured runs
local threads = 0

-- tid is a global on purpose: thread:set() writes the thread's globals,
-- which a local of the same name would hide (then every thread is 0 and
-- both draw the same random names, so creates collide: 409)
function setup(thread)
    threads = threads + 1
    thread:set("tid", threads)
end

function init(args)
    math.randomseed(os.time() + (tid or 0) * 7919)
end

local function hdrs(body)
    local h = {["Authorization"] = "Bearer " .. token}
    if body then h["Content-Type"] = "application/json" end
    return h
end

function request()
    local r = math.random(100)
    if r <= 30 then
        return wrk.format("GET", "/api/services", hdrs())
    elseif r <= 60 then
        return wrk.format("GET", "/api/alerts", hdrs())
    elseif r <= 80 then
        return wrk.format("GET", "/api/audit", hdrs())
    elseif r <= 90 then
        local b = string.format('{"status":"%s"}', statuses[math.random(3)])
        return wrk.format("POST", string.format("/api/services/%d/status", math.random(12)), hdrs(b), b)
    elseif r <= 98 then
        local b = string.format('{"id":%d,"acknowledged":true}', math.random(40))
        return wrk.format("PUT", "/api/alerts", hdrs(b), b)
    else
        counter = counter + 1
        local b = string.format('{"name":"load-%d-%d-%d","description":"mixed load"}',
                                started, tid or 0, counter)
        return wrk.format("POST", "/api/services", hdrs(b), b)
    end
end


function done(summary, latency, requests)
    local l = latency
    io.write(string.format("MIXED rps=%.1f p50=%.2f p90=%.2f p99=%.2f p999=%.2f requests=%d "
                           .. "errors=%d non2xx=%d\n",
        summary.requests / (summary.duration / 1e6), l:percentile(50) / 1000,
        l:percentile(90) / 1000, l:percentile(99) / 1000, l:percentile(99.9) / 1000,
        summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write
        + summary.errors.timeout, summary.errors.status))
end
