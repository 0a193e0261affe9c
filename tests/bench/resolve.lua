-- POST /api/v1/incidents/{id}/auto-resolve for decisions that run no step:
-- each request a new incident id, confidence 0.5 (under the default 0.90
-- threshold), so the answer is a recorded skip with its audit row. Bearer
-- token from $TOKEN. Used by api_bench.sh --resolve.
local token = os.getenv("TOKEN") or ""
local counter = 0
-- a global, not a local: setup() runs in the main script and thread:set()
-- writes this global of each thread's own script; a local here would be
-- the upvalue request() reads, 0 in every thread (the ids would repeat)
tid = 0
local started = 0

function setup(thread)
    started = started + 1
    thread:set("tid", started)
    thread:set("run", os.time())
end

function request()
    counter = counter + 1
    local id = string.format("BENCH-%d-%d-%d", run or 0, tid or 0, counter)
    local b = string.format('{"incident_id":"%s","title":"bench","description":"no step",'
        .. '"category":"network","priority":"low","confidence_score":0.5,"created_by":"bench"}', id)
    return wrk.format("POST", "/api/v1/incidents/" .. id .. "/auto-resolve",
                      {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, b)
end

function done(summary, latency, requests)
    io.write(string.format("RESOLVE rps=%.1f mean=%.2f p50=%.2f p99=%.2f requests=%d errors=%d "
                           .. "non2xx=%d\n", summary.requests / (summary.duration / 1e6),
        latency.mean / 1000, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write
        + summary.errors.timeout, summary.errors.status))
end
