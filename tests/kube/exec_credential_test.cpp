// Credential plugins (users[].user.exec) run as real processes: small shell scripts that
// print an ExecCredential, count their runs and check what they were given.

#include "p2l/kube/exec_credential.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "p2l/kube/errors.hpp"
#include "p2l/kube/kubeconfig.hpp"
#include "p2l/kube/token_source.hpp"
#include "temp_dir.hpp"

namespace p2l::kube {
namespace {

using testing::TempDir;

// A plugin script in `dir`: appends a line to runs.txt each time it runs, then runs `body`.
ExecConfig plugin(const TempDir& dir, const std::string& body) {
  const auto script =
      dir.write("plugin.sh", "#!/bin/sh\necho run >> \"" + (dir.path() / "runs.txt").string() +
                                 "\"\n" + body + "\n");
  ::chmod(script.c_str(), 0755);
  ExecConfig config;
  config.command = script.string();
  return config;
}

int runs(const TempDir& dir) {
  std::ifstream in(dir.path() / "runs.txt");
  int count = 0;
  std::string line;
  while (std::getline(in, line))
    ++count;
  return count;
}

std::string credential(const std::string& token, const std::string& expiry = "") {
  std::string status = "\"token\":\"" + token + "\"";
  if (!expiry.empty()) status += ",\"expirationTimestamp\":\"" + expiry + "\"";
  return "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
         "\"status\":{" +
         status + "}}'";
}

std::string rfc3339_in(std::chrono::seconds from_now) {
  const std::time_t when =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + from_now);
  std::tm utc{};
  gmtime_r(&when, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

TEST(ExecCredential, ArgsEnvAndExecInfoReachThePlugin) {
  TempDir dir;
  ExecConfig config =
      plugin(dir,
             "[ \"$1\" = get-token ] && [ \"$2\" = --cluster=prod ] || exit 3\n"
             "[ \"$REGION\" = eu-west-1 ] || exit 4\n"
             "echo \"$KUBERNETES_EXEC_INFO\" | grep -q '\"interactive\":false' || exit 5\n" +
                 credential("abc"));
  config.args = {"get-token", "--cluster=prod"};
  config.env = {{"REGION", "eu-west-1"}};
  EXPECT_EQ(run_exec_plugin(config).token, "abc");
}

TEST(ExecCredential, TheTokenIsKeptUntilItExpiresAndFetchedAgainAfterA401) {
  TempDir dir;
  TokenSource source(plugin(dir, credential("t1", rfc3339_in(std::chrono::hours(1)))));
  EXPECT_EQ(source.current(), "t1");
  EXPECT_EQ(source.current(), "t1");
  EXPECT_EQ(runs(dir), 1) << "a valid token is reused";
  EXPECT_TRUE(source.refreshable());
  source.invalidate();  // the server answered 401
  EXPECT_EQ(source.current(), "t1");
  EXPECT_EQ(runs(dir), 2);

  TempDir expiring;
  TokenSource soon(plugin(expiring, credential("t2", rfc3339_in(std::chrono::seconds(5)))));
  EXPECT_EQ(soon.current(), "t2");
  EXPECT_EQ(soon.current(), "t2");
  EXPECT_EQ(runs(expiring), 2) << "a token about to expire is fetched again before use";
}

TEST(ExecCredential, FailuresSayWhatWentWrong) {
  TempDir dir;
  const auto message = [](const ExecConfig& config) {
    try {
      (void)run_exec_plugin(config, std::chrono::seconds(2));
    } catch (const ConfigError& error) {
      return std::string(error.what());
    }
    return std::string("(no error)");
  };
  ExecConfig missing;
  missing.command = "p2l-no-such-plugin";
  missing.install_hint = "install it with: apt install p2l-plugin";
  const std::string not_found = message(missing);
  EXPECT_NE(not_found.find("credential plugin \"p2l-no-such-plugin\": cannot run it"),
            std::string::npos)
      << not_found;
  EXPECT_NE(not_found.find("apt install p2l-plugin"), std::string::npos) << not_found;

  EXPECT_NE(message(plugin(dir, "exit 7")).find("exit status 7"), std::string::npos);
  EXPECT_NE(message(plugin(dir, "echo not json")).find("printed no JSON"), std::string::npos);
  EXPECT_NE(message(plugin(dir, credential(""))).find("no status.token"), std::string::npos);
  EXPECT_NE(message(plugin(dir, "sleep 30")).find("no answer within 2 s"), std::string::npos);
  ExecConfig always = plugin(dir, credential("x"));
  always.interactive_mode = "Always";
  EXPECT_NE(message(always).find("needs a terminal"), std::string::npos);
}

TEST(ExecCredential, Rfc3339Timestamps) {
  const auto at = parse_rfc3339("2026-01-02T03:04:05Z");
  ASSERT_TRUE(at);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*at), 1767323045);
  EXPECT_EQ(parse_rfc3339("2026-01-02T05:04:05.123+02:00"), at);
  EXPECT_FALSE(parse_rfc3339("2026-01-02 03:04:05"));
  EXPECT_FALSE(parse_rfc3339("yesterday"));
}

TEST(ExecCredential, KubeconfigExecEntriesAndUnsupportedKinds) {
  TempDir dir;
  const auto write = [&](const std::string& user) {
    return dir.write("config",
                     "clusters: [{name: c, cluster: {server: 'https://h'}}]\n"
                     "users: [{name: u, user: " +
                         user +
                         "}]\n"
                         "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
                         "current-context: x\n");
  };
  const Connection connection =
      load_kubeconfig({write("{exec: {apiVersion: client.authentication.k8s.io/v1, command: aws, "
                             "args: [eks, get-token], env: [{name: AWS_PROFILE, value: prod}], "
                             "interactiveMode: Never}}")});
  ASSERT_NE(connection.token, nullptr);
  EXPECT_TRUE(connection.token->refreshable());

  const auto error_of = [&](const std::string& user) {
    try {
      (void)load_kubeconfig({write(user)});
    } catch (const ConfigError& error) {
      return std::string(error.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(error_of("{auth-provider: {name: gcp}}").find("auth-provider: not supported"),
            std::string::npos);
  EXPECT_NE(error_of("{username: admin, password: secret}").find("basic authentication"),
            std::string::npos);
  EXPECT_NE(error_of("{exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}}")
                .find("is not supported"),
            std::string::npos);
}

}  // namespace
}  // namespace p2l::kube
