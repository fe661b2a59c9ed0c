#pragma once

#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "p2l/field_error.hpp"
#include "p2l/post2log.hpp"

namespace p2l {

struct DecodeResult {
  std::optional<Post2Log> resource;  // set only when `errors` is empty
  std::vector<FieldError> errors;
};

// Reads a Post2Log object (as the API server or a manifest file gives it), applies the same
// defaults as the CRD, rejects unknown fields and wrong types, then validates every rule
// (validate.hpp). Errors carry the field path, and a line when `lines` knows one.
// `metadata` may hold any other fields the API server sets; `status` is ignored.
[[nodiscard]] DecodeResult decode_post2log(const nlohmann::json& object, const LineMap& lines = {});

}  // namespace p2l
