#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "p2l/field_error.hpp"
#include "p2l/post2log.hpp"

namespace p2l {

// A check beyond the resource's own rules (the operator's policy, check_policy).
using PolicyCheck = std::function<std::vector<FieldError>(const Post2Log&)>;

struct ManifestReadResult {
  std::vector<Post2Log> resources;  // every document, in order, when `errors` is empty
  std::vector<FieldError> errors;   // lines are lines of the whole text
};

// Reads a YAML or JSON text holding one or more Post2Log documents (as given to kubectl apply -f).
// `policy`, when given, is checked on every valid document too, its errors with their lines.
[[nodiscard]] ManifestReadResult read_post2log_manifest(std::string_view text,
                                                        const PolicyCheck& policy = {});

}  // namespace p2l
