#include "config.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>

namespace p2l {
namespace {

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

[[noreturn]] void invalid(const std::string& name, const std::string& value,
                          const std::string& expected) {
  throw ConfigError(name + "=\"" + value + "\" is invalid: expected " + expected);
}

std::uint64_t parse_unsigned(const std::string& name, const std::string& value, std::uint64_t min,
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

bool parse_bool(const std::string& name, const std::string& value) {
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
  auto read = [&lookup](const char* name) -> std::optional<std::string> {
    auto value = lookup(name);
    if (value && value->empty()) return std::nullopt;  // set but empty: the default
    return value;
  };
  auto read_seconds = [&read](const char* name, std::chrono::seconds& out) {
    if (auto value = read(name)) {
      out = std::chrono::seconds(parse_unsigned(name, *value, 1, 86400));
    }
  };

  if (auto value = read("P2L_HOST")) {
    std::array<unsigned char, sizeof(in6_addr)> address{};
    if (inet_pton(AF_INET, value->c_str(), address.data()) != 1 &&
        inet_pton(AF_INET6, value->c_str(), address.data()) != 1) {
      invalid("P2L_HOST", *value, "an IPv4 or IPv6 address such as 0.0.0.0 or ::");
    }
    config.host = *value;
  }
  if (auto value = read("P2L_PORT")) {
    config.port = static_cast<std::uint16_t>(parse_unsigned("P2L_PORT", *value, 0, 65535));
  }
  if (auto value = read("P2L_ENDPOINT")) {
    const bool absolute = value->front() == '/';
    const bool plain = value->find_first_of("?# \t") == std::string::npos;
    if (!absolute || !plain) invalid("P2L_ENDPOINT", *value, "an absolute path like /postback");
    if (*value == "/healthz" || *value == "/readyz" || *value == "/metrics") {
      invalid("P2L_ENDPOINT", *value, "a path other than /healthz, /readyz and /metrics");
    }
    config.endpoint = *value;
  }
  if (auto value = read("P2L_LOG_QUERYPARAM")) {
    config.log_query_params = parse_bool("P2L_LOG_QUERYPARAM", *value);
  }
  if (auto value = read("P2L_WORKERS")) {
    config.workers = static_cast<unsigned>(parse_unsigned("P2L_WORKERS", *value, 1, 64));
  }
  if (auto value = read("P2L_ROTBYTES")) {
    config.rotation_bytes =
        parse_unsigned("P2L_ROTBYTES", *value, 0, std::numeric_limits<std::int64_t>::max());
  }
  if (auto value = read("P2L_ROTBACKUPS")) {
    config.rotation_backups =
        static_cast<unsigned>(parse_unsigned("P2L_ROTBACKUPS", *value, 1, 1000));
  }
  if (auto value = read("P2L_LOGLEVEL")) {
    static constexpr std::array kLevels = {"trace",   "debug", "info",
                                           "warning", "error", "critical"};
    const std::string level = lowercase(*value);
    if (std::find(kLevels.begin(), kLevels.end(), level) == kLevels.end()) {
      invalid("P2L_LOGLEVEL", *value, "one of trace, debug, info, warning, error, critical");
    }
    config.log_level = level;
  }
  if (auto value = read("P2L_LOG_DIR")) config.log_dir = *value;
  if (auto value = read("P2L_MAX_BODY_BYTES")) {
    config.max_body_bytes = parse_unsigned("P2L_MAX_BODY_BYTES", *value, 1, 1ULL << 30);
  }
  read_seconds("P2L_KEEPALIVE_TIMEOUT", config.keepalive_timeout);
  read_seconds("P2L_HEADER_TIMEOUT", config.header_timeout);
  if (auto value = read("P2L_MAX_CONNECTIONS")) {
    config.max_connections =
        static_cast<unsigned>(parse_unsigned("P2L_MAX_CONNECTIONS", *value, 1, 65536));
  }
  read_seconds("P2L_REQUEST_TIMEOUT", config.request_timeout);
  read_seconds("P2L_DRAIN_TIMEOUT", config.drain_timeout);
  if (auto value = read("P2L_FSYNC")) config.fsync = parse_bool("P2L_FSYNC", *value);
  if (auto value = read("P2L_SHIPPER_POS_FILE")) config.shipper_pos_file = *value;
  if (auto value = read("P2L_MIN_FREE_BYTES")) {
    config.min_free_bytes =
        parse_unsigned("P2L_MIN_FREE_BYTES", *value, 0, std::numeric_limits<std::int64_t>::max());
  } else {
    config.min_free_bytes = default_min_free_bytes(config.workers, config.rotation_bytes);
  }
  config.pod_name = read("POD_NAME").value_or(host_name);
  config.node_name = read("NODE_NAME").value_or(host_name);
  return config;
}

}  // namespace p2l
