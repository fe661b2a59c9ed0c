#pragma once

#include <optional>
#include <vector>

#include "p2l/controller/status.hpp"

namespace p2l::controller {

// Which shard Deployments one reconcile applies. Every shard holds ReadWriteOnce volumes, so a
// shard being updated is down (strategy Recreate); the plan keeps that to one shard at a time:
// - a shard that does not exist yet is created (a new Post2Log creates all of them at once);
// - a shard that is not Ready is updated at once: it is down whatever happens;
// - a Ready shard is updated only when no other shard is still rolling, lowest index first, and
//   only one per reconcile. A shard is rolling when it was updated while Ready and does not yet
//   run the new template and stand Ready (ShardState::done); a shard updated while not Ready
//   (ShardState::unready_when_updated) never holds the others back.
struct RolloutPlan {
  std::vector<int> apply;  // shards whose Deployment to apply now, ascending
  // The shards in `apply` that are not Ready now (or do not exist): they are applied with the
  // kAnnotationUnreadyWhenUpdated annotation.
  std::vector<int> apply_unready;
  std::optional<int> rolling;  // the shard the others wait for, if any
};

// `shards`: one per desired shard, in index order, with `current` set.
[[nodiscard]] RolloutPlan plan_rollout(const std::vector<ShardState>& shards);

}  // namespace p2l::controller
