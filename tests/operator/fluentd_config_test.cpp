#include <regex>

#include <gtest/gtest.h>

#include "p2l/fluentd_config.hpp"
#include "p2l/fluentd_config_check.hpp"
#include "p2l/pod_layout.hpp"

namespace p2l {
namespace {

// The value of `name` inside the first section that starts with `section_start`.
std::string parameter(const std::string& config, std::string_view section_start,
                      std::string_view name) {
  std::size_t section = config.find(section_start);
  if (section == std::string::npos) return "<no section>";
  std::regex line{"\\n\\s*" + std::string{name} + " ([^\\n]*)\\n"};
  std::smatch match;
  std::string rest = config.substr(section);
  if (!std::regex_search(rest, match, line)) return "<unset>";
  return match[1];
}

TEST(FluentConf, TailsTheReceiversLogFilesAcrossRotation) {
  const std::string config = render_fluent_conf(FluentdSpec{});
  EXPECT_EQ(parameter(config, "<source>", "@type"), "tail");
  // The rotated files too: those the receiver keeps while Fluentd was down are read on.
  EXPECT_EQ(parameter(config, "<source>", "path"),
            std::string{kLogDir} + "/*.log," + std::string{kLogDir} + "/*.log.*");
  EXPECT_EQ(parameter(config, "<source>", "tag"), kFluentdTag);
  EXPECT_EQ(parameter(config, "<source>", "follow_inodes"), "true");
  EXPECT_EQ(parameter(config, "<source>", "read_from_head"), "true");
  EXPECT_EQ(parameter(config, "<source>", "rotate_wait"), "0");
  // The read positions must survive a pod restart: they belong on the Fluentd volume.
  EXPECT_TRUE(
      parameter(config, "<source>", "pos_file").starts_with(std::string{kFluentdStateDir} + "/"));
  // ... where the receiver reads them (P2L_SHIPPER_POS_FILE).
  EXPECT_EQ(parameter(config, "<source>", "pos_file"), kFluentdPosFile);
}

TEST(FluentConf, HasAMonitorAgentOnLoopbackForTheLivenessProbe) {
  const std::string config = render_fluent_conf(FluentdSpec{});
  const std::string agent = "<source>\n  @type monitor_agent";
  EXPECT_EQ(parameter(config, agent, "bind"), "127.0.0.1");
  EXPECT_EQ(parameter(config, agent, "port"), std::to_string(kFluentdMonitorPort));
  EXPECT_EQ(parameter(config, agent, "include_config"), "false");
}

TEST(FluentConf, KeepsEveryPostedFieldIncludingTime) {
  const std::string config = render_fluent_conf(FluentdSpec{});
  EXPECT_EQ(parameter(config, "<parse>", "@type"), "json");
  // The json parser's default time_key is "time", which it deletes from the record.
  EXPECT_EQ(parameter(config, "<parse>", "time_key"), "_postDatetimeGMT");
  EXPECT_EQ(parameter(config, "<parse>", "keep_time_key"), "true");
  // No filter rewrites records between the input and the user's output.
  EXPECT_EQ(config.find("<filter"), std::string::npos);
}

TEST(FluentConf, TakesTheEventTimeFromTheReceiveTime) {
  const std::string config = render_fluent_conf(FluentdSpec{});
  // The receiver writes _postDatetimeGMT as %Y-%m-%dT%H:%M:%SZ in UTC.
  EXPECT_EQ(parameter(config, "<parse>", "time_type"), "string");
  EXPECT_EQ(parameter(config, "<parse>", "time_format"), "%Y-%m-%dT%H:%M:%SZ");
  EXPECT_EQ(parameter(config, "<parse>", "utc"), "true");
}

TEST(FluentConf, AppendsTheOutputConfigVerbatimAfterTheInput) {
  FluentdSpec fluentd;
  fluentd.output_config = "<match post2log>\n  @type null\n</match>\n\n\n";
  const std::string config = render_fluent_conf(fluentd);
  EXPECT_TRUE(
      config.ends_with("</source>\n\n# Output: spec.fluentd.outputConfig of the Post2Log, "
                       "as written there.\n<match post2log>\n  @type null\n</match>\n"))
      << config;
  EXPECT_LT(config.find("<source>"), config.find("<match post2log>"));
}

TEST(FluentConf, EndsWithOneNewlineWhateverTheInput) {
  FluentdSpec fluentd;
  fluentd.output_config = "<match post2log>\n  @type null\n</match>";
  EXPECT_TRUE(render_fluent_conf(fluentd).ends_with("</match>\n"));
  EXPECT_FALSE(render_fluent_conf(fluentd).ends_with("\n\n"));
}

TEST(FluentConf, IsItselfWellFormed) {
  EXPECT_TRUE(check_output_config(render_fluent_conf(FluentdSpec{})).empty());
}

}  // namespace
}  // namespace p2l
