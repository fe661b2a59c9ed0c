#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "p2l/controller/metrics.hpp"

namespace p2l::controller {

class WorkQueue;

// What one reconcile came to. The reconciler has already written the status for it; the
// controller only maps it to the queue.
struct ReconcileOutcome {
  ReconcileResult result = ReconcileResult::success;
  std::string error;  // result == error: what failed
  // Look again after this long even without a change. Every wait of today's reconciler ends
  // in a change the caches see (a Deployment's rollout, the check Job's end), so none asks.
  std::optional<std::chrono::milliseconds> requeue_after;
};

// What the queue does with a key after its reconcile, as controller-runtime's reconcileHandler
// does: a failure retries with the key's own backoff (requeue_after is then ignored, the
// backoff decides); anything else resets the backoff, and comes back after requeue_after if
// it asks.
struct QueueDecision {
  enum class Step { forget, retry_with_backoff, forget_and_requeue_after } step;
  std::chrono::milliseconds delay{0};  // forget_and_requeue_after
};

[[nodiscard]] QueueDecision decide_queue_step(const ReconcileOutcome& outcome);

// Carries the decision out for `key`.
void apply_queue_decision(WorkQueue& queue, const std::string& key, const QueueDecision& decision);

}  // namespace p2l::controller
