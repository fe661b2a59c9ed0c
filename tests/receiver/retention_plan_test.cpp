#include "retention_plan.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace p2l {
namespace {

// A log directory by index (0: x.log) -> what the file holds.
using Directory = std::map<unsigned, std::string>;

// Applies `plan` as RotatingFile does, failing the test when a rename would replace a file.
Directory replay(Directory directory, const RetentionPlan& plan) {
  for (const BackupFile& file : plan.remove) {
    EXPECT_EQ(directory.erase(file.index), 1u) << "x.log." << file.index << " is not there";
  }
  for (const BackupRename& rename : plan.renames) {
    EXPECT_FALSE(directory.contains(rename.to))
        << "x.log." << rename.from << " -> x.log." << rename.to << " would replace a file";
    const auto node = directory.extract(rename.from);
    EXPECT_FALSE(node.empty()) << "x.log." << rename.from << " is not there";
    if (node.empty()) continue;
    directory[rename.to] = node.mapped();
  }
  return directory;
}

// `x.log` plus the backups, each file named by its contents.
Directory directory_of(const std::vector<BackupFile>& backups) {
  Directory directory{{0, "current"}};
  for (const BackupFile& file : backups)
    directory[file.index] = "was." + std::to_string(file.index);
  return directory;
}

std::optional<std::uint64_t> untracked() {
  return std::nullopt;
}

TEST(RetentionPlan, WithoutAShipperItIsRotatingFileHandler) {
  RetentionInput input;
  input.keep = 3;
  for (unsigned i = 1; i <= 3; ++i)
    input.backups.push_back({.index = i, .size = 10, .unshipped = untracked()});
  const RetentionPlan plan = plan_rotation(input);
  ASSERT_EQ(plan.remove.size(), 1u);
  EXPECT_EQ(plan.remove[0].index, 3u);
  EXPECT_EQ(plan.renames, (std::vector<BackupRename>{{2, 3}, {1, 2}, {0, 1}}));
  EXPECT_EQ(replay(directory_of(input.backups), plan),
            (Directory{{1, "current"}, {2, "was.1"}, {3, "was.2"}}));
}

TEST(RetentionPlan, OneBackupReplacesIt) {
  RetentionInput input;
  input.keep = 1;
  input.backups = {{.index = 1, .size = 10, .unshipped = 0}};
  const RetentionPlan plan = plan_rotation(input);
  ASSERT_EQ(plan.remove.size(), 1u);
  EXPECT_EQ(replay(directory_of(input.backups), plan), (Directory{{1, "current"}}));
}

TEST(RetentionPlan, TheFirstRotationOnlyRenames) {
  RetentionInput input;
  const RetentionPlan plan = plan_rotation(input);
  EXPECT_TRUE(plan.remove.empty());
  EXPECT_EQ(plan.renames, (std::vector<BackupRename>{{0, 1}}));
}

TEST(RetentionPlan, KeepsUnshippedFilesBeyondTheBackupCount) {
  RetentionInput input;
  input.keep = 2;
  input.free_bytes = 1000;
  input.min_free_bytes = 100;
  input.backups = {{.index = 1, .size = 10, .unshipped = 10},
                   {.index = 2, .size = 10, .unshipped = 3}};
  const RetentionPlan plan = plan_rotation(input);
  EXPECT_TRUE(plan.remove.empty());
  EXPECT_EQ(replay(directory_of(input.backups), plan),
            (Directory{{1, "current"}, {2, "was.1"}, {3, "was.2"}}));
}

TEST(RetentionPlan, DeletesShippedFilesBeyondTheBackupCountAndClosesTheGaps) {
  RetentionInput input;
  input.keep = 2;
  input.free_bytes = 1000;
  input.min_free_bytes = 100;
  // x.log.1 is inside the count; 2 and 4 are shipped, 3 and 5 are not.
  input.backups = {{.index = 1, .size = 10, .unshipped = 0},
                   {.index = 2, .size = 10, .unshipped = 0},
                   {.index = 3, .size = 10, .unshipped = 1},
                   {.index = 4, .size = 10, .unshipped = 0},
                   {.index = 5, .size = 10, .unshipped = 10}};
  const RetentionPlan plan = plan_rotation(input);
  ASSERT_EQ(plan.remove.size(), 2u);
  EXPECT_EQ(plan.remove[0].index, 4u);  // oldest first
  EXPECT_EQ(plan.remove[1].index, 2u);
  EXPECT_EQ(replay(directory_of(input.backups), plan),
            (Directory{{1, "current"}, {2, "was.1"}, {3, "was.3"}, {4, "was.5"}}));
}

TEST(RetentionPlan, LowSpaceDeletesShippedFilesBeforeUnshippedOnesOldestFirst) {
  RetentionInput input;
  input.keep = 3;
  input.free_bytes = 50;
  input.min_free_bytes = 75;  // 25 bytes short: three files of 10
  input.backups = {{.index = 1, .size = 10, .unshipped = 0},
                   {.index = 2, .size = 10, .unshipped = 10},
                   {.index = 3, .size = 10, .unshipped = 10},
                   {.index = 4, .size = 10, .unshipped = 4}};
  const RetentionPlan plan = plan_rotation(input);
  ASSERT_EQ(plan.remove.size(), 3u);
  EXPECT_EQ(plan.remove[0].index, 4u);
  EXPECT_EQ(plan.remove[1].index, 3u);
  EXPECT_EQ(plan.remove[2].index, 1u);  // shipped: went before x.log.2
  EXPECT_EQ(replay(directory_of(input.backups), plan), (Directory{{1, "current"}, {2, "was.2"}}));
}

TEST(RetentionPlan, LowSpaceNeverDeletesTheFileBeingRotated) {
  RetentionInput input;
  input.keep = 5;
  input.free_bytes = 0;
  input.min_free_bytes = 1000000;
  input.backups = {{.index = 1, .size = 10, .unshipped = 10},
                   {.index = 2, .size = 10, .unshipped = 10}};
  const RetentionPlan plan = plan_rotation(input);
  EXPECT_EQ(plan.remove.size(), 2u);
  EXPECT_EQ(replay(directory_of(input.backups), plan), (Directory{{1, "current"}}));
}

TEST(RetentionPlan, EnoughSpaceOrUnknownSpaceDeletesNothingUnshipped) {
  RetentionInput input;
  input.keep = 1;
  input.min_free_bytes = 100;
  input.backups = {{.index = 1, .size = 10, .unshipped = 10}};
  input.free_bytes = 100;
  EXPECT_TRUE(plan_rotation(input).remove.empty());
  input.free_bytes = std::nullopt;
  EXPECT_TRUE(plan_rotation(input).remove.empty());
}

// Every combination of gaps and shipped states over seven indices: no rename ever replaces a
// file, the files kept are the expected ones, in order, renumbered 1..K without gaps.
TEST(RetentionPlan, EveryLayoutRenamesSafelyIntoAChainWithoutGaps) {
  for (unsigned present = 0; present < (1u << 7); ++present) {
    for (unsigned unshipped = 0; unshipped < (1u << 7); ++unshipped) {
      if ((unshipped & ~present) != 0) continue;
      for (const unsigned keep : {1u, 2u, 4u}) {
        RetentionInput input;
        input.keep = keep;
        input.free_bytes = 1000;
        for (unsigned bit = 0; bit < 7; ++bit) {
          if ((present & (1u << bit)) == 0) continue;
          const bool open = (unshipped & (1u << bit)) != 0;
          input.backups.push_back({.index = bit + 1, .size = 10, .unshipped = open ? 5u : 0u});
        }
        const RetentionPlan plan = plan_rotation(input);
        const Directory after = replay(directory_of(input.backups), plan);
        // Expected: newest keep-1 backups, plus every unshipped one, in age order.
        std::vector<std::string> expected = {"current"};
        unsigned rank = 0;
        for (const BackupFile& file : input.backups) {
          if (rank++ < keep - 1 || *file.unshipped > 0)
            expected.push_back("was." + std::to_string(file.index));
        }
        std::vector<std::string> actual;
        unsigned next = 1;
        for (const auto& [index, contents] : after) {
          ASSERT_EQ(index, next++) << "gap; present " << present << " unshipped " << unshipped;
          actual.push_back(contents);
        }
        ASSERT_EQ(actual, expected)
            << "present " << present << " unshipped " << unshipped << " keep " << keep;
      }
    }
  }
}

}  // namespace
}  // namespace p2l
