#include "p2l/stop_sleep.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace p2l {
namespace {

using namespace std::chrono;

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
