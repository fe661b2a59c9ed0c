#include "p2l/child_kind.hpp"
#include "p2l/fluentd_config.hpp"
#include "p2l/names.hpp"
#include "p2l/pod_layout.hpp"
#include "p2l/render.hpp"
#include "pod_security.hpp"

namespace p2l {

using nlohmann::json;

namespace {

// A private directory in the Job's /tmp (an emptyDir: the root file system is read-only).
// Ruby refuses a world-writable temporary directory without the sticky bit, which an
// emptyDir is, so Fluentd gets this one as TMPDIR; the checked configuration goes there too.
constexpr std::string_view kCheckDir = "/tmp/check";
// A check that has not finished by then has failed (an image that cannot be pulled shows as
// the Job's deadline passing).
constexpr int kCheckDeadlineSeconds = 300;
// The finished Job stays this long for `kubectl logs`; the verdict is kept in the status.
constexpr int kCheckTtlSeconds = 600;

}  // namespace

json render_fluentd_config_check_job(const Post2Log& resource, const RenderOptions& options) {
  const std::string& name = resource.metadata.name;
  const Post2LogSpec& spec = resource.spec;
  // The configuration goes in through the environment, so that the Job needs no ConfigMap of
  // its own and checks exactly the text the shards will get.
  // With the plugin directory the images' entrypoints pass to Fluentd, when there is one.
  const std::string dir{kCheckDir};
  const std::string script =
      "mkdir -p -m 0700 " + dir + " && export TMPDIR=" + dir +
      " && printf '%s' \"$P2L_FLUENT_CONF\" > " + dir +
      "/fluent.conf && plugins= && if [ -d /fluentd/plugins ]; then plugins='-p /fluentd/plugins'; "
      "fi && exec fluentd --dry-run -c " +
      dir + "/fluent.conf $plugins";
  json container{
      {"name", "fluentd-check"},
      {"image", spec.image.fluentd.value_or(options.fluentd_image)},
      {"imagePullPolicy", spec.image.pull_policy.value_or(options.image_pull_policy)},
      {"command", json::array({"sh", "-c", script})},
      {"env",
       json::array({{{"name", "P2L_FLUENT_CONF"}, {"value", render_fluent_conf(spec.fluentd)}}})},
      // Fluentd's complaint becomes the container's termination message, which the operator
      // puts in the Post2Log's status.
      {"terminationMessagePolicy", "FallbackToLogsOnError"},
      {"resources", spec.resources.fluentd.value_or(options.fluentd_resources)},
      {"securityContext", container_security_context()},
      // The directories the configuration refers to exist, empty, as in a shard's pod.
      {"volumeMounts",
       json::array({{{"name", "data"}, {"mountPath", kDataMountPath}, {"readOnly", true}},
                    {{"name", "fluentd-state"}, {"mountPath", kFluentdStateDir}},
                    {{"name", "tmp"}, {"mountPath", "/tmp"}}})},
  };
  const auto empty_dir = [](std::string_view volume) {
    return json{{"name", volume}, {"emptyDir", {{"sizeLimit", "64Mi"}}}};
  };
  json pod_spec{
      {"restartPolicy", "Never"},
      {"automountServiceAccountToken", false},
      {"enableServiceLinks", false},
      {"securityContext", pod_security_context()},
      {"containers", json::array({std::move(container)})},
      {"volumes", json::array({empty_dir("data"), empty_dir("fluentd-state"), empty_dir("tmp")})},
  };
  if (!spec.node_selector.empty()) pod_spec["nodeSelector"] = spec.node_selector;
  if (!spec.tolerations.empty()) pod_spec["tolerations"] = spec.tolerations;

  json metadata = child_metadata(resource, fluentd_check_job_name(name), instance_labels(name));
  metadata["annotations"] = {{std::string{kAnnotationConfigHash}, fluentd_config_hash(resource)}};
  // Not the instance's labels: the Service, the NetworkPolicy, the PodMonitor and the scale
  // subresource's selector all select the instance's pods, and this one is no shard.
  json pod_labels{{std::string{kLabelName}, "post2log-fluentd-check"},
                  {"post2log.io/fluentd-check-of", name}};
  return json{
      {"apiVersion", "batch/v1"},
      {"kind", kind_name(ChildKind::fluentd_check_job)},
      {"metadata", std::move(metadata)},
      {"spec",
       {{"backoffLimit", 0},
        {"activeDeadlineSeconds", kCheckDeadlineSeconds},
        {"ttlSecondsAfterFinished", kCheckTtlSeconds},
        {"template",
         {{"metadata", {{"labels", std::move(pod_labels)}}}, {"spec", std::move(pod_spec)}}}}}};
}

}  // namespace p2l
