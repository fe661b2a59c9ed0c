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
// managed-by label), in one namespace or all, each kept current by a Reflector. Every change
// of a Post2Log that matters enqueues its key; every change of a child enqueues its owner's
// key.
class Caches {
 public:
  using Enqueue = std::function<void(const std::string& key)>;

  // `namespace_name` empty: every namespace.
  Caches(kube::Client& client, const std::string& namespace_name, Enqueue enqueue,
         spdlog::logger& logger);

  // Every reflector has stored its first list.
  [[nodiscard]] bool synced() const;
  [[nodiscard]] bool wait_synced(std::chrono::milliseconds timeout) const;

  [[nodiscard]] std::optional<nlohmann::json> post2log(std::string_view key) const;
  [[nodiscard]] std::vector<nlohmann::json> post2logs() const;
  // The children of one kind ("Deployment", "Service", ...); throws for other kinds.
  [[nodiscard]] const kube::Store& children(std::string_view kind) const;

  void stop();

 private:
  std::unique_ptr<kube::Reflector> post2logs_;
  std::map<std::string, std::unique_ptr<kube::Reflector>, std::less<>> children_;
};

}  // namespace p2l::controller
