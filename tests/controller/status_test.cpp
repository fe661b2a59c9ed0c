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
            {"replicas", 1},
            {"readyReplicas", ready},
            {"updatedReplicas", updated},
            {"conditions", conditions}}}};
}

// A shard as the reconciler sees it: the Deployment, and whether it holds the rendered spec.
ShardState shard(const json& live, bool current = true) {
  ShardState state = ShardState::from_deployment(live);
  state.current = current;
  return state;
}

const json& condition(const json& status, const std::string& type) {
  for (const json& c : status["conditions"]) {
    if (c["type"] == type) return c;
  }
  throw std::runtime_error("no condition " + type);
}

std::string status_of(const json& status, const std::string& type) {
  return condition(status, type)["status"].get<std::string>();
}

StatusInput input_with(std::vector<ShardState> shards, int desired) {
  StatusInput input;
  input.generation = 3;
  input.desired_replicas = desired;
  input.shards = std::move(shards);
  input.url = "http://demo.ns.svc:80/postback";
  input.selector = "app.kubernetes.io/instance=demo";
  input.previous = json();
  input.now = "2026-01-01T00:00:00Z";
  return input;
}

// The three conditions kstatus reads, in one string: "Ready Reconciling Stalled".
std::string kstatus_view(const json& status) {
  return status_of(status, "Ready") + " " + status_of(status, "Reconciling") + " " +
         status_of(status, "Stalled");
}

TEST(Status, AllShardsOnTheCurrentSpecAndReadyIsReady) {
  const json status =
      compute_status(input_with({shard(deployment(1, 1, 1, 1)), shard(deployment(2, 2, 1, 1))}, 2));
  EXPECT_EQ(status["ready"], "2/2");
  EXPECT_EQ(status["readyReplicas"], 2);
  EXPECT_EQ(status["updatedReplicas"], 2);
  EXPECT_EQ(status["replicas"], 2);
  EXPECT_EQ(status["observedGeneration"], 3);
  EXPECT_EQ(status["url"], "http://demo.ns.svc:80/postback");
  EXPECT_EQ(status["selector"], "app.kubernetes.io/instance=demo");
  EXPECT_EQ(kstatus_view(status), "True False False");
  EXPECT_EQ(condition(status, "Ready")["observedGeneration"], 3);
  EXPECT_EQ(condition(status, "Ready")["message"],
            "2 of 2 shards ready; 2 of 2 shards run generation 3");
  EXPECT_EQ(status_of(status, "Progressing"), "False");
  EXPECT_EQ(condition(status, "Progressing")["reason"], "RolloutComplete");
  EXPECT_EQ(status_of(status, "Degraded"), "False");
  EXPECT_EQ(status_of(status, "ConfigValid"), "True");
}

TEST(Status, JustCreatedIsReconcilingNotReady) {
  const json status = compute_status(input_with({ShardState{}, ShardState{}}, 2));
  EXPECT_EQ(kstatus_view(status), "False True False");
  EXPECT_EQ(status["replicas"], 0);
  EXPECT_EQ(status["ready"], "0/2");
  EXPECT_EQ(condition(status, "Ready")["message"],
            "0 of 2 shards ready; 0 of 2 shards run generation 3");
  // "Stable" is never claimed while nothing runs.
  EXPECT_EQ(status_of(status, "Progressing"), "True");
}

TEST(Status, ReadyPodsOfAnOlderTemplateDoNotMakeItReady) {
  // Right after a spec change: both pods still Ready, neither runs the new template yet.
  StatusInput input =
      input_with({shard(deployment(1, 1, 1, 1), false), shard(deployment(1, 1, 1, 1), false)}, 2);
  input.rolling_shard = 0;
  const json status = compute_status(input);
  EXPECT_EQ(kstatus_view(status), "False True False");
  EXPECT_EQ(status["ready"], "2/2");
  EXPECT_EQ(status["updatedReplicas"], 0);
  EXPECT_EQ(condition(status, "Ready")["reason"], "RollingOut");
  EXPECT_EQ(condition(status, "Progressing")["message"],
            "0 of 2 shards run generation 3; shard 0 is rolling");
}

TEST(Status, AShardWhoseControllerHasNotSeenTheNewSpecIsNotUpdated) {
  const json status = compute_status(input_with({shard(deployment(2, 1, 1, 1))}, 1));
  EXPECT_EQ(status["updatedReplicas"], 0);
  EXPECT_EQ(kstatus_view(status), "False True False");
}

TEST(Status, UpdatedButNotReadyWaitsForShards) {
  const json status =
      compute_status(input_with({shard(deployment(1, 1, 1, 1)), shard(deployment(1, 1, 0, 1))}, 2));
  EXPECT_EQ(kstatus_view(status), "False True False");
  EXPECT_EQ(condition(status, "Reconciling")["reason"], "WaitingForShards");
  EXPECT_EQ(condition(status, "Progressing")["reason"], "RolloutComplete");
}

TEST(Status, AFailingShardStallsWithItsReason) {
  const json stuck = deployment(1, 1, 0, 1,
                                json::array({{{"type", "Progressing"},
                                              {"status", "False"},
                                              {"reason", "ProgressDeadlineExceeded"},
                                              {"message", "ReplicaSet has timed out"}}}));
  const json status = compute_status(input_with({shard(stuck)}, 1));
  EXPECT_EQ(kstatus_view(status), "False False True");
  const json& stalled = condition(status, "Stalled");
  EXPECT_EQ(stalled["reason"], "ShardFailing");
  EXPECT_EQ(stalled["message"], "shard 0: ReplicaSet has timed out");
  const json& degraded = condition(status, "Degraded");
  EXPECT_EQ(degraded["status"], "True");
  EXPECT_EQ(degraded["reason"], "ShardFailing");
}

TEST(Status, AnInvalidEditStallsAndIsNotReadyThoughOldPodsServe) {
  StatusInput input = input_with({shard(deployment(1, 1, 1, 1), false)}, 1);
  input.invalid_message = "spec.fluentd.outputConfig: line 3: </match> closes <filter>";
  const json status = compute_status(input);
  EXPECT_EQ(kstatus_view(status), "False False True");
  EXPECT_EQ(status["observedGeneration"], 3);
  EXPECT_EQ(status["ready"], "1/1");  // the pods of the last valid spec still serve
  const json& valid = condition(status, "ConfigValid");
  EXPECT_EQ(valid["status"], "False");
  EXPECT_EQ(valid["reason"], "InvalidSpec");
  EXPECT_EQ(valid["message"], *input.invalid_message);
  EXPECT_EQ(condition(status, "Stalled")["reason"], "InvalidSpec");
  EXPECT_EQ(condition(status, "Ready")["reason"], "InvalidSpec");
  EXPECT_EQ(status_of(status, "Progressing"), "False");
}

TEST(Status, ARefusedWriteStallsWithTheServersMessage) {
  StatusInput input = input_with({shard(deployment(1, 1, 1, 1))}, 1);
  input.failure = ReconcileFailure{.message = "exceeded quota: pods=0", .needs_user = true};
  const json status = compute_status(input);
  EXPECT_EQ(kstatus_view(status), "False False True");
  EXPECT_EQ(status["observedGeneration"], 3) << "failures are written for the current generation";
  EXPECT_EQ(condition(status, "Stalled")["reason"], "ReconcileFailed");
  const json& degraded = condition(status, "Degraded");
  EXPECT_EQ(degraded["status"], "True");
  EXPECT_EQ(degraded["reason"], "ReconcileFailed");
  EXPECT_EQ(degraded["message"], "exceeded quota: pods=0");
}

TEST(Status, ANameConflictStallsNamingTheObject) {
  StatusInput input = input_with({shard(deployment(1, 1, 1, 1))}, 1);
  input.failure = ReconcileFailure{
      .message = "Service demo exists and is not controlled by this Post2Log; it is left alone",
      .reason = kReasonNameConflict};
  const json status = compute_status(input);
  EXPECT_EQ(kstatus_view(status), "False False True");
  EXPECT_EQ(condition(status, "Stalled")["reason"], "NameConflict");
  EXPECT_EQ(condition(status, "Stalled")["message"], input.failure->message);
  EXPECT_EQ(condition(status, "Degraded")["reason"], "NameConflict");
  EXPECT_EQ(condition(status, "Ready")["reason"], "NameConflict");
}

TEST(Status, ATransientFailureIsStillReconciling) {
  StatusInput input = input_with({shard(deployment(1, 1, 1, 1))}, 1);
  input.failure = ReconcileFailure{.message = "connection reset", .needs_user = false};
  const json status = compute_status(input);
  EXPECT_EQ(kstatus_view(status), "False True False");
  EXPECT_EQ(condition(status, "Reconciling")["reason"], "Retrying");
  EXPECT_EQ(status_of(status, "Degraded"), "True");
}

TEST(Status, TransitionTimeChangesOnlyWithTheConditionStatus) {
  StatusInput input = input_with({ShardState{}}, 1);
  const json first = compute_status(input);
  input.previous = first;
  input.now = "2026-01-01T00:05:00Z";
  const json same = compute_status(input);
  EXPECT_EQ(same, first);  // nothing changed: an identical object, so no write

  input.shards = {shard(deployment(1, 1, 1, 1))};
  const json changed = compute_status(input);
  EXPECT_EQ(condition(changed, "Ready")["lastTransitionTime"], "2026-01-01T00:05:00Z");
  EXPECT_EQ(condition(changed, "ConfigValid")["lastTransitionTime"], "2026-01-01T00:00:00Z");
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
  EXPECT_FALSE(empty.rolled_out());
}

TEST(Status, AnOldPodStillThereIsNotRolledOut) {
  json live = deployment(2, 2, 1, 1);
  live["status"]["replicas"] = 2;  // the new pod and an old one
  EXPECT_FALSE(ShardState::from_deployment(live).rolled_out());
}

bool has_condition(const json& status, const std::string& type) {
  for (const json& c : status["conditions"]) {
    if (c["type"] == type) return true;
  }
  return false;
}

TEST(Status, APodMonitorWithoutItsCrdIsSaidInMonitoringAndLeavesReadyAlone) {
  StatusInput input = input_with({shard(deployment(1, 1, 1, 1))}, 1);
  input.name = "demo";
  input.pod_monitor = PodMonitorState::kind_not_served;
  const json status = compute_status(input);
  EXPECT_EQ(status_of(status, "Monitoring"), "False");
  EXPECT_EQ(condition(status, "Monitoring")["reason"], kReasonPodMonitorCrdMissing);
  EXPECT_NE(condition(status, "Monitoring")["message"].get<std::string>().find(
                "monitoring.coreos.com/v1"),
            std::string::npos);
  // Everything else is reconciled: the Post2Log is Ready, kstatus says Current.
  EXPECT_EQ(kstatus_view(status), "True False False");
}

TEST(Status, AnAppliedPodMonitorIsMonitoringTrueAndNoneAskedForHasNoCondition) {
  StatusInput input = input_with({shard(deployment(1, 1, 1, 1))}, 1);
  input.name = "demo";
  input.pod_monitor = PodMonitorState::applied;
  input.previous = {{"conditions", json::array()}};
  const json applied = compute_status(input);
  EXPECT_EQ(status_of(applied, "Monitoring"), "True");
  EXPECT_EQ(condition(applied, "Monitoring")["reason"], "PodMonitorApplied");

  input.previous = applied;
  input.pod_monitor = PodMonitorState::not_requested;
  EXPECT_FALSE(has_condition(compute_status(input), "Monitoring"));
}

TEST(Status, AnInvalidSpecKeepsWhatWasSaidOfThePodMonitor) {
  StatusInput input = input_with({shard(deployment(1, 1, 1, 1))}, 1);
  input.name = "demo";
  input.pod_monitor = PodMonitorState::kind_not_served;
  const json before = compute_status(input);
  input.previous = before;
  input.invalid_message = "spec.monitoring.podMonitor.interval: must be a Prometheus duration";
  input.pod_monitor = PodMonitorState::not_requested;  // ignored while invalid
  input.now = "2026-01-01T00:05:00Z";
  const json after = compute_status(input);
  EXPECT_EQ(condition(after, "Monitoring"), condition(before, "Monitoring"));
}

TEST(Status, WhileAFluentdConfigurationIsCheckedItIsReconcilingNotReady) {
  StatusInput input = input_with({shard(deployment(1, 1, 1, 1), /*current=*/false)}, 1);
  input.checking_config = "checking the new Fluentd configuration";
  input.config_check = ConfigCheckRecord{.hash = "old", .passed = true};
  const json status = compute_status(input);
  EXPECT_EQ(kstatus_view(status), "False True False");
  EXPECT_EQ(condition(status, "Reconciling")["reason"], kReasonCheckingFluentdConfig);
  EXPECT_EQ(condition(status, "Ready")["reason"], kReasonCheckingFluentdConfig);
  EXPECT_EQ(condition(status, "Progressing")["reason"], kReasonCheckingFluentdConfig);
  EXPECT_EQ(status["fluentdConfigCheck"]["result"], "Passed");
}

TEST(Status, ARejectedFluentdConfigurationStallsWithItsOwnReason) {
  StatusInput input = input_with({shard(deployment(1, 1, 1, 1), /*current=*/false)}, 1);
  input.invalid_message = "spec.fluentd.outputConfig: fluentd --dry-run rejected it";
  input.invalid_reason = kReasonFluentdConfigRejected;
  const json status = compute_status(input);
  EXPECT_EQ(kstatus_view(status), "False False True");
  EXPECT_EQ(condition(status, "Stalled")["reason"], kReasonFluentdConfigRejected);
  EXPECT_EQ(condition(status, "ConfigValid")["reason"], kReasonFluentdConfigRejected);
}

}  // namespace
}  // namespace p2l::controller
