#pragma once

#include <chrono>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "p2l/controller/caches.hpp"
#include "p2l/controller/metrics.hpp"
#include "p2l/controller/reconciler.hpp"
#include "p2l/controller/work_queue.hpp"
#include "p2l/kube/client.hpp"

namespace p2l::controller {

struct ControllerOptions {
  int concurrency = 2;
  std::chrono::seconds resync_period{600};
};

// The worker threads that take keys from the queue and reconcile them, and the periodic
// resync that enqueues every Post2Log. The reconciler reports every outcome in the status;
// the workers only map it to the queue: a failed reconcile is retried with the key's backoff.
class Controller {
 public:
  Controller(WorkQueue& queue, Reconciler& reconciler, const Caches& caches,
             ControllerMetrics& metrics, ControllerOptions options, spdlog::logger& logger);
  ~Controller();  // stop()
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  void start();
  // Lets the reconciles in flight finish, then joins every thread. Keys still queued are
  // dropped: the next start (another process) lists everything again.
  void stop();

 private:
  void work();
  void resync(std::stop_token stop);

  WorkQueue& queue_;
  Reconciler& reconciler_;
  const Caches& caches_;
  ControllerMetrics& metrics_;
  ControllerOptions options_;
  spdlog::logger& logger_;

  std::mutex mutex_;  // guards starting and stopping
  bool started_ = false;
  std::vector<std::jthread> workers_;
  std::jthread resync_thread_;
};

}  // namespace p2l::controller
