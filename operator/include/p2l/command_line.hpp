#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "p2l/render.hpp"

namespace p2l {

inline constexpr int kExitSuccess = 0;
inline constexpr int kExitInvalidInput = 1;
inline constexpr int kExitUsage = 2;

struct HelpRequest {};
struct VersionRequest {};
struct RenderRequest {
  std::string file;  // "-" for standard input
  RenderOptions options;
};
struct UsageError {
  std::string message;
};

using Command = std::variant<HelpRequest, VersionRequest, RenderRequest, UsageError>;

// Parses the arguments after the program name.
[[nodiscard]] Command parse_command_line(const std::vector<std::string_view>& args);

// Every command and flag.
[[nodiscard]] std::string help_text();

}  // namespace p2l
