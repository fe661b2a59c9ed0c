#include "p2l/child_kind.hpp"
#include "p2l/names.hpp"
#include "p2l/receiver_contract.hpp"
#include "p2l/render.hpp"

namespace p2l {

using nlohmann::json;

json render_pod_monitor(const Post2Log& resource) {
  if (!resource.spec.monitoring.pod_monitor) return nullptr;
  const PodMonitorSpec& monitor = *resource.spec.monitoring.pod_monitor;
  const std::string& name = resource.metadata.name;
  // The user's labels first, so that the operator's own (which its caches select by) win.
  json labels = json::object();
  for (const auto& [key, value] : monitor.labels)
    labels[key] = value;
  labels.update(instance_labels(name));
  // Every pod of every shard, ready or not: a shard that cannot serve still has metrics.
  json selector = instance_labels(name);
  selector.erase(std::string{kLabelManagedBy});
  // The receiver serves /metrics on its one port.
  json endpoint{{"port", "http"}, {"path", receiver_contract::kMetricsPath}};
  if (monitor.interval) endpoint["interval"] = *monitor.interval;
  return json{
      {"apiVersion", "monitoring.coreos.com/v1"},
      {"kind", kind_name(ChildKind::pod_monitor)},
      {"metadata", child_metadata(resource, name, std::move(labels))},
      {"spec",
       {{"selector", {{"matchLabels", std::move(selector)}}},
        // Which Post2Log and shard a series is of (as app_kubernetes_io_instance and
        // post2log_io_shard), for sums per Post2Log.
        {"podTargetLabels", json::array({std::string{kLabelInstance}, std::string{kLabelShard}})},
        {"podMetricsEndpoints", json::array({std::move(endpoint)})}}}};
}

}  // namespace p2l
