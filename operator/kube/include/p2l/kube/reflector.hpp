#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <spdlog/logger.h>
#include <nlohmann/json.hpp>

#include "p2l/kube/client.hpp"
#include "p2l/kube/store.hpp"

namespace p2l::kube {

enum class ChangeType { added, modified, deleted };

struct Change {
  ChangeType type = ChangeType::added;
  ObjectPtr object;  // as the store holds it; for deleted: the last state seen
  // For modified: the state before, when the cache had it and ReflectorOptions::report_previous
  // (else nullptr).
  ObjectPtr previous;
};

struct ReflectorOptions {
  std::string collection;  // e.g. collection_path(resources::config_maps(), "ns")
  ListOptions list;
  WatchOptions watch;
  // Applied to every object before it is stored or reported (listed, watched or deleted), as
  // controller-runtime's cache transform: e.g. strip_for_cache, so that the cache does not
  // hold what no reader needs. Also given to the list, which applies it page by page.
  std::function<void(nlohmann::json&)> transform;
  // Whether a modification reports the state before (Change::previous). The store keeps
  // objects packed, so the state before is parsed for it: a callback that never reads it
  // saves a parse per event by saying so.
  bool report_previous = true;
  std::chrono::milliseconds initial_backoff{250};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(30)};
  // The collection is of a kind the server may not serve (another project's CRD, not
  // installed): a 404 on the list then counts as synced with nothing, and the list is tried
  // again every `unserved_recheck` until the kind is served.
  bool may_be_unserved = false;
  std::chrono::milliseconds unserved_recheck{std::chrono::seconds(10)};
  // Called (from the reflector's thread) after the first list that succeeds once the kind
  // was found unserved: whoever skipped work for want of it can do it now.
  std::function<void()> on_served;
};

// What the reflector has done so far; for tests and diagnostics.
struct ReflectorCounters {
  int lists = 0;
  int watches = 0;
  int expirations = 0;
  int failures = 0;  // lists or watches that failed with an error
};

// Lists and watches one collection into a Store on its own thread and calls `on_change` for
// every difference (from the thread; keep it short). After a dropped connection it watches
// again from the last resourceVersion with capped exponential backoff; after `expired` it
// lists again and reports what changed meanwhile, deletions included.
class Reflector {
 public:
  using Callback = std::function<void(const Change&)>;

  Reflector(Client& client, ReflectorOptions options, Callback on_change, spdlog::logger& logger);
  ~Reflector();  // stops and joins
  Reflector(const Reflector&) = delete;
  Reflector& operator=(const Reflector&) = delete;

  const Store& store() const { return store_; }
  // The first list has been stored (or, for may_be_unserved, the kind found not served).
  bool synced() const { return synced_; }
  // The server serves the kind (true until a list says otherwise).
  bool served() const { return served_; }
  bool wait_synced(std::chrono::milliseconds timeout) const;
  std::string resource_version() const;
  ReflectorCounters counters() const;

  void stop();

 private:
  void run();
  // False when the kind is not served (may_be_unserved only): the store is then empty.
  bool list_and_store();
  void watch_once();
  bool sleep_for(std::chrono::milliseconds delay);  // false when stopping
  void notify(ChangeType type, ObjectPtr object, ObjectPtr previous = nullptr);

  Client& client_;
  ReflectorOptions options_;
  Callback on_change_;
  spdlog::logger& logger_;
  Store store_;

  mutable std::mutex mutex_;  // guards the members below
  mutable std::condition_variable changed_;
  std::string resource_version_;
  ReflectorCounters counters_;
  std::shared_ptr<WatchStream> current_watch_;
  bool stopping_ = false;

  std::atomic<bool> synced_{false};
  std::atomic<bool> served_{true};
  std::thread thread_;  // last: starts after everything above exists
};

}  // namespace p2l::kube
