#include "readiness.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <utility>

namespace p2l {

Readiness::Readiness(std::string log_dir, std::span<const WorkerMetrics* const> workers)
    : log_dir_(std::move(log_dir)), workers_(workers) {}

std::string Readiness::problem() const {
  bool failing = false;
  for (const WorkerMetrics* worker : workers_) {
    failing = failing || worker->write_failing.load(std::memory_order_relaxed);
  }
  if (!failing) return {};
  if (::access(log_dir_.c_str(), W_OK) != 0) return "log directory is not writable";
  struct statvfs stats {};
  if (::statvfs(log_dir_.c_str(), &stats) != 0) return "log directory is not accessible";
  const std::uint64_t free_bytes =
      static_cast<std::uint64_t>(stats.f_bavail) * static_cast<std::uint64_t>(stats.f_frsize);
  if (free_bytes < kMinFreeBytes) return "log volume is full";
  return {};
}

}  // namespace p2l
