#include "p2l/controller/status.hpp"

#include <chrono>
#include <ctime>
#include <string_view>

#include "p2l/names.hpp"
#include "p2l/post2log_fields.hpp"
#include "p2l/rfc3339.hpp"

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

std::string of(int count, int total) {
  return std::to_string(count) + " of " + std::to_string(total);
}

// Why the Post2Log cannot get further on its own, if it cannot: the Stalled reason and message.
struct Stall {
  std::string_view reason;
  std::string message;
};

std::optional<Stall> find_stall(const StatusInput& input, const std::string& shard_failures) {
  if (input.invalid_message) {
    return Stall{input.invalid_reason, "the spec is invalid, the shards keep the last valid one: " +
                                           *input.invalid_message};
  }
  if (input.failure && input.failure->needs_user) {
    return Stall{input.failure->reason, input.failure->reason == kReasonNameConflict
                                            ? input.failure->message
                                            : "the API server refused a write (retried with "
                                              "backoff): " +
                                                  input.failure->message};
  }
  if (!shard_failures.empty()) return Stall{kReasonShardFailing, shard_failures};
  return std::nullopt;
}

}  // namespace

std::string rfc3339_now() {
  return format_rfc3339(std::chrono::system_clock::now());
}

ShardState ShardState::from_deployment(const json& deployment) {
  ShardState state;
  if (!deployment.is_object()) return state;
  state.exists = true;
  state.generation = int_at(deployment, "/metadata/generation"_json_pointer);
  state.observed_generation = int_at(deployment, "/status/observedGeneration"_json_pointer);
  state.pods = static_cast<int>(int_at(deployment, "/status/replicas"_json_pointer));
  state.ready_replicas = static_cast<int>(int_at(deployment, "/status/readyReplicas"_json_pointer));
  state.updated_replicas =
      static_cast<int>(int_at(deployment, "/status/updatedReplicas"_json_pointer));
  const json annotations = deployment.contains("metadata")
                               ? deployment["metadata"].value("annotations", json::object())
                               : json::object();
  state.unready_when_updated =
      annotations.value(std::string{kAnnotationUnreadyWhenUpdated}, "") == "true";
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

bool ShardState::rolled_out() const {
  return exists && observed_generation >= generation && updated_replicas >= 1 &&
         pods <= updated_replicas;
}

json compute_status(const StatusInput& input) {
  int existing = 0;
  int ready = 0;
  int updated = 0;
  int done = 0;
  std::string shard_failures;
  for (std::size_t i = 0; i < input.shards.size(); ++i) {
    const ShardState& shard = input.shards[i];
    if (shard.exists) ++existing;
    if (shard.ready()) ++ready;
    if (shard.current && shard.rolled_out()) ++updated;
    if (shard.done()) ++done;
    if (shard.failure) {
      if (!shard_failures.empty()) shard_failures += "; ";
      shard_failures += "shard " + std::to_string(i) + ": " + *shard.failure;
    }
  }
  const int desired = input.desired_replicas;
  const json& previous = input.previous;
  const auto generation = input.generation;
  const std::string gen = "generation " + std::to_string(generation);
  const auto condition = [&](std::string_view type, bool status, std::string_view reason,
                             const std::string& message) {
    return make_condition(previous, type, status, reason, message, generation, input.now);
  };

  const std::optional<Stall> stall = find_stall(input, shard_failures);
  const bool retrying = input.failure && !input.failure->needs_user;
  const bool checking = !stall && input.checking_config.has_value();
  const bool complete =
      !stall && !retrying && !checking && !input.invalid_message && done == desired;
  const std::string ready_text = of(ready, desired) + " shards ready";
  const std::string updated_text = of(updated, desired) + " shards run " + gen;

  json conditions = json::array();
  conditions.push_back(condition("Ready", complete,
                                 complete            ? "AllShardsReady"
                                 : stall             ? stall->reason
                                 : retrying          ? input.failure->reason
                                 : checking          ? kReasonCheckingFluentdConfig
                                 : updated < desired ? "RollingOut"
                                                     : "ShardsNotReady",
                                 ready_text + "; " + updated_text));

  if (stall) {
    conditions.push_back(condition("Stalled", true, stall->reason, stall->message));
    conditions.push_back(condition("Reconciling", false, stall->reason,
                                   "stalled: " + updated_text + ", " + ready_text));
  } else {
    conditions.push_back(condition("Stalled", false, "NoFailure",
                                   "no shard reports a failure and the last write was accepted"));
    if (complete) {
      conditions.push_back(
          condition("Reconciling", false, "Reconciled", updated_text + " and are ready"));
    } else if (retrying) {
      conditions.push_back(condition("Reconciling", true, "Retrying",
                                     "retrying after an error: " + input.failure->message));
    } else if (checking) {
      conditions.push_back(
          condition("Reconciling", true, kReasonCheckingFluentdConfig, *input.checking_config));
    } else {
      conditions.push_back(condition("Reconciling", true,
                                     updated < desired ? "RollingOut" : "WaitingForShards",
                                     updated_text + ", " + ready_text));
    }
  }

  conditions.push_back(
      input.invalid_message
          ? condition("ConfigValid", false, input.invalid_reason, *input.invalid_message)
          : condition("ConfigValid", true, "Valid", "the spec passed validation"));

  // Progressing: the rollout itself, for `kubectl describe` readers.
  if (input.invalid_message) {
    conditions.push_back(
        condition("Progressing", false, input.invalid_reason,
                  "nothing is rolled out while the spec is invalid; " + updated_text));
  } else if (checking) {
    conditions.push_back(condition("Progressing", true, kReasonCheckingFluentdConfig,
                                   *input.checking_config + "; " + updated_text));
  } else if (updated < desired) {
    std::string message = updated_text;
    if (input.rolling_shard) {
      message += "; shard " + std::to_string(*input.rolling_shard) + " is rolling";
    }
    conditions.push_back(condition("Progressing", true, "RollingOut", message));
  } else {
    conditions.push_back(condition("Progressing", false, "RolloutComplete", updated_text));
  }

  const bool degraded = input.failure || !shard_failures.empty();
  conditions.push_back(condition("Degraded", degraded,
                                 input.failure ? input.failure->reason
                                 : degraded    ? kReasonShardFailing
                                               : "AsExpected",
                                 input.failure ? input.failure->message
                                 : degraded    ? shard_failures
                                               : "no shard reports a failure"));

  if (input.invalid_message) {
    // The children, PodMonitor included, are left as they were: so is what was said of it.
    for (const json& kept :
         previous.is_object() ? previous.value("conditions", json::array()) : json::array()) {
      if (kept.value("type", "") == "Monitoring") conditions.push_back(kept);
    }
  } else if (input.pod_monitor == PodMonitorState::applied) {
    conditions.push_back(condition("Monitoring", true, "PodMonitorApplied",
                                   "PodMonitor " + input.name + " scrapes every shard's /metrics"));
  } else if (input.pod_monitor == PodMonitorState::kind_not_served) {
    conditions.push_back(condition(
        "Monitoring", false, kReasonPodMonitorCrdMissing,
        spec_field_path<&Post2LogSpec::monitoring, &MonitoringSpec::pod_monitor>().str() +
            " is set, but the cluster does not serve "
            "monitoring.coreos.com/v1 PodMonitors (the Prometheus operator's CRDs are not "
            "installed); everything else is reconciled, and the PodMonitor is created once they "
            "are"));
  }

  json status{{"observedGeneration", generation},
              {"replicas", existing},
              {"readyReplicas", ready},
              {"updatedReplicas", updated},
              {"ready", std::to_string(ready) + "/" + std::to_string(desired)},
              {"url", input.url},
              {"selector", input.selector},
              {"conditions", conditions}};
  if (input.config_check) status["fluentdConfigCheck"] = to_json(*input.config_check);
  return status;
}

}  // namespace p2l::controller
