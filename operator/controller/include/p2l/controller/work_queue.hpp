#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

namespace p2l::controller {

// Capped exponential backoff per key: base, 2*base, 4*base ... up to max.
struct BackoffPolicy {
  std::chrono::milliseconds base{100};
  std::chrono::milliseconds max{std::chrono::minutes(5)};
};

// The controller's queue of object keys ("namespace/name"), with the
// guarantees controller-runtime's workqueue gives:
// - a key waiting in the queue is there once, however often it is added;
// - a key is handed to one worker at a time; added again while being
//   processed, it is queued again when that worker calls done();
// - add_rate_limited() delays a key by its own exponential backoff, which
//   forget() resets after a success.
// Thread-safe; get() blocks until a key is ready or the queue shuts down.
class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;

  explicit WorkQueue(BackoffPolicy backoff = {});

  void add(const std::string& key);
  void add_after(const std::string& key, std::chrono::milliseconds delay);
  void add_rate_limited(const std::string& key);
  void forget(const std::string& key);

  // The next key to process, or nullopt once shut down.
  std::optional<std::string> get();
  void done(const std::string& key);

  // Wakes every get(); keys still queued are dropped.
  void shut_down();

  // Keys waiting (ready or delayed), for metrics.
  [[nodiscard]] std::size_t depth() const;
  [[nodiscard]] int failures(const std::string& key) const;

 private:
  void add_locked(const std::string& key);
  void promote_due_locked(Clock::time_point now);

  BackoffPolicy backoff_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> ready_;
  std::set<std::string> queued_;      // in ready_
  std::set<std::string> processing_;  // handed out, not yet done()
  std::set<std::string> dirty_;       // added while processing
  std::multimap<Clock::time_point, std::string> delayed_;
  std::unordered_map<std::string, int> failures_;
  bool shutting_down_ = false;
};

}  // namespace p2l::controller
