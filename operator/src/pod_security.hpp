#pragma once

#include <nlohmann/json.hpp>

#include "p2l/pod_layout.hpp"

namespace p2l {

// The restricted Pod Security Standard, as every pod the operator makes meets it: a shard's
// pod and the Job that checks a Fluentd configuration.
inline nlohmann::json pod_security_context() {
  return {{"runAsNonRoot", true},
          {"runAsUser", kPodUserId},
          {"runAsGroup", kPodUserId},
          {"fsGroup", kPodUserId},
          {"fsGroupChangePolicy", "OnRootMismatch"},
          {"seccompProfile", {{"type", "RuntimeDefault"}}}};
}

inline nlohmann::json container_security_context() {
  return {{"allowPrivilegeEscalation", false},
          {"readOnlyRootFilesystem", true},
          {"runAsNonRoot", true},
          {"capabilities", {{"drop", nlohmann::json::array({"ALL"})}}}};
}

}  // namespace p2l
