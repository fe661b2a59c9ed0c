#include "shipper_positions.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "temp_dir.hpp"

namespace p2l {
namespace {

TEST(ShipperPositions, ReadsFluentdsInTailFormatByInode) {
  // As in_tail writes it: path, position and inode, 16 hex digits each.
  const auto positions = ShipperPositions::parse(
      "/data/logs/post2log-1.log\t0000000000000400\t00000000000a1b2c\n"
      "/data/logs/post2log-2.log\t0000000000000010\t00000000000a1b2d\n");
  EXPECT_EQ(positions.size(), 2u);
  EXPECT_EQ(positions.unshipped(0xa1b2c, 0x400), 0u);  // read to its end
  EXPECT_EQ(positions.unshipped(0xa1b2c, 0x500), 0x100u);
  EXPECT_EQ(positions.unshipped(0xa1b2d, 0x10), 0u);
  EXPECT_EQ(positions.unshipped(0xa1b2e, 77), 77u);  // not listed: nothing of it shipped
}

TEST(ShipperPositions, UnwatchedEntriesAndBrokenLinesCountAsUnshipped) {
  const auto positions = ShipperPositions::parse(
      "/data/logs/a.log\tffffffffffffffff\t0000000000000001\n"  // unwatched
      "garbage line\n"
      "/data/logs/b.log\t00000000000000zz\t0000000000000002\n"
      "/data/logs/c.log\t0000000000000010\t0000000000000003");  // no newline yet
  EXPECT_EQ(positions.size(), 0u);
  EXPECT_EQ(positions.unshipped(1, 5), 5u);
  EXPECT_EQ(positions.unshipped(3, 16), 16u);
}

TEST(ShipperPositions, TheLastEntryOfAnInodeWins) {
  const auto positions = ShipperPositions::parse(
      "/logs/name.log\t0000000000000008\t0000000000000005\n"
      "/logs/renamed.log.1\t0000000000000009\t0000000000000005\n");
  EXPECT_EQ(positions.unshipped(5, 9), 0u);
  EXPECT_EQ(positions.unshipped(5, 10), 1u);
}

TEST(ShipperPositions, AMissingFileCannotBeRead) {
  TempDir dir;
  EXPECT_FALSE(ShipperPositions::read(dir.path() / "none.pos"));
  {
    std::ofstream out(dir.path() / "in.pos");
    out << "/x.log\t0000000000000003\t0000000000000007\n";
  }
  const auto positions = ShipperPositions::read(dir.path() / "in.pos");
  ASSERT_TRUE(positions);
  EXPECT_EQ(positions->unshipped(7, 3), 0u);
}

}  // namespace
}  // namespace p2l
