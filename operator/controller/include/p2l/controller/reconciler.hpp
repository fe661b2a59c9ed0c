#pragma once

#include <string>

#include <spdlog/logger.h>
#include <nlohmann/json.hpp>

#include "p2l/controller/caches.hpp"
#include "p2l/controller/metrics.hpp"
#include "p2l/kube/client.hpp"
#include "p2l/render.hpp"

namespace p2l::controller {

struct ReconcilerOptions {
  RenderOptions render;
  std::string field_manager = "post2log-operator";
  std::string reporting_instance;  // the Events' reportingInstance
};

// Brings one Post2Log's children and status in line with its spec. Level-based: it reads the
// current state from the caches only, so running it again changes nothing, and it writes only
// what differs (an object that already holds every desired field is not applied again).
class Reconciler {
 public:
  Reconciler(kube::Client& client, const Caches& caches, ReconcilerOptions options,
             spdlog::logger& logger);

  // Throws kube::KubeError (or another exception) when a request failed; the caller retries.
  ReconcileResult reconcile(const std::string& key);

 private:
  ReconcileResult report_invalid(const nlohmann::json& object, const std::string& message);
  void apply_children(const std::vector<nlohmann::json>& desired);
  void remove_unwanted(const nlohmann::json& object, const std::vector<nlohmann::json>& desired);
  void update_status(const nlohmann::json& object, const nlohmann::json& status);

  kube::Client& client_;
  const Caches& caches_;
  ReconcilerOptions options_;
  spdlog::logger& logger_;
};

// Post2Log status URL: http://NAME.NAMESPACE.svc:PORT/ENDPOINT.
[[nodiscard]] std::string service_url(const std::string& name, const std::string& namespace_name,
                                      int port, const std::string& endpoint);

// The Event's `regarding` for a Post2Log object.
[[nodiscard]] nlohmann::json object_reference(const nlohmann::json& object);

}  // namespace p2l::controller
