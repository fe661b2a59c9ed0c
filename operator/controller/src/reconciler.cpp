#include "p2l/controller/reconciler.hpp"

#include <algorithm>
#include <set>

#include "p2l/controller/child_plan.hpp"
#include "p2l/controller/ownership.hpp"
#include "p2l/controller/resource_types.hpp"
#include "p2l/controller/subset.hpp"
#include "p2l/decode.hpp"
#include "p2l/json_log.hpp"
#include "p2l/kube/errors.hpp"
#include "p2l/names.hpp"
#include "p2l/post2log_fields.hpp"

namespace p2l::controller {
namespace {

using nlohmann::json;

// The rendered Deployment of each shard, by index (null where there is none).
std::vector<const json*> desired_shards(const std::vector<Child>& desired, const std::string& name,
                                        int replicas) {
  std::vector<const json*> shards(static_cast<std::size_t>(std::max(replicas, 0)), nullptr);
  for (const Child& child : desired) {
    if (child.kind != ChildKind::deployment) continue;
    for (int shard = 0; shard < replicas; ++shard) {
      if (child.name() == shard_name(name, shard)) {
        shards[static_cast<std::size_t>(shard)] = &child.object;
      }
    }
  }
  return shards;
}

// See Reconciler::create.
constexpr std::string_view kCreateOnlyResourceVersion = "1";

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
  const std::vector<Child> desired = render_children(resource, options_.render);

  // What the caches say of the shards now: what the plan starts from, and what the status
  // reports (a shard applied here shows as rolling once its Deployment's change is seen).
  const std::vector<ShardState> shards = shard_states(namespace_name, name, replicas, &desired);
  const RolloutPlan rollout = plan_rollout(shards);
  const bool pod_monitor_served = caches_.served(ChildKind::pod_monitor, namespace_name);
  std::optional<ReconcileFailure> failure;
  // While a new Fluentd configuration is being checked, nothing changes.
  if (!checking) {
    try {
      std::set<ChildKind> unserved;
      if (!pod_monitor_served) unserved.insert(ChildKind::pod_monitor);
      LiveChildren live = observe(desired, namespace_name);
      const std::string uid = resource.metadata.uid.value_or("");
      const std::vector<ChildName> owned = owned_children(uid, namespace_name);
      std::vector<PlannedChild> plan;
      // Acting can show an object the caches do not hold (another owner's, without the
      // operator's labels, or one made a moment ago whose event is on its way): it is then
      // observed and the rest planned again. Each round learns of one more object.
      for (std::size_t round = 0; round <= desired.size(); ++round) {
        plan = plan_children({.name = name,
                              .owner_uid = uid,
                              .desired = desired,
                              .live = live.objects,
                              .owned = owned,
                              .rollout = rollout,
                              .unserved = unserved});
        if (!carry_out(plan, key, namespace_name, live)) break;
      }
      if (const auto conflicts = conflict_messages(plan); !conflicts.empty()) {
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
  }

  StatusInput input{
      .generation = object->at("metadata").value("generation", std::int64_t{0}),
      .desired_replicas = replicas,
      .shards = shards,
      .name = name,
      .url = service_url(name, namespace_name, resource.spec.port, resource.spec.endpoint),
      .selector = instance_selector(name),
      .failure = failure,
      .rolling_shard = checking ? std::nullopt : rollout.rolling,
      .pod_monitor = !resource.spec.monitoring.pod_monitor ? PodMonitorState::not_requested
                     : pod_monitor_served                  ? PodMonitorState::applied
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
           {{"key", kube::object_key(namespace_name, name)}, {"error", message}});
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
  const kube::Store& deployments = caches_.children(ChildKind::deployment, namespace_name);
  int existing = 0;
  bool all_run_it = true;
  for (int shard = 0; shard < resource.spec.replicas; ++shard) {
    const kube::ObjectPtr live =
        deployments.get(kube::object_key(namespace_name, shard_name(name, shard)));
    if (!live) continue;
    ++existing;
    // The cached object is const and shared: look fields up without inserting them.
    const json annotations =
        live->value("/spec/template/metadata/annotations"_json_pointer, json::object());
    if (annotations.value(std::string{kAnnotationConfigHash}, "") != hash) all_run_it = false;
  }
  const std::string job_name = fluentd_check_job_name(name);
  const kube::ObjectPtr job = caches_.children(ChildKind::fluentd_check_job, namespace_name)
                                  .get(kube::object_key(namespace_name, job_name));
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
               {{"key", kube::object_key(namespace_name, name)}, {"hash", hash}});
      record = ConfigCheckRecord{.hash = hash, .passed = true, .message = ""};
      return {};
    case CheckStep::record_fail:
      record =
          ConfigCheckRecord{.hash = hash, .passed = false, .message = check_failure_message(*job)};
      [[fallthrough]];
    case CheckStep::rejected:
      return {
          .state = FluentdGate::State::rejected,
          .message = spec_field_path<&Post2LogSpec::fluentd, &FluentdSpec::output_config>().str() +
                     ": fluentd --dry-run in " + image +
                     " rejected the configuration: " + record->message};
    case CheckStep::start_job:
      break;
  }
  // A Job of an earlier configuration goes first (a Job's pod template cannot change).
  const kube::ResourceType& jobs = child_resource(ChildKind::fluentd_check_job).type;
  const std::string job_path = kube::object_path(jobs, namespace_name, job_name);
  if (job) {
    try {
      client_.remove(job_path);
    } catch (const kube::ApiError& error) {
      if (!error.not_found()) throw;
    }
  }
  log_json(logger_, spdlog::level::info, "checking the Fluentd configuration",
           {{"key", kube::object_key(namespace_name, name)}, {"hash", hash}, {"job", job_name}});
  try {
    client_.create(kube::collection_path(jobs, namespace_name),
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
                                                 const std::vector<Child>* desired) const {
  const kube::Store& deployments = caches_.children(ChildKind::deployment, namespace_name);
  const std::vector<const json*> rendered =
      desired ? desired_shards(*desired, name, replicas) : std::vector<const json*>{};
  static const json kNone;  // a shard without a Deployment
  std::vector<ShardState> shards;
  for (int shard = 0; shard < replicas; ++shard) {
    const kube::ObjectPtr live =
        deployments.get(kube::object_key(namespace_name, shard_name(name, shard)));
    ShardState state = ShardState::from_deployment(live ? *live : kNone);
    const json* wanted = rendered.empty() ? nullptr : rendered[static_cast<std::size_t>(shard)];
    state.current = live && wanted != nullptr && contains_subset(*live, *wanted);
    shards.push_back(std::move(state));
  }
  return shards;
}

void Reconciler::LiveChildren::set(std::size_t index, kube::ObjectPtr object) {
  objects[index] = object.get();
  holders[index] = std::move(object);
}

Reconciler::LiveChildren Reconciler::observe(const std::vector<Child>& desired,
                                             const std::string& namespace_name) const {
  LiveChildren live;
  for (const Child& child : desired) {
    kube::ObjectPtr cached = caches_.children(child.kind, namespace_name)
                                 .get(kube::object_key(namespace_name, child.name()));
    live.objects.push_back(cached.get());
    live.holders.push_back(std::move(cached));
  }
  return live;
}

std::vector<ChildName> Reconciler::owned_children(const std::string& uid,
                                                  const std::string& namespace_name) const {
  std::vector<ChildName> owned;
  for (const ChildKind kind : kAllChildKinds) {
    // The cache's owner index: this Post2Log's children, not every child of the kind.
    for (const kube::ObjectPtr& child : caches_.children(kind, namespace_name).controlled_by(uid)) {
      const json& metadata = child->at("metadata");
      if (metadata.contains("deletionTimestamp") ||
          metadata.value("namespace", "") != namespace_name) {
        continue;
      }
      owned.push_back({kind, metadata.value("name", "")});
    }
  }
  return owned;
}

bool Reconciler::carry_out(const std::vector<PlannedChild>& plan, const std::string& key,
                           const std::string& namespace_name, LiveChildren& live) {
  for (const PlannedChild& planned : plan) {
    const kube::ResourceType& type = child_resource(planned.kind).type;
    const std::string path = kube::object_path(type, namespace_name, planned.name);
    const nlohmann::ordered_json fields{{"key", key},
                                        {"kind", kind_name(planned.kind)},
                                        {"name", planned.name},
                                        {"reason", to_string(planned.reason)}};
    switch (planned.action) {
      case ChildAction::keep:
        if (planned.reason != PlanReason::up_to_date) {
          log_json(logger_, spdlog::level::debug, "leaving child alone", fields);
        }
        break;
      case ChildAction::apply: {
        if (planned.reason == PlanReason::absent) {
          if (kube::ObjectPtr created = create(type, planned.object)) {
            log_json(logger_, spdlog::level::info, "created child", fields);
            live.set(planned.desired_index, std::move(created));
            break;
          }
          // The name is taken: see by whom, and plan again.
          if (std::optional<json> found = client_.find(path)) {
            live.set(planned.desired_index, std::make_shared<const json>(std::move(*found)));
            return true;
          }
        }
        log_json(logger_, spdlog::level::info, "updating child", fields);
        live.set(planned.desired_index, apply(type, path, planned.object));
        break;
      }
      case ChildAction::remove:
        log_json(logger_, spdlog::level::info, "deleting child", fields);
        try {
          client_.remove(path);
        } catch (const kube::ApiError& error) {
          if (!error.not_found()) throw;
        }
        break;
    }
  }
  return false;
}

kube::ObjectPtr Reconciler::create(const kube::ResourceType& type, const json& object) {
  // Server-side apply creates an object that does not exist; with a resourceVersion it is
  // also a precondition, which no existing object meets (etcd's first write is revision 2).
  // So this creates the child or fails with 409 Conflict, in one request, and never takes
  // over an object of that name that the caches do not hold.
  json guarded = object;
  guarded["metadata"]["resourceVersion"] = std::string{kCreateOnlyResourceVersion};
  try {
    json created = client_.apply(type, guarded, options_.field_manager, true);
    return std::make_shared<const json>(std::move(created));
  } catch (const kube::ApiError& error) {
    if (error.conflict()) return nullptr;
    throw;
  }
}

kube::ObjectPtr Reconciler::apply(const kube::ResourceType& type, const std::string& path,
                                  const json& object) {
  json applied;
  try {
    applied = client_.apply(type, object, options_.field_manager, true);
  } catch (const kube::ApiError& error) {
    if (!error.invalid()) throw;
  }
  // Server-side apply merges lists by key, so entries another writer added stay (a hand-edited
  // Service port becomes a second port, which the server may reject). A merge patch replaces
  // lists whole and so restores them exactly. The object is this Post2Log's (the plan checked
  // its controller reference), so its ownerReferences are ours to write.
  if (!contains_subset(applied, object)) {
    log_json(logger_, spdlog::level::info, "replacing lists another writer changed",
             {{"path", path}});
    applied = client_.merge_patch(path, object);
  }
  return std::make_shared<const json>(std::move(applied));
}

}  // namespace p2l::controller
