#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "p2l/field_error.hpp"

namespace p2l {

// One YAML document converted to JSON, with the line of every field it contains.
struct YamlDocument {
  nlohmann::json value;
  LineMap lines;   // the root maps to the document's first line
  int first_line;  // 1-based
};

struct YamlLoadResult {
  std::vector<YamlDocument> documents;  // empty documents are skipped
  std::optional<FieldError> error;      // a syntax error stops the whole load
};

// Parses a YAML (or JSON) stream. Plain scalars are typed the way kubectl types them (YAML 1.1
// booleans such as `yes`/`on`, decimal/hex/octal integers, floats, null); quoted and block
// scalars always stay strings. Duplicate keys and non-scalar keys are errors.
[[nodiscard]] YamlLoadResult load_yaml_documents(std::string_view text);

// The JSON value a plain (unquoted) YAML scalar stands for.
[[nodiscard]] nlohmann::json resolve_plain_scalar(std::string_view text);

}  // namespace p2l
