#include "p2l/kube/proxy.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <sstream>
#include <string_view>

namespace p2l::kube {
namespace {

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return std::string{text.substr(first, text.find_last_not_of(" \t") - first + 1)};
}

struct HostPort {
  std::string scheme;
  std::string host;  // lowercase, IPv6 without brackets
  std::string port;
};

HostPort split_server(const std::string& server) {
  HostPort result;
  std::string_view rest = server;
  if (const auto colon = rest.find("://"); colon != std::string_view::npos) {
    result.scheme = lowercase(std::string{rest.substr(0, colon)});
    rest.remove_prefix(colon + 3);
  }
  rest = rest.substr(0, rest.find('/'));
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    result.host = std::string{rest.substr(1, close - 1)};
    if (close + 1 < rest.size() && rest[close + 1] == ':') result.port = rest.substr(close + 2);
  } else if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    result.host = std::string{rest.substr(0, colon)};
    result.port = std::string{rest.substr(colon + 1)};
  } else {
    result.host = std::string{rest};
  }
  result.host = lowercase(result.host);
  if (result.port.empty()) result.port = result.scheme == "http" ? "80" : "443";
  return result;
}

// An IPv4 or IPv6 address as 16 bytes (IPv4 mapped), or none.
std::optional<std::array<unsigned char, 16>> address_of(const std::string& text) {
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) return bytes;
  std::array<unsigned char, 4> v4{};
  if (inet_pton(AF_INET, text.c_str(), v4.data()) == 1) {
    bytes.fill(0);
    bytes[10] = bytes[11] = 0xff;
    std::copy(v4.begin(), v4.end(), bytes.begin() + 12);
    return bytes;
  }
  return std::nullopt;
}

bool is_loopback(const std::string& host) {
  if (host == "localhost" || host.ends_with(".localhost")) return true;
  const auto address = address_of(host);
  if (!address) return false;
  static const std::array<unsigned char, 16> kLoopback6{0, 0, 0, 0, 0, 0, 0, 0,
                                                        0, 0, 0, 0, 0, 0, 0, 1};
  return *address == kLoopback6 || ((*address)[10] == 0xff && (*address)[12] == 127);
}

bool in_cidr(const std::array<unsigned char, 16>& address, const std::string& cidr) {
  const auto slash = cidr.find('/');
  const auto network = address_of(cidr.substr(0, slash));
  if (!network) return false;
  int bits = std::atoi(cidr.c_str() + slash + 1);
  if (cidr.find(':') == std::string::npos) bits += 96;  // IPv4 inside the mapped form
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((address[static_cast<std::size_t>(i)] & mask) !=
        ((*network)[static_cast<std::size_t>(i)] & mask)) {
      return false;
    }
  }
  return true;
}

bool no_proxy_matches(const std::string& list, const HostPort& target) {
  std::istringstream entries(list);
  std::string entry;
  const auto target_address = address_of(target.host);
  while (std::getline(entries, entry, ',')) {
    entry = lowercase(trim(entry));
    if (entry.empty()) continue;
    if (entry == "*") return true;
    if (entry.find('/') != std::string::npos) {
      if (target_address && in_cidr(*target_address, entry)) return true;
      continue;
    }
    std::string port;
    if (!address_of(entry)) {  // "host:port" (a bare IPv6 address has colons of its own)
      if (const auto colon = entry.rfind(':'); colon != std::string::npos) {
        port = entry.substr(colon + 1);
        entry = entry.substr(0, colon);
      }
    }
    if (entry.starts_with('[') && entry.ends_with(']')) entry = entry.substr(1, entry.size() - 2);
    if (!port.empty() && port != target.port) continue;
    if (const auto address = address_of(entry)) {
      if (target_address && *address == *target_address) return true;
      continue;
    }
    if (entry.starts_with('.')) {  // subdomains only
      if (target.host.ends_with(entry)) return true;
      continue;
    }
    if (target.host == entry || target.host.ends_with("." + entry)) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> process_environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string{value};
}

std::optional<std::string> proxy_for(const std::string& server, const std::string& proxy_url,
                                     const EnvironmentLookup& environment) {
  if (!proxy_url.empty()) return proxy_url;
  const HostPort target = split_server(server);
  const auto variable = [&](const std::string& upper) -> std::string {
    if (auto value = environment(upper); value && !value->empty()) return *value;
    if (auto value = environment(lowercase(upper)); value && !value->empty()) return *value;
    return {};
  };
  const std::string proxy = variable(target.scheme == "http" ? "HTTP_PROXY" : "HTTPS_PROXY");
  if (proxy.empty() || is_loopback(target.host)) return std::nullopt;
  if (no_proxy_matches(variable("NO_PROXY"), target)) return std::nullopt;
  return proxy;
}

}  // namespace p2l::kube
