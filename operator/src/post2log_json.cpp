#include <stdexcept>

#include "p2l/decode.hpp"
#include "p2l/post2log.hpp"

namespace p2l {

using nlohmann::json;

namespace {

template <typename T>
void put_optional(json& out, const char* name, const std::optional<T>& value) {
  if (value) out[name] = *value;
}

}  // namespace

void to_json(json& out, const Rotation& value) {
  out = json{{"maxBytes", value.max_bytes}, {"backups", value.backups}};
}

void to_json(json& out, const FluentdSpec& value) {
  out = json{{"enabled", value.enabled},
             {"storage", value.storage},
             {"outputConfig", value.output_config}};
}

void to_json(json& out, const IngressSpec& value) {
  out = json{{"annotations", value.annotations}, {"pathType", value.path_type}};
  put_optional(out, "host", value.host);
  put_optional(out, "className", value.class_name);
}

void to_json(json& out, const ImageSpec& value) {
  out = json::object();
  put_optional(out, "receiver", value.receiver);
  put_optional(out, "fluentd", value.fluentd);
  put_optional(out, "pullPolicy", value.pull_policy);
}

void to_json(json& out, const ResourceRequirements& value) {
  out = json::object();
  if (!value.limits.empty()) out["limits"] = value.limits;
  if (!value.requests.empty()) out["requests"] = value.requests;
}

void to_json(json& out, const PodResources& value) {
  out = json::object();
  put_optional(out, "receiver", value.receiver);
  put_optional(out, "fluentd", value.fluentd);
}

void to_json(json& out, const Toleration& value) {
  out = json::object();
  put_optional(out, "key", value.key);
  put_optional(out, "operator", value.operator_name);
  put_optional(out, "value", value.value);
  put_optional(out, "effect", value.effect);
  put_optional(out, "tolerationSeconds", value.toleration_seconds);
}

void to_json(json& out, const NetworkPolicySpec& value) {
  out = json::object();
  put_optional(out, "from", value.from);
}

void to_json(json& out, const PodMonitorSpec& value) {
  out = json::object();
  put_optional(out, "interval", value.interval);
  if (!value.labels.empty()) out["labels"] = value.labels;
}

void to_json(json& out, const MonitoringSpec& value) {
  out = json::object();
  put_optional(out, "podMonitor", value.pod_monitor);
}

void to_json(json& out, const Post2LogSpec& value) {
  out = json{{"port", value.port},
             {"endpoint", value.endpoint},
             {"logQueryParams", value.log_query_params},
             {"workers", value.workers},
             {"replicas", value.replicas},
             {"storage", value.storage},
             {"rotation", value.rotation},
             {"logLevel", value.log_level},
             {"fluentd", value.fluentd}};
  put_optional(out, "nodePort", value.node_port);
  put_optional(out, "ingress", value.ingress);
  put_optional(out, "networkPolicy", value.network_policy);
  if (value.monitoring != MonitoringSpec{}) out["monitoring"] = value.monitoring;
  put_optional(out, "storageClassName", value.storage_class_name);
  if (value.image != ImageSpec{}) out["image"] = value.image;
  if (value.resources != PodResources{}) out["resources"] = value.resources;
  if (!value.node_selector.empty()) out["nodeSelector"] = value.node_selector;
  if (!value.tolerations.empty()) out["tolerations"] = value.tolerations;
  put_optional(out, "affinity", value.affinity);
}

void to_json(json& out, const ObjectMeta& value) {
  out = json{{"name", value.name}};
  put_optional(out, "namespace", value.namespace_name);
  put_optional(out, "uid", value.uid);
}

void to_json(json& out, const Post2Log& value) {
  out = json{{"apiVersion", kApiVersion},
             {"kind", kKind},
             {"metadata", value.metadata},
             {"spec", value.spec}};
}

void from_json(const json& in, Post2Log& out) {
  DecodeResult result = decode_post2log(in);
  if (!result.resource) {
    std::string message = "invalid Post2Log:";
    for (const FieldError& error : result.errors)
      message += "\n  " + describe(error);
    throw std::invalid_argument(message);
  }
  out = std::move(*result.resource);
}

}  // namespace p2l
