// The operator renders a shard's receiver environment; the receiver reads it with its own
// load_config. Both sides of the contract, end to end, without a cluster.
#include <gtest/gtest.h>

#include "config.hpp"
#include "p2l/receiver_contract.hpp"
#include "p2l/render.hpp"
#include "p2l/validate.hpp"
#include "test_support.hpp"

namespace p2l {
namespace {

using nlohmann::json;

// What the kubelet would give the container: the rendered values, and for fieldRefs the pod's
// name and node.
std::map<std::string, std::string> environment_of(const json& deployment) {
  std::map<std::string, std::string> env;
  for (const json& container : deployment["spec"]["template"]["spec"]["containers"]) {
    if (container["name"] != "receiver") continue;
    for (const json& item : container["env"]) {
      const std::string name = item["name"];
      if (item.contains("value")) {
        env[name] = item["value"];
      } else {
        const std::string field = item["valueFrom"]["fieldRef"]["fieldPath"];
        env[name] = field == "metadata.name" ? "demo-1-7bcd9d6cdf-7jmsd" : "node-a";
      }
    }
  }
  return env;
}

ReceiverConfig load(const std::map<std::string, std::string>& env) {
  return load_config(
      [&env](const std::string& name) -> std::optional<std::string> {
        const auto found = env.find(name);
        if (found == env.end()) return std::nullopt;
        return found->second;
      },
      "host");
}

TEST(ReceiverContract, TheRenderedEnvironmentLoadsAsTheSpecSays) {
  Post2Log resource = test::parse_valid(test::manifest(
      "  endpoint: /hooks/in\n  logQueryParams: false\n  workers: 64\n  replicas: 2\n"
      "  rotation:\n    maxBytes: 2048\n    backups: 100\n  logLevel: warning\n",
      "demo"));
  const json deployment = render_shard_deployment(resource, 1, RenderOptions{});
  const ReceiverConfig config = load(environment_of(deployment));
  EXPECT_EQ(config.endpoint, "/hooks/in");
  EXPECT_FALSE(config.log_query_params);
  EXPECT_EQ(config.workers, 64u);
  EXPECT_EQ(config.rotation_bytes, 2048u);
  EXPECT_EQ(config.rotation_backups, 100u);
  EXPECT_EQ(config.log_level, "warning");
  EXPECT_EQ(config.host, "0.0.0.0");
  EXPECT_EQ(config.pod_name, "demo-1-7bcd9d6cdf-7jmsd");
  EXPECT_EQ(config.node_name, "node-a");
  // The sidecar's positions, read from the Fluentd volume.
  EXPECT_FALSE(config.shipper_pos_file.empty());
  // The port the rendered container declares is the one the receiver listens on.
  const json& container = deployment["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(container["ports"][0]["containerPort"].get<int>(), config.port);
}

TEST(ReceiverContract, EveryLogLevelTheOperatorAcceptsTheReceiverAcceptsToo) {
  for (std::string_view level : receiver_contract::kLogLevels) {
    Post2Log resource =
        test::parse_valid(test::manifest("  logLevel: " + std::string{level} + "\n", "demo"));
    EXPECT_EQ(load(environment_of(render_shard_deployment(resource, 0, RenderOptions{}))).log_level,
              level);
  }
}

TEST(ReceiverContract, TheReservedPathsAreRefusedOnBothSides) {
  for (std::string_view path : receiver_contract::kReservedPaths) {
    Post2Log resource = test::parse_valid(test::manifest("  replicas: 1\n", "demo"));
    resource.spec.endpoint = std::string{path};
    EXPECT_FALSE(validate_post2log(resource).empty()) << path;
    EXPECT_THROW(load({{"P2L_ENDPOINT", std::string{path}}}), ConfigError) << path;
  }
}

}  // namespace
}  // namespace p2l
