#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "p2l/post2log.hpp"

namespace p2l {

// Labels and annotations on the children, shared with anything that selects them.
inline constexpr std::string_view kLabelName = "app.kubernetes.io/name";
inline constexpr std::string_view kLabelInstance = "app.kubernetes.io/instance";
inline constexpr std::string_view kLabelManagedBy = "app.kubernetes.io/managed-by";
inline constexpr std::string_view kLabelShard = "post2log.io/shard";
// The Service selects only pods with serving=true, so a shard being drained can leave the
// Service before its pod goes away.
inline constexpr std::string_view kLabelServing = "post2log.io/serving";
inline constexpr std::string_view kAnnotationConfigHash = "post2log.io/fluentd-config-hash";
// On a shard's Deployment: "true" when the operator last applied it while the shard was not
// Ready (or created it), so its not being Ready does not hold back the rollout of the others.
inline constexpr std::string_view kAnnotationUnreadyWhenUpdated =
    "post2log.io/unready-when-updated";

inline constexpr std::string_view kAppName = "post2log";
inline constexpr std::string_view kManagerName = "post2log-operator";

// Child names for a Post2Log called `name`.
[[nodiscard]] std::string shard_name(std::string_view name, int shard);          // NAME-I
[[nodiscard]] std::string data_claim_name(std::string_view name, int shard);     // NAME-I-data
[[nodiscard]] std::string fluentd_claim_name(std::string_view name, int shard);  // NAME-I-fluentd
[[nodiscard]] std::string fluentd_config_map_name(std::string_view name);        // NAME-fluentd
// The Job that runs `fluentd --dry-run` on a changed configuration: NAME-fcheck (short, as a
// Job's name is also the job-name label of its pod, at most 63 characters).
[[nodiscard]] std::string fluentd_check_job_name(std::string_view name);

// name, instance, managed-by: on every child.
[[nodiscard]] nlohmann::json instance_labels(std::string_view name);
// instance_labels as a label selector ("k=v,k=v"): every pod of the Post2Log.
[[nodiscard]] std::string instance_selector(std::string_view name);
// instance_labels plus the shard label: on a shard's Deployment and PVCs.
[[nodiscard]] nlohmann::json shard_labels(std::string_view name, int shard);

// metadata for a child: name, namespace (when the resource has one), labels and, when the
// resource has a uid, the controller ownerReference.
[[nodiscard]] nlohmann::json child_metadata(const Post2Log& resource, std::string_view child_name,
                                            nlohmann::json labels);

}  // namespace p2l
