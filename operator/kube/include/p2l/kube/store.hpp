#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace p2l::kube {

// A cached object as readers see it. Immutable, so readers share it instead of copying it.
using ObjectPtr = std::shared_ptr<const nlohmann::json>;

// "namespace/name", or "name" for cluster-scoped objects.
std::string object_key(const nlohmann::json& object);
std::string object_key(std::string_view namespace_name, std::string_view name);

// The uid of the object's controller ownerReference (the one with controller: true), or "".
std::string controller_uid(const nlohmann::json& object);

// What a cache does not keep of an object: metadata.managedFields and the
// kubectl.kubernetes.io/last-applied-configuration annotation. Both are bookkeeping for the
// server and for kubectl, often larger than the rest of the object, and read by no controller
// (as controller-runtime's TransformStripManagedFields). Leaves anything that is not an
// object with metadata alone.
void strip_for_cache(nlohmann::json& object);

// An object as a cache keeps it: serialized (CBOR), with what the cache itself looks at
// (resourceVersion, controller uid) beside it. Parsed, nlohmann::json takes about seven times
// the bytes of the serialized form, and a cache holds every object of its kind for the
// process's lifetime while a reconcile reads a few of them at a time. Cheap to copy: the bytes
// are shared.
class PackedObject {
 public:
  explicit PackedObject(const nlohmann::json& object);

  // A fresh parse of the object.
  [[nodiscard]] ObjectPtr unpack() const;
  [[nodiscard]] const std::string& resource_version() const { return resource_version_; }
  [[nodiscard]] const std::string& controller_uid() const { return controller_uid_; }
  // The same serialized bytes (the same stored state, not merely equal content).
  [[nodiscard]] bool same(const PackedObject& other) const { return bytes_ == other.bytes_; }

 private:
  std::shared_ptr<const std::vector<std::uint8_t>> bytes_;
  std::string resource_version_;
  std::string controller_uid_;
};

// The objects of one resource as last seen, keyed by object_key, and indexed by the uid of
// their controller. Safe to share between the reflector thread and readers.
//
// Objects are kept packed and parsed when read. While a reader still holds what it read (or
// the reflector what it stored), later readers of the same state get that same object instead
// of parsing it again; once nobody holds it, only the packed form is left.
class Store {
 public:
  // nullptr when there is none.
  ObjectPtr get(std::string_view key) const;
  std::vector<ObjectPtr> list() const;
  // Every key, in order, without parsing any object.
  std::vector<std::string> keys() const;
  // Only the objects `wanted` accepts (parses every object: for tests and small stores).
  std::vector<ObjectPtr> select(const std::function<bool(const nlohmann::json&)>& wanted) const;
  // The objects whose controller ownerReference has this uid, in key order: an owner's
  // children without looking at anyone else's.
  std::vector<ObjectPtr> controlled_by(std::string_view owner_uid) const;
  std::size_t size() const;

  // Returns the previous state, if any (else nullptr).
  ObjectPtr upsert(ObjectPtr object);
  // As upsert, but the previous state stays packed (nullopt: there was none), for callers that
  // may not need its content.
  std::optional<PackedObject> upsert_packed(ObjectPtr object);
  ObjectPtr erase(const nlohmann::json& object);
  // Replaces everything; returns what was there before.
  std::map<std::string, PackedObject> replace(std::map<std::string, PackedObject> objects);
  std::map<std::string, PackedObject> replace(const std::map<std::string, ObjectPtr>& objects);

 private:
  struct Entry {
    PackedObject packed;
    // The parsed state someone may still hold (see above).
    mutable std::weak_ptr<const nlohmann::json> shared;
  };
  std::map<std::string, PackedObject> replace_entries(std::map<std::string, Entry> entries);
  // Parses `packed` outside the lock, then offers the result to later readers of that state.
  ObjectPtr read(const std::string& key, const PackedObject& packed) const;
  void index(const std::string& key, const std::string& uid);
  void unindex(const std::string& key, const std::string& uid);

  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> objects_;
  // controller uid -> keys of the objects it controls
  std::map<std::string, std::set<std::string>, std::less<>> by_controller_;
};

}  // namespace p2l::kube
