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

kube::ResourceType jobs() {
  return {.group = "batch", .version = "v1", .resource = "jobs"};
}

kube::ResourceType pods() {
  return {.group = "", .version = "v1", .resource = "pods"};
}

kube::ResourceType leases() {
  return {.group = "coordination.k8s.io", .version = "v1", .resource = "leases"};
}

std::array<ChildKind, 8> child_kinds() {
  return {ChildKind{"ConfigMap", kube::resources::config_maps()},
          ChildKind{"Service", kube::resources::services()}, ChildKind{"Ingress", ingresses()},
          ChildKind{"NetworkPolicy", network_policies()},
          ChildKind{.kind = "PodMonitor", .type = pod_monitors(), .may_be_unserved = true},
          ChildKind{"PersistentVolumeClaim", persistent_volume_claims()},
          ChildKind{"Deployment", kube::resources::deployments()},
          // Not rendered with the others: made only while a Fluentd configuration is checked.
          ChildKind{"Job", jobs()}};
}

}  // namespace p2l::controller
