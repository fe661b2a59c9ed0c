#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace p2l::controller {

// The work-queue key ("namespace/name") of the Post2Log that owns `child`: from its controller
// ownerReference of kind Post2Log, else from the app.kubernetes.io/instance label in the
// child's namespace (objects created before the owner had a uid). nullopt when neither says.
[[nodiscard]] std::optional<std::string> owner_key(const nlohmann::json& child);

// True when `child` has a controller ownerReference with this uid.
[[nodiscard]] bool controlled_by(const nlohmann::json& child, std::string_view owner_uid);

}  // namespace p2l::controller
