#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "p2l/kube/token_source.hpp"

namespace p2l::kube {

// Everything needed to reach and authenticate to one API server, resolved from a kubeconfig
// or the in-cluster environment. Certificates and keys are PEM text, already read from files.
struct Connection {
  std::string server;  // e.g. https://127.0.0.1:6443
  std::string ca_pem;  // empty: the system's trust store
  std::string client_cert_pem;
  std::string client_key_pem;
  // Where the PEM material came from, when from files: certificates rotate, and a changed file
  // is read again before the next request (empty: inline data, fixed).
  std::filesystem::path ca_file;
  std::filesystem::path client_cert_file;
  std::filesystem::path client_key_file;
  bool insecure_skip_tls_verify = false;
  std::string proxy_url;  // the kubeconfig's proxy-url; empty: HTTPS_PROXY and NO_PROXY decide
  std::shared_ptr<TokenSource> token;  // null: no bearer token
  std::string namespace_name = "default";
  std::string source;  // where this came from, for diagnostics
  // Sent as User-Agent on every request (empty: the HTTP library's own). The API server names
  // a writer's managedFields entry after it when the request gives no fieldManager, and logs
  // it in its audit records.
  std::string user_agent;
};

// The in-cluster files and environment; tests point these elsewhere.
struct InClusterSettings {
  std::filesystem::path token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::filesystem::path ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::filesystem::path namespace_file = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
  std::optional<std::string> service_host;  // unset: KUBERNETES_SERVICE_HOST
  std::optional<std::string> service_port;  // unset: KUBERNETES_SERVICE_PORT
  std::chrono::seconds token_max_age{60};
};

// True when KUBERNETES_SERVICE_HOST (or the override) is set.
bool running_in_cluster(const InClusterSettings& settings = {});

// Throws ConfigError naming the missing variable or file.
Connection load_in_cluster(const InClusterSettings& settings = {});

// Resolution as operators usually do it: an explicit path, then KUBECONFIG (several files
// separated by ':'), then in-cluster, then ~/.kube/config. `context` overrides the
// current-context when not empty.
Connection load_connection(const std::optional<std::filesystem::path>& explicit_kubeconfig = {},
                           const std::string& context = {});

}  // namespace p2l::kube
