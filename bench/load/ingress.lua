-- wrk script for bench/run: POST one fixed 512-byte JSON body to one webhook with a bearer secret.
-- Environment: KEYLEDGER_SECRET, KEYLEDGER_PATH (e.g. /v1/hooks/whk_...).
-- Prints one JSON line at the end: requests, non-2xx answers, socket errors, rate, p50 and p99.
local prefix = '{"event":"order.created","id":12345,"pad":"'
local suffix = '"}'
local body = prefix .. string.rep("x", 512 - #prefix - #suffix) .. suffix
assert(#body == 512)

wrk.method = "POST"
wrk.path = os.getenv("KEYLEDGER_PATH")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("KEYLEDGER_SECRET")
wrk.headers["Content-Type"] = "application/json"
wrk.body = body

done = function(summary, latency, requests)
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  local seconds = summary.duration / 1e6
  local ok = summary.requests - e.status
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"non_2xx":%d,"socket_errors":%d,"seconds":%.3f,' ..
    '"accepted_per_s":%.1f,"p50_ms":%.3f,"p99_ms":%.3f}\n',
    summary.requests, e.status, socket_errors, seconds, ok / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
