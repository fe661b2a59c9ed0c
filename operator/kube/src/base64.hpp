#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace p2l::kube::detail {

// Standard base64 with optional padding; whitespace is ignored. nullopt when malformed.
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace p2l::kube::detail
