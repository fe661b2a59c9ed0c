#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "p2l/policy.hpp"
#include "p2l/render.hpp"

namespace p2l {

inline constexpr int kExitSuccess = 0;
inline constexpr int kExitInvalidInput = 1;
inline constexpr int kExitUsage = 2;

struct HelpRequest {};
struct VersionRequest {};
struct RenderRequest {
  std::string file;  // "-" for standard input
  RenderOptions options;
  Policy policy;
};
// `run` (also the command when none is given): the controller.
struct RunRequest {
  std::optional<std::string> kubeconfig;  // unset: KUBECONFIG, else in-cluster
  std::vector<std::string> namespaces;    // empty: every namespace
  std::string metrics_bind_address = "127.0.0.1:8080";
  bool leader_elect = false;
  std::string leader_election_namespace;  // empty: the connection's namespace
  RenderOptions options;
  Policy policy;
  int concurrency = 2;
  std::chrono::seconds resync_period{600};
  // Check each new Fluentd configuration in a Job (--skip-fluentd-config-check turns it off).
  bool check_fluentd_config = true;
};
struct UsageError {
  std::string message;
};

using Command = std::variant<HelpRequest, VersionRequest, RenderRequest, RunRequest, UsageError>;

// Parses the arguments after the program name.
[[nodiscard]] Command parse_command_line(const std::vector<std::string_view>& args);

// "90s", "10m", "1h30m" (Go's duration syntax, whole seconds); nullopt when malformed.
[[nodiscard]] std::optional<std::chrono::seconds> parse_duration(std::string_view text);

// Every command and flag.
[[nodiscard]] std::string help_text();

}  // namespace p2l
