#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "p2l/controller/caches.hpp"
#include "p2l/controller/metrics.hpp"
#include "p2l/controller/reconcile_outcome.hpp"
#include "p2l/controller/work_queue.hpp"
#include "p2l/kube/client.hpp"

namespace p2l::controller {

struct ControllerOptions {
  int concurrency = 2;
  std::chrono::seconds resync_period{600};
};

// What the workers run for a key: Reconciler::reconcile, or a stand-in in tests.
using ReconcileFunction = std::function<ReconcileOutcome(const std::string& key)>;

// One worker's step: takes the next key (blocking), reconciles it (an exception counts as a
// failure), maps the outcome to the queue (decide_queue_step), records the metrics and logs.
// False once the queue is shut down.
bool process_next_key(WorkQueue& queue, const ReconcileFunction& reconcile,
                      ControllerMetrics& metrics, spdlog::logger& logger);

// The worker threads that take keys from the queue and reconcile them, and the periodic
// resync that enqueues every Post2Log. The reconciler reports every outcome in the status;
// the workers only map it to the queue: a failed reconcile is retried with the key's backoff.
class Controller {
 public:
  Controller(WorkQueue& queue, ReconcileFunction reconcile, const Caches& caches,
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
  ReconcileFunction reconcile_;
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
