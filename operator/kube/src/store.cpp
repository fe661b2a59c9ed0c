#include "p2l/kube/store.hpp"

namespace p2l::kube {

namespace {

constexpr std::string_view kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

}  // namespace

std::string object_key(const nlohmann::json& object) {
  const auto& metadata = object.at("metadata");
  const std::string name = metadata.value("name", "");
  const std::string namespace_name = metadata.value("namespace", "");
  return namespace_name.empty() ? name : namespace_name + "/" + name;
}

std::string controller_uid(const nlohmann::json& object) {
  if (!object.is_object()) return {};
  const auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return {};
  const auto references = metadata->find("ownerReferences");
  if (references == metadata->end() || !references->is_array()) return {};
  for (const auto& reference : *references) {
    if (reference.is_object() && reference.value("controller", false)) {
      return reference.value("uid", "");
    }
  }
  return {};
}

void strip_for_cache(nlohmann::json& object) {
  if (!object.is_object()) return;
  const auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return;
  metadata->erase("managedFields");
  const auto annotations = metadata->find("annotations");
  if (annotations == metadata->end() || !annotations->is_object()) return;
  annotations->erase(std::string{kLastApplied});
}

ObjectPtr Store::get(std::string_view key) const {
  std::lock_guard lock(mutex_);
  const auto it = objects_.find(key);
  if (it == objects_.end()) return nullptr;
  return it->second;
}

std::vector<ObjectPtr> Store::list() const {
  std::lock_guard lock(mutex_);
  std::vector<ObjectPtr> objects;
  objects.reserve(objects_.size());
  for (const auto& [key, object] : objects_)
    objects.push_back(object);
  return objects;
}

std::vector<ObjectPtr> Store::select(
    const std::function<bool(const nlohmann::json&)>& wanted) const {
  std::lock_guard lock(mutex_);
  std::vector<ObjectPtr> objects;
  for (const auto& [key, object] : objects_) {
    if (wanted(*object)) objects.push_back(object);
  }
  return objects;
}

std::vector<ObjectPtr> Store::controlled_by(std::string_view owner_uid) const {
  std::lock_guard lock(mutex_);
  std::vector<ObjectPtr> objects;
  if (owner_uid.empty()) return objects;
  const auto found = by_controller_.find(owner_uid);
  if (found == by_controller_.end()) return objects;
  objects.reserve(found->second.size());
  for (const std::string& key : found->second)
    objects.push_back(objects_.find(key)->second);
  return objects;
}

std::size_t Store::size() const {
  std::lock_guard lock(mutex_);
  return objects_.size();
}

void Store::index(const std::string& key, const nlohmann::json& object) {
  std::string uid = controller_uid(object);
  if (!uid.empty()) by_controller_[std::move(uid)].insert(key);
}

void Store::unindex(const std::string& key, const nlohmann::json& object) {
  const auto found = by_controller_.find(controller_uid(object));
  if (found == by_controller_.end()) return;
  found->second.erase(key);
  if (found->second.empty()) by_controller_.erase(found);
}

ObjectPtr Store::upsert(ObjectPtr object) {
  std::string key = object_key(*object);
  std::lock_guard lock(mutex_);
  auto [it, inserted] = objects_.try_emplace(std::move(key), nullptr);
  ObjectPtr previous = std::exchange(it->second, std::move(object));
  if (previous) unindex(it->first, *previous);
  index(it->first, *it->second);
  return previous;
}

ObjectPtr Store::erase(const nlohmann::json& object) {
  const std::string key = object_key(object);
  std::lock_guard lock(mutex_);
  const auto it = objects_.find(key);
  if (it == objects_.end()) return nullptr;
  ObjectPtr previous = std::move(it->second);
  unindex(it->first, *previous);
  objects_.erase(it);
  return previous;
}

std::map<std::string, ObjectPtr> Store::replace(std::map<std::string, ObjectPtr> objects) {
  std::lock_guard lock(mutex_);
  std::map<std::string, ObjectPtr> previous(std::make_move_iterator(objects_.begin()),
                                            std::make_move_iterator(objects_.end()));
  objects_.clear();
  by_controller_.clear();
  for (auto& [key, object] : objects) {
    index(key, *object);
    objects_.emplace(key, std::move(object));
  }
  return previous;
}

}  // namespace p2l::kube
