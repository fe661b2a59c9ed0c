#pragma once

#include <chrono>
#include <map>
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
  std::string reporting_instance;
};

// The worker threads that take keys from the queue and reconcile them, and the periodic
// resync that enqueues every Post2Log. A failed reconcile is retried with the key's backoff
// and reported, once per distinct error until the key reconciles again, as Degraded=True in
// the Post2Log's status and a Warning Event.
class Controller {
 public:
  Controller(WorkQueue& queue, Reconciler& reconciler, const Caches& caches, kube::Client& client,
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
  void report_failure(const std::string& key, const std::exception& error);
  // Whether `message` is the failure last reported for `key`.
  bool already_reported(const std::string& key, const std::string& message);
  void remember_report(const std::string& key, const std::string& message);
  // Forgets the key's reported failure; true when there was one.
  bool forget_failure(const std::string& key);

  WorkQueue& queue_;
  Reconciler& reconciler_;
  const Caches& caches_;
  kube::Client& client_;
  ControllerMetrics& metrics_;
  ControllerOptions options_;
  spdlog::logger& logger_;

  std::mutex mutex_;  // guards starting and stopping
  bool started_ = false;
  std::vector<std::jthread> workers_;
  std::jthread resync_thread_;

  std::mutex failures_mutex_;  // guards reported_failures_, shared by the workers
  std::map<std::string, std::string, std::less<>> reported_failures_;  // key -> Event note
};

}  // namespace p2l::controller
