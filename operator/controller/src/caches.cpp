#include "p2l/controller/caches.hpp"

#include <stdexcept>

#include "p2l/controller/ownership.hpp"
#include "p2l/controller/resource_types.hpp"
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

namespace {

// Every reflector lists at once at the start, and a page is held whole (as text and parsed,
// managedFields included) until its items are stripped and packed: with the objects packed,
// those pages are most of a restart's peak (38 MiB with 100 objects a page, 30 MiB with 50 at
// 500 Post2Logs), for a few more round trips.
constexpr int kListPageSize = 50;

}  // namespace

Caches::Caches(kube::Client& client, const std::vector<std::string>& namespaces, Enqueue enqueue,
               spdlog::logger& logger) {
  const std::string selector = std::string{kLabelManagedBy} + "=" + std::string{kManagerName};
  const std::vector<std::string> watched =
      namespaces.empty() ? std::vector<std::string>{""} : namespaces;
  for (const std::string& namespace_name : watched) {
    Scope& scope = scopes_[namespace_name];
    kube::ReflectorOptions post2log_options{
        .collection = kube::collection_path(kube::resources::post2logs(), namespace_name),
        .list = {.limit = kListPageSize},
        .transform = kube::strip_for_cache};
    // The CRD may be installed after the operator starts: look again soon.
    post2log_options.max_backoff = std::chrono::seconds(5);
    scope.post2logs = std::make_unique<kube::Reflector>(
        client, std::move(post2log_options),
        [enqueue](const kube::Change& change) {
          if (change.type == kube::ChangeType::modified && change.previous != nullptr &&
              !post2log_change_matters(*change.previous, *change.object)) {
            return;
          }
          enqueue(kube::object_key(*change.object));
        },
        logger);
    for (const ChildKind kind : kAllChildKinds) {
      const ChildResource& resource = child_resource(kind);
      kube::ReflectorOptions options{
          .collection = kube::collection_path(resource.type, namespace_name),
          .list = {.limit = kListPageSize},
          .transform = kube::strip_for_cache};
      options.list.label_selector = selector;
      options.watch.label_selector = selector;
      // The callback reads the object's owner only.
      options.report_previous = false;
      if (resource.may_be_unserved) {
        options.may_be_unserved = true;
        // Post2Logs that asked for this kind while it was not served get it now.
        options.on_served = [&scope, enqueue] {
          for (const std::string& key : scope.post2logs->store().keys())
            enqueue(key);
        };
      }
      scope.children.emplace(kind, std::make_unique<kube::Reflector>(
                                       client, std::move(options),
                                       [enqueue](const kube::Change& change) {
                                         if (auto key = owner_key(*change.object)) enqueue(*key);
                                       },
                                       logger));
    }
  }
}

std::vector<const kube::Reflector*> Caches::reflectors() const {
  std::vector<const kube::Reflector*> all;
  for (const auto& [namespace_name, scope] : scopes_) {
    all.push_back(scope.post2logs.get());
    for (const auto& [kind, reflector] : scope.children)
      all.push_back(reflector.get());
  }
  return all;
}

bool Caches::synced() const {
  for (const kube::Reflector* reflector : reflectors()) {
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
  for (const kube::Reflector* reflector : reflectors()) {
    if (!reflector->wait_synced(remaining())) return false;
  }
  return true;
}

const Caches::Scope& Caches::scope(std::string_view namespace_name) const {
  if (const auto every = scopes_.find(""); every != scopes_.end()) return every->second;
  const auto found = scopes_.find(namespace_name);
  if (found == scopes_.end()) {
    throw std::invalid_argument("namespace " + std::string{namespace_name} + " is not watched");
  }
  return found->second;
}

kube::ObjectPtr Caches::post2log(std::string_view key) const {
  const auto slash = key.find('/');
  const std::string_view namespace_name =
      slash == std::string_view::npos ? std::string_view{} : key.substr(0, slash);
  if (!scopes_.contains("") && !scopes_.contains(namespace_name)) return nullptr;
  return scope(namespace_name).post2logs->store().get(key);
}

namespace {

// What `read` returns from every scope's Post2Log store, one scope after the other.
template <typename Item, typename Scopes>
std::vector<Item> from_every_scope(const Scopes& scopes,
                                   std::vector<Item> (kube::Store::*read)() const) {
  std::vector<Item> all;
  for (const auto& [namespace_name, scope] : scopes) {
    std::vector<Item> some = (scope.post2logs->store().*read)();
    all.insert(all.end(), std::make_move_iterator(some.begin()),
               std::make_move_iterator(some.end()));
  }
  return all;
}

}  // namespace

std::vector<kube::ObjectPtr> Caches::post2logs() const {
  return from_every_scope(scopes_, &kube::Store::list);
}

std::vector<std::string> Caches::post2log_keys() const {
  return from_every_scope(scopes_, &kube::Store::keys);
}

const kube::Reflector& Caches::child_reflector(ChildKind kind,
                                               std::string_view namespace_name) const {
  // Every scope has a reflector of every kind.
  return *scope(namespace_name).children.at(kind);
}

const kube::Store& Caches::children(ChildKind kind, std::string_view namespace_name) const {
  return child_reflector(kind, namespace_name).store();
}

bool Caches::served(ChildKind kind, std::string_view namespace_name) const {
  return child_reflector(kind, namespace_name).served();
}

void Caches::stop() {
  for (auto& [namespace_name, scope] : scopes_) {
    scope.post2logs->stop();
    for (auto& [kind, reflector] : scope.children)
      reflector->stop();
  }
}

}  // namespace p2l::controller
