#include "rotating_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "temp_dir.hpp"

namespace p2l {
namespace {

namespace fs = std::filesystem;

std::string contents(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(RotatingFile, AppendsWholeLines) {
  TempDir dir;
  RotatingFile file(dir.path() / "x.log", 0, 5, false);
  ASSERT_FALSE(file.append("one\n"));
  ASSERT_FALSE(file.append("two\n"));
  EXPECT_EQ(contents(dir.path() / "x.log"), "one\ntwo\n");
  EXPECT_EQ(file.rotations(), 0u);
}

TEST(RotatingFile, RotatesBeforeALineWouldOverflow) {
  TempDir dir;
  RotatingFile file(dir.path() / "x.log", 10, 3, false);
  for (const char* line :
       {"aaaa\n", "bbbb\n", "cccc\n", "dddd\n", "eeee\n", "ffff\n", "gggg\n", "hhhh\n", "iiii\n"}) {
    ASSERT_FALSE(file.append(line));
  }
  // Two lines per file; the oldest (aaaa, bbbb) was dropped after 3 backups.
  EXPECT_EQ(contents(dir.path() / "x.log"), "iiii\n");
  EXPECT_EQ(contents(dir.path() / "x.log.1"), "gggg\nhhhh\n");
  EXPECT_EQ(contents(dir.path() / "x.log.2"), "eeee\nffff\n");
  EXPECT_EQ(contents(dir.path() / "x.log.3"), "cccc\ndddd\n");
  EXPECT_FALSE(fs::exists(dir.path() / "x.log.4"));
  EXPECT_EQ(file.rotations(), 4u);
}

TEST(RotatingFile, ALineLargerThanTheLimitGetsAFileOfItsOwn) {
  TempDir dir;
  RotatingFile file(dir.path() / "x.log", 4, 2, false);
  ASSERT_FALSE(file.append("a\n"));
  ASSERT_FALSE(file.append("0123456789\n"));
  ASSERT_FALSE(file.append("b\n"));
  EXPECT_EQ(contents(dir.path() / "x.log.2"), "a\n");
  EXPECT_EQ(contents(dir.path() / "x.log.1"), "0123456789\n");
  EXPECT_EQ(contents(dir.path() / "x.log"), "b\n");
}

TEST(RotatingFile, ContinuesAnExistingFileAndItsSize) {
  TempDir dir;
  {
    std::ofstream existing(dir.path() / "x.log");
    existing << "old1\n";
  }
  RotatingFile file(dir.path() / "x.log", 10, 1, false);
  ASSERT_FALSE(file.append("new1\n"));  // 10 bytes: still fits
  ASSERT_FALSE(file.append("new2\n"));  // rotates
  EXPECT_EQ(contents(dir.path() / "x.log.1"), "old1\nnew1\n");
  EXPECT_EQ(contents(dir.path() / "x.log"), "new2\n");
}

TEST(RotatingFile, ReportsErrorsAndRecoversWhenTheDirectoryReturns) {
  TempDir dir;
  const fs::path logs = dir.path() / "logs";
  RotatingFile file(logs / "x.log", 0, 1, false);  // the directory does not exist yet
  EXPECT_TRUE(file.append("lost\n"));
  fs::create_directory(logs);
  EXPECT_FALSE(file.append("kept\n"));
  EXPECT_EQ(contents(logs / "x.log"), "kept\n");
}

}  // namespace
}  // namespace p2l
