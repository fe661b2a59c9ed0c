#include "rotating_file.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
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

// A position file as Fluentd's in_tail writes it, saying every file in `dir` whose name
// starts with "x.log" was read to `position` (or to its end when nullopt).
void write_positions(const fs::path& pos_file, const fs::path& dir,
                     const std::map<std::string, std::optional<std::uint64_t>>& files) {
  std::ofstream out(pos_file, std::ios::trunc);
  for (const auto& [name, position] : files) {
    struct stat info {};
    ASSERT_EQ(::stat((dir / name).c_str(), &info), 0) << name;
    const auto read = position.value_or(static_cast<std::uint64_t>(info.st_size));
    char line[64];
    std::snprintf(line, sizeof line, "\t%016llx\t%016llx\n", static_cast<unsigned long long>(read),
                  static_cast<unsigned long long>(info.st_ino));
    out << (dir / name).string() << line;
  }
}

TEST(RotatingFile, WithAShipperKeepsUnshippedFilesBeyondTheBackupCount) {
  TempDir dir;
  const fs::path pos = dir.path() / "shipper.pos";
  RotatingFile file(dir.path() / "x.log", 10, 1, false, {.pos_file = pos, .min_free_bytes = 0});
  for (const char* line : {"aaaa\n", "bbbb\n", "cccc\n", "dddd\n", "eeee\n", "ffff\n"}) {
    ASSERT_FALSE(file.append(line));
  }
  // No position file yet: nothing is shipped, nothing is deleted.
  EXPECT_EQ(file.positions_readable(), false);
  EXPECT_EQ(contents(dir.path() / "x.log.2"), "aaaa\nbbbb\n");
  EXPECT_EQ(contents(dir.path() / "x.log.1"), "cccc\ndddd\n");
  EXPECT_EQ(contents(dir.path() / "x.log"), "eeee\nffff\n");

  // x.log.2 read to its end, x.log.1 half: only x.log.2 goes at the next rotation.
  write_positions(pos, dir.path(), {{"x.log.2", std::nullopt}, {"x.log.1", 5}});
  ASSERT_FALSE(file.append("gggg\n"));
  EXPECT_EQ(file.positions_readable(), true);
  EXPECT_EQ(contents(dir.path() / "x.log.2"), "cccc\ndddd\n");
  EXPECT_EQ(contents(dir.path() / "x.log.1"), "eeee\nffff\n");
  EXPECT_EQ(contents(dir.path() / "x.log"), "gggg\n");
  EXPECT_FALSE(fs::exists(dir.path() / "x.log.3"));
  EXPECT_TRUE(file.take_dropped().empty());

  // Everything shipped: back to one backup.
  write_positions(pos, dir.path(), {{"x.log.2", std::nullopt}, {"x.log.1", std::nullopt}});
  ASSERT_FALSE(file.append("hhhh\n"));
  ASSERT_FALSE(file.append("iiii\n"));
  EXPECT_EQ(contents(dir.path() / "x.log.1"), "gggg\nhhhh\n");
  EXPECT_EQ(contents(dir.path() / "x.log"), "iiii\n");
  EXPECT_FALSE(fs::exists(dir.path() / "x.log.2"));
}

TEST(RotatingFile, BelowTheFreeSpaceFloorDropsUnshippedFilesAndReportsThem) {
  TempDir dir;
  const fs::path pos = dir.path() / "shipper.pos";
  // A floor no volume reaches: every rotation is short of space.
  RotatingFile file(dir.path() / "x.log", 10, 3, false,
                    {.pos_file = pos, .min_free_bytes = std::numeric_limits<std::uint64_t>::max()});
  ASSERT_FALSE(file.append("aaaa\n"));
  ASSERT_FALSE(file.append("bbbb\n"));
  ASSERT_FALSE(file.append("cccc\n"));  // first rotation: nothing to delete yet
  EXPECT_TRUE(file.take_dropped().empty());
  write_positions(pos, dir.path(), {{"x.log.1", 5}});  // "aaaa" shipped, "bbbb" not
  ASSERT_FALSE(file.append("dddd\n"));
  ASSERT_FALSE(file.append("eeee\n"));  // second rotation: x.log.1 goes, half unshipped
  const auto dropped = file.take_dropped();
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].path, dir.path() / "x.log.1");
  EXPECT_EQ(dropped[0].bytes, 5u);
  EXPECT_EQ(dropped[0].lines, 1u);
  EXPECT_EQ(contents(dir.path() / "x.log.1"), "cccc\ndddd\n");
  EXPECT_EQ(contents(dir.path() / "x.log"), "eeee\n");
  EXPECT_FALSE(fs::exists(dir.path() / "x.log.2"));
  EXPECT_TRUE(file.take_dropped().empty());
}

}  // namespace
}  // namespace p2l
