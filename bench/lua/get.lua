-- GET the URL given to wrk with the bearer token from BENCH_TOKEN.
package.path = "bench/lua/?.lua;" .. package.path
local common = require("common")

common.auth_headers()

done = function(summary, latency, requests)
  common.report(summary, latency)
end
