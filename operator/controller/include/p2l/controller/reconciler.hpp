#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <spdlog/logger.h>
#include <nlohmann/json.hpp>

#include "p2l/controller/caches.hpp"
#include "p2l/controller/child_plan.hpp"
#include "p2l/controller/metrics.hpp"
#include "p2l/controller/reconcile_outcome.hpp"
#include "p2l/controller/rollout.hpp"
#include "p2l/controller/status.hpp"
#include "p2l/controller/status_writer.hpp"
#include "p2l/kube/client.hpp"
#include "p2l/policy.hpp"
#include "p2l/render.hpp"

namespace p2l::controller {

struct ReconcilerOptions {
  RenderOptions render;
  Policy policy;  // what a Post2Log may ask for; anything more is reported as invalid
  std::string field_manager = "post2log-operator";
  std::string reporting_instance;  // the Events' reportingInstance
  // Check each new Fluentd configuration with `fluentd --dry-run` in a Job before any shard
  // gets it (off: --skip-fluentd-config-check).
  bool check_fluentd_config = true;
};

// Brings one Post2Log's children and status in line with its spec. Level-based: it reads the
// current state from the caches only, so running it again changes nothing, and it writes only
// what differs (an object that already holds every desired field is not applied again). Shard
// Deployments follow plan_rollout, one shard down at a time. Every outcome, failures included,
// ends in a status write (through the StatusWriter) for the current generation.
class Reconciler {
 public:
  Reconciler(kube::Client& client, const Caches& caches, ReconcilerOptions options,
             spdlog::logger& logger);

  // Does not throw for API failures: they come back as an error outcome, after the status
  // says so.
  ReconcileOutcome reconcile(const std::string& key);

 private:
  ReconcileOutcome report_invalid(const nlohmann::json& object, const std::string& message,
                                  std::string_view reason = kReasonInvalidSpec,
                                  std::optional<ConfigCheckRecord> check = std::nullopt);
  // Whether the children may be touched as far as the Fluentd configuration goes: it was
  // checked and accepted, or needs no check. Starts or follows the check Job; updates `record`
  // with a verdict.
  struct FluentdGate {
    enum class State { open, checking, rejected } state = State::open;
    std::string message;  // checking: what; rejected: what Fluentd said
  };
  FluentdGate gate_fluentd_config(const nlohmann::json& object, const Post2Log& resource,
                                  std::optional<ConfigCheckRecord>& record);
  // Why the check Job failed: its container's termination message (Fluentd's last words), or
  // the Job's Failed condition.
  std::string check_failure_message(const nlohmann::json& job);
  // Observing, planning (plan_children, pure) and carrying the plan out are kept apart.
  // The live object of each desired child, by index (nullptr: none known).
  struct LiveChildren {
    std::vector<const nlohmann::json*> objects;
    std::vector<kube::ObjectPtr> holders;  // keeps `objects` alive
    void set(std::size_t index, kube::ObjectPtr object);
  };
  // What the caches hold of the desired children.
  [[nodiscard]] LiveChildren observe(const std::vector<Child>& desired,
                                     const std::string& namespace_name) const;
  // The children this Post2Log controls, from the caches' owner index.
  [[nodiscard]] std::vector<ChildName> owned_children(const std::string& uid,
                                                      const std::string& namespace_name) const;
  // Carries `plan` out, recording in `live` what each write returned. True when a child
  // planned as absent turned out to exist: it is in `live` now, and the rest is not done.
  bool carry_out(const std::vector<PlannedChild>& plan, const std::string& key,
                 const std::string& namespace_name, LiveChildren& live);
  // Creates `object` if no object of its name exists; nullptr if one does.
  kube::ObjectPtr create(const kube::ResourceType& type, const nlohmann::json& object);
  // Server-side apply, then a merge patch if lists another writer changed remain.
  kube::ObjectPtr apply(const kube::ResourceType& type, const std::string& path,
                        const nlohmann::json& object);
  // One state per desired shard; `current` compares with `desired` when it is given.
  std::vector<ShardState> shard_states(const std::string& namespace_name, const std::string& name,
                                       int replicas, const std::vector<Child>* desired) const;

  kube::Client& client_;
  const Caches& caches_;
  ReconcilerOptions options_;
  spdlog::logger& logger_;
  StatusWriter status_writer_;
};

// Post2Log status URL: http://NAME.NAMESPACE.svc:PORT/ENDPOINT.
[[nodiscard]] std::string service_url(const std::string& name, const std::string& namespace_name,
                                      int port, const std::string& endpoint);

// Whether retrying alone cannot fix `error`: the API server refused the request for what it
// is (forbidden, invalid, over a quota, denied by a webhook), rather than failing to serve it.
[[nodiscard]] bool refused_for_good(const std::exception& error);

}  // namespace p2l::controller
