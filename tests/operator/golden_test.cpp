#include <cstdlib>
#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "p2l/manifest_reader.hpp"
#include "p2l/render.hpp"
#include "p2l/yaml_emit.hpp"
#include "test_support.hpp"

namespace p2l {
namespace {

namespace fs = std::filesystem;

// Goldens pin the images so that a version bump does not rewrite them all.
RenderOptions golden_options() {
  RenderOptions options;
  options.receiver_image = "post2log-receiver:golden";
  return options;
}

std::vector<fs::path> samples() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator{test::source_path("manifests/samples")}) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool updating() {
  const char* flag = std::getenv("P2L_UPDATE_GOLDEN");
  return flag != nullptr && std::string_view{flag} == "1";
}

// Set P2L_UPDATE_GOLDEN=1 to rewrite tests/operator/golden/ from the current renderer; review
// the diff before committing it.
TEST(Golden, EverySampleRendersAsRecorded) {
  const auto files = samples();
  ASSERT_GE(files.size(), 4u);
  for (const fs::path& sample : files) {
    SCOPED_TRACE(sample.filename().string());
    ManifestReadResult manifest = read_post2log_manifest(test::read_text(sample));
    ASSERT_TRUE(manifest.errors.empty()) << describe(manifest.errors.front());
    std::vector<nlohmann::json> children;
    for (const Post2Log& resource : manifest.resources) {
      auto rendered = child_objects(render_children(resource, golden_options()));
      children.insert(children.end(), rendered.begin(), rendered.end());
    }
    const std::string yaml = to_yaml_documents(children);
    const fs::path golden = test::source_path("tests/operator/golden") / sample.filename();
    if (updating()) {
      test::write_text(golden, yaml);
      continue;
    }
    ASSERT_TRUE(fs::exists(golden)) << golden << " is missing; run with P2L_UPDATE_GOLDEN=1";
    EXPECT_EQ(yaml, test::read_text(golden))
        << "rendering changed; if intended, run with P2L_UPDATE_GOLDEN=1 and review the diff";
  }
}

TEST(Golden, EveryGoldenBelongsToASample) {
  std::set<std::string> names;
  for (const fs::path& sample : samples())
    names.insert(sample.filename().string());
  for (const auto& entry : fs::directory_iterator{test::source_path("tests/operator/golden")}) {
    EXPECT_TRUE(names.contains(entry.path().filename().string()))
        << entry.path() << " has no sample in manifests/samples";
  }
}

}  // namespace
}  // namespace p2l
