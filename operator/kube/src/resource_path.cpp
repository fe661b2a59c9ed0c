#include "p2l/kube/resource_path.hpp"

#include <array>

namespace p2l::kube {

std::string ResourceType::api_version() const {
  return group.empty() ? version : group + "/" + version;
}

namespace resources {
ResourceType config_maps() {
  return {"", "v1", "configmaps", true};
}
ResourceType namespaces() {
  return {"", "v1", "namespaces", false};
}
ResourceType events() {
  return {"events.k8s.io", "v1", "events", true};
}
ResourceType services() {
  return {"", "v1", "services", true};
}
ResourceType deployments() {
  return {"apps", "v1", "deployments", true};
}
ResourceType custom_resource_definitions() {
  return {"apiextensions.k8s.io", "v1", "customresourcedefinitions", false};
}
ResourceType post2logs() {
  return {"post2log.io", "v1alpha1", "post2logs", true};
}
}  // namespace resources

std::string api_prefix(std::string_view group, std::string_view version) {
  if (group.empty()) return "/api/" + std::string(version);
  return "/apis/" + std::string(group) + "/" + std::string(version);
}

std::string collection_path(const ResourceType& type, std::string_view namespace_name) {
  std::string path = api_prefix(type.group, type.version);
  if (type.namespaced && !namespace_name.empty()) {
    path += "/namespaces/" + percent_encode(namespace_name);
  }
  return path + "/" + type.resource;
}

std::string object_path(const ResourceType& type, std::string_view namespace_name,
                        std::string_view name, std::string_view subresource) {
  std::string path = collection_path(type, namespace_name) + "/" + percent_encode(name);
  if (!subresource.empty()) path += "/" + std::string(subresource);
  return path;
}

std::string percent_encode(std::string_view text) {
  static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};
  std::string encoded;
  encoded.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                            (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' ||
                            byte == '_' || byte == '~';
    if (unreserved) {
      encoded += c;
    } else {
      encoded += '%';
      encoded += kHex[byte >> 4U];
      encoded += kHex[byte & 0x0FU];
    }
  }
  return encoded;
}

std::string with_query(std::string path,
                       const std::vector<std::pair<std::string, std::string>>& parameters) {
  char separator = path.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [key, value] : parameters) {
    path += separator;
    path += percent_encode(key);
    path += '=';
    path += percent_encode(value);
    separator = '&';
  }
  return path;
}

}  // namespace p2l::kube
