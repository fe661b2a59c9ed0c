#include "p2l/kube/reflector.hpp"

#include <algorithm>
#include <random>

#include "p2l/kube/errors.hpp"

namespace p2l::kube {
namespace {

std::string resource_version_of(const nlohmann::json& object) {
  return object.value("metadata", nlohmann::json::object()).value("resourceVersion", "");
}

}  // namespace

Reflector::Reflector(Client& client, ReflectorOptions options, Callback on_change,
                     spdlog::logger& logger)
    : client_(client),
      options_([&options] {
        if (options.transform && !options.list.transform)
          options.list.transform = options.transform;
        return std::move(options);
      }()),
      on_change_(std::move(on_change)),
      logger_(logger),
      thread_([this] { run(); }) {}

Reflector::~Reflector() {
  stop();
}

void Reflector::stop() {
  std::shared_ptr<WatchStream> watch;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    watch = current_watch_;
  }
  changed_.notify_all();
  if (watch) watch->cancel();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

bool Reflector::wait_synced(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return synced_.load(); });
}

std::string Reflector::resource_version() const {
  std::lock_guard lock(mutex_);
  return resource_version_;
}

ReflectorCounters Reflector::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

bool Reflector::sleep_for(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  return !changed_.wait_for(lock, delay, [this] { return stopping_; });
}

void Reflector::notify(ChangeType type, ObjectPtr object, ObjectPtr previous) {
  if (!on_change_) return;
  try {
    on_change_(Change{type, std::move(object), std::move(previous)});
  } catch (const std::exception& error) {
    // A failing callback must not stop the cache from following the server.
    logger_.error("reflector {}: change callback failed: {}", options_.collection, error.what());
  }
}

void Reflector::run() {
  std::mt19937 jitter_source(std::random_device{}());
  auto backoff = options_.initial_backoff;
  bool need_list = true;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    auto stopping = [this] {
      std::lock_guard lock(mutex_);
      return stopping_;
    };
    try {
      if (need_list) {
        if (!list_and_store()) {
          if (!sleep_for(options_.unserved_recheck)) return;
          continue;
        }
        need_list = false;
      }
      watch_once();
      backoff = options_.initial_backoff;  // the watch worked; ended or expired normally
      if (resource_version().empty()) need_list = true;
      continue;
    } catch (const ApiError& error) {
      // 410 on a list page (an expired continue token) or on the watch: start over.
      if (error.gone()) need_list = true;
      logger_.warn("reflector {}: {}", options_.collection, error.what());
    } catch (const KubeError& error) {
      // A canceled watch during stop() is no failure worth a warning.
      if (stopping()) return;
      logger_.warn("reflector {}: {}", options_.collection, error.what());
    } catch (const std::exception& error) {
      logger_.error("reflector {}: unexpected: {}", options_.collection, error.what());
    }
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      ++counters_.failures;
    }
    // Capped exponential backoff with jitter, so that many reflectors do not reconnect in step.
    std::uniform_int_distribution<long long> jitter(0, backoff.count() / 2);
    const auto delay = backoff + std::chrono::milliseconds(jitter(jitter_source));
    logger_.info("reflector {}: retrying in {} ms", options_.collection, delay.count());
    if (!sleep_for(delay)) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

bool Reflector::list_and_store() {
  ListResult listed;
  // Packed as each page is read: the collection is never held whole as parsed JSON (at a
  // restart every reflector lists at once).
  std::map<std::string, PackedObject> fresh;
  ListOptions list_options = options_.list;
  list_options.consume = [&fresh](nlohmann::json&& item) {
    std::string key = object_key(item);
    fresh.insert_or_assign(std::move(key), PackedObject(item));
  };
  try {
    listed = client_.list(options_.collection, list_options);
  } catch (const ApiError& error) {
    // A list of a collection in a namespace that does not exist is empty, not 404: a 404
    // says that the server does not serve the kind at all.
    if (!options_.may_be_unserved || !error.not_found()) throw;
    const bool was_served = served_.exchange(false);
    for (const auto& [key, object] : store_.replace(std::map<std::string, PackedObject>{}))
      notify(ChangeType::deleted, object.unpack());
    {
      std::lock_guard lock(mutex_);
      resource_version_.clear();
      ++counters_.lists;
      synced_ = true;
    }
    if (was_served) logger_.info("reflector {}: the kind is not served", options_.collection);
    changed_.notify_all();
    return false;
  }
  const bool was_unserved = !served_.exchange(true);
  if (was_unserved) logger_.info("reflector {}: the kind is served now", options_.collection);
  // The list applied the transform already (options_.list.transform).
  const auto previous = store_.replace(fresh);
  // Report the difference, so a relist after an outage shows what was missed. Each object is
  // parsed for its callback and dropped after it.
  if (on_change_) {
    for (const auto& [key, object] : fresh) {
      const auto old = previous.find(key);
      if (old == previous.end()) {
        notify(ChangeType::added, object.unpack());
      } else if (old->second.resource_version() != object.resource_version()) {
        notify(ChangeType::modified, object.unpack(),
               options_.report_previous ? old->second.unpack() : nullptr);
      }
    }
    for (const auto& [key, object] : previous) {
      if (!fresh.contains(key)) notify(ChangeType::deleted, object.unpack());
    }
  }
  {
    std::lock_guard lock(mutex_);
    resource_version_ = listed.resource_version;
    ++counters_.lists;
    synced_ = true;
  }
  logger_.debug("reflector {}: listed {} objects at resourceVersion {}", options_.collection,
                fresh.size(), listed.resource_version);
  changed_.notify_all();
  if (was_unserved && options_.on_served) {
    try {
      options_.on_served();
    } catch (const std::exception& error) {
      logger_.error("reflector {}: served callback failed: {}", options_.collection, error.what());
    }
  }
  return true;
}

void Reflector::watch_once() {
  auto watch = std::make_shared<WatchStream>(
      client_.watch(options_.collection, resource_version(), options_.watch));
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    current_watch_ = watch;
    ++counters_.watches;
  }
  struct Forget {
    Reflector& self;
    ~Forget() {
      std::lock_guard lock(self.mutex_);
      self.current_watch_.reset();
    }
  } forget{*this};

  while (auto event = watch->next()) {
    const std::string version = resource_version_of(event->object);
    switch (event->type) {
      case WatchEventType::added:
      case WatchEventType::modified: {
        if (options_.transform) options_.transform(event->object);
        auto object = std::make_shared<const nlohmann::json>(std::move(event->object));
        const std::optional<PackedObject> previous = store_.upsert_packed(object);
        if (previous) {
          notify(ChangeType::modified, std::move(object),
                 options_.report_previous ? previous->unpack() : nullptr);
        } else {
          notify(ChangeType::added, std::move(object));
        }
        break;
      }
      case WatchEventType::deleted: {
        if (options_.transform) options_.transform(event->object);
        auto object = std::make_shared<const nlohmann::json>(std::move(event->object));
        store_.erase(*object);
        notify(ChangeType::deleted, std::move(object));
        break;
      }
      case WatchEventType::bookmark:
        break;
      case WatchEventType::expired: {
        logger_.info("reflector {}: resourceVersion {} expired; listing again", options_.collection,
                     resource_version());
        std::lock_guard lock(mutex_);
        resource_version_.clear();
        ++counters_.expirations;
        return;
      }
      case WatchEventType::error:
        throw ApiError(event->object.value("code", 500), event->object.value("reason", ""),
                       event->object.value("message", ""), event->object.dump());
    }
    if (!version.empty()) {
      std::lock_guard lock(mutex_);
      resource_version_ = version;
    }
  }
}

}  // namespace p2l::kube
