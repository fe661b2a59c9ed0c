#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

namespace p2l {

// The receiver's settings. Names and defaults follow the environment
// variables of the original deployment (see README, "Configuration").
struct ReceiverConfig {
  std::string host = "0.0.0.0";                // P2L_HOST
  std::uint16_t port = 80;                     // P2L_PORT (0: any free port)
  std::string endpoint = "/postback";          // P2L_ENDPOINT
  bool log_query_params = true;                // P2L_LOG_QUERYPARAM
  unsigned workers = 1;                        // P2L_WORKERS
  std::uint64_t rotation_bytes = 10485760;     // P2L_ROTBYTES (0: never rotate)
  unsigned rotation_backups = 5;               // P2L_ROTBACKUPS
  std::string log_level = "debug";             // P2L_LOGLEVEL
  std::string log_dir = "/data/logs";          // P2L_LOG_DIR
  std::uint64_t max_body_bytes = 1048576;      // P2L_MAX_BODY_BYTES
  std::chrono::seconds keepalive_timeout{75};  // P2L_KEEPALIVE_TIMEOUT (idle between requests)
  std::chrono::seconds header_timeout{10};     // P2L_HEADER_TIMEOUT (header, from its first byte)
  unsigned max_connections = 1024;             // P2L_MAX_CONNECTIONS (per worker)
  std::chrono::seconds request_timeout{30};    // P2L_REQUEST_TIMEOUT (body read)
  std::chrono::seconds drain_timeout{25};      // P2L_DRAIN_TIMEOUT (after SIGTERM)
  bool fsync = false;                          // P2L_FSYNC
  std::string shipper_pos_file;                // P2L_SHIPPER_POS_FILE (empty: none)
  // P2L_MIN_FREE_BYTES; default 2 x workers x rotation_bytes, at least 1 MiB.
  std::uint64_t min_free_bytes = 0;
  std::string pod_name;   // POD_NAME (default: host name)
  std::string node_name;  // NODE_NAME (default: host name)
};

// A setting that cannot be used; the message names the variable.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads the configuration through `lookup` (the environment in production,
// a map in tests). Throws ConfigError for the first invalid value.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
ReceiverConfig load_config(const EnvLookup& lookup, const std::string& host_name);

// The free-space floor when P2L_MIN_FREE_BYTES is unset: room for every worker to fill its
// current file twice (2 x workers x rotation_bytes), at least 1 MiB.
std::uint64_t default_min_free_bytes(unsigned workers, std::uint64_t rotation_bytes);

// The pod name without its workload prefix: for a Deployment pod
// `demo-0-7bcd9d6cdf-7jmsd` that is `7bcd9d6cdf-7jmsd` (the last two
// dash-separated parts); names with fewer parts are kept whole.
std::string pod_hash_of(const std::string& pod_name);

}  // namespace p2l
