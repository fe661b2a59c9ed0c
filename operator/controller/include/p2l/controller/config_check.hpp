#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace p2l::controller {

// What the status remembers of the last Fluentd configuration checked
// (status.fluentdConfigCheck), so that each configuration is checked once.
struct ConfigCheckRecord {
  std::string hash;     // sha256 of the fluent.conf
  bool passed = false;  // `fluentd --dry-run` accepted it
  std::string message;  // what Fluentd said when it did not
  friend bool operator==(const ConfigCheckRecord&, const ConfigCheckRecord&) = default;
};
[[nodiscard]] std::optional<ConfigCheckRecord> config_check_record(const nlohmann::json& status);
[[nodiscard]] nlohmann::json to_json(const ConfigCheckRecord& record);

// How a check Job is doing (its Complete and Failed conditions).
enum class JobState { running, succeeded, failed };
[[nodiscard]] JobState job_state(const nlohmann::json& job);

// What the reconciler does about a Post2Log's Fluentd configuration before it touches any
// child.
enum class CheckStep {
  proceed,      // checked and accepted before, or every shard runs it already
  start_job,    // no Job checks this configuration: (re)create it, then wait
  wait,         // its Job runs: change nothing yet
  record_pass,  // its Job succeeded: remember it and go on
  record_fail,  // its Job failed: remember it, report, leave the children as they are
  rejected,     // rejected before: report, leave the children as they are
};

struct ConfigCheckInput {
  std::string hash;                         // of the configuration the spec asks for
  std::optional<ConfigCheckRecord> record;  // from the status
  const nlohmann::json* job = nullptr;      // the live check Job, if there is one
  bool shards_run_it = false;               // every existing shard runs it (and one exists)
};

// What to say of a failed check, from its container's output (the end of Fluentd's log): its
// [error] lines, else its last line; at most 1 KiB.
[[nodiscard]] std::string fluentd_error_summary(const std::string& output);

// Pure: the same input always gives the same step.
[[nodiscard]] CheckStep decide_config_check(const ConfigCheckInput& input);

}  // namespace p2l::controller
