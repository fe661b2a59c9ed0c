#include "p2l/kube/store.hpp"

namespace p2l::kube {

std::string object_key(const nlohmann::json& object) {
  const auto& metadata = object.at("metadata");
  const std::string name = metadata.value("name", "");
  const std::string namespace_name = metadata.value("namespace", "");
  return namespace_name.empty() ? name : namespace_name + "/" + name;
}

std::optional<nlohmann::json> Store::get(std::string_view key) const {
  std::lock_guard lock(mutex_);
  const auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

std::vector<nlohmann::json> Store::list() const {
  std::lock_guard lock(mutex_);
  std::vector<nlohmann::json> objects;
  objects.reserve(objects_.size());
  for (const auto& [key, object] : objects_)
    objects.push_back(object);
  return objects;
}

std::vector<nlohmann::json> Store::select(
    const std::function<bool(const nlohmann::json&)>& wanted) const {
  std::lock_guard lock(mutex_);
  std::vector<nlohmann::json> objects;
  for (const auto& [key, object] : objects_) {
    if (wanted(object)) objects.push_back(object);
  }
  return objects;
}

std::size_t Store::size() const {
  std::lock_guard lock(mutex_);
  return objects_.size();
}

std::optional<nlohmann::json> Store::upsert(const nlohmann::json& object) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = objects_.try_emplace(object_key(object), object);
  if (inserted) return std::nullopt;
  return std::exchange(it->second, object);
}

std::optional<nlohmann::json> Store::erase(const nlohmann::json& object) {
  std::lock_guard lock(mutex_);
  const auto it = objects_.find(object_key(object));
  if (it == objects_.end()) return std::nullopt;
  auto previous = std::move(it->second);
  objects_.erase(it);
  return previous;
}

std::map<std::string, nlohmann::json> Store::replace(
    std::map<std::string, nlohmann::json> objects) {
  std::lock_guard lock(mutex_);
  std::map<std::string, nlohmann::json> previous(std::make_move_iterator(objects_.begin()),
                                                 std::make_move_iterator(objects_.end()));
  objects_.clear();
  for (auto& [key, object] : objects)
    objects_.emplace(key, std::move(object));
  return previous;
}

}  // namespace p2l::kube
