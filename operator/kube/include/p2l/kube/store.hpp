#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace p2l::kube {

// A cached object. Immutable once stored, so readers share it instead of copying it: a
// reconcile that reads a Deployment holds a pointer, not a deep copy of its JSON.
using ObjectPtr = std::shared_ptr<const nlohmann::json>;

// "namespace/name", or "name" for cluster-scoped objects.
std::string object_key(const nlohmann::json& object);

// The uid of the object's controller ownerReference (the one with controller: true), or "".
std::string controller_uid(const nlohmann::json& object);

// What a cache does not keep of an object: metadata.managedFields and the
// kubectl.kubernetes.io/last-applied-configuration annotation. Both are bookkeeping for the
// server and for kubectl, often larger than the rest of the object, and read by no controller
// (as controller-runtime's TransformStripManagedFields). Leaves anything that is not an
// object with metadata alone.
void strip_for_cache(nlohmann::json& object);

// The objects of one resource as last seen, keyed by object_key, and indexed by the uid of
// their controller. Safe to share between the reflector thread and readers.
class Store {
 public:
  // nullptr when there is none.
  ObjectPtr get(std::string_view key) const;
  std::vector<ObjectPtr> list() const;
  // Only the objects `wanted` accepts.
  std::vector<ObjectPtr> select(const std::function<bool(const nlohmann::json&)>& wanted) const;
  // The objects whose controller ownerReference has this uid, in key order: an owner's
  // children without looking at anyone else's.
  std::vector<ObjectPtr> controlled_by(std::string_view owner_uid) const;
  std::size_t size() const;

  // Returns the previous state, if any (else nullptr).
  ObjectPtr upsert(ObjectPtr object);
  ObjectPtr erase(const nlohmann::json& object);
  // Replaces everything; returns what was there before.
  std::map<std::string, ObjectPtr> replace(std::map<std::string, ObjectPtr> objects);

 private:
  void index(const std::string& key, const nlohmann::json& object);
  void unindex(const std::string& key, const nlohmann::json& object);

  mutable std::mutex mutex_;
  std::map<std::string, ObjectPtr, std::less<>> objects_;
  // controller uid -> keys of the objects it controls
  std::map<std::string, std::set<std::string>, std::less<>> by_controller_;
};

}  // namespace p2l::kube
