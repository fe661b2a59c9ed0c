#include "p2l/child_kind.hpp"
#include "p2l/fluentd_config.hpp"
#include "p2l/names.hpp"
#include "p2l/pod_layout.hpp"
#include "p2l/receiver_contract.hpp"
#include "p2l/render.hpp"
#include "p2l/sha256.hpp"
#include "pod_security.hpp"

namespace p2l {
namespace {

using nlohmann::json;
using namespace receiver_contract;

json env_value(std::string_view name, std::string value) {
  return json{{"name", name}, {"value", std::move(value)}};
}

json env_from_field(std::string_view name, std::string_view field_path) {
  return json{{"name", name}, {"valueFrom", {{"fieldRef", {{"fieldPath", field_path}}}}}};
}

json http_probe(std::string_view path, int period_seconds, int failure_threshold) {
  return json{{"httpGet", {{"path", path}, {"port", "http"}}},
              {"periodSeconds", period_seconds},
              {"timeoutSeconds", 2},
              {"failureThreshold", failure_threshold}};
}

json receiver_container(const Post2LogSpec& spec, const RenderOptions& options) {
  json env = json::array({
      env_value(kEnvPort, std::to_string(kReceiverContainerPort)),
      env_value(kEnvHost, "0.0.0.0"),
      env_value(kEnvEndpoint, spec.endpoint),
      env_value(kEnvLogQueryParams, spec.log_query_params ? "true" : "false"),
      env_value(kEnvWorkers, std::to_string(spec.workers)),
      env_value(kEnvRotationBytes, std::to_string(spec.rotation.max_bytes)),
      env_value(kEnvRotationBackups, std::to_string(spec.rotation.backups)),
      env_value(kEnvLogLevel, spec.log_level),
      env_value(kEnvLogDir, std::string{kLogDir}),
      env_value(kEnvDrainTimeout, std::to_string(kDrainSeconds)),
      env_from_field(kEnvPodName, "metadata.name"),
      env_from_field(kEnvNodeName, "spec.nodeName"),
  });
  json mounts = json::array({{{"name", "data"}, {"mountPath", kDataMountPath}}});
  if (spec.fluentd.enabled) {
    // Rotation deletes a file only once Fluentd has read it (or the volume runs low on space):
    // the receiver reads in_tail's position file from the Fluentd volume, read-only.
    env.push_back(env_value(kEnvShipperPosFile, std::string{kFluentdPosFile}));
    mounts.push_back(
        {{"name", "fluentd-state"}, {"mountPath", kFluentdStateDir}, {"readOnly", true}});
  }
  json liveness = http_probe(kHealthPath, 10, 3);
  liveness["initialDelaySeconds"] = 5;
  return json{
      {"name", "receiver"},
      {"image", spec.image.receiver.value_or(options.receiver_image)},
      {"imagePullPolicy", spec.image.pull_policy.value_or(options.image_pull_policy)},
      {"ports",
       json::array(
           {{{"name", "http"}, {"containerPort", kReceiverContainerPort}, {"protocol", "TCP"}}})},
      {"env", std::move(env)},
      {"readinessProbe", http_probe(kReadyPath, 5, 2)},
      {"livenessProbe", std::move(liveness)},
      // Terminating takes the pod out of the Service's endpoints, but proxies see that a moment
      // later: keep serving through that moment, then drain on SIGTERM.
      {"lifecycle", {{"preStop", {{"sleep", {{"seconds", kPreStopSeconds}}}}}}},
      {"resources", spec.resources.receiver.value_or(options.receiver_resources)},
      {"securityContext", container_security_context()},
      {"volumeMounts", std::move(mounts)},
  };
}

// Fluentd is alive when its monitor_agent answers. The agent listens on 127.0.0.1 only (its
// pages describe the pipeline; nothing outside the pod needs them), which an httpGet probe,
// sent by the kubelet to the pod IP, cannot reach: the probe runs inside the container, with
// the Ruby every Fluentd image has.
json fluentd_liveness_probe() {
  const std::string script = "require 'net/http'; Net::HTTP.start('127.0.0.1', " +
                             std::to_string(kFluentdMonitorPort) +
                             ", open_timeout: 5, read_timeout: 5) { |http| "
                             "exit(http.get('/api/plugins.json').is_a?(Net::HTTPSuccess)) }";
  return json{{"exec", {{"command", json::array({"ruby", "-e", script})}}},
              {"initialDelaySeconds", 30},
              {"periodSeconds", 30},
              {"timeoutSeconds", 10},
              {"failureThreshold", 3}};
}

json fluentd_container(const Post2LogSpec& spec, const RenderOptions& options) {
  return json{
      {"name", "fluentd"},
      {"image", spec.image.fluentd.value_or(options.fluentd_image)},
      {"imagePullPolicy", spec.image.pull_policy.value_or(options.image_pull_policy)},
      {"env", json::array({env_value("FLUENTD_CONF", std::string{kFluentdConfigFile})})},
      {"livenessProbe", fluentd_liveness_probe()},
      {"resources", spec.resources.fluentd.value_or(options.fluentd_resources)},
      {"securityContext", container_security_context()},
      // /tmp: Fluentd's supervisor and Ruby need a writable temporary directory, and the
      // root file system is read-only.
      {"volumeMounts",
       json::array(
           {{{"name", "data"}, {"mountPath", kDataMountPath}, {"readOnly", true}},
            {{"name", "fluentd-state"}, {"mountPath", kFluentdStateDir}},
            {{"name", "fluentd-config"}, {"mountPath", kFluentdConfigDir}, {"readOnly", true}},
            {{"name", "tmp"}, {"mountPath", "/tmp"}}})},
  };
}

json volumes(const Post2Log& resource, int shard) {
  const std::string& name = resource.metadata.name;
  json list =
      json::array({{{"name", "data"},
                    {"persistentVolumeClaim", {{"claimName", data_claim_name(name, shard)}}}}});
  if (resource.spec.fluentd.enabled) {
    list.push_back({{"name", "fluentd-state"},
                    {"persistentVolumeClaim", {{"claimName", fluentd_claim_name(name, shard)}}}});
    list.push_back(
        {{"name", "fluentd-config"}, {"configMap", {{"name", fluentd_config_map_name(name)}}}});
    list.push_back({{"name", "tmp"}, {"emptyDir", {{"sizeLimit", "64Mi"}}}});
  }
  return list;
}

// The user's affinity, plus a preference to put shards of one Post2Log on different nodes.
json affinity(const Post2LogSpec& spec, std::string_view name) {
  json selector = instance_labels(name);
  selector.erase(std::string{kLabelManagedBy});
  json spread{{"weight", 100},
              {"podAffinityTerm",
               {{"labelSelector", {{"matchLabels", std::move(selector)}}},
                {"topologyKey", "kubernetes.io/hostname"}}}};
  json result = spec.affinity.value_or(json::object());
  json& preferred = result["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"];
  if (preferred.is_null()) preferred = json::array();
  // Anything but a list is the user's mistake, left for the API server to report.
  if (preferred.is_array()) preferred.push_back(std::move(spread));
  return result;
}

}  // namespace

std::string fluentd_config_hash(const Post2Log& resource) {
  return sha256_hex(render_fluent_conf(resource.spec.fluentd));
}

json render_shard_deployment(const Post2Log& resource, int shard, const RenderOptions& options) {
  const std::string& name = resource.metadata.name;
  const Post2LogSpec& spec = resource.spec;

  json selector = shard_labels(name, shard);
  selector.erase(std::string{kLabelManagedBy});
  json pod_labels = shard_labels(name, shard);
  pod_labels[std::string{kLabelServing}] = "true";
  json pod_annotations{{"kubectl.kubernetes.io/default-container", "receiver"}};
  json containers = json::array({receiver_container(spec, options)});
  if (spec.fluentd.enabled) {
    // A new hash changes the pod template, so a changed configuration restarts the pod.
    pod_annotations[std::string{kAnnotationConfigHash}] = fluentd_config_hash(resource);
    containers.push_back(fluentd_container(spec, options));
  }

  json pod_spec{
      {"automountServiceAccountToken", false},
      {"enableServiceLinks", false},
      {"terminationGracePeriodSeconds", options.termination_grace_period_seconds},
      {"securityContext", pod_security_context()},
      {"affinity", affinity(spec, name)},
      {"containers", std::move(containers)},
      {"volumes", volumes(resource, shard)},
  };
  if (!spec.node_selector.empty()) pod_spec["nodeSelector"] = spec.node_selector;
  if (!spec.tolerations.empty()) pod_spec["tolerations"] = spec.tolerations;

  return json{
      {"apiVersion", "apps/v1"},
      {"kind", kind_name(ChildKind::deployment)},
      {"metadata", child_metadata(resource, shard_name(name, shard), shard_labels(name, shard))},
      {"spec",
       {{"replicas", 1},
        // The volumes are ReadWriteOnce: the old pod must be gone before the new one mounts them.
        {"strategy", {{"type", "Recreate"}}},
        {"revisionHistoryLimit", 3},
        {"selector", {{"matchLabels", std::move(selector)}}},
        {"template",
         {{"metadata",
           {{"labels", std::move(pod_labels)}, {"annotations", std::move(pod_annotations)}}},
          {"spec", std::move(pod_spec)}}}}},
  };
}

}  // namespace p2l
