#pragma once

#include <memory>
#include <vector>

#include <spdlog/logger.h>

#include "config.hpp"
#include "metrics.hpp"
#include "readiness.hpp"
#include "worker.hpp"

namespace p2l {

// The receiver process: P2L_WORKERS workers on one port, until SIGTERM or
// SIGINT; then it stops accepting, lets requests in flight finish (at most
// P2L_DRAIN_TIMEOUT) and returns.
class Server {
 public:
  Server(ReceiverConfig config, std::shared_ptr<spdlog::logger> logger);

  // Serves until a termination signal; returns the process exit code.
  int run();

 private:
  ReceiverConfig config_;
  std::shared_ptr<spdlog::logger> logger_;
  std::vector<std::unique_ptr<WorkerMetrics>> metrics_;
  std::vector<const WorkerMetrics*> metrics_view_;
  Readiness readiness_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace p2l
