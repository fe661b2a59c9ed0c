#include "p2l/controller/child_kinds.hpp"

namespace p2l::controller {

kube::ResourceType persistent_volume_claims() {
  return {.group = "", .version = "v1", .resource = "persistentvolumeclaims"};
}

kube::ResourceType ingresses() {
  return {.group = "networking.k8s.io", .version = "v1", .resource = "ingresses"};
}

kube::ResourceType network_policies() {
  return {.group = "networking.k8s.io", .version = "v1", .resource = "networkpolicies"};
}

kube::ResourceType pod_monitors() {
  return {.group = "monitoring.coreos.com", .version = "v1", .resource = "podmonitors"};
}

kube::ResourceType leases() {
  return {.group = "coordination.k8s.io", .version = "v1", .resource = "leases"};
}

std::array<ChildKind, 7> child_kinds() {
  return {ChildKind{"ConfigMap", kube::resources::config_maps()},
          ChildKind{"Service", kube::resources::services()},
          ChildKind{"Ingress", ingresses()},
          ChildKind{"NetworkPolicy", network_policies()},
          ChildKind{.kind = "PodMonitor", .type = pod_monitors(), .may_be_unserved = true},
          ChildKind{"PersistentVolumeClaim", persistent_volume_claims()},
          ChildKind{"Deployment", kube::resources::deployments()}};
}

}  // namespace p2l::controller
