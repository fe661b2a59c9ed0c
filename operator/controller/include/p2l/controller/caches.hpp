#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/logger.h>
#include <nlohmann/json.hpp>

#include "p2l/child_kind.hpp"
#include "p2l/kube/client.hpp"
#include "p2l/kube/reflector.hpp"
#include "p2l/kube/store.hpp"

namespace p2l::controller {

// Whether a Post2Log's change can change what a reconcile does: its spec (generation), labels,
// annotations or deletion. A change of the status alone (the operator's own writes) does not,
// and reconciling on it would undo the backoff of a failing key.
[[nodiscard]] bool post2log_change_matters(const nlohmann::json& before,
                                           const nlohmann::json& after);

// What the controller reads: Post2Logs and the children the operator manages (selected by the
// managed-by label), in every namespace or in the given ones, each kept current by a
// Reflector. Every change of a Post2Log that matters enqueues its key; every change of a child
// enqueues its owner's key.
class Caches {
 public:
  using Enqueue = std::function<void(const std::string& key)>;

  // `namespaces` empty: every namespace (one list and watch per kind); else one per namespace
  // and kind, which a namespaced install's Roles allow.
  Caches(kube::Client& client, const std::vector<std::string>& namespaces, Enqueue enqueue,
         spdlog::logger& logger);

  // Every reflector has stored its first list.
  [[nodiscard]] bool synced() const;
  [[nodiscard]] bool wait_synced(std::chrono::milliseconds timeout) const;

  // Parsed from the cache, shared with whoever holds that state already (nullptr: none).
  [[nodiscard]] kube::ObjectPtr post2log(std::string_view key) const;
  [[nodiscard]] std::vector<kube::ObjectPtr> post2logs() const;
  // Their keys, without reading the objects (the cache keeps them packed).
  [[nodiscard]] std::vector<std::string> post2log_keys() const;
  // The children of one kind in `namespace_name`; throws for a namespace that is not watched.
  [[nodiscard]] const kube::Store& children(ChildKind kind, std::string_view namespace_name) const;
  // Whether the server serves that kind of child (false only for a kind that
  // may_be_unserved, whose CRD is not installed).
  [[nodiscard]] bool served(ChildKind kind, std::string_view namespace_name) const;

  void stop();

 private:
  // The reflectors of one namespace ("" for every namespace).
  struct Scope {
    std::unique_ptr<kube::Reflector> post2logs;
    std::map<ChildKind, std::unique_ptr<kube::Reflector>> children;
  };
  [[nodiscard]] const Scope& scope(std::string_view namespace_name) const;
  [[nodiscard]] const kube::Reflector& child_reflector(ChildKind kind,
                                                       std::string_view namespace_name) const;
  [[nodiscard]] std::vector<const kube::Reflector*> reflectors() const;

  std::map<std::string, Scope, std::less<>> scopes_;
};

}  // namespace p2l::controller
