#include "config.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>

#include "p2l/receiver_contract.hpp"

namespace p2l {
namespace {

using namespace receiver_contract;

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

[[noreturn]] void invalid(std::string_view name, const std::string& value,
                          const std::string& expected) {
  throw ConfigError(std::string{name} + "=\"" + value + "\" is invalid: expected " + expected);
}

std::uint64_t parse_unsigned(std::string_view name, const std::string& value, std::uint64_t min,
                             std::uint64_t max) {
  std::uint64_t number = 0;
  const char* end = value.data() + value.size();
  const auto [ptr, error] = std::from_chars(value.data(), end, number);
  const std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (value.empty() || error != std::errc{} || ptr != end || number < min || number > max) {
    invalid(name, value, range);
  }
  return number;
}

bool parse_bool(std::string_view name, const std::string& value) {
  const std::string lowered = lowercase(value);
  if (lowered == "true" || lowered == "1" || lowered == "yes" || lowered == "on") return true;
  if (lowered == "false" || lowered == "0" || lowered == "no" || lowered == "off") return false;
  invalid(name, value, "true or false");
}

}  // namespace

std::uint64_t default_min_free_bytes(unsigned workers, std::uint64_t rotation_bytes) {
  constexpr std::uint64_t kAtLeast = 1024 * 1024;
  // Room for every worker to fill its current file twice before its next rotation; saturating.
  const std::uint64_t per_worker = std::numeric_limits<std::uint64_t>::max() / 2 / workers;
  const std::uint64_t floor = rotation_bytes >= per_worker
                                  ? std::numeric_limits<std::uint64_t>::max()
                                  : 2 * static_cast<std::uint64_t>(workers) * rotation_bytes;
  return std::max(floor, kAtLeast);
}

std::string pod_hash_of(const std::string& pod_name) {
  const auto last = pod_name.rfind('-');
  if (last == std::string::npos || last == 0) return pod_name;
  const auto second_last = pod_name.rfind('-', last - 1);
  if (second_last == std::string::npos) return pod_name;
  return pod_name.substr(second_last + 1);
}

ReceiverConfig load_config(const EnvLookup& lookup, const std::string& host_name) {
  ReceiverConfig config;
  auto read = [&lookup](std::string_view name) -> std::optional<std::string> {
    auto value = lookup(std::string{name});
    if (value && value->empty()) return std::nullopt;  // set but empty: the default
    return value;
  };
  auto read_seconds = [&read](std::string_view name, std::chrono::seconds& out) {
    if (auto value = read(name)) {
      out = std::chrono::seconds(
          parse_unsigned(name, *value, kTimeoutSecondsRange.min, kTimeoutSecondsRange.max));
    }
  };

  if (auto value = read(kEnvHost)) {
    std::array<unsigned char, sizeof(in6_addr)> address{};
    if (inet_pton(AF_INET, value->c_str(), address.data()) != 1 &&
        inet_pton(AF_INET6, value->c_str(), address.data()) != 1) {
      invalid(kEnvHost, *value, "an IPv4 or IPv6 address such as 0.0.0.0 or ::");
    }
    config.host = *value;
  }
  if (auto value = read(kEnvPort)) {
    config.port = static_cast<std::uint16_t>(
        parse_unsigned(kEnvPort, *value, kPortRange.min, kPortRange.max));
  }
  if (auto value = read(kEnvEndpoint)) {
    const bool absolute = value->front() == '/';
    const bool plain = value->find_first_of("?# \t") == std::string::npos;
    if (!absolute || !plain) invalid(kEnvEndpoint, *value, "an absolute path like /postback");
    if (is_reserved_path(*value)) {
      invalid(kEnvEndpoint, *value, "a path other than /healthz, /readyz and /metrics");
    }
    config.endpoint = *value;
  }
  if (auto value = read(kEnvLogQueryParams)) {
    config.log_query_params = parse_bool(kEnvLogQueryParams, *value);
  }
  if (auto value = read(kEnvWorkers)) {
    config.workers = static_cast<unsigned>(
        parse_unsigned(kEnvWorkers, *value, kWorkersRange.min, kWorkersRange.max));
  }
  if (auto value = read(kEnvRotationBytes)) {
    config.rotation_bytes =
        parse_unsigned(kEnvRotationBytes, *value, 0, std::numeric_limits<std::int64_t>::max());
  }
  if (auto value = read(kEnvRotationBackups)) {
    config.rotation_backups = static_cast<unsigned>(parse_unsigned(
        kEnvRotationBackups, *value, kRotationBackupsRange.min, kRotationBackupsRange.max));
  }
  if (auto value = read(kEnvLogLevel)) {
    const std::string level = lowercase(*value);
    if (!is_log_level(level)) {
      invalid(kEnvLogLevel, *value, "one of trace, debug, info, warning, error, critical");
    }
    config.log_level = level;
  }
  if (auto value = read(kEnvLogDir)) config.log_dir = *value;
  if (auto value = read(kEnvMaxBodyBytes)) {
    config.max_body_bytes = parse_unsigned(kEnvMaxBodyBytes, *value, 1, 1ULL << 30);
  }
  read_seconds(kEnvKeepaliveTimeout, config.keepalive_timeout);
  read_seconds(kEnvHeaderTimeout, config.header_timeout);
  if (auto value = read(kEnvMaxConnections)) {
    config.max_connections =
        static_cast<unsigned>(parse_unsigned(kEnvMaxConnections, *value, 1, 65536));
  }
  read_seconds(kEnvRequestTimeout, config.request_timeout);
  read_seconds(kEnvDrainTimeout, config.drain_timeout);
  if (auto value = read(kEnvFsync)) config.fsync = parse_bool(kEnvFsync, *value);
  if (auto value = read(kEnvShipperPosFile)) config.shipper_pos_file = *value;
  if (auto value = read(kEnvMinFreeBytes)) {
    config.min_free_bytes =
        parse_unsigned(kEnvMinFreeBytes, *value, 0, std::numeric_limits<std::int64_t>::max());
  } else {
    config.min_free_bytes = default_min_free_bytes(config.workers, config.rotation_bytes);
  }
  config.pod_name = read(kEnvPodName).value_or(host_name);
  config.node_name = read(kEnvNodeName).value_or(host_name);
  return config;
}

}  // namespace p2l
