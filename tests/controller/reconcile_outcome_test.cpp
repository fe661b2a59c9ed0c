#include "p2l/controller/reconcile_outcome.hpp"

#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>

#include <sstream>
#include <stdexcept>
#include <thread>

#include "p2l/controller/controller.hpp"
#include "p2l/controller/work_queue.hpp"
#include "p2l/json_log.hpp"

namespace p2l::controller {
namespace {

using namespace std::chrono_literals;
using Step = QueueDecision::Step;

TEST(QueueDecision, AFailureRetriesWithBackoffWhateverItAsks) {
  EXPECT_EQ(decide_queue_step({.result = ReconcileResult::error, .error = "x"}).step,
            Step::retry_with_backoff);
  EXPECT_EQ(decide_queue_step({.result = ReconcileResult::error, .requeue_after = 5s}).step,
            Step::retry_with_backoff);
}

TEST(QueueDecision, SuccessAndInvalidResetTheBackoff) {
  EXPECT_EQ(decide_queue_step({.result = ReconcileResult::success}).step, Step::forget);
  // An invalid spec waits for the user's next change, which the watch brings.
  EXPECT_EQ(decide_queue_step({.result = ReconcileResult::invalid}).step, Step::forget);
}

TEST(QueueDecision, ARequeueAfterComesBackAfterThatLong) {
  const QueueDecision decision =
      decide_queue_step({.result = ReconcileResult::success, .requeue_after = 1500ms});
  EXPECT_EQ(decision.step, Step::forget_and_requeue_after);
  EXPECT_EQ(decision.delay, 1500ms);
  EXPECT_EQ(decide_queue_step({.requeue_after = 0ms}).step, Step::forget);
}

// The workers' step with a real queue: what a scripted reconcile's outcomes do to the key.
class ProcessNextKey : public ::testing::Test {
 protected:
  ProcessNextKey()
      : queue_(BackoffPolicy{.base = 20ms, .max = 1s}),
        logger_(make_json_logger("test", spdlog::level::debug,
                                 std::make_shared<spdlog::sinks::ostream_sink_st>(log_))) {}

  bool step(const ReconcileFunction& reconcile) {
    return process_next_key(queue_, reconcile, metrics_, *logger_);
  }
  WorkQueue queue_;
  ControllerMetrics metrics_;
  std::ostringstream log_;
  std::shared_ptr<spdlog::logger> logger_;
};

TEST_F(ProcessNextKey, AFailureIsRetriedWithAGrowingBackoffAndSuccessResetsIt) {
  queue_.add("shop/web");
  int calls = 0;
  const ReconcileFunction failing = [&](const std::string& key) {
    EXPECT_EQ(key, "shop/web");
    ++calls;
    return ReconcileOutcome{.result = ReconcileResult::error, .error = "the API server is away"};
  };
  ASSERT_TRUE(step(failing));
  EXPECT_EQ(queue_.failures("shop/web"), 1);
  EXPECT_EQ(queue_.depth(), 1u);  // back, after its backoff
  ASSERT_TRUE(step(failing));     // get() waits the 20 ms out
  EXPECT_EQ(queue_.failures("shop/web"), 2);
  ASSERT_TRUE(step([](const std::string&) { return ReconcileOutcome{}; }));
  EXPECT_EQ(queue_.failures("shop/web"), 0);
  EXPECT_EQ(queue_.depth(), 0u);  // nothing asks for it again
  EXPECT_EQ(calls, 2);
  const std::string metrics = metrics_.render(queue_.depth());
  EXPECT_NE(metrics.find("post2log_operator_reconciles_total{result=\"error\"} 2"),
            std::string::npos);
  EXPECT_NE(metrics.find("post2log_operator_reconciles_total{result=\"success\"} 1"),
            std::string::npos);
  EXPECT_NE(log_.str().find("\"error\":\"the API server is away\""), std::string::npos);
  EXPECT_NE(log_.str().find("\"retries\":2"), std::string::npos);
}

TEST_F(ProcessNextKey, AnExceptionCountsAsAFailure) {
  queue_.add("shop/web");
  ASSERT_TRUE(
      step([](const std::string&) -> ReconcileOutcome { throw std::runtime_error("boom"); }));
  EXPECT_EQ(queue_.failures("shop/web"), 1);
  EXPECT_EQ(queue_.depth(), 1u);
  EXPECT_NE(log_.str().find("\"error\":\"boom\""), std::string::npos);
}

TEST_F(ProcessNextKey, AnInvalidSpecIsNotRetried) {
  queue_.add("shop/web");
  ASSERT_TRUE(step(
      [](const std::string&) { return ReconcileOutcome{.result = ReconcileResult::invalid}; }));
  EXPECT_EQ(queue_.depth(), 0u);
  EXPECT_EQ(queue_.failures("shop/web"), 0);
}

TEST_F(ProcessNextKey, ARequeueAfterBringsTheKeyBackLater) {
  queue_.add("shop/web");
  ASSERT_TRUE(step([](const std::string&) { return ReconcileOutcome{.requeue_after = 50ms}; }));
  EXPECT_EQ(queue_.depth(), 1u);  // delayed
  const auto started = std::chrono::steady_clock::now();
  int calls = 0;
  ASSERT_TRUE(step([&](const std::string&) {
    ++calls;
    return ReconcileOutcome{};
  }));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 40ms);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(queue_.depth(), 0u);
}

TEST_F(ProcessNextKey, StopsOnceTheQueueIsShutDown) {
  queue_.shut_down();
  EXPECT_FALSE(step([](const std::string&) {
    ADD_FAILURE() << "nothing to reconcile";
    return ReconcileOutcome{};
  }));
}

}  // namespace
}  // namespace p2l::controller
