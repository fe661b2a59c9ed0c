#include "metrics.hpp"

#include <fmt/format.h>
#include <cstddef>

namespace p2l {

void LatencyHistogram::observe(std::chrono::nanoseconds elapsed) noexcept {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    if (seconds <= kBounds[i]) {
      buckets[i].add();
      break;
    }
  }
  count.add();
  sum_nanoseconds.add(static_cast<std::uint64_t>(elapsed.count()));
}

void WorkerMetrics::count_response(int status) noexcept {
  std::size_t index = kCountedStatuses.size() - 1;  // 0: "other"
  for (std::size_t i = 0; i + 1 < kCountedStatuses.size(); ++i) {
    if (kCountedStatuses[i] == status) {
      index = i;
      break;
    }
  }
  responses[index].add();
}

namespace {

template <typename Select>
std::uint64_t sum(std::span<const WorkerMetrics* const> workers, Select select) {
  std::uint64_t total = 0;
  for (const WorkerMetrics* worker : workers)
    total += select(*worker).value();
  return total;
}

void append_counter(std::string& out, const char* name, const char* help, std::uint64_t value) {
  out += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help, value);
}

}  // namespace

std::string render_prometheus(std::span<const WorkerMetrics* const> workers,
                              std::optional<std::uint64_t> unshipped_bytes) {
  std::string out;
  out.reserve(4096);

  out +=
      "# HELP post2log_http_responses_total HTTP responses sent, by status code.\n"
      "# TYPE post2log_http_responses_total counter\n";
  for (std::size_t i = 0; i < kCountedStatuses.size(); ++i) {
    const std::uint64_t value =
        sum(workers, [i](const WorkerMetrics& m) -> const Counter& { return m.responses[i]; });
    if (kCountedStatuses[i] == 0) {
      out += fmt::format("post2log_http_responses_total{{code=\"other\"}} {}\n", value);
    } else {
      out += fmt::format("post2log_http_responses_total{{code=\"{}\"}} {}\n", kCountedStatuses[i],
                         value);
    }
  }
  append_counter(
      out, "post2log_records_written_total", "Records written to the log files.",
      sum(workers, [](const WorkerMetrics& m) -> const Counter& { return m.records_written; }));
  append_counter(
      out, "post2log_record_bytes_written_total", "Bytes of records written to the log files.",
      sum(workers, [](const WorkerMetrics& m) -> const Counter& { return m.bytes_written; }));
  append_counter(
      out, "post2log_log_rotations_total", "Log file rotations.",
      sum(workers, [](const WorkerMetrics& m) -> const Counter& { return m.rotations; }));
  append_counter(
      out, "post2log_write_errors_total",
      "Records that could not be written (the request got a 503).",
      sum(workers, [](const WorkerMetrics& m) -> const Counter& { return m.write_errors; }));
  append_counter(out, "post2log_receiver_dropped_unshipped_bytes_total",
                 "Bytes of records deleted before the shipper read them, because free space on "
                 "the log volume fell below P2L_MIN_FREE_BYTES.",
                 sum(workers, [](const WorkerMetrics& m) -> const Counter& {
                   return m.dropped_unshipped_bytes;
                 }));
  append_counter(out, "post2log_receiver_dropped_unshipped_lines_total",
                 "Records deleted before the shipper read them, because free space on the log "
                 "volume fell below P2L_MIN_FREE_BYTES.",
                 sum(workers, [](const WorkerMetrics& m) -> const Counter& {
                   return m.dropped_unshipped_lines;
                 }));
  if (unshipped_bytes) {
    out += fmt::format(
        "# HELP post2log_receiver_unshipped_bytes Bytes of the record files the shipper has not "
        "read yet (from P2L_SHIPPER_POS_FILE).\n"
        "# TYPE post2log_receiver_unshipped_bytes gauge\n"
        "post2log_receiver_unshipped_bytes {}\n",
        *unshipped_bytes);
  }

  out +=
      "# HELP post2log_request_duration_seconds Time from a request's header being read "
      "to its response being sent.\n"
      "# TYPE post2log_request_duration_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < LatencyHistogram::kBounds.size(); ++i) {
    cumulative += sum(
        workers, [i](const WorkerMetrics& m) -> const Counter& { return m.latency.buckets[i]; });
    out += fmt::format("post2log_request_duration_seconds_bucket{{le=\"{}\"}} {}\n",
                       LatencyHistogram::kBounds[i], cumulative);
  }
  const std::uint64_t count =
      sum(workers, [](const WorkerMetrics& m) -> const Counter& { return m.latency.count; });
  const std::uint64_t sum_ns = sum(
      workers, [](const WorkerMetrics& m) -> const Counter& { return m.latency.sum_nanoseconds; });
  out += fmt::format("post2log_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", count);
  out += fmt::format("post2log_request_duration_seconds_sum {:.9f}\n",
                     static_cast<double>(sum_ns) / 1e9);
  out += fmt::format("post2log_request_duration_seconds_count {}\n", count);
  return out;
}

}  // namespace p2l
