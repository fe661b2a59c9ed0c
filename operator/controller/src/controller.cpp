#include "p2l/controller/controller.hpp"

#include "p2l/controller/json_log.hpp"
#include "p2l/stop_sleep.hpp"

namespace p2l::controller {

Controller::Controller(WorkQueue& queue, Reconciler& reconciler, const Caches& caches,
                       ControllerMetrics& metrics, ControllerOptions options,
                       spdlog::logger& logger)
    : queue_(queue),
      reconciler_(reconciler),
      caches_(caches),
      metrics_(metrics),
      options_(std::move(options)),
      logger_(logger) {}

Controller::~Controller() {
  stop();
}

void Controller::start() {
  const std::scoped_lock lock(mutex_);
  if (started_) return;
  started_ = true;
  // Whatever was enqueued before the caches were complete is enqueued again now.
  for (const std::string& key : caches_.post2log_keys())
    queue_.add(key);
  for (int i = 0; i < options_.concurrency; ++i)
    workers_.emplace_back([this] { work(); });
  resync_thread_ = std::jthread([this](std::stop_token stop) { resync(stop); });
  log_json(logger_, spdlog::level::info, "workers started",
           {{"concurrency", options_.concurrency},
            {"resyncPeriodSeconds", options_.resync_period.count()}});
}

void Controller::stop() {
  const std::scoped_lock lock(mutex_);
  queue_.shut_down();
  if (resync_thread_.joinable()) {
    resync_thread_.request_stop();
    resync_thread_.join();
  }
  for (auto& worker : workers_)
    worker.join();
  workers_.clear();
}

void Controller::work() {
  while (auto key = queue_.get()) {
    const auto started = std::chrono::steady_clock::now();
    ReconcileOutcome outcome;
    try {
      outcome = reconciler_.reconcile(*key);
    } catch (const std::exception& error) {
      outcome = {.result = ReconcileResult::error, .error = error.what()};
    }
    // As controller-runtime's reconcileHandler: an error retries with the key's backoff,
    // anything else resets it and waits for the next change.
    if (outcome.result == ReconcileResult::error) {
      queue_.add_rate_limited(*key);
    } else {
      queue_.forget(*key);
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    metrics_.record_reconcile(outcome.result, took);
    nlohmann::json fields{
        {"key", *key}, {"result", to_string(outcome.result)}, {"seconds", took.count()}};
    if (outcome.result == ReconcileResult::error) {
      fields["error"] = outcome.error;
      fields["retries"] = queue_.failures(*key);
    }
    log_json(logger_,
             outcome.result == ReconcileResult::error ? spdlog::level::warn : spdlog::level::debug,
             "reconciled", fields);
    queue_.done(*key);
  }
}

void Controller::resync(std::stop_token stop) {
  while (sleep_unless_stopped(stop, options_.resync_period)) {
    const std::vector<std::string> keys = caches_.post2log_keys();
    for (const std::string& key : keys)
      queue_.add(key);
    log_json(logger_, spdlog::level::debug, "resync", {{"post2logs", keys.size()}});
  }
}

}  // namespace p2l::controller
