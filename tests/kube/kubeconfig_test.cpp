#include <gtest/gtest.h>

#include <cstdlib>

#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "p2l/kube/connection.hpp"
#include "p2l/kube/cpprest_transport.hpp"
#include "p2l/kube/errors.hpp"
#include "p2l/kube/kubeconfig.hpp"
#include "temp_dir.hpp"

namespace p2l::kube {
namespace {

using testing::base64;
using testing::TempDir;

const std::string kCaPem = "-----BEGIN CERTIFICATE-----\nMIIBcA==\n-----END CERTIFICATE-----\n";
const std::string kCertPem = "-----BEGIN CERTIFICATE-----\nMIIBcB==\n-----END CERTIFICATE-----\n";
const std::string kKeyPem = "-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\n";

std::string inline_config() {
  return "apiVersion: v1\n"
         "kind: Config\n"
         "clusters:\n"
         "- name: test\n"
         "  cluster:\n"
         "    server: https://127.0.0.1:6443/\n"
         "    certificate-authority-data: " +
         base64(kCaPem) +
         "\n"
         "users:\n"
         "- name: admin\n"
         "  user:\n"
         "    client-certificate-data: " +
         base64(kCertPem) +
         "\n"
         "    client-key-data: " +
         base64(kKeyPem) +
         "\n"
         "contexts:\n"
         "- name: test\n"
         "  context:\n"
         "    cluster: test\n"
         "    user: admin\n"
         "    namespace: team-a\n"
         "current-context: test\n";
}

TEST(Kubeconfig, InlineDataResolvesToPem) {
  TempDir dir;
  const auto file = dir.write("config", inline_config());
  const Connection connection = load_kubeconfig({file});
  EXPECT_EQ(connection.server, "https://127.0.0.1:6443");
  EXPECT_EQ(connection.ca_pem, kCaPem);
  EXPECT_EQ(connection.client_cert_pem, kCertPem);
  EXPECT_EQ(connection.client_key_pem, kKeyPem);
  EXPECT_EQ(connection.namespace_name, "team-a");
  EXPECT_FALSE(connection.insecure_skip_tls_verify);
  EXPECT_EQ(connection.token, nullptr);
}

// Inline data as people write it: wrapped over lines, with or without the padding.
TEST(Kubeconfig, InlineDataMayBeWrappedOrUnpadded) {
  std::string wrapped = base64(kCaPem);
  for (std::size_t at = 20; at < wrapped.size(); at += 23)
    wrapped.insert(at, "\n      ");
  std::string unpadded = base64(kKeyPem);
  ASSERT_TRUE(unpadded.ends_with('='));
  while (unpadded.ends_with('='))
    unpadded.pop_back();
  TempDir dir;
  const auto file = dir.write("config",
                              "clusters:\n- name: c\n  cluster:\n    server: https://h\n"
                              "    certificate-authority-data: |\n      " +
                                  wrapped +
                                  "\n"
                                  "users: [{name: u, user: {client-certificate-data: '" +
                                  base64(kCertPem) + "', client-key-data: '" + unpadded +
                                  "'}}]\n"
                                  "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
                                  "current-context: x\n");
  const Connection connection = load_kubeconfig({file});
  EXPECT_EQ(connection.ca_pem, kCaPem);
  EXPECT_EQ(connection.client_key_pem, kKeyPem);
}

TEST(Kubeconfig, FilesAreRelativeToTheKubeconfig) {
  TempDir dir;
  dir.write("pki/ca.crt", kCaPem);
  dir.write("pki/admin.crt", kCertPem);
  dir.write("pki/admin.key", kKeyPem);
  dir.write("token", "file-token\n");
  const auto file =
      dir.write("sub/../config",
                "clusters:\n"
                "- name: c\n"
                "  cluster: {server: 'https://k:443', certificate-authority: pki/ca.crt}\n"
                "users:\n"
                "- name: u\n"
                "  user: {client-certificate: pki/admin.crt, client-key: "
                "pki/admin.key}\n"
                "- name: t\n"
                "  user: {tokenFile: token}\n"
                "contexts:\n"
                "- {name: one, context: {cluster: c, user: u}}\n"
                "- {name: two, context: {cluster: c, user: t}}\n"
                "current-context: one\n");
  const Connection one = load_kubeconfig({file});
  EXPECT_EQ(one.ca_pem, kCaPem);
  EXPECT_EQ(one.client_cert_pem, kCertPem);
  EXPECT_EQ(one.client_key_pem, kKeyPem);
  EXPECT_EQ(one.namespace_name, "default");

  const Connection two = load_kubeconfig({file}, "two");
  ASSERT_NE(two.token, nullptr);
  EXPECT_EQ(two.token->current(), "file-token");
  EXPECT_TRUE(two.client_cert_pem.empty());
}

TEST(Kubeconfig, TokenAndInsecure) {
  TempDir dir;
  const auto file = dir.write("config",
                              "clusters: [{name: c, cluster: {server: 'https://h', "
                              "insecure-skip-tls-verify: true}}]\n"
                              "users: [{name: u, user: {token: abc.def}}]\n"
                              "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
                              "current-context: x\n");
  const Connection connection = load_kubeconfig({file});
  EXPECT_TRUE(connection.insecure_skip_tls_verify);
  ASSERT_NE(connection.token, nullptr);
  EXPECT_EQ(connection.token->current(), "abc.def");
}

TEST(Kubeconfig, YamlOneOneBooleansAsKubectlReadsThem) {
  // kubectl (sigs.k8s.io/yaml) reads YAML 1.1: `yes` is true. One reader for kubeconfigs and
  // manifests keeps the operator reading them the same way.
  TempDir dir;
  const auto file = dir.write("config",
                              "clusters: [{name: c, cluster: {server: 'https://h', "
                              "insecure-skip-tls-verify: yes}}]\n"
                              "users: [{name: u, user: {token: abc.def}}]\n"
                              "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
                              "current-context: x\n");
  EXPECT_TRUE(load_kubeconfig({file}).insecure_skip_tls_verify);
}

TEST(Kubeconfig, InsecureSkipTlsVerifyIsLoggedAsAWarning) {
  Connection connection;
  connection.server = "https://127.0.0.1:1";
  connection.source = "kubeconfig context x";
  connection.insecure_skip_tls_verify = true;
  std::ostringstream text;
  auto captured = std::make_shared<spdlog::sinks::ostream_sink_mt>(text);
  spdlog::logger logger("test", captured);
  (void)make_cpprest_transport(connection, logger);
  EXPECT_NE(text.str().find("[warning] insecure-skip-tls-verify is set for https://127.0.0.1:1"),
            std::string::npos)
      << text.str();
}

TEST(Kubeconfig, FirstFileWinsPerKeyAsKubectl) {
  TempDir dir;
  const auto first = dir.write("first",
                               "clusters: [{name: c, cluster: {server: 'https://first'}}]\n"
                               "contexts: [{name: x, context: {cluster: c}}]\n");
  const auto second = dir.write("second",
                                "clusters: [{name: c, cluster: {server: 'https://second'}},\n"
                                "           {name: d, cluster: {server: 'https://d'}}]\n"
                                "contexts: [{name: x, context: {cluster: d}},\n"
                                "           {name: other, context: {cluster: d}}]\n"
                                "current-context: x\n");
  const auto list =
      split_kubeconfig_list(first.string() + "::" + second.string() + ":" + "/nonexistent/kc");
  ASSERT_EQ(list.size(), 3U);
  const Kubeconfig merged = read_kubeconfig(list);
  EXPECT_EQ(merged.current_context, "x");  // only the second file sets it
  EXPECT_EQ(merged.clusters.at("c").server, "https://first");
  EXPECT_EQ(merged.contexts.at("x").cluster, "c");
  EXPECT_EQ(merged.contexts.at("other").cluster, "d");
  EXPECT_EQ(connection_from_kubeconfig(merged).server, "https://first");
}

TEST(Kubeconfig, KubeconfigFromTheEnvironment) {
  TempDir dir;
  const auto file = dir.write("config", inline_config());
  ::setenv("KUBECONFIG", ("/nonexistent/a:" + file.string()).c_str(), 1);
  const Connection connection = load_connection();
  ::unsetenv("KUBECONFIG");
  EXPECT_EQ(connection.namespace_name, "team-a");
  // An explicit path beats the environment.
  const auto other = dir.write("other",
                               "clusters: [{name: c, cluster: {server: 'https://explicit'}}]\n"
                               "contexts: [{name: x, context: {cluster: c}}]\n"
                               "current-context: x\n");
  ::setenv("KUBECONFIG", file.string().c_str(), 1);
  EXPECT_EQ(load_connection(other).server, "https://explicit");
  ::unsetenv("KUBECONFIG");
}

// The error names the file and the field that is wrong.
void expect_config_error(const std::string& text, const std::string& expected_part,
                         const std::string& context = {}) {
  TempDir dir;
  const auto file = dir.write("broken-config", text);
  try {
    (void)load_kubeconfig({file}, context);
    FAIL() << "no error for:\n" << text;
  } catch (const ConfigError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(expected_part), std::string::npos) << message;
    if (expected_part.find("kubeconfig") == std::string::npos &&
        expected_part.find("context") == std::string::npos) {
      EXPECT_NE(message.find(file.string()), std::string::npos) << message;
    }
  }
}

TEST(Kubeconfig, ErrorsNameFileAndField) {
  const std::string good_context =
      "contexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n";
  expect_config_error(
      "clusters: [{name: c, cluster: {server: 'https://h', "
      "certificate-authority-data: '***'}}]\n"
      "users: [{name: u, user: {}}]\n" +
          good_context,
      "clusters[c].cluster.certificate-authority-data: not valid base64");
  for (const std::string bad : {"YWJj=ZA==", "YWJjZ", "YW Jj!A=="}) {
    expect_config_error(
        "clusters: [{name: c, cluster: {server: 'https://h'}}]\n"
        "users: [{name: u, user: {token: t, client-key-data: '" +
            bad + "'}}]\n" + good_context,
        "users[u].user.client-key-data: not valid base64");
  }
  expect_config_error("clusters: [{name: c, cluster: {certificate-authority: x}}]\n",
                      "clusters[c].cluster.server: is required");
  expect_config_error("clusters: [{name: c, cluster: {server: [1]}}]\n",
                      "clusters[c].cluster.server: must be a string");
  expect_config_error(
      "clusters: [{name: c, cluster: {server: 'https://h', "
      "insecure-skip-tls-verify: maybe}}]\n",
      "insecure-skip-tls-verify: must be true or false");
  expect_config_error(
      "clusters: [{name: c, cluster: {server: 'https://h', "
      "certificate-authority: /nonexistent/ca.crt}}]\n"
      "users: [{name: u, user: {}}]\n" +
          good_context,
      "clusters[c].cluster.certificate-authority: cannot read /nonexistent/ca.crt");
  expect_config_error(
      "clusters: [{name: c, cluster: {server: 'https://h'}}]\n"
      "users: [{name: u, user: {client-certificate-data: " +
          base64(kCertPem) + "}}]\n" + good_context,
      "users[u].user: a client certificate needs a client key");
  expect_config_error("clusters: [{name: c, cluster: {server: 'https://h'}}]\n" + good_context,
                      "contexts[x].context.user: user \"u\" is not defined");
  expect_config_error("clusters: [{name: c, cluster: {server: 'https://h'}}]\n" + good_context,
                      "context \"nope\" is not defined", "nope");
  expect_config_error("clusters: {name: c}\n", "clusters: must be a list");
  expect_config_error("clusters: [{cluster: {server: x}}]\n", "clusters[0].name: is required");
  expect_config_error("clusters: [\n", "not valid YAML: line");
  expect_config_error("users: [{name: u, user: {}}]\n", "current-context is not set");
}

TEST(Kubeconfig, MissingFileIsAnError) {
  EXPECT_THROW((void)load_kubeconfig({"/nonexistent/kubeconfig"}), ConfigError);
  EXPECT_THROW((void)load_kubeconfig({"/nonexistent/a", "/nonexistent/b"}), ConfigError);
}

TEST(Kubeconfig, JsonRoundTrip) {
  KubeconfigCluster cluster;
  cluster.server = "https://h";
  cluster.certificate_authority = "/ca.crt";
  cluster.insecure_skip_tls_verify = true;
  const nlohmann::json j = cluster;
  EXPECT_EQ(j["certificate-authority"], "/ca.crt");
  const auto back = j.get<KubeconfigCluster>();
  EXPECT_EQ(back.server, cluster.server);
  EXPECT_EQ(back.certificate_authority, cluster.certificate_authority);
  EXPECT_TRUE(back.insecure_skip_tls_verify);

  KubeconfigUser user;
  user.token_file = "/t";
  EXPECT_EQ(nlohmann::json(user).get<KubeconfigUser>().token_file, user.token_file);
  KubeconfigContext context{"c", "u", "ns"};
  const auto context_back = nlohmann::json(context).get<KubeconfigContext>();
  EXPECT_EQ(context_back.namespace_name, "ns");
}

TEST(InCluster, ReadsServiceAccountFiles) {
  TempDir dir;
  InClusterSettings settings;
  settings.token_file = dir.write("token", "first-token\n");
  settings.ca_file = dir.write("ca.crt", kCaPem);
  settings.namespace_file = dir.write("namespace", "operators\n");
  settings.service_host = "10.96.0.1";
  settings.service_port = "443";
  settings.token_max_age = std::chrono::seconds(3600);
  const Connection connection = load_in_cluster(settings);
  EXPECT_EQ(connection.server, "https://10.96.0.1:443");
  EXPECT_EQ(connection.ca_pem, kCaPem);
  EXPECT_EQ(connection.namespace_name, "operators");
  ASSERT_NE(connection.token, nullptr);
  EXPECT_EQ(connection.token->current(), "first-token");

  // Rotation: the cached token stays until it is invalidated (a 401) or too old.
  dir.write("token", "second-token");
  EXPECT_EQ(connection.token->current(), "first-token");
  connection.token->invalidate();
  EXPECT_EQ(connection.token->current(), "second-token");
}

TEST(InCluster, TokenReReadAfterMaxAge) {
  TempDir dir;
  TokenSource source(dir.write("token", "a"), std::chrono::seconds(0));
  EXPECT_EQ(source.current(), "a");
  dir.write("token", "b");
  EXPECT_EQ(source.current(), "b");
}

TEST(InCluster, Ipv6HostAndErrors) {
  TempDir dir;
  InClusterSettings settings;
  settings.token_file = dir.write("token", "t");
  settings.ca_file = dir.write("ca.crt", kCaPem);
  settings.namespace_file = dir.path() / "absent";
  settings.service_host = "fd00::1";
  settings.service_port = "6443";
  const Connection connection = load_in_cluster(settings);
  EXPECT_EQ(connection.server, "https://[fd00::1]:6443");
  EXPECT_EQ(connection.namespace_name, "default");

  settings.token_file = dir.path() / "missing-token";
  try {
    (void)load_in_cluster(settings);
    FAIL();
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("missing-token"), std::string::npos) << error.what();
  }
  settings.service_host = "";
  EXPECT_FALSE(running_in_cluster(settings));
  EXPECT_THROW((void)load_in_cluster(settings), ConfigError);
}

}  // namespace
}  // namespace p2l::kube
