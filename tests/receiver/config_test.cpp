#include "config.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <string>

namespace p2l {
namespace {

ReceiverConfig load(const std::map<std::string, std::string>& env) {
  return load_config(
      [&env](const std::string& name) -> std::optional<std::string> {
        const auto it = env.find(name);
        if (it == env.end()) return std::nullopt;
        return it->second;
      },
      "host-1");
}

std::string error_of(const std::map<std::string, std::string>& env) {
  try {
    load(env);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

TEST(Config, DefaultsAreTheOriginals) {
  const ReceiverConfig config = load({});
  EXPECT_EQ(config.host, "0.0.0.0");
  EXPECT_EQ(config.port, 80);
  EXPECT_EQ(config.endpoint, "/postback");
  EXPECT_TRUE(config.log_query_params);
  EXPECT_EQ(config.workers, 1u);
  EXPECT_EQ(config.rotation_bytes, 10485760u);
  EXPECT_EQ(config.rotation_backups, 5u);
  EXPECT_EQ(config.log_level, "debug");
  EXPECT_EQ(config.log_dir, "/data/logs");
  EXPECT_EQ(config.max_body_bytes, 1048576u);
  EXPECT_EQ(config.pod_name, "host-1");
  EXPECT_EQ(config.node_name, "host-1");
}

TEST(Config, ReadsEveryVariable) {
  const ReceiverConfig config = load({{"P2L_HOST", "::1"},
                                      {"P2L_PORT", "8080"},
                                      {"P2L_ENDPOINT", "/postback/airbridge"},
                                      {"P2L_LOG_QUERYPARAM", "False"},
                                      {"P2L_WORKERS", "4"},
                                      {"P2L_ROTBYTES", "0"},
                                      {"P2L_ROTBACKUPS", "9"},
                                      {"P2L_LOGLEVEL", "WARNING"},
                                      {"P2L_LOG_DIR", "/tmp/x"},
                                      {"P2L_MAX_BODY_BYTES", "100"},
                                      {"P2L_KEEPALIVE_TIMEOUT", "5"},
                                      {"P2L_HEADER_TIMEOUT", "3"},
                                      {"P2L_MAX_CONNECTIONS", "100"},
                                      {"P2L_REQUEST_TIMEOUT", "6"},
                                      {"P2L_DRAIN_TIMEOUT", "7"},
                                      {"P2L_FSYNC", "true"},
                                      {"P2L_SHIPPER_POS_FILE", "/fluentd/state/post2log.pos"},
                                      {"P2L_MIN_FREE_BYTES", "123456"},
                                      {"POD_NAME", "demo-0-abc-def"},
                                      {"NODE_NAME", "node-a"}});
  EXPECT_EQ(config.host, "::1");
  EXPECT_EQ(config.port, 8080);
  EXPECT_EQ(config.endpoint, "/postback/airbridge");
  EXPECT_FALSE(config.log_query_params);
  EXPECT_EQ(config.workers, 4u);
  EXPECT_EQ(config.rotation_bytes, 0u);
  EXPECT_EQ(config.rotation_backups, 9u);
  EXPECT_EQ(config.log_level, "warning");
  EXPECT_EQ(config.log_dir, "/tmp/x");
  EXPECT_EQ(config.max_body_bytes, 100u);
  EXPECT_EQ(config.keepalive_timeout.count(), 5);
  EXPECT_EQ(config.header_timeout.count(), 3);
  EXPECT_EQ(config.max_connections, 100u);
  EXPECT_EQ(config.request_timeout.count(), 6);
  EXPECT_EQ(config.drain_timeout.count(), 7);
  EXPECT_TRUE(config.fsync);
  EXPECT_EQ(config.shipper_pos_file, "/fluentd/state/post2log.pos");
  EXPECT_EQ(config.min_free_bytes, 123456u);
  EXPECT_EQ(config.pod_name, "demo-0-abc-def");
  EXPECT_EQ(config.node_name, "node-a");
}

TEST(Config, NoShipperByDefaultAndAFreeSpaceFloorFromTheFileSizes) {
  const ReceiverConfig defaults = load({});
  EXPECT_EQ(defaults.shipper_pos_file, "");
  EXPECT_EQ(defaults.min_free_bytes, 2u * 10485760u);  // two files of one worker
  EXPECT_EQ(load({{"P2L_WORKERS", "4"}}).min_free_bytes, 2u * 4u * 10485760u);
  EXPECT_EQ(load({{"P2L_ROTBYTES", "4096"}}).min_free_bytes, 1048576u);  // at least 1 MiB
  EXPECT_EQ(load({{"P2L_ROTBYTES", "9223372036854775807"}, {"P2L_WORKERS", "64"}}).min_free_bytes,
            std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(load({{"P2L_MIN_FREE_BYTES", "0"}}).min_free_bytes, 0u);
}

TEST(Config, EmptyValueMeansDefault) {
  EXPECT_EQ(load({{"P2L_PORT", ""}}).port, 80);
}

TEST(Config, InvalidValuesNameTheVariable) {
  const std::map<std::string, std::string> cases[] = {
      {{"P2L_PORT", "http"}},         {{"P2L_PORT", "65536"}},
      {{"P2L_PORT", "-1"}},           {{"P2L_PORT", "80x"}},
      {{"P2L_WORKERS", "0"}},         {{"P2L_WORKERS", "65"}},
      {{"P2L_ROTBACKUPS", "0"}},      {{"P2L_ROTBYTES", "ten"}},
      {{"P2L_ENDPOINT", "postback"}}, {{"P2L_ENDPOINT", "/a?b"}},
      {{"P2L_ENDPOINT", "/healthz"}}, {{"P2L_LOG_QUERYPARAM", "maybe"}},
      {{"P2L_LOGLEVEL", "loud"}},     {{"P2L_HOST", "example.com"}},
      {{"P2L_MAX_BODY_BYTES", "0"}},  {{"P2L_KEEPALIVE_TIMEOUT", "0"}},
      {{"P2L_FSYNC", "2"}},           {{"P2L_HEADER_TIMEOUT", "0"}},
      {{"P2L_MAX_CONNECTIONS", "0"}}, {{"P2L_MIN_FREE_BYTES", "lots"}},
  };
  for (const auto& env : cases) {
    const std::string error = error_of(env);
    const std::string& name = env.begin()->first;
    EXPECT_TRUE(error.starts_with(name + "=")) << name << ": " << error;
    EXPECT_NE(error.find("expected"), std::string::npos) << error;
  }
}

TEST(Config, PodHashDropsTheWorkloadPrefix) {
  EXPECT_EQ(pod_hash_of("demo-0-7bcd9d6cdf-7jmsd"), "7bcd9d6cdf-7jmsd");
  EXPECT_EQ(pod_hash_of("post2log-7bcd9d6cdf-7jmsd"), "7bcd9d6cdf-7jmsd");
  EXPECT_EQ(pod_hash_of("a-b"), "a-b");
  EXPECT_EQ(pod_hash_of("laptop"), "laptop");
}

}  // namespace
}  // namespace p2l
