#pragma once

#include <functional>
#include <optional>
#include <string>

namespace p2l::kube {

// Reads an environment variable (std::getenv in production, a map in tests).
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The proxy a request to `server` goes through, as client-go picks it: the kubeconfig's
// proxy-url when set; else HTTPS_PROXY (https servers) or HTTP_PROXY (http servers), either
// case, unless NO_PROXY names the host ("*", a host name and its subdomains, ".domain" for
// subdomains only, an IP, a CIDR, optionally with ":port"), and never for localhost or a
// loopback address. nullopt: connect directly.
[[nodiscard]] std::optional<std::string> proxy_for(const std::string& server,
                                                   const std::string& proxy_url,
                                                   const EnvironmentLookup& environment);

// std::getenv, as an EnvironmentLookup.
[[nodiscard]] std::optional<std::string> process_environment(const std::string& name);

}  // namespace p2l::kube
