#include "p2l/controller/resource_types.hpp"

#include <array>

namespace p2l::controller {
namespace {

std::array<ChildResource, kAllChildKinds.size()> make_child_resources() {
  const auto type = [](std::string group, std::string resource) {
    return kube::ResourceType{
        .group = std::move(group), .version = "v1", .resource = std::move(resource)};
  };
  // In ChildKind's order: child_resource indexes by it (a unit test checks every row).
  return {ChildResource{ChildKind::config_map, kube::resources::config_maps()},
          ChildResource{ChildKind::service, kube::resources::services()},
          ChildResource{ChildKind::ingress, type("networking.k8s.io", "ingresses")},
          ChildResource{ChildKind::network_policy, type("networking.k8s.io", "networkpolicies")},
          ChildResource{.kind = ChildKind::pod_monitor,
                        .type = type("monitoring.coreos.com", "podmonitors"),
                        .may_be_unserved = true},
          ChildResource{ChildKind::persistent_volume_claim, type("", "persistentvolumeclaims")},
          ChildResource{ChildKind::deployment, kube::resources::deployments()},
          ChildResource{ChildKind::fluentd_check_job, type("batch", "jobs")}};
}

}  // namespace

const ChildResource& child_resource(ChildKind kind) {
  static const auto resources = make_child_resources();
  return resources.at(static_cast<std::size_t>(kind));
}

kube::ResourceType pods() {
  return {.group = "", .version = "v1", .resource = "pods"};
}

kube::ResourceType leases() {
  return {.group = "coordination.k8s.io", .version = "v1", .resource = "leases"};
}

}  // namespace p2l::controller
