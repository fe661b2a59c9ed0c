#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace p2l::kube {

// Parses YAML text (one document) into JSON. Plain scalars that YAML 1.2's core schema reads as
// null, booleans or numbers become those; quoted scalars stay strings. Throws
// std::runtime_error with the line and column on a syntax error.
nlohmann::json yaml_to_json(const std::string& text);

}  // namespace p2l::kube
