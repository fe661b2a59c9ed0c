#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace p2l::kube {

// A kubeconfig's users[].user.exec: a credential plugin (client.authentication.k8s.io), as
// EKS, GKE and AKS kubeconfigs use (aws eks get-token, gke-gcloud-auth-plugin, kubelogin).
struct ExecConfig {
  std::string command;  // run through PATH when it has no '/'
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // added to the operator's own
  std::string api_version = "client.authentication.k8s.io/v1";
  std::string interactive_mode = "IfAvailable";  // Never, IfAvailable or Always
  std::string install_hint;
};

// What the plugin printed: a bearer token, valid until `expiry` when it says so.
struct ExecCredential {
  std::string token;
  std::optional<std::chrono::system_clock::time_point> expiry;
};

// Runs the plugin with KUBERNETES_EXEC_INFO set (never interactive: the operator has no
// terminal) and reads the ExecCredential it prints. Throws ConfigError with the plugin's
// command and what went wrong (not found, with its install hint; exit status; no token; a
// timeout of `timeout`).
ExecCredential run_exec_plugin(const ExecConfig& config,
                               std::chrono::seconds timeout = std::chrono::seconds(60));

// Reads an ExecCredential object (its apiVersion must match `api_version`).
ExecCredential parse_exec_credential(const nlohmann::json& document,
                                     const std::string& api_version);

// RFC 3339 ("2026-01-02T03:04:05Z", fractions and offsets allowed); nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text);

}  // namespace p2l::kube
