-- wrk script for scripts/load-test: a mix of webhook calls with a live secret (202), management
-- reads (200) and webhook calls with a secret that was never issued (401, then 429 once the
-- address is past its failed-authentication limit). done() prints the statuses and a line
-- "unexpected statuses: none" or what was unexpected.
local hook = "/v1/hooks/" .. os.getenv("KEYLEDGER_WEBHOOK")
local live = {["Authorization"] = "Bearer " .. os.getenv("KEYLEDGER_SECRET"),
              ["Content-Type"] = "application/json"}
local stranger = {["Authorization"] = "Bearer " .. os.getenv("KEYLEDGER_STRANGER"),
                  ["Content-Type"] = "application/json"}
local admin = {["Authorization"] = "Bearer " .. os.getenv("KEYLEDGER_ADMIN")}
local read = "/v1/tokens/" .. os.getenv("KEYLEDGER_ADMIN_TOKEN")
local body = '{"event":"order.created","id":12345,"total":"19.99"}'

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

counts = {}
strangers_sent = 0
local n = 0

function request()
  n = n + 1
  if n % 20 == 0 then
    strangers_sent = strangers_sent + 1
    return wrk.format("POST", hook, stranger, body)
  elseif n % 20 == 1 then
    return wrk.format("GET", read, admin)
  end
  return wrk.format("POST", hook, live, body)
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  local strangers = 0
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("counts")) do
      total[status] = (total[status] or 0) + count
    end
    strangers = strangers + thread:get("strangers_sent")
  end
  local expected = {[200] = true, [202] = true, [401] = true, [429] = true}
  local unexpected = {}
  local statuses = {}
  for status, count in pairs(total) do
    table.insert(statuses, status .. "=" .. count)
    if not expected[status] then
      table.insert(unexpected, status .. " x" .. count)
    end
  end
  table.sort(statuses)
  local refused = (total[401] or 0) + (total[429] or 0)
  if refused > strangers then
    table.insert(unexpected, string.format(
      "%d refusals for %d calls with an unknown secret: a genuine secret was refused",
      refused, strangers))
  end
  io.write("statuses: " .. table.concat(statuses, " ") .. "\n")
  io.write(string.format("requests/s: %.0f\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
                         latency:percentile(50) / 1000, latency:percentile(90) / 1000,
                         latency:percentile(99) / 1000, latency.max / 1000))
  if #unexpected == 0 then
    io.write("unexpected statuses: none\n")
  else
    io.write("unexpected statuses: " .. table.concat(unexpected, "; ") .. "\n")
  end
end
