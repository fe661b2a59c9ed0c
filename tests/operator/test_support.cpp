#include "test_support.hpp"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "p2l/manifest_reader.hpp"

namespace p2l::test {

std::filesystem::path source_path(std::string_view relative) {
  return std::filesystem::path{P2L_SOURCE_DIR} / relative;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream stream{path, std::ios::binary};
  if (!stream) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << stream.rdbuf();
  return text.str();
}

void write_text(const std::filesystem::path& path, std::string_view text) {
  std::ofstream stream{path, std::ios::binary | std::ios::trunc};
  stream << text;
  if (!stream) throw std::runtime_error("cannot write " + path.string());
}

Post2Log parse_valid(std::string_view yaml) {
  ManifestReadResult result = read_post2log_manifest(yaml);
  for (const FieldError& error : result.errors)
    ADD_FAILURE() << describe(error);
  if (result.resources.size() != 1) {
    ADD_FAILURE() << "expected one valid Post2Log";
    return {};
  }
  return result.resources.front();
}

std::string manifest(std::string_view spec_yaml, std::string_view name) {
  std::string text = "apiVersion: post2log.io/v1alpha1\nkind: Post2Log\nmetadata:\n  name: ";
  text += name;
  text += "\nspec:\n";
  text += spec_yaml.empty() ? "  {}\n" : spec_yaml;
  return text;
}

std::vector<nlohmann::json> of_kind(const std::vector<nlohmann::json>& children,
                                    std::string_view kind) {
  std::vector<nlohmann::json> matching;
  for (const nlohmann::json& child : children) {
    if (child.at("kind") == kind) matching.push_back(child);
  }
  return matching;
}

}  // namespace p2l::test
