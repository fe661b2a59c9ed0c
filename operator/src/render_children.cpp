#include "p2l/child_kind.hpp"
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
      {"kind", kind_name(ChildKind::config_map)},
      {"metadata", child_metadata(resource, fluentd_config_map_name(name), instance_labels(name))},
      {"data", {{kFluentdConfigFile, render_fluent_conf(resource.spec.fluentd)}}}};
}

std::vector<Child> render_children(const Post2Log& resource, const RenderOptions& options) {
  std::vector<Child> children;
  const auto add = [&children](ChildKind kind, json object) {
    if (!object.is_null()) children.push_back({kind, std::move(object)});
  };
  if (resource.spec.fluentd.enabled)
    add(ChildKind::config_map, render_fluentd_config_map(resource));
  add(ChildKind::service, render_service(resource));
  add(ChildKind::ingress, render_ingress(resource));
  add(ChildKind::network_policy, render_network_policy(resource));
  add(ChildKind::pod_monitor, render_pod_monitor(resource));
  for (int shard = 0; shard < resource.spec.replicas; ++shard) {
    add(ChildKind::persistent_volume_claim, render_data_claim(resource, shard));
    if (resource.spec.fluentd.enabled) {
      add(ChildKind::persistent_volume_claim, render_fluentd_claim(resource, shard));
    }
    add(ChildKind::deployment, render_shard_deployment(resource, shard, options));
  }
  return children;
}

std::vector<json> child_objects(std::vector<Child> children) {
  std::vector<json> objects;
  objects.reserve(children.size());
  for (Child& child : children)
    objects.push_back(std::move(child.object));
  return objects;
}

}  // namespace p2l
