#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "p2l/controller/config_check.hpp"

namespace p2l::controller {

// What the controller saw of one shard's Deployment.
struct ShardState {
  bool exists = false;
  // The live Deployment holds every field of the rendered one (set by the reconciler, which
  // knows the desired object): the shard has been given the current pod template.
  bool current = false;
  std::int64_t generation = 0;           // metadata.generation
  std::int64_t observed_generation = 0;  // status.observedGeneration
  int pods = 0;                          // status.replicas: pods of any template
  int ready_replicas = 0;
  int updated_replicas = 0;
  // The operator last applied this shard while it was not Ready (or created it): its not
  // being Ready is not the rollout's doing, so it does not hold the other shards back.
  bool unready_when_updated = false;
  // Set when the Deployment reports ProgressDeadlineExceeded or a
  // ReplicaFailure: why the shard cannot become ready.
  std::optional<std::string> failure;

  // Reads the fields above (all but `current`) from a Deployment object (null: not existing).
  static ShardState from_deployment(const nlohmann::json& deployment);

  // The Deployment controller has seen the latest spec and the one pod runs it: no pod of an
  // older template is left.
  [[nodiscard]] bool rolled_out() const;
  // A pod of the shard is Ready, whatever its template.
  [[nodiscard]] bool ready() const { return ready_replicas > 0; }
  // Runs the current template and is Ready: nothing left to do for this shard.
  [[nodiscard]] bool done() const { return current && rolled_out() && ready(); }
};

// Condition reasons other code and tests refer to.
inline constexpr std::string_view kReasonInvalidSpec = "InvalidSpec";
inline constexpr std::string_view kReasonReconcileFailed = "ReconcileFailed";
inline constexpr std::string_view kReasonNameConflict = "NameConflict";
inline constexpr std::string_view kReasonShardFailing = "ShardFailing";
// `fluentd --dry-run` in the Post2Log's Fluentd image refused its configuration.
inline constexpr std::string_view kReasonFluentdConfigRejected = "FluentdConfigRejected";
inline constexpr std::string_view kReasonCheckingFluentdConfig = "CheckingFluentdConfig";

// A reconcile the API server refused or that could not reach it, or one that met an object
// it must not touch.
struct ReconcileFailure {
  std::string message;
  // kReasonReconcileFailed, or kReasonNameConflict: an object of a child's name exists and
  // is not this Post2Log's, so it was left alone.
  std::string_view reason = kReasonReconcileFailed;
  // A refusal that retrying alone will not fix (a quota, an admission webhook, a forbidden
  // write): reported as Stalled. Otherwise (a timeout, a conflict) the status says Retrying.
  bool needs_user = true;
};

// What became of spec.monitoring.podMonitor: the Monitoring condition.
enum class PodMonitorState {
  not_requested,    // no condition
  applied,          // Monitoring=True
  kind_not_served,  // Monitoring=False: the Prometheus operator's CRDs are not installed
};
inline constexpr std::string_view kReasonPodMonitorCrdMissing = "PodMonitorCRDMissing";

struct StatusInput {
  std::int64_t generation = 0;  // the CR's metadata.generation
  int desired_replicas = 0;
  std::vector<ShardState> shards;  // one per desired shard, index order
  std::string name;                // the Post2Log's, for messages
  std::string url;
  std::string selector;  // label selector of the Post2Log's pods, for the scale subresource
  // Set when the spec is invalid in a way the schema cannot catch; the children are then left
  // as they were.
  std::optional<std::string> invalid_message;
  // Why it is invalid: kReasonInvalidSpec, or kReasonFluentdConfigRejected.
  std::string_view invalid_reason = kReasonInvalidSpec;
  // Set while a Job checks a new Fluentd configuration: what is being checked. Nothing is
  // applied meanwhile.
  std::optional<std::string> checking_config;
  // The last configuration checked, kept in the status (status.fluentdConfigCheck).
  std::optional<ConfigCheckRecord> config_check;
  std::optional<ReconcileFailure> failure;
  // The shard whose new template is rolling out now, if one is.
  std::optional<int> rolling_shard;
  // Ignored while invalid_message is set: the Monitoring condition then stays as it was.
  PodMonitorState pod_monitor = PodMonitorState::not_requested;
  nlohmann::json previous;  // the CR's current .status (may be null)
  std::string now;          // RFC 3339, for lastTransitionTime
};

// The Post2Log status to write: observedGeneration, replicas, readyReplicas, updatedReplicas,
// ready ("2/2", the READY column), url, selector and the conditions, in the kstatus
// conventions that Flux, Argo CD, kpt and `kubectl wait` read:
// - Reconciling=True while the current generation is not yet applied to every shard and
//   every shard Ready;
// - Stalled=True when nothing more happens without a user change (invalid spec, a refused
//   write, a failing shard);
// - Ready=True only when the current generation is applied and every shard is Ready;
// plus ConfigValid, Progressing (which shard is rolling) and Degraded for `kubectl describe`,
// and Monitoring when the spec asks for a PodMonitor (False, without touching the others,
// when the cluster has no PodMonitor CRD).
// A condition keeps its lastTransitionTime while its status does not change, so computing the
// same status twice gives the same object and no write.
nlohmann::json compute_status(const StatusInput& input);

// The current time in RFC 3339 (seconds, UTC), as conditions carry it.
std::string rfc3339_now();

}  // namespace p2l::controller
