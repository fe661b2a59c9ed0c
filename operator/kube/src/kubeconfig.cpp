#include "p2l/kube/kubeconfig.hpp"

#include <cpprest/asyncrt_utils.h>

#include <fstream>
#include <sstream>

#include "p2l/kube/errors.hpp"
#include "p2l/read_file.hpp"
#include "p2l/yaml_json.hpp"

namespace p2l::kube {

namespace {

using nlohmann::json;

std::optional<std::string> optional_string(const json& j, const char* field) {
  const auto it = j.find(field);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw ConfigError(std::string(field) + ": must be a string");
  return it->get<std::string>();
}

std::string required_string(const json& j, const char* field) {
  auto value = optional_string(j, field);
  if (!value || value->empty()) throw ConfigError(std::string(field) + ": is required");
  return *value;
}

bool optional_bool(const json& j, const char* field) {
  const auto it = j.find(field);
  if (it == j.end() || it->is_null()) return false;
  if (!it->is_boolean()) throw ConfigError(std::string(field) + ": must be true or false");
  return it->get<bool>();
}

void set_optional(json& j, const char* field, const std::optional<std::string>& value) {
  if (value) j[field] = *value;
}

std::string read_required_file(const std::filesystem::path& file) {
  auto text = read_file(file);
  if (!text) throw ConfigError("cannot read " + file.string());
  return *text;
}

// Relative file names in a kubeconfig are relative to that kubeconfig's directory.
void make_absolute(std::optional<std::string>& file, const std::filesystem::path& kubeconfig) {
  if (!file || file->empty()) return;
  const std::filesystem::path path(*file);
  if (path.is_relative()) *file = (kubeconfig.parent_path() / path).lexically_normal().string();
}

// Reads one named list ("clusters", "users", "contexts") of one file into `into`, keeping
// entries already there (an earlier file wins).
template <typename Entry>
void merge_named_list(const json& document, const char* list, const char* inner,
                      const std::filesystem::path& file, std::map<std::string, Entry>& into,
                      std::map<std::string, std::filesystem::path>& files) {
  const auto it = document.find(list);
  if (it == document.end() || it->is_null()) return;
  const std::string where = "kubeconfig " + file.string() + ": " + list;
  if (!it->is_array()) throw ConfigError(where + ": must be a list");
  for (std::size_t index = 0; index < it->size(); ++index) {
    const json& item = (*it)[index];
    const std::string at = where + "[" + std::to_string(index) + "]";
    if (!item.is_object()) throw ConfigError(at + ": must be a mapping");
    std::string name;
    try {
      name = required_string(item, "name");
    } catch (const ConfigError& error) {
      throw ConfigError(at + "." + error.what());
    }
    if (into.contains(name)) continue;
    const auto body = item.find(inner);
    if (body == item.end() || !body->is_object()) {
      throw ConfigError(where + "[" + name + "]." + inner + ": must be a mapping");
    }
    try {
      into.emplace(name, body->get<Entry>());
    } catch (const ConfigError& error) {
      throw ConfigError(where + "[" + name + "]." + inner + "." + error.what());
    }
    files.emplace(name, file);
  }
}

// cpprestsdk's decoder takes only the canonical form; a kubeconfig may wrap the text or leave
// the padding out, as this reader has always allowed.
std::string decode_base64(const std::string& text, const std::string& field) {
  std::string canonical;
  for (const char c : text) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') canonical += c;
  }
  while (canonical.ends_with('='))
    canonical.pop_back();
  canonical.append((4 - canonical.size() % 4) % 4, '=');
  try {
    const auto bytes = utility::conversions::from_base64(canonical);
    return {bytes.begin(), bytes.end()};
  } catch (const std::exception& error) {
    throw ConfigError(field + ": not valid base64 (" + error.what() + ")");
  }
}

// PEM text from `data` (base64) or `file`; empty when neither is set.
std::string pem_from(const std::optional<std::string>& data, const std::optional<std::string>& file,
                     const std::string& where, const char* data_field, const char* file_field) {
  if (data && !data->empty()) {
    return decode_base64(*data, where + "." + data_field);
  }
  if (file && !file->empty()) {
    try {
      return read_required_file(*file);
    } catch (const ConfigError& error) {
      throw ConfigError(where + "." + file_field + ": " + error.what());
    }
  }
  return {};
}

}  // namespace

void from_json(const json& j, KubeconfigCluster& cluster) {
  cluster.server = required_string(j, "server");
  cluster.certificate_authority = optional_string(j, "certificate-authority");
  cluster.certificate_authority_data = optional_string(j, "certificate-authority-data");
  cluster.insecure_skip_tls_verify = optional_bool(j, "insecure-skip-tls-verify");
  cluster.proxy_url = optional_string(j, "proxy-url");
}

// users[].user.exec, as client-go reads it.
ExecConfig exec_from_json(const json& j) {
  if (!j.is_object()) throw ConfigError("exec: must be a mapping");
  ExecConfig exec;
  try {
    exec.command = required_string(j, "command");
    exec.api_version = required_string(j, "apiVersion");
    exec.interactive_mode = optional_string(j, "interactiveMode").value_or("IfAvailable");
    exec.install_hint = optional_string(j, "installHint").value_or("");
  } catch (const ConfigError& error) {
    throw ConfigError(std::string("exec.") + error.what());
  }
  if (exec.api_version != "client.authentication.k8s.io/v1" &&
      exec.api_version != "client.authentication.k8s.io/v1beta1") {
    throw ConfigError("exec.apiVersion: " + exec.api_version +
                      " is not supported (client.authentication.k8s.io/v1 or v1beta1)");
  }
  if (exec.interactive_mode != "Never" && exec.interactive_mode != "IfAvailable" &&
      exec.interactive_mode != "Always") {
    throw ConfigError("exec.interactiveMode: must be Never, IfAvailable or Always");
  }
  if (const auto args = j.find("args"); args != j.end() && !args->is_null()) {
    if (!args->is_array()) throw ConfigError("exec.args: must be a list of strings");
    for (const json& arg : *args) {
      if (!arg.is_string()) throw ConfigError("exec.args: must be a list of strings");
      exec.args.push_back(arg.get<std::string>());
    }
  }
  if (const auto env = j.find("env"); env != j.end() && !env->is_null()) {
    if (!env->is_array()) throw ConfigError("exec.env: must be a list of {name, value}");
    for (const json& item : *env) {
      if (!item.is_object()) throw ConfigError("exec.env: must be a list of {name, value}");
      exec.env.emplace_back(required_string(item, "name"),
                            optional_string(item, "value").value_or(""));
    }
  }
  return exec;
}

void from_json(const json& j, KubeconfigUser& user) {
  user.client_certificate = optional_string(j, "client-certificate");
  user.client_certificate_data = optional_string(j, "client-certificate-data");
  user.client_key = optional_string(j, "client-key");
  user.client_key_data = optional_string(j, "client-key-data");
  user.token = optional_string(j, "token");
  user.token_file = optional_string(j, "tokenFile");
  if (const auto exec = j.find("exec"); exec != j.end() && !exec->is_null()) {
    user.exec = exec_from_json(*exec);
  }
  // Rather than send requests unauthenticated, name what this client cannot do.
  if (j.contains("auth-provider")) {
    throw ConfigError(
        "auth-provider: not supported (it was removed from kubectl too); use an exec "
        "credential plugin (users[].user.exec), e.g. gke-gcloud-auth-plugin or kubelogin");
  }
  if (j.contains("username") || j.contains("password")) {
    throw ConfigError(
        "username/password: basic authentication is not supported; use a token, "
        "a client certificate or an exec credential plugin");
  }
}

void from_json(const json& j, KubeconfigContext& context) {
  context.cluster = required_string(j, "cluster");
  context.user = optional_string(j, "user").value_or("");
  context.namespace_name = optional_string(j, "namespace");
}

void to_json(json& j, const KubeconfigCluster& cluster) {
  j = json{{"server", cluster.server}};
  set_optional(j, "certificate-authority", cluster.certificate_authority);
  set_optional(j, "certificate-authority-data", cluster.certificate_authority_data);
  if (cluster.insecure_skip_tls_verify) j["insecure-skip-tls-verify"] = true;
  set_optional(j, "proxy-url", cluster.proxy_url);
}

void to_json(json& j, const KubeconfigUser& user) {
  j = json::object();
  set_optional(j, "client-certificate", user.client_certificate);
  set_optional(j, "client-certificate-data", user.client_certificate_data);
  set_optional(j, "client-key", user.client_key);
  set_optional(j, "client-key-data", user.client_key_data);
  set_optional(j, "token", user.token);
  set_optional(j, "tokenFile", user.token_file);
  if (user.exec) {
    json env = json::array();
    for (const auto& [name, value] : user.exec->env)
      env.push_back({{"name", name}, {"value", value}});
    j["exec"] = {{"command", user.exec->command},
                 {"args", user.exec->args},
                 {"env", env},
                 {"apiVersion", user.exec->api_version},
                 {"interactiveMode", user.exec->interactive_mode}};
    if (!user.exec->install_hint.empty()) j["exec"]["installHint"] = user.exec->install_hint;
  }
}

void to_json(json& j, const KubeconfigContext& context) {
  j = json{{"cluster", context.cluster}, {"user", context.user}};
  set_optional(j, "namespace", context.namespace_name);
}

std::vector<std::filesystem::path> split_kubeconfig_list(std::string_view value) {
  std::vector<std::filesystem::path> files;
  std::size_t start = 0;
  while (start <= value.size()) {
    const std::size_t end = std::min(value.find(':', start), value.size());
    if (end > start) files.emplace_back(std::string(value.substr(start, end - start)));
    start = end + 1;
  }
  return files;
}

Kubeconfig read_kubeconfig(const std::vector<std::filesystem::path>& files) {
  Kubeconfig config;
  int read_count = 0;
  for (const auto& file : files) {
    // Like kubectl: a KUBECONFIG entry that does not exist is skipped.
    if (files.size() > 1 && !std::filesystem::exists(file)) continue;
    const std::string text = read_required_file(file);
    // The YAML reader kubectl's rules use (YAML 1.1: `insecure-skip-tls-verify: yes` is true).
    YamlLoadResult loaded = load_yaml_documents(text);
    if (loaded.error) {
      throw ConfigError("kubeconfig " + file.string() + ": not valid YAML: line " +
                        std::to_string(loaded.error->line.value_or(0)) + ": " +
                        loaded.error->message);
    }
    ++read_count;
    if (loaded.documents.empty() || loaded.documents.front().value.is_null()) continue;  // empty
    const json document = std::move(loaded.documents.front().value);
    if (!document.is_object()) {
      throw ConfigError("kubeconfig " + file.string() + ": must be a YAML mapping");
    }
    merge_named_list(document, "clusters", "cluster", file, config.clusters, config.cluster_files);
    merge_named_list(document, "users", "user", file, config.users, config.user_files);
    merge_named_list(document, "contexts", "context", file, config.contexts, config.context_files);
    // File names inside this file are relative to it.
    for (auto& [name, cluster] : config.clusters) {
      if (config.cluster_files[name] == file) {
        make_absolute(cluster.certificate_authority, file);
      }
    }
    for (auto& [name, user] : config.users) {
      if (config.user_files[name] == file) {
        make_absolute(user.client_certificate, file);
        make_absolute(user.client_key, file);
        make_absolute(user.token_file, file);
      }
    }
    if (config.current_context.empty()) {
      try {
        config.current_context = optional_string(document, "current-context").value_or("");
      } catch (const ConfigError& error) {
        throw ConfigError("kubeconfig " + file.string() + ": " + error.what());
      }
    }
  }
  if (read_count == 0) {
    std::string names;
    for (const auto& file : files)
      names += (names.empty() ? "" : ":") + file.string();
    throw ConfigError("no kubeconfig file found (looked for " + names + ")");
  }
  return config;
}

Connection connection_from_kubeconfig(const Kubeconfig& config, const std::string& context) {
  const std::string context_name = context.empty() ? config.current_context : context;
  if (context_name.empty()) {
    throw ConfigError("kubeconfig: current-context is not set and no context was given");
  }
  const auto found_context = config.contexts.find(context_name);
  if (found_context == config.contexts.end()) {
    throw ConfigError("kubeconfig: context \"" + context_name + "\" is not defined");
  }
  const KubeconfigContext& selected = found_context->second;
  const std::string context_where = "kubeconfig " + config.context_files.at(context_name).string() +
                                    ": contexts[" + context_name + "].context";
  const auto found_cluster = config.clusters.find(selected.cluster);
  if (found_cluster == config.clusters.end()) {
    throw ConfigError(context_where + ".cluster: cluster \"" + selected.cluster +
                      "\" is not defined");
  }
  const KubeconfigCluster& cluster = found_cluster->second;
  const std::string cluster_where = "kubeconfig " +
                                    config.cluster_files.at(selected.cluster).string() +
                                    ": clusters[" + selected.cluster + "].cluster";

  Connection connection;
  connection.source = "kubeconfig context " + context_name;
  connection.server = cluster.server;
  while (connection.server.ends_with('/'))
    connection.server.pop_back();
  connection.insecure_skip_tls_verify = cluster.insecure_skip_tls_verify;
  connection.proxy_url = cluster.proxy_url.value_or("");
  connection.ca_pem =
      pem_from(cluster.certificate_authority_data, cluster.certificate_authority, cluster_where,
               "certificate-authority-data", "certificate-authority");
  // Files (not inline data) are watched for rotation by the transport.
  const auto file_of = [](const std::optional<std::string>& data,
                          const std::optional<std::string>& file) -> std::filesystem::path {
    if ((data && !data->empty()) || !file) return {};
    return *file;
  };
  connection.ca_file = file_of(cluster.certificate_authority_data, cluster.certificate_authority);
  if (selected.namespace_name && !selected.namespace_name->empty()) {
    connection.namespace_name = *selected.namespace_name;
  }

  if (!selected.user.empty()) {
    const auto found_user = config.users.find(selected.user);
    if (found_user == config.users.end()) {
      throw ConfigError(context_where + ".user: user \"" + selected.user + "\" is not defined");
    }
    const KubeconfigUser& user = found_user->second;
    const std::string user_where = "kubeconfig " + config.user_files.at(selected.user).string() +
                                   ": users[" + selected.user + "].user";
    connection.client_cert_pem =
        pem_from(user.client_certificate_data, user.client_certificate, user_where,
                 "client-certificate-data", "client-certificate");
    connection.client_key_pem = pem_from(user.client_key_data, user.client_key, user_where,
                                         "client-key-data", "client-key");
    connection.client_cert_file = file_of(user.client_certificate_data, user.client_certificate);
    connection.client_key_file = file_of(user.client_key_data, user.client_key);
    if (connection.client_cert_pem.empty() != connection.client_key_pem.empty()) {
      throw ConfigError(user_where + ": a client certificate needs a client key and vice versa");
    }
    if (user.token && !user.token->empty()) {
      connection.token = std::make_shared<TokenSource>(*user.token);
    } else if (user.exec) {
      // Run on the first request, so a plugin that fails is reported by the request.
      connection.token = std::make_shared<TokenSource>(*user.exec);
    } else if (user.token_file && !user.token_file->empty()) {
      connection.token = std::make_shared<TokenSource>(*user.token_file, std::chrono::seconds(60));
      try {
        (void)connection.token->current();
      } catch (const ConfigError& error) {
        throw ConfigError(user_where + ".tokenFile: " + error.what());
      }
    }
  }
  return connection;
}

Connection load_kubeconfig(const std::vector<std::filesystem::path>& files,
                           const std::string& context) {
  return connection_from_kubeconfig(read_kubeconfig(files), context);
}

}  // namespace p2l::kube
