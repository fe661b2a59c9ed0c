#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace p2l::kube {

// A kind of resource as the REST API addresses it.
struct ResourceType {
  std::string group;  // empty: the core group
  std::string version;
  std::string resource;  // plural, lower case
  bool namespaced = true;

  // "v1" for core, else "group/version": the apiVersion of its objects.
  std::string api_version() const;
};

// A few types the operator and its tests use.
namespace resources {
ResourceType config_maps();
ResourceType namespaces();
ResourceType events();  // events.k8s.io/v1
ResourceType services();
ResourceType deployments();
ResourceType custom_resource_definitions();
ResourceType post2logs();
}  // namespace resources

// "/api/v1" or "/apis/GROUP/VERSION".
std::string api_prefix(std::string_view group, std::string_view version);

// The collection: all namespaces when `namespace_name` is empty (or the type is cluster-scoped).
std::string collection_path(const ResourceType& type, std::string_view namespace_name = {});

// One object, optionally a subresource such as "status".
std::string object_path(const ResourceType& type, std::string_view namespace_name,
                        std::string_view name, std::string_view subresource = {});

// Percent-encodes a query value or path segment (RFC 3986 unreserved characters stay).
std::string percent_encode(std::string_view text);

// Appends "?k=v&..." (or "&k=v" when `path` already has a query), encoding the values.
std::string with_query(std::string path,
                       const std::vector<std::pair<std::string, std::string>>& parameters);

}  // namespace p2l::kube
