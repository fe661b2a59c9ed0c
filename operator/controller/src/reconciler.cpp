#include "p2l/controller/reconciler.hpp"

#include <algorithm>
#include <set>

#include "p2l/controller/child_kinds.hpp"
#include "p2l/controller/json_log.hpp"
#include "p2l/controller/ownership.hpp"
#include "p2l/controller/subset.hpp"
#include "p2l/decode.hpp"
#include "p2l/kube/errors.hpp"
#include "p2l/names.hpp"

namespace p2l::controller {
namespace {

using nlohmann::json;

std::string child_key(const json& child) {
  return kube::object_key(child);
}

kube::ResourceType type_of_kind(std::string_view kind) {
  for (const ChildKind& child_kind : child_kinds()) {
    if (child_kind.kind == kind) return child_kind.type;
  }
  throw std::invalid_argument("unexpected child kind " + std::string{kind});
}

// The rendered Deployment of each shard, by index (null where there is none).
std::vector<const json*> desired_shards(const std::vector<json>& desired, const std::string& name,
                                        int replicas) {
  std::vector<const json*> shards(static_cast<std::size_t>(std::max(replicas, 0)), nullptr);
  for (int shard = 0; shard < replicas; ++shard) {
    const std::string shard_key = shard_name(name, shard);
    for (const json& child : desired) {
      if (child.at("kind") == "Deployment" && child["metadata"].value("name", "") == shard_key) {
        shards[static_cast<std::size_t>(shard)] = &child;
      }
    }
  }
  return shards;
}

}  // namespace

std::string service_url(const std::string& name, const std::string& namespace_name, int port,
                        const std::string& endpoint) {
  return "http://" + name + "." + namespace_name + ".svc:" + std::to_string(port) + endpoint;
}

bool refused_for_good(const std::exception& error) {
  const auto* api_error = dynamic_cast<const kube::ApiError*>(&error);
  if (api_error == nullptr) return false;
  const int status = api_error->http_status();
  // 404 (a namespace going away), 408, 409 (a conflict) and 429 pass by themselves.
  return status >= 400 && status < 500 && status != 404 && status != 408 && status != 409 &&
         status != 429;
}

Reconciler::Reconciler(kube::Client& client, const Caches& caches, ReconcilerOptions options,
                       spdlog::logger& logger)
    : client_(client),
      caches_(caches),
      options_(std::move(options)),
      logger_(logger),
      status_writer_(client, options_.reporting_instance, logger) {}

ReconcileOutcome Reconciler::reconcile(const std::string& key) {
  const auto object = caches_.post2log(key);
  // Gone or going: the garbage collector removes the children through their ownerReferences.
  if (!object || object->at("metadata").contains("deletionTimestamp")) return {};

  DecodeResult decoded = decode_post2log(*object);
  if (!decoded.resource) {
    return report_invalid(*object, summarize(decoded.errors));
  }
  const Post2Log& resource = *decoded.resource;
  if (const auto refused = check_policy(resource, options_.policy, options_.render);
      !refused.empty()) {
    return report_invalid(*object, summarize(refused));
  }
  const std::string& name = resource.metadata.name;
  const std::string namespace_name = resource.metadata.namespace_name.value_or("");
  const int replicas = resource.spec.replicas;
  std::optional<ConfigCheckRecord> check_record =
      config_check_record(object->value("status", json(nullptr)));
  std::optional<std::string> checking;
  if (resource.spec.fluentd.enabled && options_.check_fluentd_config) {
    FluentdGate gate;
    try {
      gate = gate_fluentd_config(*object, resource, check_record);
    } catch (const std::exception& error) {
      // Checking could not start or be followed: retried like any failed reconcile.
      gate = {.state = FluentdGate::State::checking, .message = error.what()};
      log_json(logger_, spdlog::level::err, "the Fluentd configuration check failed",
               {{"key", key}, {"error", error.what()}});
    }
    if (gate.state == FluentdGate::State::rejected) {
      return report_invalid(*object, gate.message, kReasonFluentdConfigRejected, check_record);
    }
    if (gate.state == FluentdGate::State::checking) checking = gate.message;
  }
  const std::vector<json> desired = render_children(resource, options_.render);

  // What the caches say of the shards now: what the plan starts from, and what the status
  // reports (a shard applied here shows as rolling once its Deployment's change is seen).
  const std::vector<ShardState> shards = shard_states(namespace_name, name, replicas, &desired);
  const RolloutPlan plan = plan_rollout(shards);
  std::optional<ReconcileFailure> failure;
  try {
    // While a new Fluentd configuration is being checked, nothing changes.
    const std::vector<std::string> conflicts =
        checking ? std::vector<std::string>{} : apply_children(desired, name, plan);
    if (!checking) remove_unwanted(*object, desired);
    if (!conflicts.empty()) {
      std::string message;
      for (const std::string& conflict : conflicts)
        message += (message.empty() ? "" : "; ") + conflict;
      failure = ReconcileFailure{.message = message, .reason = kReasonNameConflict};
    }
  } catch (const std::exception& error) {
    failure = ReconcileFailure{.message = error.what(), .needs_user = refused_for_good(error)};
    log_json(logger_, spdlog::level::err, "reconcile failed",
             {{"key", key}, {"error", failure->message}});
  }

  StatusInput input{
      .generation = object->at("metadata").value("generation", std::int64_t{0}),
      .desired_replicas = replicas,
      .shards = shards,
      .name = name,
      .url = service_url(name, namespace_name, resource.spec.port, resource.spec.endpoint),
      .selector = instance_selector(name),
      .failure = failure,
      .rolling_shard = checking ? std::nullopt : plan.rolling,
      .pod_monitor = !resource.spec.monitoring.pod_monitor ? PodMonitorState::not_requested
                     : caches_.served("PodMonitor", namespace_name)
                         ? PodMonitorState::applied
                         : PodMonitorState::kind_not_served,
      .previous = object->value("status", json(nullptr)),
      .now = rfc3339_now()};
  input.checking_config = checking;
  input.config_check = check_record;
  std::optional<Problem> problem;
  if (failure) problem = Problem{failure->reason, failure->message, "Reconcile"};
  try {
    status_writer_.write(*object, compute_status(input), problem);
  } catch (const std::exception& error) {
    if (!failure) failure = ReconcileFailure{.message = error.what()};
    log_json(logger_, spdlog::level::warn, "could not write the status",
             {{"key", key}, {"error", error.what()}});
  }
  if (failure) return {.result = ReconcileResult::error, .error = failure->message};
  return {};
}

ReconcileOutcome Reconciler::report_invalid(const json& object, const std::string& message,
                                            std::string_view reason,
                                            std::optional<ConfigCheckRecord> check) {
  const json metadata = object.at("metadata");
  const std::string name = metadata.value("name", "");
  const std::string namespace_name = metadata.value("namespace", "");
  const json spec = object.value("spec", json::object());
  const json previous = object.value("status", json(nullptr));
  // The spec could not be read, so take what can be taken from it as it is.
  const int replicas = spec.contains("replicas") && spec["replicas"].is_number_integer()
                           ? spec["replicas"].get<int>()
                           : 1;
  StatusInput input{.generation = metadata.value("generation", std::int64_t{0}),
                    .desired_replicas = replicas,
                    .shards = shard_states(namespace_name, name, std::max(replicas, 0), nullptr),
                    .name = name,
                    .url = previous.is_object() ? previous.value("url", "") : "",
                    .selector = instance_selector(name),
                    .invalid_message = message,
                    .invalid_reason = reason,
                    .config_check = check ? check : config_check_record(previous),
                    .previous = previous,
                    .now = rfc3339_now()};
  log_json(logger_, spdlog::level::warn, "invalid Post2Log, children left as they are",
           {{"key", namespace_name + "/" + name}, {"error", message}});
  try {
    status_writer_.write(object, compute_status(input), Problem{reason, message, "Validate"});
  } catch (const std::exception& error) {
    return {.result = ReconcileResult::error, .error = error.what()};
  }
  return {.result = ReconcileResult::invalid};
}

Reconciler::FluentdGate Reconciler::gate_fluentd_config(const json& object,
                                                        const Post2Log& resource,
                                                        std::optional<ConfigCheckRecord>& record) {
  const std::string& name = resource.metadata.name;
  const std::string namespace_name = resource.metadata.namespace_name.value_or("");
  const std::string hash = fluentd_config_hash(resource);
  const std::string image = resource.spec.image.fluentd.value_or(options_.render.fluentd_image);

  // Every shard that exists runs this configuration already (and one does).
  const kube::Store& deployments = caches_.children("Deployment", namespace_name);
  int existing = 0;
  bool all_run_it = true;
  for (int shard = 0; shard < resource.spec.replicas; ++shard) {
    const kube::ObjectPtr live = deployments.get(namespace_name + "/" + shard_name(name, shard));
    if (!live) continue;
    ++existing;
    // The cached object is const and shared: look fields up without inserting them.
    const json annotations =
        live->value("/spec/template/metadata/annotations"_json_pointer, json::object());
    if (annotations.value(std::string{kAnnotationConfigHash}, "") != hash) all_run_it = false;
  }
  const std::string job_name = fluentd_check_job_name(name);
  const kube::ObjectPtr job =
      caches_.children("Job", namespace_name).get(namespace_name + "/" + job_name);
  const CheckStep step = decide_config_check({.hash = hash,
                                              .record = record,
                                              .job = job.get(),
                                              .shards_run_it = existing > 0 && all_run_it});
  const std::string checking = "checking the new Fluentd configuration with fluentd --dry-run in " +
                               image + " (Job " + job_name + ") before any shard gets it";
  switch (step) {
    case CheckStep::proceed:
      return {};
    case CheckStep::wait:
      return {.state = FluentdGate::State::checking, .message = checking};
    case CheckStep::record_pass:
      log_json(logger_, spdlog::level::info, "fluentd --dry-run accepted the configuration",
               {{"key", namespace_name + "/" + name}, {"hash", hash}});
      record = ConfigCheckRecord{.hash = hash, .passed = true, .message = ""};
      return {};
    case CheckStep::record_fail:
      record =
          ConfigCheckRecord{.hash = hash, .passed = false, .message = check_failure_message(*job)};
      [[fallthrough]];
    case CheckStep::rejected:
      return {.state = FluentdGate::State::rejected,
              .message = "spec.fluentd.outputConfig: fluentd --dry-run in " + image +
                         " rejected the configuration: " + record->message};
    case CheckStep::start_job:
      break;
  }
  // A Job of an earlier configuration goes first (a Job's pod template cannot change).
  const std::string job_path = kube::object_path(jobs(), namespace_name, job_name);
  if (job) {
    try {
      client_.remove(job_path);
    } catch (const kube::ApiError& error) {
      if (!error.not_found()) throw;
    }
  }
  log_json(logger_, spdlog::level::info, "checking the Fluentd configuration",
           {{"key", namespace_name + "/" + name}, {"hash", hash}, {"job", job_name}});
  try {
    client_.create(kube::collection_path(jobs(), namespace_name),
                   render_fluentd_config_check_job(resource, options_.render));
  } catch (const kube::ApiError& error) {
    if (error.http_status() != 409) throw;
    // The earlier Job is still going away (its deletion brings the Post2Log back here), or
    // the name is someone else's.
    const auto live = client_.find(job_path);
    if (live && !controlled_by(*live, object.at("metadata").value("uid", ""))) {
      throw std::runtime_error("Job " + job_name +
                               " exists and is not controlled by this Post2Log; the Fluentd "
                               "configuration cannot be checked until it is renamed or removed");
    }
  }
  return {.state = FluentdGate::State::checking, .message = checking};
}

std::string Reconciler::check_failure_message(const json& job) {
  const json& metadata = job.at("metadata");
  kube::ListOptions options;
  options.label_selector = "job-name=" + metadata.value("name", "");
  try {
    const kube::ListResult listed =
        client_.list(kube::collection_path(pods(), metadata.value("namespace", "")), options);
    for (const json& pod : listed.items) {
      const json statuses = pod.contains("status")
                                ? pod["status"].value("containerStatuses", json::array())
                                : json::array();
      for (const json& status : statuses) {
        const json terminated = status.contains("state")
                                    ? status["state"].value("terminated", json::object())
                                    : json::object();
        std::string message = terminated.value("message", "");
        if (!message.empty()) return fluentd_error_summary(message);
      }
    }
  } catch (const kube::ApiError& error) {
    log_json(logger_, spdlog::level::warn, "could not read the check's pods",
             {{"job", metadata.value("name", "")}, {"error", error.what()}});
  }
  for (const json& condition :
       job.contains("status") ? job["status"].value("conditions", json::array()) : json::array()) {
    if (condition.value("type", "") == "Failed") {
      return condition.value("reason", "Failed") + ": " + condition.value("message", "");
    }
  }
  return "the check Job failed";
}

std::vector<ShardState> Reconciler::shard_states(const std::string& namespace_name,
                                                 const std::string& name, int replicas,
                                                 const std::vector<json>* desired) const {
  const kube::Store& deployments = caches_.children("Deployment", namespace_name);
  const std::vector<const json*> rendered =
      desired ? desired_shards(*desired, name, replicas) : std::vector<const json*>{};
  static const json kNone;  // a shard without a Deployment
  std::vector<ShardState> shards;
  for (int shard = 0; shard < replicas; ++shard) {
    const kube::ObjectPtr live = deployments.get(namespace_name + "/" + shard_name(name, shard));
    ShardState state = ShardState::from_deployment(live ? *live : kNone);
    const json* wanted = rendered.empty() ? nullptr : rendered[static_cast<std::size_t>(shard)];
    state.current = live && wanted != nullptr && contains_subset(*live, *wanted);
    shards.push_back(std::move(state));
  }
  return shards;
}

std::vector<std::string> Reconciler::apply_children(const std::vector<json>& desired,
                                                    const std::string& name,
                                                    const RolloutPlan& plan) {
  const auto planned = [&](const std::vector<int>& shards, const std::string& child_name) {
    return std::any_of(shards.begin(), shards.end(),
                       [&](int shard) { return shard_name(name, shard) == child_name; });
  };
  // A shard whose volume claim belongs to someone else must not mount it.
  const auto mounts_taken_claim = [](const json& deployment, const std::set<std::string>& taken) {
    for (const json& volume : deployment["spec"]["template"]["spec"].value("volumes", json())) {
      if (volume.contains("persistentVolumeClaim") &&
          taken.contains(volume["persistentVolumeClaim"].value("claimName", ""))) {
        return true;
      }
    }
    return false;
  };
  std::vector<std::string> conflicts;
  std::set<std::string> taken_claims;
  for (const json& child : desired) {
    std::optional<std::string> conflict;
    const std::string child_name = child["metadata"].value("name", "");
    if (child.at("kind") != "Deployment") {
      const auto& metadata = child.at("metadata");
      // A PodMonitor where the cluster has no such CRD: the status says so (Monitoring).
      if (!caches_.served(child.at("kind").get<std::string>(), metadata.value("namespace", "")))
        continue;
      conflict = apply_child(child);
      if (conflict && child.at("kind") == "PersistentVolumeClaim") taken_claims.insert(child_name);
    } else if (!planned(plan.apply, child_name) || mounts_taken_claim(child, taken_claims)) {
      // A shard Deployment the plan does not take now, or one that would mount a claim of
      // someone else's.
    } else if (!planned(plan.apply_unready, child_name)) {
      conflict = apply_child(child);
    } else {
      json marked = child;
      marked["metadata"]["annotations"][std::string{kAnnotationUnreadyWhenUpdated}] = "true";
      conflict = apply_child(marked);
    }
    if (conflict) conflicts.push_back(std::move(*conflict));
  }
  return conflicts;
}

std::optional<std::string> Reconciler::apply_child(const json& child) {
  const std::string kind = child.at("kind").get<std::string>();
  const kube::ResourceType type = type_of_kind(kind);
  const json& metadata = child.at("metadata");
  const std::string path =
      kube::object_path(type, metadata.value("namespace", ""), metadata.value("name", ""));
  // The caches hold only objects with the operator's labels: one of that name without them
  // (made by someone else) is looked up, so that it is never taken over.
  kube::ObjectPtr live =
      caches_.children(kind, metadata.value("namespace", "")).get(child_key(child));
  if (!live) {
    if (std::optional<json> found = client_.find(path)) {
      live = std::make_shared<const json>(std::move(*found));
    }
  }
  if (live) {
    const json owners = metadata.value("ownerReferences", json::array());
    const std::string owner_uid = owners.empty() ? "" : owners[0].value("uid", "");
    if (!owner_uid.empty() && !controlled_by(*live, owner_uid)) {
      return kind + " " + metadata.value("name", "") +
             " exists and is not controlled by this Post2Log; it is left alone";
    }
    if (contains_subset(*live, child)) return std::nullopt;
  }
  log_json(logger_, spdlog::level::info, live ? "updating child" : "creating child",
           {{"kind", kind}, {"key", child_key(child)}});
  json applied;
  try {
    applied = client_.apply(type, child, options_.field_manager, true);
  } catch (const kube::ApiError& error) {
    if (!error.invalid()) throw;
  }
  // Server-side apply merges lists by key, so entries another writer added stay (a hand-edited
  // Service port becomes a second port, which the server may reject). A merge patch replaces
  // lists whole and so restores them exactly. The object is this Post2Log's (checked above),
  // so its ownerReferences are ours to write.
  if (!contains_subset(applied, child)) {
    log_json(logger_, spdlog::level::info, "replacing lists another writer changed",
             {{"kind", kind}, {"key", child_key(child)}});
    client_.merge_patch(path, child);
  }
  return std::nullopt;
}

void Reconciler::remove_unwanted(const json& object, const std::vector<json>& desired) {
  const json& metadata = object.at("metadata");
  const std::string uid = metadata.value("uid", "");
  const std::string namespace_name = metadata.value("namespace", "");
  std::set<std::string> wanted;
  for (const json& child : desired)
    wanted.insert(child.at("kind").get<std::string>() + "/" + child_key(child));
  // PersistentVolumeClaims are never removed here: a shard's volumes may hold lines not yet
  // shipped, so they stay until the Post2Log itself is deleted. The Service always exists.
  for (const std::string_view kind :
       {"Deployment", "Ingress", "NetworkPolicy", "PodMonitor", "ConfigMap"}) {
    // The cache's owner index: this Post2Log's children, not every child of the kind.
    for (const kube::ObjectPtr& owned : caches_.children(kind, namespace_name).controlled_by(uid)) {
      const json& live = *owned;
      const json& live_metadata = live.at("metadata");
      if (live_metadata.contains("deletionTimestamp") ||
          live_metadata.value("namespace", "") != namespace_name) {
        continue;
      }
      if (wanted.contains(std::string{kind} + "/" + child_key(live))) continue;
      const std::string name = live_metadata.value("name", "");
      log_json(logger_, spdlog::level::info, "deleting child",
               {{"kind", kind}, {"key", child_key(live)}});
      try {
        client_.remove(kube::object_path(type_of_kind(kind), namespace_name, name));
      } catch (const kube::ApiError& error) {
        if (!error.not_found()) throw;
      }
    }
  }
}

}  // namespace p2l::controller
