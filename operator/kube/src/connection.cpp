#include "p2l/kube/connection.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "p2l/kube/errors.hpp"
#include "p2l/kube/kubeconfig.hpp"
#include "p2l/read_file.hpp"

namespace p2l::kube {
namespace {

std::optional<std::string> environment(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read at startup
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

std::string read_in_cluster_file(const std::filesystem::path& file) {
  auto text = read_file(file);
  if (!text) throw ConfigError("in-cluster configuration: cannot read " + file.string());
  return *text;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

}  // namespace

bool running_in_cluster(const InClusterSettings& settings) {
  return settings.service_host ? !settings.service_host->empty()
                               : environment("KUBERNETES_SERVICE_HOST").has_value();
}

Connection load_in_cluster(const InClusterSettings& settings) {
  const auto host =
      settings.service_host ? settings.service_host : environment("KUBERNETES_SERVICE_HOST");
  const auto port =
      settings.service_port ? settings.service_port : environment("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty()) {
    throw ConfigError("in-cluster configuration: KUBERNETES_SERVICE_HOST is not set");
  }
  if (!port || port->empty()) {
    throw ConfigError("in-cluster configuration: KUBERNETES_SERVICE_PORT is not set");
  }
  Connection connection;
  connection.source = "in-cluster service account";
  const bool ipv6 = host->find(':') != std::string::npos;
  connection.server = "https://" + (ipv6 ? "[" + *host + "]" : *host) + ":" + *port;
  connection.ca_pem = read_in_cluster_file(settings.ca_file);
  connection.ca_file = settings.ca_file;
  connection.token = std::make_shared<TokenSource>(settings.token_file, settings.token_max_age);
  try {
    (void)connection.token->current();
  } catch (const ConfigError& error) {
    throw ConfigError(std::string("in-cluster configuration: ") + error.what());
  }
  // The namespace file is absent when automounting is partial; "default" is what
  // client libraries fall back to.
  if (std::filesystem::exists(settings.namespace_file)) {
    const std::string namespace_name = trimmed(read_in_cluster_file(settings.namespace_file));
    if (!namespace_name.empty()) connection.namespace_name = namespace_name;
  }
  return connection;
}

Connection load_connection(const std::optional<std::filesystem::path>& explicit_kubeconfig,
                           const std::string& context) {
  if (explicit_kubeconfig && !explicit_kubeconfig->empty()) {
    return load_kubeconfig({*explicit_kubeconfig}, context);
  }
  if (const auto list = environment("KUBECONFIG")) {
    return load_kubeconfig(split_kubeconfig_list(*list), context);
  }
  if (running_in_cluster()) return load_in_cluster();
  const auto home = environment("HOME");
  if (!home) throw ConfigError("no kubeconfig: KUBECONFIG and HOME are unset, not in a cluster");
  return load_kubeconfig({std::filesystem::path(*home) / ".kube" / "config"}, context);
}

}  // namespace p2l::kube
