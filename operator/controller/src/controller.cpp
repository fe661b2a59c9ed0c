#include "p2l/controller/controller.hpp"

#include <condition_variable>

#include "p2l/controller/json_log.hpp"
#include "p2l/controller/status.hpp"
#include "p2l/kube/events.hpp"
#include "p2l/kube/store.hpp"

namespace p2l::controller {

Controller::Controller(WorkQueue& queue, Reconciler& reconciler, const Caches& caches,
                       kube::Client& client, ControllerMetrics& metrics, ControllerOptions options,
                       spdlog::logger& logger)
    : queue_(queue),
      reconciler_(reconciler),
      caches_(caches),
      client_(client),
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
  for (const auto& object : caches_.post2logs())
    queue_.add(kube::object_key(object));
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
    ReconcileResult result = ReconcileResult::error;
    try {
      result = reconciler_.reconcile(*key);
      queue_.forget(*key);
      // This reconcile may have read the Post2Log from before its failure was written to the
      // status, and then found nothing to change: look once more so Degraded=True goes.
      if (forget_failure(*key)) queue_.add_after(*key, std::chrono::seconds(2));
    } catch (const std::exception& error) {
      report_failure(*key, error);
      queue_.add_rate_limited(*key);
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    metrics_.record_reconcile(result, took);
    log_json(logger_, result == ReconcileResult::error ? spdlog::level::warn : spdlog::level::debug,
             "reconciled",
             {{"key", *key}, {"result", to_string(result)}, {"seconds", took.count()}});
    queue_.done(*key);
  }
}

void Controller::resync(std::stop_token stop) {
  std::mutex mutex;
  std::condition_variable_any wake;
  std::unique_lock lock(mutex);
  while (!wake.wait_for(lock, stop, options_.resync_period, [] { return false; })) {
    if (stop.stop_requested()) return;
    const auto objects = caches_.post2logs();
    for (const auto& object : objects)
      queue_.add(kube::object_key(object));
    log_json(logger_, spdlog::level::debug, "resync", {{"post2logs", objects.size()}});
  }
}

void Controller::report_failure(const std::string& key, const std::exception& error) {
  log_json(logger_, spdlog::level::err, "reconcile failed",
           {{"key", key}, {"error", error.what()}, {"retries", queue_.failures(key)}});
  const auto object = caches_.post2log(key);
  const std::string note = std::string(error.what()).substr(0, 1000);
  // A failure that repeats on every retry (a quota, a webhook) is reported once, not per retry.
  if (!object || already_reported(key, note)) return;
  // The status first: it is what stays. The patch names the cached resourceVersion, so a stale
  // copy of the other conditions cannot overwrite newer ones; on a conflict the next retry
  // reports again from a fresher copy.
  const nlohmann::json& metadata = object->at("metadata");
  try {
    client_.merge_patch(
        kube::object_path(kube::resources::post2logs(), metadata.value("namespace", ""),
                          metadata.value("name", "")) +
            "/status",
        {{"metadata", {{"resourceVersion", metadata.value("resourceVersion", "")}}},
         {"status",
          failed_reconcile_status(object->value("status", nlohmann::json(nullptr)), note,
                                  metadata.value("generation", std::int64_t{0}), rfc3339_now())}});
  } catch (const std::exception& status_error) {
    log_json(logger_, spdlog::level::warn, "could not write the failure to the status",
             {{"key", key}, {"error", status_error.what()}});
    return;
  }
  remember_report(key, note);
  try {
    kube::create_event(client_, {.regarding = object_reference(*object),
                                 .type = "Warning",
                                 .reason = "ReconcileFailed",
                                 .note = note,
                                 .action = "Reconcile",
                                 .reporting_instance = options_.reporting_instance});
  } catch (const std::exception& event_error) {
    log_json(logger_, spdlog::level::warn, "could not record an Event",
             {{"key", key}, {"error", event_error.what()}});
  }
}

bool Controller::already_reported(const std::string& key, const std::string& message) {
  const std::scoped_lock lock(failures_mutex_);
  const auto found = reported_failures_.find(key);
  return found != reported_failures_.end() && found->second == message;
}

void Controller::remember_report(const std::string& key, const std::string& message) {
  const std::scoped_lock lock(failures_mutex_);
  reported_failures_.insert_or_assign(key, message);
}

bool Controller::forget_failure(const std::string& key) {
  const std::scoped_lock lock(failures_mutex_);
  return reported_failures_.erase(key) > 0;
}

}  // namespace p2l::controller
