#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace p2l {

// A counter with one writer (its worker) and any number of readers (the
// /metrics page). A relaxed load+store avoids a locked instruction per update.
class Counter {
 public:
  void add(std::uint64_t amount = 1) noexcept {
    value_.store(value_.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// Request latency, from a request's header having been read to its response
// handed to the kernel; Prometheus histogram buckets in seconds.
class LatencyHistogram {
 public:
  static constexpr std::array<double, 12> kBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                     0.01,   0.025,   0.05,   0.1,   0.5,    1.0};
  void observe(std::chrono::nanoseconds elapsed) noexcept;

  std::array<Counter, kBounds.size()> buckets;  // non-cumulative here
  Counter count;
  Counter sum_nanoseconds;
};

// HTTP statuses the receiver sends, each with its own counter.
// The trailing 0 counts any other status.
inline constexpr std::array<int, 10> kCountedStatuses = {200, 400, 404, 405, 413,
                                                         415, 431, 500, 503, 0};

struct WorkerMetrics {
  std::array<Counter, kCountedStatuses.size()> responses;  // by kCountedStatuses index
  Counter records_written;
  Counter bytes_written;
  Counter rotations;
  Counter write_errors;
  // Unshipped record files deleted because the log volume ran low on space.
  Counter dropped_unshipped_bytes;
  Counter dropped_unshipped_lines;
  LatencyHistogram latency;
  // Set while this worker's last write failed; read by /readyz.
  std::atomic<bool> write_failing{false};

  void count_response(int status) noexcept;
};

// Prometheus text exposition (version 0.0.4) summed over all workers, with the shipper's
// backlog when one is tracked.
std::string render_prometheus(std::span<const WorkerMetrics* const> workers,
                              std::optional<std::uint64_t> unshipped_bytes = std::nullopt);

}  // namespace p2l
