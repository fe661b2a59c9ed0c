#include "p2l/command_line.hpp"

#include <gtest/gtest.h>

#include "p2l/controller/reconciler.hpp"

namespace p2l {
namespace {

Command parse(std::initializer_list<std::string_view> args) {
  return parse_command_line(std::vector<std::string_view>(args));
}

TEST(RunCommandLine, RunIsTheDefaultCommandWithTheDocumentedDefaults) {
  for (const Command& command : {parse({}), parse({"run"})}) {
    const auto* run = std::get_if<RunRequest>(&command);
    ASSERT_NE(run, nullptr);
    EXPECT_FALSE(run->kubeconfig);
    EXPECT_TRUE(run->namespaces.empty());
    EXPECT_EQ(run->metrics_bind_address, "127.0.0.1:8080");
    EXPECT_FALSE(run->leader_elect);
    EXPECT_EQ(run->concurrency, 2);
    EXPECT_EQ(run->resync_period, std::chrono::minutes(10));
  }
}

TEST(RunCommandLine, ReadsEveryFlag) {
  const Command command =
      parse({"run", "--kubeconfig", "/k", "--namespace=ns", "--metrics-bind-address", ":0",
             "--leader-elect", "--leader-election-namespace", "ops", "--receiver-image", "r:1",
             "--fluentd-image=f:2", "--concurrency", "4", "--resync-period", "1m30s"});
  const auto* run = std::get_if<RunRequest>(&command);
  ASSERT_NE(run, nullptr) << std::get<UsageError>(command).message;
  EXPECT_EQ(run->kubeconfig, "/k");
  EXPECT_EQ(run->namespaces, std::vector<std::string>{"ns"});
  EXPECT_EQ(run->metrics_bind_address, ":0");
  EXPECT_TRUE(run->leader_elect);
  EXPECT_EQ(run->leader_election_namespace, "ops");
  EXPECT_EQ(run->options.receiver_image, "r:1");
  EXPECT_EQ(run->options.fluentd_image, "f:2");
  EXPECT_EQ(run->concurrency, 4);
  EXPECT_EQ(run->resync_period, std::chrono::seconds(90));
}

TEST(RunCommandLine, FlagsWithoutACommandMeanRun) {
  const Command command = parse({"--namespace", "ns", "--leader-elect=false"});
  const auto* run = std::get_if<RunRequest>(&command);
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->namespaces, std::vector<std::string>{"ns"});
  EXPECT_FALSE(run->leader_elect);
}

TEST(RunCommandLine, SeveralNamespaces) {
  const Command command = parse({"run", "--namespace", "a,b,c"});
  const auto* run = std::get_if<RunRequest>(&command);
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->namespaces, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(std::holds_alternative<UsageError>(parse({"run", "--namespace", "a,,b"})));
}

TEST(RunCommandLine, RejectsBadValues) {
  for (const auto& args :
       std::vector<std::vector<std::string_view>>{{"run", "--bogus"},
                                                  {"run", "--namespace"},
                                                  {"run", "--concurrency", "0"},
                                                  {"run", "--concurrency", "2x"},
                                                  {"run", "--resync-period", "10"},
                                                  {"run", "--resync-period", "0s"},
                                                  {"run", "--leader-elect=maybe"}}) {
    EXPECT_TRUE(std::holds_alternative<UsageError>(parse_command_line(args))) << args.back();
  }
}

TEST(Duration, GoSyntaxInWholeSeconds) {
  EXPECT_EQ(parse_duration("10m"), std::chrono::minutes(10));
  EXPECT_EQ(parse_duration("5s"), std::chrono::seconds(5));
  EXPECT_EQ(parse_duration("1h30m"), std::chrono::minutes(90));
  EXPECT_EQ(parse_duration(""), std::nullopt);
  EXPECT_EQ(parse_duration("5"), std::nullopt);
  EXPECT_EQ(parse_duration("5d"), std::nullopt);
  EXPECT_EQ(parse_duration("-5s"), std::nullopt);
}

TEST(StatusUrl, NamesTheServiceInItsNamespace) {
  EXPECT_EQ(controller::service_url("demo", "ns", 80, "/postback"),
            "http://demo.ns.svc:80/postback");
}

TEST(RunCommandLine, TheFluentdConfigCheckIsOnUnlessSkipped) {
  const Command plain = parse({"run"});
  ASSERT_TRUE(std::holds_alternative<RunRequest>(plain));
  EXPECT_TRUE(std::get<RunRequest>(plain).check_fluentd_config);
  const Command skipped = parse({"run", "--skip-fluentd-config-check"});
  ASSERT_TRUE(std::holds_alternative<RunRequest>(skipped));
  EXPECT_FALSE(std::get<RunRequest>(skipped).check_fluentd_config);
  EXPECT_TRUE(std::holds_alternative<UsageError>(parse({"run", "--skip-fluentd-config-check=no"})));
}

}  // namespace
}  // namespace p2l
