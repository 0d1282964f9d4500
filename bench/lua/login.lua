-- POST /api/v1/auth/login/ with BENCH_USERNAME / BENCH_PASSWORD (Argon2 verify per request).
package.path = "bench/lua/?.lua;" .. package.path
local common = require("common")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.body = string.format('{"username": "%s", "password": "%s"}', os.getenv("BENCH_USERNAME"), os.getenv("BENCH_PASSWORD"))

done = function(summary, latency, requests)
  common.report(summary, latency)
end
