#include "p2l/controller/reconciler.hpp"

#include <algorithm>
#include <set>

#include "p2l/controller/child_kinds.hpp"
#include "p2l/controller/json_log.hpp"
#include "p2l/controller/ownership.hpp"
#include "p2l/controller/status.hpp"
#include "p2l/controller/subset.hpp"
#include "p2l/decode.hpp"
#include "p2l/kube/errors.hpp"
#include "p2l/kube/events.hpp"
#include "p2l/names.hpp"

namespace p2l::controller {
namespace {

using nlohmann::json;

const std::string kInvalidReason = "InvalidSpec";

std::string child_key(const json& child) {
  return kube::object_key(child);
}

kube::ResourceType type_of_kind(std::string_view kind) {
  for (const ChildKind& child_kind : child_kinds()) {
    if (child_kind.kind == kind) return child_kind.type;
  }
  throw std::invalid_argument("unexpected child kind " + std::string{kind});
}

std::vector<ShardState> shard_states(const Caches& caches, const std::string& namespace_name,
                                     const std::string& name, int replicas) {
  const kube::Store& deployments = caches.children("Deployment");
  std::vector<ShardState> shards;
  for (int shard = 0; shard < replicas; ++shard) {
    const auto live = deployments.get(namespace_name + "/" + shard_name(name, shard));
    shards.push_back(ShardState::from_deployment(live.value_or(json(nullptr))));
  }
  return shards;
}

// The ConfigValid=False message the status already carries, if any.
std::optional<std::string> reported_invalid_message(const json& status) {
  if (!status.is_object() || !status.contains("conditions")) return std::nullopt;
  for (const json& condition : status["conditions"]) {
    if (condition.value("type", "") == "ConfigValid" && condition.value("status", "") == "False") {
      return condition.value("message", "");
    }
  }
  return std::nullopt;
}

}  // namespace

std::string service_url(const std::string& name, const std::string& namespace_name, int port,
                        const std::string& endpoint) {
  return "http://" + name + "." + namespace_name + ".svc:" + std::to_string(port) + endpoint;
}

json object_reference(const json& object) {
  const json metadata = object.value("metadata", json::object());
  return json{{"apiVersion", object.value("apiVersion", std::string{kApiVersion})},
              {"kind", object.value("kind", std::string{kKind})},
              {"namespace", metadata.value("namespace", "")},
              {"name", metadata.value("name", "")},
              {"uid", metadata.value("uid", "")}};
}

Reconciler::Reconciler(kube::Client& client, const Caches& caches, ReconcilerOptions options,
                       spdlog::logger& logger)
    : client_(client), caches_(caches), options_(std::move(options)), logger_(logger) {}

ReconcileResult Reconciler::reconcile(const std::string& key) {
  const auto object = caches_.post2log(key);
  // Gone or going: the garbage collector removes the children through their ownerReferences.
  if (!object || object->at("metadata").contains("deletionTimestamp")) {
    return ReconcileResult::success;
  }

  DecodeResult decoded = decode_post2log(*object);
  if (!decoded.resource) {
    std::string message;
    for (const FieldError& error : decoded.errors) {
      if (!message.empty()) message += "; ";
      message += describe(error);
    }
    return report_invalid(*object, message);
  }
  const Post2Log& resource = *decoded.resource;
  const std::vector<json> desired = render_children(resource, options_.render);
  apply_children(desired);
  remove_unwanted(*object, desired);

  const std::string namespace_name = resource.metadata.namespace_name.value_or("");
  const json previous = object->value("status", json(nullptr));
  StatusInput input{.generation = object->at("metadata").value("generation", std::int64_t{0}),
                    .desired_replicas = resource.spec.replicas,
                    .shards = shard_states(caches_, namespace_name, resource.metadata.name,
                                           resource.spec.replicas),
                    .url = service_url(resource.metadata.name, namespace_name, resource.spec.port,
                                       resource.spec.endpoint),
                    .previous = previous,
                    .now = rfc3339_now()};
  update_status(*object, compute_status(input));
  return ReconcileResult::success;
}

ReconcileResult Reconciler::report_invalid(const json& object, const std::string& message) {
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
                    .shards = shard_states(caches_, namespace_name, name, std::max(replicas, 0)),
                    .url = previous.is_object() ? previous.value("url", "") : "",
                    .invalid_reason = kInvalidReason,
                    .invalid_message = message,
                    .previous = previous,
                    .now = rfc3339_now()};
  log_json(logger_, spdlog::level::warn, "invalid Post2Log, children left as they are",
           {{"key", namespace_name + "/" + name}, {"error", message}});
  // One Event per distinct problem, not one per reconcile.
  if (reported_invalid_message(previous) != message) {
    kube::create_event(client_, {.regarding = object_reference(object),
                                 .type = "Warning",
                                 .reason = kInvalidReason,
                                 .note = message.substr(0, 1000),
                                 .action = "Validate",
                                 .reporting_instance = options_.reporting_instance});
  }
  update_status(object, compute_status(input));
  return ReconcileResult::invalid;
}

void Reconciler::apply_children(const std::vector<json>& desired) {
  for (const json& child : desired) {
    const std::string kind = child.at("kind").get<std::string>();
    const auto live = caches_.children(kind).get(child_key(child));
    if (live && contains_subset(*live, child)) continue;
    log_json(logger_, spdlog::level::info, live ? "updating child" : "creating child",
             {{"kind", kind}, {"key", child_key(child)}});
    const kube::ResourceType type = type_of_kind(kind);
    json applied;
    try {
      applied = client_.apply(type, child, options_.field_manager, true);
    } catch (const kube::ApiError& error) {
      if (!error.invalid()) throw;
    }
    // Server-side apply merges lists by key, so entries another writer added stay (a hand-edited
    // Service port becomes a second port, which the server may reject). A merge patch replaces
    // lists whole and so restores them exactly.
    if (!contains_subset(applied, child)) {
      log_json(logger_, spdlog::level::info, "replacing lists another writer changed",
               {{"kind", kind}, {"key", child_key(child)}});
      client_.merge_patch(kube::object_path(type, child["metadata"].value("namespace", ""),
                                            child["metadata"].value("name", "")),
                          child);
    }
  }
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
  for (const std::string_view kind : {"Deployment", "Ingress", "ConfigMap"}) {
    const std::vector<json> owned = caches_.children(kind).select([&](const json& live) {
      const json& live_metadata = live.at("metadata");
      return controlled_by(live, uid) && !live_metadata.contains("deletionTimestamp") &&
             live_metadata.value("namespace", "") == namespace_name;
    });
    for (const json& live : owned) {
      const json& live_metadata = live.at("metadata");
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

void Reconciler::update_status(const json& object, const json& status) {
  const json previous = object.value("status", json(nullptr));
  if (previous.is_object() && contains_subset(previous, status)) return;
  const json metadata = object.at("metadata");
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

}  // namespace p2l::controller
