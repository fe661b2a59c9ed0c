#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace p2l {

// One JSON value as a YAML document body. Strings that a YAML reader would take for another
// type ("true", "80", "1.0", "null", "yes", ...) are quoted; multi-line strings that survive it
// are written as literal blocks (|), others double-quoted with escapes.
[[nodiscard]] std::string to_yaml(const nlohmann::json& value);

// Each value as its own document, each starting with "---".
[[nodiscard]] std::string to_yaml_documents(const std::vector<nlohmann::json>& values);

}  // namespace p2l
