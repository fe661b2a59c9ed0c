#include "p2l/controller/work_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace p2l::controller {
namespace {

using namespace std::chrono_literals;

TEST(WorkQueue, DeduplicatesWaitingKeys) {
  WorkQueue queue;
  queue.add("ns/a");
  queue.add("ns/b");
  queue.add("ns/a");
  EXPECT_EQ(queue.depth(), 2u);
  EXPECT_EQ(queue.get(), "ns/a");
  EXPECT_EQ(queue.get(), "ns/b");
  EXPECT_EQ(queue.depth(), 0u);
}

TEST(WorkQueue, AKeyAddedWhileProcessingComesBackAfterDone) {
  WorkQueue queue;
  queue.add("ns/a");
  ASSERT_EQ(queue.get(), "ns/a");
  queue.add("ns/a");
  queue.add("ns/a");
  EXPECT_EQ(queue.depth(), 0u);  // not handed to a second worker meanwhile
  queue.done("ns/a");
  EXPECT_EQ(queue.depth(), 1u);  // once, however often it was added
  EXPECT_EQ(queue.get(), "ns/a");
  queue.done("ns/a");
  EXPECT_EQ(queue.depth(), 0u);
}

TEST(WorkQueue, NeverHandsOneKeyToTwoWorkersAtOnce) {
  WorkQueue queue;
  std::atomic<int> in_flight{0};
  std::atomic<int> overlaps{0};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto key = queue.get()) {
        if (in_flight.fetch_add(1) != 0) ++overlaps;
        std::this_thread::sleep_for(1ms);
        in_flight.fetch_sub(1);
        ++processed;
        queue.done(*key);
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    queue.add("ns/only");
    std::this_thread::sleep_for(100us);
  }
  std::this_thread::sleep_for(50ms);
  queue.shut_down();
  for (auto& worker : workers)
    worker.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_GT(processed.load(), 0);
  EXPECT_LT(processed.load(), 200);  // duplicates were merged
}

TEST(WorkQueue, AddAfterDelaysTheKey) {
  WorkQueue queue;
  const auto start = WorkQueue::Clock::now();
  queue.add_after("ns/a", 80ms);
  EXPECT_EQ(queue.depth(), 1u);
  EXPECT_EQ(queue.get(), "ns/a");
  EXPECT_GE(WorkQueue::Clock::now() - start, 80ms);
}

TEST(WorkQueue, RateLimitedBackoffGrowsPerKeyUntilForgotten) {
  WorkQueue queue({.base = 10ms, .max = 40ms});
  auto time_until_ready = [&queue](const std::string& key) {
    const auto start = WorkQueue::Clock::now();
    queue.add_rate_limited(key);
    const auto got = queue.get();
    EXPECT_EQ(got, key);
    queue.done(key);
    return WorkQueue::Clock::now() - start;
  };
  EXPECT_GE(time_until_ready("ns/a"), 10ms);
  EXPECT_GE(time_until_ready("ns/a"), 20ms);
  EXPECT_GE(time_until_ready("ns/a"), 40ms);
  const auto capped = time_until_ready("ns/a");
  EXPECT_GE(capped, 40ms);
  EXPECT_LT(capped, 2000ms);  // capped at max, not 80 ms and growing
  EXPECT_EQ(queue.failures("ns/a"), 4);
  EXPECT_EQ(queue.failures("ns/b"), 0);  // per key
  queue.forget("ns/a");
  EXPECT_EQ(queue.failures("ns/a"), 0);
}

TEST(WorkQueue, ShutDownWakesWaitingWorkers) {
  WorkQueue queue;
  std::thread worker([&] { EXPECT_EQ(queue.get(), std::nullopt); });
  std::this_thread::sleep_for(20ms);
  queue.shut_down();
  worker.join();
  queue.add("ns/a");
  EXPECT_EQ(queue.get(), std::nullopt);
}

}  // namespace
}  // namespace p2l::controller
