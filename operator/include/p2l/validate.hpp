#pragma once

#include <string_view>
#include <vector>

#include "p2l/field_error.hpp"
#include "p2l/post2log.hpp"

namespace p2l {

// Checks every value rule of a decoded Post2Log (the same rules the CRD schema and its CEL
// rules enforce, plus the Fluentd syntax check of spec.fluentd.outputConfig). Returns the
// problems with their field paths; an empty result means the resource is valid.
[[nodiscard]] std::vector<FieldError> validate_post2log(const Post2Log& resource);

// A Kubernetes quantity such as 4Gi, 500M or 1.5 (no sign).
[[nodiscard]] bool is_quantity(std::string_view text);

// RFC 1123 label (namespace), RFC 1035 label (Service and CR names), RFC 1123 subdomain.
[[nodiscard]] bool is_dns1123_label(std::string_view text);
[[nodiscard]] bool is_dns1035_label(std::string_view text);
[[nodiscard]] bool is_dns1123_subdomain(std::string_view text);

}  // namespace p2l
