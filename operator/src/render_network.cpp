#include "p2l/names.hpp"
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
              {"kind", "Service"},
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
              {"kind", "Ingress"},
              {"metadata", std::move(metadata)},
              {"spec", std::move(spec)}};
}

}  // namespace p2l
