#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace p2l {

// The whole content of `file`, bytes as they are; nullopt when it cannot be opened or read.
[[nodiscard]] std::optional<std::string> read_file(const std::filesystem::path& file);

}  // namespace p2l
