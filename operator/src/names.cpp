#include "p2l/names.hpp"

namespace p2l {

using nlohmann::json;

std::string shard_name(std::string_view name, int shard) {
  return std::string{name} + "-" + std::to_string(shard);
}

std::string data_claim_name(std::string_view name, int shard) {
  return shard_name(name, shard) + "-data";
}

std::string fluentd_claim_name(std::string_view name, int shard) {
  return shard_name(name, shard) + "-fluentd";
}

std::string fluentd_check_job_name(std::string_view name) {
  return std::string{name} + "-fcheck";
}

std::string fluentd_config_map_name(std::string_view name) {
  return std::string{name} + "-fluentd";
}

json instance_labels(std::string_view name) {
  return json{{kLabelName, kAppName}, {kLabelInstance, name}, {kLabelManagedBy, kManagerName}};
}

std::string instance_selector(std::string_view name) {
  const json labels = instance_labels(name);
  std::string selector;
  for (const auto& [key, value] : labels.items()) {
    if (!selector.empty()) selector += ",";
    selector += key + "=" + value.get<std::string>();
  }
  return selector;
}

json shard_labels(std::string_view name, int shard) {
  json labels = instance_labels(name);
  labels[std::string{kLabelShard}] = std::to_string(shard);
  return labels;
}

json child_metadata(const Post2Log& resource, std::string_view child_name, json labels) {
  json metadata{{"name", child_name}, {"labels", std::move(labels)}};
  if (resource.metadata.namespace_name) metadata["namespace"] = *resource.metadata.namespace_name;
  if (resource.metadata.uid) {
    metadata["ownerReferences"] = json::array({json{{"apiVersion", kApiVersion},
                                                    {"kind", kKind},
                                                    {"name", resource.metadata.name},
                                                    {"uid", *resource.metadata.uid},
                                                    {"controller", true},
                                                    {"blockOwnerDeletion", true}}});
  }
  return metadata;
}

}  // namespace p2l
