#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>

namespace p2l {

// Waits `delay`, or less when `stop` is requested meanwhile. True when the whole delay passed
// (go on), false when stopped. For loops of threads that must end promptly on stop.
inline bool sleep_unless_stopped(std::stop_token stop, std::chrono::steady_clock::duration delay) {
  std::mutex mutex;
  std::condition_variable_any wake;
  std::unique_lock lock(mutex);
  wake.wait_for(lock, stop, delay, [] { return false; });
  return !stop.stop_requested();
}

}  // namespace p2l
