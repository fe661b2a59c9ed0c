#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace p2l::controller {

enum class ReconcileResult { success, error, invalid };

// The controller's counters, rendered in the Prometheus text format. Thread-safe.
class ControllerMetrics {
 public:
  void record_reconcile(ReconcileResult result, std::chrono::duration<double> duration);
  void record_api_request(std::string_view verb, int status);

  // Requests that change something (POST, PUT, PATCH, DELETE), whatever their answer.
  [[nodiscard]] std::uint64_t write_requests() const;

  [[nodiscard]] std::string render(std::size_t queue_depth) const;

  // Upper bounds of the reconcile-duration histogram, in seconds.
  static constexpr std::array<double, 11> kDurationBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                           0.5,   1,    2.5,   5,    10};

 private:
  mutable std::mutex mutex_;
  std::array<std::uint64_t, 3> reconciles_{};
  std::array<std::uint64_t, kDurationBuckets.size()> duration_buckets_{};  // not cumulative
  std::uint64_t duration_count_ = 0;
  double duration_sum_ = 0;
  std::map<std::pair<std::string, int>, std::uint64_t> api_requests_;
};

[[nodiscard]] std::string_view to_string(ReconcileResult result);

}  // namespace p2l::controller
