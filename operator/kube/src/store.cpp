#include "p2l/kube/store.hpp"

namespace p2l::kube {

namespace {

constexpr std::string_view kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

}  // namespace

std::string object_key(const nlohmann::json& object) {
  const auto& metadata = object.at("metadata");
  return object_key(metadata.value("namespace", ""), metadata.value("name", ""));
}

std::string object_key(std::string_view namespace_name, std::string_view name) {
  if (namespace_name.empty()) return std::string{name};
  std::string key{namespace_name};
  key += '/';
  key += name;
  return key;
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

PackedObject::PackedObject(const nlohmann::json& object)
    : controller_uid_(kube::controller_uid(object)) {
  std::vector<std::uint8_t> bytes = nlohmann::json::to_cbor(object);
  // The serializer grows its buffer by doubling: kept for long, the slack would cost up to
  // as much again.
  bytes.shrink_to_fit();
  bytes_ = std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));
  if (const auto metadata = object.find("metadata");
      metadata != object.end() && metadata->is_object()) {
    resource_version_ = metadata->value("resourceVersion", "");
  }
}

ObjectPtr PackedObject::unpack() const {
  return std::make_shared<const nlohmann::json>(nlohmann::json::from_cbor(*bytes_));
}

ObjectPtr Store::read(const std::string& key, const PackedObject& packed) const {
  // Parsing takes tens of microseconds for a Deployment: not under the lock, which the
  // reflector needs for every event.
  ObjectPtr object = packed.unpack();
  std::lock_guard lock(mutex_);
  const auto it = objects_.find(key);
  if (it == objects_.end() || !it->second.packed.same(packed)) return object;
  // Two readers parsed the same state at once: both get the first one stored.
  if (ObjectPtr held = it->second.shared.lock()) return held;
  it->second.shared = object;
  return object;
}

ObjectPtr Store::get(std::string_view key) const {
  std::string found_key;
  std::optional<PackedObject> packed;
  {
    std::lock_guard lock(mutex_);
    const auto it = objects_.find(key);
    if (it == objects_.end()) return nullptr;
    if (ObjectPtr held = it->second.shared.lock()) return held;
    found_key = it->first;
    packed = it->second.packed;
  }
  return read(found_key, *packed);
}

std::vector<ObjectPtr> Store::list() const {
  std::vector<std::string> all = keys();
  std::vector<ObjectPtr> objects;
  objects.reserve(all.size());
  for (const std::string& key : all) {
    if (ObjectPtr object = get(key)) objects.push_back(std::move(object));
  }
  return objects;
}

std::vector<std::string> Store::keys() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> all;
  all.reserve(objects_.size());
  for (const auto& [key, entry] : objects_)
    all.push_back(key);
  return all;
}

std::vector<ObjectPtr> Store::select(
    const std::function<bool(const nlohmann::json&)>& wanted) const {
  std::vector<ObjectPtr> objects;
  for (ObjectPtr& object : list()) {
    if (wanted(*object)) objects.push_back(std::move(object));
  }
  return objects;
}

std::vector<ObjectPtr> Store::controlled_by(std::string_view owner_uid) const {
  std::vector<std::string> owned;
  if (owner_uid.empty()) return {};
  {
    std::lock_guard lock(mutex_);
    const auto found = by_controller_.find(owner_uid);
    if (found == by_controller_.end()) return {};
    owned.assign(found->second.begin(), found->second.end());
  }
  std::vector<ObjectPtr> objects;
  objects.reserve(owned.size());
  for (const std::string& key : owned) {
    // Gone since the index was read: as if read a moment later.
    if (ObjectPtr object = get(key)) objects.push_back(std::move(object));
  }
  return objects;
}

std::size_t Store::size() const {
  std::lock_guard lock(mutex_);
  return objects_.size();
}

void Store::index(const std::string& key, const std::string& uid) {
  if (!uid.empty()) by_controller_[uid].insert(key);
}

void Store::unindex(const std::string& key, const std::string& uid) {
  const auto found = by_controller_.find(uid);
  if (found == by_controller_.end()) return;
  found->second.erase(key);
  if (found->second.empty()) by_controller_.erase(found);
}

std::optional<PackedObject> Store::upsert_packed(ObjectPtr object) {
  std::string key = object_key(*object);
  PackedObject packed(*object);
  std::lock_guard lock(mutex_);
  const auto it = objects_.find(key);
  if (it == objects_.end()) {
    index(key, packed.controller_uid());
    objects_.emplace(std::move(key), Entry{std::move(packed), std::move(object)});
    return std::nullopt;
  }
  std::optional<PackedObject> previous = std::move(it->second.packed);
  unindex(it->first, previous->controller_uid());
  index(it->first, packed.controller_uid());
  it->second = Entry{std::move(packed), std::move(object)};
  return previous;
}

ObjectPtr Store::upsert(ObjectPtr object) {
  const std::optional<PackedObject> previous = upsert_packed(std::move(object));
  return previous ? previous->unpack() : nullptr;
}

ObjectPtr Store::erase(const nlohmann::json& object) {
  const std::string key = object_key(object);
  std::optional<Entry> previous;
  {
    std::lock_guard lock(mutex_);
    const auto it = objects_.find(key);
    if (it == objects_.end()) return nullptr;
    previous = std::move(it->second);
    unindex(it->first, previous->packed.controller_uid());
    objects_.erase(it);
  }
  if (ObjectPtr held = previous->shared.lock()) return held;
  return previous->packed.unpack();
}

std::map<std::string, PackedObject> Store::replace_entries(std::map<std::string, Entry> entries) {
  std::lock_guard lock(mutex_);
  std::map<std::string, PackedObject> previous;
  for (auto& [key, entry] : objects_)
    previous.emplace(key, std::move(entry.packed));
  objects_.clear();
  by_controller_.clear();
  for (auto& [key, entry] : entries) {
    index(key, entry.packed.controller_uid());
    objects_.emplace(key, std::move(entry));
  }
  return previous;
}

std::map<std::string, PackedObject> Store::replace(std::map<std::string, PackedObject> objects) {
  std::map<std::string, Entry> entries;
  for (auto& [key, packed] : objects)
    entries.emplace(key, Entry{std::move(packed), {}});
  return replace_entries(std::move(entries));
}

std::map<std::string, PackedObject> Store::replace(
    const std::map<std::string, ObjectPtr>& objects) {
  std::map<std::string, Entry> entries;
  for (const auto& [key, object] : objects)
    entries.emplace(key, Entry{PackedObject(*object), object});
  return replace_entries(std::move(entries));
}

}  // namespace p2l::kube
