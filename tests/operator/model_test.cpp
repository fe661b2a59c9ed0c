#include <cctype>

#include <gtest/gtest.h>

#include "p2l/decode.hpp"
#include "p2l/manifest_reader.hpp"
#include "p2l/post2log_fields.hpp"
#include "p2l/validate.hpp"
#include "test_support.hpp"

namespace p2l {
namespace {

using nlohmann::json;
using test::manifest;
using test::parse_valid;

std::vector<FieldError> errors_of(std::string_view yaml) {
  return read_post2log_manifest(yaml).errors;
}

std::string all(const std::vector<FieldError>& errors) {
  std::string text;
  for (const FieldError& error : errors)
    text += describe(error) + "\n";
  return text;
}

TEST(Model, AppliesTheDesignDefaults) {
  Post2Log resource = parse_valid(manifest(""));
  const Post2LogSpec& spec = resource.spec;
  EXPECT_EQ(resource.metadata.name, "demo");
  EXPECT_EQ(spec.port, 80);
  EXPECT_EQ(spec.endpoint, "/postback");
  EXPECT_TRUE(spec.log_query_params);
  EXPECT_FALSE(spec.node_port);
  EXPECT_FALSE(spec.ingress);
  EXPECT_EQ(spec.workers, 1);
  EXPECT_EQ(spec.replicas, 1);
  EXPECT_EQ(spec.storage, "4Gi");
  EXPECT_EQ(spec.rotation.max_bytes, 10485760);
  EXPECT_EQ(spec.rotation.backups, 5);
  EXPECT_EQ(spec.log_level, "debug");
  EXPECT_TRUE(spec.fluentd.enabled);
  EXPECT_EQ(spec.fluentd.storage, "4Gi");
  EXPECT_EQ(spec.fluentd.output_config, "<match post2log>\n  @type stdout\n</match>");
}

TEST(Model, TreatsAMissingSpecAndNullFieldsAsDefaults) {
  Post2Log without_spec =
      parse_valid("apiVersion: post2log.io/v1alpha1\nkind: Post2Log\nmetadata:\n  name: demo\n");
  Post2Log with_nulls = parse_valid(manifest("  port: null\n  rotation:\n  fluentd: ~\n"));
  EXPECT_EQ(without_spec.spec, Post2LogSpec{});
  EXPECT_EQ(with_nulls.spec, Post2LogSpec{});
}

TEST(Model, ReadsEveryField) {
  Post2Log resource = parse_valid(manifest(R"(  port: 8080
  endpoint: /postback/airbridge
  logQueryParams: false
  nodePort: 30080
  ingress:
    annotations: {kubernetes.io/ingress.class: traefik}
    host: postbacks.example.com
    className: traefik
    pathType: Prefix
  workers: 4
  replicas: 3
  storage: 8Gi
  storageClassName: fast
  rotation: {maxBytes: 2048, backups: 2}
  logLevel: info
  fluentd: {enabled: false, storage: 1Gi, outputConfig: "<match **>\n  @type null\n</match>"}
  image: {receiver: r:1, fluentd: f:1, pullPolicy: Never}
  resources:
    receiver: {limits: {memory: 1Gi}, requests: {cpu: 1}}
  nodeSelector: {disk: ssd}
  tolerations: [{key: dedicated, operator: Equal, value: p2l, effect: NoSchedule, tolerationSeconds: 5}]
  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {}}}
)"));
  const Post2LogSpec& spec = resource.spec;
  EXPECT_EQ(spec.port, 8080);
  EXPECT_EQ(spec.endpoint, "/postback/airbridge");
  EXPECT_FALSE(spec.log_query_params);
  EXPECT_EQ(spec.node_port, 30080);
  ASSERT_TRUE(spec.ingress);
  EXPECT_EQ(spec.ingress->annotations.at("kubernetes.io/ingress.class"), "traefik");
  EXPECT_EQ(spec.ingress->host, "postbacks.example.com");
  EXPECT_EQ(spec.ingress->class_name, "traefik");
  EXPECT_EQ(spec.ingress->path_type, "Prefix");
  EXPECT_EQ(spec.workers, 4);
  EXPECT_EQ(spec.replicas, 3);
  EXPECT_EQ(spec.storage, "8Gi");
  EXPECT_EQ(spec.storage_class_name, "fast");
  EXPECT_EQ(spec.rotation, (Rotation{2048, 2}));
  EXPECT_EQ(spec.log_level, "info");
  EXPECT_EQ(spec.fluentd, (FluentdSpec{false, "1Gi", "<match **>\n  @type null\n</match>"}));
  EXPECT_EQ(spec.image, (ImageSpec{"r:1", "f:1", "Never"}));
  ASSERT_TRUE(spec.resources.receiver);
  EXPECT_EQ(spec.resources.receiver->limits.at("memory"), "1Gi");
  EXPECT_EQ(spec.resources.receiver->requests.at("cpu"), "1");  // a number becomes a quantity
  EXPECT_FALSE(spec.resources.fluentd);
  EXPECT_EQ(spec.node_selector.at("disk"), "ssd");
  ASSERT_EQ(spec.tolerations.size(), 1u);
  EXPECT_EQ(spec.tolerations[0],
            (Toleration{"dedicated", "Equal", "p2l", "NoSchedule", std::int64_t{5}}));
  ASSERT_TRUE(spec.affinity);
  EXPECT_TRUE(spec.affinity->contains("nodeAffinity"));
}

TEST(Model, KeepsMetadataItNeedsAndIgnoresTheRest) {
  Post2Log resource = parse_valid(
      "apiVersion: post2log.io/v1alpha1\nkind: Post2Log\nmetadata:\n  name: demo\n"
      "  namespace: web\n  uid: 0f3a\n  resourceVersion: \"12\"\n  labels: {a: b}\n"
      "spec: {}\nstatus: {ready: 1/1}\n");
  EXPECT_EQ(resource.metadata, (ObjectMeta{"demo", "web", "0f3a"}));
}

TEST(Model, RoundTripsThroughJson) {
  Post2Log resource = parse_valid(
      manifest("  nodePort: 30001\n  ingress: {host: a.example.com}\n  image: {fluentd: f:2}\n"
               "  tolerations: [{operator: Exists}]\n  networkPolicy: {}\n"
               "  monitoring: {podMonitor: {interval: 30s, labels: {release: prom}}}\n"
               "  resources: {receiver: {limits: {memory: 1Gi}}}\n"));
  resource.metadata.uid = "u-1";
  const json encoded = resource;
  const DecodeResult decoded = decode_post2log(encoded);
  ASSERT_TRUE(decoded.resource) << summarize(decoded.errors);
  EXPECT_EQ(*decoded.resource, resource);
  EXPECT_EQ(encoded["spec"]["ingress"]["host"], "a.example.com");
  EXPECT_EQ(encoded["spec"]["tolerations"][0]["operator"], "Exists");
  EXPECT_EQ(encoded["spec"]["networkPolicy"], json::object());
  EXPECT_FALSE(encoded["spec"].contains("affinity"));
}

TEST(Model, NamesTheLineOfTheBadField) {
  auto errors = errors_of(manifest("  rotation:\n    maxBytes: 4096\n    backups: 0\n"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(describe(errors[0]), "spec.rotation.backups: must be >= 1, got 0");
  EXPECT_EQ(errors[0].line, 8);
}

TEST(Model, ReportsEveryProblemAtOnce) {
  auto errors = errors_of(manifest("  port: 0\n  workers: 0\n  logLevel: loud\n  colour: red\n"));
  EXPECT_EQ(errors.size(), 4u) << all(errors);
}

TEST(Model, RejectsUnknownFieldsAtEveryLevel) {
  for (const auto& [spec, path] : std::vector<std::pair<std::string, std::string>>{
           {"  prot: 80\n", "spec.prot"},
           {"  rotation: {backup: 1}\n", "spec.rotation.backup"},
           {"  fluentd: {output: x}\n", "spec.fluentd.output"},
           {"  ingress: {hosts: [a]}\n", "spec.ingress.hosts"},
           {"  image: {sidecar: x}\n", "spec.image.sidecar"},
           {"  resources: {receiver: {limit: {cpu: 1}}}\n", "spec.resources.receiver.limit"},
           {"  resources: {init: {}}\n", "spec.resources.init"},
           {"  tolerations: [{keys: a}]\n", "spec.tolerations[0].keys"},
           {"  affinity: {nodeAfinity: {}}\n", "spec.affinity.nodeAfinity"},
       }) {
    auto errors = errors_of(manifest(spec));
    ASSERT_EQ(errors.size(), 1u) << spec << all(errors);
    EXPECT_EQ(describe(errors[0]), path + ": unknown field");
    EXPECT_TRUE(errors[0].line);
  }
  auto top = errors_of(manifest("") + "extra: 1\n");
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(describe(top[0]), "extra: unknown field");
}

TEST(Model, RejectsWrongTypes) {
  for (const auto& [spec, expected] : std::vector<std::pair<std::string, std::string>>{
           {"  port: \"80\"\n", "spec.port: must be an integer, got string \"80\""},
           {"  port: 80.5\n", "spec.port: must be an integer, got number 80.5"},
           {"  port: 4294967377\n", "spec.port: is out of range, got 4294967377"},
           {"  logQueryParams: \"true\"\n",
            "spec.logQueryParams: must be true or false, got string \"true\""},
           {"  endpoint: 5\n", "spec.endpoint: must be a string, got integer 5"},
           {"  storage: [4Gi]\n", "spec.storage: must be a quantity such as 4Gi, got list"},
           {"  rotation: 5\n", "spec.rotation: must be an object, got integer 5"},
           {"  tolerations: {key: a}\n", "spec.tolerations: must be a list, got object"},
           {"  nodeSelector: {disk: 1}\n",
            "spec.nodeSelector.disk: must be a string, got integer 1"},
       }) {
    auto errors = errors_of(manifest(spec));
    ASSERT_EQ(errors.size(), 1u) << spec << all(errors);
    EXPECT_EQ(describe(errors[0]), expected);
  }
}

TEST(Model, RequiresApiVersionKindAndName) {
  auto errors = errors_of("apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n");
  EXPECT_EQ(all(errors),
            "apiVersion: must be post2log.io/v1alpha1, got string \"v1\"\n"
            "kind: must be Post2Log, got string \"ConfigMap\"\n"
            "metadata.name: is required\n");
  EXPECT_EQ(all(errors_of("kind: Post2Log\n")),
            "apiVersion: is required (post2log.io/v1alpha1)\nmetadata: is required\n");
}

struct Rule {
  std::string spec;
  std::string expected;  // the full error, "path: message", or its start when it ends in "..."
};

class ValidationRule : public ::testing::TestWithParam<Rule> {};

TEST_P(ValidationRule, IsEnforced) {
  const Rule& rule = GetParam();
  auto errors = errors_of(manifest(rule.spec));
  ASSERT_EQ(errors.size(), 1u) << rule.spec << all(errors);
  const std::string text = describe(errors[0]);
  if (rule.expected.ends_with("...")) {
    EXPECT_TRUE(text.starts_with(rule.expected.substr(0, rule.expected.size() - 3))) << text;
  } else {
    EXPECT_EQ(text, rule.expected);
  }
  EXPECT_TRUE(errors[0].line);
}

INSTANTIATE_TEST_SUITE_P(
    Spec, ValidationRule,
    ::testing::Values(
        Rule{"  port: 0\n", "spec.port: must be >= 1, got 0"},
        Rule{"  port: 65536\n", "spec.port: must be <= 65535, got 65536"},
        Rule{"  nodePort: 29999\n", "spec.nodePort: must be >= 30000, got 29999"},
        Rule{"  nodePort: 32768\n", "spec.nodePort: must be <= 32767, got 32768"},
        Rule{"  endpoint: postback\n", "spec.endpoint: must be an absolute path..."},
        Rule{"  endpoint: \"\"\n", "spec.endpoint: must be an absolute path..."},
        Rule{"  endpoint: /p?x=1\n", "spec.endpoint: must be a path without query or fragment..."},
        Rule{"  endpoint: /p#top\n", "spec.endpoint: must be a path without query or fragment..."},
        Rule{"  endpoint: /post back\n", "spec.endpoint: contains characters not allowed..."},
        Rule{"  endpoint: /healthz\n",
             "spec.endpoint: /healthz is reserved for the receiver's own use"},
        Rule{"  endpoint: /readyz\n",
             "spec.endpoint: /readyz is reserved for the receiver's own use"},
        Rule{"  endpoint: /metrics\n",
             "spec.endpoint: /metrics is reserved for the receiver's own use"},
        Rule{"  workers: 0\n", "spec.workers: must be >= 1, got 0"},
        Rule{"  workers: 65\n", "spec.workers: must be <= 64, got 65"},
        Rule{"  replicas: 0\n", "spec.replicas: must be >= 1, got 0"},
        Rule{"  replicas: 101\n", "spec.replicas: must be <= 100, got 101"},
        Rule{"  storage: 4GB\n", "spec.storage: must be a quantity such as 4Gi, got \"4GB\""},
        Rule{"  storage: 0\n", "spec.storage: the log volume must be greater than zero"},
        Rule{"  storage: 0.0Mi\n", "spec.storage: the log volume must be greater than zero"},
        Rule{"  storageClassName: Fast_SSD\n",
             "spec.storageClassName: must be the name of a StorageClass..."},
        Rule{"  rotation: {maxBytes: 1023}\n", "spec.rotation.maxBytes: must be >= 1024, got 1023"},
        Rule{"  rotation: {maxBytes: 1073741825}\n",
             "spec.rotation.maxBytes: must be <= 1073741824, got 1073741825"},
        Rule{"  rotation: {backups: 0}\n", "spec.rotation.backups: must be >= 1, got 0"},
        Rule{"  rotation: {backups: 101}\n", "spec.rotation.backups: must be <= 100, got 101"},
        Rule{"  logLevel: DEBUG\n",
             "spec.logLevel: must be one of trace, debug, info, warning, error, critical, got "
             "\"DEBUG\""},
        Rule{"  fluentd: {storage: lots}\n",
             "spec.fluentd.storage: must be a quantity such as 4Gi..."},
        Rule{"  fluentd: {storage: 0Gi}\n",
             "spec.fluentd.storage: the Fluentd volume must be greater than zero"},
        Rule{"  fluentd: {outputConfig: \"\"}\n",
             "spec.fluentd.outputConfig: line 1: the configuration is empty"},
        Rule{"  fluentd: {outputConfig: \"<match a>\\n</match>\\\"\"}\n",
             "spec.fluentd.outputConfig: line 2: unexpected text after </match>: \""},
        Rule{"  fluentd: {outputConfig: \"<filter a>\\n</filter>\"}\n",
             "spec.fluentd.outputConfig: line 1: there is no <match> section..."},
        Rule{"  ingress: {host: -bad.example.com}\n", "spec.ingress.host: must be a DNS name..."},
        Rule{"  ingress: {host: \"*\"}\n", "spec.ingress.host: must be a DNS name..."},
        Rule{"  ingress: {className: Traefik}\n",
             "spec.ingress.className: must be the name of an IngressClass..."},
        Rule{"  ingress: {pathType: ImplementationSpecific}\n",
             "spec.ingress.pathType: must be one of Exact, Prefix, got \"ImplementationSpecific\""},
        Rule{"  image: {receiver: \"\"}\n",
             "spec.image.receiver: must be a container image reference..."},
        Rule{"  image: {fluentd: \"a b\"}\n",
             "spec.image.fluentd: must be a container image reference..."},
        Rule{"  image: {pullPolicy: always}\n",
             "spec.image.pullPolicy: must be one of Always, IfNotPresent, Never, got \"always\""},
        Rule{"  resources: {fluentd: {requests: {memory: 1 GB}}}\n",
             "spec.resources.fluentd.requests.memory: must be a quantity..."},
        Rule{"  tolerations: [{operator: In}]\n",
             "spec.tolerations[0].operator: must be one of Exists, Equal, got \"In\""},
        Rule{"  tolerations: [{effect: Never}]\n",
             "spec.tolerations[0].effect: must be one of NoSchedule, PreferNoSchedule, "
             "NoExecute..."},
        Rule{"  tolerations: [{operator: Exists, value: x}]\n",
             "spec.tolerations[0].value: must be empty when operator is Exists"},
        Rule{"  affinity: {podAffinity: []}\n",
             "spec.affinity.podAffinity: must be an object, got list"}),
    [](const ::testing::TestParamInfo<Rule>& rule_info) {
      // "spec.rotation.backups: ..." -> "7_spec_rotation_backups"
      std::string name = std::to_string(rule_info.index) + "_";
      for (char c : rule_info.param.expected.substr(0, rule_info.param.expected.find(':'))) {
        name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      }
      return name;
    });

TEST(Model, LimitsTheNameSoEveryChildNameFits) {
  const std::string longest(kMaxNameLength, 'a');
  EXPECT_EQ(parse_valid(manifest("", longest)).metadata.name, longest);
  auto errors = errors_of(manifest("", longest + "a"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(describe(errors[0]).starts_with("metadata.name: must be at most 52 characters long"));
  for (std::string_view bad : {"1demo", "Demo", "demo-", "de.mo", "de_mo"}) {
    auto name_errors = errors_of(manifest("", bad));
    ASSERT_EQ(name_errors.size(), 1u) << bad;
    EXPECT_TRUE(describe(name_errors[0]).starts_with("metadata.name: must start with a lowercase"));
  }
  auto namespace_errors = errors_of(
      "apiVersion: post2log.io/v1alpha1\nkind: Post2Log\nmetadata: {name: a, namespace: Web}\n");
  ASSERT_EQ(namespace_errors.size(), 1u);
  EXPECT_TRUE(describe(namespace_errors[0]).starts_with("metadata.namespace: must be a DNS label"));
}

TEST(Model, AcceptsTheEdgesOfEveryRange) {
  parse_valid(manifest(
      "  port: 1\n  nodePort: 30000\n  workers: 64\n  replicas: 100\n"
      "  rotation: {maxBytes: 1073741824, backups: 1}\n  endpoint: /a/b-c_d.e~f;g=h@i:j%20\n"
      "  ingress: {host: \"*.example.com\", pathType: Prefix}\n  storage: 500M\n"));
  parse_valid(
      manifest("  port: 65535\n  nodePort: 32767\n  rotation: {maxBytes: 1024}\n  endpoint: /\n"));
}

TEST(Quantity, FollowsKubernetesSyntax) {
  for (std::string_view good :
       {"4Gi", "1", "0.5", ".5", "500m", "1e3", "2E-1", "128974848", "1.5Ki"}) {
    EXPECT_TRUE(is_quantity(good)) << good;
  }
  for (std::string_view bad : {"", "4GB", "-1Gi", "+1", "1 Gi", "Gi", "1.2.3", "1ki", "0x10"}) {
    EXPECT_FALSE(is_quantity(bad)) << bad;
  }
}

TEST(Model, ManyErrorsAreSummarizedInABoundedMessage) {
  // A 64 KiB outputConfig of "</x>" lines once gave 13,001 errors, all copied into the status.
  std::vector<FieldError> errors;
  for (int i = 1; i <= 13001; ++i) {
    errors.push_back({.path = FieldPath{"spec", "fluentd", "outputConfig"},
                      .message = "line " + std::to_string(i) + ": </x> closes nothing"});
  }
  const std::string message = summarize(errors);
  EXPECT_EQ(message.rfind("spec.fluentd.outputConfig: line 1: </x> closes nothing; ", 0), 0U);
  EXPECT_NE(message.find("line 5:"), std::string::npos);
  EXPECT_EQ(message.find("line 6:"), std::string::npos);
  EXPECT_NE(message.find("; and 12996 more"), std::string::npos) << message;
  EXPECT_LE(message.size(), 2048U);

  const std::vector<FieldError> long_one{
      {.path = FieldPath{"spec"}, .message = std::string(5000, 'x')}};
  const std::string cut = summarize(long_one);
  EXPECT_EQ(cut.size(), 2048U);
  EXPECT_EQ(cut.substr(cut.size() - 4), " ...");

  EXPECT_EQ(summarize({errors[0], errors[1]}),
            "spec.fluentd.outputConfig: line 1: </x> closes nothing; "
            "spec.fluentd.outputConfig: line 2: </x> closes nothing");
}

}  // namespace
}  // namespace p2l
