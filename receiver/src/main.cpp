// post2log-receiver: writes every POST to its endpoint as one JSON line to
// size-rotated files. Configured by environment variables; see README.

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string_view>
#include <system_error>

#include "config.hpp"
#include "p2l/json_log.hpp"
#include "server.hpp"

namespace {

constexpr std::string_view kUsage =
    R"(post2log-receiver: logs HTTP postbacks as JSON lines to rotated files.

Configured by environment variables (defaults in brackets):
  P2L_HOST              listen address [0.0.0.0]
  P2L_PORT              listen port, 0 for any free port [80]
  P2L_ENDPOINT          path that accepts POST [/postback]
  P2L_LOG_QUERYPARAM    put query parameters into the record [true]
  P2L_WORKERS           worker threads, each with its own log file [1]
  P2L_ROTBYTES          rotate a log file at this size, 0 never [10485760]
  P2L_ROTBACKUPS        rotated files kept [5]
  P2L_LOGLEVEL          trace, debug, info, warning, error, critical [debug]
  P2L_LOG_DIR           directory of the record files [/data/logs]
  P2L_MAX_BODY_BYTES    larger bodies get 413 [1048576]
  P2L_KEEPALIVE_TIMEOUT seconds a connection may wait idle for its next request [75]
  P2L_HEADER_TIMEOUT    seconds a request header may take from its first byte [10]
  P2L_MAX_CONNECTIONS   open connections per worker; at the cap the longest idle one is
                        closed for a new one, or accepting pauses while all are busy [1024]
  P2L_REQUEST_TIMEOUT   seconds to read a body and write a response [30]
  P2L_DRAIN_TIMEOUT     seconds to finish requests after SIGTERM [25]
  P2L_FSYNC             fdatasync every record before answering [false]
  P2L_SHIPPER_POS_FILE  the shipper's position file (Fluentd in_tail pos_file); when set, a
                        rotated file is deleted only once the shipper has read it to its end,
                        or when free space falls below P2L_MIN_FREE_BYTES [unset]
  P2L_MIN_FREE_BYTES    free-space floor on the log volume below which unshipped rotated files
                        are deleted, oldest first, and counted in /metrics
                        [2 x P2L_WORKERS x P2L_ROTBYTES, at least 1048576]
  POD_NAME, NODE_NAME   identity put into every record [host name]
)";

std::string host_name() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) return "unknown";
  return name.data();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) {
    const std::string_view argument = argv[1];
    if (argument == "--help" || argument == "-h") {
      std::cout << kUsage;
      return 0;
    }
    std::cerr << "post2log-receiver: unknown argument '" << argument
              << "' (configuration comes from the environment; see --help)\n";
    return 2;
  }

  p2l::ReceiverConfig config;
  try {
    config = p2l::load_config(
        [](const std::string& name) -> std::optional<std::string> {
          const char* value = std::getenv(name.c_str());
          if (value == nullptr) return std::nullopt;
          return std::string(value);
        },
        host_name());
  } catch (const p2l::ConfigError& error) {
    std::cerr << "post2log-receiver: " << error.what() << '\n';
    return 1;
  }

  // The contract's level names (uvicorn's) are spdlog's own.
  auto logger =
      p2l::make_json_logger("post2log-receiver", spdlog::level::from_str(config.log_level));
  std::error_code error;
  std::filesystem::create_directories(config.log_dir, error);
  if (error || ::access(config.log_dir.c_str(), W_OK) != 0) {
    std::cerr << "post2log-receiver: P2L_LOG_DIR=\"" << config.log_dir
              << "\" is not a writable directory"
              << (error ? ": " + error.message() : std::string()) << '\n';
    return 1;
  }

  try {
    p2l::Server server(config, logger);
    return server.run();
  } catch (const std::exception& failure) {
    p2l::log_json(*logger, spdlog::level::critical, "cannot start", {{"error", failure.what()}});
    return 1;
  }
}
