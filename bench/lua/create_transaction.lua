-- POST /api/v1/transactions/: expenses on the household's accounts (BENCH_ACCOUNTS,
-- comma-separated ids) in expense categories (BENCH_CATEGORIES), dated in the
-- current month (BENCH_MONTH = "YYYY-MM"), marked with reference_number
-- "bench-load" so the runner can remove them afterwards.
package.path = "bench/lua/?.lua;" .. package.path
local common = require("common")

common.auth_headers()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local accounts = common.split(os.getenv("BENCH_ACCOUNTS"))
local categories = common.split(os.getenv("BENCH_CATEGORIES"))
local month = os.getenv("BENCH_MONTH") or "2026-01"
local counter = 0

setup = function(thread)
  thread:set("seed", math.random(1, 1000000))
end

init = function(args)
  math.randomseed((seed or 1) + os.time())
end

request = function()
  counter = counter + 1
  local body = string.format(
    '{"account": "%s", "type": "expense", "amount": "%d.%02d", "date": "%s-%02d", '
      .. '"category": "%s", "payee": "Bench Store %d", "reference_number": "bench-load"}',
    accounts[math.random(#accounts)], math.random(1, 200), math.random(0, 99), month, math.random(1, 28),
    categories[math.random(#categories)], counter % 50
  )
  return wrk.format(nil, nil, nil, body)
end

done = function(summary, latency, requests)
  common.report(summary, latency)
end
