#include "p2l/policy.hpp"

#include <gtest/gtest.h>

namespace p2l {
namespace {

Post2Log resource() {
  Post2Log result;
  result.metadata.name = "demo";
  return result;
}

std::vector<std::string> described(const std::vector<FieldError>& errors) {
  std::vector<std::string> texts;
  for (const FieldError& error : errors)
    texts.push_back(describe(error));
  return texts;
}

TEST(Policy, TheDefaultsAllowADefaultPost2Log) {
  EXPECT_TRUE(check_policy(resource(), Policy{}, RenderOptions{}).empty());
}

TEST(Policy, FluentdDirectivesThatRunCodeAreRefusedWithTheirLine) {
  Post2Log post2log = resource();
  post2log.spec.fluentd.output_config =
      "<match post2log>\n"
      "  @type exec\n"
      "  command \"#{`id`}\"\n"
      "</match>\n"
      "@include http://example.com/more.conf\n"
      "<source>\n  @type forward\n</source>\n"
      "<system>\n  log_level debug\n</system>\n"
      "<filter post2log>\n  type exec_filter\n</filter>\n";
  const auto errors = described(check_policy(post2log, Policy{}, RenderOptions{}));
  ASSERT_EQ(errors.size(), 6U);
  EXPECT_EQ(errors[0],
            "spec.fluentd.outputConfig: line 2: @type exec runs commands; refused by the "
            "operator's policy (allow it with --allow-unsafe-fluentd-config)");
  EXPECT_NE(errors[1].find("line 3: Ruby interpolation"), std::string::npos);
  EXPECT_NE(errors[2].find("line 5: @include"), std::string::npos);
  EXPECT_NE(errors[3].find("line 6: <source>"), std::string::npos);
  EXPECT_NE(errors[4].find("line 9: <system>"), std::string::npos);
  EXPECT_NE(errors[5].find("line 13: @type exec_filter"), std::string::npos);
  EXPECT_TRUE(
      check_policy(post2log, Policy{.allow_unsafe_fluentd_config = true}, RenderOptions{}).empty());
}

TEST(Policy, OrdinaryOutputsPass) {
  Post2Log post2log = resource();
  post2log.spec.fluentd.output_config =
      "<match post2log>\n  @type kafka2\n  brokers kafka:9092\n  <buffer>\n    @type file\n"
      "    path /fluentd/state/buffer\n  </buffer>\n</match>\n";
  EXPECT_TRUE(check_policy(post2log, Policy{}, RenderOptions{}).empty());
}

TEST(Policy, ImagesOnlyFromTheDefaultsOrAnAllowedPrefix) {
  Post2Log post2log = resource();
  const RenderOptions defaults;
  post2log.spec.image.receiver = defaults.receiver_image;  // the default: always allowed
  post2log.spec.image.fluentd = "evil.example.com/miner:latest";
  auto errors = described(check_policy(post2log, Policy{}, defaults));
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_EQ(errors[0],
            "spec.image.fluentd: image evil.example.com/miner:latest is not allowed by the "
            "operator's policy (allow it with --allowed-image-prefix)");
  const Policy trusted{.allowed_image_prefixes = {"registry.example.com/"}};
  EXPECT_EQ(check_policy(post2log, trusted, defaults).size(), 1U);
  post2log.spec.image.fluentd = "registry.example.com/fluentd-kafka:1";
  EXPECT_TRUE(check_policy(post2log, trusted, defaults).empty());
}

TEST(Policy, SnippetAnnotationsAreRefusedUnlessNamed) {
  Post2Log post2log = resource();
  post2log.spec.ingress = IngressSpec{};
  post2log.spec.ingress->annotations = {
      {"kubernetes.io/ingress.class", "traefik"},
      {"nginx.ingress.kubernetes.io/server-snippet", "location / { return 200; }"}};
  auto errors = described(check_policy(post2log, Policy{}, RenderOptions{}));
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_EQ(errors[0],
            "spec.ingress.annotations[\"nginx.ingress.kubernetes.io/server-snippet\"]: this "
            "annotation is not allowed by the operator's policy (allow it with "
            "--allowed-ingress-annotation)");
  const Policy only_class{.allowed_ingress_annotations = {"kubernetes.io/*"}};
  EXPECT_EQ(check_policy(post2log, only_class, RenderOptions{}).size(), 1U);
  const Policy snippets{.allowed_ingress_annotations = {"*", "nginx.ingress.kubernetes.io/*"}};
  EXPECT_TRUE(check_policy(post2log, snippets, RenderOptions{}).empty());
}

TEST(Policy, NodePortsAndTolerationsOnlyWhenAllowed) {
  Post2Log post2log = resource();
  post2log.spec.node_port = 30080;
  post2log.spec.tolerations = {Toleration{.operator_name = "Exists"}};
  auto errors = described(check_policy(post2log, Policy{}, RenderOptions{}));
  ASSERT_EQ(errors.size(), 2U);
  EXPECT_NE(errors[0].find("spec.nodePort: "), std::string::npos);
  EXPECT_NE(errors[0].find("--allow-node-port"), std::string::npos);
  EXPECT_NE(errors[1].find("spec.tolerations: "), std::string::npos);
  EXPECT_NE(errors[1].find("--allow-tolerations"), std::string::npos);
  EXPECT_TRUE(check_policy(post2log, Policy{.allow_node_port = true, .allow_tolerations = true}, {})
                  .empty());
}

TEST(Policy, PatternsMatchWithStars) {
  EXPECT_TRUE(matches_pattern("*", "anything"));
  EXPECT_TRUE(matches_pattern("a*c", "abbbc"));
  EXPECT_TRUE(matches_pattern("kubernetes.io/*", "kubernetes.io/ingress.class"));
  EXPECT_FALSE(matches_pattern("kubernetes.io/*", "example.com/kubernetes.io/x"));
  EXPECT_TRUE(matches_pattern("*-snippet", "nginx.ingress.kubernetes.io/server-snippet"));
  EXPECT_FALSE(matches_pattern("exact", "exactly"));
}

}  // namespace
}  // namespace p2l
