#include "p2l/controller/status_writer.hpp"

#include "p2l/controller/subset.hpp"
#include "p2l/json_log.hpp"
#include "p2l/kube/errors.hpp"
#include "p2l/kube/events.hpp"
#include "p2l/kube/store.hpp"
#include "p2l/post2log.hpp"

namespace p2l::controller {
namespace {

using nlohmann::json;

// The status already carries this problem in one of its conditions (written before a restart).
bool status_carries(const json& status, const Problem& problem) {
  if (!status.is_object() || !status.contains("conditions")) return false;
  for (const json& condition : status["conditions"]) {
    if (condition.value("reason", "") == problem.reason &&
        condition.value("message", "") == problem.message) {
      return true;
    }
  }
  return false;
}

}  // namespace

json object_reference(const json& object) {
  const json metadata = object.value("metadata", json::object());
  return json{{"apiVersion", object.value("apiVersion", std::string{kApiVersion})},
              {"kind", object.value("kind", std::string{kKind})},
              {"namespace", metadata.value("namespace", "")},
              {"name", metadata.value("name", "")},
              {"uid", metadata.value("uid", "")}};
}

StatusWriter::StatusWriter(kube::Client& client, std::string reporting_instance,
                           spdlog::logger& logger)
    : client_(client), reporting_instance_(std::move(reporting_instance)), logger_(logger) {}

void StatusWriter::write(const json& object, const json& status,
                         const std::optional<Problem>& problem) {
  const std::string key = kube::object_key(object);
  const json previous = object.value("status", json(nullptr));
  const std::string signature =
      problem ? std::string{problem->reason} + ": " + problem->message : std::string{};

  bool problem_cleared = false;
  bool new_problem = false;
  {
    const std::scoped_lock lock(mutex_);
    const auto found = reported_.find(key);
    problem_cleared = !problem && found != reported_.end();
    new_problem = problem && (found == reported_.end() || found->second != signature);
  }

  if (problem_cleared || !previous.is_object() || !contains_subset(previous, status)) {
    const json& metadata = object.at("metadata");
    try {
      client_.patch_status(
          kube::object_path(kube::resources::post2logs(), metadata.value("namespace", ""),
                            metadata.value("name", "")),
          status);
    } catch (const kube::ApiError& error) {
      // Deleted since the cache saw it: there is no status left to write.
      if (!error.not_found()) throw;
    }
  }

  // Remembered only once the status is written: a failed write reports again on the retry.
  {
    const std::scoped_lock lock(mutex_);
    if (problem) {
      reported_.insert_or_assign(key, signature);
    } else {
      reported_.erase(key);
    }
  }
  if (new_problem && !status_carries(previous, *problem)) record_event(object, *problem);
}

void StatusWriter::record_event(const json& object, const Problem& problem) {
  try {
    kube::create_event(client_, {.regarding = object_reference(object),
                                 .type = "Warning",
                                 .reason = std::string{problem.reason},
                                 .note = problem.message.substr(0, 1000),
                                 .action = std::string{problem.action},
                                 .reporting_instance = reporting_instance_});
  } catch (const std::exception& error) {
    log_json(logger_, spdlog::level::warn, "could not record an Event",
             {{"key", kube::object_key(object)}, {"error", error.what()}});
  }
}

}  // namespace p2l::controller
