#include "p2l/controller/config_check.hpp"

#include "p2l/names.hpp"

namespace p2l::controller {

using nlohmann::json;

std::optional<ConfigCheckRecord> config_check_record(const json& status) {
  if (!status.is_object() || !status.contains("fluentdConfigCheck")) return std::nullopt;
  const json& record = status["fluentdConfigCheck"];
  if (!record.is_object() || !record.contains("hash")) return std::nullopt;
  return ConfigCheckRecord{.hash = record.value("hash", ""),
                           .passed = record.value("result", "") == "Passed",
                           .message = record.value("message", "")};
}

json to_json(const ConfigCheckRecord& record) {
  return json{{"hash", record.hash},
              {"result", record.passed ? "Passed" : "Failed"},
              {"message", record.message}};
}

JobState job_state(const json& job) {
  const json conditions =
      job.contains("status") ? job["status"].value("conditions", json::array()) : json::array();
  for (const json& condition : conditions) {
    if (condition.value("status", "") != "True") continue;
    const std::string type = condition.value("type", "");
    if (type == "Complete") return JobState::succeeded;
    if (type == "Failed") return JobState::failed;
  }
  return JobState::running;
}

std::string fluentd_error_summary(const std::string& output) {
  constexpr std::size_t kLimit = 1024;
  std::string errors;
  std::string last;
  std::size_t start = 0;
  while (start < output.size()) {
    std::size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    std::string line = output.substr(start, end - start);
    start = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
      line.pop_back();
    if (line.empty()) continue;
    last = line;
    if (line.find("[error]") != std::string::npos && errors.find(line) == std::string::npos) {
      errors += (errors.empty() ? "" : "; ") + line;
    }
  }
  std::string summary = errors.empty() ? last : errors;
  if (summary.size() > kLimit) summary = summary.substr(0, kLimit - 3) + "...";
  return summary.empty() ? "no output" : summary;
}

CheckStep decide_config_check(const ConfigCheckInput& input) {
  if (input.record && input.record->hash == input.hash) {
    return input.record->passed ? CheckStep::proceed : CheckStep::rejected;
  }
  // Running already (an operator upgrade, a status lost): nothing to find out.
  if (input.shards_run_it) return CheckStep::proceed;
  const bool job_checks_it = input.job != nullptr && input.job->contains("metadata") &&
                             (*input.job)["metadata"]
                                     .value("annotations", json::object())
                                     .value(std::string{kAnnotationConfigHash}, "") == input.hash &&
                             !(*input.job)["metadata"].contains("deletionTimestamp");
  if (!job_checks_it) return CheckStep::start_job;
  switch (job_state(*input.job)) {
    case JobState::succeeded:
      return CheckStep::record_pass;
    case JobState::failed:
      return CheckStep::record_fail;
    case JobState::running:
      break;
  }
  return CheckStep::wait;
}

}  // namespace p2l::controller
