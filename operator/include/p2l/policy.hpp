#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "p2l/field_error.hpp"
#include "p2l/post2log.hpp"
#include "p2l/render.hpp"

namespace p2l {

// What the operator lets a Post2Log author ask for. Whoever may create a Post2Log in a
// namespace is a namespace user, not a cluster admin; without these bounds that would mean
// running any code on any node. Set by the operator's flags (`run` and `render` take the
// same ones); the defaults are the safe ones.
struct Policy {
  // --allow-unsafe-fluentd-config: outputConfig may hold directives that run code or read
  // other input (@type exec / exec_filter, @include, <source>, <system>, Ruby "#{...}").
  bool allow_unsafe_fluentd_config = false;
  // --allowed-image-prefix P (repeatable): images a Post2Log may name, by prefix. The
  // operator's own default images are always allowed; with no prefix, only they are.
  std::vector<std::string> allowed_image_prefixes;
  // --allowed-ingress-annotation PATTERN (repeatable, '*' matches any run of characters):
  // Ingress annotations a Post2Log may set; given at least once, it replaces the default "*".
  // Annotations ending in "-snippet" (configuration injected into the ingress controller)
  // are refused unless a pattern other than "*" allows them.
  std::vector<std::string> allowed_ingress_annotations{"*"};
  // --allow-node-port: spec.nodePort may be set (a node port is a cluster-wide resource).
  bool allow_node_port = false;
  // --allow-tolerations: spec.tolerations may be set (they let pods onto tainted nodes, such
  // as the control plane's).
  bool allow_tolerations = false;
};

// What `resource` asks for that `policy` does not allow, each naming the field and the flag
// that would allow it. `defaults` gives the operator's own images.
[[nodiscard]] std::vector<FieldError> check_policy(const Post2Log& resource, const Policy& policy,
                                                   const RenderOptions& defaults);

// Glob match: '*' matches any run of characters, everything else itself.
[[nodiscard]] bool matches_pattern(std::string_view pattern, std::string_view text);

}  // namespace p2l
