#include "p2l/controller/metrics.hpp"

#include <sstream>

namespace p2l::controller {

std::string_view to_string(ReconcileResult result) {
  switch (result) {
    case ReconcileResult::success:
      return "success";
    case ReconcileResult::error:
      return "error";
    case ReconcileResult::invalid:
      return "invalid";
  }
  return "error";
}

void ControllerMetrics::record_reconcile(ReconcileResult result,
                                         std::chrono::duration<double> duration) {
  const std::scoped_lock lock(mutex_);
  ++reconciles_[static_cast<std::size_t>(result)];
  const double seconds = duration.count();
  for (std::size_t i = 0; i < kDurationBuckets.size(); ++i) {
    if (seconds <= kDurationBuckets[i]) {
      ++duration_buckets_[i];
      break;
    }
  }
  ++duration_count_;
  duration_sum_ += seconds;
}

void ControllerMetrics::record_api_request(std::string_view verb, int status) {
  const std::scoped_lock lock(mutex_);
  ++api_requests_[{std::string{verb}, status}];
}

std::uint64_t ControllerMetrics::write_requests() const {
  const std::scoped_lock lock(mutex_);
  std::uint64_t total = 0;
  for (const auto& [labels, count] : api_requests_) {
    const std::string& verb = labels.first;
    if (verb == "POST" || verb == "PUT" || verb == "PATCH" || verb == "DELETE") total += count;
  }
  return total;
}

std::string ControllerMetrics::render(std::size_t queue_depth) const {
  const std::scoped_lock lock(mutex_);
  std::ostringstream out;
  out << "# HELP post2log_operator_reconciles_total Reconciles by result.\n"
         "# TYPE post2log_operator_reconciles_total counter\n";
  for (auto result : {ReconcileResult::success, ReconcileResult::error, ReconcileResult::invalid}) {
    out << "post2log_operator_reconciles_total{result=\"" << to_string(result) << "\"} "
        << reconciles_[static_cast<std::size_t>(result)] << '\n';
  }
  out << "# HELP post2log_operator_reconcile_duration_seconds Time one reconcile took.\n"
         "# TYPE post2log_operator_reconcile_duration_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kDurationBuckets.size(); ++i) {
    cumulative += duration_buckets_[i];
    out << "post2log_operator_reconcile_duration_seconds_bucket{le=\"" << kDurationBuckets[i]
        << "\"} " << cumulative << '\n';
  }
  out << "post2log_operator_reconcile_duration_seconds_bucket{le=\"+Inf\"} " << duration_count_
      << '\n'
      << "post2log_operator_reconcile_duration_seconds_sum " << duration_sum_ << '\n'
      << "post2log_operator_reconcile_duration_seconds_count " << duration_count_ << '\n';
  out << "# HELP post2log_operator_queue_depth Keys waiting in the work queue.\n"
         "# TYPE post2log_operator_queue_depth gauge\n"
         "post2log_operator_queue_depth "
      << queue_depth << '\n';
  out << "# HELP post2log_operator_api_requests_total Requests to the Kubernetes API by verb "
         "and HTTP status (0: no answer).\n"
         "# TYPE post2log_operator_api_requests_total counter\n";
  for (const auto& [labels, count] : api_requests_) {
    out << "post2log_operator_api_requests_total{verb=\"" << labels.first << "\",code=\""
        << labels.second << "\"} " << count << '\n';
  }
  return out.str();
}

}  // namespace p2l::controller
