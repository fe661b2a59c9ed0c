#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "p2l/kube/connection.hpp"
#include "p2l/kube/exec_credential.hpp"

namespace p2l::kube {

// The parts of a kubeconfig this client understands. File paths are absolute: relative
// ones are resolved against the directory of the file that named them, as kubectl does.
struct KubeconfigCluster {
  std::string server;
  std::optional<std::string> certificate_authority;       // file
  std::optional<std::string> certificate_authority_data;  // base64 PEM
  bool insecure_skip_tls_verify = false;
  std::optional<std::string> proxy_url;  // proxy-url
};

struct KubeconfigUser {
  std::optional<std::string> client_certificate;       // file
  std::optional<std::string> client_certificate_data;  // base64 PEM
  std::optional<std::string> client_key;               // file
  std::optional<std::string> client_key_data;          // base64 PEM
  std::optional<std::string> token;
  std::optional<std::string> token_file;
  std::optional<ExecConfig> exec;  // a credential plugin
};

struct KubeconfigContext {
  std::string cluster;
  std::string user;
  std::optional<std::string> namespace_name;
};

struct Kubeconfig {
  std::map<std::string, KubeconfigCluster> clusters;
  std::map<std::string, KubeconfigUser> users;
  std::map<std::string, KubeconfigContext> contexts;
  std::string current_context;
  // Which file each entry came from, for error messages.
  std::map<std::string, std::filesystem::path> cluster_files;
  std::map<std::string, std::filesystem::path> user_files;
  std::map<std::string, std::filesystem::path> context_files;
};

void from_json(const nlohmann::json& j, KubeconfigCluster& cluster);
void from_json(const nlohmann::json& j, KubeconfigUser& user);
void from_json(const nlohmann::json& j, KubeconfigContext& context);
void to_json(nlohmann::json& j, const KubeconfigCluster& cluster);
void to_json(nlohmann::json& j, const KubeconfigUser& user);
void to_json(nlohmann::json& j, const KubeconfigContext& context);

// Reads and merges the files in order: the first file that names a cluster, user or context
// (or sets current-context) wins, as with kubectl. Missing files in a KUBECONFIG list are
// skipped; an empty result is an error. Throws ConfigError naming file and field.
Kubeconfig read_kubeconfig(const std::vector<std::filesystem::path>& files);

// Splits a KUBECONFIG value at ':' and drops empty entries.
std::vector<std::filesystem::path> split_kubeconfig_list(std::string_view value);

// Resolves `context` (or the current-context) into a Connection, reading certificate files.
Connection connection_from_kubeconfig(const Kubeconfig& config, const std::string& context = {});

// read_kubeconfig + connection_from_kubeconfig.
Connection load_kubeconfig(const std::vector<std::filesystem::path>& files,
                           const std::string& context = {});

}  // namespace p2l::kube
