#include "p2l/child_kind.hpp"
#include "p2l/names.hpp"
#include "p2l/pod_layout.hpp"
#include "p2l/render.hpp"

namespace p2l {

using nlohmann::json;

json render_service(const Post2Log& resource) {
  const std::string& name = resource.metadata.name;
  json port{
      {"name", "http"}, {"protocol", "TCP"}, {"port", resource.spec.port}, {"targetPort", "http"}};
  if (resource.spec.node_port) port["nodePort"] = *resource.spec.node_port;
  json selector = instance_labels(name);
  selector.erase(std::string{kLabelManagedBy});
  selector[std::string{kLabelServing}] = "true";
  return json{{"apiVersion", "v1"},
              {"kind", kind_name(ChildKind::service)},
              {"metadata", child_metadata(resource, name, instance_labels(name))},
              {"spec",
               {{"type", resource.spec.node_port ? "NodePort" : "ClusterIP"},
                {"selector", std::move(selector)},
                {"ports", json::array({std::move(port)})}}}};
}

json render_ingress(const Post2Log& resource) {
  if (!resource.spec.ingress) return nullptr;
  const IngressSpec& ingress = *resource.spec.ingress;
  const std::string& name = resource.metadata.name;
  json path{
      {"path", resource.spec.endpoint},
      {"pathType", ingress.path_type},
      {"backend", {{"service", {{"name", name}, {"port", {{"number", resource.spec.port}}}}}}}};
  json rule{{"http", {{"paths", json::array({std::move(path)})}}}};
  if (ingress.host) rule["host"] = *ingress.host;
  json spec{{"rules", json::array({std::move(rule)})}};
  if (ingress.class_name) spec["ingressClassName"] = *ingress.class_name;
  json metadata = child_metadata(resource, name, instance_labels(name));
  if (!ingress.annotations.empty()) metadata["annotations"] = ingress.annotations;
  return json{{"apiVersion", "networking.k8s.io/v1"},
              {"kind", kind_name(ChildKind::ingress)},
              {"metadata", std::move(metadata)},
              {"spec", std::move(spec)}};
}

json render_network_policy(const Post2Log& resource) {
  if (!resource.spec.network_policy) return nullptr;
  const std::string& name = resource.metadata.name;
  json selector = instance_labels(name);
  selector.erase(std::string{kLabelManagedBy});
  // Only the receiver's port, from the given peers or from anywhere. Egress is left open:
  // Fluentd's outputs go wherever outputConfig says.
  json rule{{"ports", json::array({{{"protocol", "TCP"}, {"port", kReceiverContainerPort}}})}};
  if (resource.spec.network_policy->from) rule["from"] = *resource.spec.network_policy->from;
  return json{{"apiVersion", "networking.k8s.io/v1"},
              {"kind", kind_name(ChildKind::network_policy)},
              {"metadata", child_metadata(resource, name, instance_labels(name))},
              {"spec",
               {{"podSelector", {{"matchLabels", std::move(selector)}}},
                {"policyTypes", json::array({"Ingress"})},
                {"ingress", json::array({std::move(rule)})}}}};
}

}  // namespace p2l
