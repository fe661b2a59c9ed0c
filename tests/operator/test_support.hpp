#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "p2l/post2log.hpp"

namespace p2l::test {

// A path below the source tree.
std::filesystem::path source_path(std::string_view relative);

std::string read_text(const std::filesystem::path& path);
void write_text(const std::filesystem::path& path, std::string_view text);

// Decodes a one-document manifest that must be valid; fails the test otherwise.
Post2Log parse_valid(std::string_view yaml);

// "apiVersion/kind/metadata" of a Post2Log named `name` followed by `spec_yaml` (already
// indented under "spec:").
std::string manifest(std::string_view spec_yaml, std::string_view name = "demo");

// The children of `kind`.
std::vector<nlohmann::json> of_kind(const std::vector<nlohmann::json>& children,
                                    std::string_view kind);

}  // namespace p2l::test
