#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>

// What the receiver and the operator that deploys it must agree on: the environment the
// receiver reads, the paths it keeps for itself, its log levels and the ranges it accepts.
// The receiver checks its settings against these; the operator validates a Post2Log against
// them and renders the environment with these names, so the two cannot drift apart.
namespace p2l::receiver_contract {

// The environment.
inline constexpr std::string_view kEnvHost = "P2L_HOST";
inline constexpr std::string_view kEnvPort = "P2L_PORT";
inline constexpr std::string_view kEnvEndpoint = "P2L_ENDPOINT";
inline constexpr std::string_view kEnvLogQueryParams = "P2L_LOG_QUERYPARAM";
inline constexpr std::string_view kEnvWorkers = "P2L_WORKERS";
inline constexpr std::string_view kEnvRotationBytes = "P2L_ROTBYTES";
inline constexpr std::string_view kEnvRotationBackups = "P2L_ROTBACKUPS";
inline constexpr std::string_view kEnvLogLevel = "P2L_LOGLEVEL";
inline constexpr std::string_view kEnvLogDir = "P2L_LOG_DIR";
inline constexpr std::string_view kEnvMaxBodyBytes = "P2L_MAX_BODY_BYTES";
inline constexpr std::string_view kEnvKeepaliveTimeout = "P2L_KEEPALIVE_TIMEOUT";
inline constexpr std::string_view kEnvHeaderTimeout = "P2L_HEADER_TIMEOUT";
inline constexpr std::string_view kEnvMaxConnections = "P2L_MAX_CONNECTIONS";
inline constexpr std::string_view kEnvRequestTimeout = "P2L_REQUEST_TIMEOUT";
inline constexpr std::string_view kEnvDrainTimeout = "P2L_DRAIN_TIMEOUT";
inline constexpr std::string_view kEnvFsync = "P2L_FSYNC";
inline constexpr std::string_view kEnvShipperPosFile = "P2L_SHIPPER_POS_FILE";
inline constexpr std::string_view kEnvMinFreeBytes = "P2L_MIN_FREE_BYTES";
inline constexpr std::string_view kEnvPodName = "POD_NAME";
inline constexpr std::string_view kEnvNodeName = "NODE_NAME";

// Inclusive ranges of the numeric settings.
struct Range {
  std::uint64_t min;
  std::uint64_t max;
  [[nodiscard]] constexpr bool contains(std::uint64_t value) const {
    return value >= min && value <= max;
  }
};
inline constexpr Range kPortRange{0, 65535};  // 0: any free port
inline constexpr Range kWorkersRange{1, 64};
inline constexpr Range kRotationBackupsRange{1, 1000};
inline constexpr Range kTimeoutSecondsRange{1, 86400};

// Paths the receiver answers itself (GET and HEAD), never as the postback endpoint.
inline constexpr std::string_view kHealthPath = "/healthz";
inline constexpr std::string_view kReadyPath = "/readyz";
inline constexpr std::string_view kMetricsPath = "/metrics";
inline constexpr std::array kReservedPaths{kHealthPath, kReadyPath, kMetricsPath};
[[nodiscard]] constexpr bool is_reserved_path(std::string_view path) {
  return std::find(kReservedPaths.begin(), kReservedPaths.end(), path) != kReservedPaths.end();
}

// P2L_LOGLEVEL, lowercase.
inline constexpr std::array<std::string_view, 6> kLogLevels{"trace",   "debug", "info",
                                                            "warning", "error", "critical"};
[[nodiscard]] constexpr bool is_log_level(std::string_view level) {
  return std::find(kLogLevels.begin(), kLogLevels.end(), level) != kLogLevels.end();
}

}  // namespace p2l::receiver_contract
