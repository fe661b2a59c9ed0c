-- wrk script for scripts/bench/receiver-vs-nginx.sh: one small JSON postback
-- per request, and a machine-readable summary line at the end.
wrk.method = "POST"
wrk.path = "/postback?p1=v1&p2=v2"
wrk.body = '{"event":"install","user_id":12345,"revenue":1.25,"tags":["a","b"]}'
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "BENCH requests=%d seconds=%.3f rps=%.1f p50_us=%d p99_us=%d " ..
    "connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(99),
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
end
