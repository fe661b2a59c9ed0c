#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace p2l::controller {

// What the controller saw of one shard's Deployment.
struct ShardState {
  bool exists = false;
  std::int64_t generation = 0;           // metadata.generation
  std::int64_t observed_generation = 0;  // status.observedGeneration
  int ready_replicas = 0;
  int updated_replicas = 0;
  // Set when the Deployment reports ProgressDeadlineExceeded or a
  // ReplicaFailure: why the shard cannot become ready.
  std::optional<std::string> failure;

  // Reads the fields above from a Deployment object (absent: not existing).
  static ShardState from_deployment(const nlohmann::json& deployment);
};

struct StatusInput {
  std::int64_t generation = 0;  // the CR's metadata.generation
  int desired_replicas = 0;
  std::vector<ShardState> shards;  // one per desired shard, index order
  std::string url;
  // Set when the spec is invalid in a way the schema cannot catch; the
  // children are then left as they were.
  std::optional<std::string> invalid_reason;
  std::optional<std::string> invalid_message;
  nlohmann::json previous;  // the CR's current .status (may be null)
  std::string now;          // RFC 3339, for lastTransitionTime
};

// The Post2Log status to write: observedGeneration, replicas, readyReplicas,
// ready ("2/2", the READY column), url and the conditions ConfigValid, Ready,
// Progressing and Degraded in the Kubernetes shape. A condition keeps its
// lastTransitionTime while its status does not change, so computing the same
// status twice gives the same object and no write.
nlohmann::json compute_status(const StatusInput& input);

// The status patch for a reconcile the API server refused (a quota, a webhook): the
// conditions of `previous` with Degraded=True, reason ReconcileFailed and `message`, so that
// `kubectl describe` shows why the children are not as the spec says. The next successful
// reconcile writes the whole status again and clears it.
nlohmann::json failed_reconcile_status(const nlohmann::json& previous, const std::string& message,
                                       std::int64_t generation, const std::string& now);

// The current time in RFC 3339 (seconds, UTC), as conditions carry it.
std::string rfc3339_now();

}  // namespace p2l::controller
