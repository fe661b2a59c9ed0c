#pragma once

#include <nlohmann/json.hpp>

namespace p2l::controller {

// True when `live` already holds every field of `desired` with the same value: objects are
// compared key by key (extra keys in `live`, such as server-set defaults, are fine), arrays
// element by element with the same length, everything else by equality. A desired zero value
// (false, 0, "", {}, [], null) also matches an absent field, because the API server drops
// such fields when it stores an object.
[[nodiscard]] bool contains_subset(const nlohmann::json& live, const nlohmann::json& desired);

}  // namespace p2l::controller
