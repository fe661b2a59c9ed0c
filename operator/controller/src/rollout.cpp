#include "p2l/controller/rollout.hpp"

namespace p2l::controller {
namespace {

// Updated while Ready and not back to Ready on the new template yet.
bool holds_others_back(const ShardState& shard) {
  return shard.exists && shard.current && !shard.done() && !shard.unready_when_updated;
}

}  // namespace

RolloutPlan plan_rollout(const std::vector<ShardState>& shards) {
  RolloutPlan plan;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    if (holds_others_back(shards[i])) {
      plan.rolling = static_cast<int>(i);
      break;
    }
  }
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const ShardState& shard = shards[i];
    const int index = static_cast<int>(i);
    if (shard.exists && shard.current) continue;
    if (!shard.exists || !shard.ready()) {
      plan.apply.push_back(index);
      plan.apply_unready.push_back(index);
    } else if (!plan.rolling) {
      // The one Ready shard taken down now; the rest wait until it is back.
      plan.apply.push_back(index);
      plan.rolling = index;
    }
  }
  return plan;
}

}  // namespace p2l::controller
