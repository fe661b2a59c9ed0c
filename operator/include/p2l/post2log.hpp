#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace p2l {

inline constexpr std::string_view kGroup = "post2log.io";
inline constexpr std::string_view kVersion = "v1alpha1";
inline constexpr std::string_view kApiVersion = "post2log.io/v1alpha1";
inline constexpr std::string_view kKind = "Post2Log";

// The longest resource name whose children still fit a DNS label (63): `NAME-99-fluentd` adds
// 11 characters to NAME for the highest shard index.
inline constexpr std::size_t kMaxNameLength = 52;
inline constexpr std::int32_t kMaxReplicas = 100;

inline constexpr std::string_view kDefaultOutputConfig =
    "<match post2log>\n  @type stdout\n</match>";

struct Rotation {
  std::int64_t max_bytes = 10485760;
  std::int32_t backups = 5;
  friend bool operator==(const Rotation&, const Rotation&) = default;
};

struct FluentdSpec {
  bool enabled = true;
  std::string storage = "4Gi";
  std::string output_config = std::string{kDefaultOutputConfig};
  friend bool operator==(const FluentdSpec&, const FluentdSpec&) = default;
};

struct IngressSpec {
  std::map<std::string, std::string> annotations;
  std::optional<std::string> host;
  std::optional<std::string> class_name;
  std::string path_type = "Exact";
  friend bool operator==(const IngressSpec&, const IngressSpec&) = default;
};

// Set (even empty): a NetworkPolicy admits traffic to the receiver port only.
struct NetworkPolicySpec {
  // networking.k8s.io/v1 NetworkPolicyPeers allowed to connect, passed through as given;
  // unset: any source.
  std::optional<nlohmann::json> from;
  friend bool operator==(const NetworkPolicySpec&, const NetworkPolicySpec&) = default;
};

// Set (even empty): a monitoring.coreos.com/v1 PodMonitor (Prometheus operator) scrapes
// /metrics of every shard's receiver.
struct PodMonitorSpec {
  // Prometheus duration between scrapes, e.g. 30s; unset: the Prometheus's own default.
  std::optional<std::string> interval;
  // Added to the PodMonitor's labels: what a Prometheus selects PodMonitors by.
  std::map<std::string, std::string> labels;
  friend bool operator==(const PodMonitorSpec&, const PodMonitorSpec&) = default;
};

struct MonitoringSpec {
  std::optional<PodMonitorSpec> pod_monitor;
  friend bool operator==(const MonitoringSpec&, const MonitoringSpec&) = default;
};

// Unset images and pull policy fall back to the operator-wide defaults (RenderOptions).
struct ImageSpec {
  std::optional<std::string> receiver;
  std::optional<std::string> fluentd;
  std::optional<std::string> pull_policy;
  friend bool operator==(const ImageSpec&, const ImageSpec&) = default;
};

// core/v1 ResourceRequirements, quantities kept as their canonical strings.
struct ResourceRequirements {
  std::map<std::string, std::string> limits;
  std::map<std::string, std::string> requests;
  friend bool operator==(const ResourceRequirements&, const ResourceRequirements&) = default;
};

struct PodResources {
  std::optional<ResourceRequirements> receiver;
  std::optional<ResourceRequirements> fluentd;
  friend bool operator==(const PodResources&, const PodResources&) = default;
};

// core/v1 Toleration.
struct Toleration {
  std::optional<std::string> key;
  std::optional<std::string> operator_name;  // "operator" in the API
  std::optional<std::string> value;
  std::optional<std::string> effect;
  std::optional<std::int64_t> toleration_seconds;
  friend bool operator==(const Toleration&, const Toleration&) = default;
};

struct Post2LogSpec {
  std::int32_t port = 80;
  std::string endpoint = "/postback";
  bool log_query_params = true;
  std::optional<std::int32_t> node_port;
  std::optional<IngressSpec> ingress;
  std::optional<NetworkPolicySpec> network_policy;
  MonitoringSpec monitoring;
  std::int32_t workers = 1;
  std::int32_t replicas = 1;
  std::string storage = "4Gi";
  std::optional<std::string> storage_class_name;
  Rotation rotation;
  std::string log_level = "debug";
  FluentdSpec fluentd;
  ImageSpec image;
  PodResources resources;
  std::map<std::string, std::string> node_selector;
  std::vector<Toleration> tolerations;
  std::optional<nlohmann::json> affinity;  // core/v1 Affinity, passed through as given
  friend bool operator==(const Post2LogSpec&, const Post2LogSpec&) = default;
};

struct ObjectMeta {
  std::string name;
  std::optional<std::string> namespace_name;  // "namespace" in the API
  std::optional<std::string> uid;
  friend bool operator==(const ObjectMeta&, const ObjectMeta&) = default;
};

struct Post2Log {
  ObjectMeta metadata;
  Post2LogSpec spec;
  friend bool operator==(const Post2Log&, const Post2Log&) = default;
};

// Serialisation: post2log_fields.hpp (to_json from the field tables); decoding with every
// problem as a value: decode.hpp.

}  // namespace p2l
