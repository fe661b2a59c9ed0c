#include "p2l/controller/reconcile_outcome.hpp"

#include "p2l/controller/work_queue.hpp"

namespace p2l::controller {

QueueDecision decide_queue_step(const ReconcileOutcome& outcome) {
  if (outcome.result == ReconcileResult::error) {
    return {.step = QueueDecision::Step::retry_with_backoff};
  }
  if (outcome.requeue_after && outcome.requeue_after->count() > 0) {
    return {.step = QueueDecision::Step::forget_and_requeue_after, .delay = *outcome.requeue_after};
  }
  return {.step = QueueDecision::Step::forget};
}

void apply_queue_decision(WorkQueue& queue, const std::string& key, const QueueDecision& decision) {
  switch (decision.step) {
    case QueueDecision::Step::retry_with_backoff:
      queue.add_rate_limited(key);
      return;
    case QueueDecision::Step::forget_and_requeue_after:
      queue.forget(key);
      queue.add_after(key, decision.delay);
      return;
    case QueueDecision::Step::forget:
      queue.forget(key);
      return;
  }
}

}  // namespace p2l::controller
