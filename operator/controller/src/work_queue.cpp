#include "p2l/controller/work_queue.hpp"

#include <algorithm>

namespace p2l::controller {

WorkQueue::WorkQueue(BackoffPolicy backoff) : backoff_(backoff) {}

void WorkQueue::add(const std::string& key) {
  const std::lock_guard lock(mutex_);
  add_locked(key);
}

void WorkQueue::add_locked(const std::string& key) {
  if (shutting_down_) return;
  if (processing_.contains(key)) {
    dirty_.insert(key);
    return;
  }
  if (queued_.insert(key).second) {
    ready_.push_back(key);
    changed_.notify_one();
  }
}

void WorkQueue::add_after(const std::string& key, std::chrono::milliseconds delay) {
  if (delay <= std::chrono::milliseconds::zero()) {
    add(key);
    return;
  }
  const std::lock_guard lock(mutex_);
  if (shutting_down_) return;
  delayed_.emplace(Clock::now() + delay, key);
  changed_.notify_all();  // a sleeping get() may now have an earlier deadline
}

void WorkQueue::add_rate_limited(const std::string& key) {
  std::chrono::milliseconds delay;
  {
    const std::lock_guard lock(mutex_);
    const int attempt = failures_[key]++;
    // base * 2^attempt, without overflowing for a long-failing key.
    delay = backoff_.base;
    for (int i = 0; i < attempt && delay < backoff_.max; ++i)
      delay *= 2;
    delay = std::min(delay, backoff_.max);
  }
  add_after(key, delay);
}

void WorkQueue::forget(const std::string& key) {
  const std::lock_guard lock(mutex_);
  failures_.erase(key);
}

void WorkQueue::promote_due_locked(Clock::time_point now) {
  while (!delayed_.empty() && delayed_.begin()->first <= now) {
    const std::string key = delayed_.begin()->second;
    delayed_.erase(delayed_.begin());
    add_locked(key);
  }
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lock(mutex_);
  while (true) {
    if (shutting_down_) return std::nullopt;
    promote_due_locked(Clock::now());
    if (!ready_.empty()) {
      std::string key = std::move(ready_.front());
      ready_.pop_front();
      queued_.erase(key);
      processing_.insert(key);
      return key;
    }
    if (delayed_.empty()) {
      changed_.wait(lock);
    } else {
      changed_.wait_until(lock, delayed_.begin()->first);
    }
  }
}

void WorkQueue::done(const std::string& key) {
  const std::lock_guard lock(mutex_);
  processing_.erase(key);
  if (dirty_.erase(key) > 0) add_locked(key);
}

void WorkQueue::shut_down() {
  const std::lock_guard lock(mutex_);
  shutting_down_ = true;
  changed_.notify_all();
}

std::size_t WorkQueue::depth() const {
  const std::lock_guard lock(mutex_);
  return ready_.size() + delayed_.size();
}

int WorkQueue::failures(const std::string& key) const {
  const std::lock_guard lock(mutex_);
  const auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

}  // namespace p2l::controller
