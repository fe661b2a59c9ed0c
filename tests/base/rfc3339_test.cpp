#include "p2l/rfc3339.hpp"

#include <gtest/gtest.h>

namespace p2l {
namespace {

using namespace std::chrono;

TEST(Rfc3339, EachPrecisionPadsItsFraction) {
  const system_clock::time_point time =
      sys_days{year{2026} / 1 / 2} + hours{3} + minutes{4} + seconds{5} + microseconds{7089};
  EXPECT_EQ(format_rfc3339(time), "2026-01-02T03:04:05Z");
  EXPECT_EQ(format_rfc3339(time, SubSecond::millis), "2026-01-02T03:04:05.007Z");
  EXPECT_EQ(format_rfc3339(time, SubSecond::micros), "2026-01-02T03:04:05.007089Z");
}

TEST(Rfc3339, BeforeTheEpochTheFractionStillCountsUp) {
  const system_clock::time_point time =
      sys_days{year{1969} / 12 / 31} + hours{23} + minutes{59} + seconds{59} + milliseconds{250};
  EXPECT_EQ(format_rfc3339(time, SubSecond::millis), "1969-12-31T23:59:59.250Z");
}

}  // namespace
}  // namespace p2l
