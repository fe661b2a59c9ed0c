#include "p2l/controller/ownership.hpp"

#include "p2l/kube/store.hpp"
#include "p2l/names.hpp"
#include "p2l/post2log.hpp"

namespace p2l::controller {
namespace {

using nlohmann::json;

const json* controller_reference(const json& child) {
  const json* metadata =
      child.is_object() && child.contains("metadata") ? &child["metadata"] : nullptr;
  if (metadata == nullptr || !metadata->contains("ownerReferences")) return nullptr;
  for (const json& reference : (*metadata)["ownerReferences"]) {
    if (reference.value("controller", false)) return &reference;
  }
  return nullptr;
}

}  // namespace

std::optional<std::string> owner_key(const json& child) {
  if (!child.is_object() || !child.contains("metadata")) return std::nullopt;
  const json& metadata = child["metadata"];
  const std::string namespace_name = metadata.value("namespace", "");
  if (const json* reference = controller_reference(child)) {
    // Controlled by something else: not ours, whatever its labels say.
    if (reference->value("kind", "") != kKind ||
        !reference->value("apiVersion", "").starts_with(std::string{kGroup} + "/")) {
      return std::nullopt;
    }
    const std::string name = reference->value("name", "");
    if (name.empty()) return std::nullopt;
    return kube::object_key(namespace_name, name);
  }
  const json labels = metadata.value("labels", json::object());
  const std::string instance = labels.value(std::string{kLabelInstance}, "");
  if (instance.empty() || labels.value(std::string{kLabelManagedBy}, "") != kManagerName) {
    return std::nullopt;
  }
  return kube::object_key(namespace_name, instance);
}

bool controlled_by(const json& child, std::string_view owner_uid) {
  return !owner_uid.empty() && kube::controller_uid(child) == owner_uid;
}

}  // namespace p2l::controller
