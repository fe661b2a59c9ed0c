#include "p2l/controller/caches.hpp"

#include <stdexcept>

#include "p2l/controller/child_kinds.hpp"
#include "p2l/controller/ownership.hpp"
#include "p2l/names.hpp"

namespace p2l::controller {

bool post2log_change_matters(const nlohmann::json& before, const nlohmann::json& after) {
  const auto metadata_field = [](const nlohmann::json& object, const char* field) {
    if (!object.contains("metadata")) return nlohmann::json(nullptr);
    return object["metadata"].value(field, nlohmann::json(nullptr));
  };
  for (const char* field : {"generation", "labels", "annotations", "deletionTimestamp"}) {
    if (metadata_field(before, field) != metadata_field(after, field)) return true;
  }
  return false;
}

Caches::Caches(kube::Client& client, const std::string& namespace_name, Enqueue enqueue,
               spdlog::logger& logger) {
  kube::ReflectorOptions post2log_options{
      .collection = kube::collection_path(kube::resources::post2logs(), namespace_name)};
  // The CRD may be installed after the operator starts: look again soon.
  post2log_options.max_backoff = std::chrono::seconds(5);
  post2logs_ = std::make_unique<kube::Reflector>(
      client, std::move(post2log_options),
      [enqueue](const kube::Change& change) {
        if (change.type == kube::ChangeType::modified && change.previous != nullptr &&
            !post2log_change_matters(*change.previous, change.object)) {
          return;
        }
        enqueue(kube::object_key(change.object));
      },
      logger);

  const std::string selector = std::string{kLabelManagedBy} + "=" + std::string{kManagerName};
  for (const ChildKind& kind : child_kinds()) {
    kube::ReflectorOptions options{.collection = kube::collection_path(kind.type, namespace_name)};
    options.list.label_selector = selector;
    options.watch.label_selector = selector;
    children_.emplace(std::string{kind.kind}, std::make_unique<kube::Reflector>(
                                                  client, std::move(options),
                                                  [enqueue](const kube::Change& change) {
                                                    if (auto key = owner_key(change.object))
                                                      enqueue(*key);
                                                  },
                                                  logger));
  }
}

bool Caches::synced() const {
  if (!post2logs_->synced()) return false;
  for (const auto& [kind, reflector] : children_) {
    if (!reflector->synced()) return false;
  }
  return true;
}

bool Caches::wait_synced(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto remaining = [&] {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now()));
  };
  if (!post2logs_->wait_synced(remaining())) return false;
  for (const auto& [kind, reflector] : children_) {
    if (!reflector->wait_synced(remaining())) return false;
  }
  return true;
}

std::optional<nlohmann::json> Caches::post2log(std::string_view key) const {
  return post2logs_->store().get(key);
}

std::vector<nlohmann::json> Caches::post2logs() const {
  return post2logs_->store().list();
}

const kube::Store& Caches::children(std::string_view kind) const {
  const auto found = children_.find(kind);
  if (found == children_.end()) {
    throw std::invalid_argument("no cache for kind " + std::string{kind});
  }
  return found->second->store();
}

void Caches::stop() {
  post2logs_->stop();
  for (auto& [kind, reflector] : children_)
    reflector->stop();
}

}  // namespace p2l::controller
