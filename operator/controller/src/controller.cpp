#include "p2l/controller/controller.hpp"

#include "p2l/json_log.hpp"
#include "p2l/stop_sleep.hpp"

namespace p2l::controller {

bool process_next_key(WorkQueue& queue, const ReconcileFunction& reconcile,
                      ControllerMetrics& metrics, spdlog::logger& logger) {
  const std::optional<std::string> key = queue.get();
  if (!key) return false;
  const auto started = std::chrono::steady_clock::now();
  ReconcileOutcome outcome;
  try {
    outcome = reconcile(*key);
  } catch (const std::exception& error) {
    outcome = {.result = ReconcileResult::error, .error = error.what()};
  }
  apply_queue_decision(queue, *key, decide_queue_step(outcome));
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  metrics.record_reconcile(outcome.result, took);
  nlohmann::json fields{
      {"key", *key}, {"result", to_string(outcome.result)}, {"seconds", took.count()}};
  if (outcome.result == ReconcileResult::error) {
    fields["error"] = outcome.error;
    fields["retries"] = queue.failures(*key);
  }
  if (outcome.requeue_after) {
    fields["requeueAfterSeconds"] = std::chrono::duration<double>(*outcome.requeue_after).count();
  }
  log_json(logger,
           outcome.result == ReconcileResult::error ? spdlog::level::warn : spdlog::level::debug,
           "reconciled", fields);
  queue.done(*key);
  return true;
}

Controller::Controller(WorkQueue& queue, ReconcileFunction reconcile, const Caches& caches,
                       ControllerMetrics& metrics, ControllerOptions options,
                       spdlog::logger& logger)
    : queue_(queue),
      reconcile_(std::move(reconcile)),
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
  while (process_next_key(queue_, reconcile_, metrics_, logger_)) {
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
