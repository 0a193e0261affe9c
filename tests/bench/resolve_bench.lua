-- wrk script for tests/bench/resolve_bench.sh: POST
-- /api/v1/incidents/{id}/auto-resolve with a new incident id on every
-- request. args: token, confidence, id prefix.
local threads = {}

function setup(thread)
    thread:set("tid", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    token, confidence, prefix = args[1], args[2], args[3]
    counter, non200 = 0, 0
end

function request()
    counter = counter + 1
    local id = prefix .. "-" .. tid .. "-" .. counter
    local body = '{"incident_id":"' .. id .. '","title":"bench","description":"d",' ..
        '"category":"network","priority":"low","confidence_score":' .. confidence ..
        ',"created_by":"bench"}'
    return wrk.format("POST", "/api/v1/incidents/" .. id .. "/auto-resolve",
        {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

function response(status, headers, body)
    if status ~= 200 then non200 = non200 + 1 end
end

function done(summary, latency, requests)
    local bad = 0
    for _, t in ipairs(threads) do bad = bad + t:get("non200") end
    io.write(string.format("RESULT requests=%d non200=%d rps=%.0f mean_ms=%.2f p99_ms=%.2f\n",
        summary.requests, bad, summary.requests / (summary.duration / 1e6),
        latency.mean / 1000, latency:percentile(99) / 1000))
end
