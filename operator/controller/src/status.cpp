#include "p2l/controller/status.hpp"

#include <chrono>
#include <ctime>
#include <string_view>

namespace p2l::controller {
namespace {

using nlohmann::json;

std::int64_t int_at(const json& object, const json::json_pointer& pointer) {
  if (!object.contains(pointer)) return 0;
  const json& value = object.at(pointer);
  return value.is_number_integer() ? value.get<std::int64_t>() : 0;
}

json make_condition(const json& previous_status, std::string_view type, bool status,
                    std::string_view reason, const std::string& message, std::int64_t generation,
                    const std::string& now) {
  const std::string status_text = status ? "True" : "False";
  std::string transition = now;
  if (previous_status.is_object() && previous_status.contains("conditions")) {
    for (const json& old : previous_status["conditions"]) {
      if (old.value("type", "") == type && old.value("status", "") == status_text) {
        transition = old.value("lastTransitionTime", now);
      }
    }
  }
  return json{{"type", type},
              {"status", status_text},
              {"reason", reason},
              {"message", message},
              {"lastTransitionTime", transition},
              {"observedGeneration", generation}};
}

}  // namespace

std::string rfc3339_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  const std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(text, length);
}

ShardState ShardState::from_deployment(const json& deployment) {
  ShardState state;
  if (!deployment.is_object()) return state;
  state.exists = true;
  state.generation = int_at(deployment, "/metadata/generation"_json_pointer);
  state.observed_generation = int_at(deployment, "/status/observedGeneration"_json_pointer);
  state.ready_replicas = static_cast<int>(int_at(deployment, "/status/readyReplicas"_json_pointer));
  state.updated_replicas =
      static_cast<int>(int_at(deployment, "/status/updatedReplicas"_json_pointer));
  const json conditions = deployment.contains("status")
                              ? deployment["status"].value("conditions", json::array())
                              : json::array();
  for (const json& condition : conditions) {
    const std::string type = condition.value("type", "");
    const std::string status = condition.value("status", "");
    const bool deadline_exceeded = type == "Progressing" && status == "False" &&
                                   condition.value("reason", "") == "ProgressDeadlineExceeded";
    const bool replica_failure = type == "ReplicaFailure" && status == "True";
    if (deadline_exceeded || replica_failure) {
      state.failure = condition.value("message", condition.value("reason", type));
    }
  }
  return state;
}

json compute_status(const StatusInput& input) {
  int ready = 0;
  int rolled_out = 0;
  std::string failures;
  for (std::size_t i = 0; i < input.shards.size(); ++i) {
    const ShardState& shard = input.shards[i];
    if (shard.ready_replicas > 0) ++ready;
    if (shard.exists && shard.observed_generation >= shard.generation &&
        shard.updated_replicas > 0) {
      ++rolled_out;
    }
    if (shard.failure) {
      if (!failures.empty()) failures += "; ";
      failures += "shard " + std::to_string(i) + ": " + *shard.failure;
    }
  }
  const int desired = input.desired_replicas;
  const std::string ready_text = std::to_string(ready) + "/" + std::to_string(desired);
  const json& previous = input.previous;
  const auto generation = input.generation;

  json conditions = json::array();
  if (input.invalid_reason) {
    conditions.push_back(make_condition(previous, "ConfigValid", false, *input.invalid_reason,
                                        input.invalid_message.value_or(""), generation, input.now));
  } else {
    conditions.push_back(make_condition(previous, "ConfigValid", true, "Valid",
                                        "the spec passed validation", generation, input.now));
  }
  const bool all_ready = ready >= desired;
  conditions.push_back(make_condition(previous, "Ready", all_ready,
                                      all_ready ? "AllShardsReady" : "ShardsNotReady",
                                      ready_text + " shards ready", generation, input.now));
  const bool progressing = !input.invalid_reason && rolled_out < desired;
  conditions.push_back(make_condition(
      previous, "Progressing", progressing, progressing ? "RollingOut" : "Stable",
      progressing
          ? std::to_string(rolled_out) + "/" + std::to_string(desired) + " shards rolled out"
          : "every shard runs the current spec",
      generation, input.now));
  const bool degraded = !failures.empty();
  conditions.push_back(
      make_condition(previous, "Degraded", degraded, degraded ? "ShardFailing" : "AsExpected",
                     degraded ? failures : "no shard reports a failure", generation, input.now));

  return json{{"observedGeneration", generation},
              {"replicas", desired},
              {"readyReplicas", ready},
              {"ready", ready_text},
              {"url", input.url},
              {"conditions", conditions}};
}

json failed_reconcile_status(const json& previous, const std::string& message,
                             std::int64_t generation, const std::string& now) {
  json conditions = json::array();
  if (previous.is_object() && previous.contains("conditions") &&
      previous["conditions"].is_array()) {
    for (const json& condition : previous["conditions"]) {
      if (condition.value("type", "") != "Degraded") conditions.push_back(condition);
    }
  }
  conditions.push_back(
      make_condition(previous, "Degraded", true, "ReconcileFailed", message, generation, now));
  return json{{"conditions", conditions}};
}

}  // namespace p2l::controller
