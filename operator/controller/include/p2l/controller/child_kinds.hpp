#pragma once

#include <array>
#include <string_view>

#include "p2l/kube/resource_path.hpp"

namespace p2l::controller {

// A kind of object a Post2Log owns, as its objects name it and as the REST API addresses it.
struct ChildKind {
  std::string_view kind;
  kube::ResourceType type;
  // A kind of another project's CRD (the Prometheus operator's PodMonitor), which a cluster
  // may not have: then the operator reconciles everything else and says so in the status.
  bool may_be_unserved = false;
};

// Every kind of child, in the order render_children produces them, then the check Job.
[[nodiscard]] std::array<ChildKind, 8> child_kinds();

// The kinds the client library does not name itself.
[[nodiscard]] kube::ResourceType persistent_volume_claims();
[[nodiscard]] kube::ResourceType ingresses();
[[nodiscard]] kube::ResourceType network_policies();
[[nodiscard]] kube::ResourceType pod_monitors();
[[nodiscard]] kube::ResourceType jobs();
[[nodiscard]] kube::ResourceType pods();
[[nodiscard]] kube::ResourceType leases();

}  // namespace p2l::controller
