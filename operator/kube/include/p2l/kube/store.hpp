#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace p2l::kube {

// "namespace/name", or "name" for cluster-scoped objects.
std::string object_key(const nlohmann::json& object);

// The objects of one resource as last seen, keyed by object_key. Safe to share between the
// reflector thread and readers.
class Store {
 public:
  std::optional<nlohmann::json> get(std::string_view key) const;
  std::vector<nlohmann::json> list() const;
  // Copies of only the objects `wanted` accepts: a reader looking for a few objects among
  // thousands pays for checking them, not for copying them all.
  std::vector<nlohmann::json> select(
      const std::function<bool(const nlohmann::json&)>& wanted) const;
  std::size_t size() const;

  // Returns the previous copy, if any.
  std::optional<nlohmann::json> upsert(const nlohmann::json& object);
  std::optional<nlohmann::json> erase(const nlohmann::json& object);
  // Replaces everything; returns what was there before.
  std::map<std::string, nlohmann::json> replace(std::map<std::string, nlohmann::json> objects);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, nlohmann::json, std::less<>> objects_;
};

}  // namespace p2l::kube
