#include <algorithm>
#include <regex>
#include <set>

#include <gtest/gtest.h>

#include "p2l/fluentd_config.hpp"
#include "p2l/names.hpp"
#include "p2l/render.hpp"
#include "p2l/validate.hpp"
#include "test_support.hpp"

namespace p2l {
namespace {

using nlohmann::json;
using test::manifest;
using test::of_kind;
using test::parse_valid;

Post2Log resource_with(std::string_view spec, std::string_view name = "demo") {
  Post2Log resource = parse_valid(manifest(spec, name));
  resource.metadata.namespace_name = "web";
  resource.metadata.uid = "6f1c0e7e-2a51-4a8e-9d1b-3c2f0f6e9b11";
  return resource;
}

const json& container(const json& deployment, std::string_view name) {
  for (const json& item : deployment.at("spec").at("template").at("spec").at("containers")) {
    if (item.at("name") == name) return item;
  }
  static const json missing;
  ADD_FAILURE() << "no container " << name;
  return missing;
}

std::string env(const json& container_value, std::string_view name) {
  for (const json& item : container_value.at("env")) {
    if (item.at("name") == name)
      return item.contains("value") ? item["value"].get<std::string>() : item["valueFrom"].dump();
  }
  return "<unset>";
}

std::vector<json> render_objects(const Post2Log& resource) {
  return child_objects(render_children(resource));
}

bool selects(const json& selector, const json& labels) {
  return std::all_of(selector.items().begin(), selector.items().end(), [&](const auto& item) {
    return labels.contains(item.key()) && labels[item.key()] == item.value();
  });
}

TEST(RenderProperties, EachChildsKindValueIsTheKindItsObjectCarries) {
  Post2Log resource = resource_with(
      "  replicas: 2\n  ingress: {}\n  networkPolicy: {}\n  monitoring:\n    podMonitor: {}\n");
  std::set<ChildKind> kinds;
  for (const Child& child : render_children(resource)) {
    EXPECT_EQ(child.object.at("kind"), kind_name(child.kind)) << child.name();
    kinds.insert(child.kind);
  }
  // Every kind but the check Job, which is rendered on its own.
  EXPECT_EQ(kinds.size(), kAllChildKinds.size() - 1);
  EXPECT_FALSE(kinds.contains(ChildKind::fluentd_check_job));
  EXPECT_EQ(render_fluentd_config_check_job(resource, {}).at("kind"),
            kind_name(ChildKind::fluentd_check_job));
}

TEST(RenderProperties, NamesAndLabelValuesAreValidEvenAtTheLongestNameAndMostShards) {
  const std::string longest(kMaxNameLength, 'p');
  Post2Log resource = resource_with("  replicas: 100\n  ingress: {}\n", longest);
  std::vector<json> children = render_objects(resource);
  std::set<std::string> seen;
  for (const json& child : children) {
    const std::string name = child["metadata"]["name"];
    EXPECT_TRUE(is_dns1123_label(name)) << name;
    EXPECT_LE(name.size(), 63u) << name;
    EXPECT_TRUE(seen.insert(child["kind"].get<std::string>() + "/" + name).second) << name;
    for (const auto& [key, value] : child["metadata"]["labels"].items()) {
      EXPECT_LE(value.get<std::string>().size(), 63u) << key;
    }
  }
  EXPECT_TRUE(
      is_dns1035_label(of_kind(children, "Service").at(0)["metadata"]["name"].get<std::string>()));
  EXPECT_TRUE(seen.contains("PersistentVolumeClaim/" + longest + "-99-fluentd"));
}

TEST(RenderProperties, EveryChildIsLabelledOwnedAndInTheNamespace) {
  Post2Log resource = resource_with("  replicas: 3\n  ingress: {host: a.example.com}\n");
  for (const json& child : render_objects(resource)) {
    SCOPED_TRACE(child["kind"].get<std::string>() + "/" +
                 child["metadata"]["name"].get<std::string>());
    const json& metadata = child["metadata"];
    EXPECT_EQ(metadata["namespace"], "web");
    EXPECT_EQ(metadata["labels"]["app.kubernetes.io/name"], "post2log");
    EXPECT_EQ(metadata["labels"]["app.kubernetes.io/instance"], "demo");
    EXPECT_EQ(metadata["labels"]["app.kubernetes.io/managed-by"], "post2log-operator");
    ASSERT_EQ(metadata["ownerReferences"].size(), 1u);
    const json& owner = metadata["ownerReferences"][0];
    EXPECT_EQ(owner, (json{{"apiVersion", "post2log.io/v1alpha1"},
                           {"kind", "Post2Log"},
                           {"name", "demo"},
                           {"uid", *resource.metadata.uid},
                           {"controller", true},
                           {"blockOwnerDeletion", true}}));
  }
}

TEST(RenderProperties, WithoutUidThereIsNoOwnerReferenceAndNoNamespace) {
  Post2Log resource = parse_valid(manifest(""));
  for (const json& child : render_objects(resource)) {
    EXPECT_FALSE(child["metadata"].contains("ownerReferences"));
    EXPECT_FALSE(child["metadata"].contains("namespace"));
  }
}

TEST(RenderProperties, ShardObjectsCarryTheirShardLabel) {
  Post2Log resource = resource_with("  replicas: 4\n");
  std::vector<json> children = render_objects(resource);
  for (const std::string kind : {"Deployment", "PersistentVolumeClaim"}) {
    for (const json& child : of_kind(children, kind)) {
      const std::string name = child["metadata"]["name"];
      const std::string shard = child["metadata"]["labels"]["post2log.io/shard"];
      EXPECT_TRUE(name.starts_with("demo-" + shard)) << name;
    }
  }
}

class ReplicaCount : public ::testing::TestWithParam<int> {};

TEST_P(ReplicaCount, GivesOneDeploymentAndTwoClaimsPerShard) {
  const int replicas = GetParam();
  Post2Log resource = resource_with("  replicas: " + std::to_string(replicas) + "\n");
  std::vector<json> children = render_objects(resource);
  auto deployments = of_kind(children, "Deployment");
  auto claims = of_kind(children, "PersistentVolumeClaim");
  ASSERT_EQ(deployments.size(), static_cast<std::size_t>(replicas));
  ASSERT_EQ(claims.size(), 2 * static_cast<std::size_t>(replicas));
  EXPECT_EQ(of_kind(children, "Service").size(), 1u);
  EXPECT_EQ(of_kind(children, "ConfigMap").size(), 1u);
  EXPECT_EQ(of_kind(children, "Ingress").size(), 0u);
  std::set<std::string> claim_names;
  for (const json& claim : claims)
    claim_names.insert(claim["metadata"]["name"]);
  for (int shard = 0; shard < replicas; ++shard) {
    const json& deployment = deployments[static_cast<std::size_t>(shard)];
    EXPECT_EQ(deployment["metadata"]["name"], "demo-" + std::to_string(shard));
    EXPECT_EQ(deployment["spec"]["replicas"], 1);
    EXPECT_EQ(deployment["spec"]["strategy"]["type"], "Recreate");
    // Every claim a pod mounts is rendered too.
    for (const json& volume : deployment["spec"]["template"]["spec"]["volumes"]) {
      if (volume.contains("persistentVolumeClaim")) {
        EXPECT_TRUE(claim_names.contains(volume["persistentVolumeClaim"]["claimName"]));
      }
    }
  }
  for (const json& claim : claims) {
    EXPECT_EQ(claim["spec"]["accessModes"], json::array({"ReadWriteOnce"}));
  }
}

INSTANTIATE_TEST_SUITE_P(Counts, ReplicaCount, ::testing::Values(1, 2, 7, 100));

TEST(RenderProperties, ChangingOnlyTheOutputConfigChangesOnlyTheConfigMapAndTheHash) {
  Post2Log before = resource_with("  replicas: 2\n  ingress: {}\n");
  Post2Log after = before;
  after.spec.fluentd.output_config = "<match post2log>\n  @type null\n</match>";
  std::vector<json> old_children = render_objects(before);
  std::vector<json> new_children = render_objects(after);
  ASSERT_EQ(old_children.size(), new_children.size());
  const std::string hash_key{kAnnotationConfigHash};
  for (std::size_t i = 0; i < old_children.size(); ++i) {
    json old_child = old_children[i];
    json new_child = new_children[i];
    if (old_child["kind"] == "ConfigMap") {
      EXPECT_NE(old_child["data"], new_child["data"]);
      old_child.erase("data");
      new_child.erase("data");
    } else if (old_child["kind"] == "Deployment") {
      json& old_annotations = old_child["spec"]["template"]["metadata"]["annotations"];
      json& new_annotations = new_child["spec"]["template"]["metadata"]["annotations"];
      EXPECT_NE(old_annotations[hash_key], new_annotations[hash_key]);
      old_annotations.erase(hash_key);
      new_annotations.erase(hash_key);
    }
    EXPECT_EQ(old_child, new_child) << old_child["kind"];
  }
}

TEST(RenderProperties, IsPure) {
  Post2Log resource = resource_with("  replicas: 3\n  ingress: {}\n  nodePort: 30001\n");
  EXPECT_EQ(render_objects(resource), render_objects(resource));
}

TEST(RenderProperties, ServiceSelectsServingPodsOfEveryShardAndNothingElse) {
  Post2Log resource = resource_with("  replicas: 3\n");
  std::vector<json> children = render_objects(resource);
  const json service = of_kind(children, "Service").at(0);
  const json& selector = service["spec"]["selector"];
  EXPECT_EQ(selector["post2log.io/serving"], "true");
  auto deployments = of_kind(children, "Deployment");
  for (const json& deployment : deployments) {
    const json& pod_labels = deployment["spec"]["template"]["metadata"]["labels"];
    EXPECT_TRUE(selects(selector, pod_labels));
    EXPECT_TRUE(selects(deployment["spec"]["selector"]["matchLabels"], pod_labels));
    // A drained shard (serving=false) leaves the Service but stays its Deployment's pod.
    json drained = pod_labels;
    drained["post2log.io/serving"] = "false";
    EXPECT_FALSE(selects(selector, drained));
    EXPECT_TRUE(selects(deployment["spec"]["selector"]["matchLabels"], drained));
  }
  // Each Deployment owns only its own shard's pod.
  for (const json& a : deployments) {
    for (const json& b : deployments) {
      if (&a == &b) continue;
      EXPECT_FALSE(selects(a["spec"]["selector"]["matchLabels"],
                           b["spec"]["template"]["metadata"]["labels"]));
    }
  }
  // Another Post2Log's pods are not selected.
  Post2Log other = resource_with("", "other");
  const json other_pod = of_kind(render_objects(other), "Deployment").at(0)["spec"]["template"];
  EXPECT_FALSE(selects(selector, other_pod["metadata"]["labels"]));
  const json& port = service["spec"]["ports"][0];
  EXPECT_EQ(port["port"], 80);
  EXPECT_EQ(port["targetPort"], "http");
  EXPECT_EQ(container(deployments[0], "receiver")["ports"][0],
            (json{{"name", "http"}, {"containerPort", 8080}, {"protocol", "TCP"}}));
  EXPECT_EQ(service["spec"]["type"], "ClusterIP");
  EXPECT_FALSE(port.contains("nodePort"));
}

TEST(RenderProperties, NodePortMakesANodePortService) {
  Post2Log resource = resource_with("  nodePort: 30080\n  port: 8000\n");
  const json service = render_service(resource);
  EXPECT_EQ(service["spec"]["type"], "NodePort");
  EXPECT_EQ(service["spec"]["ports"][0]["nodePort"], 30080);
  EXPECT_EQ(service["spec"]["ports"][0]["port"], 8000);
}

TEST(RenderProperties, IngressRoutesTheEndpointToTheServicePort) {
  Post2Log resource = resource_with(
      "  port: 8000\n  endpoint: /pb/x\n  ingress:\n    annotations: {a.io/b: c}\n"
      "    host: pb.example.com\n    className: traefik\n");
  const json ingress = render_ingress(resource);
  EXPECT_EQ(ingress["apiVersion"], "networking.k8s.io/v1");
  EXPECT_EQ(ingress["metadata"]["annotations"], (json{{"a.io/b", "c"}}));
  EXPECT_EQ(ingress["spec"]["ingressClassName"], "traefik");
  const json& rule = ingress["spec"]["rules"][0];
  EXPECT_EQ(rule["host"], "pb.example.com");
  const json& path = rule["http"]["paths"][0];
  EXPECT_EQ(path["path"], "/pb/x");
  EXPECT_EQ(path["pathType"], "Exact");
  EXPECT_EQ(path["backend"]["service"], (json{{"name", "demo"}, {"port", {{"number", 8000}}}}));
  EXPECT_TRUE(render_ingress(resource_with("")).is_null());
}

TEST(RenderProperties, ReceiverGetsItsSettingsThroughTheEnvironment) {
  Post2Log resource = resource_with(
      "  endpoint: /pb\n  logQueryParams: false\n  workers: 3\n  logLevel: info\n"
      "  rotation: {maxBytes: 2048, backups: 7}\n");
  const json receiver = container(render_shard_deployment(resource, 0, {}), "receiver");
  EXPECT_EQ(env(receiver, "P2L_PORT"), "8080");
  EXPECT_EQ(env(receiver, "P2L_HOST"), "0.0.0.0");
  EXPECT_EQ(env(receiver, "P2L_ENDPOINT"), "/pb");
  EXPECT_EQ(env(receiver, "P2L_LOG_QUERYPARAM"), "false");
  EXPECT_EQ(env(receiver, "P2L_WORKERS"), "3");
  EXPECT_EQ(env(receiver, "P2L_ROTBYTES"), "2048");
  EXPECT_EQ(env(receiver, "P2L_ROTBACKUPS"), "7");
  EXPECT_EQ(env(receiver, "P2L_LOGLEVEL"), "info");
  EXPECT_EQ(env(receiver, "P2L_LOG_DIR"), "/data/logs");
  EXPECT_NE(env(receiver, "POD_NAME").find("metadata.name"), std::string::npos);
  EXPECT_NE(env(receiver, "NODE_NAME").find("spec.nodeName"), std::string::npos);
  EXPECT_EQ(receiver["readinessProbe"]["httpGet"], (json{{"path", "/readyz"}, {"port", "http"}}));
  EXPECT_EQ(receiver["livenessProbe"]["httpGet"], (json{{"path", "/healthz"}, {"port", "http"}}));
  // It reads Fluentd's position file, from the Fluentd volume mounted read-only.
  EXPECT_EQ(env(receiver, "P2L_SHIPPER_POS_FILE"), "/fluentd/state/post2log.pos");
  EXPECT_EQ(
      receiver["volumeMounts"],
      (json::array(
          {{{"name", "data"}, {"mountPath", "/data"}},
           {{"name", "fluentd-state"}, {"mountPath", "/fluentd/state"}, {"readOnly", true}}})));
}

TEST(RenderProperties, WithoutFluentdTheReceiverTracksNoShipper) {
  const json receiver = container(
      render_shard_deployment(resource_with("  fluentd: {enabled: false}\n"), 0, {}), "receiver");
  EXPECT_EQ(env(receiver, "P2L_SHIPPER_POS_FILE"), "<unset>");
  EXPECT_EQ(receiver["volumeMounts"], (json::array({{{"name", "data"}, {"mountPath", "/data"}}})));
}

TEST(RenderProperties, FluentdIsProbedThroughItsMonitorAgentInsideThePod) {
  const json fluentd = container(render_shard_deployment(resource_with(""), 0, {}), "fluentd");
  const json& command = fluentd["livenessProbe"]["exec"]["command"];
  ASSERT_EQ(command.size(), 3u);
  EXPECT_EQ(command[0], "ruby");
  EXPECT_NE(command[2].get<std::string>().find("'127.0.0.1', 24220"), std::string::npos);
  EXPECT_FALSE(fluentd["livenessProbe"].contains("httpGet"));
}

TEST(RenderProperties, PodsAreHardened) {
  const json deployment = render_shard_deployment(resource_with(""), 0, {});
  const json& pod = deployment["spec"]["template"]["spec"];
  EXPECT_EQ(pod["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(pod["securityContext"]["runAsUser"], 65532);
  EXPECT_EQ(pod["securityContext"]["fsGroup"], 65532);
  EXPECT_EQ(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
  EXPECT_EQ(pod["automountServiceAccountToken"], false);
  EXPECT_GE(pod["terminationGracePeriodSeconds"].get<int>(), 30);
  for (const json& item : pod["containers"]) {
    EXPECT_EQ(item["securityContext"]["readOnlyRootFilesystem"], true) << item["name"];
    EXPECT_EQ(item["securityContext"]["allowPrivilegeEscalation"], false) << item["name"];
    EXPECT_EQ(item["securityContext"]["capabilities"]["drop"], json::array({"ALL"}));
    EXPECT_TRUE(item["resources"].contains("requests")) << item["name"];
  }
}

TEST(RenderProperties, FluentdSidecarReadsTheLogsAndKeepsItsStateOnItsOwnVolume) {
  const json deployment = render_shard_deployment(resource_with(""), 2, {});
  const json fluentd = container(deployment, "fluentd");
  EXPECT_EQ(fluentd["image"], RenderOptions{}.fluentd_image);
  std::map<std::string, json> mounts;
  for (const json& mount : fluentd["volumeMounts"])
    mounts[mount["mountPath"]] = mount;
  EXPECT_EQ(mounts.at("/data")["readOnly"], true);
  EXPECT_EQ(mounts.at("/fluentd/etc")["readOnly"], true);
  EXPECT_EQ(mounts.at("/fluentd/state")["name"], "fluentd-state");
  EXPECT_TRUE(mounts.contains("/tmp"));
  std::map<std::string, json> volumes;
  for (const json& volume : deployment["spec"]["template"]["spec"]["volumes"]) {
    volumes[volume["name"]] = volume;
  }
  EXPECT_EQ(volumes.at("fluentd-state")["persistentVolumeClaim"]["claimName"], "demo-2-fluentd");
  EXPECT_EQ(volumes.at("data")["persistentVolumeClaim"]["claimName"], "demo-2-data");
  EXPECT_EQ(volumes.at("fluentd-config")["configMap"]["name"], "demo-fluentd");
  const std::string hash =
      deployment["spec"]["template"]["metadata"]["annotations"][std::string{kAnnotationConfigHash}];
  EXPECT_TRUE(std::regex_match(hash, std::regex{"[0-9a-f]{64}"})) << hash;
}

TEST(RenderProperties, FluentdDisabledLeavesOnlyTheReceiverAndItsDataVolume) {
  Post2Log resource = resource_with("  replicas: 2\n  fluentd: {enabled: false}\n");
  std::vector<json> children = render_objects(resource);
  EXPECT_TRUE(of_kind(children, "ConfigMap").empty());
  auto claims = of_kind(children, "PersistentVolumeClaim");
  ASSERT_EQ(claims.size(), 2u);
  for (const json& claim : claims) {
    EXPECT_TRUE(claim["metadata"]["name"].get<std::string>().ends_with("-data"));
  }
  for (const json& deployment : of_kind(children, "Deployment")) {
    const json& pod = deployment["spec"]["template"];
    EXPECT_EQ(pod["spec"]["containers"].size(), 1u);
    EXPECT_EQ(pod["spec"]["volumes"].size(), 1u);
    EXPECT_FALSE(pod["metadata"]["annotations"].contains(std::string{kAnnotationConfigHash}));
  }
}

TEST(RenderProperties, ImagesAndResourcesComeFromTheResourceOrTheOptions) {
  RenderOptions options;
  options.receiver_image = "r:default";
  options.fluentd_image = "f:default";
  Post2Log plain = resource_with("");
  json deployment = render_shard_deployment(plain, 0, options);
  EXPECT_EQ(container(deployment, "receiver")["image"], "r:default");
  EXPECT_EQ(container(deployment, "fluentd")["image"], "f:default");
  EXPECT_EQ(container(deployment, "receiver")["imagePullPolicy"], "IfNotPresent");
  EXPECT_EQ(container(deployment, "receiver")["resources"], json(options.receiver_resources));

  Post2Log custom = resource_with(
      "  image: {receiver: r:own, fluentd: f:own, pullPolicy: Always}\n"
      "  resources:\n    fluentd: {limits: {memory: 1Gi}}\n");
  deployment = render_shard_deployment(custom, 0, options);
  EXPECT_EQ(container(deployment, "receiver")["image"], "r:own");
  EXPECT_EQ(container(deployment, "fluentd")["image"], "f:own");
  EXPECT_EQ(container(deployment, "fluentd")["imagePullPolicy"], "Always");
  EXPECT_EQ(container(deployment, "fluentd")["resources"], (json{{"limits", {{"memory", "1Gi"}}}}));
  EXPECT_EQ(container(deployment, "receiver")["resources"], json(options.receiver_resources));
}

TEST(RenderProperties, ShardsPreferDifferentNodesAndKeepTheUsersScheduling) {
  Post2Log resource = resource_with(
      "  nodeSelector: {disk: ssd}\n  tolerations: [{key: k, operator: Exists}]\n"
      "  affinity:\n    nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: []}\n"
      "    podAntiAffinity:\n      preferredDuringSchedulingIgnoredDuringExecution:\n"
      "        - {weight: 1, podAffinityTerm: {topologyKey: zone}}\n");
  const json pod = render_shard_deployment(resource, 0, {})["spec"]["template"]["spec"];
  EXPECT_EQ(pod["nodeSelector"], (json{{"disk", "ssd"}}));
  EXPECT_EQ(pod["tolerations"], (json::array({{{"key", "k"}, {"operator", "Exists"}}})));
  EXPECT_TRUE(pod["affinity"].contains("nodeAffinity"));
  const json& preferred =
      pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"];
  ASSERT_EQ(preferred.size(), 2u);
  EXPECT_EQ(preferred[0]["podAffinityTerm"]["topologyKey"], "zone");
  const json& spread = preferred[1]["podAffinityTerm"];
  EXPECT_EQ(spread["topologyKey"], "kubernetes.io/hostname");
  EXPECT_EQ(spread["labelSelector"]["matchLabels"],
            (json{{"app.kubernetes.io/name", "post2log"}, {"app.kubernetes.io/instance", "demo"}}));
}

TEST(RenderProperties, ClaimsRequestTheirSizesAndClass) {
  Post2Log resource =
      resource_with("  storage: 8Gi\n  storageClassName: fast\n  fluentd: {storage: 1Gi}\n");
  EXPECT_EQ(render_data_claim(resource, 0)["spec"]["resources"]["requests"]["storage"], "8Gi");
  EXPECT_EQ(render_fluentd_claim(resource, 0)["spec"]["resources"]["requests"]["storage"], "1Gi");
  EXPECT_EQ(render_fluentd_claim(resource, 0)["spec"]["storageClassName"], "fast");
  EXPECT_FALSE(render_data_claim(resource_with(""), 0)["spec"].contains("storageClassName"));
}

TEST(RenderProperties, TheConfigCheckJobRunsTheShardsConfigurationInTheirFluentdImage) {
  const std::string longest(kMaxNameLength, 'p');
  Post2Log resource = resource_with(
      "  image:\n    fluentd: registry.example.com/fluentd-kafka:1\n  nodeSelector:\n"
      "    disk: ssd\n",
      longest);
  const json job = render_fluentd_config_check_job(resource, RenderOptions{});
  const json deployment = of_kind(render_objects(resource), "Deployment").at(0);
  // The Job's name is also its pod's job-name label.
  const std::string name = job["metadata"]["name"];
  EXPECT_LE(name.size(), 63u) << name;
  EXPECT_TRUE(is_dns1123_label(name)) << name;
  EXPECT_EQ(
      job["metadata"]["annotations"]["post2log.io/fluentd-config-hash"],
      deployment["spec"]["template"]["metadata"]["annotations"]["post2log.io/fluentd-config-hash"]);
  EXPECT_EQ(job["metadata"]["ownerReferences"][0]["uid"], *resource.metadata.uid);
  EXPECT_EQ(job["spec"]["backoffLimit"], 0);
  const json& pod = job["spec"]["template"]["spec"];
  EXPECT_EQ(pod["restartPolicy"], "Never");
  EXPECT_EQ(pod["securityContext"], deployment["spec"]["template"]["spec"]["securityContext"]);
  EXPECT_EQ(pod["nodeSelector"]["disk"], "ssd");
  const json& check = pod["containers"][0];
  EXPECT_EQ(check["image"], container(deployment, "fluentd")["image"]);
  EXPECT_EQ(check["securityContext"], container(deployment, "fluentd")["securityContext"]);
  EXPECT_NE(check["command"].dump().find("fluentd --dry-run -c /tmp/check/fluent.conf"),
            std::string::npos);
  EXPECT_EQ(env(check, "P2L_FLUENT_CONF"), render_fluent_conf(resource.spec.fluentd));
  EXPECT_EQ(check["terminationMessagePolicy"], "FallbackToLogsOnError");
  // Its pod is no shard: nothing that selects the instance's pods selects it.
  resource.spec.network_policy = NetworkPolicySpec{};
  resource.spec.monitoring.pod_monitor = PodMonitorSpec{};
  const json& pod_labels = job["spec"]["template"]["metadata"]["labels"];
  EXPECT_FALSE(selects(render_service(resource)["spec"]["selector"], pod_labels));
  EXPECT_FALSE(
      selects(render_network_policy(resource)["spec"]["podSelector"]["matchLabels"], pod_labels));
  EXPECT_FALSE(
      selects(render_pod_monitor(resource)["spec"]["selector"]["matchLabels"], pod_labels));
  EXPECT_FALSE(selects(deployment["spec"]["selector"]["matchLabels"], pod_labels));
}

}  // namespace
}  // namespace p2l
