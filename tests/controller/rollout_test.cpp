#include "p2l/controller/rollout.hpp"

#include <gtest/gtest.h>

namespace p2l::controller {
namespace {

// Shards as the planner sees them.
ShardState missing() {
  return {};
}
ShardState done() {  // runs the current template, Ready
  return {.exists = true,
          .current = true,
          .generation = 2,
          .observed_generation = 2,
          .pods = 1,
          .ready_replicas = 1,
          .updated_replicas = 1};
}
ShardState outdated_ready() {  // an older template, Ready
  ShardState shard = done();
  shard.current = false;
  return shard;
}
ShardState outdated_down() {  // an older template, not Ready
  ShardState shard = outdated_ready();
  shard.ready_replicas = 0;
  return shard;
}
ShardState rolling() {  // applied while Ready, its new pod not Ready yet
  ShardState shard = done();
  shard.generation = 3;
  shard.ready_replicas = 0;
  shard.updated_replicas = 0;
  return shard;
}

using Shards = std::vector<int>;

TEST(Rollout, ANewPost2LogCreatesEveryShardAtOnce) {
  const RolloutPlan plan = plan_rollout({missing(), missing(), missing()});
  EXPECT_EQ(plan.apply, (Shards{0, 1, 2}));
  EXPECT_EQ(plan.apply_unready, (Shards{0, 1, 2}));
  EXPECT_FALSE(plan.rolling);
}

TEST(Rollout, NothingToDoWhenEveryShardIsCurrent) {
  const RolloutPlan plan = plan_rollout({done(), done()});
  EXPECT_TRUE(plan.apply.empty());
  EXPECT_FALSE(plan.rolling);
}

TEST(Rollout, AChangeTakesDownOneReadyShardLowestFirst) {
  const RolloutPlan plan = plan_rollout({outdated_ready(), outdated_ready(), outdated_ready()});
  EXPECT_EQ(plan.apply, (Shards{0}));
  EXPECT_TRUE(plan.apply_unready.empty());
  EXPECT_EQ(plan.rolling, 0);
}

TEST(Rollout, TheNextShardWaitsWhileOneIsRolling) {
  const RolloutPlan plan = plan_rollout({rolling(), outdated_ready(), outdated_ready()});
  EXPECT_TRUE(plan.apply.empty());
  EXPECT_EQ(plan.rolling, 0);
}

TEST(Rollout, TheNextShardGoesOnceThePreviousIsDone) {
  const RolloutPlan plan = plan_rollout({done(), outdated_ready(), outdated_ready()});
  EXPECT_EQ(plan.apply, (Shards{1}));
  EXPECT_EQ(plan.rolling, 1);
}

TEST(Rollout, AShardThatIsDownAnywayIsUpdatedAtOnceAndMarked) {
  const RolloutPlan plan = plan_rollout({outdated_ready(), outdated_down(), outdated_ready()});
  EXPECT_EQ(plan.apply, (Shards{0, 1}));
  EXPECT_EQ(plan.apply_unready, (Shards{1}));
  EXPECT_EQ(plan.rolling, 0);
}

TEST(Rollout, AShardUpdatedWhileNotReadyDoesNotHoldTheOthersBack) {
  ShardState broken = rolling();
  broken.unready_when_updated = true;
  const RolloutPlan plan = plan_rollout({broken, outdated_ready()});
  EXPECT_EQ(plan.apply, (Shards{1}));
  EXPECT_EQ(plan.rolling, 1);
}

TEST(Rollout, AShardRollingFurtherOnHoldsBackLowerOnes) {
  // A rollout of the previous generation left shard 2 rolling: still at most one down.
  const RolloutPlan plan = plan_rollout({outdated_ready(), done(), rolling()});
  EXPECT_TRUE(plan.apply.empty());
  EXPECT_EQ(plan.rolling, 2);
}

TEST(Rollout, ScalingUpCreatesNewShardsWhileTheRolloutWaits) {
  const RolloutPlan plan = plan_rollout({rolling(), outdated_ready(), missing()});
  EXPECT_EQ(plan.apply, (Shards{2}));
  EXPECT_EQ(plan.apply_unready, (Shards{2}));
  EXPECT_EQ(plan.rolling, 0);
}

}  // namespace
}  // namespace p2l::controller
