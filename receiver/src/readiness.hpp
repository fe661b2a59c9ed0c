#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "metrics.hpp"

namespace p2l {

// Whether the receiver can take traffic: not while the last write of some
// worker failed and the log directory still looks unwritable or full. Once
// there is room again it reports ready, so traffic returns and the next write
// clears the worker's failure flag.
class Readiness {
 public:
  Readiness(std::string log_dir, std::span<const WorkerMetrics* const> workers);

  // Empty when ready, else why not.
  [[nodiscard]] std::string problem() const;

 private:
  static constexpr std::uint64_t kMinFreeBytes = 64 * 1024;

  std::string log_dir_;
  std::span<const WorkerMetrics* const> workers_;
};

}  // namespace p2l
