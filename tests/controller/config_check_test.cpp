#include "p2l/controller/config_check.hpp"

#include <gtest/gtest.h>

namespace p2l::controller {
namespace {

using nlohmann::json;

json job(const std::string& hash, const std::string& condition = "") {
  json value{
      {"metadata",
       {{"name", "demo-fcheck"}, {"annotations", {{"post2log.io/fluentd-config-hash", hash}}}}},
      {"status", json::object()}};
  if (!condition.empty()) {
    value["status"]["conditions"] = json::array({{{"type", condition}, {"status", "True"}}});
  }
  return value;
}

TEST(ConfigCheck, AConfigurationNeverSeenStartsAJob) {
  EXPECT_EQ(decide_config_check({.hash = "new"}), CheckStep::start_job);
}

TEST(ConfigCheck, AJobOfAnotherConfigurationIsReplaced) {
  const json old = job("old");
  EXPECT_EQ(decide_config_check({.hash = "new", .job = &old}), CheckStep::start_job);
}

TEST(ConfigCheck, AJobBeingDeletedIsNotWaitedFor) {
  json going = job("new");
  going["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  EXPECT_EQ(decide_config_check({.hash = "new", .job = &going}), CheckStep::start_job);
}

TEST(ConfigCheck, ItsJobRunningIsWaitedFor) {
  const json running = job("new");
  EXPECT_EQ(decide_config_check({.hash = "new", .job = &running}), CheckStep::wait);
}

TEST(ConfigCheck, ItsJobsVerdictIsRecorded) {
  const json complete = job("new", "Complete");
  const json failed = job("new", "Failed");
  EXPECT_EQ(decide_config_check({.hash = "new", .job = &complete}), CheckStep::record_pass);
  EXPECT_EQ(decide_config_check({.hash = "new", .job = &failed}), CheckStep::record_fail);
}

TEST(ConfigCheck, ARecordedVerdictIsKeptWithoutAJob) {
  const ConfigCheckRecord passed{.hash = "new", .passed = true};
  const ConfigCheckRecord failed{.hash = "new", .passed = false, .message = "no plugin"};
  EXPECT_EQ(decide_config_check({.hash = "new", .record = passed}), CheckStep::proceed);
  EXPECT_EQ(decide_config_check({.hash = "new", .record = failed}), CheckStep::rejected);
  // A verdict on another configuration says nothing of this one.
  EXPECT_EQ(decide_config_check({.hash = "other", .record = passed}), CheckStep::start_job);
}

TEST(ConfigCheck, WhatTheShardsRunAlreadyNeedsNoCheck) {
  const ConfigCheckRecord failed{.hash = "bad", .passed = false};
  EXPECT_EQ(decide_config_check({.hash = "running", .record = failed, .shards_run_it = true}),
            CheckStep::proceed);
}

TEST(ConfigCheck, TheRecordRoundTripsThroughTheStatus) {
  const ConfigCheckRecord record{.hash = "abc", .passed = false, .message = "Unknown output"};
  EXPECT_EQ(config_check_record(json{{"fluentdConfigCheck", to_json(record)}}), record);
  EXPECT_EQ(config_check_record(json(nullptr)), std::nullopt);
  EXPECT_EQ(config_check_record(json{{"ready", "1/1"}}), std::nullopt);
}

TEST(ConfigCheck, JobStateReadsTheTrueCondition) {
  EXPECT_EQ(job_state(job("h")), JobState::running);
  EXPECT_EQ(job_state(job("h", "Complete")), JobState::succeeded);
  EXPECT_EQ(job_state(job("h", "Failed")), JobState::failed);
  json suspended = job("h");
  suspended["status"]["conditions"] = json::array({{{"type", "Failed"}, {"status", "False"}}});
  EXPECT_EQ(job_state(suspended), JobState::running);
}

TEST(ConfigCheck, TheSummaryKeepsFluentdsErrorLines) {
  const std::string output =
      "2026-01-01 00:00:00 +0000 [info]: parsing config file is succeeded\n"
      "2026-01-01 00:00:01 +0000 [error]: config error error=\"Unknown output plugin 'x'\"\n"
      "2026-01-01 00:00:01 +0000 [error]: config error error=\"Unknown output plugin 'x'\"\n"
      "bye\n";
  EXPECT_EQ(fluentd_error_summary(output),
            "2026-01-01 00:00:01 +0000 [error]: config error error=\"Unknown output plugin 'x'\"");
  EXPECT_EQ(fluentd_error_summary("sh: 1: fluentd: not found\n\n"), "sh: 1: fluentd: not found");
  EXPECT_EQ(fluentd_error_summary(""), "no output");
  EXPECT_LE(fluentd_error_summary(std::string(5000, 'e') + " [error]").size(), 1024u);
}

}  // namespace
}  // namespace p2l::controller
