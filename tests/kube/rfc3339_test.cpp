#include "p2l/rfc3339.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "p2l/stop_sleep.hpp"

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

TEST(StopSleep, AStopEndsTheSleepAtOnce) {
  std::stop_source source;
  const auto started = steady_clock::now();
  std::jthread stopper([&] {
    std::this_thread::sleep_for(milliseconds(50));
    source.request_stop();
  });
  EXPECT_FALSE(sleep_unless_stopped(source.get_token(), hours(1)));
  EXPECT_LT(steady_clock::now() - started, seconds(30));
  EXPECT_TRUE(sleep_unless_stopped(std::stop_source{}.get_token(), milliseconds(1)));
}

}  // namespace
}  // namespace p2l
