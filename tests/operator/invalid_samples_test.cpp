#include <filesystem>

#include <gtest/gtest.h>

#include "p2l/manifest_reader.hpp"
#include "test_support.hpp"

namespace p2l {
namespace {

namespace fs = std::filesystem;

// Each file in tests/operator/invalid/ holds one invalid thing and names the error it must
// cause in a "# expect: ..." comment.
TEST(InvalidSamples, EachIsRejectedWithItsExpectedError) {
  std::size_t count = 0;
  for (const auto& entry : fs::directory_iterator{test::source_path("tests/operator/invalid")}) {
    if (entry.path().extension() != ".yaml") continue;
    ++count;
    SCOPED_TRACE(entry.path().filename().string());
    const std::string text = test::read_text(entry.path());
    const std::string marker = "# expect: ";
    const std::size_t at = text.find(marker);
    ASSERT_NE(at, std::string::npos) << "no '# expect:' comment";
    const std::size_t end = text.find('\n', at);
    const std::string expected = text.substr(at + marker.size(), end - at - marker.size());
    ManifestReadResult result = read_post2log_manifest(text);
    ASSERT_EQ(result.errors.size(), 1u) << "each file should hold exactly one invalid thing";
    EXPECT_NE(describe(result.errors[0]).find(expected), std::string::npos)
        << describe(result.errors[0]);
    EXPECT_TRUE(result.errors[0].line);
    EXPECT_TRUE(result.resources.empty());
  }
  EXPECT_GE(count, 20u);
}

}  // namespace
}  // namespace p2l
