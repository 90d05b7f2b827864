-- wrk script for every load of the benchmark: the load is described by environment variables
-- (BENCH_METHOD, BENCH_BODY_BYTES, BENCH_CLOSE) and the result is printed as one JSON line,
-- with exact counts and latency percentiles in microseconds.
local method = os.getenv("BENCH_METHOD")
if method and method ~= "" then
  wrk.method = method
end

local bytes = tonumber(os.getenv("BENCH_BODY_BYTES") or "0") or 0
if bytes > 0 then
  wrk.body = string.rep("x", bytes)
  wrk.headers["Content-Type"] = "application/octet-stream"
end

if os.getenv("BENCH_CLOSE") == "1" then
  wrk.headers["Connection"] = "close"
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"durationUs":%d,"bytes":%d,"connect":%d,"read":%d,'
      .. '"write":%d,"status":%d,"timeout":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(99), latency.max))
end
