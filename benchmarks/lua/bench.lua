-- The one wrk script of the benchmark (wrk -s lua/bench.lua).
-- WRK_METHOD and WRK_BODY set the request: a POST scenario sends its JSON body
-- with content-type application/json. WRK_HEADERS adds headers, one
-- "Name: value" a line (empty for most scenarios, whose requests stay as they
-- were). done() prints the run's numbers as one JSON line, which the harness
-- reads instead of wrk's human-readable summary.
local method = os.getenv("WRK_METHOD")
local body = os.getenv("WRK_BODY")
local headers = os.getenv("WRK_HEADERS")
if method and method ~= "" then wrk.method = method end
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
if headers and headers ~= "" then
  for name, value in headers:gmatch("([^:\n]+):%s*([^\n]*)") do wrk.headers[name] = value end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"mean":%.2f,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
