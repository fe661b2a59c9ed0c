#pragma once

#include <array>
#include <string_view>

#include <nlohmann/json.hpp>

namespace p2l {

// Every kind of object a Post2Log owns, in the order they are best applied (what a Deployment
// mounts and what routes to it first). The check Job is last: it is not one of
// render_children, being made only while a Fluentd configuration is checked.
enum class ChildKind {
  config_map,
  service,
  ingress,
  network_policy,
  pod_monitor,
  persistent_volume_claim,
  deployment,
  fluentd_check_job,
};

inline constexpr std::array kAllChildKinds{
    ChildKind::config_map,     ChildKind::service,           ChildKind::ingress,
    ChildKind::network_policy, ChildKind::pod_monitor,       ChildKind::persistent_volume_claim,
    ChildKind::deployment,     ChildKind::fluentd_check_job,
};

// The `kind` its objects carry: "ConfigMap", "Deployment", ...
[[nodiscard]] constexpr std::string_view kind_name(ChildKind kind) {
  switch (kind) {
    case ChildKind::config_map:
      return "ConfigMap";
    case ChildKind::service:
      return "Service";
    case ChildKind::ingress:
      return "Ingress";
    case ChildKind::network_policy:
      return "NetworkPolicy";
    case ChildKind::pod_monitor:
      return "PodMonitor";
    case ChildKind::persistent_volume_claim:
      return "PersistentVolumeClaim";
    case ChildKind::deployment:
      return "Deployment";
    case ChildKind::fluentd_check_job:
      return "Job";
  }
  return "";
}

// One rendered child: its object, with the kind as a value to switch on.
struct Child {
  ChildKind kind;
  nlohmann::json object;

  [[nodiscard]] const std::string& name() const {
    return object.at("metadata").at("name").get_ref<const std::string&>();
  }
  bool operator==(const Child&) const = default;
};

}  // namespace p2l
