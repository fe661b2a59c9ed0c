#pragma once

#include "p2l/child_kind.hpp"
#include "p2l/kube/resource_path.hpp"

namespace p2l::controller {

// The one list of the resource types the operator addresses besides the client library's own
// (kube::resources): its children's, by kind, and the few it reads or writes for itself.

// How the REST API addresses one kind of child.
struct ChildResource {
  ChildKind kind;
  kube::ResourceType type;
  // A kind of another project's CRD (the Prometheus operator's PodMonitor), which a cluster
  // may not have: then the operator reconciles everything else and says so in the status.
  bool may_be_unserved = false;
};

[[nodiscard]] const ChildResource& child_resource(ChildKind kind);

// The check Job's pods, read for Fluentd's last words.
[[nodiscard]] kube::ResourceType pods();
// Leader election's lock.
[[nodiscard]] kube::ResourceType leases();

}  // namespace p2l::controller
