#pragma once

#include <string_view>
#include <vector>

#include "p2l/field_error.hpp"
#include "p2l/post2log.hpp"

namespace p2l {

struct ManifestReadResult {
  std::vector<Post2Log> resources;  // every document, in order, when `errors` is empty
  std::vector<FieldError> errors;   // lines are lines of the whole text
};

// Reads a YAML or JSON text holding one or more Post2Log documents (as given to kubectl apply -f).
[[nodiscard]] ManifestReadResult read_post2log_manifest(std::string_view text);

}  // namespace p2l
