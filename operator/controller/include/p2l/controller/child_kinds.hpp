#pragma once

#include <array>
#include <string_view>

#include "p2l/kube/resource_path.hpp"

namespace p2l::controller {

// A kind of object a Post2Log owns, as its objects name it and as the REST API addresses it.
struct ChildKind {
  std::string_view kind;
  kube::ResourceType type;
};

// Every kind of child, in the order render_children produces them.
[[nodiscard]] std::array<ChildKind, 6> child_kinds();

// The kinds the client library does not name itself.
[[nodiscard]] kube::ResourceType persistent_volume_claims();
[[nodiscard]] kube::ResourceType ingresses();
[[nodiscard]] kube::ResourceType network_policies();
[[nodiscard]] kube::ResourceType leases();

}  // namespace p2l::controller
