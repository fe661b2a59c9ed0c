#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "p2l/child_kind.hpp"
#include "p2l/post2log.hpp"
#include "p2l/post2log_fields.hpp"

namespace p2l {

// Operator-wide defaults for what a Post2Log does not set itself.
struct RenderOptions {
  std::string receiver_image = default_receiver_image();
  std::string fluentd_image = "fluent/fluentd:v1.17-debian-1";
  std::string image_pull_policy = "IfNotPresent";
  ResourceRequirements receiver_resources{{{"memory", "256Mi"}},
                                          {{"cpu", "100m"}, {"memory", "64Mi"}}};
  ResourceRequirements fluentd_resources{{{"memory", "512Mi"}},
                                         {{"cpu", "100m"}, {"memory", "128Mi"}}};
  // Covers the receiver's preStop sleep and drain (kPreStopSeconds + kDrainSeconds) with room
  // for Fluentd to flush.
  std::int64_t termination_grace_period_seconds = 60;

  // post2log-receiver:<project version>.
  static std::string default_receiver_image();
};

// Every child object of a valid Post2Log, in the order they are best applied: the Fluentd
// ConfigMap, the Service, the Ingress, the NetworkPolicy, the PodMonitor, then for each shard its
// two PVCs and its Deployment. Pure: the same resource and options always give the same objects.
[[nodiscard]] std::vector<Child> render_children(const Post2Log& resource,
                                                 const RenderOptions& options = {});
// The objects alone, in the same order.
[[nodiscard]] std::vector<nlohmann::json> child_objects(std::vector<Child> children);

// The parts, for callers that reconcile one kind at a time.
[[nodiscard]] nlohmann::json render_fluentd_config_map(const Post2Log& resource);
[[nodiscard]] nlohmann::json render_service(const Post2Log& resource);
[[nodiscard]] nlohmann::json render_ingress(const Post2Log& resource);  // null without ingress
// null without networkPolicy
[[nodiscard]] nlohmann::json render_network_policy(const Post2Log& resource);
// The Job that checks the Post2Log's fluent.conf with `fluentd --dry-run` in its own Fluentd
// image (so with the plugins that will run it) before any shard gets it; carries the
// configuration's hash (kAnnotationConfigHash). Not one of render_children: it is made only
// while a configuration is being checked.
[[nodiscard]] nlohmann::json render_fluentd_config_check_job(const Post2Log& resource,
                                                             const RenderOptions& options);
// sha256 of the fluent.conf a Post2Log's shards run (kAnnotationConfigHash).
[[nodiscard]] std::string fluentd_config_hash(const Post2Log& resource);
// null without monitoring.podMonitor
[[nodiscard]] nlohmann::json render_pod_monitor(const Post2Log& resource);
[[nodiscard]] nlohmann::json render_data_claim(const Post2Log& resource, int shard);
[[nodiscard]] nlohmann::json render_fluentd_claim(const Post2Log& resource, int shard);
[[nodiscard]] nlohmann::json render_shard_deployment(const Post2Log& resource, int shard,
                                                     const RenderOptions& options);

}  // namespace p2l
