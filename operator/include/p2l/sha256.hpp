#pragma once

#include <string>
#include <string_view>

namespace p2l {

// Lower-case hex SHA-256 of `data`.
[[nodiscard]] std::string sha256_hex(std::string_view data);

}  // namespace p2l
