-- wrk script: POST a small JSON body to one webhook with a bearer secret.
-- Set KEYLEDGER_SECRET and KEYLEDGER_WEBHOOK in the environment.
wrk.method = "POST"
wrk.path = "/v1/hooks/" .. os.getenv("KEYLEDGER_WEBHOOK")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("KEYLEDGER_SECRET")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"event":"order.created","id":12345,"total":"19.99"}'

local statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  io.write(string.format("p50 %.3f ms, p99 %.3f ms\n", latency:percentile(50) / 1000,
                         latency:percentile(99) / 1000))
end
