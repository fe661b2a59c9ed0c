#include "p2l/controller/status.hpp"

#include <gtest/gtest.h>

namespace p2l::controller {
namespace {

using nlohmann::json;

json deployment(int generation, int observed, int ready, int updated,
                const json& conditions = json::array()) {
  return {{"metadata", {{"generation", generation}}},
          {"status",
           {{"observedGeneration", observed},
            {"readyReplicas", ready},
            {"updatedReplicas", updated},
            {"conditions", conditions}}}};
}

const json* condition(const json& status, const std::string& type) {
  for (const json& c : status["conditions"]) {
    if (c["type"] == type) return &c;
  }
  return nullptr;
}

StatusInput input_with(std::vector<ShardState> shards, int desired) {
  StatusInput input;
  input.generation = 3;
  input.desired_replicas = desired;
  input.shards = std::move(shards);
  input.url = "http://demo.ns.svc:80/postback";
  input.previous = json();
  input.now = "2026-01-01T00:00:00Z";
  return input;
}

TEST(Status, AllShardsReady) {
  const json status =
      compute_status(input_with({ShardState::from_deployment(deployment(1, 1, 1, 1)),
                                 ShardState::from_deployment(deployment(2, 2, 1, 1))},
                                2));
  EXPECT_EQ(status["ready"], "2/2");
  EXPECT_EQ(status["readyReplicas"], 2);
  EXPECT_EQ(status["replicas"], 2);
  EXPECT_EQ(status["observedGeneration"], 3);
  EXPECT_EQ(status["url"], "http://demo.ns.svc:80/postback");
  EXPECT_EQ((*condition(status, "Ready"))["status"], "True");
  EXPECT_EQ((*condition(status, "Ready"))["observedGeneration"], 3);
  EXPECT_EQ((*condition(status, "Progressing"))["status"], "False");
  EXPECT_EQ((*condition(status, "Degraded"))["status"], "False");
  EXPECT_EQ((*condition(status, "ConfigValid"))["status"], "True");
}

TEST(Status, MissingOrUnreadyShardsAreNotReadyAndProgressing) {
  const json status = compute_status(
      input_with({ShardState::from_deployment(deployment(1, 1, 1, 1)), ShardState{}}, 2));
  EXPECT_EQ(status["ready"], "1/2");
  const json& ready = *condition(status, "Ready");
  EXPECT_EQ(ready["status"], "False");
  EXPECT_EQ(ready["reason"], "ShardsNotReady");
  EXPECT_EQ(ready["message"], "1/2 shards ready");
  EXPECT_EQ((*condition(status, "Progressing"))["status"], "True");
}

TEST(Status, AnOldGenerationStillRollsOut) {
  const json status =
      compute_status(input_with({ShardState::from_deployment(deployment(2, 1, 1, 1))}, 1));
  EXPECT_EQ((*condition(status, "Progressing"))["status"], "True");
  EXPECT_EQ((*condition(status, "Ready"))["status"], "True");
}

TEST(Status, AStuckShardIsDegradedWithItsReason) {
  const json stuck = deployment(1, 1, 0, 1,
                                json::array({{{"type", "Progressing"},
                                              {"status", "False"},
                                              {"reason", "ProgressDeadlineExceeded"},
                                              {"message", "ReplicaSet has timed out"}}}));
  const json status = compute_status(input_with({ShardState::from_deployment(stuck)}, 1));
  const json& degraded = *condition(status, "Degraded");
  EXPECT_EQ(degraded["status"], "True");
  EXPECT_EQ(degraded["reason"], "ShardFailing");
  EXPECT_EQ(degraded["message"], "shard 0: ReplicaSet has timed out");
}

TEST(Status, AnInvalidSpecIsReportedAndDoesNotClaimProgress) {
  StatusInput input = input_with({ShardState::from_deployment(deployment(1, 1, 1, 1))}, 1);
  input.invalid_reason = "InvalidOutputConfig";
  input.invalid_message = "line 3: </match> closes <filter>";
  const json status = compute_status(input);
  const json& valid = *condition(status, "ConfigValid");
  EXPECT_EQ(valid["status"], "False");
  EXPECT_EQ(valid["reason"], "InvalidOutputConfig");
  EXPECT_EQ(valid["message"], "line 3: </match> closes <filter>");
  EXPECT_EQ((*condition(status, "Progressing"))["status"], "False");
  EXPECT_EQ((*condition(status, "Ready"))["status"], "True");  // children left running
}

TEST(Status, TransitionTimeChangesOnlyWithTheConditionStatus) {
  StatusInput input = input_with({ShardState{}}, 1);
  const json first = compute_status(input);
  input.previous = first;
  input.now = "2026-01-01T00:05:00Z";
  const json same = compute_status(input);
  EXPECT_EQ(same, first);  // nothing changed: an identical object, so no write

  input.shards = {ShardState::from_deployment(deployment(1, 1, 1, 1))};
  const json changed = compute_status(input);
  EXPECT_EQ((*condition(changed, "Ready"))["lastTransitionTime"], "2026-01-01T00:05:00Z");
  EXPECT_EQ((*condition(changed, "ConfigValid"))["lastTransitionTime"], "2026-01-01T00:00:00Z");
}

TEST(Status, AFailedReconcileMarksOnlyDegraded) {
  const json previous =
      compute_status(input_with({ShardState::from_deployment(deployment(1, 1, 1, 1))}, 1));
  const json patch = failed_reconcile_status(previous, "exceeded quota", 4, "2026-01-02T00:00:00Z");
  ASSERT_EQ(patch.size(), 1U) << "only the conditions are patched";
  ASSERT_EQ(patch["conditions"].size(), 4U);
  const json* degraded = condition(patch, "Degraded");
  ASSERT_NE(degraded, nullptr);
  EXPECT_EQ((*degraded)["status"], "True");
  EXPECT_EQ((*degraded)["reason"], "ReconcileFailed");
  EXPECT_EQ((*degraded)["message"], "exceeded quota");
  EXPECT_EQ((*degraded)["observedGeneration"], 4);
  EXPECT_EQ((*degraded)["lastTransitionTime"], "2026-01-02T00:00:00Z");
  // The others stay exactly as they were.
  EXPECT_EQ(*condition(patch, "Ready"), *condition(previous, "Ready"));
  EXPECT_EQ(*condition(patch, "ConfigValid"), *condition(previous, "ConfigValid"));
  // A new Post2Log without a status yet gets the one condition.
  EXPECT_EQ(failed_reconcile_status(json(), "x", 1, "t")["conditions"].size(), 1U);
}

TEST(Status, NowIsRfc3339InUtc) {
  const std::string now = rfc3339_now();
  ASSERT_EQ(now.size(), 20U) << now;
  EXPECT_EQ(now[4], '-');
  EXPECT_EQ(now[10], 'T');
  EXPECT_EQ(now.back(), 'Z');
}

TEST(Status, ShardStateOfNothingIsMissing) {
  EXPECT_FALSE(ShardState::from_deployment(json()).exists);
  const ShardState empty = ShardState::from_deployment(json::object());
  EXPECT_TRUE(empty.exists);
  EXPECT_EQ(empty.ready_replicas, 0);
}

}  // namespace
}  // namespace p2l::controller
