#include "p2l/fluentd_config.hpp"
#include "p2l/names.hpp"
#include "p2l/pod_layout.hpp"
#include "p2l/render.hpp"

namespace p2l {

using nlohmann::json;

std::string RenderOptions::default_receiver_image() {
  return std::string{"post2log-receiver:"} + P2L_VERSION;
}

json render_fluentd_config_map(const Post2Log& resource) {
  const std::string& name = resource.metadata.name;
  return json{
      {"apiVersion", "v1"},
      {"kind", "ConfigMap"},
      {"metadata", child_metadata(resource, fluentd_config_map_name(name), instance_labels(name))},
      {"data", {{kFluentdConfigFile, render_fluent_conf(resource.spec.fluentd)}}}};
}

std::vector<json> render_children(const Post2Log& resource, const RenderOptions& options) {
  std::vector<json> children;
  if (resource.spec.fluentd.enabled) children.push_back(render_fluentd_config_map(resource));
  children.push_back(render_service(resource));
  if (json ingress = render_ingress(resource); !ingress.is_null()) {
    children.push_back(std::move(ingress));
  }
  if (json policy = render_network_policy(resource); !policy.is_null()) {
    children.push_back(std::move(policy));
  }
  if (json monitor = render_pod_monitor(resource); !monitor.is_null()) {
    children.push_back(std::move(monitor));
  }
  for (int shard = 0; shard < resource.spec.replicas; ++shard) {
    children.push_back(render_data_claim(resource, shard));
    if (resource.spec.fluentd.enabled) children.push_back(render_fluentd_claim(resource, shard));
    children.push_back(render_shard_deployment(resource, shard, options));
  }
  return children;
}

}  // namespace p2l
